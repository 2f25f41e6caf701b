"""Forward-modelled ECa of a table of layered EC models, in the units of layers (mS/m).

What ``emiai:forwardresponse`` computes for a point layer, QGIS-free: EC per layer in mS/m in,
ECa per coil in mS/m out, with optional seeded noise and the GF calibration scale. The conversion
to the physics' S/m happens here, once each way.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .forward import add_noise, forward_eca
from .instruments import as_coils

MS_PER_S = 1000.0
OUTPUT_SCALES = ("LIN", "F-0m", "F-1m")
BLOCK = 20_000  # models per progress step


@dataclass
class ForwardTable:
    """ECa (N, n_coils) in mS/m (NaN where a model is invalid or FSeq has no equivalent half-space),
    the column names, the valid-model mask, counts and warnings for the user's log."""

    eca_mS_m: np.ndarray
    field_names: list
    valid: np.ndarray
    n_skipped: int
    n_no_equivalent: int
    warnings: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def eca_field_names(coils) -> list:
    """Field names of forward-modelled ECa: the short coil name ('VCP0.32'), or the full EMagPy
    string where two coils share a short name (same geometry at two frequencies or heights)."""
    coils = as_coils(coils)
    names = [c.name for c in coils]
    return [c.emagpy if names.count(c.name) > 1 else c.name for c in coils]


def check_scale(coils, scale: str) -> None:
    """Raise ValueError unless every coil can be converted to the ECa ``scale`` ('LIN', 'F-0m', 'F-1m')."""
    from .gf_calibration import gf_factor

    if scale not in OUTPUT_SCALES:
        raise ValueError(f"Unknown ECa scale '{scale}': use one of {', '.join(OUTPUT_SCALES)}.")
    if scale != "LIN":
        for c in as_coils(coils):
            gf_factor(c, scale)


def modelled_eca(ec, layer_edges, coils, forward_model: str = "FSlin", noise: float = 0.0, seed: int = 0,
                 scale: str = "LIN", progress=None, valid=None) -> tuple[np.ndarray, list]:
    """(ECa (N, n_coils) in S/m, notes) of models ``ec`` (N, L) in S/m on ``layer_edges`` (L+1,) m,
    computed in blocks; rows outside ``valid`` (bool (N,), default all) are NaN.

    noise: relative Gaussian noise (0.05 = 5 %) drawn from ``seed`` over the whole table; scale:
    'LIN' or the GF calibration scale 'F-0m' / 'F-1m' the ECa are converted to; progress:
    callable(fraction 0..1) called per block (it may raise to cancel)."""
    from .gf_calibration import lin_to_gf

    coils = as_coils(coils)
    check_scale(coils, scale)
    ec = np.asarray(ec, dtype=float)
    good = np.arange(len(ec)) if valid is None else np.flatnonzero(valid)
    eca = np.full((len(ec), len(coils)), np.nan)
    for i0 in range(0, len(good), BLOCK):
        rows = good[i0:i0 + BLOCK]
        eca[rows] = forward_eca(ec[rows], layer_edges, coils, forward_model)
        if progress is not None:
            progress(min(i0 + BLOCK, len(good)) / max(len(good), 1))
    notes = []
    if noise > 0:
        eca = add_noise(eca, noise, seed)
        notes.append(f"Added {noise * 100:g} % Gaussian relative noise (seed {seed}).")
    if scale != "LIN":
        eca = np.column_stack([lin_to_gf(eca[:, k], c, scale) for k, c in enumerate(coils)])
        notes.append(f"ECa converted to the GF {scale} calibration scale.")
    return eca, notes


def forward_table(ec_mS_m, layer_edges, coils, forward_model: str = "FSlin", noise: float = 0.0,
                  seed: int = 0, scale: str = "LIN", progress=None) -> ForwardTable:
    """ECa in mS/m of layered models ``ec_mS_m`` (N, L) in mS/m on shared ``layer_edges`` (L+1,) m.

    Models with an empty or non-positive EC get NaN and are counted (``valid`` False; check
    ``valid.any()``); the other parameters are those of :func:`modelled_eca`."""
    coils = as_coils(coils)
    ec = np.asarray(ec_mS_m, dtype=float) / MS_PER_S
    valid = np.all(np.isfinite(ec) & (ec > 0), axis=1)
    n_skip = int((~valid).sum())
    warnings = []
    if n_skip:
        warnings.append(f"{n_skip} point(s) with an empty or non-positive EC value get empty ECa.")
    if valid.any() and np.median(ec[valid]) > 5.0:
        warnings.append(f"Median EC is {np.median(ec[valid]) * MS_PER_S:.3g} mS/m: values look like "
                        "S/m x 1000 — EC fields must be in mS/m.")
    eca, notes = modelled_eca(ec, layer_edges, coils, forward_model, noise, seed, scale, progress, valid)
    n_noeq = max(int(np.isnan(eca).sum()) - n_skip * len(coils), 0)
    if n_noeq:
        warnings.append(f"{n_noeq} FSeq value(s) left empty: no homogeneous half-space has that "
                        "quadrature (very conductive ground for the coil); use FSlin there.")
    return ForwardTable(eca * MS_PER_S, eca_field_names(coils), valid, n_skip, n_noeq, warnings, notes)


__all__ = ["OUTPUT_SCALES", "ForwardTable", "check_scale", "eca_field_names", "forward_table", "modelled_eca"]
