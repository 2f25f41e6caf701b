"""emiai:predictec — predict EC depth models at every survey point with a trained cascade."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsUnitTypes,
)

from emiai_core.fields import FORWARD_MODEL_LABELS, FORWARD_MODELS, NONPOSITIVE_POLICIES
from emiai_core.inversion import DEFAULT_LATERAL_SMOOTHING
from emiai_core.model_file import EMBEDDED_MODELS
from emiai_core.prediction import DEFAULT_METHOD, METHOD_LABELS, METHODS

from .base import EmiAIAlgorithm


class PredictECAlgorithm(EmiAIAlgorithm):
    """ECa points in, EC depth models out (numpy cascade; no TensorFlow)."""

    INPUT = "INPUT"
    ECA_FIELDS = "ECA_FIELDS"
    EMBEDDED_MODEL = "EMBEDDED_MODEL"
    MODEL = "MODEL"
    METHOD = "METHOD"
    LATERAL = "LATERAL"
    NEIGHBOUR_DISTANCE = "NEIGHBOUR_DISTANCE"
    NEGATIVE = "NEGATIVE"
    ADD_COARSE = "ADD_COARSE"
    MISFIT_MODEL = "MISFIT_MODEL"
    ALLOW_COIL_MISMATCH = "ALLOW_COIL_MISMATCH"
    OUTPUT = "OUTPUT"

    ID = "predictec"
    DISPLAY_NAME = "Predict EC depth models"
    HELP = (
        "Predicts a layered electrical conductivity (EC) model below every EMI survey point: a trained "
        "network's prediction, refined with physics so that it fits the measured ECa, with its data "
        "misfit, uncertainty and depth of investigation; in numpy (TensorFlow is not needed).<br><br>"
        "<b>ECa fields</b>: the model's coils in order, in mS/m. Left empty, they are found from "
        "the field names: coil names like <i>VCP0.32</i> (as 'Import EMI survey' writes) or GF "
        "names <i>Cond.1 [mS/m]</i>…; fields chosen whose names are coils of another orientation or "
        "spacing than the model's coil at that position (e.g. HCP0.32 for VCP0.32) are refused — an HCP "
        "coil senses about twice as deep as a VCP coil, so the network would put EC at wrong depths — "
        "unless 'Accept ECa fields whose names contradict the model's coils' is set. Fields without "
        "coil names are taken as the model's coils in order.<br>"
        "<b>Model</b>: a model file (.npz) from 'Train EC network' — trained on your site's ERT, the "
        "right choice — or an embedded model: the emiAI for QGIS ensembles for a GF CMD-MiniExplorer "
        "on the ground, VCP (3 ECa, a Lo survey) or VCP + HCP (6 ECa, merged Lo and Hi surveys), "
        "or the published TU Wien emiAI cascade (3 VCP ECa → 4 → 6 → 12 layers). All embedded models "
        "were trained on one Austrian field (EC about 5–300 mS/m): elsewhere they are a prior, not "
        "a calibration. Automatic = the ensemble whose coils the survey has (all six when present).<br>"
        "<b>Method</b>: the network's prediction alone; or refined with physics so that its forward "
        "response fits the measured ECa (regularised Levenberg-Marquardt on log10 EC with vertical "
        "smoothing, starting from the network: MISFIT_PCT is then the misfit after refinement, "
        "NET_MISFIT_PCT the network's); or an inversion without the network (from a homogeneous "
        "start, on the model's layering: for sites without ERT).<br>"
        "<b>Lateral smoothing</b> (advanced; default 100, 0 = off): with refinement or inversion, "
        "consecutive points of a line (in recording order, at most 'Largest distance between neighbouring "
        "soundings' apart) are refined together, with a smoothness term between neighbours of this weight "
        "per pair 0.5 m apart, scaled by 0.5 m / distance (the same constraint per metre of line however "
        "dense the logging). It mostly steadies the deep layers the coils barely sense: on held-out ERT "
        "profiles it lowered the error by a further 7–11 %. Set it to 0 where the ground changes sharply "
        "from one point to the next (field edges, drains) or when the features are not in recording "
        "order.<br>"
        "<b>Non-positive ECa</b>: points with ECa ≤ 0 are dropped and counted (default) or make "
        "the run fail. Points with an empty value, and points flagged by 'Filter EMI survey' (QC_FLAG ≠ 0), "
        "are skipped and counted.<br><br>"
        "Output: the input attributes plus one field per layer, EC in mS/m named "
        "EC_&lt;top&gt;_&lt;bottom&gt; in cm (EC_000_012 … EC_132_150), shallowest first; "
        "With an ensemble model also ECSTD_&lt;top&gt;_&lt;bottom&gt; (the spread of log10 EC across "
        "the members: the model's own uncertainty, before any refinement) and EC_HS_150 (the "
        "half-space below the target depth). "
        "MISFIT_PCT = relative RMS (%) between measured ECa and the forward response of the "
        "predicted model; FIT_FLAG = 0 where the data are fitted within twice the noise level, 1 "
        "where they are not (read such models with care), 2 where the refinement failed and the "
        "network's model was kept; EC stays within 0.1 mS/m – 10 S/m; OOD_SCORE (ensemble models) = "
        "distance of the point's log10 ECa vector to the training inputs; EXTRAPOL = 1 where the "
        "ECa lie outside what the model was trained on "
        "(ensemble: OOD_SCORE above the 99.5 % training quantile; cascade: a coil outside its training "
        "range); FLOORED = number of predicted values moved into the model's EC bounds: for an "
        "ensemble, half the lowest and twice the highest EC it was trained on (it cannot know "
        "beyond); for the published cascade, values below its floor of 0.1 mS/m (a linear network "
        "output can be ≤ 0, which is not physical and would break the next stage's forward model).<br>"
        "DOI_M = depth of investigation (m): the depth above which 70 % of the signal of the "
        "deepest-sensing coil comes from — EMagPy's computeDOI cut-off (0.3) with McNeill's cumulative "
        "sensitivity, weighted by the predicted EC (a resistive base makes it shallower, a conductive "
        "one deeper), at each point's instrument height. Deeper than the model's last layer edge it "
        "rests on the half-space's EC extending downward; it is capped at 3 × that edge. "
        "'EC depth slices to raster' can mask the cells below it."
        "<br>Loaded into a project, the output is styled on its shallowest layer with the same log-scale "
        "EC colours as the depth slices, with one named style per layer (layer menu ▸ Styles)."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EMI survey points (ECa in mS/m)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.ECA_FIELDS, "ECa fields, in the model's coil order (empty = detect from names)",
            parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Any,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.EMBEDDED_MODEL, "Embedded model (used when no model file is given)",
            options=["Automatic: the one for the survey's coils"] + list(EMBEDDED_MODELS.values()), defaultValue=0))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, "Model file (e.g. from 'Train EC network'; empty = the embedded model)", extension="npz",
            optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, "Method", options=[METHOD_LABELS[m] for m in METHODS],
            defaultValue=METHODS.index(DEFAULT_METHOD)))
        p = QgsProcessingParameterNumber(
            self.LATERAL, "Lateral smoothing along survey lines, per pair of points 0.5 m apart (0 = none; "
            "refinement and inversion only)",
            QgsProcessingParameterNumber.Double, defaultValue=DEFAULT_LATERAL_SMOOTHING, minValue=0.0, maxValue=1e4)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterDistance(
            self.NEIGHBOUR_DISTANCE, "Largest distance between neighbouring soundings of a line", defaultValue=2.0,
            minValue=0.0)
        p.setDefaultUnit(QgsUnitTypes.DistanceMeters)  # metres: points in degrees are projected first
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterEnum(
            self.NEGATIVE, "Points with ECa ≤ 0", options=[
                "Drop them, warn and count", "Fail"], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ADD_COARSE, "Also output the coarser layerings (e.g. 4 and 6 layers)", defaultValue=False))
        p = QgsProcessingParameterEnum(
            self.MISFIT_MODEL, "Forward model for the data misfit",
            options=[FORWARD_MODEL_LABELS[m] for m in FORWARD_MODELS], defaultValue=0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(
            self.ALLOW_COIL_MISMATCH, "Accept ECa fields whose names contradict the model's coils (I know they "
            "are the model's coils)", defaultValue=False)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "EC depth models", QgsProcessing.TypeVectorPoint))
        self._add_count_outputs()

    def _progress(self, feedback, start, span):
        def progress(fraction):
            self.check_canceled(feedback)
            feedback.setProgress(start + span * fraction)
        return progress

    @staticmethod
    def _metric_xy(source, table, context):
        """Point positions in metres for the lateral constraints: points in degrees are projected to
        the UTM zone of their centre."""
        import numpy as np

        from ..layer_io import transform_xy, utm_crs_around

        crs = source.sourceCrs()
        x, y = table.x, table.y
        if crs.isValid() and crs.isGeographic() and (np.isfinite(x) & np.isfinite(y)).any():
            x, y = transform_xy(x, y, crs, utm_crs_around(x, y), context.transformContext())
        return np.column_stack([x, y])

    def _add_count_outputs(self):
        from qgis.core import QgsProcessingOutputNumber, QgsProcessingOutputString

        for name, label in (("N_INPUT", "Points read"), ("N_PREDICTED", "Points predicted"),
                            ("N_SKIPPED_MISSING", "Points skipped: empty ECa"),
                            ("N_SKIPPED_QC", "Points skipped: flagged by 'Filter EMI survey' (QC_FLAG ≠ 0)"),
                            ("N_SKIPPED_NONPOSITIVE", "Points skipped: ECa ≤ 0"),
                            ("N_SKIPPED_IMPLAUSIBLE", "Points skipped: ECa above 10,000 mS/m (no soil reading)"),
                            ("N_INVERTED", "Points whose model comes from the inversion without the network"),
                            ("N_EXTRAPOLATED", "Points outside the training range"),
                            ("N_FLOORED", "Predicted values raised to the EC floor"),
                            ("MISFIT_MEDIAN", "Median data misfit (%)"),
                            ("DOI_MEDIAN", "Median depth of investigation DOI_M (m)"),
                            ("NET_MISFIT_MEDIAN", "Median data misfit of the network alone (%)")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("LAYER_FIELDS", "Layer fields (comma separated)"))
        self.addOutput(QgsProcessingOutputString("MODEL_NAME", "Model used"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.fields import HEIGHT_FIELD, QC_FLAG_FIELD, match_eca_fields
        from emiai_core.model_file import ModelFileError, choose_embedded_model, embedded_model_path, load_model
        from emiai_core.prediction import COIL_MISMATCH_WHY, coil_field_check, predict_survey, replaced_input_fields

        from ..layer_io import extend_fields, make_fields, read_points, write_extended

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        self.check_output_writable(parameters, self.OUTPUT, context)
        model_path = self.parameterAsFile(parameters, self.MODEL, context)
        if not model_path:
            k = self.parameterAsEnum(parameters, self.EMBEDDED_MODEL, context)
            if k == 0:
                path, why = choose_embedded_model(source.fields().names())
                feedback.pushInfo(f"Embedded model chosen automatically: {path.stem} ({why}).")
            else:
                path = embedded_model_path(list(EMBEDDED_MODELS)[k - 1])
            model_path = str(path)
        try:
            model = load_model(model_path)
        except ModelFileError as err:
            raise self.fail(f"{err} Choose a valid emiAI model file (.npz) or leave MODEL empty "
                            "for the embedded default.") from None
        feedback.pushInfo(f"Model: {model.metadata.get('name', model_path)}")
        feedback.pushInfo(f"Model coils: {', '.join(model.measured_coils)} (ECa in mS/m expected)")

        field_names = source.fields().names()
        eca_fields = self.parameter_as_fields(parameters, self.ECA_FIELDS, context)
        if eca_fields:
            if len(eca_fields) != len(model.measured_coils):
                raise self.fail(
                    f"ECA_FIELDS has {len(eca_fields)} field(s) ({', '.join(eca_fields)}) but the model "
                    f"takes {len(model.measured_coils)} ECa: {', '.join(model.measured_coils)}. Choose one "
                    "field per model coil, in that order.")
        else:
            try:
                eca_fields, how = match_eca_fields(field_names, model.measured_coils)
            except ValueError as err:
                raise self.fail(str(err)) from None
            feedback.pushInfo(f"ECa fields detected from {how}: {', '.join(eca_fields)}")
        mismatches, unnamed = coil_field_check(eca_fields, model.measured_coils)
        if mismatches:
            label = self.parameterDefinition(self.ALLOW_COIL_MISMATCH).description()
            listed = "; ".join(mismatches)
            if not self.parameterAsBoolean(parameters, self.ALLOW_COIL_MISMATCH, context):
                raise self.fail(
                    f"The ECa fields ({self.ECA_FIELDS}: {', '.join(eca_fields)}) contradict the model's coils "
                    f"({', '.join(model.measured_coils)}): {listed}. {COIL_MISMATCH_WHY} Choose one field per "
                    "model coil in its order, or use a model trained for your coils; if the names are wrong and "
                    f"the values are the model's coils, set '{label}' ({self.ALLOW_COIL_MISMATCH}).")
            feedback.pushWarning(f"ECa fields used although their names contradict the model's coils "
                                 f"({self.ALLOW_COIL_MISMATCH} is set): {listed}.")
        if unnamed:
            feedback.pushInfo(f"ECa field(s) {', '.join(unnamed)} have no coil names: taken as the model's coil(s) "
                              f"{', '.join(c for f, c in zip(eca_fields, model.measured_coils) if f in unnamed)}; "
                              "their orientation and spacing cannot be checked.")
        if source.featureCount() == 0:
            raise self.fail("The input layer has no features: nothing to predict.")

        has_height = HEIGHT_FIELD in field_names and source.fields().field(HEIGHT_FIELD).isNumeric()
        # a survey flagged by 'Filter EMI survey' (FLAG_ONLY) is predicted at its kept points only
        has_qc = QC_FLAG_FIELD in field_names and source.fields().field(QC_FLAG_FIELD).isNumeric()
        table = read_points(source, eca_fields + ([HEIGHT_FIELD] if has_height else [])
                            + ([QC_FLAG_FIELD] if has_qc else []), feedback, (0.0, 30.0))
        if len(table.x) == 0:
            raise self.fail("The input layer has no features: nothing to predict.")
        eca = np.column_stack([table.values[f] for f in eca_fields])
        no_geom = ~np.isfinite(table.x) | ~np.isfinite(table.y)
        eca[no_geom] = np.nan  # a point without a position cannot be mapped: counted as missing
        qc_out = np.zeros(len(eca), bool)
        if has_qc:
            flag = table.values[QC_FLAG_FIELD]
            qc_out = np.isfinite(flag) & (flag != 0) & np.all(np.isfinite(eca), axis=1)
            eca[qc_out] = np.nan
            feedback.pushInfo(f"{int(qc_out.sum())} point(s) flagged by 'Filter EMI survey' ({QC_FLAG_FIELD} ≠ 0) "
                              "are not predicted.")
        policy = NONPOSITIVE_POLICIES[self.parameterAsEnum(parameters, self.NEGATIVE, context)]
        fwd = FORWARD_MODELS[self.parameterAsEnum(parameters, self.MISFIT_MODEL, context)]
        self.check_canceled(feedback)
        feedback.setProgress(35)
        try:
            method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
            if method != "network":
                feedback.pushInfo(f"Method: {METHOD_LABELS[method]}.")
            lateral = self.parameterAsDouble(parameters, self.LATERAL, context)
            pred = predict_survey(model, eca, policy, fwd, table.values.get(HEIGHT_FIELD),
                                  add_coarse=self.parameterAsBoolean(parameters, self.ADD_COARSE, context),
                                  method=method, xy=self._metric_xy(source, table, context) if lateral > 0 else None,
                                  lateral_smoothing=lateral,
                                  neighbour_distance_m=self.parameterAsDouble(parameters, self.NEIGHBOUR_DISTANCE,
                                                                              context),
                                  progress=self._progress(feedback, 35.0, 35.0))
        except ValueError as err:
            raise self.fail(f"{err} (ECa fields: {', '.join(eca_fields)})") from None
        if lateral > 0 and method != "network":
            feedback.pushInfo(f"Lateral constraints: {pred.n_lateral_pairs} pair(s) of consecutive points at most "
                              f"{self.parameterAsDouble(parameters, self.NEIGHBOUR_DISTANCE, context):g} m apart "
                              f"refined together (LATERAL {lateral:g}; 0 = each point on its own).")
        for warning in pred.warnings:
            feedback.pushWarning(warning)
        if not pred.used.any():
            raise self.fail("No point has valid ECa values (all empty or ≤ 0): nothing to predict.")
        feedback.setProgress(70)
        self.check_canceled(feedback)

        # Earlier EC_/flag fields of the input are replaced by the new ones.
        new_fields = make_fields(pred.fields)
        drop = replaced_input_fields(field_names, [f.name for f in pred.fields])
        if drop:
            feedback.pushWarning(f"Input fields replaced by new predictions: {', '.join(drop)}")
        fields, kept = extend_fields(source.fields(), new_fields, drop)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        write_extended(sink, fields, table, np.flatnonzero(pred.used).tolist(), kept, pred.rows(),
                       feedback, (75.0, 25.0))
        for line in pred.summary():
            feedback.pushInfo(line)
        from ..styles import attach, style_ec_points

        attach(context, dest_id, style_ec_points, "predictec")  # EC of the shallowest layer, log classes
        counts = pred.counts()
        counts["N_SKIPPED_MISSING"] -= int(qc_out.sum())
        return {self.OUTPUT: dest_id, **counts, "N_SKIPPED_QC": int(qc_out.sum()),
                "LAYER_FIELDS": ",".join(pred.layer_fields), "MODEL_NAME": str(model.metadata.get("name", model_path))}
