"""The full solution's refinement path (fast=True) against its exact path: ECa within 1e-4 relative.

On the EMagPy golden models (tests/data/forward_golden.npz: all presets, heights 0-1 m, 4-30 layers)
and on seeded random extreme models (EC 1e-4-10 S/m, layers 1 cm-3 m, PRP coils), FSlin and FSeq;
the models beyond the fast path's range go the exact path (checked); the float32 recursion (blocks
of moderate conductivity contrast without thin layers between strong reflections) against the
float64 one, and the blocks beyond its range in float64 (EC down to 1e-9 S/m, mm-thin conductive
layers); fast=False is the exact path bit for bit (values below computed before the fast path existed).
"""
import numpy as np
import pytest

from conftest import data_file
from emiai_core import fullsolution as fs
from emiai_core.forward import forward_eca
from emiai_core.instruments import INSTRUMENTS

BOUND = 1e-4  # the bound for the refinement path (data noise 3 %)


def _rel(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return np.abs(a[ok] / b[ok] - 1).max()


@pytest.fixture(scope="module")
def golden_runs():
    """Golden models (padded to 30 layers with their half-space, per-model edges), per preset and
    height: exact and fast Im Q, and FSeq both ways."""
    with np.load(data_file("forward_golden.npz"), allow_pickle=False) as z:
        g = {k: z[k] for k in ("preset", "height", "n_layers", "ec", "edges")}
    n, max_l = g["ec"].shape
    ec, edges = g["ec"].copy(), g["edges"].copy()
    for i, nl in enumerate(g["n_layers"]):
        ec[i, nl:] = ec[i, nl - 1]
        edges[i, nl + 1:] = edges[i, nl] + np.arange(1, max_l - nl + 1)
    runs = []
    for key in np.unique(g["preset"]):
        for h in np.unique(g["height"][g["preset"] == key]):
            rows = np.flatnonzero((g["preset"] == key) & (g["height"] == h))
            coils = INSTRUMENTS[str(key)].coils_at(float(h))
            imq = fs.quadrature(ec[rows], edges[rows], coils)
            imq_fast = fs.quadrature(ec[rows], edges[rows], coils, fast=True)
            fseq_fast = fs.fs_eca(ec[rows], edges[rows], coils, "FSeq", fast=True)
            runs.append((coils, ec[rows], imq, imq_fast, fs._fseq(imq, coils), fseq_fast))
    return runs


def test_fast_fslin_on_golden_models(golden_runs):
    worst, n_fast, n = 0.0, 0, 0
    for coils, ec, imq, imq_fast, _, _ in golden_runs:
        worst = max(worst, _rel(fs.q_to_eca(imq_fast, coils), fs.q_to_eca(imq, coils)))
        n_fast += fs.fast_path_mask(ec, coils).sum()
        n += len(ec)
    assert n >= 1000 and n_fast == n  # all golden models are in the fast path's range ...
    assert worst <= BOUND, f"max relative difference {worst:.2e}"
    assert worst <= 1e-5  # ... and what it does there (measured 5.6e-6)


def test_fast_fseq_on_golden_models(golden_runs):
    worst = 0.0
    for coils, _, _, _, fseq, fseq_fast in golden_runs:
        assert np.array_equal(np.isfinite(fseq), np.isfinite(fseq_fast))
        worst = max(worst, _rel(fseq_fast, fseq))
    assert worst <= BOUND, f"max relative difference {worst:.2e}"


def _random_models(rng, n, n_layers):
    ec = 10 ** rng.uniform(-4, 1, (n, n_layers))  # 0.1 mS/m - 10 S/m
    thick = 10 ** rng.uniform(-2, 0.5, (n, n_layers))  # 1 cm - 3 m
    return ec, np.c_[np.zeros(n), np.cumsum(thick, axis=1)]


@pytest.mark.parametrize("seed", [0, 1])
def test_fast_on_random_extreme_models(seed):
    rng = np.random.default_rng(100 + seed)
    worst_lin = worst_eq = 0.0
    n_fast = n_total = 0
    for key, inst in INSTRUMENTS.items():
        for h in (0.0, 0.4, 1.0):
            ec, edges = _random_models(rng, 48, int(rng.integers(4, 31)))
            coils = inst.coils_at(h)
            imq = fs.quadrature(ec, edges, coils)
            imq_fast = fs.quadrature(ec, edges, coils, fast=True)
            worst_lin = max(worst_lin, _rel(fs.q_to_eca(imq_fast, coils), fs.q_to_eca(imq, coils)))
            fseq, fseq_fast = fs._fseq(imq, coils), fs.fs_eca(ec, edges, coils, "FSeq", fast=True)
            assert np.array_equal(np.isfinite(fseq), np.isfinite(fseq_fast)), key
            worst_eq = max(worst_eq, _rel(fseq_fast, fseq))
            mask = fs.fast_path_mask(ec, coils)
            # beyond the fast path's range: the exact path (bit for bit, run on those models alone)
            if not mask.all():
                assert np.array_equal(imq_fast[~mask], fs.quadrature(ec[~mask], edges[~mask], coils))
            n_fast, n_total = n_fast + mask.sum(), n_total + mask.size
    assert worst_lin <= BOUND, f"FSlin: max relative difference {worst_lin:.2e}"
    assert worst_eq <= BOUND, f"FSeq: max relative difference {worst_eq:.2e}"
    assert 0.3 * n_total < n_fast < n_total  # both paths are exercised


def _f64_recursion(monkeypatch):
    monkeypatch.setattr(fs, "FAST_F32_CONTRAST", 0.0)


def test_fast_float32_recursion(monkeypatch):
    """Blocks of moderate contrast (<= 1e3) without thin layers between strong reflections (here: the
    reference layering, layers >= 30 cm) run below the second layer in float32: within 1e-4 of the
    exact path and within 1e-5 of the same recursion in float64."""
    rng = np.random.default_rng(21)
    edges_ref = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]
    cases = [(10 ** rng.uniform(-2.5, -0.5, (200, 12)), edges_ref, INSTRUMENTS["CMD-MiniExplorer"].coils)]
    for key, h in (("DUALEM-21S", 0.0), ("EM38-MK2", 0.5), ("CMD-Explorer", 1.0)):
        lo = rng.uniform(-3.5, -1.5)
        ec = 10 ** rng.uniform(lo, lo + 2.0, (64, 16))
        thick = 10 ** rng.uniform(-0.5, 0.3, (64, 16))
        cases.append((ec, np.c_[np.zeros(64), np.cumsum(thick, axis=1)], INSTRUMENTS[key].coils_at(h)))
    fast32 = [fs.quadrature(ec, edges, coils, fast=True) for ec, edges, coils in cases]
    with monkeypatch.context() as m:
        _f64_recursion(m)
        fast64 = [fs.quadrature(ec, edges, coils, fast=True) for ec, edges, coils in cases]
    for (ec, edges, coils), q32, q64 in zip(cases, fast32, fast64):
        assert fs.fast_path_mask(ec, coils).all()
        exact = fs.quadrature(ec, edges, coils)
        assert not np.array_equal(q32, q64)  # the float32 recursion was used ...
        assert _rel(q32, q64) <= 1e-5, f"float32 vs float64: {_rel(q32, q64):.2e}"  # ... to ~1e-6
        assert _rel(q32, exact) <= BOUND, f"{_rel(q32, exact):.2e}"


