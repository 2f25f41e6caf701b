"""emiai:predictec and emiai:depthslices through processing.run, and predictec through qgis_process."""
import json
import os
import subprocess

import numpy as np
import pytest

from conftest import REPO, data_file
from helpers_layers import point_layer, read_layer, save_gpkg

# the published TU Wien cascade (EMBEDDED_MODEL option 3), network only (METHOD 0): the golden
# numbers below are its outputs
PUBLISHED = {"EMBEDDED_MODEL": 3, "METHOD": 0}


@pytest.fixture(scope="module")
def reference_eca():
    """VCP ECa (mS/m) of 300 reference training models, and their 12-layer EC (mS/m).

    tests/data/reference_training_rows.npz: rows default_rng(7).choice(22480, 300) of the 12-layer set."""
    with np.load(data_file("reference_training_rows.npz"), allow_pickle=False) as z:
        assert len(z["rows"]) == 300
        return z["eca_vcp_mini"] * 1000, z["ec_L12"] * 1000


@pytest.fixture()
def survey_layer(reference_eca, emiai_provider):
    eca = reference_eca[0].copy()
    eca[3, 1] = np.nan      # empty reading -> skipped, counted
    eca[5, 0] = -0.06       # negative reading -> policy
    eca[6, 2] = 0.0         # zero reading -> policy
    rng = np.random.default_rng(3)
    x, y = 600000 + rng.random(len(eca)) * 200, 5330000 + rng.random(len(eca)) * 200
    return point_layer(x, y, {"id": np.arange(len(eca)).astype(float), "VCP0.32": eca[:, 0],
                              "VCP0.71": eca[:, 1], "VCP1.18": eca[:, 2]})


def _expected(eca_mS_m):
    from emiai_core.model_file import default_model_path, load_model

    return load_model(default_model_path()).predict(eca_mS_m / 1000.0)


def test_predictec_numbers(run_alg, survey_layer, reference_eca, tmp_path):
    out = str(tmp_path / "ec.gpkg")
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey_layer, "MISFIT_MODEL": 1, "OUTPUT": out})
    assert (res["N_INPUT"], res["N_PREDICTED"], res["N_SKIPPED_MISSING"], res["N_SKIPPED_NONPOSITIVE"]) == (300, 297, 1, 2)
    names, rows, _ = read_layer(out)
    ec_names = [n for n in names if n.startswith("EC_")]
    assert ec_names == ["EC_000_012", "EC_012_024", "EC_024_036", "EC_036_048", "EC_048_060", "EC_060_072",
                        "EC_072_084", "EC_084_096", "EC_096_108", "EC_108_120", "EC_120_132", "EC_132_150"]
    assert names[:4] == ["fid", "id", "VCP0.32", "VCP0.71"] or names[:3] == ["id", "VCP0.32", "VCP0.71"]
    ids = np.array([r["id"] for r in rows]).astype(int)
    assert sorted(set(range(300)) - set(ids)) == [3, 5, 6]
    got = np.array([[r[n] for n in ec_names] for r in rows])
    expected = _expected(reference_eca[0][ids])
    np.testing.assert_allclose(got, expected.ec[2] * 1000, rtol=1e-9)
    # the network recovers the true models to a few mS/m on average (reference: 3–16 mS/m MAE per layer)
    mae = np.abs(got - reference_eca[1][ids]).mean(axis=0)
    assert np.all(mae < 25) and mae.mean() < 10, mae
    misfit = np.array([r["MISFIT_PCT"] for r in rows])
    assert np.all(misfit >= 0) and np.median(misfit) < 15, np.median(misfit)
    assert {r["EXTRAPOL"] for r in rows} <= {0, 1}


