"""emiai:importsurvey through processing.run on the EMagPy example surveys: tests/test_alg_import_survey.py
runs these checks on the fixtures, benchmarks/shared_checks/test_full_alg_import_survey.py on the whole
files.

``example(rel)`` is the path (a str) of an example survey, ``rel`` relative to the ``emagpy_examples``
folder; ``run_alg`` is the fixture of tests/conftest.py. Each check returns the algorithm's result and
the output layer, for the callers' own checks."""
import numpy as np
import pytest

from .survey import MINI_HCP, MINI_VCP


def run_import(run_alg, tmp_path, name="out.gpkg", **params):
    from qgis.core import QgsVectorLayer

    out = tmp_path / name
    params.setdefault("OUTPUT", str(out))
    result = run_alg("emiai:importsurvey", params)
    layer = QgsVectorLayer(str(out), "out", "ogr")
    assert layer.isValid()
    return result, layer


def is_null(value):
    """NULL comes back as None or as a null QVariant, depending on the provider."""
    return value is None or (hasattr(value, "isNull") and value.isNull())


def column(layer, name):
    return np.array([np.nan if is_null(f[name]) else f[name] for f in layer.getFeatures()], dtype=float)


def trimpley_lo(run_alg, tmp_path, example, n_points):
    result, layer = run_import(run_alg, tmp_path, INPUT=example("trimpley/trimpLo.dat"), INSTRUMENT=0,
                               ORIENTATION=0, HEIGHT=0.1)
    assert result["N_POINTS"] == layer.featureCount() == n_points and result["N_SKIPPED"] == 0
    return result, layer


def trimpley_lo_hi_merge(run_alg, tmp_path, example, n_points, matched):
    """``matched``: the Lo rows with a Hi reading within 2 m (pyproj BNG distances)."""
    result, layer = run_import(run_alg, tmp_path, INPUT=example("trimpley/trimpLo.dat"),
                               INPUT_HI=example("trimpley/trimpHi.dat"), INSTRUMENT=0, ORIENTATION=0,
                               MERGE_BY=0, MERGE_TOLERANCE=2.0, TARGET_CRS="EPSG:27700")
    assert result["N_POINTS"] == layer.featureCount() == n_points
    assert result["COILS"] == ",".join(MINI_VCP + MINI_HCP) and result["N_UNMATCHED"] == n_points - matched
    assert np.isfinite(column(layer, "HCP0.71")).sum() == matched  # unmatched points are NULL, not 0
    assert np.nanmax(column(layer, "merge_distance_m")) <= 2.0
    return result, layer


def potatoes_lo_hi_keeps_negative_readings(run_alg, tmp_path, example, n_points, matched):
    """``matched``: the Lo rows with a Hi reading within 2 m (pyproj BNG distances)."""
    result, layer = run_import(run_alg, tmp_path, INPUT=example("potatoes/potatoesLo.dat"),
                               INPUT_HI=example("potatoes/potatoesHi.dat"))
    assert result["N_POINTS"] == layer.featureCount() == n_points
    assert result["N_UNMATCHED"] == n_points - matched
    assert column(layer, "VCP0.32")[1] == pytest.approx(-0.06)
    assert np.isfinite(column(layer, "HCP1.18")).sum() == matched
    return result, layer


def hollin_hill_projected_csv(run_alg, tmp_path, example, n_points):
    result, layer = run_import(run_alg, tmp_path, INPUT=example("hollin-hill/dfm-expl.csv"), INSTRUMENT=1,
                               SOURCE_CRS="EPSG:27700")
    assert result["N_POINTS"] == layer.featureCount() == n_points
    first = next(layer.getFeatures())
    p = first.geometry().asPoint()
    assert (p.x(), p.y()) == pytest.approx((468095.918367347, 468750.0), abs=1e-6)
    assert first["HCP4.49"] == pytest.approx(32.4786833735859)
    return result, layer
