"""Training-model generation (emiai_core.training_models) and the training-set file (training_set)."""
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from emiai_core import training_models as tm
from emiai_core.forward import forward_eca
from emiai_core.training_set import (
    FORMAT,
    TrainingSetError,
    load_training_set,
    save_training_set,
)

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tuwien_ert"
E12 = np.array(tm.REFERENCE_DEFAULTS["LAYER_EDGES"], dtype=float)
COILS = [f"{o}{s}f30000h0" for o in ("VCP", "HCP") for s in (0.32, 0.71, 1.18)]


def profile_cells(name):
    from emiai_core import ert

    folder = DATA / name
    if not folder.exists():
        pytest.skip(f"shared data not available: {folder}")
    return tm.ProfileCells.from_georeferenced(ert.load_profile_folder(folder, max_depth_m=4.0))


def synthetic_profile(name="S1", slope=0.2, n_el=40, spacing=1.0, rho_of_depth=None, seed=0):
    """A section over a steep slope whose resistivity depends on depth below the surface only."""
    rng = np.random.default_rng(seed)
    ed = np.arange(n_el) * spacing
    ez = 100.0 - slope * ed
    d = rng.uniform(0, ed[-1], 60000)
    depth = rng.uniform(0.0, 4.0, d.size)
    rho = rho_of_depth(depth) if rho_of_depth else 20.0 + 10.0 * depth
    return tm.ProfileCells(name, d, depth, rho, ed, ez, 1000.0 + ed, 5000.0 + 0 * ed)


# ---------------------------------------------------------------------------------------------
# resampling


def test_resampling_nested_layerings_keeps_the_cs_response():
    coarse = E12[::2]  # every other edge removed: 0, .24, .48, .72, .96, 1.2, 1.5
    assert coarse[-1] == 1.5
    rng = np.random.default_rng(1)
    ec6 = rng.uniform(0.005, 0.2, (200, 6))
    ec12 = tm.resample_layers(ec6, coarse, E12)  # the same models on the fine layering
    np.testing.assert_array_equal(ec12[:, ::2], ec6)
    back = tm.resample_layers(ec12, E12, coarse)
    np.testing.assert_allclose(back, ec6, rtol=0, atol=1e-15)
    np.testing.assert_allclose(forward_eca(back, coarse, COILS), forward_eca(ec12, E12, COILS), rtol=0, atol=1e-12)
    # nested with a deep extension too
    e_full = np.r_[E12, 2.0, 2.5, 3.0]
    c_full = np.r_[coarse, 2.0, 3.0]
    ec_c = rng.uniform(0.005, 0.2, (50, len(c_full) - 1))
    ec_f = tm.resample_layers(ec_c, c_full, e_full)
    np.testing.assert_allclose(forward_eca(tm.resample_layers(ec_f, e_full, c_full), c_full, COILS),
                               forward_eca(ec_f, e_full, COILS), rtol=0, atol=1e-12)


def test_resampling_preserves_conductance_and_uses_the_half_space():
    rng = np.random.default_rng(2)
    ec = rng.uniform(0.001, 0.5, (100, 12))
    for key in ("LAYER_EDGES_6", "LAYER_EDGES_4"):
        e = np.array(tm.REFERENCE_DEFAULTS[key])
        out = tm.resample_layers(ec, E12, e)
        np.testing.assert_allclose(out @ np.diff(e), ec @ np.diff(E12), rtol=1e-13)
    deeper = tm.resample_layers(ec, E12, [0.0, 1.5, 2.0, 3.0])
    np.testing.assert_allclose(deeper[:, 1:], np.repeat(ec[:, -1:], 2, axis=1))  # below 1.5 m: the half-space
    np.testing.assert_allclose(deeper[:, 0], ec @ np.diff(E12) / 1.5)
    w = tm.resampling_matrix(E12, [0.1, 0.7, 4.0])
    np.testing.assert_allclose(w.sum(axis=0), 1.0)
    np.testing.assert_allclose(tm.resample_layers(ec[0], E12, E12), ec[0])  # 1-D input, identity
    with pytest.raises(ValueError, match="strictly increasing"):
        tm.resample_layers(ec, E12, [0, 1.0, 0.5])
    with pytest.raises(ValueError, match="has 12 layers"):
        tm.resample_layers(ec, E12[:6], [0, 0.5])


