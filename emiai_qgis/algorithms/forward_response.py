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

from .base import EmiAIAlgorithm

# Keys of emiai_core.instruments.INSTRUMENTS in the order of the INSTRUMENT enum; last = custom.
INSTRUMENT_KEYS = ("CMD-MiniExplorer", "CMD-MiniExplorer-6L", "CMD-Explorer", "DUALEM-1S", "DUALEM-2S",
                   "DUALEM-21S", "EM38-MK2", "EM31")
FORWARD_MODELS = ("FSlin", "CS", "FSeq")
OUTPUT_SCALES = ("LIN", "F-0m", "F-1m")
BLOCK = 20_000  # models per progress step


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
        "• an emiAI training-set file (.npz): the models of LAYERING (empty = the target layering), "
        "with the file's deeper extension layers below them (the last one a half-space).<br>"
        "<b>Instrument</b>: a preset (its coils on the ground, raised by HEIGHT) or <i>Custom</i>: "
        "COILS as EMagPy strings, comma separated, e.g. <i>VCP0.32f30000h0.1, HCP1.18</i> "
        "(orientation VCP/HCP/PRP, coil spacing m, f = frequency Hz, default 30000, h = height m, "
        "default HEIGHT).<br>"
        "<b>Forward model</b>: <i>FSlin</i> = full Maxwell solution of the layered half-space, "
        "quadrature converted with the low-induction-number relation (EMagPy 'FSlin'); <i>CS</i> = "
        "McNeill's cumulative sensitivity (the reference emiAI training data); <i>FSeq</i> = EC of the "
        "homogeneous half-space with the same quadrature (empty where none exists: very conductive "
        "ground under large coils).<br>"
        "<b>Noise</b>: Gaussian relative noise in % of each ECa (EMagPy's <i>noise</i>), reproducible "
        "with SEED.<br>"
        "<b>ECa scale</b> (advanced): LIN (physical) or as a GF instrument calibrated F-0m / F-1m "
        "would display it (GF coils only; EMagPy's gfCorrection coefficients).<br><br>"
        "Output: the input with one ECa field per coil in mS/m, named by coil (VCP0.32…; the full "
        "EMagPy string where two coils share a name), or for a training set a copy of the file with "
        "one array per coil <i>eca_&lt;coil&gt;</i> in S/m (e.g. eca_VCP0.32f30000h0) and a JSON "
        "entry <i>eca_info</i> describing them."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        from emiai_core.instruments import INSTRUMENTS

        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EC models: point layer with EC_<top>_<bottom> fields (mS/m)",
            [QgsProcessing.TypeVectorPoint], optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.TRAINING_SET, "…or EC models: emiAI training-set file", extension="npz", optional=True))
        self.addParameter(QgsProcessingParameterString(
            self.LAYERING, "Training-set layering (empty = the target layering, e.g. L12)", optional=True))
        labels = [INSTRUMENTS[k].label for k in INSTRUMENT_KEYS] + ["Custom (COILS)"]
        self.addParameter(QgsProcessingParameterEnum(
            self.INSTRUMENT, "Instrument", options=labels, defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            self.COILS, "Custom coils (EMagPy strings, comma separated)", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.HEIGHT, "Instrument height above ground (m)", QgsProcessingParameterNumber.Double,
            defaultValue=0.0, minValue=0.0, maxValue=10.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.FORWARD_MODEL, "Forward model", options=[
                "FSlin (full solution, LIN ECa)", "CS (cumulative sensitivity)",
                "FSeq (full solution, equivalent ECa)"], defaultValue=0))
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
        from emiai_core.instruments import instrument, parse_coil

        k = self.parameterAsEnum(parameters, self.INSTRUMENT, context)
        height = self.parameterAsDouble(parameters, self.HEIGHT, context)
        text = (self.parameterAsString(parameters, self.COILS, context) or "").strip()
        if k < len(INSTRUMENT_KEYS):
            if text:
                raise self.fail(f"COILS is set ({text}) but INSTRUMENT is the preset {INSTRUMENT_KEYS[k]}: "
                                "choose INSTRUMENT = Custom to use COILS, or clear COILS.")
            return list(instrument(INSTRUMENT_KEYS[k]).coils_at(height))
        if not text:
            raise self.fail("INSTRUMENT is Custom but COILS is empty: give coils as EMagPy strings, e.g. "
                            "'VCP0.32f30000h0, HCP0.71f30000h0'.")
        coils = []
        for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
            try:
                coils.append(parse_coil(part.strip(), height=height))
            except ValueError as err:
                raise self.fail(f"COILS: {err}") from None
        return coils

    def _run_forward(self, ec, edges, coils, model, feedback, span):
        """ECa (N, n_coils) S/m in blocks, with progress and Cancel."""
        import numpy as np

        from emiai_core.forward import forward_eca

        n = len(ec)
        out = np.empty((n, len(coils)))
        start, width = span
        for i0 in range(0, n, BLOCK):
            self.check_canceled(feedback)
            sl = slice(i0, i0 + BLOCK)
            try:
                out[sl] = forward_eca(ec[sl], edges if np.ndim(edges) == 1 else edges[sl], coils, model)
            except ValueError as err:
                raise self.fail(f"Forward modelling failed: {err}") from None
            feedback.setProgress(start + width * min(i0 + BLOCK, n) / n)
        self.check_canceled(feedback)
        return out

    @staticmethod
    def _field_names(coils):
        names = [c.name for c in coils]
        return [c.emagpy if names.count(c.name) > 1 else c.name for c in coils]

    def _post(self, eca, coils, parameters, context, feedback):
        """Noise, then the GF scale; returns (eca, n_nan)."""
        import numpy as np

        from emiai_core.forward import add_noise
        from emiai_core.gf_calibration import lin_to_gf

        noise = self.parameterAsDouble(parameters, self.NOISE, context) / 100.0
        seed = self.parameterAsInt(parameters, self.SEED, context)
        if noise > 0:
            eca = add_noise(eca, noise, seed)
            feedback.pushInfo(f"Added {noise * 100:g} % Gaussian relative noise (seed {seed}).")
        scale = OUTPUT_SCALES[self.parameterAsEnum(parameters, self.OUTPUT_SCALE, context)]
        if scale != "LIN":
            try:
                eca = np.column_stack([lin_to_gf(eca[:, k], c, scale) for k, c in enumerate(coils)])
            except ValueError as err:
                raise self.fail(f"OUTPUT_SCALE {scale}: {err} Use the LIN scale for these coils.") from None
            feedback.pushInfo(f"ECa converted to the GF {scale} calibration scale.")
        return eca, int(np.isnan(eca).sum())

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

        from emiai_core.layering import edges_from_field_names, finest_layering

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
        ec = np.column_stack([table.values[f] for f in layer_fields]) / 1000.0
        valid = np.all(np.isfinite(ec) & (ec > 0), axis=1)
        n_skip = int((~valid).sum())
        if n_skip:
            feedback.pushWarning(f"{n_skip} point(s) with an empty or non-positive EC value get empty ECa.")
        if not valid.any():
            raise self.fail(f"No point has valid EC values in {', '.join(layer_fields)} (all empty or ≤ 0 mS/m).")
        med = np.median(ec[valid])
        if med > 5.0:
            feedback.pushWarning(f"Median EC is {med * 1000:.3g} mS/m: values look like S/m x 1000 — EC fields "
                                 "must be in mS/m.")
        eca = np.full((len(ec), len(coils)), np.nan)
        eca[valid] = self._run_forward(ec[valid], edges, coils, model, feedback, (20.0, 60.0))
        eca, n_nan = self._post(eca, coils, parameters, context, feedback)
        n_noeq = max(n_nan - n_skip * len(coils), 0)
        if n_noeq:
            feedback.pushWarning(f"{n_noeq} FSeq value(s) left empty: no homogeneous half-space has that "
                                 "quadrature (very conductive ground for the coil); use FSlin there.")

        names = self._field_names(coils)
        new_fields = [double_field(n, f"ECa (mS/m), {model}, {c.emagpy}") for n, c in zip(names, coils)]
        drop = [n for n in field_names if n in names]
        if drop:
            feedback.pushWarning(f"Input fields replaced by the forward-modelled ECa: {', '.join(drop)}")
        fields, kept = extend_fields(source.fields(), new_fields, set(drop))
        vals = ([None if v != v else v for v in row] for row in (eca * 1000.0).tolist())  # NaN -> NULL
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, source.wkbType(),
                                             source.sourceCrs())
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        write_extended(sink, fields, table, range(len(table.features)), kept, vals, feedback, (80.0, 20.0))
        for n, col in zip(names, (eca[valid] * 1000.0).T):
            ok = np.isfinite(col)
            if ok.any():
                feedback.pushInfo(f"  {n}: {col[ok].min():.3g} … {col[ok].max():.3g} mS/m "
                                  f"(median {np.median(col[ok]):.3g})")
        return {self.OUTPUT: dest_id, "N_MODELS": int(valid.sum()), "N_SKIPPED": n_skip,
                "N_NO_EQUIVALENT": n_noeq, "ECA_FIELDS": ",".join(names),
                "COIL_STRINGS": ",".join(c.emagpy for c in coils)}

    def _training_set(self, path, coils, model, parameters, context, feedback):
        import json
        import os
        import shutil
        import tempfile

        import numpy as np

        from emiai_core.training_set import TrainingSetError, load_training_set

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
        eca = self._run_forward(ec, edges, coils, model, feedback, (5.0, 80.0))
        eca, n_nan = self._post(eca, coils, parameters, context, feedback)
        if n_nan:
            feedback.pushWarning(f"{n_nan} FSeq value(s) are NaN: no homogeneous half-space has that quadrature.")

        keys = [f"eca_{c.emagpy}" for c in coils]
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        info = json.loads(str(arrays["eca_info"][()])) if "eca_info" in arrays else {}
        noise = self.parameterAsDouble(parameters, self.NOISE, context)
        scale = OUTPUT_SCALES[self.parameterAsEnum(parameters, self.OUTPUT_SCALE, context)]
        for k, c, col in zip(keys, coils, eca.T):
            arrays[k] = np.ascontiguousarray(col)
            info[k] = {"coil": c.emagpy, "orientation": c.orientation, "coil_spacing_m": c.coil_spacing,
                       "frequency_hz": c.frequency, "height_m": c.height, "forward_model": model,
                       "layering": name, "edges_m": [float(e) for e in edges], "units": "S/m",
                       "noise_percent": noise, "seed": self.parameterAsInt(parameters, self.SEED, context),
                       "scale": scale, "engine": "emiai_core.forward (EMagPy 1.4.5 definitions)"}
        arrays["eca_info"] = np.array(json.dumps(info, indent=1))
        self.check_canceled(feedback)
        fd, tmp = tempfile.mkstemp(suffix=".npz", dir=folder)
        os.close(fd)
        try:
            np.savez(tmp, **arrays)
            shutil.move(tmp, out_path)
        finally:
            if os.path.exists(tmp):
                os.remove(tmp)
        feedback.setProgress(100)
        return {self.OUTPUT_FILE: out_path, "N_MODELS": ts.n_models, "N_SKIPPED": 0, "N_NO_EQUIVALENT": n_nan,
                "ECA_FIELDS": ",".join(keys), "COIL_STRINGS": ",".join(c.emagpy for c in coils)}