def test_predictec_coarse_layerings_and_gf_names(run_alg, reference_eca, tmp_path):
    eca = reference_eca[0][:20]
    layer = point_layer(np.arange(20.0), np.zeros(20), {"Cond.1 [mS/m]": eca[:, 0], "Cond.2 [mS/m]": eca[:, 1],
                                                         "Cond.3 [mS/m]": eca[:, 2]})
    out = str(tmp_path / "ec.gpkg")
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": layer, "ADD_COARSE": True, "MISFIT_MODEL": 1, "OUTPUT": out})
    names, rows, _ = read_layer(out)
    assert res["LAYER_FIELDS"].split(",")[12:] == ["EC_000_025", "EC_025_050", "EC_050_075", "EC_075_100",
                                                   "EC_100_125", "EC_125_150", "EC_000_037", "EC_037_075",
                                                   "EC_075_112", "EC_112_150"]
    exp = _expected(eca)
    np.testing.assert_allclose([r["EC_037_075"] for r in rows], exp.ec[0][:, 1] * 1000, rtol=1e-9)
    np.testing.assert_allclose([r["EC_125_150"] for r in rows], exp.ec[1][:, 5] * 1000, rtol=1e-9)


def test_predictec_flags_extrapolation(run_alg, tmp_path):
    eca = np.array([[30.0, 35.0, 40.0], [1.0, 2.0, 3.0], [400.0, 300.0, 250.0]])  # in, below, above range
    layer = point_layer(np.arange(3.0), np.zeros(3), {"VCP0.32": eca[:, 0], "VCP0.71": eca[:, 1], "VCP1.18": eca[:, 2]})
    out = str(tmp_path / "ec.gpkg")
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": layer, "MISFIT_MODEL": 1, "OUTPUT": out})
    _, rows, _ = read_layer(out)
    assert [r["EXTRAPOL"] for r in rows] == [0, 1, 1]
    assert res["N_EXTRAPOLATED"] == 2
    assert all(r[n] >= 0.1 for r in rows for n in r if n.startswith("EC_"))  # floor 0.1 mS/m


@pytest.mark.parametrize("params, columns, message", [
    ({"ECA_FIELDS": ["VCP0.32", "VCP0.71"]}, None, "has 2 field.*takes 3 ECa"),
    ({}, {"VCP1.48": [10.0], "VCP2.82": [11.0], "VCP4.49": [12.0]}, "ECa fields for coils VCP1.48.*needs VCP0.32"),
    ({}, {"a": [1.0], "b": [2.0]}, "No ECa fields found"),
    ({"NEGATIVE": 1}, {"VCP0.32": [-0.06], "VCP0.71": [5.0], "VCP1.18": [6.0]}, r"ECa <= 0 mS/m.*row 0"),
    ({}, {"VCP0.32": [np.nan], "VCP0.71": [np.nan], "VCP1.18": [6.0]}, "No point has valid ECa"),
])
def test_predictec_bad_input(run_alg, tmp_path, params, columns, message):
    from qgis.core import QgsProcessingException

    columns = columns or {"VCP0.32": [10.0], "VCP0.71": [11.0], "VCP1.18": [12.0]}
    layer = point_layer([0.0], [0.0], columns)
    out = tmp_path / "ec.gpkg"
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": layer, "OUTPUT": str(out), **params})
    assert not out.exists()


def test_predictec_non_numeric_field_and_empty_layer(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    layer = point_layer([0.0], [0.0], {"VCP0.32": ["ten"], "VCP0.71": [11.0], "VCP1.18": [12.0]},
                        field_types={"VCP0.32": "string"})
    out = tmp_path / "ec.gpkg"
    with pytest.raises(QgsProcessingException, match="Field 'VCP0.32' is of type .*not numeric"):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": layer, "OUTPUT": str(out)})
    empty = point_layer([], [], {"VCP0.32": [], "VCP0.71": [], "VCP1.18": []})
    with pytest.raises(QgsProcessingException, match="no features"):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": empty, "OUTPUT": str(out)})
    assert not out.exists()


def test_predictec_bad_model_files(run_alg, survey_layer, tmp_path):
    from qgis.core import QgsProcessingException

    from emiai_core.cascade import Stage
    from emiai_core.model_file import default_model_path, load_model, save_model

    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    out = tmp_path / "ec.gpkg"
    with pytest.raises(QgsProcessingException, match="not a readable .npz archive"):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey_layer, "MODEL": str(corrupt), "OUTPUT": str(out)})
    # a model for another instrument (CMD-Explorer coils): the layer's coils do not match
    model = load_model(default_model_path())
    explorer = ("VCP1.48f10000h0", "VCP2.82f10000h0", "VCP4.49f10000h0")
    s0 = model.stages[0]
    model.stages[0] = Stage(s0.name, s0.layer_edges, explorer, "measured", s0.scaler_in, s0.scaler_out, s0.layers)
    model.measured_coils = explorer
    other = tmp_path / "explorer.npz"
    save_model(other, model)
    with pytest.raises(QgsProcessingException, match="coils VCP0.32, VCP0.71, VCP1.18 but the model needs VCP1.48"):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey_layer, "MODEL": str(other), "OUTPUT": str(out)})
    assert not out.exists()


