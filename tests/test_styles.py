"""The EC style of emiAI outputs (emiai_qgis/styles.py): log-spaced nice breaks on one shared range,
labels with units and sensible precision, the .qml beside the rasters, and the post-processors
that style the layers Processing loads (and group the layers of one run on QGIS < 3.32)."""
import math
import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from conftest import data_file
from helpers_layers import point_layer

PUBLISHED = {"EMBEDDED_MODEL": 3, "METHOD": 0}  # the published cascade, network only (fast)


def _significant_digits(text: str) -> int:
    digits = re.sub(r"[^0-9]", "", text.split()[0]).lstrip("0")
    return len(digits.rstrip("0")) or 1


def _demo_like_bands(rng, n=2000):
    """12 EC depth slices like the Trimpley demo: ~3 mS/m at the top to ~27 mS/m (up to ~150) at 1.5 m."""
    medians = np.geomspace(2.9, 27.0, 12)
    return [np.exp(np.log(m) + rng.normal(0, 0.35 + 0.02 * k, n)) for k, m in enumerate(medians)]


def test_breaks_are_nice_log_spaced_and_cover_every_band():
    from emiai_qgis.styles import LOG_SEQUENCES, MAX_STOPS, ec_label, log_breaks, shared_range

    bands = _demo_like_bands(np.random.default_rng(5))
    lo, hi = shared_range(bands)
    breaks = log_breaks(lo, hi)
    # every band's own 2–98 % range is inside: the deepest slice is not saturated ...
    for band in bands:
        p2, p98 = np.percentile(band, [2, 98])
        assert breaks[0] <= p2 and p98 <= breaks[-1]
    # ... which one 2–98 % range over all values pooled (the old style) did not achieve
    assert np.percentile(np.concatenate(bands), 98) < np.percentile(bands[-1], 98)
    assert 2 <= len(breaks) <= MAX_STOPS
    nice = {m for seq in LOG_SEQUENCES for m in seq}
    for b in breaks:
        mantissa = round(b / 10 ** math.floor(math.log10(b)), 6)
        assert mantissa in nice, b
    ratios = np.diff(np.log10(breaks))
    assert ratios.min() > 0.05 and ratios.max() < 0.55  # log-spaced: at most 1-3-10 steps, never linear
    for b in breaks:
        label = ec_label(b)
        assert label.endswith(" mS/m") and _significant_digits(label) <= 3, label
        assert "." not in label or len(label.split()[0].split(".")[1]) <= 2


@pytest.mark.parametrize("low, high", [(0.12, 0.9), (1.7, 60.6), (2.2, 149.0), (10.0, 12.0), (0.3, 3000.0),
                                       (5.0, 5.0), (40.0, 2500.0)])
def test_log_breaks_ranges(low, high):
    from emiai_qgis.styles import MAX_STOPS, ec_label, log_breaks

    breaks = log_breaks(low, high)
    assert breaks[0] <= low and breaks[-1] >= high and breaks[-1] > breaks[0]
    assert len(breaks) <= MAX_STOPS and breaks == sorted(set(breaks))
    assert breaks[0] >= low / 2.5 and breaks[-1] <= high * 3.4  # snapped to the next nice value, not a decade away
    assert all(_significant_digits(ec_label(b)) <= 3 for b in breaks)


def test_raster_renderer_labels_and_legend(qgis_app, tmp_path):
    from osgeo import gdal

    from emiai_qgis.styles import raster_renderer
    from qgis.core import QgsRasterLayer

    path = str(tmp_path / "r.tif")
    ds = gdal.GetDriverByName("GTiff").Create(path, 4, 4, 1, gdal.GDT_Float32)
    ds.SetGeoTransform((0, 1, 0, 4, 0, -1))
    ds.GetRasterBand(1).WriteArray(np.geomspace(1.5, 70, 16).reshape(4, 4))
    ds = None
    layer = QgsRasterLayer(path, "r", "gdal")
    breaks = [1.5, 2.0, 3.0, 5.0, 7.0, 10.0, 15.0, 20.0, 30.0, 50.0, 70.0]
    renderer = raster_renderer(layer.dataProvider(), 1, breaks)
    shader = renderer.shader().rasterShaderFunction()
    items = shader.colorRampItemList()
    assert [i.value for i in items] == breaks
    assert [i.label for i in items][:3] == ["1.5 mS/m", "2 mS/m", "3 mS/m"]
    assert not shader.legendSettings().useContinuousLegend()  # the legend lists the labelled stops
    assert shader.labelPrecision() == 0  # QGIS's own label of '2' is then '2': it keeps ' mS/m' on relabelling
    # the colours follow the log scale: 10 mS/m (log middle of 1.5–70 is 10.2) is near the ramp's middle
    ramp_mid = renderer.shader().rasterShaderFunction().sourceColorRamp().color(0.5)
    ten = items[breaks.index(10.0)].color
    assert abs(ten.hueF() - ramp_mid.hueF()) < 0.03
    assert renderer.classificationMin() == 1.5 and renderer.classificationMax() == 70.0


