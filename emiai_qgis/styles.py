"""One EC style for every emiAI output: points, depth slices and sections.

EC (mS/m) is shown on a LOG10 scale with one perceptual colour ramp (viridis: dark blue-purple =
resistive, yellow = conductive), the same on every layer, with stops / class breaks at "nice"
values (1, 1.5, 2, 3, 5, 7, 10 … or 1, 2, 5, 10 … for wider ranges) and labels such as '3 mS/m',
'15 mS/m', '150 mS/m' — never more than three significant digits, always with the unit.

The range is shared by all bands (depth slices) or fields (point layers) of one output, so one
colour means one EC in every layer: it runs from the lowest 2nd percentile to the highest 98th
percentile over the bands / fields taken one by one, rounded outward to nice values (no band
saturates beyond its own 2 % tails, unlike one 2–98 % range over all values pooled, which cut
the conductive deep slices off). Each band / field gets a named style of the layer (layer menu
▸ Styles), all on the shared range, so switching keeps the log stops and the units.

The ensemble spread (ECSTD, std of log10 EC) has its own sequential ramp (YlOrRd) on a linear
scale in log10 units, labelled with the ± % it means.

Outputs loaded by Processing are styled by post-processors (:func:`attach`); GeoTIFFs also get a
.qml beside them (applied by QGIS whenever the file is opened). QGIS ≥ 3.32 groups the outputs of
a model run itself (LayerDetails.groupName / layerSortKey); on older QGIS the post-processor puts
the emiAI layers loaded by one run into one group when the run loads more than one.
"""
from __future__ import annotations

import math
import time

EC_UNITS = "mS/m"
SPREAD_UNITS = "log10"
#: viridis (matplotlib) at 0, 0.1 … 1 — built here, not read from QgsStyle (thread-safe, same everywhere)
EC_RAMP_COLOURS = ("#440154", "#482475", "#414487", "#355f8d", "#2a788e", "#21918c", "#22a884", "#44bf70",
                   "#7ad151", "#bddf26", "#fde725")
#: YlOrRd (ColorBrewer) at 0, 0.1 … 1 — the ensemble spread
SPREAD_RAMP_COLOURS = ("#ffffcc", "#fff1a9", "#fee187", "#feca66", "#feab49", "#fd8c3c", "#fc5b2e", "#ed2e21",
                       "#d41020", "#b00026", "#800026")
#: nice values per decade, finest first: the finest giving at most MAX_STOPS stops is used
LOG_SEQUENCES = ((1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8), (1, 1.5, 2, 3, 5, 7), (1, 2, 5), (1, 3), (1,))
MAX_STOPS = 12
#: point layers: the same stops as rasters (at most 11 classes), so points and slices of one survey share a legend
POINT_MAX_STOPS = MAX_STOPS
PERCENTILES = (2.0, 98.0)
#: layer-tree order of the outputs of one run (higher = higher in the layer tree, as QGIS ≥ 3.32 sorts):
#: points above rasters (a raster would hide them), the later workflow step above the earlier one
SORT_KEYS = {"ecsection": 10, "depthslices_spread": 20, "depthslices": 30, "importsurvey": 50, "filtersurvey": 55,
             "calibrateeca": 60, "predictec": 70}
GROUP_PREFIX = "emiAI run"


# --- numbers (no QGIS) ----------------------------------------------------------------------------

def shared_range(columns, positive: bool = True):
    """(low, high): the lowest 2nd and the highest 98th percentile over ``columns`` taken one by
    one (bands of a raster, fields of a layer; arrays of any shape, NaN = no data; with
    ``positive`` only values > 0 count, for a log scale). None when no column has a value."""
    import numpy as np

    lows, highs = [], []
    for col in columns:
        a = np.asarray(col, float).ravel()
        a = a[np.isfinite(a) & (a > 0)] if positive else a[np.isfinite(a)]
        if a.size:
            lo, hi = np.percentile(a, PERCENTILES)
            lows.append(float(lo))
            highs.append(float(hi))
    return (min(lows), max(highs)) if lows else None


