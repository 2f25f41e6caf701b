"""emiai:trainnetwork — train an ensemble of EC networks on the site's own training models."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingParameterBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from emiai_core.fields import FORWARD_MODEL_LABELS, FORWARD_MODELS

from .base import EmiAIAlgorithm

GROUP_BY = ("location", "profile")


class TrainNetworkAlgorithm(EmiAIAlgorithm):
    """Training-set files in, a model file (ensemble of direct networks, numpy weights) out."""

    TRAINING_SETS = "TRAINING_SETS"
    INSTRUMENT = "INSTRUMENT"
    ORIENTATIONS = "ORIENTATIONS"
    COILS = "COILS"
    HEIGHT = "HEIGHT"
    FORWARD_MODEL = "FORWARD_MODEL"
    NOISE = "NOISE"
    MEMBERS = "MEMBERS"
    HIDDEN = "HIDDEN"
    MAX_EPOCHS = "MAX_EPOCHS"
    GROUP_BY = "GROUP_BY"
    COMPARE_CASCADE = "COMPARE_CASCADE"
    SEED = "SEED"
    OUTPUT = "OUTPUT"
    OUTPUT_HTML = "OUTPUT_HTML"

    ID = "trainnetwork"
    DISPLAY_NAME = "Train EC network"
    GROUP = "Training"
    GROUP_ID = "training"
    HELP = (
        "Trains the networks that turn ECa into EC depth models on your site's own training models "
        "(the output of 'Generate training models'; several files are merged).<br><br>"
        "The ECa the networks learn from are forward-modelled from every training model, including "
        "the layers below the target depth, for the instrument, coils and height you measure with, "
        "with relative noise added. The model is an <b>ensemble</b>: several networks trained from "
        "different seeds; their spread becomes the uncertainty fields (ECSTD_…) of 'Predict EC depth "
        "models'. Each network maps the log10 ECa of all coils to the log10 EC of every layer and of "
        "the half-space below the target depth.<br>"
        "<b>Honest scores</b>: rows are split into training, validation (early stopping) and test "
        "sets by whole extraction location or whole profile, never row by row; the report gives the "
        "test errors per layer in mS/m and log10 units, the data misfit, and the training curves.<br>"
        "<b>TensorFlow</b> runs in a separate Python process (prediction never needs it); it must be "
        "installed in the Python QGIS uses: <i>python -m pip install tensorflow-cpu keras</i>. "
        "Training takes minutes: progress is shown per epoch and Cancel stops it.<br><br>"
        "Output: a model file (.npz, weights as plain arrays) for 'Predict EC depth models', and an "
        "HTML report with its figures."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.TRAINING_SETS, "Training-set files (from 'Generate training models')", QgsProcessing.TypeFile))
        self.add_coil_parameters(with_orientations=True)
        self.addParameter(QgsProcessingParameterEnum(
            self.FORWARD_MODEL, "Forward model of the training ECa",
            options=[FORWARD_MODEL_LABELS[m] for m in FORWARD_MODELS], defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.NOISE, "Relative ECa noise (%)", QgsProcessingParameterNumber.Double, defaultValue=3.0,
            minValue=0.0, maxValue=30.0))
        self.addParameter(QgsProcessingParameterNumber(
            self.MEMBERS, "Ensemble members", QgsProcessingParameterNumber.Integer, defaultValue=5,
            minValue=1, maxValue=20))
        for name, label, kind, default, lo, hi in (
                (self.MAX_EPOCHS, "Maximum epochs", QgsProcessingParameterNumber.Integer, 300, 1, 5000),
                (self.SEED, "Random seed", QgsProcessingParameterNumber.Integer, 0, 0, 2**31 - 1)):
            p = QgsProcessingParameterNumber(name, label, kind, defaultValue=default, minValue=lo, maxValue=hi)
            p.setFlags(p.flags() | p.FlagAdvanced)
            self.addParameter(p)
        p = QgsProcessingParameterString(self.HIDDEN, "Hidden layer sizes (comma separated)", defaultValue="64,64")
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterBoolean(
            self.COMPARE_CASCADE, "Also train the reference cascade (4 → 6 → 12 layers) and compare in the report",
            defaultValue=False)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterEnum(self.GROUP_BY, "Split training / validation / test by",
                                       options=["Extraction location", "Profile (sibling profiles together)"],
                                       defaultValue=0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT, "Model file", fileFilter="emiAI model (*.npz)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_HTML, "Training report", fileFilter="HTML (*.html)", optional=True, createByDefault=True))
        for name, label in (("N_ROWS", "Training models used"), ("LOG10_RMSE", "Test RMSE of log10 EC"),
                            ("MAE_MS_M", "Test MAE of EC (mS/m)"), ("MISFIT_MEDIAN", "Median data misfit (%)")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import os
        from pathlib import Path

        from emiai_core.atomic import file_mode
        from emiai_core.training import TrainingError, TrainingSettings
        from emiai_core.training_set import TrainingSetError, load_training_set

        from ..child import run_training

        paths = [str(p) for p in self.parameterAsFileList(parameters, self.TRAINING_SETS, context)]
        if not paths:
            raise self.fail("TRAINING_SETS is empty: choose one or more training-set files (.npz) made by "
                            "'Generate training models'.")
        for p in paths:
            try:
                load_training_set(p)
            except TrainingSetError as err:
                raise self.fail(f"TRAINING_SETS: {err}") from None
        coils = self.coils_from_parameters(parameters, context)
        text = (self.parameterAsString(parameters, self.HIDDEN, context) or "").replace(";", ",")
        try:
            hidden = tuple(int(v) for v in text.split(",") if v.strip())
        except ValueError:
            raise self.fail(f"HIDDEN: '{text}' is not a list of whole numbers such as 64,64.") from None
        try:
            settings = TrainingSettings(
                coils=tuple(c.emagpy for c in coils),
                forward_model=FORWARD_MODELS[self.parameterAsEnum(parameters, self.FORWARD_MODEL, context)],
                noise_relative=self.parameterAsDouble(parameters, self.NOISE, context) / 100.0,
                hidden=hidden, n_members=self.parameterAsInt(parameters, self.MEMBERS, context),
                seed=self.parameterAsInt(parameters, self.SEED, context),
                max_epochs=self.parameterAsInt(parameters, self.MAX_EPOCHS, context),
                group_by=GROUP_BY[self.parameterAsEnum(parameters, self.GROUP_BY, context)])
        except TrainingError as err:
            raise self.fail(str(err)) from None
        out = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        html = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context) or None
        for name, path in ((self.OUTPUT, out), (self.OUTPUT_HTML, html)):
            if path:
                folder = os.path.dirname(os.path.abspath(path))
                if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
                    raise self.fail(f"Cannot write {name} {path}: folder {folder} does not exist or is not writable.")
        feedback.pushInfo(f"Coils: {', '.join(settings.coils)}; {settings.forward_model}, "
                          f"{settings.noise_relative * 100:g} % noise, {settings.n_members} member(s), "
                          f"hidden {list(settings.hidden)}")
        self.check_canceled(feedback)

        # the child writes into a temporary folder beside the outputs; everything is moved at the end
        from emiai_core.atomic import stage_dir

        stage = stage_dir(os.path.dirname(os.path.abspath(out)), "train")
        try:
            tmp_model = stage / Path(out).name
            request = {"training_sets": paths, "settings": settings.to_json(), "output_model": str(tmp_model),
                       "name": Path(out).stem, "final_model_path": out,
                       "compare_cascade": self.parameterAsBoolean(parameters, self.COMPARE_CASCADE, context)}
            if html:
                request["output_html"] = str(stage / Path(html).name)
                request["figures_folder"] = str(stage / (Path(html).stem + "_figures"))
            summary = run_training(request, feedback)
            moves = [(tmp_model, Path(out))]
            if html:
                final_fig = Path(html).with_name(Path(html).stem + "_figures")
                moves.append((stage / Path(html).name, Path(html)))
                for f in sorted((stage / (Path(html).stem + "_figures")).glob("*.png")):
                    moves.append((f, final_fig / f.name))
                final_fig.mkdir(parents=True, exist_ok=True)
            for src, dst in moves:
                os.chmod(src, file_mode())
                os.replace(src, dst)
        finally:
            import shutil

            shutil.rmtree(stage, ignore_errors=True)
        sc = summary["scores"]
        feedback.pushInfo(f"Test split ({summary['rows']['test']} rows): RMSE of log10 EC {sc['log10_rmse_all']:.3f}, "
                          f"MAE {sc['mae_mS_m_all']:.2f} mS/m, median data misfit "
                          f"{summary['data_misfit_pct']['median']:.2f} %; {summary['seconds']:.0f} s.")
        feedback.setProgress(100)
        return {self.OUTPUT: out, self.OUTPUT_HTML: html, "N_ROWS": summary["rows"]["total"],
                "LOG10_RMSE": sc["log10_rmse_all"], "MAE_MS_M": sc["mae_mS_m_all"],
                "MISFIT_MEDIAN": summary["data_misfit_pct"]["median"]}
