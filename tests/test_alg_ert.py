"""emiai:importertsection and emiai:generatetrainingmodels through processing.run on the real ERT data."""
import json
from pathlib import Path

import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tuwien_ert"
CELLS = {"B1_1": 24660, "B1_2": 20433, "B2_1": 15057, "B2_2": 15352, "B3_1": 15026, "B3_2": 19733,
         "B4_1": 20005, "B5_1": 20697, "B6_1": 19699, "B6_2": 19939}
CELL_FIELDS = ["profile", "cell_id", "distance_m", "elevation_m", "depth_m", "resistivity_ohmm", "ec_mS_m",
               "sensitivity_log10"]


def data(*parts) -> str:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
    return str(path)


def run(alg_id, params):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(alg_id, params, context=context, feedback=QgsProcessingFeedback())


def import_profile(profile, output="TEMPORARY_OUTPUT", trace="TEMPORARY_OUTPUT", **extra):
    params = {"INPUT": data(profile, f"{profile}_mesh.csv"),
              "ELECTRODE_COORDINATES": data(profile, f"{profile}_xyz_dem.csv"), "CRS": "EPSG:31256",
              "OUTPUT": output, "OUTPUT_TRACE": trace}
    params.update(extra)
    return run("emiai:importertsection", params)


def layer_arrays(layer, names):
    feats = list(layer.getFeatures())
    cols = {n: np.array([f[n] for f in feats]) for n in names}
    pts = [f.geometry().constGet() for f in feats]
    xyz = np.array([(p.x(), p.y(), p.z()) for p in pts])
    return cols, xyz


def polyline_offset(px, py, vx, vy):
    ax, ay, bx, by = vx[:-1], vy[:-1], vx[1:], vy[1:]
    seg = np.hypot(bx - ax, by - ay)
    chain0 = np.r_[0.0, np.cumsum(seg)][:-1]
    t = np.clip(((px[:, None] - ax) * (bx - ax) + (py[:, None] - ay) * (by - ay)) / seg ** 2, 0, 1)
    d = np.hypot(px[:, None] - (ax + t * (bx - ax)), py[:, None] - (ay + t * (by - ay)))
    j = np.argmin(d, axis=1)
    i = np.arange(len(px))
    return d[i, j], chain0[j] + t[i, j] * seg[j]


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


def trace_vertices(layer):
    geom = next(layer.getFeatures()).geometry()
    return np.array([(v.x(), v.y(), v.z(), v.m()) for v in geom.vertices()])


# ---------------------------------------------------------------------------------------------
# import


@pytest.mark.parametrize("profile", sorted(CELLS))
def test_import_places_cells_on_the_electrode_line(emiai_provider, profile):
    from qgis.core import QgsWkbTypes

    result = import_profile(profile)
    cells, trace = result["OUTPUT"], result["OUTPUT_TRACE"]
    assert result["PROFILE_NAME"] == profile and result["N_CELLS"] == cells.featureCount() == CELLS[profile]
    assert result["N_ELECTRODES"] == 72
    assert cells.fields().names() == CELL_FIELDS + ["phase_mrad"]
    assert cells.wkbType() == QgsWkbTypes.PointZ and cells.crs().authid() == "EPSG:31256"
    assert trace.wkbType() == QgsWkbTypes.LineStringZM
    xyz = np.loadtxt(data(profile, f"{profile}_xyz_dem.csv"), skiprows=1)
    grid = np.genfromtxt(data(profile, f"{profile}_grid.csv"), skip_header=1, delimiter="\t")
    cols, pts = layer_arrays(cells, ["distance_m", "elevation_m", "depth_m", "profile"])
    off, chain = polyline_offset(pts[:, 0], pts[:, 1], xyz[:, 1], xyz[:, 2])
    assert off.max() < 0.05 and np.max(np.abs(chain - cols["distance_m"])) < 0.05
    np.testing.assert_allclose(pts[:, 2], cols["elevation_m"])
    surface = np.interp(cols["distance_m"], grid[:, 0], grid[:, 1])
    np.testing.assert_allclose(cols["depth_m"], surface - cols["elevation_m"], atol=1e-9)
    assert 0 < cols["depth_m"].min() < 0.06 and set(cols["profile"]) == {profile}
    v = trace_vertices(trace)
    np.testing.assert_allclose(v[:, :2], xyz[:, 1:3], atol=1e-6)  # vertices = electrodes
    np.testing.assert_allclose(v[:, 2], grid[:, 1])  # Z = electrode elevation
    np.testing.assert_allclose(v[:, 3], grid[:, 0])  # M = along-line distance


