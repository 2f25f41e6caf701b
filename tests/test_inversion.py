"""emiai_core.inversion: Jacobians, the LM refinement and the inversion without a network, and
predictec's refinement methods."""
import numpy as np
import pytest

from emiai_core import inversion as inv
from emiai_core.forward import forward_eca
from emiai_core.instruments import instrument
from emiai_core.layering import REFERENCE_EDGES

COILS = instrument("CMD-MiniExplorer").coils_at(0.0)  # VCP and HCP 0.32 / 0.71 / 1.18 m
EDGES = np.r_[REFERENCE_EDGES["L12"], 3.0]  # 12 layers + the half-space below 1.5 m


def smooth_models(n, seed=0):
    rng = np.random.default_rng(seed)
    z = 0.5 * (EDGES[:-1] + EDGES[1:])
    return 10 ** (-1.7 + 0.4 * np.sin(z[None, :] * rng.uniform(1, 4, (n, 1)) + rng.uniform(0, 6, (n, 1))))


def test_cs_jacobian_is_exact_and_fs_jacobian_matches_differences():
    m = np.log10(smooth_models(4))
    f, jac = inv.jacobian(m, EDGES, COILS, "CS")
    # d ln(ECa_c) / d log10(EC_j) = ln 10 * EC_j * W_jc / ECa_c (ECa = EC @ W)
    from emiai_core.forward import cs_sensitivity

    w = cs_sensitivity(EDGES, COILS)
    ec = 10 ** m
    expected = np.log(10) * ec[:, None, :] * w.T[None] / (ec @ w)[:, :, None]
    np.testing.assert_allclose(jac, expected, rtol=1e-12)
    np.testing.assert_allclose(f, np.log(forward_eca(ec, EDGES, COILS, "CS")), rtol=1e-12)
    _, jfs = inv.jacobian(m, EDGES, COILS, "FSlin", fd_step=1e-3)
    h = 1e-5  # central differences with a smaller step
    central = np.stack([(inv.log_forward(m + h * np.eye(13)[j], EDGES, COILS, "FSlin")
                         - inv.log_forward(m - h * np.eye(13)[j], EDGES, COILS, "FSlin")) / (2 * h)
                        for j in range(13)], axis=2)
    assert np.max(np.abs(jfs - central)) < 2e-3 * np.max(np.abs(central))
    # at these low induction numbers FSlin is close to CS: the layer sensitivities agree to a few
    # percent (the half-space column, where induction matters most, to 20 %)
    assert np.median(np.abs(jfs - jac) / np.abs(jac)) < 0.05
    assert np.max(np.abs(jfs - jac)) < 0.2 * np.max(np.abs(jac))


def test_refinement_fits_exact_data_and_never_increases_the_objective():
    true = smooth_models(200, seed=1)
    d = forward_eca(true, EDGES, COILS, "FSlin")
    start = true * 10 ** np.random.default_rng(2).normal(0, 0.15, true.shape)  # a network's error
    st = inv.InversionSettings(n_iter=6, vertical_smoothing=0.1, prior_weight=0.0, noise_relative=0.01)
    out = inv.refine(d, start, EDGES, COILS, st)
    assert np.median(out.misfit_start_pct) > 5.0
    assert np.median(out.misfit_pct) < 0.3 and np.all(out.misfit_pct <= out.misfit_start_pct + 1e-9)
    phi0 = inv._objective(inv.log_forward(np.log10(start), EDGES, COILS, "FSlin"), np.log(d), np.log10(start),
                          np.log10(start), 0.01, 0.1, 0.0, inv._difference_matrix(13))
    assert np.all(out.phi <= phi0 + 1e-12)
    assert np.all(out.n_accepted >= 1)


