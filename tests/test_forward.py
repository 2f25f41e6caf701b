"""The forward engine (CS, FSlin, FSeq) against EMagPy 1.4.5, its limits, memory bound and bad input.

EMagPy's full solution is slow (a Python loop per model), so its FSlin/FSeq answers for 1,200 models
are cached in tests/data/forward_golden.npz (made by tests/data/make_forward_golden.py); a few dozen
models are also checked live. CS is compared live on 300 rows of the reference training set
(tests/data/reference_training_rows.npz; the check: tests/realdata_checks/forward.py, which
benchmarks/shared_checks/test_full_forward.py runs on the whole set) and on random models.
"""
import tracemalloc

import numpy as np
import pytest

from conftest import data_file
from emiai_core import fullsolution as fs
from emiai_core.forward import add_noise, cs_sensitivity, forward_eca
from emiai_core.instruments import INSTRUMENTS, Coil
from realdata_checks import forward as checks
from realdata_checks.forward import MINI, TRAIN_EDGES, emagpy_forward


def random_models(rng, n, n_layers):
    ec = 10 ** rng.uniform(-3, 0, (n, n_layers))  # 1-1000 mS/m
    thick = 10 ** rng.uniform(np.log10(0.03), 0, (n, n_layers))
    return ec, np.c_[np.zeros(n), np.cumsum(thick, axis=1)]


# ------------------------------------------------------------------------------------------ CS
def test_cs_reproduces_training_set():
    with np.load(data_file("reference_training_rows.npz"), allow_pickle=False) as z:
        ec = z["ec_L12"]
        ref = np.c_[z["eca_vcp_mini"], z["eca_hcp_mini"]]
    assert ec.shape == (300, 12)
    checks.cs_reproduces_training_set(ec, ref, n_per_model=300, chunk_size=70, n_live=300)


def test_cs_matches_emagpy_random_models_all_presets():
    rng = np.random.default_rng(7)
    n_total, worst = 0, 0.0
    for key, inst in INSTRUMENTS.items():
        for h in (0.0, 0.15, 0.5, 1.0):
            ec, edges = random_models(rng, 40, int(rng.integers(4, 31)))
            coils = inst.coils_at(h)
            rel = np.abs(forward_eca(ec, edges, coils, "CS") / emagpy_forward("CS", ec, edges, coils) - 1)
            worst, n_total = max(worst, rel.max()), n_total + len(ec)
    assert n_total >= 1000
    assert worst <= 1e-9


def test_cs_weights_and_height():
    w = cs_sensitivity(TRAIN_EDGES, MINI)
    assert w.shape == (12, 6)
    np.testing.assert_allclose(w.sum(axis=0), 1.0, rtol=0, atol=1e-15)  # on the ground
    raised = [c.at_height(0.3) for c in MINI]
    # EMagPy (fCS, rescaled=False): a raised instrument over a half-space reads EC * R(h/s) < EC
    r = [np.sqrt(4 * (0.3 / c.coil_spacing) ** 2 + 1) - 2 * 0.3 / c.coil_spacing if c.orientation == "VCP"
         else 1 / np.sqrt(4 * (0.3 / c.coil_spacing) ** 2 + 1) for c in raised]
    np.testing.assert_allclose(forward_eca(np.full((1, 12), 0.05), TRAIN_EDGES, raised)[0], 0.05 * np.array(r),
                               rtol=1e-14)
    prp = forward_eca(np.full((1, 3), 0.02), [0, 0.4, 0.9, 2.0], ["PRP1.1f9000h0"], "CS")
    assert prp[0, 0] == pytest.approx(0.02, rel=1e-14)


def test_homogeneous_half_space_limits():
    for key, inst in INSTRUMENTS.items():
        coils = inst.coils
        edges = [0.0, 0.1, 0.35, 0.8, 2.0]
        for ec in (1e-3, 0.05, 1.0):  # CS: exactly EC, whatever the EC
            np.testing.assert_allclose(forward_eca(np.full((1, 4), ec), edges, coils, "CS"), ec, rtol=1e-14)
        # FSlin: EC at low induction (the first correction is ~0.38 s sqrt(omega mu0 EC))
        low = 1e-8
        np.testing.assert_allclose(forward_eca(np.full((1, 4), low), edges, coils, "FSlin"), low, rtol=1e-4)
        # FSeq: a half-space is its own equivalent half-space, at any EC (filter vs closed form)
        for ec in (1e-3, 0.1):
            np.testing.assert_allclose(forward_eca(np.full((1, 4), ec), edges, coils, "FSeq"), ec, rtol=2e-6,
                                       err_msg=key)


