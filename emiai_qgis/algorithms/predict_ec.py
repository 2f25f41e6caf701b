"""emiai:predictec — predict EC depth models at every survey point with a trained cascade."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
)

from .base import EmiAIAlgorithm

NONPOSITIVE_POLICIES = ("drop", "fail")
FORWARD_MODELS = ("FSlin", "CS", "FSeq")


class PredictECAlgorithm(EmiAIAlgorithm):
    """ECa points in, EC depth models out (numpy cascade; no TensorFlow)."""

    INPUT = "INPUT"
    ECA_FIELDS = "ECA_FIELDS"
    MODEL = "MODEL"
    NEGATIVE = "NEGATIVE"
    ADD_COARSE = "ADD_COARSE"
    MISFIT_MODEL = "MISFIT_MODEL"
    OUTPUT = "OUTPUT"

    ID = "predictec"
    DISPLAY_NAME = "Predict EC depth models"
    HELP = (
        "Predicts a layered electrical conductivity (EC) model below every EMI survey point with a "
        "trained emiAI network cascade, in numpy (TensorFlow is not needed).<br><br>"
        "<b>ECa fields</b>: the model's coils in order, in mS/m. Left empty, they are found from "
        "the field names: coil names like <i>VCP0.32</i> (as 'Import EMI survey' writes) or GF "
        "names <i>Cond.1 [mS/m]</i>…<br>"
        "<b>Model</b>: an emiAI model file (.npz); empty = the embedded default, the published TU "
        "Wien emiAI cascade for a GF CMD-MiniExplorer in VCP mode on the ground (3 ECa → 4 → 6 → "
        "12 layers to 1.5 m).<br>"
        "<b>Non-positive ECa</b>: points with ECa ≤ 0 are dropped and counted (default) or make "
        "the run fail. Points with an empty value are skipped and counted.<br><br>"
        "Output: the input attributes plus one field per layer, EC in mS/m named "
        "EC_&lt;top&gt;_&lt;bottom&gt; in cm (EC_000_012 … EC_132_150), shallowest first; "
        "MISFIT_PCT = relative RMS (%) between measured ECa and the forward response of the "
        "predicted model; EXTRAPOL = 1 where a measured ECa lies outside the range the model was "
        "trained on; FLOORED = number of predicted values below the model's EC floor "
        "(0.1 mS/m for the default) that were raised to it, because a linear network output can be "
        "≤ 0, which is not physical and would break the next stage's forward model."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EMI survey points (ECa in mS/m)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterField(
            self.ECA_FIELDS, "ECa fields, in the model's coil order (empty = detect from names)",
            parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Any,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.MODEL, "Model file (empty = embedded default)", extension="npz", optional=True))
        self.addParameter(QgsProcessingParameterEnum(
            self.NEGATIVE, "Points with ECa ≤ 0", options=[
                "Drop them, warn and count", "Fail"], defaultValue=0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.ADD_COARSE, "Also output the coarser layerings (e.g. 4 and 6 layers)", defaultValue=False))
        p = QgsProcessingParameterEnum(
            self.MISFIT_MODEL, "Forward model for the data misfit", options=[
                "FSlin (full solution, LIN ECa)", "CS (cumulative sensitivity)",
                "FSeq (full solution, equivalent ECa)"],
            defaultValue=0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "EC depth models", QgsProcessing.TypeVectorPoint))
        self._add_count_outputs()

    def _add_count_outputs(self):
        from qgis.core import QgsProcessingOutputNumber, QgsProcessingOutputString

        for name, label in (("N_INPUT", "Points read"), ("N_PREDICTED", "Points predicted"),
                            ("N_SKIPPED_MISSING", "Points skipped: empty ECa"),
                            ("N_SKIPPED_NONPOSITIVE", "Points skipped: ECa ≤ 0"),
                            ("N_EXTRAPOLATED", "Points outside the training range"),
                            ("N_FLOORED", "Predicted values raised to the EC floor")):
            self.addOutput(QgsProcessingOutputNumber(name, label))
        self.addOutput(QgsProcessingOutputString("LAYER_FIELDS", "Layer fields (comma separated)"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.instruments import parse_coil
        from emiai_core.layering import layer_field_names, parse_layer_field
        from emiai_core.model_file import ModelFileError, default_model_path, load_model
        from emiai_core.prediction import match_eca_fields, predict_survey

        from ..layer_io import double_field, extend_fields, int_field, read_points, write_extended

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        self.check_output_writable(parameters, self.OUTPUT, context)
        model_path = self.parameterAsFile(parameters, self.MODEL, context) or str(default_model_path())
        try:
            model = load_model(model_path)
        except ModelFileError as err:
            raise self.fail(f"{err} Choose a valid emiAI model file (.npz) or leave MODEL empty "
                            "for the embedded default.") from None
        feedback.pushInfo(f"Model: {model.metadata.get('name', model_path)}")
        feedback.pushInfo(f"Model coils: {', '.join(model.measured_coils)} (ECa in mS/m expected)")

        field_names = source.fields().names()
        eca_fields = self.parameterAsFields(parameters, self.ECA_FIELDS, context)
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
        if source.featureCount() == 0:
            raise self.fail("The input layer has no features: nothing to predict.")

        has_height = "HEIGHT_M" in field_names and source.fields().field("HEIGHT_M").isNumeric()
        table = read_points(source, eca_fields + (["HEIGHT_M"] if has_height else []), feedback, (0.0, 30.0))
        if len(table.x) == 0:
            raise self.fail("The input layer has no features: nothing to predict.")
        eca = np.column_stack([table.values[f] for f in eca_fields])
        no_geom = ~np.isfinite(table.x) | ~np.isfinite(table.y)
        eca[no_geom] = np.nan  # a point without a position cannot be mapped: counted as missing
        policy = NONPOSITIVE_POLICIES[self.parameterAsEnum(parameters, self.NEGATIVE, context)]
        fwd = FORWARD_MODELS[self.parameterAsEnum(parameters, self.MISFIT_MODEL, context)]
        med = np.nanmedian(eca) if np.isfinite(eca).any() else np.nan
        if np.isfinite(med) and med < 1.0:
            feedback.pushWarning(f"Median ECa is {med:.3g}: values look like S/m, but mS/m are expected.")
        self.check_canceled(feedback)
        feedback.setProgress(35)
        heights = table.values.get("HEIGHT_M") if has_height else None
        model_height = parse_coil(model.measured_coils[0]).height  # the coils carry the trained height
        if heights is not None:
            off = np.isfinite(heights) & (np.abs(heights - model_height) > 0.005)
            if off.any():
                feedback.pushWarning(
                    f"{int(off.sum())} point(s) were measured at instrument height(s) "
                    f"{', '.join(f'{h:g}' for h in np.unique(heights[off]))} m (field HEIGHT_M) but the model was "
                    f"trained for {model_height:g} m: its EC predictions are biased there. Use a model trained "
                    "for your height. MISFIT_PCT is computed at the survey height.")
        try:
            pred = predict_survey(model, eca, policy, fwd, heights)
        except ValueError as err:
            raise self.fail(f"{err} (fields {', '.join(eca_fields)}; NEGATIVE policy)") from None
        if pred.skipped_missing:
            feedback.pushWarning(f"{pred.skipped_missing} point(s) skipped: an ECa value or the position is empty.")
        if pred.skipped_nonpositive:
            feedback.pushWarning(f"{pred.skipped_nonpositive} point(s) dropped: ECa ≤ 0 mS/m.")
        if not pred.used.any():
            raise self.fail("No point has valid ECa values (all empty or ≤ 0): nothing to predict.")
        feedback.setProgress(70)
        self.check_canceled(feedback)

        # Finest layering first; coarser ones on request. Earlier EC_/flag fields are replaced.
        order = sorted(range(len(model.stages)), key=lambda k: -len(model.stages[k].layer_edges))
        stages = order if self.parameterAsBoolean(parameters, self.ADD_COARSE, context) else order[:1]
        new_names, blocks = [], []
        for k in stages:
            for name in layer_field_names(model.stages[k].layer_edges):
                new_names.append(name if name not in new_names else f"{name}_L{len(model.stages[k].layer_edges) - 1}")
            blocks.append(pred.ec[k] * 1000.0)
        new_fields = [double_field(n, "EC (mS/m)") for n in new_names]
        new_fields += [double_field("MISFIT_PCT", f"relative RMS misfit (%), {fwd}"),
                       int_field("EXTRAPOL", "1 = ECa outside the training range"),
                       int_field("FLOORED", "predicted values raised to the EC floor")]
        drop = {n for n in field_names if parse_layer_field(n.split("_L")[0]) or n in new_names
                or n in ("MISFIT_PCT", "EXTRAPOL", "FLOORED")}
        if drop:
            feedback.pushWarning(f"Input fields replaced by new predictions: {', '.join(sorted(drop))}")
        fields, kept = extend_fields(source.fields(), new_fields, drop)

        values = np.column_stack(blocks + [pred.misfit_pct]).tolist()
        flags = np.column_stack([pred.extrapolated.astype(int), pred.n_floored]).tolist()
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields,
                                             source.wkbType(), source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        write_extended(sink, fields, table, np.flatnonzero(pred.used).tolist(), kept,
                       (v + f for v, f in zip(values, flags)),
                       feedback, (75.0, 25.0))

        n_used = int(pred.used.sum())
        feedback.pushInfo(f"Predicted {n_used} of {len(pred.used)} points "
                          f"({pred.skipped_missing} empty, {pred.skipped_nonpositive} with ECa ≤ 0 skipped); "
                          f"{int(pred.extrapolated.sum())} outside the training range; "
                          f"median misfit {np.median(pred.misfit_pct):.2f} % ({fwd}).")
        for name, col in zip(new_names, np.column_stack(blocks).T):
            feedback.pushInfo(f"  {name}: {col.min():8.2f} … {col.max():8.2f} mS/m (median {np.median(col):.2f})")
        return {
            self.OUTPUT: dest_id,
            "N_INPUT": len(pred.used),
            "N_PREDICTED": n_used,
            "N_SKIPPED_MISSING": pred.skipped_missing,
            "N_SKIPPED_NONPOSITIVE": pred.skipped_nonpositive,
            "N_EXTRAPOLATED": int(pred.extrapolated.sum()),
            "N_FLOORED": int(pred.n_floored.sum()),
            "LAYER_FIELDS": ",".join(new_names),
        }
