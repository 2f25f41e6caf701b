"""emiai_core.doi: the depth of investigation written as DOI_M by predictec."""
import contextlib
import io
import time

import numpy as np
import pytest

from emiai_core.doi import DOI_CUTOFF, coil_doi, cs_inverse, depth_of_investigation, homogeneous_doi
from emiai_core.forward import cs_cumulative, forward_eca
from emiai_core.instruments import as_coils, instrument

MINI = instrument("CMD-MiniExplorer").coils  # VCP then HCP 0.32, 0.71, 1.18 m, on the ground
EDGES = np.r_[np.arange(12) * 0.12, 1.5, 3.0]  # the embedded models' 12 layers + half-space below 1.5 m


@pytest.mark.parametrize("orientation", ["VCP", "HCP", "PRP"])
def test_cs_inverse_inverts_the_cumulative_response(orientation):
    u = np.r_[0.0, np.geomspace(1e-3, 50, 200)]
    np.testing.assert_allclose(cs_inverse(cs_cumulative(u, orientation), orientation), u, rtol=1e-7, atol=1e-9)


def test_homogeneous_closed_forms():
    # R(u) = 0.3: VCP u = 0.91 / 1.2, HCP u = sqrt(1/0.09 - 1) / 2, PRP u = 0.7 / (2 sqrt(0.3 * 1.7))
    closed = {"VCP": 0.91 / 1.2, "HCP": np.sqrt(1 / 0.09 - 1) / 2, "PRP": 0.7 / (2 * np.sqrt(0.51))}
    assert closed["VCP"] == pytest.approx(0.7583, abs=1e-4) and closed["HCP"] == pytest.approx(1.5899, abs=1e-4)
    for orient, u in closed.items():
        for s in (0.32, 1.18, 4.49):
            assert homogeneous_doi(f"{orient}{s}") == pytest.approx(u * s, rel=1e-12)
    # any homogeneous model on any layering gives it, per coil; DOI_M is the deepest coil's
    for ec in (1.0, 37.0, 900.0):
        per_coil = depth_of_investigation(np.full((2, 13), ec), EDGES, MINI, per_coil=True)
        np.testing.assert_allclose(per_coil, np.tile([homogeneous_doi(c) for c in MINI], (2, 1)), rtol=1e-10)
    assert depth_of_investigation(np.full(13, 20.0), EDGES, MINI)[0] == pytest.approx(1.8761, abs=1e-4)  # HCP1.18
    assert depth_of_investigation(np.full(13, 20.0), EDGES, MINI[:3])[0] == pytest.approx(0.8948, abs=1e-4)  # VCP1.18


def test_height_and_definition():
    """With the instrument raised, 70 % of the signal still comes from above the DOI (checked with the
    CS forward model itself: zeroing EC below the DOI keeps 70 % of the ECa)."""
    coil = as_coils("HCP1.18f30000h0.3")[0]
    rng = np.random.default_rng(4)
    ec = 10 ** rng.uniform(0.5, 2.5, (50, 13))
    doi = depth_of_investigation(ec, EDGES, [coil], max_depth=1e9)
    for i in range(50):
        # split the layering at the DOI: the EC above it alone explains 70 % of the ECa
        cut = min(int(np.searchsorted(EDGES, doi[i])), len(EDGES) - 1)  # layer cut - 1 holds the DOI
        edges = np.r_[EDGES[:cut], doi[i], EDGES[cut:]] if doi[i] < EDGES[-1] else np.r_[EDGES[:-1], doi[i], 2 * doi[i]]
        ec_split = np.r_[ec[i][:cut], ec[i][cut - 1:]]
        full = forward_eca(ec_split[None], edges, [coil], "CS")[0, 0]
        above = ec_split.copy()
        above[cut:] = 1e-12  # nothing below the DOI
        assert forward_eca(above[None], edges, [coil], "CS")[0, 0] == pytest.approx((1 - DOI_CUTOFF) * full, rel=1e-8)
    assert homogeneous_doi(coil) == pytest.approx(
        cs_inverse(0.3 * cs_cumulative(0.3 / 1.18, "HCP"), "HCP") * 1.18 - 0.3, rel=1e-12)