def test_depthslices_raster(run_alg, survey_layer, tmp_path):
    from osgeo import gdal

    ec = str(tmp_path / "ec.gpkg")
    run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey_layer, "MISFIT_MODEL": 1, "OUTPUT": ec})
    tif = tmp_path / "slices.tif"
    res = run_alg("emiai:depthslices", {"INPUT": ec, "CELL_SIZE": 5, "METHOD": 1, "OUTPUT": str(tif)})
    ds = gdal.Open(str(tif))
    assert ds.RasterCount == 12 and res["N_BANDS"] == 12 and res["N_POINTS"] == 297
    assert ds.GetRasterBand(1).DataType == gdal.GDT_Float32
    assert ds.GetRasterBand(1).GetDescription() == "EC 0.00–0.12 m (mS/m)"
    assert ds.GetRasterBand(12).GetDescription() == "EC 1.32–1.50 m (mS/m)"
    assert ds.GetRasterBand(1).GetNoDataValue() == -9999.0
    assert "32633" in ds.GetProjection()
    gt = ds.GetGeoTransform()
    assert gt[1] == 5 and gt[5] == -5
    # nearest interpolation: the cell containing a point holds that point's value (points 200 m apart max)
    names, rows, xy = read_layer(ec)
    for k in (0, 50, 100):
        col, row = int((xy[k, 0] - gt[0]) / 5), int((xy[k, 1] - gt[3]) / -5)
        cell = ds.GetRasterBand(4).ReadAsArray()[row, col]
        cx, cy = gt[0] + (col + 0.5) * 5, gt[3] - (row + 0.5) * 5
        nearest = np.argmin(np.hypot(xy[:, 0] - cx, xy[:, 1] - cy))
        assert cell == pytest.approx(rows[nearest]["EC_036_048"], rel=1e-6)
    assert (tmp_path / "slices.qml").exists()  # default style: viridis with mS/m in the legend
    assert "mS/m" in (tmp_path / "slices.qml").read_text()


def test_depthslices_geographic_input_is_projected_to_utm(run_alg, tmp_path):
    lon = 15.14 + np.random.default_rng(1).random(50) * 0.002
    lat = 48.15 + np.random.default_rng(2).random(50) * 0.002
    layer = point_layer(lon, lat, {"EC_000_050": np.full(50, 20.0), "EC_050_150": np.full(50, 30.0)}, crs="EPSG:4326")
    tif = tmp_path / "s.tif"
    res = run_alg("emiai:depthslices", {"INPUT": layer, "OUTPUT": str(tif), "CELL_SIZE": 2, "METHOD": 2})
    from osgeo import gdal

    ds = gdal.Open(str(tif))
    assert "UTM zone 33N" in ds.GetProjection()
    a = ds.GetRasterBand(2).ReadAsArray()
    assert np.allclose(a[a != -9999], 30.0)  # IDW of a constant is that constant
    assert res["CELL_SIZE_USED"] == 2


