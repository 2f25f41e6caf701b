"""emiai_core.survey_qc on synthetic series: exact flagged indices for injected spikes, a corner and a
U-turn, a stationary stretch; flat or noisy signals not flagged; segments, smoothing, determinism."""
import time

import numpy as np
import pytest

from emiai_core import survey_qc as qc
from emiai_core.survey_qc import REASON_CODES, qc_survey


def straight(n, step=1.0):
    """A straight east-going track, one reading per second at ``step`` m/s."""
    return np.arange(n) * step, np.zeros(n), np.arange(n, dtype=float)


def corner(n1=21, n2=20):
    """East along y = 0 for readings 0..n1-1, then north from (n1-1, 1): a right-angle corner at n1-1."""
    x = np.r_[np.arange(n1), np.full(n2, n1 - 1.0)].astype(float)
    y = np.r_[np.zeros(n1), np.arange(1, n2 + 1)].astype(float)
    return x, y, np.arange(n1 + n2, dtype=float)


def smooth_series(n, seed=1):
    rng = np.random.default_rng(seed)
    i = np.arange(n)
    return np.column_stack([20 + 5 * np.sin(2 * np.pi * i / 200) + rng.normal(0, 0.1, n),
                            40 + 8 * np.cos(2 * np.pi * i / 300) + rng.normal(0, 0.1, n)])


def codes(result, reason):
    return np.flatnonzero(result.code == REASON_CODES[reason]).tolist()


# --- spikes ---------------------------------------------------------------------------------------

def test_injected_spikes_flagged_exactly():
    eca = smooth_series(400)
    eca[50, 1] += 30.0
    eca[120, 1] -= 15.0
    eca[300, 0] += 8.0
    eca[[200, 201], 0] += 50.0  # a two-reading spike
    seg = np.zeros(len(eca), int)
    assert np.flatnonzero(qc.spike_mask(eca, seg)).tolist() == [50, 120, 200, 201, 300]
    r = qc_survey(eca)  # no positions: range and spike tests only
    assert codes(r, "spike") == [50, 120, 200, 201, 300]
    assert r.counts == {"missing": 0, "below_min": 0, "above_max": 0, "slow": 0, "turn": 0, "spike": 5}
    assert r.n_kept == 395 and r.kept.sum() == 395


def test_flat_and_quantised_signal_not_flagged():
    n = 500
    flat = np.full((n, 2), 10.0)
    flat[::7, 0] += 0.01  # instrument resolution steps
    flat[::5, 1] -= 0.01
    seg = np.zeros(n, int)
    assert not qc.spike_mask(flat, seg).any()
    rng = np.random.default_rng(7)
    noisy = 10.0 + rng.normal(0, 0.05, (n, 3))  # below the 0.2 mS/m floor
    assert not qc.spike_mask(noisy, seg).any()
    # a step (a real boundary) is not a spike: the median follows it
    step = np.r_[np.full(100, 10.0), np.full(100, 30.0)][:, None] + rng.normal(0, 0.1, (200, 1))
    assert not qc.spike_mask(step, np.zeros(200, int)).any()


def test_gaussian_noise_false_alarm_rate_is_small():
    rng = np.random.default_rng(3)
    eca = 30.0 + rng.normal(0, 1.0, (20000, 1))
    rate = qc.spike_mask(eca, np.zeros(20000, int)).mean()
    assert rate < 1e-3  # the survey-wide σ floor keeps small-window MAD scatter from flagging noise


def test_spike_window_does_not_cross_segments_and_needs_enough_readings():
    eca = np.r_[np.full(20, 10.0), np.full(20, 50.0)][:, None]
    seg = np.r_[np.zeros(20, int), np.ones(20, int)]
    assert not qc.spike_mask(eca, seg).any()
    short = np.array([[10.0], [10.0], [90.0], [10.0]])  # 4 readings < (11 + 1) // 2 = 6: not judged
    assert not qc.spike_mask(short, np.zeros(4, int)).any()
    assert qc.spike_mask(short, np.zeros(4, int), window=3).tolist() == [False, False, True, False]


# --- line ends ------------------------------------------------------------------------------------

def test_heading_change_at_a_corner():
    x, y, _ = corner()
    seg = np.zeros(len(x), int)
    ang = qc.heading_change(x, y, seg, span=3)
    assert ang[17] == pytest.approx(0.0) and ang[20] == pytest.approx(90.0)
    assert ang[18] == pytest.approx(np.degrees(np.arctan(0.5)))  # after-chord (2, 1)
    assert np.isnan(ang[0]) and np.isnan(ang[-1])  # segment ends: no chord on one side
    assert np.flatnonzero(ang > 45).tolist() == [19, 20, 21]