def test_inversion_from_a_homogeneous_start_beats_the_homogeneous_model():
    true = smooth_models(300, seed=3)
    rng = np.random.default_rng(4)
    d = forward_eca(true, EDGES, COILS, "FSlin") * (1 + 0.02 * rng.standard_normal((300, 6)))
    out = inv.invert(d, EDGES, COILS, inv.InversionSettings(n_iter=8, noise_relative=0.02))
    err = np.sqrt(np.mean((np.log10(out.ec[:, :12]) - np.log10(true[:, :12])) ** 2))
    hom = inv.homogeneous_start(d, 13)
    err_hom = np.sqrt(np.mean((np.log10(hom[:, :12]) - np.log10(true[:, :12])) ** 2))
    assert err < 0.85 * err_hom
    assert np.median(out.misfit_pct) < 2.5  # down to the 2 % noise
    assert np.all((out.ec >= 1e-4) & (out.ec <= 10.0))


def test_predict_survey_refine_and_invert_methods():
    from emiai_core.model_file import default_model_path, load_model
    from emiai_core.prediction import predict_survey

    model = load_model(default_model_path())  # the published cascade (12 layers, no half-space)
    true = smooth_models(40, seed=5)[:, :12]
    eca = forward_eca(true, REFERENCE_EDGES["L12"], model.measured_coils, "FSlin") * 1000.0
    net = predict_survey(model, eca, "drop", "FSlin")
    ref = predict_survey(model, eca, "drop", "FSlin", method="refine", add_coarse=True)
    assert "NET_MISFIT_PCT" in ref.values and "NET_MISFIT_PCT" not in net.values
    np.testing.assert_allclose(ref.values["NET_MISFIT_PCT"], net.values["MISFIT_PCT"], rtol=1e-12)
    assert np.median(ref.values["MISFIT_PCT"]) < np.median(net.values["MISFIT_PCT"])
    # the coarse layerings (6 then 4 layers) follow the refined fine model (conductance preserved)
    from emiai_core.layering import resample_layers

    fine = np.column_stack([ref.values[n] for n in ref.layer_fields[:12]])
    assert ref.layer_fields[12] == "EC_000_025" and ref.layer_fields[18] == "EC_000_037"
    np.testing.assert_allclose(np.column_stack([ref.values[n] for n in ref.layer_fields[18:22]]),
                               resample_layers(fine, REFERENCE_EDGES["L12"], REFERENCE_EDGES["L4"]), rtol=1e-10)
    # FIT_FLAG: the published cascade has no noise level: 3 % is assumed, flag above 6 %
    np.testing.assert_array_equal(ref.values["FIT_FLAG"], (ref.values["MISFIT_PCT"] > 6.0).astype(int))
    # a refinement that fails numerically keeps the network's model and says so (FIT_FLAG 2)
    import emiai_core.inversion as inversion_module

    real_refine = inversion_module.refine

    def broken(*args, **kw):
        out = real_refine(*args, **kw)
        out.ec[0] = np.nan
        return out

    inversion_module.refine = broken
    try:
        bad = predict_survey(model, eca, "drop", "FSlin", method="refine")
    finally:
        inversion_module.refine = real_refine
    assert bad.values["FIT_FLAG"][0] == 2 and np.all(np.isfinite(bad.values["EC_000_012"]))
    assert bad.values["EC_000_012"][0] == pytest.approx(net.values["EC_000_012"][0])
    assert any("refinement failed" in w for w in bad.warnings)
    invd = predict_survey(model, eca, "drop", "FSlin", method="invert")
    assert np.median(invd.values["MISFIT_PCT"]) < 3.0
    with pytest.raises(ValueError, match="Unknown method 'magic'"):
        predict_survey(model, eca, method="magic")


