"""Predict EC depth models for a survey: input checks, the cascade, data misfit.

QGIS-free; emiai_qgis.algorithms.predict_ec converts layers to these arrays and back.
ECa in survey tables is in mS/m (as instruments export it); models work in S/m.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .cascade import CascadeModel
from .forward import forward_eca
from .instruments import as_coils, parse_coil

# GF Instruments export names: 'Cond.1[mS/m]', 'Cond.1 [mS/m]', 'Cond1.[mS/m]' (saprolite files)
_GF_COND_RE = re.compile(r"^Cond\.?\s*(\d)\.?\s*(\[mS/m\])?$", re.IGNORECASE)
_COIL_FIELD_RE = re.compile(r"^(VCP|HCP|PRP)(\d+(?:\.\d+)?)(?:f[\d.eE+-]+)?(?:h[\d.]+)?$", re.IGNORECASE)


def coil_fields(field_names) -> dict:
    """Map short coil names ('VCP0.32') to the layer fields that look like ECa of that coil."""
    out = {}
    for name in field_names:
        m = _COIL_FIELD_RE.match(name.strip())
        if m:
            out.setdefault(f"{m[1].upper()}{float(m[2]):g}", name)
    return out


def match_eca_fields(field_names, model_coils) -> tuple[list, str]:
    """Find the layer fields holding the model's coils, in the model's order.

    Accepts coil names ('VCP0.32', 'VCP0.32f30000h0') and GF names ('Cond.1 [mS/m]' = coil 1 of
    the instrument, in the model's order). Returns (fields, how) or raises ValueError saying which
    coils were found and which the model needs.
    """
    wanted = [parse_coil(c).name for c in model_coils]
    by_coil = coil_fields(field_names)
    if all(w in by_coil for w in wanted):
        return [by_coil[w] for w in wanted], "coil names"
    gf = {}
    for name in field_names:
        m = _GF_COND_RE.match(name.strip())
        if m:
            gf.setdefault(int(m[1]), name)
    if all(i + 1 in gf for i in range(len(wanted))) and not by_coil:
        return [gf[i + 1] for i in range(len(wanted))], (
            "GF column names: Cond.1.. taken as " + ", ".join(wanted) + " (the model's coils, in order)")
    if by_coil:
        raise ValueError(
            f"The layer has ECa fields for coils {', '.join(sorted(by_coil))} but the model needs "
            f"{', '.join(wanted)}. Use a model trained for your instrument and coil configuration, "
            "or choose the ECa fields explicitly.")
    raise ValueError(
        f"No ECa fields found for the model's coils {', '.join(wanted)}: name them like "
        f"'{wanted[0]}' or 'Cond.1 [mS/m]', or choose them explicitly (ECA_FIELDS).")


@dataclass
class SurveyPrediction:
    """Result for a survey of N points; arrays cover the `used` points only.

    used: (N,) bool; skipped_missing / skipped_nonpositive: counts; ec: list of (n_used, L_k) S/m
    per stage; misfit_pct: (n_used,) relative RMS misfit in %; extrapolated, n_floored: (n_used,).
    """

    used: np.ndarray
    skipped_missing: int
    skipped_nonpositive: int
    ec: list
    misfit_pct: np.ndarray
    extrapolated: np.ndarray
    n_floored: np.ndarray


def data_misfit_pct(eca_measured, ec, layer_edges, coils, forward_model="FSlin") -> np.ndarray:
    """Relative RMS misfit (%) between measured ECa and the forward response of models ``ec``.

    eca_measured: (N, n_coils) S/m (> 0); ec: (N, L) S/m; layer_edges: (L+1,) m.
    """
    pred = forward_eca(ec, layer_edges, coils, model=forward_model)
    rel = (pred - eca_measured) / eca_measured
    return 100.0 * np.sqrt(np.mean(rel * rel, axis=1))


def predict_survey(model: CascadeModel, eca_mS_m, nonpositive: str = "drop",
                   forward_model: str = "FSlin", heights_m=None) -> SurveyPrediction:
    """Predict EC for survey ECa (N, n_coils) in mS/m, in the order of model.measured_coils.

    nonpositive: 'drop' (skip points with ECa <= 0 and count them) or 'fail' (raise ValueError).
    Points with a missing value (NaN) are always skipped and counted. forward_model: forward model
    of the data misfit ('CS', 'FSlin', 'FSeq'). heights_m: (N,) instrument height of each point (m);
    the misfit is computed at that height (default: the model's coil heights).
    """
    eca_mS_m = np.asarray(eca_mS_m, dtype=float)
    missing = ~np.all(np.isfinite(eca_mS_m), axis=1)
    nonpos = ~missing & np.any(eca_mS_m <= 0, axis=1)
    if nonpositive == "fail" and nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise ValueError(
            f"{int(nonpos.sum())} point(s) have ECa <= 0 mS/m (first: row {i}, values "
            f"{eca_mS_m[i].tolist()}). Negative ECa are not physical (drift, calibration or "
            "interference): fix or filter them, or use the 'drop' policy to skip and count them.")
    used = ~missing & ~nonpos
    eca = eca_mS_m[used] / 1000.0
    result = model.predict(eca)
    finest = max(range(len(model.stages)), key=lambda k: len(model.stages[k].layer_edges))
    edges = model.stages[finest].layer_edges
    misfit = np.zeros(len(eca))
    heights = None if heights_m is None else np.asarray(heights_m, dtype=float)[used]
    if heights is None or not np.all(np.isfinite(heights)):
        heights = np.full(len(eca), np.nan)  # NaN = the model's own coil heights
    for h in np.unique(heights):
        at = heights == h if np.isfinite(h) else np.isnan(heights)
        coils = model.measured_coils if not np.isfinite(h) else as_coils(model.measured_coils, height=h)
        misfit[at] = data_misfit_pct(eca[at], result.ec[finest][at], edges, coils, forward_model)
    return SurveyPrediction(used, int(missing.sum()), int(nonpos.sum()), result.ec, misfit,
                            result.extrapolated, result.n_floored)