def _slices_layer(rng, n=400):
    x, y = 600000 + rng.random(n) * 300, 5330000 + rng.random(n) * 300
    cols = {}
    for k, (top, bottom) in enumerate([(0, 50), (50, 100), (100, 150)]):
        median = (3.0, 12.0, 45.0)[k]
        cols[f"EC_{top:03d}_{bottom:03d}"] = np.exp(np.log(median) + rng.normal(0, 0.45, n))
    return point_layer(x, y, cols), cols


def test_depthslices_qml_holds_the_log_ramp_and_no_band_saturates(run_alg, tmp_path):
    from osgeo import gdal
    from qgis.core import QgsRasterLayer

    layer, _ = _slices_layer(np.random.default_rng(11))
    tif = tmp_path / "slices.tif"
    run_alg("emiai:depthslices", {"INPUT": layer, "CELL_SIZE": 10, "METHOD": 1, "OUTPUT": str(tif)})
    qml = tmp_path / "slices.qml"
    assert qml.exists()
    shader = ET.parse(qml).getroot().find(".//colorrampshader")
    items = shader.findall("item")
    values = [float(i.get("value")) for i in items]
    labels = [i.get("label") for i in items]
    assert len(values) >= 5 and all(lab.endswith(" mS/m") for lab in labels)
    assert all(_significant_digits(lab) <= 3 for lab in labels), labels
    assert shader.get("colorRampType") == "INTERPOLATED"
    assert np.diff(np.log10(values)).max() < 0.55  # log-spaced stops
    ds = gdal.Open(str(tif))
    for b in range(1, ds.RasterCount + 1):
        a = ds.GetRasterBand(b).ReadAsArray()
        a = a[a != ds.GetRasterBand(b).GetNoDataValue()]
        p2, p98 = np.percentile(a, [2, 98])
        assert values[0] <= p2 and p98 <= values[-1], (b, p2, p98, values)
    assert ET.parse(qml).getroot().find(".//rampLegendSettings").get("useContinuousLegend") == "0"
    # QGIS applies it when the raster is opened
    opened = QgsRasterLayer(str(tif), "slices", "gdal")
    assert opened.renderer().type() == "singlebandpseudocolor"
    assert opened.renderer().shader().rasterShaderFunction().colorRampItemList()[-1].label == labels[-1]


def test_depthslices_spread_style(run_alg, tmp_path):
    layer, cols = _slices_layer(np.random.default_rng(12))
    rng = np.random.default_rng(13)
    std = point_layer([f.geometry().asPoint().x() for f in layer.getFeatures()],
                      [f.geometry().asPoint().y() for f in layer.getFeatures()],
                      {**cols, **{n.replace("EC_", "ECSTD_"): rng.random(len(v)) * 0.12 for n, v in cols.items()}})
    tif = tmp_path / "spread.tif"
    run_alg("emiai:depthslices", {"INPUT": std, "QUANTITY": 1, "CELL_SIZE": 10, "METHOD": 1, "OUTPUT": str(tif)})
    items = ET.parse(tmp_path / "spread.qml").getroot().findall(".//colorrampshader/item")
    assert float(items[0].get("value")) == 0.0 and 0.1 <= float(items[-1].get("value")) <= 0.2
    assert items[-1].get("label").endswith("%)")  # '0.12 (±32 %)'
    assert items[0].get("color") != items[-1].get("color")


def _load_like_processing(context, project, feedback=None):
    """What Processing does with the layers of a run when it finishes: load each into ``project``,
    then call its post-processor. Returns {name: layer}."""
    from qgis.core import QgsProcessingFeedback, QgsProcessingUtils

    feedback = feedback or QgsProcessingFeedback()
    loaded = []
    for dest, details in context.layersToLoadOnCompletion().items():
        layer = QgsProcessingUtils.mapLayerFromString(dest, context)
        assert layer is not None, dest
        details.setOutputLayerName(layer)
        project.addMapLayer(context.temporaryLayerStore().takeMapLayer(layer) or layer)
        loaded.append((layer, details))
    for layer, details in loaded:
        assert details.postProcessor() is not None, layer.name()
        details.postProcessor().postProcessLayer(layer, context, feedback)
    return {layer.name(): layer for layer, _ in loaded}