def test_predictec_method_parameter(run_alg, tmp_path):
    from helpers_layers import point_layer, read_layer

    true = smooth_models(10, seed=6)[:, :12]
    eca = forward_eca(true, REFERENCE_EDGES["L12"], COILS[:3], "FSlin") * 1000.0
    layer = point_layer(np.arange(10.0), np.zeros(10), {f"VCP{s}": eca[:, k] for k, s in enumerate(("0.32", "0.71",
                                                                                                   "1.18"))})
    # unrelated random models 1 m apart: no line to smooth along (LATERAL 0)
    res = run_alg("emiai:predictec", {"INPUT": layer, "EMBEDDED_MODEL": 2, "METHOD": 1, "LATERAL": 0,
                                      "OUTPUT": str(tmp_path / "r.gpkg")})
    names, rows, _ = read_layer(str(tmp_path / "r.gpkg"))
    assert res["MODEL_NAME"] == "emiai_tuwien_site_cmd_miniexplorer_vcp"
    assert {"NET_MISFIT_PCT", "MISFIT_PCT", "ECSTD_000_012", "EC_HS_150"} <= set(names)
    assert np.median([r["MISFIT_PCT"] for r in rows]) <= np.median([r["NET_MISFIT_PCT"] for r in rows])


def test_predictec_lateral_constraints_by_default_along_a_line(run_alg, tmp_path):
    """By default (LATERAL 100) consecutive points of a line are refined together: on a slowly
    changing line the result differs from LATERAL 0, is smoother along the line and still fits
    the data to the noise; the same holds through api.predict."""
    from helpers_layers import point_layer, read_layer

    from emiai_core.inversion import DEFAULT_LATERAL_SMOOTHING

    x = np.arange(80) * 0.5
    z = 0.5 * (EDGES[:-1] + EDGES[1:])
    true = 10 ** (-1.6 + 0.3 * np.sin(z[None, :] * 2.5 + x[:, None] / 15.0))
    eca = forward_eca(true, EDGES, COILS[:3], "FSlin") * 1000.0
    eca *= 1 + 0.03 * np.random.default_rng(3).standard_normal(eca.shape)
    layer = point_layer(x, np.zeros(80), {f"VCP{s}": eca[:, k] for k, s in enumerate(("0.32", "0.71", "1.18"))})
    out = {}
    for lat in (None, 0):
        params = {"INPUT": layer, "EMBEDDED_MODEL": 2, "OUTPUT": str(tmp_path / f"r{lat}.gpkg")}
        if lat is not None:
            params["LATERAL"] = lat
        run_alg("emiai:predictec", params)
        _, rows, _ = read_layer(str(tmp_path / f"r{lat}.gpkg"))
        out[lat] = (np.log10([[r["EC_120_132"], r["EC_132_150"]] for r in rows]), [r["MISFIT_PCT"] for r in rows])
    rough = {k: np.mean(np.abs(np.diff(v[0], axis=0))) for k, v in out.items()}
    assert DEFAULT_LATERAL_SMOOTHING == 100.0 and rough[None] < 0.5 * rough[0]
    assert np.median(out[None][1]) < 4.0
    # the core counts the coupled pairs: a 3 m gap after point 39 breaks the line
    from emiai_core.model_file import embedded_model_path, load_model
    from emiai_core.prediction import predict_survey

    model = load_model(embedded_model_path("emiai_tuwien_site_cmd_miniexplorer_vcp"))
    xg = x + 3.0 * (np.arange(80) >= 40)
    pred = predict_survey(model, eca, method="refine", xy=np.column_stack([xg, np.zeros(80)]),
                          lateral_smoothing=DEFAULT_LATERAL_SMOOTHING)
    assert pred.n_lateral_pairs == 78


