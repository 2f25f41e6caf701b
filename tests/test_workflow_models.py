"""The Processing models shipped by the provider (emiai_qgis/models/*.model3, made by
scripts/make_models.py), run headless on the committed real data: the Trimpley CMD-MiniExplorer
survey (trimpLo.dat) and the TU Wien ERT profile B2_1."""
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, data_file
from helpers_layers import read_layer

SURVEY_MODEL = "emiai:survey_to_ec_depth_slices"
ERT_MODEL = "emiai:ert_profile_to_ec_depth_slices"
SURVEY_INPUTS = ["SURVEY", "INSTRUMENT", "ORIENTATION", "HEIGHT", "METHOD", "CELL_SIZE"]
SURVEY_OUTPUTS = ["depthslices:EC_SLICES", "filtersurvey:SURVEY_QC", "predictec:EC_MODELS"]
LAYERS = ["EC_000_012", "EC_012_024", "EC_024_036", "EC_036_048", "EC_048_060", "EC_060_072", "EC_072_084",
          "EC_084_096", "EC_096_108", "EC_108_120", "EC_120_132", "EC_132_150"]
# trimpLo.dat (200 readings): the QC keeps 61 (107 too slow, 16 ECa <= 0, 14 turns, 2 spikes); on a
# 2 m grid they cover 20 x 15 cells
N_READINGS, N_KEPT, GRID = 200, 61, (20, 15)


@pytest.fixture(scope="module")
def survey_file():
    return str(data_file("emagpy_examples", "trimpley", "trimpLo.dat"))


def _outputs(tmp_path, *names):
    ext = {"EC_SLICES": "tif", "MODEL_FILE": "npz", "TRAINING_REPORT": "html"}
    return {n: str(tmp_path / f"{n.split(':')[1].lower()}.{ext.get(n.split(':')[1], 'gpkg')}") for n in names}


def _raster(path):
    from osgeo import gdal

    gdal.UseExceptions()
    ds = gdal.Open(str(path))
    bands = [ds.GetRasterBand(b) for b in range(1, ds.RasterCount + 1)]
    return ((ds.RasterXSize, ds.RasterYSize), [b.GetDescription() for b in bands],
            np.array([b.ReadAsArray() for b in bands]), bands[0].GetNoDataValue())


