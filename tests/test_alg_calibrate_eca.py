"""emiai:calibrateeca and emiai:applyecacalibration through processing.run, on the real ERT
section B2_1 (committed fixture, cells to 4 m) and a survey walked 0.3 m beside its line whose
ECa are the section's forward response distorted by a gain of 1.7 and an offset of +3 mS/m."""
import json
import os

import numpy as np
import pytest

from conftest import data_file
from helpers_layers import point_layer, read_layer
from realdata_checks import alg_ert

GAIN, OFFSET = 1.7, 3.0
FIELDS = ["VCP0.32", "VCP0.71", "VCP1.18"]


@pytest.fixture(scope="module")
def ert(emiai_provider, tmp_path_factory):
    """B2_1 imported (cells and trace GeoPackages, EPSG:31256) and the same section as ProfileCells."""
    from qgis.core import QgsVectorLayer

    from emiai_core.ert import load_profile_folder
    from emiai_core.model_generation import ProfileCells

    folder = tmp_path_factory.mktemp("ert")
    alg_ert.import_profile(lambda *p: str(data_file("tuwien_ert", *p)), "B2_1", str(folder / "cells.gpkg"),
                           str(folder / "trace.gpkg"), MAX_DEPTH=4.0)
    cells = QgsVectorLayer(str(folder / "cells.gpkg"), "B2_1 cells", "ogr")
    trace = QgsVectorLayer(str(folder / "trace.gpkg"), "B2_1 trace", "ogr")
    assert cells.isValid() and trace.isValid()
    profile = ProfileCells.from_georeferenced(load_profile_folder(data_file("tuwien_ert", "B2_1"), max_depth_m=4.0))
    return cells, trace, profile


def _survey(profile, side=0.3, step=0.5, seed=0):
    """(x, y, true ECa (N, 3) in mS/m) of a survey walked ``side`` m beside the ERT line: the ECa
    the ERT columns give (FSlin, CMD-MiniExplorer VCP on the ground) with 2 % noise."""
    from emiai_core.eca_calibration import ert_column, survey_coil
    from emiai_core.forward import add_noise, forward_eca

    ed = profile.electrode_distance_m
    along = np.arange(ed[0] + 4.0, ed[-1] - 4.0, step)
    x, y = profile.map_xy(along)
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy)
    x, y = x - side * dy / norm, y + side * dx / norm
    rho = np.array([ert_column(profile, s)[0] for s in along])
    from emiai_core.eca_calibration import DEFAULT_EDGES

    coils = [survey_coil(f, 0.0) for f in FIELDS]
    eca = add_noise(forward_eca(1.0 / rho, DEFAULT_EDGES, coils, "FSlin"), 0.02, seed=seed) * 1000.0
    return x, y, eca


def _layer(x, y, eca, crs="EPSG:31256", names=FIELDS):
    cols = {"id": np.arange(len(x)).astype(float), **{n: eca[:, j] for j, n in enumerate(names)},
            "HEIGHT_M": np.zeros(len(x))}
    return point_layer(x, y, cols, crs=crs)


def test_calibrate_then_apply(run_alg, ert, tmp_path):
    cells, trace, profile = ert
    x, y, eca_true = _survey(profile)
    measured = GAIN * eca_true + OFFSET
    out, coef, report = (str(tmp_path / n) for n in ("cal.gpkg", "cal.json", "report.html"))
    res = run_alg("emiai:calibrateeca", {"INPUT": _layer(x, y, measured), "ERT_CELLS": [cells], "TRACES": [trace],
                                         "MAX_DISTANCE": 1.0, "OUTPUT": out, "OUTPUT_COEFFICIENTS": coef,
                                         "OUTPUT_HTML": report})
    n = len(x)
    assert res["N_INPUT"] == n and res["N_CALIBRATED"] == n
    assert res["N_PAIRS"] >= 0.9 * n  # a few at the ends: the section is shallow there
    d = json.load(open(coef))
    assert d["format"] == "emiai-eca-calibration" and d["profiles"] == ["B2_1"]
    for c in d["coils"]:
        assert c["gain"] == pytest.approx(1 / GAIN, rel=0.02), c
        assert c["offset_mS_m"] == pytest.approx(-OFFSET / GAIN, abs=0.02 * eca_true.mean()), c
        assert c["coil"].endswith("f30000h0")
    names, rows, _ = read_layer(out)
    for f in FIELDS:
        assert f + "_RAW" in names and f + "_ERT" in names
    cal = np.array([[r[f] for f in FIELDS] for r in rows])
    raw = np.array([[r[f + "_RAW"] for f in FIELDS] for r in rows])
    np.testing.assert_allclose(raw, measured, rtol=1e-12)
    assert np.median(np.abs(cal / eca_true - 1)) < 0.02
    assert all(r["ECA_CAL"] == 1 for r in rows)
    pair = np.array([r["CAL_PAIR"] for r in rows])
    assert pair.sum() == res["N_PAIRS"]
    dist = np.array([r["ERT_DIST_M"] for r in rows if r["CAL_PAIR"] == 1])
    np.testing.assert_allclose(dist, 0.3, atol=0.05)
    html = open(report, encoding="utf-8").read()
    assert "report.png" in html and "B2_1" in html and os.path.getsize(tmp_path / "report.png") > 10_000

    # the coefficients on another survey of the same instrument: exactly offset + gain × ECa
    other = measured[::-1] * 1.1
    out2 = str(tmp_path / "applied.gpkg")
    res = run_alg("emiai:applyecacalibration", {"INPUT": _layer(x + 30, y, other), "COEFFICIENTS": coef,
                                                "OUTPUT": out2})
    assert res["N_CALIBRATED"] == n
    names2, rows2, _ = read_layer(out2)
    got = np.array([[r[f] for f in FIELDS] for r in rows2])
    expected = np.column_stack([c["offset_mS_m"] + c["gain"] * other[:, j] for j, c in enumerate(d["coils"])])
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert "CAL_PAIR" not in names2 and "VCP1.18_RAW" in names2