@pytest.mark.parametrize("kind", ["contrast", "thin"])
def test_fast_float64_recursion_beyond_float32_range(kind, monkeypatch):
    """Large conductivity contrasts (here EC 1e-9-10 S/m) and thin layers between strong reflections
    (mm-thin conductive stacks; float32 gave up to 1.5e-3 and 7e-5) run the recursion in float64."""
    rng = np.random.default_rng(22)
    if kind == "contrast":
        ec, thick, coils = 10 ** rng.uniform(-9, 0, (96, 10)), 10 ** rng.uniform(-2, 0.5, (96, 10)), "CMD-Explorer"
    else:
        ec, thick, coils = 10 ** rng.uniform(-1.5, 0.75, (96, 14)), 10 ** rng.uniform(-3, -1.5, (96, 14)), "DUALEM-21S"
    coils = INSTRUMENTS[coils].coils_at(0.0)
    ec = ec[fs.fast_path_mask(ec, coils)]
    edges = np.c_[np.zeros(len(ec)), np.cumsum(thick[: len(ec)], axis=1)]
    assert len(ec) >= 40
    q = fs.quadrature(ec, edges, coils, fast=True)
    with monkeypatch.context() as m:
        _f64_recursion(m)
        assert np.array_equal(q, fs.quadrature(ec, edges, coils, fast=True))
    worst = _rel(q, fs.quadrature(ec, edges, coils))
    assert worst <= BOUND, f"{worst:.2e}"


