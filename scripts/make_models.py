#!/usr/bin/env python
"""Build the Processing models shipped with the emiAI provider: emiai_qgis/models/<id>.model3.

    .venv/bin/python scripts/make_models.py          # (re)write the .model3 files
    .venv/bin/python scripts/make_models.py --check  # exit 1 when the committed files are not what it builds

The models are built with the PyQGIS model API (QgsProcessingModelAlgorithm and friends) from the
registered emiAI algorithms, so labels, options and defaults of the exposed inputs are copied from
the algorithms they feed; rerun the script after changing one of those. The provider loads every
.model3 of that folder; the file name (without .model3) is the algorithm name, so the ids are
emiai:survey_to_ec_depth_slices and emiai:ert_profile_to_ec_depth_slices. The files open in the
Graphical Modeler too (Model → Open Model…).

Model outputs are named '<child id>:<output name>' by QGIS, e.g. depthslices:EC_SLICES, in 3.22 and
in 3.40 alike (the files are model format version 1, see canonical_xml). Run the script with QGIS 3.22,
the oldest supported: a newer QGIS writes a few more keys (output metadata, outputOrder), which 3.22
ignores, so its files differ from the committed ones byte for byte (--check fails there) while
tests/test_workflow_models.py compares the models in whatever QGIS it runs.
"""
import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODELS_DIR = REPO / "emiai_qgis" / "models"
GROUP = "Workflows"

sys.path.insert(0, str(REPO))


class ModelBuilder:
    """A QgsProcessingModelAlgorithm assembled step by step, laid out in columns for the modeler:
    inputs left, steps in the middle (top to bottom in execution order), outputs right."""

    X_INPUT, X_STEP, X_OUTPUT, DY = 120.0, 480.0, 820.0, 95.0

    def __init__(self, name: str, help_text: str):
        from qgis.core import QgsApplication, QgsProcessingModelAlgorithm

        self.registry = QgsApplication.processingRegistry()
        self.model = QgsProcessingModelAlgorithm(name, GROUP, GROUP.lower())
        self.help = {"ALG_DESC": help_text, "ALG_CREATOR": "emiAI for QGIS (made by scripts/make_models.py)"}
        self.order = []
        self.n_steps = 0

    def add_input(self, definition, help_text: str, y: float):
        from qgis.core import QgsProcessingModelParameter
        from qgis.PyQt.QtCore import QPointF

        component = QgsProcessingModelParameter(definition.name())
        component.setPosition(QPointF(self.X_INPUT, y))
        component.setDescription(definition.description())
        definition.setHelp(help_text)  # as QGIS sets it from the help content when it reads the file
        self.help[definition.name()] = help_text
        self.order.append(definition.name())
        self.model.addModelParameter(definition, component)
        return definition.name()

    def input_from(self, alg_id: str, child_param: str, name: str, help_text: str, y: float,
                   description: str = None, default=None, optional: bool = None):
        """A model input copied from ``alg_id``'s parameter ``child_param`` (label, options, limits), renamed
        ``name``; the advanced flag is dropped (a model shows only what it exposes); ``optional`` overrides
        the copied optional flag."""
        from qgis.core import QgsProcessingParameterDefinition

        src = self.registry.algorithmById(alg_id).parameterDefinition(child_param)
        if src is None:
            raise SystemExit(f"{alg_id} has no parameter {child_param}: update scripts/make_models.py")
        definition = src.clone()
        definition.setName(name)
        definition.setFlags(definition.flags() & ~QgsProcessingParameterDefinition.FlagAdvanced)
        if optional is not None:
            flag = QgsProcessingParameterDefinition.FlagOptional
            definition.setFlags(definition.flags() | flag if optional else definition.flags() & ~flag)
        if description:
            definition.setDescription(description)
        if default is not None:
            definition.setDefaultValue(default)
        return self.add_input(definition, help_text, y)

    def step(self, alg_id: str, child_id: str, description: str, inputs: dict, outputs: dict = None):
        """A child algorithm. ``inputs``: child parameter → ('model', name) | ('child', child id, output)
        | ('static', value); ``outputs``: child destination parameter → (model output name, description,
        mandatory); every other mandatory input gets the algorithm's default. Returns the step's y position."""
        from qgis.core import (
            QgsProcessingModelChildAlgorithm,
            QgsProcessingModelChildParameterSource as Source,
            QgsProcessingModelOutput,
        )
        from qgis.PyQt.QtCore import QPointF

        if self.registry.algorithmById(alg_id) is None:
            raise SystemExit(f"{alg_id} is not registered: is the emiAI provider loaded?")
        y = 60.0 + self.DY * self.n_steps
        self.n_steps += 1
        child = QgsProcessingModelChildAlgorithm(alg_id)
        child.setChildId(child_id)
        child.setDescription(description)
        child.setPosition(QPointF(self.X_STEP, y))
        for param, source in inputs.items():
            kind, *rest = source
            if kind == "model":
                src = Source.fromModelParameter(rest[0])
            elif kind == "child":
                src = Source.fromChildOutput(rest[0], rest[1])
            elif kind == "static":
                src = Source.fromStaticValue(rest[0])
            else:
                raise ValueError(kind)
            child.addParameterSources(param, [src])
        # the defaults of the other mandatory inputs, as the modeler sets them (model.validate() wants a
        # source for each); optional ones are left out, so the algorithm's own default applies
        for definition in self.registry.algorithmById(alg_id).parameterDefinitions():
            if (definition.name() not in inputs and not definition.isDestination()
                    and not definition.flags() & definition.FlagOptional):
                child.addParameterSources(definition.name(), [Source.fromStaticValue(definition.defaultValue())])
        model_outputs = {}
        for i, (child_output, (name, label, mandatory)) in enumerate((outputs or {}).items()):
            out = QgsProcessingModelOutput(name, label)
            out.setChildId(child_id)
            out.setChildOutputName(child_output)
            out.setMandatory(mandatory)
            out.setPosition(QPointF(self.X_OUTPUT, y + 35.0 * i))
            model_outputs[name] = out
        child.setModelOutputs(model_outputs)
        self.model.addChildAlgorithm(child)
        return y

    def finish(self):
        self.model.setHelpContent(self.help)
        self.model.setParameterOrder(self.order)
        ok, issues = self.model.validate()
        if not ok:
            raise SystemExit(f"model {self.model.name()} is not valid:\n  " + "\n  ".join(issues))
        return self.model