def test_fslin_tends_to_cs_at_low_ec():
    rng = np.random.default_rng(3)
    ec, edges = random_models(rng, 20, 9)
    for key, inst in INSTRUMENTS.items():
        for h in (0.0, 0.6):
            coils = inst.coils_at(h)
            errs = [np.abs(forward_eca(ec * k, edges, coils, "FSlin") / forward_eca(ec * k, edges, coils, "CS") - 1).max()
                    for k in (1e-4, 1e-6, 1e-8)]
            # the difference is of order induction number ~ sqrt(EC): x0.1 per factor 100 in EC
            assert errs[2] < 2e-4 and errs[1] < 0.2 * errs[0] and errs[2] < 0.2 * errs[1], (key, h, errs)


# --------------------------------------------------------------------------------- full solution
def test_filter_is_emagpys():
    ih = pytest.importorskip("emagpy.invertHelper")
    x, w0, w1 = fs.hankel_filter()
    assert np.array_equal(x, ih.hankel5_lamb)
    assert np.array_equal(w0, ih.hankel5_w0)
    assert np.array_equal(w1, ih.hankel5_w1)


@pytest.fixture(scope="module")
def golden():
    with np.load(data_file("forward_golden.npz"), allow_pickle=False) as z:
        g = {k: z[k] for k in z.files}
    return g


def _ours_on_golden(g, model):
    """Our ECa for every golden row (padded like the golden arrays), one call per preset and height.

    Models of different layer counts are run together by repeating the half-space below the last
    layer (same EC: no reflection there), with per-model edges.
    """
    n, max_l = g["ec"].shape
    ec = g["ec"].copy()
    edges = g["edges"].copy()
    for i, nl in enumerate(g["n_layers"]):
        ec[i, nl:] = ec[i, nl - 1]
        edges[i, nl + 1:] = edges[i, nl] + np.arange(1, max_l - nl + 1)
    out = np.full(g["eca_fslin"].shape, np.nan)
    for key in np.unique(g["preset"]):
        for h in np.unique(g["height"][g["preset"] == key]):
            rows = np.flatnonzero((g["preset"] == key) & (g["height"] == h))
            coils = INSTRUMENTS[str(key)].coils_at(float(h))
            out[rows, : len(coils)] = forward_eca(ec[rows], edges[rows], coils, model)
    return out


def test_fslin_matches_emagpy_golden(golden):
    ours = _ours_on_golden(golden, "FSlin")
    ref = golden["eca_fslin"]
    ok = np.isfinite(ref)
    assert len(golden["ec"]) >= 1000 and set(golden["preset"]) == set(INSTRUMENTS)
    rel = np.abs(ours[ok] / ref[ok] - 1)
    assert rel.max() <= 1e-4  # the bound ...
    assert rel.max() <= 1e-8  # ... and what the engine actually does (window, interpolation ~1e-10)
    cs = _ours_on_golden(golden, "CS")
    assert np.abs(cs[ok] / golden["eca_cs"][ok] - 1).max() <= 1e-9


def test_fseq_matches_emagpy_golden(golden):
    ours = _ours_on_golden(golden, "FSeq")
    ref = golden["eca_fseq"]
    lin = golden["eca_fslin"]
    have = np.isfinite(lin)
    em_ok = have & np.isfinite(ref) & (ref > 0)
    both = em_ok & np.isfinite(ours)
    rel = np.abs(ours[both] / ref[both] - 1)
    assert both.sum() >= 0.99 * have.sum()
    assert rel.max() <= 1e-4, f"max relative difference {rel.max():.2e}"
    # where we find no equivalent half-space, EMagPy's search failed or gave a non-physical value
    ours_nan = have & ~np.isfinite(ours)
    assert not (ours_nan & em_ok & (np.abs(ref / lin - 1) < 0.5)).any()


def test_full_solution_live_against_emagpy():
    """A few dozen models straight through EMagPy's Problem.forward (no cache)."""
    rng = np.random.default_rng(11)
    cases = (("CMD-MiniExplorer", 0.2), ("DUALEM-21S", 0.7), ("EM31", 0.0), ("CMD-Explorer", 1.0))
    for key, h in cases:
        ec, edges = random_models(rng, 6, int(rng.integers(4, 16)))
        coils = INSTRUMENTS[key].coils_at(h)
        ref = emagpy_forward("FSlin", ec, edges, coils)
        assert np.abs(forward_eca(ec, edges, coils, "FSlin") / ref - 1).max() <= 1e-8, key
        ref = emagpy_forward("FSeq", ec, edges, coils)
        assert np.abs(forward_eca(ec, edges, coils, "FSeq") / ref - 1).max() <= 1e-4, key


