"""Depth of investigation (DOI) of predicted EC models: how deep the measured ECa actually look.

Criterion (what predictec writes as ``DOI_M``): the depth above which 70 % of the ECa signal of
the deepest-sensing coil comes from. This is EMagPy's ``Problem.computeDOI`` cut-off ("sensitivity
cutoff at 0.3, i.e. 70 % of signal comes from above the DOI", EMagPy 1.4.5, Problem.py), computed
with McNeill's (1980) cumulative-sensitivity (CS) response functions and weighted by the predicted
EC, so that it depends on the model:

In the CS approximation a coil reads ECa = Σ_k σ_k [R(u(t_k)) − R(u(b_k))] over the layers k
(top t_k, bottom b_k, the last layer a half-space: R(u(∞)) = 0), with R the coil's cumulative
response (:func:`emiai_core.forward.cs_cumulative`) at the normalised depth u(z) = (z + h)/s
(h: instrument height, s: coil spacing). The part of the signal that comes from below depth z is

    C(z) = Σ_k σ_k [R(u(max(z, t_k))) − R(u(max(z, b_k)))],

and the coil's DOI is the depth where C(z) = 0.3 · C(0). ``DOI_M`` is the largest over the coils.
C is piecewise a constant plus σ_j R(u(z)) inside layer j, so the depth is found exactly by
inverting R in the layer where C crosses the cut-off (no depth grid).

- On a homogeneous ground this is EMagPy's CS DOI: at h = 0, 0.758 s for VCP, 1.590 s for HCP and
  0.490 s for PRP (R = 0.3); for a CMD-MiniExplorer on the ground 0.895 m (VCP1.18) and 1.876 m
  (HCP1.18). EMagPy computes it on a 50-layer grid from 0 to the model's deepest edge and returns
  the centre of the grid layer below the crossing (its ``dm`` is shifted by one layer): its value
  is about 1.5 grid steps deeper, and capped by that grid.
- EMagPy's CS variant uses the perturbation sensitivity ∂ECa/∂σ_k, which in the linear CS model does
  not depend on σ: its CS DOI is the same for every model. Ours weights the sensitivity by the
  predicted EC (the share of the *signal*, as the full-solution sensitivity does to first order):
  a resistive base lowers the DOI (little of the signal comes from there), a conductive base
  raises it.
- A DOI below the model's deepest layer edge means that more than 30 % of the deepest coil's
  signal comes from the half-space, whose EC the model extends downward: the DOI there rests on
  that extrapolation. It is capped at ``DOI_CAP_FACTOR`` (3) × the model's deepest edge, reached
  only below very conductive half-spaces.
"""
from __future__ import annotations

import numpy as np

from .forward import cs_cumulative
from .instruments import as_coils

#: Fraction of a coil's signal that comes from below the DOI (EMagPy computeDOI: 0.3).
DOI_CUTOFF = 0.3
#: The DOI is capped at this multiple of the model's deepest layer edge.
DOI_CAP_FACTOR = 3.0
_TINY = 1e-300


def cs_inverse(r, orientation: str) -> np.ndarray:
    """The normalised depth u ≥ 0 at which the cumulative response R(u) of
    :func:`emiai_core.forward.cs_cumulative` equals ``r`` (0 < r ≤ 1).

    VCP: u = (1 − r²) / (4r); HCP: u = sqrt(1/r² − 1) / 2; PRP: u = (1 − r) / (2 sqrt(r (2 − r)))."""
    r = np.clip(np.asarray(r, dtype=float), _TINY, 1.0)
    if orientation == "VCP":
        return (1.0 - r * r) / (4.0 * r)
    if orientation == "HCP":
        return 0.5 * np.sqrt(np.maximum(1.0 / (r * r) - 1.0, 0.0))
    if orientation == "PRP":
        return (1.0 - r) / (2.0 * np.sqrt(r * (2.0 - r)))
    raise ValueError(f"Unknown orientation {orientation!r}: use VCP, HCP or PRP.")