def _make_models_module():
    spec = importlib.util.spec_from_file_location("make_models", REPO / "scripts" / "make_models.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_models_are_registered_with_stable_ids(emiai_provider):
    models = {a.id(): a for a in emiai_provider.algorithms() if a.groupId() == "workflows"}
    assert sorted(models) == [ERT_MODEL, SURVEY_MODEL]
    survey, ert = models[SURVEY_MODEL], models[ERT_MODEL]
    assert (survey.displayName(), ert.displayName()) == ("Survey to EC depth slices", "ERT profile to EC depth slices")
    assert survey.group() == ert.group() == "Workflows"
    # the registered instances have their outputs: the steps were found when the provider loaded them
    names = [d.name() for d in survey.parameterDefinitions()]
    assert names[:6] == SURVEY_INPUTS and sorted(names[6:]) == SURVEY_OUTPUTS
    assert [d.name() for d in ert.parameterDefinitions() if not d.isDestination()] == [
        "ERT_SECTION", "ELECTRODE_COORDINATES", "ELECTRODES", "ERT_CRS", "NMODELS", "MEMBERS", "MAX_EPOCHS",
        *SURVEY_INPUTS]
    assert sorted(d.name() for d in ert.destinationParameterDefinitions()) == sorted(
        SURVEY_OUTPUTS + ["trainnetwork:MODEL_FILE", "trainnetwork:TRAINING_REPORT"])
    assert [ert.parameterDefinition(n).defaultValue() for n in ("NMODELS", "MEMBERS", "MAX_EPOCHS")] == [40, 2, 60]
    assert "Filter EMI survey (QC)" in survey.shortHelpString()


def test_model_files_open_validate_and_are_what_make_models_builds(emiai_provider, tmp_path, survey_file):
    """Each .model3 opens as the Graphical Modeler opens it, is valid, and equals what
    scripts/make_models.py builds from the current algorithms (rerun the script when this fails)."""
    from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingModelAlgorithm

    make_models = _make_models_module()
    assert sorted(p.name for p in (REPO / "emiai_qgis" / "models").glob("*.model3")) == sorted(
        f"{n}.model3" for n in make_models.MODELS)
    for name, build in make_models.MODELS.items():
        path = REPO / "emiai_qgis" / "models" / f"{name}.model3"
        loaded = QgsProcessingModelAlgorithm()
        assert loaded.fromFile(str(path)), path
        assert loaded.validate() == (True, [])
        # both written by this QGIS (3.40 adds keys to what 3.22 wrote; `make_models.py --check` compares bytes)
        assert make_models.model_text(loaded, tmp_path / "a.model3") == make_models.build_text(
            build, tmp_path / "b.model3"), f"{path.name} is stale: run .venv/bin/python scripts/make_models.py"
    alg = QgsApplication.processingRegistry().createAlgorithmById(SURVEY_MODEL)
    context = QgsProcessingContext()
    params = {"SURVEY": survey_file, "INSTRUMENT": 0, "ORIENTATION": 0, "HEIGHT": 0.0, "METHOD": 1, "CELL_SIZE": 0,
              **_outputs(tmp_path, *SURVEY_OUTPUTS)}
    assert alg.checkParameterValues(params, context) == (True, "")
    ok, message = alg.checkParameterValues({**params, "SURVEY": None}, context)
    assert not ok and "SURVEY" in message


def test_survey_model_runs_the_qc_chain_on_a_real_survey(run_alg, survey_file, tmp_path):
    out = _outputs(tmp_path, *SURVEY_OUTPUTS)
    res = run_alg(SURVEY_MODEL, {"SURVEY": survey_file, "INSTRUMENT": 0, "ORIENTATION": 0, "HEIGHT": 0.0,
                                 "CELL_SIZE": 0, **out})
    assert {k: res[k] for k in SURVEY_OUTPUTS} == out
    names, rows, _ = read_layer(out["filtersurvey:SURVEY_QC"])
    assert len(rows) == N_KEPT and {"VCP0.32", "VCP0.71", "VCP1.18"} <= set(names)
    names, rows, _ = read_layer(out["predictec:EC_MODELS"])
    assert len(rows) == N_KEPT and set(LAYERS + ["MISFIT_PCT", "DOI_M"]) <= set(names)
    ec = np.array([[r[f] for f in LAYERS] for r in rows])
    assert np.all(np.isfinite(ec)) and 0.1 < np.median(ec) < 100.0  # mS/m, a sandy site
    size, bands, values, nodata = _raster(out["depthslices:EC_SLICES"])
    assert size == GRID and len(bands) == 12
    assert (bands[0], bands[-1]) == ("EC 0.00–0.12 m (mS/m)", "EC 1.32–1.50 m (mS/m)")
    assert np.sum(values[0] != nodata) > 100
    # the same as the four algorithms run one by one with their defaults (as make demo does)
    step = tmp_path / "steps"
    step.mkdir()
    run_alg("emiai:importsurvey", {"INPUT": survey_file, "INSTRUMENT": 0, "ORIENTATION": 0, "HEIGHT": 0.0,
                                   "OUTPUT": str(step / "s.gpkg")})
    run_alg("emiai:filtersurvey", {"INPUT": str(step / "s.gpkg"), "OUTPUT": str(step / "qc.gpkg")})
    run_alg("emiai:predictec", {"INPUT": str(step / "qc.gpkg"), "OUTPUT": str(step / "ec.gpkg")})
    run_alg("emiai:depthslices", {"INPUT": str(step / "ec.gpkg"), "OUTPUT": str(step / "ec.tif")})
    np.testing.assert_array_equal(_raster(step / "ec.tif")[2], values)


def test_survey_model_runs_in_a_background_task(emiai_provider, survey_file, tmp_path):
    """As the Toolbox runs it: a QgsProcessingAlgRunnerTask in a worker thread, inputs left at their defaults."""
    import time

    from qgis.core import (QgsApplication, QgsProcessingAlgRunnerTask, QgsProcessingContext,
                           QgsProcessingFeedback, QgsProject)

    alg = QgsApplication.processingRegistry().createAlgorithmById(SURVEY_MODEL)
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    feedback = QgsProcessingFeedback()
    out = _outputs(tmp_path, *SURVEY_OUTPUTS)
    task = QgsProcessingAlgRunnerTask(alg, {"SURVEY": survey_file, **out}, context, feedback)
    done = {}
    task.executed.connect(lambda ok, results: done.update(ok=ok, results=results))
    QgsApplication.taskManager().addTask(task)
    start = time.time()
    while "ok" not in done and time.time() - start < 120:
        QgsApplication.processEvents()
        time.sleep(0.01)
    assert done.get("ok"), feedback.textLog()[-2000:]
    assert len(read_layer(out["predictec:EC_MODELS"])[1]) == N_KEPT
    assert _raster(out["depthslices:EC_SLICES"])[0] == GRID


def test_survey_model_through_qgis_process(survey_file, emiai_provider, tmp_path):
    """The headless command line: ./scripts/qgis_process run emiai:survey_to_ec_depth_slices."""
    out = _outputs(tmp_path, *SURVEY_OUTPUTS)
    env = dict(os.environ, EMIAI_QGIS_PROFILE=str(tmp_path / "profile"))
    proc = subprocess.run([str(REPO / "scripts" / "qgis_process"), "--json", "run", SURVEY_MODEL,
                           f"--SURVEY={survey_file}", "--INSTRUMENT=0", "--ORIENTATION=0", "--HEIGHT=0",
                           "--METHOD=0", "--CELL_SIZE=4", *[f"--{k}={v}" for k, v in out.items()]],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
    assert {k: results[k] for k in SURVEY_OUTPUTS} == out
    assert len(read_layer(out["predictec:EC_MODELS"])[1]) == N_KEPT
    size, bands, _, _ = _raster(out["depthslices:EC_SLICES"])
    assert size == (GRID[0] // 2, (GRID[1] + 1) // 2) and len(bands) == 12  # 4 m cells


def test_ert_model_trains_a_site_model_and_maps_the_survey(run_alg, survey_file, tmp_path):
    """One ERT profile → training models → a small ensemble (the model's fast defaults: NMODELS 40,
    2 members, at most 60 epochs; TensorFlow in the child process) → the survey mapped with it."""
    from emiai_core.instruments import instrument
    from emiai_core.model_file import load_model

    ert = data_file("tuwien_ert", "B2_1")
    out = _outputs(tmp_path, *SURVEY_OUTPUTS, "trainnetwork:MODEL_FILE", "trainnetwork:TRAINING_REPORT")
    res = run_alg(ERT_MODEL, {"ERT_SECTION": str(ert / "B2_1_mesh.csv"),
                              "ELECTRODE_COORDINATES": str(ert / "B2_1_xyz_dem.csv"), "ERT_CRS": "EPSG:31256",
                              "SURVEY": survey_file, "INSTRUMENT": 0, "ORIENTATION": 0, "HEIGHT": 0.0, **out})
    assert "tensorflow" not in sys.modules
    child = res["CHILD_RESULTS"]
    assert child["importertsection"]["N_CELLS"] == 7117 and child["importertsection"]["N_ELECTRODES"] == 72
    assert child["generatetrainingmodels"]["N_LOCATIONS"] == 8
    n_rows = child["generatetrainingmodels"]["N_MODELS"]
    assert n_rows == 8 * (2 * 40 + 1)  # per box: its average model, then 40 drawn ones and their reverse partners
    model = load_model(out["trainnetwork:MODEL_FILE"])
    assert len(model.members) == 2 and model.metadata["training"]["rows"]["total"] == n_rows
    assert model.measured_coils == tuple(c.emagpy for c in instrument("CMD-MiniExplorer").coils_at(0.0, ("VCP",)))
    assert "RMSE of log10 EC" in Path(out["trainnetwork:TRAINING_REPORT"]).read_text(encoding="utf-8")
    names, rows, _ = read_layer(out["predictec:EC_MODELS"])
    assert len(rows) == N_KEPT and {"ECSTD_000_012", "EC_HS_150"} <= set(names)
    assert child["predictec"]["MODEL_NAME"] == "model_file"
    size, bands, values, nodata = _raster(out["depthslices:EC_SLICES"])
    assert size == GRID and len(bands) == 12 and np.sum(values[0] != nodata) > 100
