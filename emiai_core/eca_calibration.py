"""Calibrate measured ECa against the forward response of co-located ERT (QGIS-free).

Absolute ECa of real instruments are biased (zero offset and gain of the factory calibration,
drift, height, nearby metal). The standard field remedy (Lavoué et al. 2010, von Hebel et al.
2014; EMagPy ``Problem.calibrate``) regresses the ECa measured along a line that was also surveyed
with ERT on the forward response of the ERT models there. Here, per coil::

    ECa_ERT = a + b · ECa_measured        (a in mS/m, b dimensionless; or b only, a = 0)

is fitted robustly (Huber IRLS on relative residuals) over all survey points within a distance of an ERT trace, and
``a + b · ECa`` is then the calibrated ECa of any survey taken with that instrument set-up.

The 1D EC column below a survey point is extracted as the training-model generator does
(:mod:`emiai_core.model_generation`): the ERT cells in a box of 1.5 electrode spacings centred on
the point's position along the line, binned by depth below the *local* ground surface on the
generator's layering (12 layers to 1.5 m, then 1.5–2–2.5–3 m), arithmetic mean resistivity per
layer, empty layers filled by interpolation and the deepest value extended as the half-space (the
"deep extension"). The generator's smoothing and draws are not applied: the column is the ERT's
own average. Columns whose cells do not reach a minimum depth (line ends of a trapezoidal section)
are not used.
"""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from .instruments import INSTRUMENTS, Coil, parse_coil

FORMAT = "emiai-eca-calibration"
VERSION = 1
#: Fit modes, in menu order.
FITS = ("robust", "ols", "gain")
FIT_LABELS = {
    "robust": "Offset and gain, robust (Huber)",
    "ols": "Offset and gain, ordinary least squares",
    "gain": "Gain only (through zero), robust",
}
#: The generator's default layering: 12 target layers to 1.5 m plus its deep extension to 3 m.
DEFAULT_EDGES = np.array([0.0, 0.12, 0.24, 0.36, 0.48, 0.6, 0.72, 0.84, 0.96, 1.08, 1.2, 1.32, 1.5,
                          2.0, 2.5, 3.0])
WIDTH_SCALER = 1.5  # box width in electrode spacings (generator EXTRACTION_WIDTH_SCALER default)
MAX_FILE_BYTES = 1_000_000  # a coefficients file is a few kB; refuse anything absurd before parsing

#: Reasons a survey point is not paired with an ERT column (key -> text for the log).
PAIR_REASONS = {
    "far": "farther than the maximum distance from every ERT trace",
    "outside": "beyond the ends of the ERT line (outside the electrode span)",
    "shallow": "the ERT cells there do not reach the minimum depth (line ends of the section)",
    "missing": "empty or non-finite ECa in a coil",
}


class CalibrationError(ValueError):
    """Bad input to a calibration, or a coefficients file that cannot be used."""


# --------------------------------------------------------------------------------------------
# coils of a survey


def survey_coil(field_name: str, height_m: float) -> Coil:
    """The coil of an ECa field named like 'VCP0.32' (or 'VCP0.32f30000h0') at ``height_m``.

    A name without a frequency takes the frequency of the instrument preset that has a coil of that
    name (30 kHz for the CMD-MiniExplorer, 10 kHz for the CMD-Explorer), else 30 kHz."""
    from .fields import parse_coil_field

    parsed = parse_coil_field(field_name)
    if parsed is None or parsed[1]:
        raise CalibrationError(f"Field {field_name!r} is not a coil ECa field (expected names like 'VCP0.32').")
    stem = parsed[0]
    coil = parse_coil(stem, height=height_m)
    if "f" not in stem.lower():
        freqs = {c.frequency for inst in INSTRUMENTS.values() for c in inst.coils if c.name == coil.name}
        if len(freqs) == 1:
            coil = Coil(coil.orientation, coil.coil_spacing, freqs.pop(), coil.height)
    if "h" in stem.lower():  # a height in the name wins over the layer's height
        return coil
    return coil.at_height(height_m)