def test_full_solution_blocks_threads_and_edges_layout():
    rng = np.random.default_rng(5)
    ec, _ = random_models(rng, 300, 12)
    coils = INSTRUMENTS["CMD-MiniExplorer-6L"].coils_at(0.1)
    a = forward_eca(ec, TRAIN_EDGES, coils, "FSlin", threads=1)
    b = forward_eca(ec, np.tile(TRAIN_EDGES, (300, 1)), coils, "FSlin", chunk_size=37, threads=2)
    np.testing.assert_allclose(a, b, rtol=1e-9)  # windows follow each block: same to ~1e-10
    c = np.vstack([forward_eca(ec[i:i + 1], TRAIN_EDGES, coils, "FSlin") for i in range(0, 300, 50)])
    np.testing.assert_allclose(a[::50], c, rtol=1e-9)  # window chosen per block: same to ~1e-10
    one = forward_eca(np.full((2, 1), 0.03), [0.0, 1.0], coils, "FSlin")  # a single half-space layer
    np.testing.assert_allclose(one, forward_eca(np.full((2, 3), 0.03), [0, 0.2, 0.5, 1.0], coils, "FSlin"),
                               rtol=1e-10)


def test_full_solution_memory_is_bounded():
    """Work arrays are per block: memory does not grow with the number of models beyond in/out."""
    rng = np.random.default_rng(2)
    ec, _ = random_models(rng, 6000, 12)
    tracemalloc.start()
    forward_eca(ec, TRAIN_EDGES, MINI, "FSlin", threads=2)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 40e6, f"peak {peak / 1e6:.1f} MB"


def test_fseq_without_equivalent_half_space_is_nan():
    # 2 S/m under a 4.49 m HCP coil at 10 kHz: Im Q beyond the half-space maximum (y > 1.16)
    out = forward_eca(np.full((1, 3), 2.0), [0, 0.5, 1.0, 2.0], ["HCP4.49f10000h0", "VCP4.49f10000h0"], "FSeq")
    assert np.isnan(out[0, 0]) and np.isfinite(out[0, 1])


# ------------------------------------------------------------------------------------ bad input
@pytest.mark.parametrize("ec, edges, coils, model, match", [
    ([[0.01, 0.02]], [0, 0.5, 0.4], MINI, "CS", r"increase strictly.*edge 2 \(0.4 m\) is not below edge 1 \(0.5 m\)"),
    ([[0.01, 0.02]], [0, -0.5, 1.0], MINI, "CS", r"layer_edges\[1\] is -0.5 m"),
    ([[0.01, 0.02]], [0.1, 0.5, 1.0], MINI, "CS", "must start at 0 m.*got 0.1"),
    ([[0.01, 0.02]], [0, np.nan, 1.0], MINI, "CS", "finite"),
    ([[0.01, 0.0]], [0, 0.5, 1.0], MINI, "FSlin", "model 0, layer 1 is 0.0"),
    ([[0.01, -0.2]], [0, 0.5, 1.0], MINI, "CS", "model 0, layer 1 is -0.2"),
    ([[0.01, 0.02], [np.nan, 0.02]], [0, 0.5, 1.0], MINI, "FSeq", "model 1, layer 0 is nan"),
    ([[0.01, 0.02]], [0, 0.5], MINI, "CS", r"shape \(2,\) does not fit EC models of shape \(1, 2\)"),
    ([[0.01, 0.02]], [[0, 0.5, 1.0], [0, 0.5, 1.0]], MINI, "CS", r"expected \(3,\) \(shared\) or \(1, 3\)"),
    ([[0.01, 0.02]], [0, 0.5, 1.0], ["VCP0.32f30000h-1"], "CS", "height must be .*got -1.0"),
    ([[0.01, 0.02]], [0, 0.5, 1.0], ["VCP0.32f0h0"], "FSlin", "Frequency must be .*got 0.0"),
    ([[0.01, 0.02]], [0, 0.5, 1.0], ["VXP0.32"], "CS", "Unknown coil string 'VXP0.32'"),
    ([[0.01, 0.02]], [0, 0.5, 1.0], MINI, "FS", "Unknown forward model 'FS'"),
])
def test_bad_input_is_named(ec, edges, coils, model, match):
    with pytest.raises(ValueError, match=match):
        forward_eca(np.array(ec, dtype=float), np.array(edges, dtype=float), coils, model)


def test_noise_is_relative_and_seeded():
    eca = np.full((20000, 2), 0.04)
    a, b = add_noise(eca, 0.05, seed=1), add_noise(eca, 0.05, seed=1)
    assert np.array_equal(a, b) and not np.array_equal(a, add_noise(eca, 0.05, seed=2))
    assert np.std(a / eca - 1) == pytest.approx(0.05, rel=0.03)
    assert np.array_equal(add_noise(eca, 0.0), eca)
    with pytest.raises(ValueError, match="Relative noise must be >= 0"):
        add_noise(eca, -0.1)


def test_coil_objects_and_strings_agree():
    ec = np.array([[0.02, 0.05, 0.01]])
    edges = [0, 0.3, 0.8, 1.5]
    a = forward_eca(ec, edges, ["VCP0.71f30000h0.2", "PRP1.1f9000h0"], "FSlin")
    b = forward_eca(ec, edges, [Coil("VCP", 0.71, 30000.0, 0.2), Coil("PRP", 1.1, 9000.0, 0.0)], "FSlin")
    assert np.array_equal(a, b)
