"""emiai_core.ert on the TU Wien ERT sections: tests/test_ert.py runs these checks on the 4 m fixtures
of B2_1 and B6_2, benchmarks/shared_checks/test_full_ert.py on the ten whole profiles.

``data(*parts)`` is the path of a file in the ``tuwien_ert`` folder of the data set."""
import shutil

import numpy as np
import pytest

from emiai_core import ert


def polyline_offset(px, py, vx, vy):
    """(distance to the polyline, chainage of the nearest point) of points (px, py)."""
    ax, ay, bx, by = vx[:-1], vy[:-1], vx[1:], vy[1:]
    seg = np.hypot(bx - ax, by - ay)
    chain0 = np.r_[0.0, np.cumsum(seg)][:-1]
    t = ((px[:, None] - ax) * (bx - ax) + (py[:, None] - ay) * (by - ay)) / seg ** 2
    t = np.clip(t, 0, 1)
    qx, qy = ax + t * (bx - ax), ay + t * (by - ay)
    d = np.hypot(px[:, None] - qx, py[:, None] - qy)
    j = np.argmin(d, axis=1)
    i = np.arange(len(px))
    return d[i, j], chain0[j] + t[i, j] * seg[j]


def read_xyz(data, profile):
    return np.loadtxt(data(profile, f"{profile}_xyz_dem.csv"), skiprows=1)


def read_grid(data, profile):
    return np.genfromtxt(data(profile, f"{profile}_grid.csv"), skip_header=1, delimiter="\t")


def profile_positions_and_depths(data, profile, n_cells):
    """Checks the map positions and depths of a profile's cells; returns the profile (the callers
    check how deep its cells reach, which depends on the data set)."""
    g = ert.load_profile_folder(data(profile))
    xyz, grid = read_xyz(data, profile), read_grid(data, profile)
    assert g.profile == profile and g.n_cells == n_cells and g.section.sensitivity_log10 is not None
    # electrodes land exactly on their map coordinates
    ex, ey = ert.positions_along_line(grid[:, 0], g.electrodes, g.electrode_map)
    assert np.max(np.hypot(ex - xyz[:, 1], ey - xyz[:, 2])) < 1e-9
    # every cell lies on the electrode polyline (within 5 cm) at its along-line distance (within 5 cm)
    off, chain = polyline_offset(g.x, g.y, xyz[:, 1], xyz[:, 2])
    assert off.max() < 0.05
    assert np.max(np.abs(chain - g.section.distance_m)) < 0.05
    # depth below the surface interpolated from the electrodes at the cell's own distance
    surface = np.interp(g.section.distance_m, grid[:, 0], grid[:, 1])
    np.testing.assert_allclose(g.depth_m, surface - g.section.elevation_m, atol=1e-9)
    # the top cell of every 1 m column sits just below that surface
    col = np.floor(g.section.distance_m).astype(int)
    top = np.array([g.depth_m[col == c].min() for c in np.unique(col)])
    assert 0 < top.min() and top.max() < 0.15
    return g


def trace_vertices_are_electrodes(data, profile):
    g = ert.load_profile_folder(data(profile))
    tr = g.trace()
    xyz, grid = read_xyz(data, profile), read_grid(data, profile)
    np.testing.assert_allclose(tr[:, :2], xyz[:, 1:3])
    np.testing.assert_allclose(tr[:, 2:], grid[:, [1, 0]])  # z = elevation, m = distance


def native_r2_files_match_the_csv(data, n_cells):
    """The cR2 result of B2_1 (f001_res.dat beside mesh.dat, electrodes.dat) against its CSV export."""
    csv = ert.read_section(data("B2_1", "B2_1_mesh.csv"))
    dat = ert.read_section(data("B2_1", "resipy_wd", "f001_res.dat"))  # checked against mesh.dat beside it
    assert dat.n_cells == csv.n_cells == n_cells and "cR2" in dat.source
    from scipy.spatial import cKDTree

    dist, j = cKDTree(np.column_stack([csv.distance_m, csv.elevation_m])).query(
        np.column_stack([dat.distance_m, dat.elevation_m]))
    assert dist.max() < 1e-5 and len(np.unique(j)) == dat.n_cells  # the same cells, one to one
    np.testing.assert_allclose(dat.resistivity_ohmm, csv.resistivity_ohmm[j], rtol=1e-4)
    assert dat.phase_mrad is not None and dat.sensitivity_log10 is None
    el = ert.read_electrodes(data("B2_1", "resipy_wd", "electrodes.dat"))
    gr = ert.read_electrodes(data("B2_1", "B2_1_grid.csv"))
    np.testing.assert_allclose(el.distance_m, gr.distance_m)
    np.testing.assert_allclose(el.elevation_m, gr.elevation_m)
    g = ert.georeference_section("B2_1", dat, el, ert.read_electrode_map(data("B2_1", "B2_1_xyz_dem.csv")))
    ref = ert.load_profile_folder(data("B2_1"))
    np.testing.assert_allclose(np.sort(g.depth_m), np.sort(ref.depth_m), atol=1e-4)


