"""Forward modelling of apparent conductivity (ECa) for batches of 1D layered models.

Conventions: ``ec`` is (N, L) in S/m; ``layer_edges`` are the L+1 layer boundaries in m below
ground starting at 0, either shared (shape (L+1,)) or per model (shape (N, L+1)). The last edge is
the nominal bottom of the modelled section: physically the last layer is a half-space (as in
EMagPy, whose ``depths`` are our ``layer_edges[1:-1]``).

Forward models (all three are EMagPy 1.4.5's, ``Problem.forward(forwardModel=...)``):

* ``CS``: McNeill's (1980) cumulative sensitivity, closed form (EMagPy ``fCS``). Layer i between
  depths t_i and b_i contributes sigma_i (R((t_i + h)/s) - R((b_i + h)/s)), R(inf) = 0, with the
  instrument height h simply added to the depths and **no** renormalisation (EMagPy's
  ``rescaled=False``): on a half-space of EC sigma a raised instrument reads sigma R(h/s) < sigma,
  as the full solution does.
* ``FSlin`` / ``FSeq``: the full Maxwell solution, see :mod:`emiai_core.fullsolution`.
"""
from __future__ import annotations

import numpy as np

from .fields import FORWARD_MODELS
from .instruments import Coil, as_coils


def _first_bad(mask):
    """Index tuple of the first True entry of ``mask``."""
    return tuple(int(i) for i in np.argwhere(mask)[0])


def _check_models(ec, layer_edges):
    """Validate and return (ec (N, L) float, edges (L+1,) or (N, L+1) float); ValueError naming the value."""
    ec = np.asarray(ec, dtype=float)
    if ec.ndim == 1:
        ec = ec[None, :]
    if ec.ndim != 2 or ec.shape[1] == 0:
        raise ValueError(f"EC models must be an (N, L) array with L >= 1 layers, got shape {ec.shape}.")
    edges = np.asarray(layer_edges, dtype=float)
    n, n_layers = ec.shape
    if edges.shape not in ((n_layers + 1,), (n, n_layers + 1)):
        raise ValueError(
            f"layer_edges shape {edges.shape} does not fit EC models of shape {ec.shape}: "
            f"expected ({n_layers + 1},) (shared) or ({n}, {n_layers + 1}) (per model), "
            "i.e. one more edge than layers, starting at 0 m."
        )
    bad = ~np.isfinite(edges)
    if bad.any():
        idx = _first_bad(bad)
        raise ValueError(f"layer_edges{list(idx)} is {float(edges[idx])!r}: edges must be finite depths in m.")
    bad = edges < 0
    if bad.any():
        idx = _first_bad(bad)
        raise ValueError(f"layer_edges{list(idx)} is {float(edges[idx])!r} m: depths below ground must be >= 0.")
    top = edges[..., 0]
    if np.any(top != 0):
        k = int(np.flatnonzero(np.ravel(top) != 0)[0])
        where = "" if edges.ndim == 1 else f" (model {k})"
        raise ValueError(f"layer_edges must start at 0 m (the ground surface), got {float(np.ravel(top)[k])!r}{where}.")
    steps = np.diff(edges, axis=-1)
    if np.any(steps <= 0):
        idx = _first_bad(steps <= 0)
        row = edges if edges.ndim == 1 else edges[idx[0]]
        j = idx[-1]
        where = "" if edges.ndim == 1 else f" in model {idx[0]}"
        raise ValueError(
            f"layer_edges must increase strictly with depth: edge {j + 1} ({float(row[j + 1])!r} m) is not below "
            f"edge {j} ({float(row[j])!r} m){where}; edges {np.round(row, 6).tolist()}."
        )
    bad = ~np.isfinite(ec) | ~(ec > 0)
    if bad.any():
        i, j = _first_bad(bad)
        raise ValueError(f"EC must be finite and > 0 S/m: model {i}, layer {j} is {float(ec[i, j])!r}.")
    return ec, edges