def test_corner_trimmed_with_buffer():
    x, y, t = corner()
    eca = np.full((len(x), 3), 10.0)
    r = qc_survey(eca, x, y, t, turn_angle=45, trim=2, min_speed=0)
    assert codes(r, "turn") == list(range(17, 24))
    r0 = qc_survey(eca, x, y, None, turn_angle=45, trim=0)
    assert codes(r0, "turn") == [19, 20, 21]


def test_u_turn_removes_the_line_end():
    # east along y = 0 (readings 0..29), back west along y = 1 (30..59), 1 m per second
    x = np.r_[np.arange(30.0), np.arange(29.0, -1.0, -1.0)]
    y = np.r_[np.zeros(30), np.ones(30)]
    t = np.arange(60.0)
    eca = np.full((60, 3), 10.0)
    r = qc_survey(eca, x, y, t, turn_angle=45, trim=0, min_speed=0.3)
    # chord speed |p[i+3] - p[i-3]| / 6 s: sqrt(2) / 6 = 0.24 m/s at 29 and 30, sqrt(10) / 6 = 0.53 at 28, 31;
    # heading change at 28: (3, 0) then (0, 1) = 90°, at 27: (3, 0) then (2, 1) = 26.6°
    assert codes(r, "slow") == [29, 30]
    assert codes(r, "turn") == [28, 31]
    assert r.n_kept == 56 and r.counts["slow"] == 2 and r.counts["turn"] == 2
    r = qc_survey(eca, x, y, t, turn_angle=45, trim=3, min_speed=0.3)
    assert codes(r, "slow") == list(range(26, 34)) and codes(r, "turn") == [25, 34]


def test_stationary_stretch_is_slow():
    n = 60
    step = np.ones(n)
    step[0] = 0.0
    step[31:40] = 0.0  # readings 30..39 at one position
    x, y, t = np.cumsum(step), np.zeros(n), np.arange(n, dtype=float)
    speed = qc.speed_along(x, y, t, np.zeros(n, int), span=3)
    assert speed[29] == pytest.approx(4 / 6) and speed[33] == 0.0
    r = qc_survey(np.full((n, 1), 10.0), x, y, t, min_speed=0.3, turn_angle=45, trim=0)
    assert codes(r, "slow") == [32, 33, 34, 35, 36, 37]
    assert codes(r, "turn") == []  # standing still: zero-length chords have no heading
    r = qc_survey(np.full((n, 1), 10.0), x, y, t, min_speed=0.3, trim=2)
    assert codes(r, "slow") == list(range(30, 40))
    # without times the speed test is off, with a warning
    r = qc_survey(np.full((n, 1), 10.0), x, y, None, min_speed=0.3)
    assert r.counts["slow"] == 0 and r.speed is None


def test_dilate_stays_in_segment():
    mask = np.zeros(10, bool)
    mask[4] = True
    seg = np.r_[np.zeros(5, int), np.ones(5, int)]
    assert np.flatnonzero(qc.dilate(mask, seg, 2)).tolist() == [2, 3, 4]


# --- ranges, reasons, segments --------------------------------------------------------------------

def test_range_tests_and_first_reason_counted():
    eca = np.full((30, 2), 10.0)
    eca[3, 0] = np.nan  # missing
    eca[4] = [np.nan, 2000.0]  # missing first, not above max
    eca[5, 1] = 0.0  # ≤ 0
    eca[6, 0] = -5.0
    eca[7, 1] = 1500.0
    eca[8, 0] = 1000.0  # = max: kept
    r = qc_survey(eca, spike_threshold=0)
    assert codes(r, "missing") == [3, 4] and codes(r, "below_min") == [5, 6] and codes(r, "above_max") == [7]
    assert r.counts == {"missing": 2, "below_min": 2, "above_max": 1, "slow": 0, "turn": 0, "spike": 0}
    r = qc_survey(eca, min_eca=None, max_eca=0, spike_threshold=0)  # no range tests
    assert r.counts["below_min"] == r.counts["above_max"] == 0 and r.counts["missing"] == 2
    r = qc_survey(eca, min_eca=-10.0, spike_threshold=0)
    assert codes(r, "below_min") == []
    assert r.most_removed() == ("missing", 2)
    lines = r.summary()
    assert lines[0] == "removed 2 point(s): empty ECa or no position (QC_FLAG 1)"
    assert lines[-1].startswith("kept 27 of 30 point(s) (90.0 %), removed 3")