def test_fast_through_forward_eca_and_layouts():
    rng = np.random.default_rng(4)
    ec, _ = _random_models(rng, 300, 12)
    ec = np.minimum(ec, 1.0)
    edges = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]
    coils = INSTRUMENTS["CMD-MiniExplorer"].coils
    exact = forward_eca(ec, edges, coils, "FSlin")
    a = forward_eca(ec, edges, coils, "FSlin", fast=True, threads=1)
    b = forward_eca(ec, np.tile(edges, (300, 1)), coils, "FSlin", fast=True, chunk_size=37, threads=2)
    assert _rel(a, exact) <= BOUND and _rel(b, exact) <= BOUND
    np.testing.assert_allclose(a, b, rtol=5e-5)  # other blocks, other plans: the same to the bound
    # CS ignores fast; one layer (a half-space) and PRP coils take the fast path too
    assert np.array_equal(forward_eca(ec, edges, coils, "CS", fast=True), forward_eca(ec, edges, coils, "CS"))
    prp = ["PRP1.1f9000h0", "PRP2.1f9000h0.3", "HCP1f9000h0.7"]
    one = np.full((3, 1), 0.03) * np.array([[1.0], [0.1], [10.0]])
    assert _rel(forward_eca(one, [0.0, 1.0], prp, "FSlin", fast=True), forward_eca(one, [0.0, 1.0], prp, "FSlin")) <= BOUND
    assert forward_eca(np.empty((0, 3)), [0, 0.3, 0.9, 2.0], prp, "FSeq", fast=True).shape == (0, 3)


def test_fast_false_is_the_exact_path_unchanged():
    """Values of forward_eca before the refinement path existed (float.hex), with fast=False and by default."""
    ec = np.array([[0.02, 0.15, 0.004, 0.4], [0.001, 0.001, 0.9, 0.05], [1.5, 0.3, 0.02, 0.2]])
    edges = [0.0, 0.15, 0.5, 1.2, 2.0]
    coils = ["VCP0.32f30000h0", "HCP1.18f30000h0.3", "PRP2.1f9000h0.05", "HCP4.49f10000h1"]
    before = {
        "FSlin": [["0x1.19a55675f3a31p-4", "0x1.ab37132d35b0bp-4", "0x1.0f07cc9d1fbd9p-3", "0x1.08898dd633f88p-3"],
                  ["0x1.4f2dfbe9bb398p-4", "0x1.a088825cb2947p-3", "0x1.21764a0c12694p-2", "0x1.e6d3375d6b50fp-4"],
                  ["0x1.e26d73bf248dap-1", "0x1.eef59bf75041cp-3", "0x1.5ebc3564e432fp-2", "0x1.ed206185dd48fp-4"]],
        "FSeq": [["0x1.1e160736c97c0p-4", "0x1.f732d55f9ba7dp-4", "0x1.113e8725c3234p-3", "0x1.d4f61f354c0fap-3"],
                 ["0x1.54f4dfb362e71p-4", "0x1.0a80506bf8c72p-2", "0x1.268bb1cbd54f8p-2", "0x1.9d7208bfc18a8p-3"],
                 ["0x1.003f0c9e848c8p+0", "0x1.461ffe016fe6ap-2", "0x1.66389a467d217p-2", "0x1.a56a53107a06ap-3"]],
    }
    for model, rows in before.items():
        expected = np.array([[float.fromhex(v) for v in row] for row in rows])
        assert np.array_equal(forward_eca(ec, edges, coils, model, fast=False), expected), model
        assert np.array_equal(forward_eca(ec, edges, coils, model), expected), model
        fast = forward_eca(ec, edges, coils, model, fast=True)
        assert _rel(fast, expected) <= BOUND and not np.array_equal(fast, expected), model