def test_depthslices_bad_input(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    layer = point_layer([0.0, 1.0], [0.0, 1.0], {"VCP0.32": [1.0, 2.0]})
    with pytest.raises(QgsProcessingException, match="no EC layer fields"):
        run_alg("emiai:depthslices", {"INPUT": layer, "OUTPUT": str(tmp_path / "a.tif")})
    layer = point_layer([0.0, 1.0], [0.0, 1.0], {"EC_000_050": [1.0, 2.0]})
    with pytest.raises(QgsProcessingException, match="at least 3 are needed"):
        run_alg("emiai:depthslices", {"INPUT": layer, "OUTPUT": str(tmp_path / "a.tif")})
    layer = point_layer([0.0, 1.0, 2.0], [0.0, 1.0, 0.0], {"EC_000_050": [1.0, 2.0, 3.0]})
    with pytest.raises(QgsProcessingException, match="not writable"):
        run_alg("emiai:depthslices", {"INPUT": layer, "OUTPUT": "/nonexistent/dir/a.tif"})
    assert not list(tmp_path.iterdir())


def test_predictec_through_qgis_process(reference_eca, emiai_provider, tmp_path):
    """The headless path users script: ./scripts/qgis_process run emiai:predictec."""
    eca = reference_eca[0][:50]
    src = save_gpkg(point_layer(np.arange(50.0), np.zeros(50), {"VCP0.32": eca[:, 0], "VCP0.71": eca[:, 1],
                                                                 "VCP1.18": eca[:, 2]}), tmp_path / "in.gpkg")
    out = tmp_path / "out.gpkg"
    env = dict(os.environ, EMIAI_QGIS_PROFILE=str(tmp_path / "profile"))
    proc = subprocess.run([str(REPO / "scripts" / "qgis_process"), "--json", "run", "emiai:predictec",
                           f"--INPUT={src}", "--MISFIT_MODEL=1", "--EMBEDDED_MODEL=3", "--METHOD=0", f"--OUTPUT={out}"],
                          capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
    assert results["N_PREDICTED"] == 50
    _, rows, _ = read_layer(str(out))
    np.testing.assert_allclose([r["EC_060_072"] for r in rows], _expected(eca).ec[2][:, 5] * 1000, rtol=1e-9)


def test_predictec_unwritable_output(run_alg, survey_layer):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="folder /nonexistent/dir does not exist or is not writable"):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey_layer, "MISFIT_MODEL": 1, "OUTPUT": "/nonexistent/dir/ec.gpkg"})


