"""emiai:importsurvey through processing.run on the real EMagPy example surveys.

The surveys are the fixtures cut by tests/data/make_fixtures.py (trimpLo.dat: first 200 rows,
potatoesLo.dat: first 400, dfm-expl.csv: first 100, each Hi.dat: the rows within 2.5 m of a kept Lo
row; cover-crop whole). The checks that benchmarks/shared_checks/test_full_alg_import_survey.py also
runs on the whole files are in tests/realdata_checks/alg_import_survey.py."""

import numpy as np
import pytest
from conftest import data_file
from realdata_checks import alg_import_survey as checks
from realdata_checks.alg_import_survey import column, run_import
from realdata_checks.survey import MINI_HCP, MINI_VCP


def example(rel: str) -> str:
    return str(data_file("emagpy_examples", rel))


def xy(layer):
    pts = [f.geometry().asPoint() for f in layer.getFeatures()]
    return np.array([p.x() for p in pts]), np.array([p.y() for p in pts])


def transform(epsg_from, epsg_to, x, y):
    import pyproj

    return pyproj.Transformer.from_crs(epsg_from, epsg_to, always_xy=True).transform(x, y)


def test_trimpley_lo(run_alg, tmp_path):
    result, layer = checks.trimpley_lo(run_alg, tmp_path, example, n_points=200)
    assert result["COILS"] == "VCP0.32,VCP0.71,VCP1.18"
    assert result["COIL_STRINGS"] == "VCP0.32f30000h0.1,VCP0.71f30000h0.1,VCP1.18f30000h0.1"
    names = layer.fields().names()
    assert names[1:] == MINI_VCP + [c + "_inph" for c in MINI_VCP] + ["HEIGHT_M",
        "Altitude", "Time", "Inv.Cond.1[mS/m]", "Inv.Cond.2[mS/m]", "Inv.Thick[m]", "Inv.RMS[%]"]  # [0] = fid
    assert layer.crs().authid() == "EPSG:32630"  # lon -2.34: UTM zone 30 N
    first = next(layer.getFeatures())
    assert first["VCP0.32"] == pytest.approx(3.46) and first["VCP1.18_inph"] == pytest.approx(4.29)
    assert first["Time"] == "10:30:26.15"
    # first row of the file: 5224.461500N 00220.673328W
    ex, ey = transform("EPSG:4326", "EPSG:32630", -(2 + 20.673328 / 60), 52 + 24.4615 / 60)
    p = first.geometry().asPoint()
    assert abs(p.x() - ex) < 1e-3 and abs(p.y() - ey) < 1e-3


def test_trimpley_lo_hi_merge(run_alg, tmp_path):
    # 183 of the 200 Lo rows have a Hi reading within 2 m (pyproj BNG distances, make_fixtures.py)
    _, layer = checks.trimpley_lo_hi_merge(run_alg, tmp_path, example, n_points=200, matched=183)
    names = layer.fields().names()
    assert names[1:7] == MINI_VCP + MINI_HCP and "merge_distance_m" in names and "Time_hi" in names
    x, y = xy(layer)
    ex, ey = transform("EPSG:4326", "EPSG:27700", -(2 + 20.673328 / 60), 52 + 24.4615 / 60)
    assert abs(x[0] - ex) < 1e-3 and abs(y[0] - ey) < 1e-3
    assert layer.crs().authid() == "EPSG:27700"


def test_potatoes_lo_hi_keeps_negative_readings(run_alg, tmp_path):
    # 256 of the 400 Lo rows have a Hi reading within 2 m (pyproj BNG distances, make_fixtures.py)
    checks.potatoes_lo_hi_keeps_negative_readings(run_alg, tmp_path, example, n_points=400, matched=256)


def test_hollin_hill_projected_csv(run_alg, tmp_path):
    result, layer = checks.hollin_hill_projected_csv(run_alg, tmp_path, example, n_points=100)  # the first 100 rows
    assert result["COIL_STRINGS"].split(",")[0] == "VCP1.48f10000h1"
    assert layer.crs().authid() == "EPSG:27700"
    # the same file reprojected to UTM 30N: equals pyproj of the file's x/y within 1 mm
    _, utm = run_import(run_alg, tmp_path, "utm.gpkg", INPUT=example("hollin-hill/dfm-expl.csv"),
                        INSTRUMENT=1, SOURCE_CRS="EPSG:27700", TARGET_CRS="EPSG:32630")
    ex, ey = transform("EPSG:27700", "EPSG:32630", 468095.918367347, 468750.0)
    p = next(utm.getFeatures()).geometry().asPoint()
    assert abs(p.x() - ex) < 1e-3 and abs(p.y() - ey) < 1e-3