def test_lateral_constraints_along_a_line_lower_the_error():
    """A survey line over ground that changes slowly along it: coupling neighbours (0.5 m apart)
    averages the independent 3 % noise of adjacent soundings."""
    coils = instrument("CMD-MiniExplorer").coils_at(0.0, ("VCP",))
    z = 0.5 * (EDGES[:-1] + EDGES[1:])
    x = np.arange(200) * 0.5
    true = 10 ** (-1.7 + 0.3 * np.sin(z[None, :] * 2.5 + x[:, None] / 15.0) + 0.1 * np.cos(x[:, None] / 7))
    d = forward_eca(true, EDGES, coils, "FSlin") * (1 + 0.03 * np.random.default_rng(1).standard_normal((200, 3)))
    st = inv.InversionSettings(n_iter=6, vertical_smoothing=3.0, prior_weight=0.01)

    def err(ec):
        return np.sqrt(np.mean((np.log10(ec[:, :12]) - np.log10(true[:, :12])) ** 2))

    pairs = inv.line_neighbours(x, np.zeros(200), 0.6)
    assert len(pairs) == 199 and len(inv.line_neighbours(x, np.zeros(200), 0.4)) == 0  # 0.5 m apart
    alone = inv.invert(d, EDGES, coils, st)
    coupled = inv.refine_lateral(d, inv.homogeneous_start(d, 13), EDGES, coils, pairs, 10.0, st)
    assert err(coupled.ec) < 0.85 * err(alone.ec)
    assert np.median(coupled.misfit_pct) < 3.0  # still fits the data to the noise
    # without neighbours (no pairs) the coupled solver is a plain refinement
    free = inv.refine_lateral(d[:20], inv.homogeneous_start(d[:20], 13), EDGES, coils, np.empty((0, 2)), 10.0, st)
    assert np.median(free.misfit_pct) < 1.0


def test_lateral_damping_is_per_line_and_lone_soundings_are_plain_refinements():
    """Lines do not interact: refining two lines together gives each line exactly what refining it
    alone gives, even when the other line's data cannot be fitted (its rejected steps and larger
    damping stay its own); soundings without neighbours get refine()'s answer."""
    coils = instrument("CMD-MiniExplorer").coils_at(0.0, ("VCP",))
    x = np.arange(60) * 0.5
    true = 10 ** (-1.5 + 0.2 * np.sin(x[:, None] / 4.0) + 0.1 * np.arange(13)[None, :] / 13)
    d = forward_eca(true, EDGES, coils, "FSlin") * (1 + 0.03 * np.random.default_rng(2).standard_normal((60, 3)))
    d[30:] *= np.array([30.0, 1.0, 0.05])  # second line: data no layered earth explains
    pairs = inv.line_neighbours(x, np.zeros(60), 0.6)
    pairs = pairs[pairs[:, 0] != 29]  # two lines: 0-29 and 30-59
    st = inv.InversionSettings(n_iter=3)
    start = inv.homogeneous_start(d, 13)
    both = inv.refine_lateral(d, start, EDGES, coils, pairs, 100.0, st)
    first = inv.refine_lateral(d[:30], start[:30], EDGES, coils, pairs[pairs[:, 1] < 30], 100.0, st)
    np.testing.assert_allclose(both.ec[:30], first.ec, rtol=1e-7)  # the forward window depends on the batch
    assert both.n_accepted[:30].min() >= 2 and np.median(first.misfit_pct) < 3.5
    assert np.median(both.misfit_pct[30:]) > 20.0  # the other line could not be fitted
    lone = inv.refine_lateral(d[:10], start[:10], EDGES, coils, np.empty((0, 2)), 100.0, st)
    np.testing.assert_allclose(lone.ec, inv.refine(d[:10], start[:10], EDGES, coils, st).ec, rtol=1e-7)


def test_pair_weights_keep_the_constraint_per_metre_of_line():
    """Weights are 0.5 m / distance (a random-walk prior along the line), closer than 5 cm counts
    as 5 cm; invalid weights are refused."""
    x = np.array([0.0, 0.5, 1.5, 1.5, 1.52])
    pairs = inv.line_neighbours(x, np.zeros(5), 2.0)
    np.testing.assert_allclose(inv.pair_weights(x, np.zeros(5), pairs), [1.0, 0.5, 10.0, 10.0])
    coils = instrument("CMD-MiniExplorer").coils_at(0.0, ("VCP",))
    d = np.full((5, 3), 0.02)
    with pytest.raises(ValueError, match="weights"):
        inv.refine_lateral(d, inv.homogeneous_start(d, 13), EDGES, coils, pairs, 1.0, weights=[1.0, -1.0, 1, 1])