class _Recorder:
    """A QgsProcessingFeedback that keeps the warnings it is given."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.warnings = []

            def pushWarning(self, text):  # noqa: N802
                self.warnings.append(text)
                super().pushWarning(text)

        return Feedback()


def test_instrument_height_travels_from_import_to_misfit(run_alg, tmp_path):
    """importsurvey writes HEIGHT_M; predictec warns about a height the model was not trained for
    and computes MISFIT_PCT at the survey height."""
    from emiai_core.instruments import as_coils
    from emiai_core.model_file import default_model_path, load_model
    from emiai_core.prediction import data_misfit_pct

    survey = str(tmp_path / "survey.gpkg")
    run_alg("emiai:importsurvey", {"INPUT": str(REPO / "demo" / "data" / "trimpLo.dat"), "INSTRUMENT": 0,
                                   "ORIENTATION": 0, "HEIGHT": 0.1, "OUTPUT": survey})
    names, rows, _ = read_layer(survey)
    assert "HEIGHT_M" in names and {r["HEIGHT_M"] for r in rows} == {0.1}
    out = str(tmp_path / "ec.gpkg")
    feedback = _Recorder()
    run_alg("emiai:predictec", {**PUBLISHED, "INPUT": survey, "MISFIT_MODEL": 1, "OUTPUT": out}, feedback=feedback)
    assert any("instrument height(s) 0.1 m" in w and "trained for 0 m" in w for w in feedback.warnings)
    names, rows, _ = read_layer(out)
    eca = np.array([[r["VCP0.32"], r["VCP0.71"], r["VCP1.18"]] for r in rows[:50]]) / 1000
    ec = np.array([[r[n] for n in names if n.startswith("EC_")] for r in rows[:50]]) / 1000
    model = load_model(default_model_path())
    at_h = data_misfit_pct(eca, ec, model.finest.layer_edges, as_coils(model.measured_coils, height=0.1), "CS")
    on_ground = data_misfit_pct(eca, ec, model.finest.layer_edges, model.measured_coils, "CS")
    np.testing.assert_allclose([r["MISFIT_PCT"] for r in rows[:50]], at_h, rtol=1e-6)
    assert not np.allclose(at_h, on_ground, rtol=1e-3)


def test_predictec_chooses_the_embedded_model_by_the_survey_coils(run_alg, reference_eca, tmp_path):
    """MODEL empty and EMBEDDED_MODEL automatic: the VCP + HCP ensemble for a merged Lo/Hi survey,
    the VCP ensemble for a Lo survey, and GF 'Cond.N' names taken as the VCP model's coils."""
    from emiai_core.model_file import embedded_model_path, load_model

    eca = reference_eca[0][:20]
    six = point_layer(np.arange(20.0), np.zeros(20), {
        **{f"VCP{s}": eca[:, k] for k, s in enumerate(("0.32", "0.71", "1.18"))},
        **{f"HCP{s}": eca[:, k] * 1.1 for k, s in enumerate(("0.32", "0.71", "1.18"))}})
    res = run_alg("emiai:predictec", {"INPUT": six, "OUTPUT": str(tmp_path / "six.gpkg")})
    assert res["MODEL_NAME"] == "emiai_tuwien_site_cmd_miniexplorer_vcp_hcp" and res["N_PREDICTED"] == 20
    names, rows, _ = read_layer(str(tmp_path / "six.gpkg"))
    assert {"ECSTD_000_012", "EC_HS_150", "OOD_SCORE"} <= set(names)
    assert all(r["ECSTD_060_072"] >= 0 for r in rows)
    model = load_model(embedded_model_path(res["MODEL_NAME"]))
    assert len(model.members) == 5 and model.metadata["training"]["rows"]["total"] > 50000
    gf = point_layer(np.arange(20.0), np.zeros(20), {f"Cond.{k + 1} [mS/m]": eca[:, k] for k in range(3)})
    res = run_alg("emiai:predictec", {"INPUT": gf, "OUTPUT": str(tmp_path / "gf.gpkg")})
    assert res["MODEL_NAME"] == "emiai_tuwien_site_cmd_miniexplorer_vcp"


# --- depth of investigation (DOI_M) --------------------------------------------------------------

def test_predictec_writes_the_depth_of_investigation(run_alg, reference_eca, tmp_path):
    """DOI_M is emiai_core.doi's criterion on the written model (the cascade's deepest layer is the
    half-space), at most 3 x 1.5 m; depthslices masks more cells the deeper the band."""
    from emiai_core.doi import depth_of_investigation
    from emiai_core.model_file import default_model_path, load_model

    eca = reference_eca[0][:60]
    rng = np.random.default_rng(5)
    layer = point_layer(600000 + rng.random(60) * 100, 5330000 + rng.random(60) * 100,
                        {"VCP0.32": eca[:, 0], "VCP0.71": eca[:, 1], "VCP1.18": eca[:, 2]})
    out = str(tmp_path / "ec.gpkg")
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": layer, "MISFIT_MODEL": 1, "OUTPUT": out})
    names, rows, _ = read_layer(out)
    assert names.index("DOI_M") < names.index("EXTRAPOL")  # after the doubles, before the flags
    doi = np.array([r["DOI_M"] for r in rows])
    model = load_model(default_model_path())
    ec = np.array([[r[n] for n in names if n.startswith("EC_")] for r in rows])
    np.testing.assert_allclose(doi, depth_of_investigation(ec, model.finest.layer_edges, model.measured_coils,
                                                           max_depth=4.5), rtol=1e-9)
    assert res["DOI_MEDIAN"] == pytest.approx(np.median(doi))
    # VCP1.18 alone over a homogeneous ground: 0.895 m; these models range around it
    assert np.all((doi > 0.05) & (doi <= 4.5)) and 0.5 < np.median(doi) < 2.5, np.percentile(doi, [0, 50, 100])
    # depthslices masks the cells whose layer mid-depth is below the gridded DOI: more the deeper the band
    from osgeo import gdal

    tif = tmp_path / "masked.tif"
    res = run_alg("emiai:depthslices", {"INPUT": out, "CELL_SIZE": 5, "METHOD": 1, "MASK_BELOW_DOI": True,
                                        "OUTPUT": str(tif)})
    ds = gdal.Open(str(tif))
    below = [int(ds.GetRasterBand(b + 1).GetMetadataItem("cells_below_doi")) for b in range(12)]
    assert sum(below) == res["N_CELLS_BELOW_DOI"] > 0 and below == sorted(below) and below[0] == 0
    nodata = [int((ds.GetRasterBand(b + 1).ReadAsArray() == -9999).sum()) for b in range(12)]
    assert [n - nodata[0] for n in nodata] == below