def test_missing_position_is_missing():
    x, y, t = straight(20)
    x[5] = np.nan
    r = qc_survey(np.full((20, 1), 10.0), x, y, t)
    assert codes(r, "missing") == [5]


def test_line_segments_cut_at_time_and_distance_gaps():
    x, y, t = straight(30)
    t[10:] += 100.0  # a 101 s pause
    x[20:] += 500.0  # a jump of 501 m
    seg, gap_s, step_m = qc.line_segments(x, y, t)
    assert seg.tolist() == [0] * 10 + [1] * 10 + [2] * 10
    assert gap_s == pytest.approx(10.0) and step_m == pytest.approx(20.0)
    seg, _, _ = qc.line_segments(x, y, t, max_gap_s=0, max_step_m=0)  # 0 = never cut
    assert seg.max() == 0
    t2 = np.r_[np.arange(5.0), np.arange(5.0)]  # time goes back: a new file appended
    assert qc.line_segments(None, None, t2)[0].tolist() == [0] * 5 + [1] * 5
    first, last = qc.segment_bounds(np.array([0, 0, 1, 1, 1, 2]))
    assert first.tolist() == [0, 0, 2, 2, 2, 5] and last.tolist() == [1, 1, 4, 4, 4, 5]


def test_time_seconds_parses_and_unwraps_midnight():
    t = qc.time_seconds(["23:59:59.50", "00:00:00.50", None, "bad", 12.5, "7"])
    assert t[0] == pytest.approx(86399.5) and t[1] == pytest.approx(86400.5)
    assert np.isnan(t[2]) and np.isnan(t[3]) and t[4] == 12.5 + 86400 and t[5] == 7 + 86400
    # a roll-over next to an unknown time is still found (compared with the last known time)
    t = qc.time_seconds(["23:59:59", None, "00:00:01"])
    assert t[2] - t[0] == pytest.approx(2.0)


# --- smoothing, validation, determinism, speed ----------------------------------------------------

def test_smoothing_uses_kept_points_only():
    eca = np.array([[1.0], [2.0], [100.0], [3.0], [4.0], [5.0]])
    keep = np.array([True, True, False, True, True, True])
    seg = np.zeros(6, int)
    out = qc.smooth_along_line(eca, keep, seg, 3)
    assert out[:, 0].tolist() == [1.5, 1.5, 100.0, 3.5, 4.0, 4.5]
    mean = qc.smooth_along_line(eca, keep, seg, 3, how="mean")
    assert mean[1, 0] == pytest.approx(1.5) and mean[3, 0] == pytest.approx(3.5)
    r = qc_survey(eca, spike_threshold=0, max_eca=50, smooth_window=3)
    assert r.eca[:, 0].tolist() == [1.5, 1.5, 100.0, 3.5, 4.0, 4.5] and codes(r, "above_max") == [2]


@pytest.mark.parametrize("window, match", [(10, "odd number"), (1, "at least 3"), (0, "at least 3")])
def test_bad_windows(window, match):
    with pytest.raises(ValueError, match=match):
        qc_survey(np.ones((20, 1)), spike_window=window)
    with pytest.raises(ValueError, match=match if window else "never"):
        qc_survey(np.ones((20, 1)), smooth_window=window)
        if not window:  # 0 = smoothing off: no error
            raise ValueError("never")


def test_length_mismatch():
    with pytest.raises(ValueError, match="x has 3 values but eca has 4"):
        qc_survey(np.ones((4, 1)), np.zeros(3), np.zeros(4))


def test_deterministic_and_fast():
    rng = np.random.default_rng(11)
    n = 100_000
    x = np.cumsum(rng.normal(1.0, 0.05, n))
    y = rng.normal(0, 0.05, n)
    t = np.arange(n, dtype=float)
    eca = 20.0 + rng.normal(0, 0.5, (n, 3))
    eca[rng.integers(0, n, 50), 1] += 100.0
    t0 = time.perf_counter()
    a = qc_survey(eca, x, y, t, smooth_window=5)
    elapsed = time.perf_counter() - t0
    b = qc_survey(eca.copy(), x.copy(), y.copy(), t.copy(), smooth_window=5)
    assert np.array_equal(a.code, b.code) and np.array_equal(a.eca, b.eca) and a.counts == b.counts
    assert a.counts["spike"] >= 50
    assert elapsed < 5.0  # about 0.3 s on one core