def test_resistive_base_lowers_conductive_base_raises_monotonically():
    base = 20 * np.geomspace(1e-3, 1e3, 9)  # EC below 0.72 m (base[4] = 20: homogeneous); 20 above
    ec = np.column_stack([np.full((9, 6), 20.0), np.tile(base[:, None], (1, 7))])
    doi = depth_of_investigation(ec, EDGES, MINI)
    assert np.all(np.diff(doi) > 0)
    homo = homogeneous_doi(MINI[5])
    assert doi[4] == pytest.approx(homo, rel=1e-9) and homo == pytest.approx(1.876, abs=1e-3)
    # a near-insulating base: the DOI rises above its top (0.72 m); a very conductive one holds nearly all
    # the signal: the DOI tends to where R(u) = 0.3 R(0.72 / 1.18) (HCP1.18), 3.05 m
    assert doi[0] == pytest.approx(0.531, abs=1e-3) and doi[-1] == pytest.approx(3.044, abs=2e-3)
    assert doi[-1] < cs_inverse(0.3 * cs_cumulative(0.72 / 1.18, "HCP"), "HCP") * 1.18
    # a conductive top layer alone lowers the DOI of the deepest coil
    top = depth_of_investigation(np.r_[200.0, np.full(12, 20.0)], EDGES, MINI)[0]
    assert top < homo


def test_cap_and_bad_models():
    # a hugely conductive half-space below 1.5 m: 70 % of the HCP1.18 signal from above
    # R(u) = 0.3 R(1.5 / 1.18), 5.34 m
    ec = np.r_[np.full(12, 1.0), 1e5][None]
    assert depth_of_investigation(ec, EDGES, MINI)[0] == pytest.approx(5.340, abs=1e-3)
    assert depth_of_investigation(ec, EDGES, MINI, max_depth=4.5)[0] == 4.5
    # the cascade's layering (the last layer, from 1.32 m, is the half-space): capped at 3 x 1.5 m
    assert depth_of_investigation(ec[:, 1:], EDGES[:-1], MINI)[0] == pytest.approx(4.5)
    bad = np.vstack([np.full(13, 20.0), np.r_[np.nan, np.full(12, 20.0)], np.r_[0.0, np.full(12, 20.0)]])
    doi = depth_of_investigation(bad, EDGES, MINI)
    assert np.isfinite(doi[0]) and np.isnan(doi[1:]).all()
    with pytest.raises(ValueError, match="cut-off"):
        depth_of_investigation(bad, EDGES, MINI, cutoff=1.2)
    with pytest.raises(ValueError, match="increasing depths from 0 m"):
        depth_of_investigation(bad, EDGES[1:], MINI)


def _emagpy_doi(ec_mS_m, depths, coils):
    """EMagPy Problem.computeDOI (CS) of models (n, L) on shared interface depths (L-1,)."""
    problem = pytest.importorskip("emagpy").Problem
    depths = np.tile(depths, (len(ec_mS_m), 1))
    p = problem()
    with contextlib.redirect_stdout(io.StringIO()):
        p.forward(forwardModel="CS", coils=[c.emagpy for c in coils], models=[ec_mS_m], depths=[depths])
        p.models, p.depths, p.forwardModel = [ec_mS_m], [depths], "CS"
        p.computeDOI()
    return np.asarray(p.dois[0])


@pytest.mark.parametrize("coils", [MINI[:3], MINI, as_coils("VCP1.48f10000h0.2, VCP2.82f10000h0.2")])
def test_against_emagpy_compute_doi(coils):
    """Homogeneous models: EMagPy's computeDOI (CS) on its 50-layer grid from 0 to the deepest depth
    is the centre of the grid layer below the crossing, i.e. our depth rounded to the grid + 1.5 steps.
    Layered models: EMagPy's CS DOI does not change with EC (the CS sensitivity does not depend on
    it); ours does (it weights the sensitivity by the EC)."""
    depths = np.linspace(0.2, 6.0, 12)  # interfaces; the grid reaches 6 m, deeper than every DOI here
    step = depths[-1] / 49
    edges = np.r_[0.0, depths, 7.0]
    homog = np.array([np.full(13, v) for v in (5.0, 40.0, 300.0)])
    ours = depth_of_investigation(homog, edges, coils, max_depth=1e9)
    theirs = _emagpy_doi(homog, depths, coils)
    np.testing.assert_allclose(theirs - 1.5 * step, ours, atol=0.5 * step + 1e-9)
    layered = np.array([np.r_[np.full(6, 20.0), np.full(7, 2.0)], np.r_[np.full(6, 20.0), np.full(7, 200.0)]])
    np.testing.assert_allclose(_emagpy_doi(layered, depths, coils), theirs[:2])
    mine = depth_of_investigation(layered, edges, coils, max_depth=1e9)
    assert mine[0] < ours[0] < mine[1]


def test_speed_100k_points():
    ec = 10 ** np.random.default_rng(0).uniform(0.5, 2.5, (100_000, 13))
    t = time.perf_counter()
    doi = depth_of_investigation(ec, EDGES, MINI)
    elapsed = time.perf_counter() - t
    assert np.isfinite(doi).all() and elapsed < 2.0, elapsed  # ~0.3 s on the development machine
    # chunking does not change the result
    np.testing.assert_array_equal(depth_of_investigation(ec[:1000], EDGES, MINI, chunk_size=77), doi[:1000])
    assert coil_doi(ec[:3], EDGES, MINI[0]).shape == (3,)
