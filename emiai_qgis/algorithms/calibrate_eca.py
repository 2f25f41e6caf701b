"""emiai:calibrateeca — regress measured ECa on the forward response of co-located ERT."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
)

from emiai_core.eca_calibration import FIT_LABELS, FITS
from emiai_core.fields import FORWARD_MODEL_LABELS, FORWARD_MODELS

from .base import EmiAIAlgorithm


class CalibrateEcaAlgorithm(EmiAIAlgorithm):
    """Survey points + ERT cells/traces → calibrated survey + coefficients (JSON) + report."""

    INPUT = "INPUT"
    ECA_FIELDS = "ECA_FIELDS"
    ERT_CELLS = "ERT_CELLS"
    TRACES = "TRACES"
    MAX_DISTANCE = "MAX_DISTANCE"
    HEIGHT = "HEIGHT"
    FIT = "FIT"
    FORWARD_MODEL = "FORWARD_MODEL"
    MIN_PAIRS = "MIN_PAIRS"
    MIN_REACH = "MIN_REACH"
    OUTPUT = "OUTPUT"
    OUTPUT_COEFFICIENTS = "OUTPUT_COEFFICIENTS"
    OUTPUT_HTML = "OUTPUT_HTML"

    ID = "calibrateeca"
    DISPLAY_NAME = "Calibrate ECa against ERT"
    HELP = (
        "Calibrates the ECa of an EMI survey against ERT measured along a line that was also "
        "surveyed with the EMI instrument (Lavoué et al. 2010; von Hebel et al. 2014; EMagPy "
        "<i>Problem.calibrate</i>). Absolute ECa carry offsets and gains (factory calibration, drift, "
        "height, nearby metal) that no inversion can remove; this step removes them.<br><br>"
        "For every survey point within the <b>maximum distance</b> of an ERT trace, the 1-D EC "
        "column of the ERT below it is taken as 'Generate training models' does: the cells within "
        "1.5 electrode spacings along the line, binned by depth below the local ground surface "
        "(12 layers to 1.5 m, then 2, 2.5, 3 m; the deepest value continues below), empty layers "
        "interpolated. Columns whose cells do not reach the <b>minimum ERT depth</b> (the "
        "shallow ends of a section) are not used. The column is forward-modelled for the survey's "
        "coils (from the field names, e.g. VCP0.32) at the instrument height (the HEIGHT_M field "
        "when the layer has one, else the height given here), and per coil "
        "ECa_ERT = offset + gain × ECa_measured is fitted: robustly (Huber weights, so a few bad "
        "pairs do not pull the line), by ordinary least squares, or as a gain only.<br><br>"
        "<b>Outputs</b>: the calibrated survey (every point: the ECa fields hold offset + gain × "
        "ECa, the originals are kept as &lt;coil&gt;_RAW; ECA_CAL = 1 where all coils were "
        "calibrated; CAL_PAIR = 1 for the points used in the fit, with ERT_DIST_M their distance to "
        "the trace and &lt;coil&gt;_ERT the ERT's modelled ECa); the coefficients as a small JSON "
        "file for 'Apply ECa calibration' on other surveys with the same instrument and height; an "
        "HTML report with the fit and residual plots.<br>"
        "ERT cells and traces are the outputs of 'Import ERT section'. Survey and ERT may be in "
        "different CRSs; distances are measured in metres (a geographic survey is projected to its "
        "UTM zone)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EMI survey points (ECa in mS/m)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.ECA_FIELDS, "ECa fields to calibrate (empty = all coil fields, e.g. VCP0.32)",
            parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Numeric,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.ERT_CELLS, "ERT cells (from 'Import ERT section')", QgsProcessing.TypeVectorPoint))
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.TRACES, "ERT profile traces (from 'Import ERT section')", QgsProcessing.TypeVectorLine))
        p = QgsProcessingParameterDistance(
            self.MAX_DISTANCE, "Maximum distance of a survey point from an ERT trace", defaultValue=1.0,
            minValue=0.0)
        p.setDefaultUnit(_metres())
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterNumber(
            self.HEIGHT, "Instrument height above ground when the layer has no HEIGHT_M field (m)",
            QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0, maxValue=10.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FIT, "Fit", options=[FIT_LABELS[f] for f in FITS], defaultValue=0))
        p = QgsProcessingParameterEnum(
            self.FORWARD_MODEL, "Forward model of the ERT columns",
            options=[FORWARD_MODEL_LABELS[m] for m in FORWARD_MODELS], defaultValue=0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterNumber(
            self.MIN_PAIRS, "Minimum number of survey points paired with the ERT", QgsProcessingParameterNumber.Integer,
            defaultValue=10, minValue=3)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterNumber(
            self.MIN_REACH, "Minimum depth the ERT column must reach (m)", QgsProcessingParameterNumber.Double,
            defaultValue=1.5, minValue=0.1, maxValue=3.0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Calibrated survey", QgsProcessing.TypeVectorPoint))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_COEFFICIENTS, "Calibration coefficients", "JSON files (*.json)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_HTML, "Calibration report", "HTML files (*.html)", optional=True))
        for name, label in (("N_INPUT", "Points read"), ("N_PAIRS", "Points paired with the ERT"),
                            ("N_CALIBRATED", "Points calibrated")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import os

        import numpy as np

        from emiai_core.atomic import staged_files
        from emiai_core.eca_calibration import PAIR_REASONS, Calibration, ert_eca, fit_coils, pair_with_ert
        from emiai_core.fields import HEIGHT_FIELD

        from ..ert_layers import read_ert_profiles
        from ..layer_io import metric_crs, read_points, transform_xy

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        self.check_output_writable(parameters, self.OUTPUT, context)
        coef_path = self.parameterAsFileOutput(parameters, self.OUTPUT_COEFFICIENTS, context)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        for label, path in (("Calibration coefficients", coef_path), ("Calibration report", html_path)):
            if path and not os.access(os.path.dirname(os.path.abspath(path)) or ".", os.W_OK):
                raise self.fail(f"{label}: cannot write {path} (folder missing or read-only); choose another path.")
        fields, coils, heights = self.survey_coils(source, parameters, context, feedback)

        table = read_points(source, fields + ([HEIGHT_FIELD] if heights else []), feedback, (0.0, 20.0))
        if len(table.x) == 0:
            raise self.fail("The survey layer has no features: nothing to calibrate.")
        eca = np.column_stack([table.values[f] for f in fields])
        if heights:
            h = table.values[HEIGHT_FIELD]
            h = h[np.isfinite(h)]
            if h.size and np.ptp(h) > 0.05:
                raise self.fail(f"The survey's {HEIGHT_FIELD} varies from {h.min():g} to {h.max():g} m: a calibration "
                                "holds for one instrument height. Calibrate each height separately.")
            height = float(np.median(h)) if h.size else self.parameterAsDouble(parameters, self.HEIGHT, context)
            coils = [c.at_height(height) for c in coils]
        feedback.pushInfo("Coils: " + ", ".join(c.emagpy for c in coils))

        # one metric CRS for survey and ERT: the survey's if projected, else the traces', else UTM
        src_crs = source.sourceCrs()
        trace_layers = self.parameterAsLayerList(parameters, self.TRACES, context)
        cell_layers = self.parameterAsLayerList(parameters, self.ERT_CELLS, context)
        if not cell_layers:
            raise self.fail("ERT cells: choose at least one 'ERT cells' layer of 'Import ERT section'.")
        if not trace_layers:
            raise self.fail("ERT profile traces: choose the 'Profile trace' layer(s) of 'Import ERT section'.")
        work_crs = metric_crs(src_crs, trace_layers[0].crs(), table.x, table.y)
        if work_crs != src_crs:
            feedback.pushInfo(f"Distances computed in {work_crs.authid()} ({work_crs.description()}).")
        x, y = table.x, table.y
        if work_crs != src_crs and src_crs.isValid():
            x, y = transform_xy(x, y, src_crs, work_crs, context.transformContext())
        profiles, _ = read_ert_profiles(self, cell_layers, trace_layers, context, feedback, "ERT cells",
                                        "ERT profile traces", (20.0, 20.0), dest_crs=work_crs)
        self.check_canceled(feedback)

        max_distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
        min_reach = self.parameterAsDouble(parameters, self.MIN_REACH, context)
        pairs = pair_with_ert(x, y, eca, profiles, max_distance, min_reach)
        counts = pairs.counts()
        n_pairs = len(pairs.index)
        for key, text in PAIR_REASONS.items():
            if counts[key]:
                feedback.pushInfo(f"{counts[key]} point(s) not paired: {text}.")
        feedback.pushInfo(f"{n_pairs} point(s) paired with the ERT of "
                          f"{', '.join(sorted(set(pairs.profile))) or 'no profile'}.")
        min_pairs = self.parameterAsInt(parameters, self.MIN_PAIRS, context)
        if n_pairs < min_pairs:
            near = np.sort(pairs.nearest_offset_m[np.isfinite(pairs.nearest_offset_m)])[:5]
            raise self.fail(
                f"Only {n_pairs} survey point(s) could be paired with the ERT; at least {min_pairs} are needed "
                f"(Minimum number of pairs). Nearest survey points are {', '.join(f'{d:.2f}' for d in near)} m "
                f"from a trace (maximum distance {max_distance:g} m); not paired: "
                + ", ".join(f"{counts[k]} {k}" for k in PAIR_REASONS if counts[k])
                + ". Increase the maximum distance, check that survey and ERT overlap (CRS), or lower the "
                "minimum ERT depth.")
        feedback.setProgress(45)
        self.check_canceled(feedback)

        fwd = FORWARD_MODELS[self.parameterAsEnum(parameters, self.FORWARD_MODEL, context)]
        modelled = ert_eca(pairs, coils, fwd)
        measured = eca[pairs.index]
        fit = FITS[self.parameterAsEnum(parameters, self.FIT, context)]
        fits = fit_coils(fields, coils, measured, modelled, fit)
        notes = []
        for f in fits:
            feedback.pushInfo(f"{f.field}: ECa_ERT = {f.offset_mS_m:+.3f} mS/m + {f.gain:.4f} × ECa  "
                              f"(n {f.n_pairs}, R² {f.r2:.3f}, RMSE {f.rmse_before_mS_m:.2f} → {f.rmse_mS_m:.2f} mS/m, "
                              f"{f.outliers} down-weighted)")
            if not f.gain > 0:
                raise self.fail(f"{f.field}: the fitted gain is {f.gain:.3g} (≤ 0): measured and ERT ECa do not "
                                "agree at all along the line. Check that the survey and the ERT are the same line "
                                "and CRS, and the coil fields.")
            if not f.r2 >= 0.3:
                notes.append(f"{f.field}: R² = {f.r2:.2f}: the ERT explains little of the ECa variation along the "
                             "line; the coefficients are uncertain (a short or uniform line?).")
            if not 0.2 <= f.gain <= 5.0:
                notes.append(f"{f.field}: gain {f.gain:.3g} is far from 1: check units (mS/m) and the coil fields.")
        for n in notes:
            feedback.pushWarning(n)
        calibration = Calibration(fits, fit, fwd, max_distance, min_reach, sorted(set(pairs.profile)))
        feedback.setProgress(55)
        self.check_canceled(feedback)

        # --- write: report, figure and coefficients to temporary names, the layer, then move -------
        calibrated = np.column_stack([f.apply(eca[:, j]) for j, f in enumerate(fits)])
        with staged_files([coef_path] + ([html_path, os.path.splitext(html_path)[0] + ".png"] if html_path
                                         else [])) as tmp:
            from emiai_core.atomic import write_text

            write_text(tmp[coef_path], calibration.to_json())
            if html_path:
                png = os.path.splitext(html_path)[0] + ".png"
                fig_name = None
                try:
                    from emiai_core.calibration_report import write_figure

                    write_figure(tmp[png], fits, measured, modelled, pairs.along_m, pairs.profile)
                    fig_name = os.path.basename(png)
                except ImportError:
                    feedback.pushWarning("matplotlib is not installed: the report has no figure "
                                         "(install it with: python3 -m pip install matplotlib).")
                from emiai_core.calibration_report import write_html

                write_html(tmp[html_path], calibration, {**counts, "paired": n_pairs}, fig_name, notes)
            dest_id = self.write_calibrated(parameters, context, feedback, source, table, fields, calibrated,
                                            pairs, modelled)
        n_cal = int(np.all(np.isfinite(calibrated), axis=1).sum())
        feedback.pushInfo(f"{n_cal} of {len(table.x)} point(s) calibrated; coefficients written to {coef_path}.")
        feedback.setProgress(100)
        return {self.OUTPUT: dest_id, self.OUTPUT_COEFFICIENTS: coef_path, self.OUTPUT_HTML: html_path or None,
                "N_INPUT": int(len(table.x)), "N_PAIRS": n_pairs, "N_CALIBRATED": n_cal}

    def survey_coils(self, source, parameters, context, feedback):
        """(ECa fields, Coil per field at the HEIGHT parameter, layer has HEIGHT_M) of the survey."""
        from emiai_core.eca_calibration import CalibrationError, survey_coil
        from emiai_core.fields import CALIBRATED_FIELD, HEIGHT_FIELD, RAW_ECA_SUFFIX, coil_fields

        names = source.fields().names()
        fields = self.parameter_as_fields(parameters, self.ECA_FIELDS, context) or list(coil_fields(names).values())
        if not fields:
            raise self.fail(f"The survey layer has no ECa fields named like coils (fields: {', '.join(names)}). "
                            "Import it with 'Import EMI survey', or rename the ECa fields like VCP0.32.")
        raw = [f + RAW_ECA_SUFFIX for f in fields if f + RAW_ECA_SUFFIX in names]
        if raw or CALIBRATED_FIELD in names:
            raise self.fail(f"The survey is already calibrated (it has {', '.join(raw) or CALIBRATED_FIELD}): "
                            "calibrate the original survey instead.")
        height = self.parameterAsDouble(parameters, self.HEIGHT, context)
        try:
            coils = [survey_coil(f, height) for f in fields]
        except CalibrationError as err:
            raise self.fail(f"ECa fields: {err} Choose fields named like coils.") from None
        return fields, coils, HEIGHT_FIELD in names and source.fields().field(HEIGHT_FIELD).isNumeric()

    def write_calibrated(self, parameters, context, feedback, source, table, fields, calibrated, pairs=None,
                         modelled=None, output=None):
        """The calibrated survey: ECa fields replaced, <coil>_RAW originals, ECA_CAL, and (with
        pairs) CAL_PAIR, ERT_DIST_M and <coil>_ERT."""
        import numpy as np

        from emiai_core.fields import CALIBRATED_FIELD, RAW_ECA_SUFFIX

        from ..layer_io import double_field, extend_fields, int_field, write_replaced

        output = output or self.OUTPUT
        new = [double_field(f + RAW_ECA_SUFFIX, "measured ECa before calibration (mS/m)") for f in fields]
        new.append(int_field(CALIBRATED_FIELD, "1 = ECa calibrated against ERT (originals in *_RAW)"))
        n = len(table.x)
        raw = [table.values[f] for f in fields]
        ok = np.all(np.isfinite(calibrated), axis=1)
        extra = [[None if not np.isfinite(r[i]) else float(r[i]) for r in raw] + [int(ok[i])] for i in range(n)]
        if pairs is not None:
            new += [int_field("CAL_PAIR", "1 = used in the calibration fit"),
                    double_field("ERT_DIST_M", "distance to the ERT trace (m)")]
            new += [double_field(f + "_ERT", "ECa of the ERT column below the point (mS/m)") for f in fields]
            is_pair = np.zeros(n, bool)
            is_pair[pairs.index] = True
            ert = np.full((n, len(fields)), np.nan)
            ert[pairs.index] = modelled
            dist = np.full(n, np.nan)
            dist[pairs.index] = pairs.offset_m
            for i in range(n):
                extra[i] += [int(is_pair[i]), None if not is_pair[i] else float(dist[i])] + [
                    None if not is_pair[i] else float(v) for v in ert[i]]
        out_fields, _ = extend_fields(source.fields(), new)
        sink, dest_id = self.parameterAsSink(parameters, output, context, out_fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, output)
        index = {f: source.fields().lookupField(f) for f in fields}
        write_replaced(sink, out_fields, table, {index[f]: calibrated[:, j] for j, f in enumerate(fields)}, extra,
                       feedback, (60.0, 40.0))
        from ..styles import attach, style_eca_points

        attach(context, dest_id, style_eca_points, "calibrateeca")  # calibrated ECa, shallowest-sensing coil
        return dest_id


def _metres():
    from qgis.core import QgsUnitTypes

    return QgsUnitTypes.DistanceMeters