@pytest.mark.parametrize("output", ["TEMPORARY_OUTPUT", "out.gpkg"])
def test_cover_crop_local_xy(run_alg, tmp_path, output):
    from qgis.core import QgsUnitTypes, QgsVectorLayer

    result = run_alg("emiai:importsurvey", {
        "INPUT": example("cover-crop/coverCropLo.dat"), "INPUT_HI": example("cover-crop/coverCropHi.dat"),
        "MERGE_TOLERANCE": 0.01, "OUTPUT": output if output.startswith("TEMP") else str(tmp_path / output)})
    layer = result["OUTPUT"] if output.startswith("TEMP") else QgsVectorLayer(str(tmp_path / output))
    assert result["N_POINTS"] == layer.featureCount() == 30 and result["N_UNMATCHED"] == 0
    # local metres: a local engineering CRS, not EPSG:4326 nor "undefined geographic"
    crs = layer.crs()
    assert crs.isValid() and not crs.isGeographic() and crs.authid() == ""
    assert crs.mapUnits() == QgsUnitTypes.DistanceMeters and "Local survey grid" in crs.description()
    assert [n for n in layer.fields().names() if n != "fid"][:6] == MINI_VCP + MINI_HCP
    x, y = xy(layer)
    assert (x[:2].tolist(), y[:2].tolist()) == ([0.0, 0.0], [0.0, 1.0])
    assert column(layer, "VCP0.32")[0] == pytest.approx(39.76)
    assert column(layer, "HCP0.32")[0] == pytest.approx(36.98)  # Hi file, same grid node (0, 0)


# --- bad input: informative QgsProcessingException and no output file --------------------------

def fails(run_alg, tmp_path, match, **params):
    from qgis.core import QgsProcessingException

    out = tmp_path / "bad.gpkg"
    with pytest.raises(QgsProcessingException, match=match):
        run_alg("emiai:importsurvey", {"OUTPUT": str(out), **params})
    assert not out.exists()


def test_missing_file(run_alg, tmp_path):
    fails(run_alg, tmp_path, r"INPUT: file not found: .*nope\.dat", INPUT=str(tmp_path / "nope.dat"))


def test_file_without_eca_columns(run_alg, tmp_path):
    path = tmp_path / "noeca.csv"
    path.write_text("Latitude,Longitude,Altitude,Inv.Cond.1[mS/m]\n5224.4615N,00220.6733W,30.6,0.71\n")
    fails(run_alg, tmp_path, r"noeca\.csv: no ECa columns found.*Inv\.Cond\.1\[mS/m\]", INPUT=str(path))


def test_wrong_number_of_cond_columns(run_alg, tmp_path):
    fails(run_alg, tmp_path,
          r"trimpLo\.dat: the file has 3 GF conductivity column\(s\) \(Cond\.1\[mS/m\].*VCP0\.2, VCP0\.33",
          INPUT=example("trimpley/trimpLo.dat"), INSTRUMENT=2)


def test_local_xy_with_target_crs_but_no_source_crs(run_alg, tmp_path):
    fails(run_alg, tmp_path, "set SOURCE_CRS", INPUT=example("cover-crop/coverCropLo.dat"),
          TARGET_CRS="EPSG:32630")


def test_same_mode_twice(run_alg, tmp_path):
    # a VCP CSV given as the second file of a VCP .dat: both hold VCP coils
    fails(run_alg, tmp_path, r"INPUT_HI: .*contain VCP0\.32.*one file per mode",
          INPUT=example("trimpley/trimpLo.dat"), INPUT_HI=example("trimpley/trimpLo.csv"))


def test_gf_calibration_to_lin(run_alg, tmp_path):
    """CALIBRATION converts GF F-0m ECa to LIN ECa per coil with EMagPy's gfCorrection factors."""
    from qgis.core import QgsProcessingException, QgsVectorLayer

    from emiai_core.gf_calibration import gf_factor

    out = str(tmp_path / "lin.gpkg")
    res = run_alg("emiai:importsurvey", {"INPUT": example("trimpley/trimpLo.dat"), "INSTRUMENT": 0,
                                         "ORIENTATION": 0, "CALIBRATION": 1, "OUTPUT": out})
    assert res["CALIBRATION"] == "F-0m"
    first = next(QgsVectorLayer(out, "lin", "ogr").getFeatures())
    assert first["VCP0.32"] == pytest.approx(3.46 * gf_factor("VCP0.32f30000h0", "F-0m"), rel=1e-12)
    assert first["VCP1.18"] == pytest.approx(7.11 * gf_factor("VCP1.18f30000h0", "F-0m"), rel=1e-12)
    assert first["VCP0.32_inph"] == pytest.approx(2.18)  # in-phase is not ECa: unchanged
    bad = tmp_path / "bad.gpkg"
    with pytest.raises(QgsProcessingException, match="No GF F-1m calibration coefficient for coil VCP0.32"):
        run_alg("emiai:importsurvey", {"INPUT": example("trimpley/trimpLo.dat"), "INSTRUMENT": 0,
                                       "ORIENTATION": 0, "CALIBRATION": 2, "OUTPUT": str(bad)})
    assert not bad.exists()