# --------------------------------------------------------------------------------------------
# survey points -> ERT columns


def project_to_polyline(x, y, vx, vy, chain):
    """(along, offset) of points (x, y) projected on the polyline (vx, vy) whose vertices are at
    chainage ``chain`` (m along the line, increasing): ``along`` = chainage of the nearest point of
    the polyline, ``offset`` = distance to it (m). Points beyond an end project onto that end."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    vx, vy, chain = (np.asarray(v, float) for v in (vx, vy, chain))
    best_d = np.full(x.shape, np.inf)
    best_s = np.full(x.shape, np.nan)
    for i in range(len(vx) - 1):  # segments are few (one per electrode); points are vectorised
        dx, dy = vx[i + 1] - vx[i], vy[i + 1] - vy[i]
        seg2 = dx * dx + dy * dy
        if seg2 == 0:
            continue
        t = np.clip(((x - vx[i]) * dx + (y - vy[i]) * dy) / seg2, 0.0, 1.0)
        d = np.hypot(x - (vx[i] + t * dx), y - (vy[i] + t * dy))
        better = d < best_d
        best_d[better] = d[better]
        best_s[better] = chain[i] + t[better] * (chain[i + 1] - chain[i])
    return best_s, best_d


def ert_column(cells, along_m: float, edges=DEFAULT_EDGES, width_scaler: float = WIDTH_SCALER):
    """(resistivity per layer of ``edges`` (Ω·m, empty layers filled), reach) of the ERT below
    ``along_m`` m along the line of ``cells`` (a model_generation.ProfileCells); reach = bottom edge
    of the deepest layer with cells (0 when the box is empty)."""
    from .model_generation import bin_statistics

    edges = np.asarray(edges, float)
    spacing = float(np.mean(np.diff(cells.electrode_distance_m)))
    half = spacing * width_scaler / 2.0
    sel = (np.abs(cells.distance_m - along_m) < half) & (cells.depth_m >= 0) & (cells.depth_m <= edges[-1])
    mean, _, count = bin_statistics(cells.depth_m[sel], cells.resistivity_ohmm[sel], edges)
    full = count > 0
    if not full.any():
        return np.full(len(edges) - 1, np.nan), 0.0
    mid = 0.5 * (edges[:-1] + edges[1:])
    if not full.all():  # np.interp holds the end values: the deepest mean extends downwards
        mean = np.interp(mid, mid[full], mean[full])
    return mean, float(edges[1:][full].max())


@dataclass
class ErtPairs:
    """Survey points paired with the ERT column below them.

    index: survey row of each pair; profile: its ERT profile; along_m / offset_m: position along
    that line and distance from it (m); ec_S_m: (n, L) column conductivity on ``edges``; reasons:
    per survey row '' (paired) or a PAIR_REASONS key."""

    index: np.ndarray
    profile: list
    along_m: np.ndarray
    offset_m: np.ndarray
    ec_S_m: np.ndarray
    edges: np.ndarray
    reasons: np.ndarray
    nearest_offset_m: np.ndarray  # per survey row: distance to the nearest trace (m)

    def counts(self) -> dict:
        return {k: int(np.sum(self.reasons == k)) for k in PAIR_REASONS}


def pair_with_ert(x, y, eca_mS_m, profiles, max_distance_m: float = 1.0, min_reach_m: float = 1.5,
                  edges=DEFAULT_EDGES, width_scaler: float = WIDTH_SCALER) -> ErtPairs:
    """Pair every survey point (x, y in the profiles' map units, m) within ``max_distance_m`` of an
    ERT trace with the ERT column below it.

    profiles: model_generation.ProfileCells with electrode map coordinates; eca_mS_m: (N, C), rows
    with a non-finite value are not paired; min_reach_m: a column must have cells down to this
    depth (m below ground)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    eca = np.asarray(eca_mS_m, float).reshape(n, -1)
    best_d = np.full(n, np.inf)
    best_s = np.full(n, np.nan)
    best_p = np.full(n, -1)
    for k, p in enumerate(profiles):
        if p.electrode_x is None:
            raise CalibrationError(f"ERT profile {p.profile} has no map coordinates (trace).")
        s, d = project_to_polyline(x, y, p.electrode_x, p.electrode_y, p.electrode_distance_m)
        better = d < best_d
        best_d[better], best_s[better], best_p[better] = d[better], s[better], k
    reasons = np.full(n, "", dtype=object)
    reasons[~np.all(np.isfinite(eca), axis=1) | ~np.isfinite(x) | ~np.isfinite(y)] = "missing"
    reasons[(reasons == "") & ~(best_d <= max_distance_m)] = "far"
    index, prof, along, offset, cols = [], [], [], [], []
    cache = {}
    for i in np.flatnonzero(reasons == ""):
        p = profiles[best_p[i]]
        ed = p.electrode_distance_m
        half = float(np.mean(np.diff(ed))) * width_scaler / 2.0
        if best_s[i] - half < ed[0] - 1e-9 or best_s[i] + half > ed[-1] + 1e-9:
            reasons[i] = "outside"
            continue
        key = (best_p[i], round(float(best_s[i]), 3))  # points 1 mm apart share a column
        if key not in cache:
            cache[key] = ert_column(p, best_s[i], edges, width_scaler)
        rho, reach = cache[key]
        if reach < min_reach_m - 1e-9 or not np.all(np.isfinite(rho)):
            reasons[i] = "shallow"
            continue
        index.append(i)
        prof.append(p.profile)
        along.append(best_s[i])
        offset.append(best_d[i])
        cols.append(1.0 / rho)
    edges = np.asarray(edges, float)
    return ErtPairs(np.array(index, dtype=np.int64), prof, np.array(along), np.array(offset),
                    np.array(cols).reshape(len(index), len(edges) - 1), edges, reasons, best_d)


def ert_eca(pairs: ErtPairs, coils, forward_model: str = "FSlin") -> np.ndarray:
    """ECa (n_pairs, C) in mS/m of the paired ERT columns for ``coils`` (Coil objects with height)."""
    from .forward import forward_eca

    if len(pairs.index) == 0:
        return np.zeros((0, len(coils)))
    return forward_eca(pairs.ec_S_m, pairs.edges, coils, forward_model) * 1000.0


# --------------------------------------------------------------------------------------------
# the fit


@dataclass
class CoilFit:
    """ECa_ERT = offset + gain · ECa_measured for one coil, with its statistics (mS/m)."""

    field: str
    coil: str  # EMagPy string (spacing, frequency, height)
    offset_mS_m: float
    gain: float
    n_pairs: int
    r2: float
    rmse_mS_m: float  # of ECa_ERT − calibrated ECa over the pairs
    rmse_before_mS_m: float  # of ECa_ERT − measured ECa
    outliers: int  # pairs down-weighted by the robust fit (weight < 0.5)

    def apply(self, eca_mS_m):
        return self.offset_mS_m + self.gain * np.asarray(eca_mS_m, float)


def fit_line(measured, ert, fit: str = "robust", c: float = 1.345, iterations: int = 100):
    """(offset, gain, weights) of ``ert ≈ offset + gain · measured``.

    fit: 'robust' (Huber M-estimate by iteratively reweighted least squares on *relative*
    residuals — EMI and ERT errors grow with the ECa level, a few per cent — with the residual
    scale from their MAD and tuning constant c = 1.345, 95 % efficiency for Gaussian errors),
    'ols' (ordinary least squares, absolute residuals), or 'gain' (robust, offset fixed at 0).
    weights: the final Huber weights (1 = full weight; < 1 = down-weighted as an outlier)."""
    if fit not in FITS:
        raise CalibrationError(f"Unknown fit {fit!r}: use one of {', '.join(FITS)}.")
    xm, ye = np.asarray(measured, float), np.asarray(ert, float)
    design = xm[:, None] if fit == "gain" else np.column_stack([np.ones_like(xm), xm])
    huber = np.ones(len(xm))
    if fit == "ols":
        coef, *_ = np.linalg.lstsq(design, ye, rcond=None)
        return float(coef[0]), float(coef[1]), huber
    floor = 0.05 * max(float(np.median(np.abs(ye))), 1e-9)  # keeps near-zero ECa from dominating
    level = np.maximum(np.abs(ye), floor)
    coef = None
    for _ in range(iterations):
        sw = np.sqrt(huber) / level
        new, *_ = np.linalg.lstsq(design * sw[:, None], ye * sw, rcond=None)
        fitted = design @ new
        level = np.maximum(np.abs(fitted), floor)
        r = (ye - fitted) / level
        scale = max(1.4826 * float(np.median(np.abs(r - np.median(r)))), 1e-12)
        u = np.abs(r) / (c * scale)
        huber = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-300))
        if coef is not None and np.allclose(new, coef, rtol=1e-10, atol=1e-12):
            coef = new
            break
        coef = new
    offset, gain = (0.0, float(coef[0])) if fit == "gain" else (float(coef[0]), float(coef[1]))
    return offset, gain, huber


