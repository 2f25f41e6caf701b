"""Training-model generation (emiai_core.model_generation) on real TU Wien sections and the
training-set file: tests/test_training_models.py runs these checks on the 4 m fixtures of B2_1 and
B6_2, benchmarks/shared_checks/test_full_training_models.py on the whole B1_1 and B5_1."""
import json

import numpy as np
import pytest

from emiai_core import model_generation as tm
from emiai_core.training_set import FORMAT, load_training_set, save_training_set


def profile_cells(folder):
    """The cells of a profile folder (``<P>_mesh.csv`` and its electrode files) to 4 m depth."""
    from emiai_core import ert

    return tm.ProfileCells.from_georeferenced(ert.load_profile_folder(folder, max_depth_m=4.0))


def generation_on_real_profiles(data, names, tmp_path):
    """Generation on the profiles ``names`` (``data(name)``: the profile's folder) and the file round trip."""
    profiles = [profile_cells(data(name)) for name in names]
    s = tm.GeneratorSettings(nmodels=40, seed=3)
    r = tm.generate_training_models(profiles, s, crs="EPSG:31256")
    ts = r.training_set
    per_loc = 2 * 40 + 1
    assert ts.n_models == per_loc * len(r.locations) and ts.target_names == ["L12", "L6", "L4"]
    assert {k: v.shape[1] for k, v in ts.ec.items()} == {"L12": 12, "L6": 6, "L4": 4, "deep": 3}
    for summ in r.profiles:
        locs = [loc for loc in r.locations if loc.profile == summ.profile]
        c = np.array([loc.distance_m for loc in locs])
        assert 5 <= len(c) <= 15 and np.all(np.diff(c) >= summ.width_m - 1e-9)
        ed = r.cells[summ.profile].electrode_distance_m
        assert summ.usable_m == pytest.approx((ed[4] + summ.width_m / 2, ed[-5] - summ.width_m / 2))
        assert summ.usable_m[0] <= c.min() and c.max() <= summ.usable_m[1]
        assert all(80 < len(loc.cell_index) for loc in locs)
    rho = 1 / ts.ec["L12"]
    assert rho.min() >= 0.01 and rho.max() <= 1000
    # provenance per row, and the average model first at every location
    assert np.all(ts.model_kind[ts.is_average_model] == 0) and ts.is_average_model.sum() == len(r.locations)
    first = np.flatnonzero(np.r_[True, np.diff(ts.location_id) != 0])
    assert np.all(ts.is_average_model[first])
    np.testing.assert_allclose(rho[first], ts.locations["loc_model_mean_ohmm"][:, :12])
    assert set(np.unique(ts.profile)) == set(names)
    for p in profiles:  # map positions of the locations lie on the electrode line
        sel = ts.locations["loc_profile"] == p.profile
        x, y = p.map_xy(ts.locations["loc_distance_m"][sel])
        np.testing.assert_allclose(ts.locations["loc_x_m"][sel], x)
        np.testing.assert_allclose(ts.locations["loc_y_m"][sel], y)
        assert np.all((x >= p.electrode_x.min()) & (x <= p.electrode_x.max()))
    # the file round trip
    path = save_training_set(tmp_path / "ts.npz", ts)
    back = load_training_set(path)
    for k in ts.ec:
        np.testing.assert_array_equal(back.ec[k], ts.ec[k])
    np.testing.assert_array_equal(back.profile, ts.profile)
    header = json.loads(str(np.load(path, allow_pickle=False)["header"][()]))
    assert header["format"] == FORMAT and header["format_version"] == 1 and header["crs"] == "EPSG:31256"
    assert header["settings"]["NMODELS"] == 40 and header["settings"]["SEED"] == 3
    assert [lay["name"] for lay in header["layerings"]] == ["L12", "L6", "L4", "deep"]
    ec, edges = back.full_model("L4")
    assert ec.shape[1] == 7 and np.allclose(edges, [0, 0.37, 0.75, 1.12, 1.5, 2.0, 2.5, 3.0])
    np.testing.assert_allclose(ec[:, 4:], back.ec["deep"], rtol=1e-15)
