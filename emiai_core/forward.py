"""Forward modelling of apparent conductivity (ECa) for batches of 1D layered models.

Conventions: ``ec`` is (N, L) in S/m; ``layer_edges`` are the L+1 layer boundaries in m below
ground starting at 0, either shared (shape (L+1,)) or per model (shape (N, L+1)). The last edge is
the nominal bottom of the modelled section: physically the last layer is a half-space (as in
EMagPy, whose ``depths`` are our ``layer_edges[1:-1]``).
"""
from __future__ import annotations

import numpy as np

from .instruments import Coil, as_coils

FORWARD_MODELS = ("CS", "FSlin", "FSeq")


def _check_models(ec, layer_edges):
    ec = np.asarray(ec, dtype=float)
    if ec.ndim == 1:
        ec = ec[None, :]
    if ec.ndim != 2:
        raise ValueError(f"EC models must be an (N, L) array, got shape {ec.shape}.")
    edges = np.asarray(layer_edges, dtype=float)
    n, n_layers = ec.shape
    if edges.shape not in ((n_layers + 1,), (n, n_layers + 1)):
        raise ValueError(
            f"layer_edges shape {edges.shape} does not fit EC models of shape {ec.shape}: "
            f"expected ({n_layers + 1},) or ({n}, {n_layers + 1})."
        )
    if not np.all(np.isfinite(edges)):
        raise ValueError("layer_edges contain NaN or infinite values.")
    top = edges[..., 0]
    if np.any(top != 0):
        raise ValueError(f"layer_edges must start at 0 m (the ground surface), got {np.ravel(top)[0]!r}.")
    steps = np.diff(edges, axis=-1)
    if np.any(steps <= 0):
        bad = np.ravel(edges if edges.ndim == 1 else edges[np.any(steps <= 0, axis=1)][0])
        raise ValueError(f"layer_edges must increase strictly with depth, got {bad.tolist()}.")
    bad = ~(ec > 0) | ~np.isfinite(ec)
    if np.any(bad):
        i, j = np.argwhere(bad)[0]
        raise ValueError(f"EC must be finite and > 0 S/m: model {i}, layer {j} is {ec[i, j]!r}.")
    return ec, edges


def cs_cumulative(depth_over_spacing, orientation: str):
    """McNeill's cumulative response R(z) of a coil pair for depth z in units of the coil spacing."""
    z = np.asarray(depth_over_spacing, dtype=float)
    if orientation == "VCP":
        return np.sqrt(4.0 * z * z + 1.0) - 2.0 * z
    if orientation == "HCP":
        return 1.0 / np.sqrt(4.0 * z * z + 1.0)
    if orientation == "PRP":
        # PRP cumulative response, as in EMagPy's fCS: 1 - 2z / sqrt(4z^2 + 1)
        return 1.0 - 2.0 * z / np.sqrt(4.0 * z * z + 1.0)
    raise ValueError(f"Unknown orientation {orientation!r}.")


def cs_sensitivity(layer_edges, coils) -> np.ndarray:
    """CS weight of each layer for each coil, (L, n_coils) or (N, L, n_coils) for per-model edges.

    The weights of one coil sum to 1, so ECa = EC @ W; the instrument height h enters as depth + h.
    """
    coils = as_coils(coils)
    edges = np.asarray(layer_edges, dtype=float)
    cols = []
    for c in coils:
        r = cs_cumulative((edges + c.height) / c.coil_spacing, c.orientation)
        r[..., -1] = 0.0  # last layer is a half-space: R(inf) = 0
        r_top = cs_cumulative(c.height / c.coil_spacing, c.orientation)
        w = -np.diff(r, axis=-1)
        cols.append(w / r_top)  # normalise so a half-space gives ECa = EC at any height
    return np.stack(cols, axis=-1)


def forward_eca(ec, layer_edges, coils, model: str = "CS", chunk_size: int = 200_000) -> np.ndarray:
    """ECa (N, n_coils) in S/m of layered models.

    ec: (N, L) S/m; layer_edges: (L+1,) or (N, L+1) m from 0 (last layer = half-space);
    coils: Coil objects or EMagPy strings; model: 'CS' | 'FSlin' | 'FSeq'.
    """
    coils = as_coils(coils)
    ec, edges = _check_models(ec, layer_edges)
    if model == "CS":
        w = cs_sensitivity(edges, coils)
        if w.ndim == 2:
            return ec @ w
        return np.einsum("nl,nlc->nc", ec, w)
    if model in ("FSlin", "FSeq"):
        from . import fullsolution  # the Hankel-transform engine is only loaded when used

        return fullsolution.forward_fs(ec, edges, coils, model, chunk_size=chunk_size)
    raise ValueError(f"Unknown forward model {model!r}: use one of {FORWARD_MODELS}.")


__all__ = ["Coil", "FORWARD_MODELS", "cs_cumulative", "cs_sensitivity", "forward_eca"]