def test_refine_falls_back_to_the_inversion_where_the_network_start_cannot_fit(monkeypatch):
    """Far outside the training range the network's start can sit in the wrong valley: where the
    refined model misses the data by more than twice the noise, the inversion without the network
    is run too and the better-fitting model kept (never a worse fit than either)."""
    from emiai_core import prediction
    from emiai_core.forward import forward_eca
    from emiai_core.model_file import embedded_model_path, load_model

    model = load_model(embedded_model_path("emiai_tuwien_site_cmd_miniexplorer_vcp"))
    edges = np.r_[model.layer_edges, 3.0]
    rng = np.random.default_rng(4)
    n = 40
    ec = np.empty((n, len(edges) - 1))
    ec[:, :4] = 10 ** rng.uniform(-3.0, -2.5, (n, 1))  # a resistive top (1-3 mS/m) over …
    ec[:, 4:] = 10 ** rng.uniform(0.0, 0.5, (n, 1))  # … a base of 1-3 S/m: nothing like the training site
    eca = forward_eca(ec, edges, model.measured_coils, "FSlin") * 1000.0
    monkeypatch.setattr(prediction, "FALLBACK_NOISE_FACTOR", 1e9)
    plain = prediction.predict_survey(model, eca, method="refine")
    monkeypatch.undo()
    inv = prediction.predict_survey(model, eca, method="invert")
    best = prediction.predict_survey(model, eca, method="refine")
    assert best.counts()["N_INVERTED"] > 0 and plain.counts()["N_INVERTED"] == 0
    assert np.all(best.misfit_pct <= plain.misfit_pct + 1e-9)
    replaced = best.misfit_pct < plain.misfit_pct
    np.testing.assert_allclose(best.misfit_pct[replaced], inv.misfit_pct[replaced], rtol=1e-9)
    assert np.median(best.misfit_pct) < np.median(plain.misfit_pct)
    assert any("inversion without the network" in w for w in best.warnings)


def test_solve_spd_matches_lapack_and_flags_indefinite_systems():
    """The vectorised Cholesky solve gives np.linalg.solve's answer on SPD systems (to rounding) and
    NaN, not a wrong number, where a system is not positive definite."""
    rng = np.random.default_rng(5)
    a = rng.standard_normal((50, 13, 13))
    a = a @ a.transpose(0, 2, 1) + 0.1 * np.eye(13)
    b = rng.standard_normal((50, 13))
    np.testing.assert_allclose(inv.solve_spd(a, b), np.linalg.solve(a, b[..., None])[..., 0], rtol=1e-7, atol=1e-9)
    a[3] = -np.eye(13)
    x = inv.solve_spd(a, b)
    assert np.isnan(x[3]).all() and np.isfinite(x[[0, 4]]).all()


def test_line_blocks_never_cut_a_line():
    """predictec solves the lateral system in blocks of whole lines: every pair stays inside one
    block, the blocks cover every sounding once, and a single long line stays one block."""
    from emiai_core.prediction import _line_blocks

    rng = np.random.default_rng(7)
    for n_blocks in (1, 3, 10):
        gaps = set(rng.choice(4999, 40, replace=False).tolist())
        pairs = np.array([[i, i + 1] for i in range(4999) if i not in gaps])
        blocks = _line_blocks(5000, pairs, n_blocks)
        assert blocks[0][0] == 0 and blocks[-1][1] == 5000
        assert all(a[1] == b[0] for a, b in zip(blocks[:-1], blocks[1:]))
        assert len(blocks) <= n_blocks
        block_of = np.concatenate([np.full(b - a, k) for k, (a, b) in enumerate(blocks)])
        assert np.all(block_of[pairs[:, 0]] == block_of[pairs[:, 1]])
    one_line = np.column_stack([np.arange(999), np.arange(1, 1000)])
    assert _line_blocks(1000, one_line, 10) == [(0, 1000)]