def _nice(mantissa, exponent) -> float:
    return float(f"{mantissa}e{exponent}")  # exact decimal: 1.5e-1 is 0.15, printed '0.15'


def log_breaks(low: float, high: float, max_stops: int = MAX_STOPS) -> list:
    """Nice log-spaced values from the nice value at or below ``low`` to the one at or above
    ``high`` (low, high > 0): the finest of LOG_SEQUENCES with at most ``max_stops`` values."""
    if not (low > 0 and high > 0 and math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"log_breaks needs a positive finite range, got {low!r}–{high!r}")
    low, high = min(low, high), max(low, high)
    e0, e1 = math.floor(math.log10(low)) - 1, math.ceil(math.log10(high)) + 1
    best = None
    for seq in LOG_SEQUENCES:
        values = sorted({_nice(m, e) for e in range(e0, e1 + 1) for m in seq})
        start = max(v for v in values if v <= low * (1 + 1e-9))
        end = min(v for v in values if v >= high * (1 - 1e-9))
        if end <= start:
            end = min(v for v in values if v > start)
        best = [v for v in values if start <= v <= end]
        if len(best) <= max_stops:
            return best
    step = math.ceil((len(best) - 1) / (max_stops - 1))  # many decades: every step-th decade
    return best[::step] if best[-1] in best[::step] else best[::step] + [best[-1]]


def linear_breaks(high: float, max_intervals: int = 6) -> list:
    """0 to the nice value (1-2-5 steps) at or above ``high``, in at most ``max_intervals`` steps."""
    high = high if high > 0 and math.isfinite(high) else 1.0
    for e in range(math.floor(math.log10(high)) - 2, math.floor(math.log10(high)) + 2):
        for m in (1, 2, 2.5, 5):
            step = _nice(m, e)
            n = math.ceil(high / step - 1e-9)
            if n <= max_intervals:
                return [_nice(round(k * m, 10), e) for k in range(n + 1)]
    return [0.0, high]


def value_text(value: float) -> str:
    """A nice value as QGIS writes a number without a format ('2', '1.5', '0.15', '150')."""
    return f"{value:g}"


def ec_label(value: float, units: str = EC_UNITS) -> str:
    return f"{value_text(value)} {units}"


def spread_label(value: float) -> str:
    """'0.1 (±26 %)': the spread of log10 EC and the factor it means."""
    return f"{value_text(value)} (±{(10 ** value - 1) * 100:.0f} %)"


def decimals(values) -> int:
    """Decimals needed to write every value of ``values`` exactly (for QGIS's label precision)."""
    return max((len(value_text(v).split(".")[1]) if "." in value_text(v) else 0) for v in values)


def label_precision(values) -> int:
    """The label precision (decimals) for QGIS that writes most of ``values`` exactly as their labels
    do ('2', not '2.0'). QGIS (3.22+) finds the unit suffix of a colour ramp's labels only in labels
    equal to its own label of the value at that precision plus the suffix (at least two of them),
    and keeps the unit when it relabels the stops (e.g. after a band switch in Symbology)."""
    values = list(values)
    best = max(range(0, 4), key=lambda p: (sum(f"{v:.{p}f}" == value_text(v) for v in values), -p))
    return best


def log_position(value: float, breaks) -> float:
    """Where ``value`` lies on the log scale of ``breaks`` (0 = first, 1 = last; clipped)."""
    lo, hi = math.log10(breaks[0]), math.log10(breaks[-1])
    return min(1.0, max(0.0, (math.log10(value) - lo) / (hi - lo))) if value > 0 else 0.0


# --- QGIS objects -----------------------------------------------------------------------------------