def test_resampling_beats_the_reference_midpoint_interpolation():
    result = tm.generate_training_models([profile_cells("B2_1")], tm.GeneratorSettings(deep_layer_edges=None))
    ts = result.training_set
    ref = forward_eca(ts.ec["L12"], E12, COILS)
    mid12 = 0.5 * (E12[1:] + E12[:-1])
    rho12 = 1.0 / ts.ec["L12"]
    for name, key in (("L6", "LAYER_EDGES_6"), ("L4", "LAYER_EDGES_4")):
        e = np.array(tm.REFERENCE_DEFAULTS[key])
        ours = np.abs(forward_eca(ts.ec[name], e, COILS) / ref - 1)
        mid = 0.5 * (e[1:] + e[:-1])
        rho_ref = np.array([np.interp(mid, mid12, r) for r in rho12])  # reference section 2.8
        theirs = np.abs(forward_eca(1.0 / rho_ref, e, COILS) / ref - 1)
        assert np.all(np.median(ours, axis=0) < np.median(theirs, axis=0))
        assert np.all(np.percentile(ours, 95, axis=0) < np.percentile(theirs, 95, axis=0))


# ---------------------------------------------------------------------------------------------
# settings


def reference_config(**changes):
    cfg = {"PATH_DATA": "../data/ert/", "PATH_OUT": "../data/dl/training_data/",
           "FID_LIST": ["B1_1", "B1_2", "B2_1", "B2_2", "B3_1", "B3_2", "B4_1", "B5_1", "B6_1", "B6_2", "B7_1",
                        "B7_2", "B8_1"], "_FID_LIST": ["B8_1"],
           "_SMOOTHER": {"smoother": "savgol", "npoints": 3, "order": 2, "apply_all": False}}
    cfg.update(tm.REFERENCE_DEFAULTS)
    cfg.update(changes)
    return cfg


def test_defaults_are_the_reference_config():
    d = tm.GeneratorSettings().validate().to_dict()
    for key, value in tm.REFERENCE_DEFAULTS.items():
        assert d[key] == value, key
    notes = []
    s = tm.GeneratorSettings.from_dict(reference_config(), notes=notes).validate()
    assert s.fid_list[0] == "B1_1" and len(s.fid_list) == 13
    assert any("_FID_LIST" in n and "PATH_DATA" in n for n in notes)
    shipped = tm.GeneratorSettings.from_dict(tm.SHIPPED_SETTINGS)
    assert (shipped.nmodels, shipped.nextraction_range, shipped.exag_factors, shipped.n0_scaler) == (
        140, (8, 10), (5.0, 10.0), 1.5)


@pytest.mark.parametrize("changes, message", [
    ({"EXTRACTION_WIDHT_SCALER": 2}, "Unknown setting key.*'EXTRACTION_WIDHT_SCALER' \\(did you mean 'EXTRACTION_WIDTH_SCALER'"),
    ({"BOUNDS": [1000, 0.01]}, "BOUNDS: must be two resistivities 0 < lo < hi"),
    ({"BOUNDS": [5, 5]}, "BOUNDS"),
    ({"DEPTH": 2.0}, "DEPTH: 2 m must equal the last LAYER_EDGES value"),
    ({"NLAYERS": 6}, "NLAYERS: 6 does not match LAYER_EDGES"),
    ({"NEXTRACTION_RANGE": [9, 3]}, "NEXTRACTION_RANGE"),
    ({"SMOOTHER": {"smoother": "savgol", "npoints": 3, "order": 2}}, "leaves the profile unchanged"),
    ({"SMOOTHER": {"smoother": "convolve", "points": 3}}, "SMOOTHER: unknown key"),
    ({"LAYER_EDGES_6": [0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0, 1.1, 1.2, 1.3, 1.4, 1.5]}, "LAYER_EDGES_6 has 12 layers"),
    ({"DEEP_LAYER_EDGES": [1.0, 2.0]}, "DEEP_LAYER_EDGES: must start at 1.5 m"),
    ({"LAYER_EDGES": [0, .12, .24, .36, .48, .6, .72, .84, .96, 1.2, 1.08, 1.32, 1.5]}, "LAYER_EDGES: depths must increase"),
    ({"DISTRIBUTION": "lognormal"}, "DISTRIBUTION: must be one of"),
    ({"NMODELS": 2.5}, "NMODELS: must be a whole number"),
    ({"REVERSE": "yes"}, "REVERSE: must be true or false"),
])
def test_bad_settings_are_named(changes, message):
    with pytest.raises(tm.GeneratorSettingsError, match=message):
        tm.GeneratorSettings.from_dict(reference_config(**changes)).validate()