def _context(project):
    from qgis.core import QgsProcessingContext

    context = QgsProcessingContext()
    context.setProject(project)
    return context


def _survey():
    with np.load(data_file("reference_training_rows.npz"), allow_pickle=False) as z:
        eca = z["eca_vcp_mini"] * 1000
    k = np.arange(len(eca))  # 6 straight survey lines, 50 readings 0.5 m apart
    x, y = 600000 + (k % 50) * 0.5, 5330000 + (k // 50) * 2.0
    return point_layer(x, y, {"VCP0.32": eca[:, 0], "VCP0.71": eca[:, 1], "VCP1.18": eca[:, 2]})


def test_predictec_output_is_styled_when_loaded(emiai_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingOutputLayerDefinition, QgsProject

    project = QgsProject()
    context = _context(project)
    out = QgsProcessingOutputLayerDefinition(str(tmp_path / "ec.gpkg"), project)
    processing.run("emiai:predictec", {**PUBLISHED, "INPUT": _survey(), "OUTPUT": out}, context=context)
    assert len(context.layersToLoadOnCompletion()) == 1
    layer = next(iter(_load_like_processing(context, project).values()))
    renderer = layer.renderer()
    assert renderer.type() == "graduatedSymbol"
    assert renderer.classAttribute() == "EC_000_012"  # the shallowest layer
    labels = [r.label() for r in renderer.ranges()]
    assert 3 <= len(labels) <= 11 and all(lab.endswith(" mS/m") for lab in labels), labels
    assert labels[0].startswith("≤ ") and labels[-1].startswith("> ")
    assert all(_significant_digits(lab.split()[-2]) <= 3 for lab in labels)
    values = [f["EC_000_012"] for f in layer.getFeatures()]
    assert all(renderer.rangeForValue(v) is not None for v in values)  # every point drawn
    styles = layer.styleManager().styles()
    assert len(styles) == 12 and "EC 0.00–0.12 m" in styles and "EC 1.32–1.50 m" in styles
    assert layer.styleManager().currentStyle() == "EC 0.00–0.12 m"
    layer.styleManager().setCurrentStyle("EC 1.32–1.50 m")
    assert layer.renderer().classAttribute() == "EC_132_150"
    assert [r.label() for r in layer.renderer().ranges()] == labels  # one shared range for all layers


def test_eca_fields_shallowest_first():
    from emiai_qgis.styles import eca_fields

    assert eca_fields(["id", "HCP0.32", "VCP1.18", "VCP0.32", "HCP0.71", "VCP0.71", "QC_FLAG"])[0] == "VCP0.32"
    assert eca_fields(["HCP0.32", "VCP0.71"]) == ["HCP0.32", "VCP0.71"]  # 0.48 m vs 0.53 m
    assert eca_fields(["Cond.2 [mS/m]", "Cond.1 [mS/m]", "Inph.1 [ppt]"]) == ["Cond.1 [mS/m]", "Cond.2 [mS/m]"]


def test_filtersurvey_output_is_styled_on_the_shallowest_coil(emiai_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingOutputLayerDefinition, QgsProject

    project = QgsProject()
    context = _context(project)
    out = QgsProcessingOutputLayerDefinition(str(tmp_path / "qc.gpkg"), project)
    processing.run("emiai:filtersurvey", {"INPUT": _survey(), "OUTPUT": out}, context=context)
    layer = next(iter(_load_like_processing(context, project).values()))
    assert layer.renderer().type() == "graduatedSymbol"
    assert layer.renderer().classAttribute() == "VCP0.32"
    assert all(r.label().endswith(" mS/m") for r in layer.renderer().ranges())
    assert set(layer.styleManager().styles()) == {"VCP0.32", "VCP0.71", "VCP1.18"}


def test_flag_only_survey_shows_flagged_points_as_grey_crosses(emiai_provider, tmp_path):
    """'Filter EMI survey' with FLAG_ONLY keeps every point: the ones the QC flagged are drawn as
    grey crosses under their own legend entry, and the colour range comes from the kept points only
    (a 5,000 mS/m spike does not stretch it)."""
    import processing
    from qgis.core import (
        QgsExpression,
        QgsExpressionContext,
        QgsExpressionContextUtils,
        QgsProcessingOutputLayerDefinition,
        QgsProject,
    )

    with np.load(data_file("reference_training_rows.npz"), allow_pickle=False) as z:
        eca = z["eca_vcp_mini"][:300] * 1000
    eca[[10, 120, 250], 0] = [-3.0, 5000.0, -1.0]  # below the minimum, a spike, below the minimum
    k = np.arange(len(eca))
    layer_in = point_layer(600000 + (k % 50) * 0.5, 5330000 + (k // 50) * 2.0,
                           {"VCP0.32": eca[:, 0], "VCP0.71": eca[:, 1], "VCP1.18": eca[:, 2]})
    project = QgsProject()
    context = _context(project)
    out = QgsProcessingOutputLayerDefinition(str(tmp_path / "qc.gpkg"), project)
    processing.run("emiai:filtersurvey", {"INPUT": layer_in, "FLAG_ONLY": True, "OUTPUT": out}, context=context)
    layer = next(iter(_load_like_processing(context, project).values()))
    renderer = layer.renderer()
    assert renderer.type() == "RuleRenderer"
    rules = renderer.rootRule().children()
    assert rules[0].label().startswith("flagged by the survey QC")
    assert all(r.label().endswith(" mS/m") for r in rules[1:]) and 3 <= len(rules) - 1 <= 11
    assert float(rules[-1].label().split()[1]) < 1000  # '> x mS/m': the spike did not set the range
    # every point is drawn by exactly one rule: the flagged ones by the first
    ctx = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    filters = [QgsExpression(r.filterExpression()) for r in rules]
    for feat in layer.getFeatures():
        ctx.setFeature(feat)
        matched = [k for k, e in enumerate(filters) if e.evaluate(ctx)]
        assert len(matched) == 1 and (matched[0] == 0) == (feat["QC_FLAG"] != 0)
    assert sum(1 for f in layer.getFeatures() if f["QC_FLAG"] != 0) >= 3
    assert set(layer.styleManager().styles()) == {"VCP0.32", "VCP0.71", "VCP1.18"}


def test_ecsection_raster_is_styled(emiai_provider, tmp_path):
    import processing
    from qgis.core import QgsProcessingOutputLayerDefinition, QgsProject, QgsRasterLayer

    from test_alg_ec_section import _line, _transect

    project = QgsProject()
    context = _context(project)
    out = str(tmp_path / "section.tif")
    processing.run("emiai:ecsection", {"INPUT": _transect(), "LINE": _line([(0, 0.3), (50, 0.3)]),
                                       "MAX_DISTANCE": 1.0, "OUTPUT": QgsProcessingOutputLayerDefinition(out, project)},
                   context=context)
    items = ET.parse(tmp_path / "section.qml").getroot().findall(".//colorrampshader/item")
    values = [float(i.get("value")) for i in items]
    assert values[0] <= 15.0 and values[-1] >= 55.0 and all(i.get("label").endswith(" mS/m") for i in items)
    assert QgsRasterLayer(out, "s", "gdal").renderer().type() == "singlebandpseudocolor"
    layer = next(iter(_load_like_processing(context, project).values()))
    assert layer.renderer().type() == "singlebandpseudocolor"
    assert [i.value for i in layer.renderer().shader().rasterShaderFunction().colorRampItemList()] == values


def test_layers_of_one_run_are_grouped(emiai_provider, tmp_path):
    """Two outputs loaded by one run (as a model does): on QGIS < 3.32 the post-processors put them
    into one group, EC points above the depth slices; QGIS ≥ 3.32 groups them itself (sort keys set)."""
    import processing
    from qgis.core import QgsLayerTreeGroup, QgsProcessingOutputLayerDefinition, QgsProject

    from emiai_qgis.styles import GROUP_PREFIX, SORT_KEYS

    project = QgsProject()
    context = _context(project)
    ec = str(tmp_path / "ec.gpkg")
    processing.run("emiai:predictec", {**PUBLISHED, "INPUT": _survey(),
                                       "OUTPUT": QgsProcessingOutputLayerDefinition(ec, project)}, context=context)
    processing.run("emiai:depthslices", {"INPUT": ec, "CELL_SIZE": 10, "METHOD": 1,
                                         "OUTPUT": QgsProcessingOutputLayerDefinition(str(tmp_path / "s.tif"),
                                                                                      project)}, context=context)
    details = list(context.layersToLoadOnCompletion().values())
    assert len(details) == 2
    if hasattr(details[0], "groupName"):  # QGIS ≥ 3.32: Processing sorts and groups
        assert sorted(d.layerSortKey for d in details) == [SORT_KEYS["depthslices"], SORT_KEYS["predictec"]]
        return
    layers = _load_like_processing(context, project)
    groups = [g for g in project.layerTreeRoot().children() if isinstance(g, QgsLayerTreeGroup)]
    assert len(groups) == 1 and groups[0].name().startswith(GROUP_PREFIX)
    order = [node.layer().name() for node in groups[0].children()]
    assert order == [layers["EC depth models"].name(), layers["EC depth slices"].name()]
    assert project.layerTreeRoot().findLayers()[0].parent() == groups[0]