def _enum(new: str, old):
    """A QGIS enum value by its ≥ 3.30 name in Qgis (e.g. 'ShaderInterpolationMethod.Linear'),
    else the old one (QGIS 3.22)."""
    from qgis.core import Qgis

    obj = Qgis
    try:
        for part in new.split("."):
            obj = getattr(obj, part)
        return obj
    except AttributeError:
        return old


def color_ramp(colours=EC_RAMP_COLOURS):
    """A QgsGradientColorRamp through ``colours`` (evenly spaced)."""
    from qgis.core import QgsGradientColorRamp, QgsGradientStop
    from qgis.PyQt.QtGui import QColor

    stops = [QgsGradientStop(k / (len(colours) - 1), QColor(c)) for k, c in enumerate(colours[1:-1], 1)]
    return QgsGradientColorRamp(QColor(colours[0]), QColor(colours[-1]), False, stops)


def raster_renderer(provider, band: int, breaks, spread: bool = False):
    """A single-band pseudocolour renderer on ``band``: EC on the log scale of ``breaks`` (or, with
    ``spread``, the ensemble spread on a linear scale), one stop per break, labelled with units,
    a stepped legend listing the stops (QGIS's continuous legend has only end labels and would
    draw the bar on a linear scale), values beyond the ends in the end colours, and a fixed range
    (QGIS does not recompute it)."""
    from qgis.core import (
        QgsBasicNumericFormat,
        QgsColorRampLegendNodeSettings,
        QgsColorRampShader,
        QgsRasterMinMaxOrigin,
        QgsRasterShader,
        QgsSingleBandPseudoColorRenderer,
    )

    ramp = color_ramp(SPREAD_RAMP_COLOURS if spread else EC_RAMP_COLOURS)
    shader = QgsColorRampShader(breaks[0], breaks[-1], ramp.clone())
    shader.setColorRampType(_enum("ShaderInterpolationMethod.Linear", QgsColorRampShader.Interpolated))
    shader.setClassificationMode(_enum("ShaderClassificationMethod.Continuous", QgsColorRampShader.Continuous))
    items = []
    for v in breaks:
        pos = (v - breaks[0]) / (breaks[-1] - breaks[0]) if spread else log_position(v, breaks)
        # label = the value as QGIS writes it + the unit: QGIS then finds the unit suffix and keeps
        # it when it relabels the stops (e.g. after a band switch in Symbology)
        items.append(QgsColorRampShader.ColorRampItem(v, ramp.color(pos),
                                                      spread_label(v) if spread else ec_label(v)))
    shader.setColorRampItemList(items)
    shader.setLabelPrecision(label_precision(breaks))
    shader.setClip(False)
    legend = QgsColorRampLegendNodeSettings()
    legend.setUseContinuousLegend(False)
    legend.setSuffix("" if spread else f" {EC_UNITS}")
    number = QgsBasicNumericFormat()
    number.setNumberDecimalPlaces(max(decimals(breaks), 1))
    number.setShowTrailingZeros(False)
    legend.setNumericFormat(number)
    shader.setLegendSettings(legend)
    raster_shader = QgsRasterShader(breaks[0], breaks[-1])
    raster_shader.setRasterShaderFunction(shader)
    renderer = QgsSingleBandPseudoColorRenderer(provider, band, raster_shader)
    renderer.setClassificationMin(breaks[0])
    renderer.setClassificationMax(breaks[-1])
    origin = QgsRasterMinMaxOrigin()
    origin.setLimits(_enum("RasterRangeLimit.NotSet", QgsRasterMinMaxOrigin.None_))
    renderer.setMinMaxOrigin(origin)
    return renderer


def raster_breaks(arrays, spread: bool = False):
    """The breaks of a raster's style from its bands' values (2-D arrays or a 3-D stack)."""
    rng = shared_range(arrays, positive=not spread)
    if spread:
        return linear_breaks(rng[1] if rng else 0.1)
    return log_breaks(*rng) if rng else [1.0, 10.0]