def test_settings_json_file(tmp_path):
    p = tmp_path / "config.json"
    p.write_text(json.dumps(reference_config(NMODELS=5, SEED=7, DEEP_LAYER_EDGES=[])))
    s = tm.GeneratorSettings.from_json(p).validate()
    assert s.nmodels == 5 and s.seed == 7 and s.deep_layer_edges is None
    p.write_text(json.dumps({"NMODEL": 5}))
    with pytest.raises(tm.GeneratorSettingsError, match=r"config.json: Unknown setting key\(s\): 'NMODEL'"):
        tm.GeneratorSettings.from_json(p)
    p.write_text("{not json")
    with pytest.raises(tm.GeneratorSettingsError, match="not valid JSON"):
        tm.GeneratorSettings.from_json(p)


# ---------------------------------------------------------------------------------------------
# the steps


def test_bin_statistics_match_scipy_binned_statistic():
    from scipy.stats import binned_statistic

    rng = np.random.default_rng(3)
    d = np.r_[rng.uniform(0, 2, 500), 1.5, 0.0, 0.12]
    v = rng.uniform(5, 50, d.size)
    mean, std, count = tm.bin_statistics(d, v, E12)
    np.testing.assert_allclose(mean, binned_statistic(d, v, "mean", E12).statistic)
    np.testing.assert_allclose(std, binned_statistic(d, v, "std", E12).statistic, atol=1e-12)
    assert count.sum() == np.sum(d <= 1.5)  # the last bin is closed, deeper cells ignored
    mean, std, count = tm.bin_statistics([0.5], [10.0], E12)
    assert count.sum() == 1 and np.isnan(mean).sum() == 11


def test_convolve_smoother_is_the_reference_edge_normalised_mean():
    v = np.array([1.0, 2.0, 4.0, 8.0, 16.0])
    out = tm.smooth(v, tm.SmootherSettings("convolve", 3))
    np.testing.assert_allclose(out, [1.5, 7 / 3, 14 / 3, 28 / 3, 12.0])
    np.testing.assert_allclose(tm.smooth(v, tm.SmootherSettings("convolve", 2)), out)  # even → odd
    np.testing.assert_allclose(tm.smooth(v, tm.SmootherSettings("none")), v)


def test_drawn_models_follow_the_reference_rule():
    s = tm.GeneratorSettings(nmodels=4000, exag_factors=(5.0, 10.0), bounds=(0.01, 1000.0))
    m = np.array([20.0, 25.0, 25.0, 18.0, 990.0, 30.0])
    sd = np.array([2.0, 1.0, 3.0, 1.5, 5.0, 1.0])
    direction = tm.direction_vector(m, True)
    np.testing.assert_array_equal(direction, [1, 0, -1, 1, -1, -1])
    models, kind = tm.draw_models(m, sd, direction, s, np.random.default_rng(0))
    assert models.shape == (8001, 6) and kind[0] == 0 and np.all(kind[1::2] == 1) and np.all(kind[2::2] == 2)
    np.testing.assert_array_equal(models[0], m)
    fwd, rev = models[1::2], models[2::2]
    assert np.all(fwd[:, 0] >= m[0]) and np.all(fwd[:, 0] <= m[0] + 10 * sd[0])  # up: towards the deeper trend
    assert np.all(rev[:, 0] <= m[0]) and np.all(rev[:, 0] >= m[0] - 5 * sd[0])  # reverse partner: down
    assert np.all(fwd[:, 1] == m[1]) and np.all(rev[:, 1] == m[1])  # flat layer: not perturbed
    assert np.all(fwd[:, 3] >= m[3]) and np.all(rev[:, 3] <= m[3])
    # layer 4's up envelope crosses hi: spread capped at 0.1·(hi − m), values stay ≤ hi
    assert np.all(rev[:, 4] <= 1000.0) and rev[:, 4].max() > 999.0
    # Z ~ N(0, 1) truncated to [0, 1] (reference: KS 0.003 against truncnorm(0, 1))
    from scipy import stats

    z = (fwd[:, 0] - m[0]) / (10 * sd[0])
    assert stats.kstest(z, stats.truncnorm(0, 1).cdf).statistic < 0.03
    assert abs(z.mean() - 0.4599) < 0.01