def test_geographic_survey_is_projected(run_alg, ert, tmp_path):
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject

    cells, trace, profile = ert
    x, y, eca_true = _survey(profile, seed=1)
    tr = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:31256"), QgsCoordinateReferenceSystem("EPSG:4326"),
                                QgsProject.instance())
    ll = [tr.transform(QgsPointXY(a, b)) for a, b in zip(x, y)]
    lon, lat = np.array([p.x() for p in ll]), np.array([p.y() for p in ll])
    res = run_alg("emiai:calibrateeca", {"INPUT": _layer(lon, lat, GAIN * eca_true + OFFSET, crs="EPSG:4326"),
                                         "ERT_CELLS": [cells], "TRACES": [trace], "OUTPUT": "TEMPORARY_OUTPUT",
                                         "OUTPUT_COEFFICIENTS": str(tmp_path / "c.json")})
    assert res["N_PAIRS"] >= 0.9 * len(x)
    gains = [c["gain"] for c in json.load(open(tmp_path / "c.json"))["coils"]]
    np.testing.assert_allclose(gains, 1 / GAIN, rtol=0.02)


def test_too_few_pairs_names_the_distances_and_writes_nothing(run_alg, ert, tmp_path):
    from qgis.core import QgsProcessingException

    cells, trace, profile = ert
    x, y, eca = _survey(profile)
    out, coef, report = (tmp_path / n for n in ("cal.gpkg", "cal.json", "report.html"))
    with pytest.raises(QgsProcessingException, match=r"Only 0 survey point\(s\).*Nearest survey points are 0\.30"):
        run_alg("emiai:calibrateeca", {"INPUT": _layer(x, y, eca), "ERT_CELLS": [cells], "TRACES": [trace],
                                       "MAX_DISTANCE": 0.1, "OUTPUT": str(out), "OUTPUT_COEFFICIENTS": str(coef),
                                       "OUTPUT_HTML": str(report)})
    assert sorted(os.listdir(tmp_path)) == []


def test_apply_refuses_other_coils_and_calibrated_surveys(run_alg, ert, tmp_path):
    from qgis.core import QgsProcessingException

    cells, trace, profile = ert
    x, y, eca = _survey(profile)
    coef = str(tmp_path / "cal.json")
    out = str(tmp_path / "cal.gpkg")
    run_alg("emiai:calibrateeca", {"INPUT": _layer(x, y, eca), "ERT_CELLS": [cells], "TRACES": [trace],
                                   "OUTPUT": out, "OUTPUT_COEFFICIENTS": coef})
    hcp = _layer(x, y, eca, names=["HCP0.32", "HCP0.71", "HCP1.18"])
    with pytest.raises(QgsProcessingException, match="no ECa field for coil.*VCP0.32.*survey coils: HCP0.32"):
        run_alg("emiai:applyecacalibration", {"INPUT": hcp, "COEFFICIENTS": coef, "OUTPUT": "TEMPORARY_OUTPUT"})
    with pytest.raises(QgsProcessingException, match="already calibrated"):
        run_alg("emiai:applyecacalibration", {"INPUT": out, "COEFFICIENTS": coef, "OUTPUT": "TEMPORARY_OUTPUT"})
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "something else"}')
    with pytest.raises(QgsProcessingException, match="not an emiAI ECa calibration file"):
        run_alg("emiai:applyecacalibration", {"INPUT": hcp, "COEFFICIENTS": str(bad), "OUTPUT": "TEMPORARY_OUTPUT"})