def _band_style_name(layer, band: int) -> str:
    """'EC 0.00–0.12 m' from QGIS's band name 'Band 01: EC 0.00–0.12 m (mS/m)' (or 'Band 3')."""
    try:
        text = layer.dataProvider().generateBandName(band)
    except (AttributeError, RuntimeError):
        text = ""
    text = text.split(": ", 1)[1] if ": " in text else (text or f"Band {band}")
    return text.rsplit(" (", 1)[0] if text.endswith(")") and " (" in text else text


def style_raster(layer, breaks, spread: bool = False, band: int = 1, band_styles: bool = True):
    """Style ``layer`` (EC or spread) on ``breaks`` showing ``band``; with ``band_styles`` and more
    than one band, one named style per band (layer menu ▸ Styles), all on the same breaks."""
    provider = layer.dataProvider()
    count = provider.bandCount() if provider else 1
    if band_styles and count > 1:
        manager = layer.styleManager()
        names = [_band_style_name(layer, b) for b in range(1, count + 1)]
        if len(set(names)) < len(names):
            names = [f"{b}: {n}" for b, n in enumerate(names, 1)]
        for b in range(count, 0, -1):
            layer.setRenderer(raster_renderer(provider, b, breaks, spread))
            if b == 1:
                break
            if names[b - 1] in manager.styles():
                manager.removeStyle(names[b - 1])
            manager.addStyleFromLayer(names[b - 1])
        current = manager.currentStyle()
        if current != names[0] and names[0] not in manager.styles():
            manager.renameStyle(current, names[0])
        if band != 1:
            manager.setCurrentStyle(names[band - 1])
    else:
        layer.setRenderer(raster_renderer(provider, band, breaks, spread))
    layer.triggerRepaint()


def style_raster_from_data(layer, spread: bool = False):
    """Style a raster layer from its own values (all bands), e.g. an output opened later."""
    import numpy as np
    from osgeo import gdal

    ds = gdal.Open(layer.source())
    if ds is None:
        raise OSError(f"GDAL cannot open {layer.source()}")
    arrays = []
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        a = band.ReadAsArray().astype(float)
        if band.GetNoDataValue() is not None:
            a[a == band.GetNoDataValue()] = np.nan
        arrays.append(a)
    style_raster(layer, raster_breaks(arrays, spread), spread)


def write_raster_style(raster_path: str, qml_path: str, breaks, spread: bool = False):
    """Save the style of ``raster_path`` to ``qml_path`` (<name>.qml beside a raster is its default
    style: QGIS applies it when the raster is opened). Band 1 on ``breaks``."""
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer(raster_path, "EC", "gdal")
    if not layer.isValid():
        raise OSError(f"Could not open {raster_path} to save its style")
    style_raster(layer, breaks, spread, band_styles=False)
    message, ok = layer.saveNamedStyle(qml_path)
    if not ok:
        raise OSError(f"Could not save the style {qml_path}: {message}")


# --- points -------------------------------------------------------------------------------------------

