"""emiai:importertsection and emiai:generatetrainingmodels through processing.run on the real ERT data.

The sections are the fixtures of tests/data/make_fixtures.py (B2_1 and B6_2, cells at most 4 m below
the surface); importing them with MAX_DEPTH=4 gives exactly the cells of the whole sections, so the
generation results are those of the whole files. The import checks are in
tests/realdata_checks/alg_ert.py; benchmarks/shared_checks/test_full_alg_ert.py runs them on all ten
whole profiles."""
import json

import numpy as np
import pytest
from conftest import data_file
from realdata_checks import alg_ert as checks
from realdata_checks.alg_ert import run

# cells of the fixtures (the cells of the whole sections within 4 m of the surface, see test_ert.py)
CELLS = {"B2_1": 7117, "B6_2": 8250}


def data(*parts) -> str:
    return str(data_file("tuwien_ert", *parts))


def import_profile(profile, output="TEMPORARY_OUTPUT", trace="TEMPORARY_OUTPUT", **extra):
    return checks.import_profile(data, profile, output, trace, **extra)


def plain_point_layer():
    """A point layer with distance/resistivity but no depth_m (not an 'Import ERT section' output)."""
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer("Point?crs=EPSG:31256&field=profile:string&field=distance_m:double"
                           "&field=resistivity_ohmm:double", "plain points", "memory")
    f = QgsFeature(layer.fields())
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(0, 0)))
    f.setAttributes(["B2_1", 1.0, 20.0])
    layer.dataProvider().addFeatures([f])
    return layer


def shifted_cells_layer(cells, depth_shift):
    """A memory copy of a cell layer with depth_m increased by ``depth_shift``."""
    from qgis.core import QgsFeatureRequest

    layer = cells.materialize(QgsFeatureRequest())
    i = layer.fields().indexOf("depth_m")
    layer.dataProvider().changeAttributeValues({f.id(): {i: f["depth_m"] + depth_shift} for f in layer.getFeatures()})
    return layer


# ---------------------------------------------------------------------------------------------
# import (the checks: tests/realdata_checks/alg_ert.py)


@pytest.mark.parametrize("profile", sorted(CELLS))
def test_import_places_cells_on_the_electrode_line(emiai_provider, profile):
    checks.import_places_cells_on_the_electrode_line(data, profile, CELLS[profile])


def test_import_native_b2_1_files(emiai_provider):
    checks.import_native_b2_1_files(data, n_cells=CELLS["B2_1"])


def test_import_with_a_profile_line(emiai_provider):
    # 6711 cells of the whole B6_2 section lie within 3 m of the surface (all in the 4 m fixture)
    assert checks.import_with_a_profile_line(data, "B6_2") == 6711


def test_import_bad_input_writes_nothing(emiai_provider, tmp_path):
    checks.import_bad_input_writes_nothing(data, tmp_path, "B6_2")


# ---------------------------------------------------------------------------------------------
# generate


@pytest.fixture(scope="module")
def imported(emiai_provider, tmp_path_factory):
    """B2_1 and B6_2 imported to GeoPackages (cells to 4 m, as a user would to keep layers light)."""
    from qgis.core import QgsVectorLayer

    folder = tmp_path_factory.mktemp("ert")
    cells, traces = [], []
    for p in ("B2_1", "B6_2"):
        import_profile(p, str(folder / f"{p}_cells.gpkg"), str(folder / f"{p}_trace.gpkg"), MAX_DEPTH=4.0)
        cells.append(QgsVectorLayer(str(folder / f"{p}_cells.gpkg"), f"{p} cells", "ogr"))
        traces.append(QgsVectorLayer(str(folder / f"{p}_trace.gpkg"), f"{p} trace", "ogr"))
    assert all(lay.isValid() for lay in cells + traces)
    return cells, traces


