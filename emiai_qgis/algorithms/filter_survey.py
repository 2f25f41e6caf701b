"""emiai:filtersurvey — survey QC: range tests, line-end / turn trimming, spike removal, smoothing."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)

from emiai_core import survey_qc as qc

from .base import EmiAIAlgorithm

#: Names of the time field looked for when TIME_FIELD is empty (case-insensitive).
TIME_FIELD_NAMES = ("time", "timestamp", "datetime", "gps_time", "utc_time")
#: Count outputs per reason: N_REMOVED_MISSING, N_REMOVED_BELOW_MIN, ...
REASON_OUTPUTS = {r: f"N_REMOVED_{r.upper()}" for r in qc.REASONS[1:]}


class FilterSurveyAlgorithm(EmiAIAlgorithm):
    """ECa points in recording order in, the points that pass the QC out (or all, flagged)."""

    INPUT = "INPUT"
    ECA_FIELDS = "ECA_FIELDS"
    TIME_FIELD = "TIME_FIELD"
    MIN_ECA = "MIN_ECA"
    MAX_ECA = "MAX_ECA"
    SPIKE_WINDOW = "SPIKE_WINDOW"
    SPIKE_THRESHOLD = "SPIKE_THRESHOLD"
    TURN_ANGLE = "TURN_ANGLE"
    TURN_SPAN = "TURN_SPAN"
    MIN_SPEED = "MIN_SPEED"
    TRIM_READINGS = "TRIM_READINGS"
    SMOOTH_WINDOW = "SMOOTH_WINDOW"
    FLAG_ONLY = "FLAG_ONLY"
    OUTPUT = "OUTPUT"

    ID = "filtersurvey"
    DISPLAY_NAME = "Filter EMI survey (QC)"
    HELP = (
        "Quality control of an EMI survey before 'Predict EC depth models': removes (or flags) "
        "readings that are not soil signal. The features must be in recording order (as 'Import "
        "EMI survey' writes them); windows count readings along that order. Distances are in "
        "metres: a layer in degrees is projected to the WGS 84 / UTM zone of its centre for the "
        "tests (the output keeps the input CRS).<br><br>"
        "Tests, in this order; a point gets the code of the first test it fails (QC_FLAG), later "
        "tests only see the points still kept; every count is logged and returned "
        "(N_REMOVED_&lt;REASON&gt;):<br>"
        "<b>1 missing</b>: an ECa field is empty, or the point has no position.<br>"
        "<b>2 below minimum</b>: an ECa ≤ <i>Minimum ECa</i> (mS/m). The default 0 removes ECa ≤ 0, which "
        "the inversion cannot use ('Predict EC depth models' drops them too); set e.g. -1000 to "
        "keep negative readings.<br>"
        "<b>3 above maximum</b>: an ECa &gt; <i>Maximum ECa</i> (mS/m; 0 = no maximum). Default 1000 mS/m, "
        "above nearly every soil (saline soils reach a few hundred).<br>"
        "<b>4 slow (line end)</b>: speed below <i>Minimum speed</i> (m/s; 0 = off). Speed = straight "
        "distance between the readings <i>Readings before / after</i> before and after a point / their time "
        "difference, from the time field (<i>Time field</i>; empty = a field named Time, "
        "'hh:mm:ss.ss' or seconds). Standing and slow turns at line ends are where the "
        "instrument is rotated and swung: its readings there are artefacts (hundreds of mS/m, "
        "or negative). Default 0.3 m/s (walking is about 1 m/s). Without a time field the "
        "test is skipped (warning).<br>"
        "<b>5 turn (line end)</b>: heading change above <i>Largest heading change</i> (degrees; 0 = off) between "
        "the track from the reading <i>Readings before / after</i> before a point to it and from it to the reading "
        "<i>Readings before / after</i> after. Default 45°.<br>"
        "<i>Readings also removed</i>: the readings this many before and after each slow or turn reading are "
        "removed too, with the same reason: artefacts start before the GPS track shows the "
        "turn (default 5).<br>"
        "<b>6 spike</b>: Hampel filter (rolling median / MAD; Hampel 1974, Pearson et al. 2016), "
        "per ECa field: a point is a spike when |ECa − median| &gt; <i>Spike threshold</i> × σ over a "
        "centred window of <i>Spike window</i> readings (odd, default 11), σ = 1.4826 × MAD (the "
        "standard deviation for Gaussian noise), but at least 1 % of the median, 0.2 mS/m and "
        "the survey's median σ, so a flat signal does not flag its noise. Default 4 (0 = "
        "off). Anomalies narrower than about half a window look like spikes: widen the window "
        "or raise the threshold over small buried objects you want to keep.<br>"
        "Windows, speeds and headings never reach across a line break: a time step over 10× the "
        "median step (or backwards) or a distance step over 20× the median step.<br><br>"
        "<b>Smoothing</b> (<i>Along-line smoothing</i> readings, odd; 0 = off, default): the ECa fields of the "
        "kept points are replaced by their rolling median over the kept points of the window "
        "(same line). Removed points are not smoothed.<br>"
        "<b>Flag only</b>: keep every point and mark it in QC_FLAG instead of deleting it (to "
        "look at what the tests find; loaded into a project, flagged points are drawn as grey crosses). "
        "The field QC_FLAG is written in both modes: 0 = kept, "
        "1 missing, 2 below minimum, 3 above maximum, 4 slow, 5 turn, 6 spike. An existing "
        "QC_FLAG field is replaced.<br><br>"
        "The defaults suit walked surveys at about one reading per second (GF CMD "
        "MiniExplorer / Explorer); scale the windows and <i>Readings also removed</i> with the reading rate."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EMI survey points, in recording order (ECa in mS/m)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.ECA_FIELDS, "ECa fields to test (empty = every coil field: VCP0.32, HCP0.71…)",
            parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Any,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterField(
            self.TIME_FIELD, "Time field (empty = a field named Time)", parentLayerParameterName=self.INPUT,
            type=QgsProcessingParameterField.Any, optional=True))
        self._number(self.MIN_ECA, "Minimum ECa (mS/m): ECa at or below is removed", qc.DEFAULT_MIN_ECA,
                     -1e6, 1e6)
        self._number(self.MAX_ECA, "Maximum ECa (mS/m, 0 = no maximum)", qc.DEFAULT_MAX_ECA, 0.0, 1e6)
        self._number(self.SPIKE_WINDOW, "Spike window (readings, odd)", qc.DEFAULT_SPIKE_WINDOW, 0, 10001,
                     integer=True)
        self._number(self.SPIKE_THRESHOLD, "Spike threshold (robust standard deviations, 0 = off)",
                     qc.DEFAULT_SPIKE_THRESHOLD, 0.0, 1e3)
        self._number(self.TURN_ANGLE, "Line ends: largest heading change (degrees, 0 = off)",
                     qc.DEFAULT_TURN_ANGLE, 0.0, 180.0)
        self._number(self.MIN_SPEED, "Line ends: minimum speed (m/s, 0 = off; needs a time field)",
                     qc.DEFAULT_MIN_SPEED, 0.0, 1e3)
        self._number(self.TRIM_READINGS, "Line ends: readings also removed before and after",
                     qc.DEFAULT_TRIM, 0, 1000, integer=True)
        self._number(self.TURN_SPAN, "Readings before / after a point for its heading and speed",
                     qc.DEFAULT_TURN_SPAN, 1, 1000, integer=True, advanced=True)
        self._number(self.SMOOTH_WINDOW, "Along-line smoothing: rolling median window (readings, odd, 0 = off)",
                     0, 0, 10001, integer=True)
        self.addParameter(QgsProcessingParameterBoolean(
            self.FLAG_ONLY, "Flag only: keep every point and write the reason to QC_FLAG", defaultValue=False))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "EMI survey points after QC", QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputNumber("N_INPUT", "Points read"))
        self.addOutput(QgsProcessingOutputNumber("N_KEPT", "Points kept"))
        self.addOutput(QgsProcessingOutputNumber("N_REMOVED", "Points removed (flagged with FLAG_ONLY)"))
        for reason, name in REASON_OUTPUTS.items():
            self.addOutput(QgsProcessingOutputNumber(name, f"Points removed: {qc.REASON_LABELS[reason]}"))
        self.addOutput(QgsProcessingOutputNumber("N_SEGMENTS", "Line segments (recording cut at gaps)"))

    def _number(self, name, label, default, lo, hi, integer=False, advanced=False):
        kind = QgsProcessingParameterNumber.Integer if integer else QgsProcessingParameterNumber.Double
        p = QgsProcessingParameterNumber(name, label, kind, defaultValue=default, minValue=lo, maxValue=hi)
        if advanced:
            p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.fields import FIELD_COMMENTS, QC_FLAG_FIELD

        from ..layer_io import extend_fields, make_field, read_points, write_extended

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        self.check_output_writable(parameters, self.OUTPUT, context)
        fields = source.fields()
        eca_fields = self._eca_fields(parameters, context, fields)
        time_field = self._time_field(parameters, context, fields)
        settings = self._settings(parameters, context)
        flag_only = self.parameterAsBoolean(parameters, self.FLAG_ONLY, context)
        feedback.pushInfo(f"ECa fields: {', '.join(eca_fields)}; time field: {time_field or 'none'}")
        if source.featureCount() == 0:
            raise self.fail("The input layer has no features: nothing to filter.")

        table = read_points(source, eca_fields, feedback, (0.0, 40.0), keep_features=True)
        n = len(table.x)
        if n == 0:
            raise self.fail("The input layer has no features: nothing to filter.")
        self.check_canceled(feedback)
        eca = np.column_stack([table.values[f] for f in eca_fields])
        x, y = self._metres(source, table.x, table.y, context, feedback)
        t = None
        if time_field:
            i_time = fields.lookupField(time_field)
            t = qc.time_seconds([_time_value(a[i_time]) for a in table.attributes])
            if np.isfinite(t).sum() < 2:
                feedback.pushWarning(f"TIME_FIELD '{time_field}': no readable times ('hh:mm:ss.ss' or "
                                     "seconds expected): the speed test is off.")
                t = None
        if settings["min_speed"] and t is None:
            feedback.pushWarning(f"MIN_SPEED {settings['min_speed']:g} m/s needs a time field: the speed test "
                                 "is skipped (line ends are found by TURN_ANGLE only). Choose TIME_FIELD, or "
                                 "set MIN_SPEED to 0 to silence this warning.")
        feedback.setProgress(45)
        try:
            result = qc.qc_survey(eca, x, y, t, **settings)
        except ValueError as err:
            raise self.fail(str(err)) from None
        for warning in result.warnings:
            if "speed" not in warning:  # already said above, with the parameter names
                feedback.pushWarning(warning)
        self._log_tracks(result, feedback)
        feedback.setProgress(60)
        self.check_canceled(feedback)

        verb = "flagged" if flag_only else "removed"
        for line in result.summary(verb):
            feedback.pushInfo(line)
        if result.n_kept == 0:
            message = self._all_removed_message(result, settings)
            if not flag_only:
                raise self.fail(message)
            feedback.pushWarning(message)

        drop = [QC_FLAG_FIELD] if fields.lookupField(QC_FLAG_FIELD) >= 0 else []
        if drop:
            feedback.pushWarning(f"The input field {QC_FLAG_FIELD} is replaced by the flags of this run.")
        out_fields, kept = extend_fields(fields, [make_field(QC_FLAG_FIELD, "int", FIELD_COMMENTS[QC_FLAG_FIELD])],
                                         drop)
        if result.eca is not None:
            columns = [fields.lookupField(f) for f in eca_fields]
            for i in np.flatnonzero(result.kept).tolist():
                row = table.attributes[i]
                for c, col in enumerate(columns):
                    row[col] = float(result.eca[i, c])
            feedback.pushInfo(f"ECa of the kept points smoothed along the lines (rolling median of "
                              f"{settings['smooth_window']} readings).")
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, out_fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        indices = np.arange(n) if flag_only else np.flatnonzero(result.kept)
        write_extended(sink, out_fields, table, indices.tolist(), kept,
                       [[int(c)] for c in result.code[indices].tolist()], feedback, (65.0, 35.0))
        from ..styles import attach, style_eca_points

        attach(context, dest_id, style_eca_points, "filtersurvey")  # ECa of the shallowest-sensing coil
        out = {self.OUTPUT: dest_id, "N_INPUT": n, "N_KEPT": result.n_kept, "N_REMOVED": result.n_removed,
               "N_SEGMENTS": result.n_segments}
        out.update({name: result.counts[reason] for reason, name in REASON_OUTPUTS.items()})
        return out

    # --- parameters -------------------------------------------------------------------------------

    def _eca_fields(self, parameters, context, fields) -> list:
        from emiai_core.fields import coil_fields, gf_channel

        chosen = self.parameter_as_fields(parameters, self.ECA_FIELDS, context)
        if not chosen:
            chosen = list(coil_fields(fields.names()).values())
            if not chosen:
                chosen = [f for f in fields.names() if (gf_channel(f) or ("",))[0] == "cond"]
            if not chosen:
                raise self.fail(
                    "No ECa fields found: no field is named like a coil (VCP0.32, HCP0.71, …) or a GF "
                    f"conductivity channel (Cond.1 [mS/m]). Fields of the layer: {', '.join(fields.names())}. "
                    "Choose the ECa fields (ECA_FIELDS), or import the survey with 'Import EMI survey'.")
        for name in chosen:
            i = fields.lookupField(name)
            if i < 0:
                raise self.fail(f"ECA_FIELDS: field '{name}' is not in the input layer.")
            if not fields.at(i).isNumeric():
                raise self.fail(
                    f"ECA_FIELDS: field '{name}' is of type {fields.at(i).typeName()}, not numeric: ECa values "
                    f"must be numbers in mS/m. Choose the ECa fields, or convert it (Field calculator: "
                    f"to_real(\"{name}\")).")
        return chosen

    def _time_field(self, parameters, context, fields):
        name = (self.parameterAsString(parameters, self.TIME_FIELD, context) or "").strip()
        if name:
            if fields.lookupField(name) < 0:
                raise self.fail(f"TIME_FIELD: field '{name}' is not in the input layer.")
            return name
        for f in fields.names():
            if f.lower() in TIME_FIELD_NAMES:
                return f
        return None

    def _settings(self, parameters, context) -> dict:
        def num(name):
            return self.parameterAsDouble(parameters, name, context)

        def whole(name):
            return self.parameterAsInt(parameters, name, context)

        settings = dict(min_eca=num(self.MIN_ECA), max_eca=num(self.MAX_ECA), spike_window=whole(self.SPIKE_WINDOW),
                        spike_threshold=num(self.SPIKE_THRESHOLD), turn_angle=num(self.TURN_ANGLE),
                        turn_span=whole(self.TURN_SPAN), min_speed=num(self.MIN_SPEED),
                        trim=whole(self.TRIM_READINGS), smooth_window=whole(self.SMOOTH_WINDOW))
        for param, key, allow_zero in ((self.SPIKE_WINDOW, "spike_window", False),
                                       (self.SMOOTH_WINDOW, "smooth_window", True)):
            if key == "spike_window" and not settings["spike_threshold"]:
                continue
            try:
                qc.check_window(settings[key], param, allow_zero)
            except ValueError as err:
                raise self.fail(str(err)) from None
        if settings["max_eca"] and settings["max_eca"] <= settings["min_eca"]:
            raise self.fail(f"MAX_ECA ({settings['max_eca']:g} mS/m) is not above MIN_ECA "
                            f"({settings['min_eca']:g} mS/m): every point would be removed. Raise MAX_ECA "
                            "(0 = no maximum) or lower MIN_ECA.")
        return settings

    # --- geometry, logging ------------------------------------------------------------------------

    def _metres(self, source, x, y, context, feedback):
        """x, y in metres: geographic layers projected to their UTM zone, feet etc. scaled."""
        import numpy as np
        from qgis.core import QgsUnitTypes

        from ..layer_io import transform_xy, utm_crs_around

        crs = source.sourceCrs()
        ok = np.isfinite(x) & np.isfinite(y)
        if not crs.isValid():
            feedback.pushWarning("The input layer has no CRS: its coordinates are taken as metres.")
            return x, y
        if crs.isGeographic():
            if not ok.any():
                return x, y
            utm = utm_crs_around(x, y)
            feedback.pushInfo(f"Input CRS {crs.authid()} is geographic: distances, speeds and headings are "
                              f"computed in {utm.authid()} ({utm.description()}).")
            return transform_xy(x, y, crs, utm, context.transformContext())
        factor = QgsUnitTypes.fromUnitToUnitFactor(crs.mapUnits(), QgsUnitTypes.DistanceMeters)
        if not np.isfinite(factor) or factor <= 0:
            feedback.pushWarning(f"The units of {crs.authid() or 'the input CRS'} are unknown: coordinates are "
                                 "taken as metres.")
            return x, y
        return x * factor, y * factor

    @staticmethod
    def _log_tracks(result, feedback):
        import numpy as np

        s = result.settings
        if result.speed is not None and np.isfinite(result.speed).any():
            p = np.nanpercentile(result.speed, [10, 50, 90])
            feedback.pushInfo(f"Speed (m/s): 10 % {p[0]:.2f}, median {p[1]:.2f}, 90 % {p[2]:.2f}.")
        gaps = []
        if np.isfinite(s.get("max_gap_s", np.nan)):
            gaps.append(f"time step > {s['max_gap_s']:.3g} s")
        if np.isfinite(s.get("max_step_m", np.nan)):
            gaps.append(f"distance step > {s['max_step_m']:.3g} m")
        if gaps:
            feedback.pushInfo(f"{result.n_segments} line segment(s) (the recording is cut where the "
                              f"{' or the '.join(gaps)}).")

    def _all_removed_message(self, result, settings) -> str:
        import numpy as np

        reason, count = result.most_removed()
        hint = {
            "missing": "check that ECA_FIELDS hold values (choose other fields) and that the points have positions",
            "below_min": f"lower MIN_ECA (now {settings['min_eca']:g} mS/m), e.g. to -1000 to keep negative "
                         "readings",
            "above_max": f"raise MAX_ECA (now {settings['max_eca']:g} mS/m) or set it to 0 (no maximum); check "
                         "that the ECa fields are in mS/m",
            "slow": f"lower MIN_SPEED (now {settings['min_speed']:g} m/s"
                    + (f"; the median speed is {np.nanmedian(result.speed):.2f} m/s"
                       if result.speed is not None and np.isfinite(result.speed).any() else "")
                    + ") or set it to 0; check TIME_FIELD",
            "turn": f"raise TURN_ANGLE (now {settings['turn_angle']:g}°) or set it to 0, or lower TRIM_READINGS "
                    f"(now {settings['trim']})",
            "spike": f"raise SPIKE_THRESHOLD (now {settings['spike_threshold']:g}) or set it to 0",
        }.get(reason, "relax the tests")
        return (f"The QC removed all {len(result.code)} points, most of them ({count}) as "
                f"{qc.REASON_LABELS[reason]}: {hint}. Run with FLAG_ONLY to see the reason per point.")


def _time_value(v):
    """A time attribute as seconds or a string for emiai_core.survey_qc.time_seconds (None = NULL)."""
    if v is None or (hasattr(v, "isNull") and v.isNull()):
        return None
    if hasattr(v, "toMSecsSinceEpoch"):  # QDateTime
        return v.toMSecsSinceEpoch() / 1000.0
    if hasattr(v, "msecsSinceStartOfDay"):  # QTime
        return v.msecsSinceStartOfDay() / 1000.0
    return v