def point_renderer(field: str, breaks, data_min=None, data_max=None, units: str = EC_UNITS):
    """A graduated renderer on ``field``: one class between consecutive breaks (the first and the
    last open: '≤ 2 mS/m', '> 50 mS/m'), coloured at the class's log middle, small dots without
    outline (surveys are dense), labels with units."""
    from qgis.core import (
        QgsClassificationLogarithmic,
        QgsGraduatedSymbolRenderer,
        QgsMarkerSymbol,
        QgsRendererRange,
    )

    ramp = color_ramp()
    lows = [min(breaks[0], data_min) if data_min is not None and math.isfinite(data_min) else breaks[0]]
    lows += breaks[1:-1]
    highs = breaks[1:-1] + [max(breaks[-1], data_max) if data_max is not None and math.isfinite(data_max)
                            else breaks[-1]]
    if len(breaks) == 2:
        lows, highs = lows[:1], highs[-1:]
    ranges = []
    n = len(lows)
    for k, (lo, hi) in enumerate(zip(lows, highs)):
        symbol = QgsMarkerSymbol.createSimple({"name": "circle", "size": "1.8", "size_unit": "MM",
                                               "outline_style": "no"})
        a, b = breaks[k], breaks[k + 1]
        symbol.setColor(ramp.color(log_position(math.sqrt(a * b), breaks)))
        if n == 1:
            label = f"{value_text(a)} – {value_text(b)} {units}"
        elif k == 0:
            label = f"≤ {value_text(b)} {units}"
        elif k == n - 1:
            label = f"> {value_text(a)} {units}"
        else:
            label = f"{value_text(a)} – {value_text(b)} {units}"
        ranges.append(QgsRendererRange(lo, hi, symbol, label))
    renderer = QgsGraduatedSymbolRenderer(field, ranges)
    renderer.setSourceColorRamp(ramp.clone())
    renderer.setGraduatedMethod(_enum("GraduatedMethod.Color", QgsGraduatedSymbolRenderer.GraduatedColor))
    method = QgsClassificationLogarithmic()  # what 'Classify' in Symbology then does: log classes
    method.setLabelFormat(f"%1 – %2 {units}")
    method.setLabelPrecision(label_precision(breaks))
    method.setLabelTrimTrailingZeroes(True)
    renderer.setClassificationMethod(method)
    return renderer


def _field_values(layer, fields) -> dict:
    import numpy as np

    idx = [layer.fields().lookupField(f) for f in fields]
    values = {f: [] for f in fields}
    request = _attribute_request(layer, idx)
    for feat in layer.getFeatures(request):
        attrs = feat.attributes()
        for f, i in zip(fields, idx):
            v = attrs[i]
            try:
                values[f].append(float(v) if v is not None else np.nan)
            except (TypeError, ValueError):
                values[f].append(np.nan)
    return {f: np.asarray(v, float) for f, v in values.items()}


def _attribute_request(layer, idx):
    from qgis.core import QgsFeatureRequest

    request = QgsFeatureRequest()
    request.setFlags(_enum("FeatureRequestFlag.NoGeometry", QgsFeatureRequest.NoGeometry))
    request.setSubsetOfAttributes(idx)
    return request


def qc_renderer(renderer, qc_field: str = "QC_FLAG"):
    """The classes of the graduated ``renderer`` for the points that passed the survey QC
    (``qc_field`` 0 or empty), and small grey crosses, drawn first, for the points it flagged (a
    'Filter EMI survey' output with 'flag only'): a rule-based renderer. The first and last classes
    are open ('≤ x', '> y', as their labels say)."""
    from qgis.core import QgsMarkerSymbol, QgsRuleBasedRenderer

    field = renderer.classAttribute().replace('"', '""')
    kept = f'coalesce("{qc_field}", 0) = 0'
    root = QgsRuleBasedRenderer.Rule(None)
    cross = QgsMarkerSymbol.createSimple({"name": "cross2", "size": "1.6", "size_unit": "MM",
                                          "color": "130,130,130", "outline_color": "130,130,130",
                                          "outline_width": "0.25"})
    root.appendChild(QgsRuleBasedRenderer.Rule(cross, 0, 0, f'coalesce("{qc_field}", 0) <> 0',
                                               f"flagged by the survey QC ({qc_field} ≠ 0)"))
    ranges = renderer.ranges()
    for k, r in enumerate(ranges):
        conds = [kept, f'"{field}" IS NOT NULL']
        if k > 0:
            conds.append(f'"{field}" > {r.lowerValue()!r}')
        if k < len(ranges) - 1:
            conds.append(f'"{field}" <= {r.upperValue()!r}')
        root.appendChild(QgsRuleBasedRenderer.Rule(r.symbol().clone(), 0, 0, " AND ".join(conds), r.label()))
    return QgsRuleBasedRenderer(root)