def test_merged_lo_hi_survey_uses_the_six_coil_ensemble(run_alg, tmp_path):
    """importsurvey merging Lo + Hi writes the HCP fields; predictec's automatic choice then takes the
    VCP + HCP ensemble and feeds it all six ECa (points without a Hi reading are skipped, counted)."""
    from emiai_core.doi import depth_of_investigation
    from emiai_core.instruments import as_coils
    from emiai_core.model_file import embedded_model_path, load_model

    survey = str(tmp_path / "survey.gpkg")
    example = data_file("emagpy_examples", "trimpley")
    run_alg("emiai:importsurvey", {"INPUT": str(example / "trimpLo.dat"), "INPUT_HI": str(example / "trimpHi.dat"),
                                   "INSTRUMENT": 0, "ORIENTATION": 0, "MERGE_BY": 0, "MERGE_TOLERANCE": 2.0,
                                   "TARGET_CRS": "EPSG:27700", "OUTPUT": survey})
    out = str(tmp_path / "ec.gpkg")
    res = run_alg("emiai:predictec", {"INPUT": survey, "METHOD": 0, "MISFIT_MODEL": 1, "OUTPUT": out})
    assert res["MODEL_NAME"] == "emiai_tuwien_site_cmd_miniexplorer_vcp_hcp"
    assert (res["N_INPUT"], res["N_SKIPPED_MISSING"]) == (200, 17)  # 17 Lo rows without a Hi reading
    assert res["N_PREDICTED"] == 200 - 17 - res["N_SKIPPED_NONPOSITIVE"] > 150
    names, rows, _ = read_layer(out)
    model = load_model(embedded_model_path(res["MODEL_NAME"]))
    assert [c.split("f")[0] for c in model.measured_coils] == ["VCP0.32", "VCP0.71", "VCP1.18",
                                                               "HCP0.32", "HCP0.71", "HCP1.18"]
    eca = np.array([[r[c] for c in ("VCP0.32", "VCP0.71", "VCP1.18", "HCP0.32", "HCP0.71", "HCP1.18")]
                    for r in rows]) / 1000
    layers = [n for n in names if n.startswith("EC_") and not n.startswith("EC_HS")]
    expected = model.predict_layers(eca)
    np.testing.assert_allclose(np.array([[r[n] for n in layers] for r in rows]), expected.ec[0] * 1000, rtol=1e-6)
    # DOI_M with the six coils at the survey height, the half-space EC_HS_150 below 1.5 m
    ec = np.array([[r[n] for n in layers + ["EC_HS_150"]] for r in rows])
    height = rows[0]["HEIGHT_M"]
    edges = np.r_[model.output_layerings()[0], 3.0]
    np.testing.assert_allclose([r["DOI_M"] for r in rows], depth_of_investigation(
        ec, edges, as_coils(model.measured_coils, height=height), max_depth=4.5), rtol=1e-9)


# --- coil orientation / spacing safety ---------------------------------------------------------

def _six_coil_layer():
    eca = np.array([[10.0, 12.0, 14.0, 20.0, 22.0, 24.0], [11.0, 13.0, 15.0, 21.0, 23.0, 25.0]])
    names = ["VCP0.32", "VCP0.71", "VCP1.18", "HCP0.32", "HCP0.71", "HCP1.18"]
    return point_layer([0.0, 1.0], [0.0, 0.0], {**{n: eca[:, k] for k, n in enumerate(names)},
                                                "VCP0.32_inph": [1.0, 1.0], "a": eca[:, 0], "b": eca[:, 1],
                                                "c": eca[:, 2]})