SURVEY_HELP = ("The EMI survey export (GF CMD .dat / .csv with NMEA or decimal latitude/longitude, or projected "
               "x/y). A second file of the same survey (Hi / HCP) is not merged here: run 'Import EMI survey' "
               "for that.")
INSTRUMENT_HELP = "The instrument the survey was recorded with (its coil spacings)."
ORIENTATION_HELP = "Coil orientation of the survey file: VCP (Lo) or HCP (Hi)."
HEIGHT_HELP = "Height of the instrument above the ground during the survey (m)."
CELL_HELP = "Cell size of the depth-slice raster in CRS units (m); 0 = chosen from the point spacing."
METHOD_HELP = ("How EC depth models are predicted: the network alone, the network refined to fit the measured "
               "ECa (recommended), or an inversion without a network.")
QC_OUT = ("SURVEY_QC", "Survey points after QC", True)
EC_OUT = ("EC_MODELS", "EC depth models", True)
SLICES_OUT = ("EC_SLICES", "EC depth slices", True)


def survey_steps(b: ModelBuilder, model_file=None):
    """importsurvey → filtersurvey (QC, defaults) → predictec (embedded model or ``model_file``) →
    depthslices, fed by the model inputs SURVEY, INSTRUMENT, ORIENTATION, HEIGHT, METHOD, CELL_SIZE."""
    b.step("emiai:importsurvey", "importsurvey", "Import EMI survey",
           {"INPUT": ("model", "SURVEY"), "INSTRUMENT": ("model", "INSTRUMENT"),
            "ORIENTATION": ("model", "ORIENTATION"), "HEIGHT": ("model", "HEIGHT")})
    b.step("emiai:filtersurvey", "filtersurvey", "Filter EMI survey (QC)",
           {"INPUT": ("child", "importsurvey", "OUTPUT")}, {"OUTPUT": QC_OUT})
    predict = {"INPUT": ("child", "filtersurvey", "OUTPUT"), "METHOD": ("model", "METHOD")}
    if model_file:
        predict["MODEL"] = model_file
    b.step("emiai:predictec", "predictec", "Predict EC depth models", predict, {"OUTPUT": EC_OUT})
    b.step("emiai:depthslices", "depthslices", "EC depth slices to raster",
           {"INPUT": ("child", "predictec", "OUTPUT"), "CELL_SIZE": ("model", "CELL_SIZE")}, {"OUTPUT": SLICES_OUT})