def test_generate_training_models(imported, tmp_path):
    from qgis.core import QgsVectorLayer

    from emiai_core.training_set import load_training_set

    cells, traces = imported
    params = {"SECTIONS": cells, "TRACES": traces, "NMODELS": 30, "SEED": 5, "FIGURES": 2, "NEXTRACTION_RANGE": "3,4",
              "OUTPUT": str(tmp_path / "ts.npz"), "OUTPUT_LOCATIONS": str(tmp_path / "loc.gpkg"),
              "OUTPUT_FOLDER": str(tmp_path / "figs"), "OUTPUT_HTML": str(tmp_path / "summary.html")}
    result = run("emiai:generatetrainingmodels", params)
    ts = load_training_set(tmp_path / "ts.npz")
    n_loc = result["N_LOCATIONS"]
    assert 6 <= n_loc <= 8
    assert result["N_PROFILES"] == 2 and result["N_MODELS"] == ts.n_models == n_loc * 61
    assert list(ts.layerings) == ["L12", "L6", "L4", "deep"] and ts.info["crs"] == "EPSG:31256"
    assert set(ts.profile) == {"B2_1", "B6_2"} and ts.settings["NMODELS"] == 30
    loc = QgsVectorLayer(str(tmp_path / "loc.gpkg"), "loc", "ogr")
    assert loc.featureCount() == n_loc and loc.crs().authid() == "EPSG:31256"
    feats = sorted(loc.getFeatures(), key=lambda f: f["location_id"])
    np.testing.assert_allclose([f.geometry().asPoint().x() for f in feats], ts.locations["loc_x_m"])
    np.testing.assert_allclose([f["EC_000_012"] for f in feats],
                               1000 * ts.ec["L12"][ts.is_average_model][:, 0], rtol=1e-9)
    assert [f["first_row"] for f in feats] == list(np.flatnonzero(ts.is_average_model))
    figs = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert "B2_1_section.png" in figs and "B6_2_loc01_models.png" in figs and len(figs) == 2 + 2 * n_loc
    html = (tmp_path / "summary.html").read_text()
    assert "B6_2_section.png" in html and f"<b>{ts.n_models}</b> models" in html
    # same inputs and seed: byte-identical file
    params2 = dict(params, FIGURES=0, OUTPUT=str(tmp_path / "ts2.npz"), OUTPUT_LOCATIONS="TEMPORARY_OUTPUT",
                   OUTPUT_FOLDER=None, OUTPUT_HTML=None)
    run("emiai:generatetrainingmodels", params2)
    assert (tmp_path / "ts.npz").read_bytes() == (tmp_path / "ts2.npz").read_bytes()


def test_generate_with_a_settings_file(imported, tmp_path):
    from emiai_core.training_set import load_training_set

    cells, traces = imported
    cfg = {"PATH_DATA": "../data/ert/", "_FID_LIST": ["B8_1"], "FID_LIST": ["B6_2"], "NMODELS": 10,
           "NEXTRACTION_RANGE": [8, 10], "EXAG_FACTORS": [5, 10], "N0_SCALER": 1.5, "DEEP_LAYER_EDGES": [],
           "LAYER_EDGES_4": []}
    (tmp_path / "config.json").write_text(json.dumps(cfg))
    result = run("emiai:generatetrainingmodels", {
        "SECTIONS": cells, "TRACES": traces, "SETTINGS_FILE": str(tmp_path / "config.json"), "FIGURES": 0,
        "OUTPUT": str(tmp_path / "ts.npz"), "OUTPUT_LOCATIONS": "TEMPORARY_OUTPUT"})
    ts = load_training_set(result["OUTPUT"])
    assert set(ts.profile) == {"B6_2"} and list(ts.layerings) == ["L12", "L6"]
    assert 8 <= result["N_LOCATIONS"] <= 10 and ts.n_models == 21 * result["N_LOCATIONS"]
    assert ts.settings["EXAG_FACTORS"] == [5.0, 10.0] and ts.settings["N0_SCALER"] == 1.5


def test_generate_with_the_prior_parameters(imported, tmp_path):
    """Drawing in log resistivity and smooth random models (issue #8): defaults, parameters, settings file."""
    from emiai_core.training_set import load_training_set

    cells, traces = imported
    base = {"SECTIONS": cells, "TRACES": traces, "NMODELS": 10, "SEED": 2, "NEXTRACTION_RANGE": "3,3", "FIGURES": 0,
            "OUTPUT_LOCATIONS": "TEMPORARY_OUTPUT"}

    def generate(name, **params):
        result = run("emiai:generatetrainingmodels", dict(base, OUTPUT=str(tmp_path / f"{name}.npz"), **params))
        ts = load_training_set(result["OUTPUT"])
        assert ts.n_models == 21 * result["N_LOCATIONS"] == 21 * 6
        s = ts.settings
        return (s["DISTRIBUTION"], s["RANDOM_SHARE"], s["RANDOM_CORR_LENGTH"]), np.bincount(ts.model_kind, minlength=4).tolist()

    # the defaults: log resistivity, 20 % random models (round(0.2·10) = 2 pairs → 4 of 21 per box)
    assert generate("default") == (("lognormal", 0.2, [0.2, 1.5]), [6, 48, 48, 24])
    # the reference drawing: option 0 and no random models
    settings, kinds = generate("reference", DISTRIBUTION=0, RANDOM_SHARE=0.0)
    assert settings == ("normal", 0.0, [0.2, 1.5]) and kinds == [6, 60, 60, 0]
    settings, kinds = generate("half", RANDOM_SHARE=0.5, RANDOM_CORR_LENGTH="0.3,1.0")
    assert settings == ("lognormal", 0.5, [0.3, 1.0]) and kinds == [6, 30, 30, 60]
    # settings-file keys override the parameters
    (tmp_path / "prior.json").write_text(json.dumps({"DISTRIBUTION": "uniform", "RANDOM_SHARE": 0.3,
                                                     "RANDOM_CORR_LENGTH": [0.5, 0.8]}))
    settings, kinds = generate("file", RANDOM_SHARE=0.9, SETTINGS_FILE=str(tmp_path / "prior.json"))
    assert settings == ("uniform", 0.3, [0.5, 0.8]) and kinds == [6, 42, 42, 36]
    from qgis.core import QgsProcessingException

    (tmp_path / "bad.json").write_text(json.dumps({"RANDOM_SHARE": 2}))
    with pytest.raises(QgsProcessingException, match="SETTINGS_FILE: .*RANDOM_SHARE: must be a share from 0 to 1"):
        generate("bad", SETTINGS_FILE=str(tmp_path / "bad.json"))
    assert not (tmp_path / "bad.npz").exists()


