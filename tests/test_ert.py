"""emiai_core.ert on the real TU Wien ERT sections: readers, map positions, depths, bad input.

The sections are the fixtures of tests/data/make_fixtures.py: profiles B2_1 and B6_2 cut to the
cells at most 4 m below the surface (the native cR2 files of B2_1 cut to the same cells). The
checks on the real sections are in tests/realdata_checks/ert.py; benchmarks/shared_checks/test_full_ert.py
runs them on all ten whole profiles."""
from pathlib import Path

import numpy as np
import pytest
from conftest import data_file
from realdata_checks import ert as checks

from emiai_core import ert

# cells of the fixtures: the cells of the whole sections (15057 and 19939, reference_algorithm.md
# section 7.3) whose depth below the electrode surface, np.interp(x, grid X, grid Z) - z, is <= 4 m
CELLS = {"B2_1": 7117, "B6_2": 8250}
MAX_DEPTH_M = 4.0


def data(*parts) -> Path:
    return data_file("tuwien_ert", *parts)


@pytest.mark.parametrize("profile", sorted(CELLS))
def test_profile_positions_and_depths(profile):
    g = checks.profile_positions_and_depths(data, profile, CELLS[profile])
    assert MAX_DEPTH_M - 0.1 < g.depth_m.max() <= MAX_DEPTH_M  # the fixture's cells reach 4 m (whole: 25-36 m)
    assert g.n_cells == len(data(profile, f"{profile}_mesh.csv").read_text().splitlines()) - 1


def test_trace_vertices_are_electrodes():
    checks.trace_vertices_are_electrodes(data, "B6_2")


def test_native_r2_files_match_the_csv():
    checks.native_r2_files_match_the_csv(data, n_cells=CELLS["B2_1"])


def test_vtk_matches_the_csv():
    checks.vtk_matches_the_csv(data)


def test_result_with_a_foreign_mesh_is_rejected(tmp_path):
    checks.result_with_a_foreign_mesh_is_rejected(data, tmp_path)


def test_r2_dc_result_format(tmp_path):
    p = tmp_path / "f001_res.dat"
    rho = np.array([10.0, 20.0, 55.5])
    rows = np.column_stack([[1.0, 2.0, 3.0], [99.0, 98.5, 98.0], rho, np.log10(rho)])
    np.savetxt(p, rows, fmt="%14.5f")
    s = ert.read_section(p)
    assert "(R2)" in s.source and s.phase_mrad is None
    np.testing.assert_allclose(s.resistivity_ohmm, rho)


def test_missing_columns_are_named(tmp_path):
    p = tmp_path / "P_mesh.csv"
    p.write_text("x,y,z,Phase(mrad)\n1,0,100,3\n")
    with pytest.raises(ert.ErtInputError, match=r"missing column\(s\) resistivity .*columns \['x', 'y', 'z', 'Phase\(mrad\)'\]"):
        ert.read_section(p)
    p.write_text("distance,Magnitude(ohm.m)\n1,30\n")
    with pytest.raises(ert.ErtInputError, match=r"x \(along-line distance, m\), z \(elevation, m\)"):
        ert.read_section(p)
    p.write_text("x,z,Magnitude(ohm.m)\n1,100,-3\n")
    with pytest.raises(ert.ErtInputError, match="must be > 0"):
        ert.read_section(p)


def test_electrodes_of_another_profile_are_rejected():
    checks.electrodes_of_another_profile_are_rejected(data, "B6_2")


def test_electrode_map_must_match_the_electrodes(tmp_path):
    checks.electrode_map_must_match_the_electrodes(data, tmp_path)


def test_profile_line_instead_of_coordinates():
    checks.profile_line_instead_of_coordinates(data, "B6_2")


def test_max_depth_keeps_the_shallow_cells():
    checks.max_depth_keeps_the_shallow_cells(data)


def test_names_and_companion_files():
    checks.names_and_companion_files(data)


def test_vtk_is_read_without_resipy():
    """Importing ResIPy runs `wine --version` through a shell and tries to download executables:
    the .vtk reader never imports it."""
    import subprocess
    import sys

    from conftest import REPO

    code = ("import sys; sys.path.insert(0, %r)\n"
            "from emiai_core import ert\n"
            "s = ert.read_section(%r)\n"
            "print(s.n_cells, 'resipy' in sys.modules)" % (str(REPO), str(data("B2_1", "resipy_wd", "f001_res.vtk"))))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.split() == ["7117", "False"], out.stderr[-2000:]
