"""Layer edges: the reference layerings, a named layering, and conductance-preserving resampling.

Depths are in m below the ground surface; the last layer of a model is a half-space.
Field names of layers (``EC_<top>_<bottom>``) live in :mod:`emiai_core.fields`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# The emiAI reference layerings (reference_algorithm.md section 2.2), depths in m.
REFERENCE_EDGES = {
    "L4": (0.0, 0.37, 0.75, 1.12, 1.5),
    "L6": (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5),
    "L12": (0.0, 0.12, 0.24, 0.36, 0.48, 0.6, 0.72, 0.84, 0.96, 1.08, 1.2, 1.32, 1.5),
}

LAYERING_ROLES = ("target", "coarse", "extension")


@dataclass
class Layering:
    """A named layering of training models: ``edges`` in m from 0 (or from the target depth for the
    extension); role ``target`` | ``coarse`` | ``extension``."""

    name: str
    edges: np.ndarray
    role: str = "target"

    def __post_init__(self):
        self.edges = np.asarray(self.edges, dtype=float)

    @property
    def n_layers(self) -> int:
        return int(len(self.edges) - 1)

    def to_json(self) -> dict:
        return {"name": self.name, "role": self.role, "edges": [float(e) for e in self.edges]}


def resampling_matrix(edges_from, edges_to) -> np.ndarray:
    """(L_from, L_to) weights W so that ``ec_to = ec_from @ W`` is the thickness-weighted mean of
    conductivity over each target layer. The source's last layer is a half-space (extends to ∞), so
    a target layer below the source's last edge takes that layer's value. Columns sum to 1.

    edges_from, edges_to: layer edges in m, strictly increasing."""
    ef = np.asarray(edges_from, dtype=float)
    et = np.asarray(edges_to, dtype=float)
    for name, e in (("edges_from", ef), ("edges_to", et)):
        if e.ndim != 1 or len(e) < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            raise ValueError(f"{name} must be ≥ 2 finite, strictly increasing depths, got {e.tolist()}.")
    if et[0] < ef[0] - 1e-12:
        raise ValueError(f"edges_to start at {et[0]:g} m, above the source's top {ef[0]:g} m.")
    top_f, bot_f = ef[:-1], ef[1:].copy()
    bot_f[-1] = np.inf
    top_t, bot_t = et[:-1], et[1:]
    overlap = np.minimum(bot_f[:, None], bot_t[None, :]) - np.maximum(top_f[:, None], top_t[None, :])
    return np.clip(overlap, 0.0, None) / (bot_t - top_t)[None, :]


def resample_layers(ec, edges_from, edges_to) -> np.ndarray:
    """Resample layered conductivity models to other layer edges.

    ec: (N, L_from) or (L_from,) conductivity (S/m); returns (N, L_to) or (L_to,). Each target
    layer is the thickness-weighted arithmetic mean of the source conductivity over the overlap, so
    the depth-integrated conductance is preserved; a target layer extending below the source's last
    edge uses the source's last layer (half-space)."""
    ec = np.asarray(ec, dtype=float)
    w = resampling_matrix(edges_from, edges_to)
    if ec.shape[-1] != w.shape[0]:
        raise ValueError(f"ec has {ec.shape[-1]} layers but edges_from define {w.shape[0]}.")
    return ec @ w


__all__ = ["LAYERING_ROLES", "REFERENCE_EDGES", "Layering", "resample_layers", "resampling_matrix"]