def style_points(layer, fields, style_names=None, units: str = EC_UNITS, qc_field: str | None = None):
    """Graduated EC style of a point layer on ``fields[0]``; with more fields, one named style per
    field (layer menu ▸ Styles, named ``style_names`` or the field names), all on one shared range.
    With ``qc_field`` present and some points flagged (≠ 0), the range is taken from the other points
    and the flagged ones are drawn as grey crosses (qc_renderer). Returns the breaks (None when no
    field has a positive value: the layer is left as it is)."""
    import numpy as np

    fields = [f for f in fields if layer.fields().lookupField(f) >= 0]
    if not fields:
        return None
    values = _field_values(layer, fields)
    flagged = None
    if qc_field and layer.fields().lookupField(qc_field) >= 0:
        flag = _field_values(layer, [qc_field])[qc_field]
        flagged = np.isfinite(flag) & (flag != 0)
        if flagged.any() and not flagged.all():
            values = {f: np.where(flagged, np.nan, v) for f, v in values.items()}
        else:
            flagged = None
    rng = shared_range(values.values())
    if rng is None:
        return None
    breaks = log_breaks(*rng, max_stops=POINT_MAX_STOPS)
    finite = np.concatenate([v[np.isfinite(v)] for v in values.values()])
    lo, hi = float(finite.min()), float(finite.max())
    names = list(style_names or fields)
    manager = layer.styleManager()

    def renderer(field):
        graduated = point_renderer(field, breaks, lo, hi, units)
        return graduated if flagged is None else qc_renderer(graduated, qc_field)

    if len(fields) > 1:
        for k in range(len(fields) - 1, 0, -1):
            layer.setRenderer(renderer(fields[k]))
            if names[k] in manager.styles():
                manager.removeStyle(names[k])
            manager.addStyleFromLayer(names[k])
    layer.setRenderer(renderer(fields[0]))
    if len(fields) > 1 and names[0] not in manager.styles():
        manager.renameStyle(manager.currentStyle(), names[0])
    layer.triggerRepaint()
    return breaks


def ec_layer_fields(field_names):
    """(fields, style names) of a predicted EC layer: the finest EC_<top>_<bottom> layering in depth
    order, named 'EC 0.00–0.12 m'."""
    from emiai_core.fields import EC_PREFIX, finest_layering
    from emiai_core.raster_io import slice_bands

    if not finest_layering(field_names, EC_PREFIX):
        return [], []
    names, _, labels = slice_bands(field_names, None, EC_PREFIX)
    return names, labels


def eca_fields(field_names):
    """The ECa fields of a survey, shallowest-sensing first: coil fields ordered by their depth of
    sensitivity (≈ 0.5 × spacing for PRP, 0.75 × for VCP, 1.5 × for HCP), else GF 'Cond.N' channels."""
    from emiai_core.fields import coil_fields, gf_channel

    depth_factor = {"PRP": 0.5, "VCP": 0.75, "HCP": 1.5}
    coils = coil_fields(field_names)
    if coils:
        def depth(name):
            orient, spacing = name[:3].upper(), name[3:]
            try:
                return depth_factor.get(orient, 1.0) * float(spacing)
            except ValueError:
                return math.inf
        return [coils[c] for c in sorted(coils, key=depth)]
    cond = [(gf_channel(f)[1], f) for f in field_names if (gf_channel(f) or ("",))[0] == "cond"]
    return [f for _, f in sorted(cond)]


def style_ec_points(layer):
    """Style a predicted EC layer (emiai:predictec) on its shallowest layer, a style per layer."""
    fields, names = ec_layer_fields(layer.fields().names())
    return style_points(layer, fields, names)


def style_eca_points(layer):
    """Style an EMI survey (ECa in mS/m) on its shallowest-sensing coil, a style per coil; points
    flagged by the survey QC (QC_FLAG ≠ 0) as grey crosses."""
    from emiai_core.fields import QC_FLAG_FIELD

    return style_points(layer, eca_fields(layer.fields().names()), qc_field=QC_FLAG_FIELD)


# --- Processing: post-processors and grouping ------------------------------------------------------