def test_bounds_are_robust():
    s = tm.GeneratorSettings(nmodels=500, exag_factors=(15.0, 15.0), bounds=(1.0, 100.0))
    m, sd, notes = tm.preprocess_average(np.array([150.0, 50.0, 0.5, 20.0]), np.array([5.0, 0.0, 1.0, np.nan]),
                                         [0, 1, 2, 3, 4], replace(s, smoother=tm.SmootherSettings("none")))
    assert m[0] == 100.0 and m[2] == 1.0 and any("outside BOUNDS" in n for n in notes)
    assert sd[1] >= 0.1 and np.isfinite(sd).all()
    direction = np.array([1, 1, -1, 1], dtype=np.int8)
    models, _ = tm.draw_models(m, sd, direction, s, np.random.default_rng(1))
    assert np.isfinite(models).all() and models.min() >= 1.0 and models.max() <= 100.0
    u = tm.GeneratorSettings(nmodels=500, distribution="uniform", exag_factors=(15.0, 15.0), bounds=(1.0, 100.0))
    models, _ = tm.draw_models(np.array([95.0, 2.0, 50.0]), np.array([3.0, 3.0, 3.0]), np.array([1, -1, 0]), u,
                               np.random.default_rng(2))
    assert models.min() >= 1.0 and models.max() <= 100.0
    zero = tm.preprocess_average(np.array([10.0, 11.0]), np.array([0.0, 0.0]), [0, 1, 2], tm.GeneratorSettings(
        nend_scaler=1.0, layer_edges=(0, 1.0, 2.0), depth=2.0, layer_edges_6=None, layer_edges_4=None,
        deep_layer_edges=None))[1]
    assert np.all(zero >= 0.1)  # a zero median std never gives a zero scale


def test_boxes_do_not_overlap_and_skip_both_ends():
    ed = np.arange(72) * 1.0
    first, last = tm.usable_range(ed, 4, 1.5)
    assert (first, last) == (4.75, 66.25)  # electrodes 5 … 68: four skipped at each end
    for seed in range(50):
        c, n = tm.choose_extraction_positions(np.random.default_rng(seed), (5, 15), first, last, 1.5)
        assert 5 <= len(c) == n <= 15 and np.all(np.diff(c) >= 1.5 - 1e-12)
        assert c.min() >= first and c.max() <= last
    c, n = tm.choose_extraction_positions(np.random.default_rng(0), (30, 40), 4.75, 14.75, 1.5)
    assert n >= 30 and len(c) == 7 and np.all(np.diff(c) >= 1.5 - 1e-12)  # fewer fit: 7 boxes
    with pytest.raises(tm.GenerationError, match="wider than the usable profile"):
        tm.usable_range(np.arange(12) * 1.0, 4, 3.5, "P")
    with pytest.raises(tm.GenerationError, match="leaving no usable line"):
        tm.usable_range(np.arange(8) * 1.0, 4, 1.0, "P")


def test_too_many_boxes_are_reported():
    p = synthetic_profile(n_el=20)
    r = tm.generate_training_models([p], tm.GeneratorSettings(nmodels=2, nextraction_range=(20, 20)))
    assert len(r.locations) == 7 and any("only 7" in n and "took 7" in n for n in r.notes)


def test_depth_is_below_the_real_surface_and_depth_is_honoured():
    layer_rho = np.array([10, 12, 15, 19, 24, 30, 37, 45, 54, 64, 75, 87, 100, 120, 150.0])
    full = np.r_[E12, 2.0, 2.5, 3.0]

    def rho_of_depth(z):
        i = np.clip(np.searchsorted(full, z, side="right") - 1, 0, len(layer_rho) - 1)
        return layer_rho[i]

    p = synthetic_profile(slope=0.3, rho_of_depth=rho_of_depth)
    s = tm.GeneratorSettings(nmodels=3, smoother=tm.SmootherSettings("none"))
    r = tm.generate_training_models([p], s)
    for loc in r.locations:
        np.testing.assert_allclose(loc.bin_mean_ohmm, layer_rho)  # no mixing despite the 30 % slope
        np.testing.assert_allclose(loc.bin_std_ohmm, 0.0)
        assert p.depth_m[loc.cell_index].max() <= 3.0  # boxes end at the deepest edge
        # the reference's depth (below the highest cell of the box) mixes layers on this slope
        z = p.elevation_m[loc.cell_index]
        _, ref_std, _ = tm.bin_statistics(z.max() - z, p.resistivity_ohmm[loc.cell_index], full)
        assert np.nanmax(ref_std) > 1.0
    ts = r.training_set
    assert ts.ec["deep"].shape == (ts.n_models, 3)
    np.testing.assert_allclose(1 / ts.ec["L12"][ts.is_average_model], np.tile(layer_rho[:12], (len(r.locations), 1)))
    np.testing.assert_allclose(1 / ts.ec["deep"][ts.is_average_model][0], layer_rho[12:])


