"""Training-model generation on two whole TU Wien sections, B1_1 and B5_1: the checks of
tests/realdata_checks/training_models.py (tests/test_training_models.py runs them on the 4 m fixtures
of B2_1 and B6_2)."""
from realdata_checks import training_models as checks
from shared_paths import shared


def ert_data(*parts):
    return shared("tuwien_ert", *parts)


def test_generation_on_real_profiles(tmp_path):
    checks.generation_on_real_profiles(ert_data, ["B1_1", "B5_1"], tmp_path)