def vtk_matches_the_csv(data):
    """Our legacy-VTK reader (no ResIPy) gives the cells of ResIPy's own CSV export."""
    csv = ert.read_section(data("B2_1", "B2_1_mesh.csv"))
    vtk = ert.read_section(data("B2_1", "resipy_wd", "f001_res.vtk"))
    assert vtk.n_cells == csv.n_cells
    np.testing.assert_allclose(vtk.distance_m, csv.distance_m, atol=1e-5)
    np.testing.assert_allclose(vtk.elevation_m, csv.elevation_m, atol=1e-5)
    np.testing.assert_array_equal(vtk.resistivity_ohmm, csv.resistivity_ohmm)
    np.testing.assert_array_equal(vtk.sensitivity_log10, csv.sensitivity_log10)


def result_with_a_foreign_mesh_is_rejected(data, tmp_path):
    src = data("B2_1", "resipy_wd")
    shutil.copy(src / "f001_res.dat", tmp_path / "f001_res.dat")
    lines = (src / "mesh.dat").read_text().splitlines()
    n_elem = int(lines[0].split()[0])
    for i in range(1 + n_elem, len(lines)):  # shift every node 0.5 m along the line
        t = lines[i].split()
        if len(t) >= 3:
            lines[i] = f"{t[0]} {float(t[1]) + 0.5:.8f} {t[2]}"
    (tmp_path / "mesh.dat").write_text("\n".join(lines) + "\n")
    with pytest.raises(ert.ErtInputError, match="not centroids"):
        ert.read_section(tmp_path / "f001_res.dat")


def electrodes_of_another_profile_are_rejected(data, profile):
    """The section of ``profile`` with the electrodes of B2_1 (14 m below B1_1's, 22 m below B6_2's)."""
    section = ert.read_section(data(profile, f"{profile}_mesh.csv"))
    other = ert.read_electrodes(data("B2_1", "B2_1_grid.csv"))
    emap = ert.read_electrode_map(data("B2_1", "B2_1_xyz_dem.csv"))
    with pytest.raises(ert.ErtInputError, match="do not match the section"):
        ert.georeference_section("B1_1", section, other, emap)


def electrode_map_must_match_the_electrodes(data, tmp_path):
    section = ert.read_section(data("B2_1", "B2_1_mesh.csv"))
    el = ert.read_electrodes(data("B2_1", "B2_1_grid.csv"))
    lines = data("B2_1", "B2_1_xyz_dem.csv").read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(ert.ErtInputError, match="list 71 electrodes but .* list 72"):
        ert.georeference_section("B2_1", section, el, ert.read_electrode_map(short))
    rev = tmp_path / "reversed.csv"  # same points, IDs in the opposite order
    body = [ln.split() for ln in lines[1:]]
    rev.write_text(lines[0] + "\n" + "\n".join(" ".join([str(73 - int(t[0]))] + t[1:]) for t in body) + "\n")
    with pytest.raises(ert.ErtInputError, match="do not describe the same electrodes"):
        ert.georeference_section("B2_1", section, el, ert.read_electrode_map(rev))


def profile_line_instead_of_coordinates(data, profile):
    el = ert.read_electrodes(data(profile, f"{profile}_grid.csv"))
    xyz = read_xyz(data, profile)
    emap = ert.electrode_map_from_line(xyz[:, 1:3], el)
    assert np.max(np.hypot(emap.x - xyz[:, 1], emap.y - xyz[:, 2])) < 0.05
    two_points = xyz[[0, -1], 1:3]  # a straight line drawn from the first to the last electrode
    emap2 = ert.electrode_map_from_line(two_points, el)
    assert np.max(np.hypot(emap2.x - xyz[:, 1], emap2.y - xyz[:, 2])) < 1.0
    with pytest.raises(ert.ErtInputError, match="long but the electrodes span"):
        ert.electrode_map_from_line(xyz[:30, 1:3], el)


def max_depth_keeps_the_shallow_cells(data):
    g = ert.load_profile_folder(data("B2_1"), max_depth_m=3.0)
    # 5925 cells of the whole section lie within 3 m (all of them in the 4 m fixture)
    assert g.depth_m.max() <= 3.0 and g.n_cells == len(g.cell_id) == 5925
    full = ert.load_profile_folder(data("B2_1"))
    np.testing.assert_array_equal(full.depth_m[g.cell_id], g.depth_m)


def names_and_companion_files(data):
    assert ert.guess_profile_name("/x/B1_1_mesh.csv") == "B1_1"
    assert ert.guess_profile_name(data("B2_1", "resipy_wd", "f001_res.dat")) == "B2_1"
    assert ert.find_electrode_file(data("B2_1", "resipy_wd", "f001_res.dat")).name == "electrodes.dat"
    assert ert.find_electrode_file(data("B2_1", "B2_1_mesh.csv")).name == "B2_1_grid.csv"
    assert ert.find_electrode_file("/nonexistent/Q_mesh.csv") is None