def fit_coils(fields, coils, measured_mS_m, ert_mS_m, fit: str = "robust") -> list:
    """A CoilFit per coil from the paired measured and ERT ECa ((n, C) each, mS/m)."""
    out = []
    for j, (name, coil) in enumerate(zip(fields, coils)):
        xm, ye = measured_mS_m[:, j], ert_mS_m[:, j]
        offset, gain, w = fit_line(xm, ye, fit)
        resid = ye - (offset + gain * xm)
        ss_tot = float(np.sum((ye - ye.mean()) ** 2))
        r2 = 1.0 - float(np.sum(resid ** 2)) / ss_tot if ss_tot > 0 else float("nan")
        out.append(CoilFit(name, coil.emagpy, offset, gain, int(len(xm)), r2,
                           float(np.sqrt(np.mean(resid ** 2))), float(np.sqrt(np.mean((ye - xm) ** 2))),
                           int(np.sum(w < 0.5))))
    return out


# --------------------------------------------------------------------------------------------
# the coefficients file


@dataclass
class Calibration:
    """What a coefficients file holds: a CoilFit per coil and how they were obtained."""

    coils: list  # CoilFit
    fit: str = "robust"
    forward_model: str = "FSlin"
    max_distance_m: float = 1.0
    min_reach_m: float = 1.5
    profiles: list = field(default_factory=list)
    layer_edges_m: list = field(default_factory=lambda: DEFAULT_EDGES.tolist())

    def to_json(self) -> str:
        d = {"format": FORMAT, "version": VERSION,
             "equation": "ECa_calibrated = offset_mS_m + gain * ECa_measured (mS/m)", **asdict(self)}
        return json.dumps(_finite_or_none(d), indent=2) + "\n"

    def fit_for(self, field_name: str) -> CoilFit | None:
        for c in self.coils:
            if c.field == field_name:
                return c
        return None