@pytest.mark.parametrize("fields, message", [
    (["HCP0.32", "HCP0.71", "HCP1.18"],
     r"contradict the model's coils \(VCP0.32f30000h0, .*field 'HCP0.32' \(HCP, 0.32 m\) given for the model's coil "
     r"1, VCP0.32 \(VCP, 0.32 m\): orientation differs; .*field 'HCP1.18' .*coil 3.*twice as deep.*"
     r"'Accept ECa fields whose names contradict the model's coils.*' \(ALLOW_COIL_MISMATCH\)"),
    (["VCP1.18", "VCP0.71", "VCP0.32"],
     r"field 'VCP1.18' \(VCP, 1.18 m\) given for the model's coil 1, VCP0.32 \(VCP, 0.32 m\): coil spacing differs; "
     r"field 'VCP0.32' .* coil 3, VCP1.18 .*: coil spacing differs\."),
    (["HCP0.71", "VCP0.71", "VCP1.18"], r"field 'HCP0.71' .*: orientation and coil spacing differ\."),
    (["VCP0.32_inph", "VCP0.71", "VCP1.18"], r"field 'VCP0.32_inph' .*: it is the inph column, not an ECa"),
])
def test_predictec_refuses_ecafields_of_other_coils(run_alg, tmp_path, fields, message):
    from qgis.core import QgsProcessingException

    out = tmp_path / "ec.gpkg"
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("emiai:predictec", {**PUBLISHED, "INPUT": _six_coil_layer(), "ECA_FIELDS": fields, "OUTPUT": str(out)})
    assert not out.exists()


class _Log:
    """A QgsProcessingFeedback that keeps info lines and warnings."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.infos, self.warnings = [], []

            def pushInfo(self, text):  # noqa: N802
                self.infos.append(text)
                super().pushInfo(text)

            def pushWarning(self, text):  # noqa: N802
                self.warnings.append(text)
                super().pushWarning(text)

        return Feedback()


def test_predictec_coil_mismatch_override_and_unnamed_fields(run_alg, tmp_path):
    feedback = _Log()
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": _six_coil_layer(), "ECA_FIELDS": ["HCP0.32", "HCP0.71",
                  "HCP1.18"], "ALLOW_COIL_MISMATCH": True, "OUTPUT": str(tmp_path / "hcp.gpkg")}, feedback=feedback)
    assert res["N_PREDICTED"] == 2
    assert any("names contradict the model's coils (ALLOW_COIL_MISMATCH is set): field 'HCP0.32'" in w
               for w in feedback.warnings)
    # fields without coil names are taken as the model's coils, with an info line
    feedback = _Log()
    res = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": _six_coil_layer(), "ECA_FIELDS": ["a", "b", "c"],
                                      "OUTPUT": str(tmp_path / "abc.gpkg")}, feedback=feedback)
    assert res["N_PREDICTED"] == 2 and not any("contradict" in w for w in feedback.warnings)
    assert any("ECa field(s) a, b, c have no coil names: taken as the model's coil(s) VCP0.32f30000h0, "
               "VCP0.71f30000h0, VCP1.18f30000h0" in line for line in feedback.infos), feedback.infos
    # the same ECa under the right names give the same models
    res2 = run_alg("emiai:predictec", {**PUBLISHED, "INPUT": _six_coil_layer(), "ECA_FIELDS": ["VCP0.32", "VCP0.71",
                   "VCP1.18"], "OUTPUT": str(tmp_path / "vcp.gpkg")})
    a, b = read_layer(str(tmp_path / "abc.gpkg"))[1], read_layer(str(tmp_path / "vcp.gpkg"))[1]
    assert [r["EC_060_072"] for r in a] == [r["EC_060_072"] for r in b] and res2["N_PREDICTED"] == 2
