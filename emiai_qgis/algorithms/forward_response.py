"""emiai:forwardresponse — forward-model ECa of layered EC models (points or a training-set file)."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from emiai_core.fields import FORWARD_MODEL_LABELS, FORWARD_MODELS
from emiai_core.forward_points import OUTPUT_SCALES

from .base import EmiAIAlgorithm


class ForwardResponseAlgorithm(EmiAIAlgorithm):
    """EC depth models in, ECa per coil out (CS / FSlin / FSeq, as EMagPy 1.4.5)."""

    INPUT = "INPUT"
    TRAINING_SET = "TRAINING_SET"
    LAYERING = "LAYERING"
    INSTRUMENT = "INSTRUMENT"
    COILS = "COILS"
    HEIGHT = "HEIGHT"
    FORWARD_MODEL = "FORWARD_MODEL"
    NOISE = "NOISE"
    SEED = "SEED"
    OUTPUT_SCALE = "OUTPUT_SCALE"
    OUTPUT = "OUTPUT"
    OUTPUT_FILE = "OUTPUT_FILE"
    # a training set is read whole, then replaced atomically with the ECa added
    IN_PLACE_OUTPUTS = {"OUTPUT_FILE": ("TRAINING_SET",)}

    ID = "forwardresponse"
    DISPLAY_NAME = "Forward-model ECa"
    HELP = (
        "Computes the apparent conductivity (ECa) that an EMI instrument would read over layered "
        "electrical conductivity (EC) models, as EMagPy 1.4.5 <i>Problem.forward</i> does, vectorised "
        "(about 10,000 models/s for the full solution, millions/s for CS).<br><br>"
        "<b>Input</b>, one of:<br>"
        "• a point layer with EC fields named <i>EC_&lt;top&gt;_&lt;bottom&gt;</i> (cm, EC in mS/m), as "
        "'Predict EC depth models' writes; the finest contiguous layering from 0 cm is used and its "
        "deepest layer is taken as a half-space. Points with an empty or non-positive EC get empty ECa;<br>"
        "• an emiAI training-set file (.npz): the models of <i>Training-set layering</i> (empty = the "
        "target layering), "
        "with the file's deeper extension layers below them (the last one a half-space).<br>"
        "<b>Instrument</b>: a preset (its coils on the ground, raised by <i>Instrument height</i>) or <i>Custom</i>: "
        "<i>Custom coils</i> as EMagPy strings, comma separated, e.g. <i>VCP0.32f30000h0.1, HCP1.18</i> "
        "(orientation VCP/HCP/PRP, coil spacing m, f = frequency Hz, default 30000, h = height m, "
        "default <i>Instrument height</i>).<br>"
        "<b>Forward model</b>: <i>FSlin</i> = full Maxwell solution of the layered half-space, "
        "quadrature converted with the low-induction-number relation (EMagPy 'FSlin'); <i>CS</i> = "
        "McNeill's cumulative sensitivity (the reference emiAI training data); <i>FSeq</i> = EC of the "
        "homogeneous half-space with the same quadrature (empty where none exists: very conductive "
        "ground under large coils).<br>"
        "<b>Noise</b>: Gaussian relative noise in % of each ECa (EMagPy's <i>noise</i>), reproducible "
        "with <i>Noise seed</i>.<br>"
        "<b>ECa scale</b> (advanced): LIN (physical) or as a GF instrument calibrated F-0m / F-1m "
        "would display it (GF coils only; EMagPy's gfCorrection coefficients).<br><br>"
        "Output: the input with one ECa field per coil in mS/m, named by coil (VCP0.32…; the full "
        "EMagPy string where two coils share a name), or for a training set a copy of the file with "
        "one array per coil <i>eca_&lt;coil&gt;</i> in S/m (e.g. eca_VCP0.32f30000h0) and a JSON "
        "entry <i>eca_info</i> describing them."
    )

    def initAlgorithm(self, config=None):  # noqa: N802

        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EC models: point layer with EC_<top>_<bottom> fields (mS/m)",
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.TRAINING_SET, "…or EC models: emiAI training-set file", extension="npz", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.LAYERING, "Training-set layering (empty = the target layering, e.g. L12)", optional=True))
        self.add_coil_parameters()
        self.addParameter(QgsProcessingParameterEnum(
            self.FORWARD_MODEL, "Forward model", options=[FORWARD_MODEL_LABELS[m] for m in FORWARD_MODELS],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.NOISE, "Relative noise (%)", QgsProcessingParameterNumber.Double, defaultValue=0.0,
            minValue=0.0, maxValue=100.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.SEED, "Noise seed", QgsProcessingParameterNumber.Integer, defaultValue=0, minValue=0))
        p = QgsProcessingParameterEnum(
            self.OUTPUT_SCALE, "ECa scale", options=[
                "LIN (physical ECa)", "GF calibration F-0m", "GF calibration F-1m (CMD-Explorer)"],
            defaultValue=0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Forward-modelled ECa (points)", QgsProcessing.TypeVectorPoint, optional=True,
            createByDefault=True))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_FILE, "Forward-modelled ECa (training-set file)", fileFilter="emiAI training set (*.npz)",
            optional=True, createByDefault=False))
        self.addOutput(QgsProcessingOutputNumber("N_MODELS", "Models forward-modelled"))
        self.addOutput(QgsProcessingOutputNumber("N_SKIPPED", "Points skipped (empty or non-positive EC)"))
        self.addOutput(QgsProcessingOutputNumber("N_NO_EQUIVALENT", "FSeq values without an equivalent half-space"))
        self.addOutput(QgsProcessingOutputString("ECA_FIELDS", "ECa fields / arrays (comma separated)"))
        self.addOutput(QgsProcessingOutputString("COIL_STRINGS", "Coils as EMagPy strings (comma separated)"))

    # ------------------------------------------------------------------ helpers
    def _coils(self, parameters, context):
        return self.coils_from_parameters(parameters, context)

    def _settings(self, coils, parameters, context):
        """(noise fraction, seed, scale) with the scale checked against the coils."""
        from emiai_core.forward_points import check_scale

        scale = OUTPUT_SCALES[self.parameterAsEnum(parameters, self.OUTPUT_SCALE, context)]
        try:
            check_scale(coils, scale)
        except ValueError as err:
            raise self.fail(f"OUTPUT_SCALE {scale}: {err} Use the LIN scale for these coils.") from None
        return (self.parameterAsDouble(parameters, self.NOISE, context) / 100.0,
                self.parameterAsInt(parameters, self.SEED, context), scale)

    def _progress(self, feedback, start, width):
        def progress(fraction):
            self.check_canceled(feedback)
            feedback.setProgress(start + width * fraction)
        return progress

    # ------------------------------------------------------------------ main
    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        source = self.parameterAsSource(parameters, self.INPUT, context)
        ts_path = self.parameterAsFile(parameters, self.TRAINING_SET, context)
        if (source is None) == (not ts_path):
            raise self.fail("Give exactly one input: a point layer with EC_<top>_<bottom> fields (INPUT) or "
                            "a training-set file (TRAINING_SET).")
        coils = self._coils(parameters, context)
        model = FORWARD_MODELS[self.parameterAsEnum(parameters, self.FORWARD_MODEL, context)]
        feedback.pushInfo(f"Coils: {', '.join(c.emagpy for c in coils)}; forward model {model}")
        if ts_path:
            return self._training_set(ts_path, coils, model, parameters, context, feedback)
        return self._points(source, coils, model, parameters, context, feedback)

    def _points(self, source, coils, model, parameters, context, feedback):
        import numpy as np

        from emiai_core.fields import edges_from_field_names, finest_layering
        from emiai_core.forward_points import forward_table

        from ..layer_io import double_field, extend_fields, read_points, write_extended

        self.check_output_writable(parameters, self.OUTPUT, context)
        field_names = source.fields().names()
        layer_fields = finest_layering(field_names)
        if not layer_fields:
            raise self.fail("INPUT has no EC layer fields named EC_<top>_<bottom> (cm) starting at EC_000_…, "
                            f"e.g. EC_000_012 (fields: {', '.join(field_names)}). Use the output of 'Predict EC "
                            "depth models' or rename the fields.")
        edges = edges_from_field_names(layer_fields)
        feedback.pushInfo(f"Layers: {', '.join(layer_fields)} (EC in mS/m; the deepest one is taken as a "
                          f"half-space below {edges[-2]:g} m)")
        table = read_points(source, layer_fields, feedback, (0.0, 20.0))
        ec_mS_m = np.column_stack([table.values[f] for f in layer_fields])
        noise, seed, scale = self._settings(coils, parameters, context)
        try:
            result = forward_table(ec_mS_m, edges, coils, model, noise, seed, scale,
                                   self._progress(feedback, 20.0, 60.0))
        except ValueError as err:
            raise self.fail(f"Forward modelling failed: {err}") from None
        if not result.valid.any():
            raise self.fail(f"No point has valid EC values in {', '.join(layer_fields)} (all empty or ≤ 0 mS/m).")
        for line in result.notes:
            feedback.pushInfo(line)
        for line in result.warnings:
            feedback.pushWarning(line)
        names = result.field_names
        new_fields = [double_field(n, f"ECa (mS/m), {model}, {c.emagpy}") for n, c in zip(names, coils)]
        drop = [n for n in field_names if n in names]
        if drop:
            feedback.pushWarning(f"Input fields replaced by the forward-modelled ECa: {', '.join(drop)}")
        fields, kept = extend_fields(source.fields(), new_fields, set(drop))
        vals = ([None if v != v else v for v in row] for row in result.eca_mS_m.tolist())  # NaN -> NULL
        self.check_canceled(feedback)
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        write_extended(sink, fields, table, range(len(table.features)), kept, vals, feedback, (80.0, 20.0))
        for n, col in zip(names, result.eca_mS_m[result.valid].T):
            ok = np.isfinite(col)
            if ok.any():
                feedback.pushInfo(f"  {n}: {col[ok].min():.3g} … {col[ok].max():.3g} mS/m "
                                  f"(median {np.median(col[ok]):.3g})")
        return {self.OUTPUT: dest_id, "N_MODELS": int(result.valid.sum()), "N_SKIPPED": result.n_skipped,
                "N_NO_EQUIVALENT": result.n_no_equivalent, "ECA_FIELDS": ",".join(names),
                "COIL_STRINGS": ",".join(c.emagpy for c in coils)}

    def _training_set(self, path, coils, model, parameters, context, feedback):
        import os

        import numpy as np

        from emiai_core.forward_points import modelled_eca
        from emiai_core.training_set import ECA_PREFIX, TrainingSetError, add_eca, load_training_set

        out_path = self.parameterAsFileOutput(parameters, self.OUTPUT_FILE, context)
        if not out_path:
            raise self.fail("TRAINING_SET is given: set OUTPUT_FILE (a .npz path) for the training set with ECa.")
        folder = os.path.dirname(os.path.abspath(out_path))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise self.fail(f"Cannot write OUTPUT_FILE {out_path}: folder {folder} does not exist or is not writable.")
        try:
            ts = load_training_set(path)
        except TrainingSetError as err:
            raise self.fail(f"TRAINING_SET: {err}") from None
        name = (self.parameterAsString(parameters, self.LAYERING, context) or "").strip() or ts.target_name
        if name not in ts.layerings:
            raise self.fail(f"LAYERING {name!r} is not in {path}: choose one of {', '.join(ts.layerings)}.")
        ec, edges = ts.full_model(name)
        feedback.pushInfo(f"{ts.n_models} models of layering {name} ({len(ts.layerings[name].edges) - 1} layers"
                          f"{'' if len(edges) == len(ts.layerings[name].edges) else ' + deeper extension layers'}; "
                          f"last layer from {edges[-2]:g} m = half-space)")
        noise, seed, scale = self._settings(coils, parameters, context)
        try:
            eca, notes = modelled_eca(ec, edges, coils, model, noise, seed, scale, self._progress(feedback, 5.0, 80.0))
        except ValueError as err:
            raise self.fail(f"Forward modelling failed: {err}") from None
        for line in notes:
            feedback.pushInfo(line)
        n_nan = int(np.isnan(eca).sum())
        if n_nan:
            feedback.pushWarning(f"{n_nan} FSeq value(s) are NaN: no homogeneous half-space has that quadrature.")

        keys = [f"{ECA_PREFIX}{c.emagpy}" for c in coils]
        info = {k: {"coil": c.emagpy, "orientation": c.orientation, "coil_spacing_m": c.coil_spacing,
                    "frequency_hz": c.frequency, "height_m": c.height, "forward_model": model,
                    "layering": name, "edges_m": [float(e) for e in edges], "units": "S/m",
                    "noise_percent": self.parameterAsDouble(parameters, self.NOISE, context), "seed": seed,
                    "scale": scale, "engine": "emiai_core.forward (EMagPy 1.4.5 definitions)"}
                for k, c in zip(keys, coils)}
        self.check_canceled(feedback)
        try:
            add_eca(path, out_path, dict(zip(keys, eca.T)), info)
        except TrainingSetError as err:
            raise self.fail(f"TRAINING_SET: {err}") from None
        feedback.setProgress(100)
        return {self.OUTPUT_FILE: out_path, "N_MODELS": ts.n_models, "N_SKIPPED": 0, "N_NO_EQUIVALENT": n_nan,
                "ECA_FIELDS": ",".join(keys), "COIL_STRINGS": ",".join(c.emagpy for c in coils)}