def survey_inputs(b: ModelBuilder, y0: float, dy: float):
    b.input_from("emiai:importsurvey", "INPUT", "SURVEY", SURVEY_HELP, y0, "EMI survey file (.dat / .csv / .txt)")
    b.input_from("emiai:importsurvey", "INSTRUMENT", "INSTRUMENT", INSTRUMENT_HELP, y0 + dy, "Instrument")
    b.input_from("emiai:importsurvey", "ORIENTATION", "ORIENTATION", ORIENTATION_HELP, y0 + 2 * dy)
    b.input_from("emiai:importsurvey", "HEIGHT", "HEIGHT", HEIGHT_HELP, y0 + 3 * dy)


def survey_model():
    b = ModelBuilder(
        "Survey to EC depth slices",
        "The whole job on one EMI survey: <b>Import EMI survey</b> → <b>Filter EMI "
        "survey (QC)</b> with its default checks (empty values, ECa ≤ 0, line ends and turns, spikes) → "
        "<b>Predict EC depth models</b> with the embedded model chosen by the survey's coils → <b>EC depth "
        "slices to raster</b> (one band per layer).<br><br>Outputs: the survey points that pass the QC, the EC "
        "depth models (points with EC_&lt;top&gt;_&lt;bottom&gt; fields in mS/m, misfit, depth of investigation) and "
        "the depth-slice raster. For other settings run the four algorithms one by one, or open this model in "
        "the Graphical Modeler (emiai_qgis/models/survey_to_ec_depth_slices.model3) and save a copy.")
    survey_inputs(b, 60.0, 70.0)
    b.input_from("emiai:predictec", "METHOD", "METHOD", METHOD_HELP, 340.0, "Prediction method")
    b.input_from("emiai:depthslices", "CELL_SIZE", "CELL_SIZE", CELL_HELP, 410.0, "Raster cell size (m, 0 = automatic)")
    survey_steps(b)
    return b.finish()


def ert_model():
    b = ModelBuilder(
        "ERT profile to EC depth slices",
        "Trains a site model on one ERT profile and maps an EMI survey with it: <b>Import ERT section</b> → "
        "<b>Generate training models</b> (NMODELS per box and direction, no figures) → <b>Train EC network</b> "
        "(a small, fast ensemble: MEMBERS networks, at most MAX_EPOCHS epochs; TensorFlow in a separate Python "
        "process) for the survey's instrument, orientation and height → <b>Import EMI survey</b> → <b>Filter EMI "
        "survey (QC)</b> → <b>Predict EC depth models</b> with the new model file → <b>EC depth slices to "
        "raster</b>.<br><br>The defaults are for a quick first look (well under a minute); for a model to keep, "
        "raise NMODELS (reference: 140), MEMBERS (5) and MAX_EPOCHS (300), or run the training algorithms on "
        "all your ERT profiles. One profile per run: for several, run <i>Import ERT section</i> per profile "
        "and give all layers to <i>Generate training models</i>.<br><br>Outputs: the model file and its "
        "training report, the survey points after QC, the EC depth models (with the ensemble spread "
        "ECSTD_…) and the depth-slice raster.")
    ert_id = "emiai:importertsection"
    b.input_from(ert_id, "INPUT", "ERT_SECTION", "The ERT inversion result of one profile: a ResIPy mesh CSV "
                 "(&lt;P&gt;_mesh.csv), a native R2/cR2 f001_res.dat (with mesh.dat beside it) or a .vtk.", 60.0)
    b.input_from(ert_id, "ELECTRODE_COORDINATES", "ELECTRODE_COORDINATES", "Electrode map coordinates of the "
                 "profile: a table ElecID X Y [Z] such as &lt;P&gt;_xyz_dem.csv, in the CRS below.", 130.0,
                 "Electrode map coordinates (ElecID X Y Z, e.g. B2_1_xyz_dem.csv)", optional=False)
    b.input_from(ert_id, "ELECTRODES", "ELECTRODES", "Distance along the line and elevation of each electrode "
                 "(&lt;P&gt;_grid.csv or electrodes.dat); empty = the one beside the ERT file.", 200.0)
    b.input_from(ert_id, "CRS", "ERT_CRS", "CRS of the electrode map coordinates (projected, in metres).", 270.0)
    b.input_from("emiai:generatetrainingmodels", "NMODELS", "NMODELS", "Training models drawn per extraction "
                 "box and direction (each with its reverse partner); the reference used 140.", 340.0,
                 "Training models per box and direction (NMODELS)", default=40)
    b.input_from("emiai:trainnetwork", "MEMBERS", "MEMBERS", "Networks in the ensemble (their spread is the "
                 "uncertainty ECSTD_…).", 410.0, default=2)
    b.input_from("emiai:trainnetwork", "MAX_EPOCHS", "MAX_EPOCHS", "Training epochs at most per network "
                 "(early stopping on held-out extraction locations).", 480.0, default=60)
    survey_inputs(b, 570.0, 70.0)
    b.input_from("emiai:predictec", "METHOD", "METHOD", METHOD_HELP, 850.0, "Prediction method")
    b.input_from("emiai:depthslices", "CELL_SIZE", "CELL_SIZE", CELL_HELP, 920.0, "Raster cell size (m, 0 = automatic)")
    b.step(ert_id, "importertsection", "Import ERT section",
           {"INPUT": ("model", "ERT_SECTION"), "ELECTRODES": ("model", "ELECTRODES"),
            "ELECTRODE_COORDINATES": ("model", "ELECTRODE_COORDINATES"), "CRS": ("model", "ERT_CRS")})
    b.step("emiai:generatetrainingmodels", "generatetrainingmodels", "Generate training models",
           {"SECTIONS": ("child", "importertsection", "OUTPUT"),
            "TRACES": ("child", "importertsection", "OUTPUT_TRACE"),
            "NMODELS": ("model", "NMODELS"), "FIGURES": ("static", 0)})
    b.step("emiai:trainnetwork", "trainnetwork", "Train EC network",
           {"TRAINING_SETS": ("child", "generatetrainingmodels", "OUTPUT"), "INSTRUMENT": ("model", "INSTRUMENT"),
            "ORIENTATIONS": ("model", "ORIENTATION"), "HEIGHT": ("model", "HEIGHT"),
            "MEMBERS": ("model", "MEMBERS"), "MAX_EPOCHS": ("model", "MAX_EPOCHS"), "HIDDEN": ("static", "32,32")},
           {"OUTPUT": ("MODEL_FILE", "Model file", True), "OUTPUT_HTML": ("TRAINING_REPORT", "Training report", False)})
    survey_steps(b, model_file=("child", "trainnetwork", "OUTPUT"))
    return b.finish()


