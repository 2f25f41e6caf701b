"""emiai:importsurvey on the whole EMagPy example surveys: the checks of
tests/realdata_checks/alg_import_survey.py with the whole-file counts (tests/test_alg_import_survey.py
runs them on the fixtures)."""
from realdata_checks import alg_import_survey as checks
from shared_paths import shared


def example(rel: str) -> str:
    return str(shared("emagpy_examples", rel))


def test_trimpley_lo(run_alg, tmp_path):
    checks.trimpley_lo(run_alg, tmp_path, example, n_points=1816)


def test_trimpley_lo_hi_merge(run_alg, tmp_path):
    checks.trimpley_lo_hi_merge(run_alg, tmp_path, example, n_points=1816, matched=1816 - 142)


def test_potatoes_lo_hi_keeps_negative_readings(run_alg, tmp_path):
    checks.potatoes_lo_hi_keeps_negative_readings(run_alg, tmp_path, example, n_points=3792, matched=2262)


def test_hollin_hill_projected_csv(run_alg, tmp_path):
    checks.hollin_hill_projected_csv(run_alg, tmp_path, example, n_points=1260)