def coil_doi(ec, layer_edges, coil, cutoff: float = DOI_CUTOFF) -> np.ndarray:
    """DOI (m below ground, uncapped) of one coil for models ``ec`` (N, L) > 0 (any EC unit: only
    ratios matter) on shared ``layer_edges`` (L+1,) from 0 m, the last layer a half-space (the last
    edge is nominal, as in :mod:`emiai_core.forward`). NaN for a model with an EC that is not
    finite and > 0."""
    ec = np.asarray(ec, dtype=float)
    edges = np.asarray(layer_edges, dtype=float)
    n, n_layers = ec.shape
    r_top = cs_cumulative((edges[:-1] + coil.height) / coil.coil_spacing, coil.orientation)  # (L,)
    r_bottom = np.r_[r_top[1:], 0.0]  # R(∞) = 0 below the half-space's top
    bad = ~np.all(np.isfinite(ec) & (ec > 0), axis=1)
    ec = np.where(bad[:, None], 1.0, ec)
    signal = ec * (r_top - r_bottom)  # (N, L): each layer's part of the ECa
    below = np.cumsum(signal[:, ::-1], axis=1)[:, ::-1]  # C(t_j): signal from below each layer top
    target = cutoff * below[:, 0]
    # the layer j in which C falls to the target: C(t_j) >= target > C(b_j)
    j = np.clip(np.sum(below >= target[:, None] * (1.0 - 1e-12), axis=1) - 1, 0, n_layers - 1)
    rows = np.arange(n)
    tail = np.hstack([below, np.zeros((n, 1))])[rows, j + 1]  # C(b_j)
    r = (target - tail) / ec[rows, j] + r_bottom[j]
    r = np.clip(r, r_bottom[j], r_top[j])  # rounding: stay within layer j
    depth = cs_inverse(r, coil.orientation) * coil.coil_spacing - coil.height
    depth = np.clip(depth, edges[:-1][j], np.r_[edges[1:-1], np.inf][j])
    depth[bad] = np.nan
    return depth


def depth_of_investigation(ec, layer_edges, coils, cutoff: float = DOI_CUTOFF, max_depth: float | None = None,
                           per_coil: bool = False, chunk_size: int = 200_000) -> np.ndarray:
    """DOI (m below ground) of layered models: the deepest over ``coils`` of the depth above which
    (1 − cutoff) of a coil's CS signal comes from (see the module docstring).

    ec: (N, L) EC (> 0, any unit) or (L,); layer_edges: (L+1,) m from 0, the last layer a
    half-space; coils: Coil objects or EMagPy strings (their heights are used); cutoff: the part
    of the signal from below (EMagPy: 0.3); max_depth: cap (default ``DOI_CAP_FACTOR`` × the
    deepest edge); per_coil: return (N, n_coils) instead of the (N,) maximum. NaN for models
    with an EC that is not finite and > 0."""
    if not 0.0 < cutoff < 1.0:
        raise ValueError(f"The DOI cut-off is the part of the signal from below the DOI, 0 < cutoff < 1; "
                         f"got {cutoff!r}.")
    coils = as_coils(coils)
    ec = np.asarray(ec, dtype=float)
    if ec.ndim == 1:
        ec = ec[None, :]
    edges = np.asarray(layer_edges, dtype=float)
    if edges.shape != (ec.shape[1] + 1,) or edges[0] != 0 or np.any(np.diff(edges) <= 0):
        raise ValueError(f"layer_edges must be {ec.shape[1] + 1} increasing depths from 0 m for models of "
                         f"{ec.shape[1]} layers, got {np.round(edges, 6).tolist()}.")
    cap = DOI_CAP_FACTOR * edges[-1] if max_depth is None else float(max_depth)
    out = np.empty((ec.shape[0], len(coils)))
    step = max(int(chunk_size), 1)
    for i0 in range(0, ec.shape[0], step):
        sl = slice(i0, i0 + step)
        for c, coil in enumerate(coils):
            out[sl, c] = coil_doi(ec[sl], edges, coil, cutoff)
    out = np.minimum(out, cap)  # NaN stays NaN
    if per_coil:
        return out
    with np.errstate(invalid="ignore"):
        return np.max(out, axis=1)


def homogeneous_doi(coil, cutoff: float = DOI_CUTOFF) -> float:
    """The DOI (m) of one coil over a homogeneous ground: R(u) = cutoff · R(h/s)."""
    coil = as_coils([coil])[0]
    r0 = float(cs_cumulative(coil.height / coil.coil_spacing, coil.orientation))
    return float(cs_inverse(cutoff * r0, coil.orientation)) * coil.coil_spacing - coil.height


__all__ = ["DOI_CAP_FACTOR", "DOI_CUTOFF", "coil_doi", "cs_inverse", "depth_of_investigation", "homogeneous_doi"]
