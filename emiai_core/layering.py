"""Layer edges, layer field names and the reference layerings."""
from __future__ import annotations

import re

import numpy as np

# The emiAI reference layerings (reference_algorithm.md section 2.2), depths in m.
REFERENCE_EDGES = {
    "L4": (0.0, 0.37, 0.75, 1.12, 1.5),
    "L6": (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5),
    "L12": (0.0, 0.12, 0.24, 0.36, 0.48, 0.6, 0.72, 0.84, 0.96, 1.08, 1.2, 1.32, 1.5),
}

_FIELD_RE = re.compile(r"^EC_(\d+)_(\d+)$")


def _cm(depth_m: float) -> int:
    return int(round(depth_m * 100.0))


def layer_field_names(layer_edges) -> list[str]:
    """Field names 'EC_<top>_<bottom>' in whole centimetres (at least 3 digits) for each layer."""
    e = np.asarray(layer_edges, dtype=float)
    return [f"EC_{_cm(t):03d}_{_cm(b):03d}" for t, b in zip(e[:-1], e[1:])]


def layer_labels(layer_edges) -> list[str]:
    """Human-readable depth ranges, e.g. 'EC 0.00–0.12 m'."""
    e = np.asarray(layer_edges, dtype=float)
    return [f"EC {t:.2f}–{b:.2f} m" for t, b in zip(e[:-1], e[1:])]


def parse_layer_field(name: str):
    """(top, bottom) in m of a field named 'EC_<top>_<bottom>' (cm), or None if the name is not one."""
    m = _FIELD_RE.match(name)
    if not m:
        return None
    return int(m[1]) / 100.0, int(m[2]) / 100.0


def edges_from_field_names(names) -> np.ndarray:
    """Layer edges (m) of contiguous 'EC_<top>_<bottom>' fields, in depth order.

    Raises ValueError when a name is not a layer field or the layers leave gaps or overlap.
    """
    ranges = []
    for n in names:
        r = parse_layer_field(n)
        if r is None:
            raise ValueError(f"Field {n!r} is not a layer field named EC_<top cm>_<bottom cm>.")
        ranges.append(r)
    if not ranges:
        raise ValueError("No EC_<top>_<bottom> layer fields given.")
    ranges.sort()
    edges = [ranges[0][0]]
    for (top, bottom) in ranges:
        if abs(top - edges[-1]) > 1e-9 or bottom <= top:
            raise ValueError(f"Layer fields are not contiguous from the surface: {sorted(names)}.")
        edges.append(bottom)
    if edges[0] != 0.0:
        raise ValueError(f"The shallowest layer field must start at 0 cm, got {edges[0] * 100:.0f} cm.")
    return np.asarray(edges)


def finest_layering(field_names) -> list[str]:
    """The EC_<top>_<bottom> fields forming the contiguous layering with the most layers from 0 m.

    A layer written with coarser layerings too (EC_000_037 beside EC_000_012…) is ignored unless
    it belongs to the chosen chain. Returns [] when there is no layer field starting at 0.
    """
    layers = {}
    for name in field_names:
        r = parse_layer_field(name)
        if r is not None and r[1] > r[0]:
            layers.setdefault(r, name)
    best = {}  # top depth -> longest chain (list of names) starting there

    def chain(top):
        if top not in best:
            options = [[layers[(t, b)]] + chain(b) for (t, b) in layers if t == top]
            best[top] = max(options, key=len) if options else []
        return best[top]

    return chain(0.0)
