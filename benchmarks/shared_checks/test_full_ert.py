"""emiai_core.ert on the ten whole TU Wien ERT sections: the checks of tests/realdata_checks/ert.py
(tests/test_ert.py runs them on the 4 m fixtures of B2_1, B6_2), plus the fixture cell counts."""
from pathlib import Path

import pytest
from realdata_checks import ert as checks
from shared_paths import shared

from emiai_core import ert

# cells per profile (reference_algorithm.md section 7.3)
CELLS = {"B1_1": 24660, "B1_2": 20433, "B2_1": 15057, "B2_2": 15352, "B3_1": 15026, "B3_2": 19733,
         "B4_1": 20005, "B5_1": 20697, "B6_1": 19699, "B6_2": 19939}


def data(*parts) -> Path:
    return shared("tuwien_ert", *parts)


@pytest.mark.parametrize("profile", sorted(CELLS))
def test_profile_positions_and_depths(profile):
    g = checks.profile_positions_and_depths(data, profile, CELLS[profile])
    assert 25 < g.depth_m.max() < 37  # the inversion region reaches 25-36 m


def test_trace_vertices_are_electrodes():
    checks.trace_vertices_are_electrodes(data, "B3_1")


def test_native_r2_files_match_the_csv():
    checks.native_r2_files_match_the_csv(data, n_cells=CELLS["B2_1"])


def test_vtk_matches_the_csv():
    checks.vtk_matches_the_csv(data)


def test_result_with_a_foreign_mesh_is_rejected(tmp_path):
    checks.result_with_a_foreign_mesh_is_rejected(data, tmp_path)


def test_electrodes_of_another_profile_are_rejected():
    checks.electrodes_of_another_profile_are_rejected(data, "B1_1")


def test_electrode_map_must_match_the_electrodes(tmp_path):
    checks.electrode_map_must_match_the_electrodes(data, tmp_path)


def test_profile_line_instead_of_coordinates():
    checks.profile_line_instead_of_coordinates(data, "B4_1")


def test_fixture_cell_counts():
    """tests/data keeps the cells within 4 m of the surface: 7117 of B2_1, 8250 of B6_2 (and 5925 / 6711
    within 3 m, the counts tests/ asserts)."""
    for profile, n4, n3 in (("B2_1", 7117, 5925), ("B6_2", 8250, 6711)):
        g = ert.load_profile_folder(data(profile))
        assert (int((g.depth_m <= 4.0).sum()), int((g.depth_m <= 3.0).sum())) == (n4, n3)


def test_max_depth_keeps_the_shallow_cells():
    checks.max_depth_keeps_the_shallow_cells(data)


def test_names_and_companion_files():
    checks.names_and_companion_files(data)