def test_n0_thickness_is_the_minimum_top_layer_thickness():
    edges = (0, 0.05, 0.1, 0.2, 0.5, 1.0, 1.5)
    s = tm.GeneratorSettings(layer_edges=edges, n0_thickness=0.15, n0_offset=5.0, nmodels=50, layer_edges_6=None,
                             layer_edges_4=None, deep_layer_edges=None)
    assert s.n0_unit_layers() == 3  # tops 0, 0.05, 0.1 < 0.15 m
    r = tm.generate_training_models([synthetic_profile()], s)
    rho = 1 / r.training_set.ec["L6"]
    assert np.all(rho[:, 0] == rho[:, 1]) and np.all(rho[:, 1] == rho[:, 2]) and np.any(rho[:, 2] != rho[:, 3])
    loc = r.locations[0]
    cells = r.cells["S1"]
    top = cells.resistivity_ohmm[loc.cell_index][cells.depth_m[loc.cell_index] < 0.2]
    assert loc.bin_mean_ohmm[0] == pytest.approx(top.mean())  # binned as one unit
    assert tm.GeneratorSettings().n0_unit_layers() == 1  # reference layering: layer 0 alone


# ---------------------------------------------------------------------------------------------
# whole runs and the file


def test_generation_on_real_profiles(tmp_path):
    profiles = [profile_cells("B1_1"), profile_cells("B5_1")]
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
    assert set(np.unique(ts.profile)) == {"B1_1", "B5_1"}
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


def test_same_seed_same_bytes_and_independent_profiles(tmp_path):
    a, b = synthetic_profile("A", seed=1), synthetic_profile("B", seed=2)
    s = tm.GeneratorSettings(nmodels=20, seed=11)
    p1 = save_training_set(tmp_path / "1.npz", tm.generate_training_models([a, b], s).training_set)
    p2 = save_training_set(tmp_path / "2.npz", tm.generate_training_models([a, b], s).training_set)
    assert p1.read_bytes() == p2.read_bytes()
    p3 = save_training_set(tmp_path / "3.npz", tm.generate_training_models([a, b], replace(s, seed=12)).training_set)
    assert p3.read_bytes() != p1.read_bytes()
    only_a = tm.generate_training_models([a], s).training_set
    both = load_training_set(p1)
    np.testing.assert_array_equal(only_a.ec["L12"], both.ec["L12"][both.profile == "A"])


def test_empty_boxes_are_dropped_and_empty_everywhere_fails():
    p = synthetic_profile(n_el=30)
    deep_only = tm.ProfileCells("D", p.distance_m, p.depth_m + 10.0, p.resistivity_ohmm, p.electrode_distance_m,
                                p.electrode_elevation_m)
    with pytest.raises(tm.GenerationError, match="Bins empty everywhere"):
        tm.generate_training_models([deep_only], tm.GeneratorSettings(nmodels=2))
    holey = tm.ProfileCells("H", p.distance_m, p.depth_m, p.resistivity_ohmm, p.electrode_distance_m,
                            p.electrode_elevation_m)
    keep = ~((holey.distance_m > 10) & (holey.distance_m < 20))
    holey = tm.ProfileCells("H", p.distance_m[keep], p.depth_m[keep], p.resistivity_ohmm[keep],
                            p.electrode_distance_m, p.electrode_elevation_m)
    r = tm.generate_training_models([holey], tm.GeneratorSettings(nmodels=2, nextraction_range=(12, 12), seed=5))
    dropped = [n for n in r.notes if "dropped" in n]
    assert dropped and len(r.locations) == 12 - len(dropped)


def test_training_set_validation(tmp_path):
    r = tm.generate_training_models([synthetic_profile()], tm.GeneratorSettings(nmodels=2))
    ts = r.training_set
    path = save_training_set(tmp_path / "ok.npz", ts)
    ts.ec["L12"] = ts.ec["L12"].copy()
    ts.ec["L12"][3, 2] = -1.0
    with pytest.raises(TrainingSetError, match=r"ec_L12\[3, 2\] = -1.0"):
        save_training_set(tmp_path / "bad.npz", ts)
    assert not (tmp_path / "bad.npz").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["ok.npz"]
    arrays = dict(np.load(path, allow_pickle=False))
    header = json.loads(str(arrays["header"][()]))
    header["format_version"] = 2
    arrays["header"] = np.array(json.dumps(header))
    np.savez(tmp_path / "v2.npz", **arrays)
    with pytest.raises(TrainingSetError, match="format_version 2 is not supported"):
        load_training_set(tmp_path / "v2.npz")
    arrays["header"] = np.array(json.dumps({**header, "format_version": 1}))
    arrays["ec_L6"] = arrays["ec_L6"][:-1]
    np.savez(tmp_path / "short.npz", **arrays)
    with pytest.raises(TrainingSetError, match="ec_L6 has shape"):
        load_training_set(tmp_path / "short.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(TrainingSetError, match="no 'header' entry"):
        load_training_set(tmp_path / "other.npz")
