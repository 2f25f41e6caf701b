"""Survey QC of EMI readings along the recording order: range tests, line-end / turn trimming,
spike removal and optional along-line smoothing.

QGIS-free: plain functions over numpy arrays; emiai_qgis.algorithms.filter_survey reads the layer
into these arrays (positions projected to metres, times in seconds) and writes the result back.

Arrays, one element per reading, in recording order (the order the instrument wrote them):
  eca (N, C): ECa in mS/m, NaN = empty;
  x, y (N,): positions in metres (projected), NaN = no position;
  t (N,): time in seconds (any origin; a midnight roll-over is unwrapped), NaN = unknown.

Tests, in the order a point's reason code is decided (the first test a point fails is its reason;
every later test only sees the points still kept):

  1 ``missing``    an ECa of the point is empty / not finite, or it has no position;
  2 ``below_min``  an ECa ≤ ``min_eca`` (default 0: ECa ≤ 0 is not physical for the inversion);
  3 ``above_max``  an ECa > ``max_eca`` (0 = no maximum);
  4 ``slow``       speed below ``min_speed`` m/s (operator standing still or turning slowly),
                   speed = chord distance between the readings ``span`` before and after / their
                   time difference (needs t);
  5 ``turn``       heading change above ``turn_angle`` degrees between the chord from the reading
                   ``span`` before to this one and the chord from this one to the reading ``span``
                   after (line ends, U-turns, corners);
                   slow and turn points are widened by ``trim`` readings either side (same reason);
  6 ``spike``      Hampel filter (Hampel 1974; Pearson 2002; Pearson et al. 2016, references below) per coil:
                   |ECa − rolling median| > k · 1.4826 · MAD over a centred window of ``window``
                   readings of the same line segment, with the scaled MAD floored at
                   max(``mad_rel_floor`` · |median|, ``mad_abs_floor``) so a flat, quantised
                   signal does not flag its noise; a point is a spike when any coil is.

Line segments: the recording is cut where the time step exceeds ``max_gap_s`` or goes backwards, or
the distance step exceeds ``max_step_m`` (both automatic by default: 10 × the median time step and
20 × the median positive distance step); no window (speed, heading, median, trimming, smoothing)
reaches across a cut.

Smoothing (optional, ``smooth_window`` ≥ 3 readings, odd): a centred rolling median of every coil
over the kept readings of the same segment (removed readings are left out of the windows).

References: F. R. Hampel (1974), The influence curve and its role in robust estimation, J. Am. Stat.
Assoc. 69, 383-393; R. K. Pearson (2002), Outliers in process modeling and identification, IEEE
Trans. Control Syst. Technol. 10, 55-63; R. K. Pearson, Y. Neuvo, J. Astola, M. Gabbouj (2016),
Generalized Hampel filters, EURASIP J. Adv. Signal Process. 2016:87.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Reason codes of the QC_FLAG field, in the order they are tested (0 = kept).
REASONS = ("kept", "missing", "below_min", "above_max", "slow", "turn", "spike")
REASON_CODES = {name: code for code, name in enumerate(REASONS)}
REASON_LABELS = {
    "kept": "kept",
    "missing": "empty ECa or no position",
    "below_min": "ECa at or below the minimum",
    "above_max": "ECa above the maximum",
    "slow": "line end: speed below the minimum (standing or turning slowly)",
    "turn": "line end: turn (heading change above the limit)",
    "spike": "spike (rolling median/MAD outlier)",
}
MAD_SCALE = 1.4826  # 1 / Phi^-1(3/4): the MAD of Gaussian noise times this is its standard deviation

DEFAULT_MIN_ECA = 0.0  # mS/m, exclusive: ECa ≤ 0 is removed
DEFAULT_MAX_ECA = 1000.0  # mS/m
DEFAULT_SPIKE_WINDOW = 11  # readings
DEFAULT_SPIKE_THRESHOLD = 4.0  # scaled MADs
DEFAULT_MAD_REL_FLOOR = 0.01  # of |median|
DEFAULT_MAD_ABS_FLOOR = 0.2  # mS/m
DEFAULT_TURN_ANGLE = 45.0  # degrees
DEFAULT_TURN_SPAN = 3  # readings either side
DEFAULT_MIN_SPEED = 0.3  # m/s
DEFAULT_TRIM = 5  # readings either side of a slow / turn reading
GAP_TIME_FACTOR = 10.0  # x median time step
GAP_STEP_FACTOR = 20.0  # x median positive distance step


@dataclass
class QCResult:
    """What qc_survey found.

    code (N,) int: 0 = kept, else REASON_CODES of the first test the reading failed;
    counts: reason -> readings with that code (all reasons but 'kept', in test order);
    segment (N,) int: line segment of each reading (0, 1, ...);
    eca: (N, C) ECa with the kept readings smoothed (None without smoothing);
    speed, turn (N,): speed (m/s) and heading change (degrees) used by the tests (NaN where unknown);
    settings: the parameters used (automatic gap limits resolved); warnings: for the user.
    """

    code: np.ndarray
    counts: dict
    segment: np.ndarray
    eca: np.ndarray | None = None
    speed: np.ndarray | None = None
    turn: np.ndarray | None = None
    settings: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)

    @property
    def kept(self) -> np.ndarray:
        return self.code == 0

    @property
    def n_kept(self) -> int:
        return int(np.count_nonzero(self.code == 0))

    @property
    def n_removed(self) -> int:
        return int(np.count_nonzero(self.code != 0))

    @property
    def n_segments(self) -> int:
        return int(self.segment.max()) + 1 if len(self.segment) else 0

    def most_removed(self) -> tuple[str, int]:
        """(reason, count) of the reason that removed most readings (('kept', 0) when none)."""
        if not self.n_removed:
            return "kept", 0
        reason = max(self.counts, key=lambda r: self.counts[r])
        return reason, self.counts[reason]

    def summary(self, verb: str = "removed") -> list[str]:
        """Log lines: one per reason with its count, then the total."""
        n = len(self.code)
        lines = [f"{verb} {self.counts[r]} point(s): {REASON_LABELS[r]} (QC_FLAG {REASON_CODES[r]})"
                 for r in REASONS[1:]]
        lines.append(f"kept {self.n_kept} of {n} point(s) ({100.0 * self.n_kept / max(n, 1):.1f} %), "
                     f"{verb} {self.n_removed}; {self.n_segments} line segment(s)")
        return lines


# --- line segments and windows -------------------------------------------------------------------

def unwrap_day(t) -> np.ndarray:
    """Seconds of the day made monotonic across midnight (a drop of more than 12 h adds 24 h)."""
    t = np.asarray(t, dtype=float).copy()
    ok = np.flatnonzero(np.isfinite(t))  # compare each time with the previous known one
    if len(ok) < 2:
        return t
    jumps = np.where(np.diff(t[ok]) < -43200.0, 86400.0, 0.0)
    t[ok[1:]] += np.cumsum(jumps)
    return t


def time_seconds(values) -> np.ndarray:
    """'hh:mm:ss[.ss]' strings (or plain numbers of seconds) as seconds, NaN where unparseable,
    unwrapped across midnight."""
    out = np.full(len(values), np.nan)
    for k, v in enumerate(values):
        if v is None:
            continue
        if isinstance(v, (int, float, np.integer, np.floating)):
            out[k] = float(v)
            continue
        s = str(v).strip()
        parts = s.split(":")
        try:
            if len(parts) == 3:
                out[k] = float(parts[0]) * 3600.0 + float(parts[1]) * 60.0 + float(parts[2])
            elif len(parts) == 1 and s:
                out[k] = float(s)
        except ValueError:
            continue
    return unwrap_day(out)


def line_segments(x=None, y=None, t=None, max_gap_s=None, max_step_m=None, n=None,
                  ) -> tuple[np.ndarray, float, float]:
    """Segment id (N,) of every reading, cutting the recording where the time step exceeds
    max_gap_s (or is negative) or the distance step exceeds max_step_m.

    None = automatic (GAP_TIME_FACTOR × median positive time step, GAP_STEP_FACTOR × median
    positive distance step); 0 = do not cut on that criterion. Returns (segment, max_gap_s,
    max_step_m) with the limits used (NaN when not applicable); n: the number of readings (needed
    when x and t are None)."""
    n = _length(x, t) if n is None else int(n)
    cut = np.zeros(max(n - 1, 0), dtype=bool)
    gap_used = step_used = np.nan
    if t is not None and n > 1:
        dt = np.diff(np.asarray(t, dtype=float))
        pos = dt[np.isfinite(dt) & (dt > 0)]
        gap_used = (GAP_TIME_FACTOR * float(np.median(pos)) if pos.size else np.nan) if max_gap_s is None \
            else float(max_gap_s)
        if np.isfinite(gap_used) and gap_used > 0:
            cut |= np.isfinite(dt) & ((dt > gap_used) | (dt < 0))
    if x is not None and y is not None and n > 1:
        step = np.hypot(np.diff(np.asarray(x, float)), np.diff(np.asarray(y, float)))
        pos = step[np.isfinite(step) & (step > 0)]
        step_used = (GAP_STEP_FACTOR * float(np.median(pos)) if pos.size else np.nan) if max_step_m is None \
            else float(max_step_m)
        if np.isfinite(step_used) and step_used > 0:
            cut |= np.isfinite(step) & (step > step_used)
    segment = np.concatenate([[0], np.cumsum(cut)]).astype(np.int64) if n else np.zeros(0, np.int64)
    return segment, gap_used, step_used


def _length(*arrays) -> int:
    for a in arrays:
        if a is not None:
            return len(a)
    return 0


def segment_bounds(segment) -> tuple[np.ndarray, np.ndarray]:
    """First and last index (N,) of the segment of every reading."""
    seg = np.asarray(segment)
    n = len(seg)
    if n == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    ends = np.r_[starts[1:] - 1, n - 1]
    run = np.cumsum(np.r_[True, seg[1:] != seg[:-1]]) - 1
    return starts[run], ends[run]


def window_values(values, segment, window: int) -> np.ndarray:
    """(N, window) values of the centred window of every reading, NaN outside its segment."""
    v = np.asarray(values, dtype=float)
    n, h = len(v), window // 2
    first, last = segment_bounds(segment)
    idx = np.arange(n)[:, None] + np.arange(-h, h + 1)[None, :]
    inside = (idx >= first[:, None]) & (idx <= last[:, None])
    return np.where(inside, v[np.clip(idx, 0, max(n - 1, 0))], np.nan)


def _nan_median_rows(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row medians ignoring NaN (NaN for an all-NaN row) and the number of finite values per row."""
    s = np.sort(a, axis=1)  # NaN sort last
    count = np.count_nonzero(np.isfinite(a), axis=1)
    lo = np.clip((count - 1) // 2, 0, None)[:, None]
    hi = np.clip(count // 2, 0, None)[:, None]
    med = 0.5 * (np.take_along_axis(s, lo, 1) + np.take_along_axis(s, hi, 1))[:, 0]
    med[count == 0] = np.nan
    return med, count


def rolling_median(values, segment, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Centred rolling median (N,) over ``window`` readings within segments, NaN ignored; also the
    number of finite values in each window."""
    return _nan_median_rows(window_values(values, segment, window))


def check_window(window: int, name: str = "window", allow_zero: bool = False) -> int:
    """An odd window of at least 3 readings (or 0 when allow_zero); ValueError otherwise."""
    w = int(window)
    if allow_zero and w == 0:
        return 0
    if w < 3:
        raise ValueError(f"{name} is {w}: a centred window needs at least 3 readings (e.g. 11)"
                         + (", or 0 to switch it off." if allow_zero else "."))
    if w % 2 == 0:
        raise ValueError(f"{name} is {w}: a centred window needs an odd number of readings "
                         f"(e.g. {w + 1}).")
    return w


# --- the tests -----------------------------------------------------------------------------------

def range_masks(eca, min_eca=DEFAULT_MIN_ECA, max_eca=DEFAULT_MAX_ECA) -> tuple[np.ndarray, np.ndarray]:
    """(below, above): any ECa ≤ min_eca (None = no minimum); any ECa > max_eca (0/None = none)."""
    e = np.asarray(eca, dtype=float)
    with np.errstate(invalid="ignore"):
        below = np.any(e <= min_eca, axis=1) if min_eca is not None else np.zeros(len(e), bool)
        above = np.any(e > max_eca, axis=1) if max_eca else np.zeros(len(e), bool)
    return below, above


def _neighbours(segment, span: int) -> tuple[np.ndarray, np.ndarray]:
    """Index of the reading ``span`` before and after each reading, clamped to its segment."""
    n = len(segment)
    first, last = segment_bounds(segment)
    i = np.arange(n)
    return np.maximum(i - span, first), np.minimum(i + span, last)


def heading_change(x, y, segment, span: int = DEFAULT_TURN_SPAN) -> np.ndarray:
    """Angle (degrees, 0–180) between the chord from the reading ``span`` before to this one and
    the chord from this one to the reading ``span`` after (same segment); NaN where a chord has
    zero length (segment ends, duplicated positions) or a position is missing."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    before, after = _neighbours(segment, span)
    ax, ay = x - x[before], y - y[before]
    bx, by = x[after] - x, y[after] - y
    ang = np.degrees(np.arctan2(np.abs(ax * by - ay * bx), ax * bx + ay * by))
    degenerate = (np.hypot(ax, ay) == 0) | (np.hypot(bx, by) == 0)
    ang[degenerate] = np.nan
    return ang


def speed_along(x, y, t, segment, span: int = DEFAULT_TURN_SPAN) -> np.ndarray:
    """Speed (m/s): chord distance between the readings ``span`` before and after (same segment)
    over their time difference; NaN where the time difference is not positive or unknown."""
    x, y, t = np.asarray(x, float), np.asarray(y, float), np.asarray(t, float)
    before, after = _neighbours(segment, span)
    dt = t[after] - t[before]
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.hypot(x[after] - x[before], y[after] - y[before]) / dt
    v[~(dt > 0)] = np.nan
    return v


def dilate(mask, segment, n: int) -> np.ndarray:
    """``mask`` widened by ``n`` readings either side, within segments."""
    m = np.asarray(mask, bool)
    if n <= 0 or not m.any():
        return m.copy()
    seg = np.asarray(segment)
    out = m.copy()
    for k in range(1, n + 1):
        same = seg[k:] == seg[:-k]
        out[k:] |= m[:-k] & same
        out[:-k] |= m[k:] & same
    return out


def spike_mask(eca, segment, window: int = DEFAULT_SPIKE_WINDOW, threshold: float = DEFAULT_SPIKE_THRESHOLD,
               mad_rel_floor: float = DEFAULT_MAD_REL_FLOOR, mad_abs_floor: float = DEFAULT_MAD_ABS_FLOOR,
               ) -> np.ndarray:
    """Hampel filter: True where any coil deviates from its centred rolling median by more than
    threshold × max(1.4826 · MAD, mad_rel_floor · |median|, mad_abs_floor).

    Windows stay within segments and ignore NaN (removed readings); a reading is only tested when
    at least (window + 1) // 2 of its window are finite (else there is not enough to judge)."""
    window = check_window(window, "spike window")
    e = np.asarray(eca, dtype=float)
    need = (window + 1) // 2
    bad = np.zeros(len(e), dtype=bool)
    for c in range(e.shape[1]):
        w = window_values(e[:, c], segment, window)
        med, count = _nan_median_rows(w)
        mad, _ = _nan_median_rows(np.abs(w - med[:, None]))
        local = MAD_SCALE * mad
        typical = np.nanmedian(local[count >= need]) if np.any(count >= need) else 0.0
        floor = np.maximum(np.maximum(mad_rel_floor * np.abs(med), mad_abs_floor), typical)
        sigma = np.maximum(local, floor)
        with np.errstate(invalid="ignore"):
            bad |= (count >= need) & (np.abs(e[:, c] - med) > threshold * sigma)
    return bad


def smooth_along_line(eca, keep, segment, window: int, how: str = "median") -> np.ndarray:
    """ECa (N, C) with every kept reading replaced by the rolling median (or mean) of the kept
    readings in its centred window of ``window`` readings (same segment); others unchanged."""
    window = check_window(window, "smoothing window")
    e = np.asarray(eca, dtype=float)
    keep = np.asarray(keep, bool)
    out = e.copy()
    for c in range(e.shape[1]):
        w = window_values(np.where(keep, e[:, c], np.nan), segment, window)
        if how == "median":
            s, _ = _nan_median_rows(w)
        elif how == "mean":
            cnt = np.count_nonzero(np.isfinite(w), axis=1)
            s = np.where(cnt > 0, np.nansum(w, axis=1) / np.maximum(cnt, 1), np.nan)
        else:
            raise ValueError(f"Unknown smoothing {how!r}: 'median' or 'mean'.")
        out[keep, c] = s[keep]
    return out


# --- everything together -------------------------------------------------------------------------

def qc_survey(eca, x=None, y=None, t=None, *, min_eca=DEFAULT_MIN_ECA, max_eca=DEFAULT_MAX_ECA,
              spike_window: int = DEFAULT_SPIKE_WINDOW, spike_threshold: float = DEFAULT_SPIKE_THRESHOLD,
              mad_rel_floor: float = DEFAULT_MAD_REL_FLOOR, mad_abs_floor: float = DEFAULT_MAD_ABS_FLOOR,
              turn_angle: float = DEFAULT_TURN_ANGLE, turn_span: int = DEFAULT_TURN_SPAN,
              min_speed: float = DEFAULT_MIN_SPEED, trim: int = DEFAULT_TRIM, smooth_window: int = 0,
              smooth_how: str = "median", max_gap_s=None, max_step_m=None) -> QCResult:
    """Run the QC tests (module docstring) on a survey in recording order.

    eca (N, C) mS/m; x, y (N,) metres or None (no turn / speed tests); t (N,) seconds or None (no
    speed test). min_eca: ECa ≤ this is removed (None = no minimum); max_eca: ECa above is removed
    (0/None = none); spike_threshold, turn_angle, min_speed: 0 = that test off; trim: readings
    removed either side of slow / turn readings; smooth_window: 0 = no smoothing.
    """
    e = np.asarray(eca, dtype=float)
    if e.ndim == 1:
        e = e[:, None]
    if e.ndim != 2:
        raise ValueError(f"eca must be (points, coils), got shape {e.shape}.")
    n = len(e)
    for name, a in (("x", x), ("y", y), ("t", t)):
        if a is not None and len(a) != n:
            raise ValueError(f"{name} has {len(a)} values but eca has {n} readings.")
    if spike_threshold:
        check_window(spike_window, "spike window")
    if smooth_window:
        check_window(smooth_window, "smoothing window")
    if turn_span < 1:
        raise ValueError(f"turn span is {turn_span}: use at least 1 reading.")
    has_xy = x is not None and y is not None
    has_t = t is not None and np.isfinite(np.asarray(t, float)).sum() > 1
    warnings = []
    if t is not None and not has_t:
        warnings.append("No usable times: the speed test is off.")
        t = None
    segment, gap_s, step_m = line_segments(x if has_xy else None, y if has_xy else None, t, max_gap_s,
                                           max_step_m, n)
    code = np.zeros(n, dtype=np.int64)

    def assign(mask, reason):
        code[(code == 0) & np.asarray(mask, bool)] = REASON_CODES[reason]

    missing = ~np.all(np.isfinite(e), axis=1)
    if has_xy:
        missing |= ~(np.isfinite(np.asarray(x, float)) & np.isfinite(np.asarray(y, float)))
    assign(missing, "missing")
    below, above = range_masks(e, min_eca, max_eca)
    assign(below, "below_min")
    assign(above, "above_max")

    speed = turn = None
    if min_speed and has_xy:
        if t is None:
            warnings.append(f"Minimum speed {min_speed:g} m/s needs times (a Time field): the speed test is off.")
        else:
            speed = speed_along(x, y, t, segment, turn_span)
            with np.errstate(invalid="ignore"):
                assign(dilate(speed < min_speed, segment, trim), "slow")
    if turn_angle and has_xy:
        turn = heading_change(x, y, segment, turn_span)
        with np.errstate(invalid="ignore"):
            assign(dilate(turn > turn_angle, segment, trim), "turn")
    if spike_threshold:
        kept_eca = np.where((code == 0)[:, None], e, np.nan)
        assign(spike_mask(kept_eca, segment, spike_window, spike_threshold, mad_rel_floor, mad_abs_floor), "spike")
    smoothed = smooth_along_line(e, code == 0, segment, smooth_window, smooth_how) if smooth_window else None
    counts = {r: int(np.count_nonzero(code == REASON_CODES[r])) for r in REASONS[1:]}
    settings = dict(min_eca=min_eca, max_eca=max_eca, spike_window=spike_window, spike_threshold=spike_threshold,
                    mad_rel_floor=mad_rel_floor, mad_abs_floor=mad_abs_floor, turn_angle=turn_angle,
                    turn_span=turn_span, min_speed=min_speed, trim=trim, smooth_window=smooth_window,
                    smooth_how=smooth_how, max_gap_s=gap_s, max_step_m=step_m)
    return QCResult(code, counts, segment, smoothed, speed, turn, settings, warnings)


__all__ = [
    "DEFAULT_MAX_ECA", "DEFAULT_MIN_ECA", "DEFAULT_MIN_SPEED", "DEFAULT_SPIKE_THRESHOLD", "DEFAULT_SPIKE_WINDOW",
    "DEFAULT_TRIM", "DEFAULT_TURN_ANGLE", "DEFAULT_TURN_SPAN", "MAD_SCALE", "QCResult", "REASONS", "REASON_CODES",
    "REASON_LABELS", "check_window", "dilate", "heading_change", "line_segments", "qc_survey", "range_masks",
    "rolling_median", "segment_bounds", "smooth_along_line", "speed_along", "spike_mask", "time_seconds",
    "unwrap_day", "window_values",
]