MODELS = {"survey_to_ec_depth_slices": survey_model, "ert_profile_to_ec_depth_slices": ert_model}


def canonical_xml(text: str) -> str:
    """QGIS's .model3 XML with the attributes of every element in one order (name, type, value):
    Qt writes them in a hash order that changes from run to run. The model format version that QGIS
    >= 3.34 writes is left out: without it every QGIS reads the model as version 1, whose outputs are
    named '<child id>:<output name>' (version 2 names them after their descriptions; 3.22 knows only 1)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(text)
    for element in root.findall("Option[@name='internal_version']"):
        root.remove(element)
    rank = {"name": 0, "type": 1, "value": 2}
    for element in root.iter():
        items = sorted(element.attrib.items(), key=lambda kv: (rank.get(kv[0], 3), kv[0]))
        element.attrib.clear()
        element.attrib.update(items)
    ET.indent(root, "  ")
    return "<!DOCTYPE model>\n" + ET.tostring(root, encoding="unicode") + "\n"


def model_text(model, path: Path) -> str:
    """The file content of ``model`` (written through ``path``, a scratch file)."""
    model.toFile(str(path))
    return canonical_xml(path.read_text(encoding="utf-8"))


def build_text(build, path: Path) -> str:
    """The file content of the model ``build()`` makes, read back once as QGIS reads the file (a model
    made new in QGIS >= 3.34 is a version 2 model; read from the file it is version 1 in every QGIS)."""
    from qgis.core import QgsProcessingModelAlgorithm

    path.write_text(model_text(build(), path), encoding="utf-8")
    model = QgsProcessingModelAlgorithm()
    if not model.fromFile(str(path)):
        raise SystemExit(f"QGIS cannot read the model it wrote to {path}")
    return model_text(model, path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args()
    from emiai_qgis.headless import start_processing

    app, provider = start_processing()  # noqa: F841 (both must stay referenced)
    import tempfile

    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, build in MODELS.items():
            text = build_text(build, Path(tmp) / f"{name}.model3")
            target = MODELS_DIR / f"{name}.model3"
            if args.check:
                if not target.exists() or target.read_text(encoding="utf-8") != text:
                    stale.append(target)
                continue
            MODELS_DIR.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target.relative_to(REPO)}")
    if stale:
        print("not what scripts/make_models.py builds (rerun it): "
              + ", ".join(str(p.relative_to(REPO)) for p in stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