def cs_cumulative(depth_over_spacing, orientation: str):
    """McNeill's cumulative response R(z) of a coil pair for depth z in units of the coil spacing.

    VCP: sqrt(4z^2 + 1) - 2z; HCP: 1 / sqrt(4z^2 + 1); PRP: 1 - 2z / sqrt(4z^2 + 1)
    (McNeill 1980, TN-6; EMagPy ``emSens``).
    """
    z = np.asarray(depth_over_spacing, dtype=float)
    if orientation == "VCP":
        return np.sqrt(4.0 * z * z + 1.0) - 2.0 * z
    if orientation == "HCP":
        return 1.0 / np.sqrt(4.0 * z * z + 1.0)
    if orientation == "PRP":
        return 1.0 - 2.0 * z / np.sqrt(4.0 * z * z + 1.0)
    raise ValueError(f"Unknown orientation {orientation!r}: use VCP, HCP or PRP.")


def cs_sensitivity(layer_edges, coils) -> np.ndarray:
    """CS weight of each layer for each coil, (L, n_coils) or (N, L, n_coils) for per-model edges.

    ECa = EC @ W. W[i, c] = R((t_i + h)/s) - R((b_i + h)/s) with R(inf) = 0 for the last layer (the
    half-space), exactly EMagPy's ``fCS``; the weights of a coil sum to R(h/s) (1 on the ground).
    """
    coils = as_coils(coils)
    edges = np.asarray(layer_edges, dtype=float)
    cols = []
    for c in coils:
        r = cs_cumulative((edges + c.height) / c.coil_spacing, c.orientation)
        r[..., -1] = 0.0  # the last layer is a half-space: R(inf) = 0
        cols.append(r[..., :-1] - r[..., 1:])
    return np.stack(cols, axis=-1)


def forward_eca(ec, layer_edges, coils, model: str = "CS", chunk_size: int = 200_000,
                threads: int | None = None, fast: bool = False) -> np.ndarray:
    """ECa (N, n_coils) in S/m of layered models, as EMagPy 1.4.5 ``Problem.forward``.

    ec: (N, L) S/m (> 0); layer_edges: (L+1,) or (N, L+1) m from 0 (last layer = half-space);
    coils: Coil objects or EMagPy strings ('VCP0.32f30000h0.1'); model: 'CS' | 'FSlin' | 'FSeq'.
    chunk_size: models per step (bounds memory; the full solution further works in cache-sized
    blocks); threads: worker threads of the full solution (None = up to 8, one per CPU).
    fast: the full solution's refinement path (FSlin/FSeq within 1e-4 relative of the exact path,
    about 4x faster; see fullsolution); ignored for CS.
    FSeq is NaN where no homogeneous half-space has the model's quadrature (see fullsolution).
    """
    coils = as_coils(coils)
    if model not in FORWARD_MODELS:
        raise ValueError(f"Unknown forward model {model!r}: use one of {', '.join(FORWARD_MODELS)}.")
    ec, edges = _check_models(ec, layer_edges)
    chunk_size = max(int(chunk_size), 1)
    if model == "CS":
        w = cs_sensitivity(edges, coils)
        if w.ndim == 2:
            return ec @ w
        out = np.empty((ec.shape[0], len(coils)))
        for i0 in range(0, ec.shape[0], chunk_size):
            sl = slice(i0, i0 + chunk_size)
            out[sl] = np.einsum("nl,nlc->nc", ec[sl], w[sl])
        return out
    from . import fullsolution  # the Hankel-transform engine is only loaded when used

    return fullsolution.fs_eca(ec, edges, coils, model, chunk_size=chunk_size, threads=threads, fast=fast)


def add_noise(eca, relative: float, seed=None) -> np.ndarray:
    """ECa with Gaussian relative noise: eca * (1 + relative * N(0, 1)) (EMagPy ``addnoise``).

    relative: e.g. 0.05 for 5 %; seed: int for reproducible noise (numpy default_rng).
    """
    eca = np.asarray(eca, dtype=float)
    if not relative:
        return eca.copy()
    if not (np.isfinite(relative) and relative > 0):
        raise ValueError(f"Relative noise must be >= 0 (e.g. 0.05 for 5 %), got {float(relative)!r}.")
    rng = np.random.default_rng(seed)
    return eca + rng.standard_normal(eca.shape) * eca * relative


__all__ = ["Coil", "FORWARD_MODELS", "add_noise", "cs_cumulative", "cs_sensitivity", "forward_eca"]
