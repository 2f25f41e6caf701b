"""emiai:importertsection on the ten whole TU Wien ERT sections: the checks of
tests/realdata_checks/alg_ert.py (tests/test_alg_ert.py runs them on the 4 m fixtures).

The generation tests of tests/test_alg_ert.py are not repeated here: importing the fixtures to 4 m
gives exactly the cells of the whole sections, so they are the same runs."""
import pytest
from realdata_checks import alg_ert as checks
from shared_paths import shared

CELLS = {"B1_1": 24660, "B1_2": 20433, "B2_1": 15057, "B2_2": 15352, "B3_1": 15026, "B3_2": 19733,
         "B4_1": 20005, "B5_1": 20697, "B6_1": 19699, "B6_2": 19939}


def data(*parts) -> str:
    return str(shared("tuwien_ert", *parts))


@pytest.mark.parametrize("profile", sorted(CELLS))
def test_import_places_cells_on_the_electrode_line(emiai_provider, profile):
    checks.import_places_cells_on_the_electrode_line(data, profile, CELLS[profile])


def test_import_native_b2_1_files(emiai_provider):
    checks.import_native_b2_1_files(data, n_cells=CELLS["B2_1"])


def test_import_with_a_profile_line(emiai_provider):
    assert checks.import_with_a_profile_line(data, "B6_1") < 15000


def test_import_bad_input_writes_nothing(emiai_provider, tmp_path):
    checks.import_bad_input_writes_nothing(data, tmp_path, "B1_1")