def _finite_or_none(value):
    if isinstance(value, dict):
        return {k: _finite_or_none(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite_or_none(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number(d, key, where, positive=False):
    v = d.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or (positive and v <= 0):
        need = "a finite number > 0" if positive else "a finite number"
        raise CalibrationError(f"{where}: '{key}' must be {need}, got {v!r}.")
    return float(v)


def load_calibration(path) -> Calibration:
    """Read and validate a coefficients file written by :meth:`Calibration.to_json`."""
    import os

    try:
        size = os.path.getsize(path)
    except OSError as err:
        raise CalibrationError(f"Cannot read the coefficients file {path}: {err.strerror}.") from None
    if size > MAX_FILE_BYTES:
        raise CalibrationError(f"{path} is {size} bytes: not a coefficients file (a few kB expected).")
    try:
        with open(path, encoding="utf-8") as f:
            d = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise CalibrationError(f"{path} is not a JSON coefficients file: {err}.") from None
    if not isinstance(d, dict) or d.get("format") != FORMAT:
        raise CalibrationError(f"{path} is not an emiAI ECa calibration file (no \"format\": \"{FORMAT}\"); "
                               "use the coefficients file that 'Calibrate ECa against ERT' wrote.")
    if d.get("version") != VERSION:
        raise CalibrationError(f"{path}: version {d.get('version')!r} is not supported (expected {VERSION}).")
    coils = d.get("coils")
    if not isinstance(coils, list) or not coils or not all(isinstance(c, dict) for c in coils):
        raise CalibrationError(f"{path}: 'coils' must be a non-empty list of coil entries.")
    fits = []
    for k, c in enumerate(coils):
        where = f"{path}, coil entry {k + 1}"
        name, coil = c.get("field"), c.get("coil")
        if not isinstance(name, str) or not isinstance(coil, str):
            raise CalibrationError(f"{where}: 'field' and 'coil' must be text.")
        try:
            parse_coil(coil)
        except ValueError as err:
            raise CalibrationError(f"{where}: {err}") from None
        fits.append(CoilFit(name, coil, _number(c, "offset_mS_m", where), _number(c, "gain", where, True),
                            int(_number(c, "n_pairs", where)), *(float(c[k]) if isinstance(c.get(k), (int, float))
                                                                 else float("nan")
                                                                 for k in ("r2", "rmse_mS_m", "rmse_before_mS_m")),
                            int(c.get("outliers") or 0)))
    if len({f.field for f in fits}) != len(fits):
        raise CalibrationError(f"{path}: a coil appears twice.")
    return Calibration(fits, str(d.get("fit", "robust")), str(d.get("forward_model", "FSlin")),
                       float(d.get("max_distance_m") or 0.0), float(d.get("min_reach_m") or 0.0),
                       [str(p) for p in d.get("profiles") or []])


def check_survey_coils(calibration: Calibration, field_names, heights_m=None) -> tuple[list, list]:
    """(fields to calibrate, warnings) for a survey layer with ``field_names``.

    Every coil of the calibration must be present under its field name with the same orientation
    and spacing (CalibrationError otherwise); a survey height differing from the calibration's by
    more than 5 cm is a warning (the gain and offset depend on the height)."""
    from .fields import coil_fields

    present = coil_fields(field_names)
    missing = [c.field for c in calibration.coils if parse_coil(c.coil).name not in present]
    if missing:
        raise CalibrationError(
            f"The survey has no ECa field for coil(s) {', '.join(missing)} of the calibration "
            f"(survey coils: {', '.join(sorted(present)) or 'none'}). Apply a calibration made with the "
            "same instrument and coils.")
    warnings = []
    if heights_m is not None:
        h = np.asarray(heights_m, float)
        h = h[np.isfinite(h)]
        if h.size:
            cal_h = {parse_coil(c.coil).height for c in calibration.coils}
            off = [v for v in cal_h if abs(float(np.median(h)) - v) > 0.05]
            if off:
                warnings.append(f"The survey was taken at {float(np.median(h)):g} m but the calibration at "
                                f"{', '.join(f'{v:g}' for v in sorted(cal_h))} m: the coefficients depend on the "
                                "instrument height; calibrate at the height of the survey.")
    return [present[parse_coil(c.coil).name] for c in calibration.coils], warnings


__all__ = ["Calibration", "CalibrationError", "CoilFit", "DEFAULT_EDGES", "ErtPairs", "FITS", "FIT_LABELS",
           "PAIR_REASONS", "check_survey_coils", "ert_column", "ert_eca", "fit_coils", "fit_line",
           "load_calibration", "pair_with_ert", "project_to_polyline", "survey_coil"]