def test_import_native_b2_1_files(emiai_provider):
    csv = import_profile("B2_1")["OUTPUT"]
    for name in ("f001_res.dat", "f001_res.vtk"):
        if name.endswith(".vtk"):
            pytest.importorskip("resipy")
        result = run("emiai:importertsection", {
            "INPUT": data("B2_1", "resipy_wd", name), "ELECTRODE_COORDINATES": data("B2_1", "B2_1_xyz_dem.csv"),
            "CRS": "EPSG:31256", "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_TRACE": "TEMPORARY_OUTPUT"})
        layer = result["OUTPUT"]
        assert result["PROFILE_NAME"] == "B2_1" and layer.featureCount() == 15057
        names = layer.fields().names()
        assert ("sensitivity_log10" in names) == name.endswith(".vtk") and "phase_mrad" in names
        a, pa = layer_arrays(layer, ["depth_m", "resistivity_ohmm"])
        b, pb = layer_arrays(csv, ["depth_m", "resistivity_ohmm"])
        np.testing.assert_allclose(np.sort(a["depth_m"]), np.sort(b["depth_m"]), atol=1e-4)
        np.testing.assert_allclose(np.sort(a["resistivity_ohmm"]), np.sort(b["resistivity_ohmm"]), rtol=1e-4)
        np.testing.assert_allclose(np.sort(pa[:, 0]), np.sort(pb[:, 0]), atol=1e-4)


def test_import_with_a_profile_line(emiai_provider):
    from qgis.core import QgsFeature, QgsGeometry, QgsLineString, QgsPoint, QgsVectorLayer

    xyz = np.loadtxt(data("B6_1", "B6_1_xyz_dem.csv"), skiprows=1)
    line = QgsVectorLayer("LineString?crs=EPSG:31256&field=profile:string", "lines", "memory")
    feats = []
    for prof, pts in (("B6_1", xyz[:, 1:3]), ("other", xyz[:, 1:3] + 500)):
        f = QgsFeature(line.fields())
        f.setGeometry(QgsGeometry(QgsLineString([QgsPoint(float(x), float(y)) for x, y in pts])))
        f.setAttributes([prof])
        feats.append(f)
    line.dataProvider().addFeatures(feats)
    result = run("emiai:importertsection", {"INPUT": data("B6_1", "B6_1_mesh.csv"), "PROFILE_LINE": line,
                                            "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_TRACE": "TEMPORARY_OUTPUT",
                                            "MAX_DEPTH": 3.0})
    cells = result["OUTPUT"]
    assert cells.crs().authid() == "EPSG:31256" and result["N_CELLS"] == cells.featureCount() < 15000
    cols, pts = layer_arrays(cells, ["distance_m", "depth_m"])
    assert cols["depth_m"].max() <= 3.0
    off, chain = polyline_offset(pts[:, 0], pts[:, 1], xyz[:, 1], xyz[:, 2])
    assert off.max() < 0.05 and np.max(np.abs(chain - cols["distance_m"])) < 0.05


def test_import_bad_input_writes_nothing(emiai_provider, tmp_path):
    from qgis.core import QgsProcessingException

    out, tr = str(tmp_path / "cells.gpkg"), str(tmp_path / "trace.gpkg")
    bad_csv = tmp_path / "X_mesh.csv"
    bad_csv.write_text("x,y,z,Phase(mrad)\n1,0,100,3\n")
    cases = [
        ({"INPUT": str(bad_csv), "ELECTRODES": data("B2_1", "B2_1_grid.csv")}, r"INPUT: .*missing column\(s\) resistivity"),
        ({"INPUT": data("B1_1", "B1_1_mesh.csv"), "ELECTRODES": data("B2_1", "B2_1_grid.csv")},
         "do not match the section"),
        ({"INPUT": data("B1_1", "B1_1_mesh.csv"), "ELECTRODE_COORDINATES": data("B2_1", "B2_1_xyz_dem.csv")},
         "do not describe the same electrodes|do not match"),
    ]
    for params, message in cases:
        p = {"ELECTRODE_COORDINATES": data("B1_1", "B1_1_xyz_dem.csv"), "CRS": "EPSG:31256", "OUTPUT": out,
             "OUTPUT_TRACE": tr}
        p.update(params)
        with pytest.raises(QgsProcessingException, match=message):
            run("emiai:importertsection", p)
    with pytest.raises(QgsProcessingException, match="exactly one of them"):
        run("emiai:importertsection", {"INPUT": data("B1_1", "B1_1_mesh.csv"), "OUTPUT": out, "OUTPUT_TRACE": tr})
    assert not Path(out).exists() and not Path(tr).exists()


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

    from emiai_core.training_models import EXTRA_DEFAULTS, REFERENCE_DEFAULTS

    alg = QgsApplication.processingRegistry().algorithmById("emiai:generatetrainingmodels")

    def numbers(value):
        return [float(t) for t in str(value).replace(";", ",").split(",") if t.strip()]

    for key, value in {**REFERENCE_DEFAULTS, **EXTRA_DEFAULTS}.items():
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
        if key == "DISTRIBUTION":
            assert param.options()[default] == value
        elif isinstance(value, list):
            assert numbers(default) == [float(v) for v in value], key
        else:
            assert default == value, key