try:
    from qgis.core import QgsProcessingLayerPostProcessorInterface as _PostProcessorBase
except ImportError:  # pragma: no cover - QGIS always has it
    _PostProcessorBase = object

#: Processing keeps a raw pointer to a post-processor: the Python objects live here (one per output)
_KEEP = {}
#: layer-tree group per run (QGIS < 3.32), keyed by the outputs the run loads
_RUN_GROUPS = {}


class StylePostProcessor(_PostProcessorBase):
    """Applies ``apply(layer)`` when Processing loads the output; on QGIS < 3.32, also puts the
    layer into the run's group when the run loads more than one layer."""

    def __init__(self, apply, sort_key: int = 0):
        super().__init__()
        self.apply, self.sort_key = apply, sort_key

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        try:
            self.apply(layer)
        except Exception as err:  # a style must never fail the run
            if feedback is not None:
                feedback.pushWarning(f"Could not style {layer.name()}: {err}")
        try:
            _group_run_layers(layer, context, self.sort_key)
        except Exception as err:  # noqa: BLE001
            if feedback is not None:
                feedback.pushWarning(f"Could not group {layer.name()}: {err}")


def attach(context, dest_id, apply, kind: str = "") -> bool:
    """Style the output ``dest_id`` with ``apply(layer)`` when Processing loads it (returns False
    when it is not loaded). ``kind`` (a SORT_KEYS key) orders the layers of one run: on QGIS ≥ 3.32
    as LayerDetails.layerSortKey unless a model set one, on older QGIS in the run's group."""
    if not dest_id or not context.willLoadLayerOnCompletion(dest_id):
        return False
    details = context.layerToLoadOnCompletionDetails(dest_id)
    key = SORT_KEYS.get(kind, 0)
    processor = StylePostProcessor(apply, key)
    _KEEP[dest_id] = processor
    while len(_KEEP) > 200:  # long sessions: forget the oldest (long loaded)
        _KEEP.pop(next(iter(_KEEP)))
    details.setPostProcessor(processor)
    if key and hasattr(details, "layerSortKey") and not details.layerSortKey:
        details.layerSortKey = key
    return True


def _group_run_layers(layer, context, sort_key: int):
    """QGIS < 3.32 (no LayerDetails.groupName): when the run loads more than one layer, move
    ``layer`` into the group of the run (created at the top of the layer tree), ordered by
    ``sort_key`` (higher first). QGIS ≥ 3.32 groups model outputs itself."""
    from qgis.core import QgsLayerTreeGroup, QgsProject

    loading = list(context.layersToLoadOnCompletion().keys())
    if len(loading) < 2 or hasattr(context.layerToLoadOnCompletionDetails(loading[0]), "groupName"):
        return
    project = context.project() or QgsProject.instance()
    root = project.layerTreeRoot()
    node = root.findLayer(layer.id())
    if node is None:
        return
    key = frozenset(loading)
    name = _RUN_GROUPS.get(key)
    if name is None:
        name = _RUN_GROUPS[key] = f"{GROUP_PREFIX} {time.strftime('%Y-%m-%d %H:%M:%S')}"
    group = root.findGroup(name)
    if group is None:
        group = root.insertGroup(0, name)
    clone = node.clone()
    clone.setCustomProperty("emiai/sort_key", sort_key)
    position = 0
    for child in group.children():
        if not isinstance(child, QgsLayerTreeGroup) and int(child.customProperty("emiai/sort_key", 0)) >= sort_key:
            position += 1
    group.insertChildNode(position, clone)
    node.parent().removeChildNode(node)


__all__ = ["EC_UNITS", "attach", "ec_label", "eca_fields", "ec_layer_fields", "linear_breaks", "log_breaks",
           "point_renderer", "raster_breaks", "raster_renderer", "shared_range", "style_ec_points",
           "style_eca_points", "style_points", "style_raster", "style_raster_from_data", "write_raster_style"]