def test_generate_bad_input_writes_nothing(imported, tmp_path):
    from qgis.core import QgsProcessingException

    cells, traces = imported
    out = tmp_path / "ts.npz"
    base = {"SECTIONS": cells, "TRACES": traces, "FIGURES": 2, "OUTPUT": str(out),
            "OUTPUT_LOCATIONS": str(tmp_path / "loc.gpkg"), "OUTPUT_FOLDER": str(tmp_path / "figs"),
            "OUTPUT_HTML": str(tmp_path / "s.html")}
    (tmp_path / "bad.json").write_text(json.dumps({"NMODELS": 5, "NMODEL": 5}))
    cases = [
        ({"SETTINGS_FILE": str(tmp_path / "bad.json")}, r"SETTINGS_FILE: .*Unknown setting key\(s\): 'NMODEL'"),
        ({"BOUNDS": "1000,0.01"}, "BOUNDS: must be two resistivities 0 < lo < hi"),
        ({"EXTRACTION_WIDTH_SCALER": 80.0}, "wider than the usable profile"),
        ({"SECTIONS": [plain_point_layer()]}, "has no field.*depth_m"),
        ({"TRACES": traces[:1]}, "no trace for profile B6_2"),
        ({"DEPTH": 2.0}, "DEPTH: 2 m must equal the last LAYER_EDGES"),
        ({"LAYER_EDGES": "0, 0.5, abc"}, "LAYER_EDGES: .* is not a comma-separated list"),
    ]
    for params, message in cases:
        with pytest.raises(QgsProcessingException, match=message):
            run("emiai:generatetrainingmodels", dict(base, **params))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_empty_bins_everywhere(emiai_provider, tmp_path):
    from qgis.core import QgsProcessingException

    result = import_profile("B2_1", MAX_DEPTH=4.0)
    deep = shifted_cells_layer(result["OUTPUT"], depth_shift=10.0)  # every cell 10 m deeper
    with pytest.raises(QgsProcessingException, match="Bins empty everywhere"):
        run("emiai:generatetrainingmodels", {"SECTIONS": [deep], "TRACES": [result["OUTPUT_TRACE"]], "FIGURES": 0,
                                             "OUTPUT": str(tmp_path / "ts.npz"), "OUTPUT_LOCATIONS": "TEMPORARY_OUTPUT"})
    assert not (tmp_path / "ts.npz").exists()


def test_every_reference_setting_is_a_parameter_with_its_default(emiai_provider):
    from qgis.core import QgsApplication

    from emiai_core.model_generation import CHANGED_DEFAULTS, EXTRA_DEFAULTS, REFERENCE_DEFAULTS
    from emiai_qgis.algorithms.generate_training_models import DISTRIBUTIONS

    alg = QgsApplication.processingRegistry().algorithmById("emiai:generatetrainingmodels")

    def numbers(value):
        return [float(t) for t in str(value).replace(";", ",").split(",") if t.strip()]

    for key, value in {**REFERENCE_DEFAULTS, **CHANGED_DEFAULTS, **EXTRA_DEFAULTS}.items():
        if key == "NLAYERS":  # only a name in the reference; the layer count is len(LAYER_EDGES) - 1
            continue
        if key == "SMOOTHER":
            opts = alg.parameterDefinition("SMOOTHER").options()
            assert opts[alg.parameterDefinition("SMOOTHER").defaultValue()] == value["smoother"]
            assert alg.parameterDefinition("SMOOTHER_NPOINTS").defaultValue() == value["npoints"]
            assert alg.parameterDefinition("SMOOTHER_ORDER").defaultValue() == value["order"]
            assert alg.parameterDefinition("SMOOTHER_APPLY_ALL").defaultValue() == value["apply_all"]
            continue
        param = alg.parameterDefinition(key)
        assert param is not None, key
        default = param.defaultValue()
        if key == "DISTRIBUTION":  # options in words, in the order of DISTRIBUTIONS; default "lognormal"
            assert len(param.options()) == len(DISTRIBUTIONS) and DISTRIBUTIONS[default] == value == "lognormal"
        elif isinstance(value, list):
            assert numbers(default) == [float(v) for v in value], key
        else:
            assert default == value, key
