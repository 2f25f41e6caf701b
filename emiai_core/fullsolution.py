"""Full Maxwell solution of the layered half-space for loop-loop EMI: ECa 'FSlin' and 'FSeq'.

This is EMagPy 1.4.5's full solution (``emagpy/invertHelper.py``: ``getRn2``, ``getQ2``,
``fMaxwellECa``, ``fMaxwellQ``) re-derived as one batched numpy computation over many models.

Physics (Wait 1982; Ward & Hohmann 1988, eqs. 4.46-4.50 and 4.90-4.91). For a magnetic dipole
pair at height h above N layers with conductivity sigma_j (S/m) and thickness t_j (last = half-space),
with gamma_j = sqrt(lambda^2 + i omega mu_0 sigma_j) and gamma_air = lambda, the reflection
coefficient at the surface is the bottom-up recursion

    R_{N-1} = 0,   R_j = (r_j + R_{j+1} e_{j+1}) / (1 + r_j R_{j+1} e_{j+1}),
    r_j = (gamma_j - gamma_{j+1}) / (gamma_j + gamma_{j+1}),  e_j = exp(-2 gamma_j t_j),

and Q = Hs/Hp (EMagPy's ``getQ2``; lambda = x/s for filter abscissa x):

    VCP: Q = 1 - s^2 * H1[R lambda],    HCP: Q = 1 - s^3 * H0[R lambda^2],
    PRP: Q = 0 - s^3 * H1[R lambda^2],  H_nu[K] = sum_i w_i K(x_i/s) e^{-2 x_i h/s} / s

where H_nu is the 801-point digital Hankel filter of Anderson (1979, Geophysics 44(7) 1287-1305;
J0 and J1 weights, abscissae x_i = exp(-30.0482 + 0.1 i)), exactly as shipped by EMagPy
(``hankelpts.txt``, ``hankelwts0.txt``, ``hankelwts1.txt``; embedded below and checked equal
in tests). The height enters as EMagPy's extra air layer of thickness h, which is the factor
e^{-2 lambda h}.

* ``FSlin``: ECa = 4 Im(Q) / (omega mu_0 s^2) (low-induction-number conversion, EMagPy ``Q2eca``).
* ``FSeq``: the conductivity of the homogeneous half-space (instrument on the ground) whose Im(Q)
  equals the layered model's Im(Q) (EMagPy ``fMaxwellQ``: McNeill's (1980) closed form
  ``getQhomogeneous`` for HCP/VCP, the filter for PRP). EMagPy searches it with
  ``scipy.optimize.newton`` (secant, absolute tolerance 1.48e-8 S/m) on ``|Im Q_hom - Im Q|``, with
  the closed form evaluated as written, which cancels at small induction numbers (Im Q_hom then
  carries rounding noise of about 1e-14 / y^2 relative, y = omega mu0 sigma s^2). Here the root is
  found by Newton's method on the same function evaluated by its Taylor series (no cancellation),
  to machine precision: the two agree to EMagPy's own precision (1e-5 typically, below 1e-4 for
  ECa above ~1 mS/m). The root is the one on the rising branch of Im Q_hom (the one EMagPy's
  search from the LIN value reaches); where the layered Im Q is above that branch's maximum (very
  conductive ground under large coils: y above 1.16 for HCP, 9.13 for VCP) no equivalent
  half-space exists: NaN (EMagPy then fails or returns a meaningless, even negative, value).

Speed (see benchmarks/forward_speed.py), all exact to ~1e-10 of Im Q (tests check EMagPy):
the filter sum runs over the window of abscissae that matters for the batch (the rest is below
``rtol`` of Im Q), with the analytic asymptote Im R ~ -tau/4 + 5 tau^3/64 (tau = omega mu0
sigma_top / lambda^2) summed over the filter tail; one reflection-coefficient computation per
frequency on the filter's own grid in ln(lambda) (step 0.1) for the most common spacing, other
spacings' abscissae reached by 16-point Lagrange interpolation folded into their weights (error
< 1e-11 of Im Q); deep interfaces only for the wavenumbers that reach them (exp(-2 lambda z)
above the tolerance); below the top layer, the smallest wavenumbers (lambda^2 < min omega mu0
sigma) interpolated in lambda^2 from 12 Chebyshev nodes (the sub-surface response is analytic in
lambda^2 there); the recursion in numerator/denominator form (no complex division per layer);
wavenumber-major cache-sized blocks of models; blocks spread over threads (numpy releases the GIL).

Refinement path (``fast=True`` in quadrature, fs_eca, forward_fs and forward.forward_eca), for the
Levenberg-Marquardt refinement, which needs ~1e-4 relative (data noise 3 %): ECa within 1e-4
relative of the exact path above. Measured max, FSlin (FSeq up to 20 % more): 5.6e-6 on the
EMagPy golden models; 1.4e-5 on the random extremes of tests/test_fullsolution_fast.py; 2.8e-5
over 140,000 random model-coil pairs (all presets, h 0-1 m, 4-30 layers, EC 1e-4-10 S/m, layers
1 cm-3 m), 2.5e-5 down to 1e-9 S/m, 2.6e-5 for layers of 1 mm-10 cm (0.01-10 S/m); 6e-7 on the
TU Wien training set (22,480 models); all as before the float32 recursion below, except 6e-7
instead of 5e-7 on the training set. tests/test_fullsolution_fast.py checks the 1e-4. About 6.5x
faster than the exact path (12 layers x 6 CMD-MiniExplorer coils, training-set EC, one thread:
~4.6 vs ~29.5 us per model; see the refinement-path row of benchmarks/forward_speed.py). The same
filter, windows, tail and recursion, with:

* R sampled every 2.5 filter steps (0.25 in ln lambda) instead of every step, brought back onto the
  filter's 0.1 grid by 16-point Lagrange interpolation folded into the per-coil weights (as for the
  other coil spacings). The limit is R's smoothness in ln lambda: branch points at lambda^2 =
  -i omega mu0 sigma_j lie pi/4 off the real ln lambda axis (local interpolation error ~exp(-pi
  (pi/4) / step)), and exp(-2 lambda z) varies fast in ln lambda where 2 lambda z is a few (it is
  bounded only for |Im ln lambda| < pi/2); step 0.3 gave 4e-4, more taps than 16 do not help, and
  so do not non-uniform nodes: 0.3-0.35 near the branch points (0.5 ln(omega mu0 sigma) +- 1) gave
  1e-4-8e-4, 0.4-0.5 above them 1e-3-1e-2 (the 16-tap stencils span 4+ units of ln lambda);
* window tolerance FAST_RTOL = 1e-6 instead of 1e-9; 5 instead of 12 Chebyshev nodes, for
  lambda^2 < 0.8 (not 1) min omega mu0 sigma (half a recursion row fewer than 6 nodes below 1.0, as
  accurate; 4 nodes gave up to 4e-5 on random models with thin layers);
* the recursion in a form without the cancellation in g_up - g_lo: r = (g_up - g_lo) / (g_up + g_lo)
  = i (a_up - a_lo) / d^2, d = g_up + g_lo, a = omega mu0 sigma, and R' = (r + R e) / (1 + r R e)
  as P' = i da Q + d^2 P e, Q' = d^2 Q + i da P e (no division);
* below the second layer (interfaces 2 .. L-1) in float32 / complex64 (numpy runs those 2-3x
  faster, sqrt 3x): gamma (the third layer's from float64: it halved the error there), exp(-2 gamma
  t) from float32 exp, cos and sin (exponent clipped at -40: no subnormal numbers), P and Q rescaled
  every 3 interfaces. Interface 1 and the air interface stay in float64 (with interface 1 in
  float32 too: 3.8e-5 on random extremes, thin conductive top layers magnify its errors), there
  exp(-2 gamma t) = |e| (cos phi + i sin phi) from float32 sin and cos of phi/2, sin phi = 2 s c,
  1 - cos phi = 2 s^2 (relative error ~1e-7 each; the complex exponential was 2/3 of the time).
  float32 stays within 5e-6 of float64 (measured on 1,400 blocks of random models, EC spanning
  0.3-3 decades, layers from 1 mm) where a block's largest / smallest conductivity is <=
  FAST_F32_CONTRAST = 1e3 (at 1e4 up to 3e-4, at 1e10 1.5e-3: r near +-1 carries its information in
  1 - |r| ~ contrast^-1/2) and no thin layer lies between strong reflections, _resonance(lambda =
  1 / largest spacing) <= FAST_F32_RESONANCE = 1 (a stack of 1-35 mm layers of 0.015-5.6 S/m gave
  7e-5); other blocks run the same recursion in float64 (as fast as before: ~8 us per model for EC
  1e-4-1 S/m); the training set (contrast <= 220, resonance <= 0.35) runs in float32;
* the air interface as (num Q + den P e) / (den Q + num P e) (no P / Q), in real arithmetic where
  nothing below the top layer is seen;
* blocks of 512 models with work arrays reused from block to block (one set per thread and call:
  fresh pages from the allocator on every block doubled the time of 512-model blocks);
  per-block plans (nodes, weights) cached on the block's statistics rounded outwards to powers of
  2^(1/4), the weights (~0.4 ms to make) on the coils' filter windows, widened to multiples of 5
  filter steps (4x fewer to make: plans ~0.1 us per model of a first call on the training set);
* fall-back to the exact path, per model: where omega mu0 sigma s^2 > FAST_Y_MAX = 2 for any layer
  and coil (large induction numbers: errors grow to 1e-3 and beyond), and, for FSeq (fast Im Q, then
  the same equivalent-conductivity step), where the equivalent conductivity magnifies a relative
  error of Im Q more than FAST_FSEQ_GAIN_MAX = 2 times (near the top of the half-space's Im Q) or
  does not exist.

Tried on the refinement path without gain: a cut of interface j at its own conductivity jump instead
of a_max / a_min (3 % fewer rows, but 6e-5 for thin layers: the jump does not bound a stack's
reflection); dropping the nodes with negligible weights (5 of 65, no measurable time); real
arithmetic for d = g_up + g_lo (strided float32 writes are 2x slower than the complex add); plain
float32 for everything (3.8e-5 on random extremes, 1.5e-3 at contrasts of 1e10); blocks of 1024
(within the noise of 512).
"""
from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np
from scipy.constants import mu_0 as MU_0  # H/m: the value EMagPy uses, whichever CODATA scipy has

FS_MODELS = ("FSlin", "FSeq")
DEFAULT_RTOL = 1e-9  # window truncation: error of Im(Q) relative to Im(Q), per coil
BLOCK = 128  # models per numpy block (cache-sized work arrays)
_N_FILTER = 801

# orientation -> (filter order: 0 for J0 / 1 for J1, power p of lambda in the kernel)
_KERNEL = {"VCP": (1, 1), "HCP": (0, 2), "PRP": (1, 2)}


@lru_cache(maxsize=1)
def hankel_filter():
    """(x, w0, w1): abscissae and J0/J1 weights of Anderson's (1979) 801-point filter, as EMagPy ships it."""
    a = np.array(_ANDERSON_801.split(), dtype=float).reshape(_N_FILTER, 3)
    out = tuple(np.ascontiguousarray(a[:, k]) for k in range(3))
    for arr in out:
        arr.setflags(write=False)
    return out


@lru_cache(maxsize=256)
def _coil_weights(orientation: str, h_over_s: float):
    """Per-abscissa weight v_i (Im Q = sum_i v_i Im R_i) and tail sums for one coil, over all 801 points.

    Returns (v, t1, t3): v_i = -w_i x_i^p exp(-2 x_i h/s); t1[k] = sum_{i>=k} w_i x_i^(p-2) e_i and
    t3[k] = sum_{i>=k} w_i x_i^(p-6) e_i (suffix sums, length 802) for the asymptotic tail.
    """
    x, w0, w1 = hankel_filter()
    order, p = _KERNEL[orientation]
    w = w0 if order == 0 else w1
    decay = np.exp(-2.0 * x * h_over_s) if h_over_s > 0 else np.ones_like(x)
    v = -w * x**p * decay
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        f1 = w * x ** (p - 2.0) * decay
        f3 = w * x ** (p - 6.0) * decay
    # x^(p-6) overflows only for the smallest abscissae, which are never in a tail
    f3 = np.where(np.isfinite(f3), f3, 0.0)
    t1 = np.r_[np.cumsum(f1[::-1])[::-1], 0.0]
    t3 = np.r_[np.cumsum(f3[::-1])[::-1], 0.0]
    return v, t1, t3


class _Group:
    """Coils of one frequency: they share one reflection-coefficient computation."""

    def __init__(self, frequency, members):
        self.f = float(frequency)
        self.omega = 2.0 * math.pi * self.f
        self.members = members  # list of (column index, orientation, spacing, height)
        self.h_min = min(m[3] for m in members)
        self.s_max = max(m[2] for m in members)
        spacings = [m[2] for m in members]
        # the wavenumber grid is the filter's own grid for the most common spacing (exact for it)
        self.s_ref = max(sorted(set(spacings)), key=spacings.count)


def _groups(coils):
    by_f = {}
    for k, c in enumerate(coils):
        by_f.setdefault(c.frequency, []).append((k, c.orientation, c.coil_spacing, c.height))
    return [_Group(f, m) for f, m in by_f.items()]


def _abscissa(idx):
    """Filter abscissae x_i for integer indices, extended geometrically beyond 0..800."""
    x = hankel_filter()[0]
    idx = np.asarray(idx)
    inside = (idx >= 0) & (idx < _N_FILTER)
    ext = np.exp(math.log(x[0]) + 0.1 * idx)
    return np.where(inside, x[np.clip(idx, 0, _N_FILTER - 1)], ext)


def _coil_window(s, h, a_min, a_max, a0_max, t0_min, rtol):
    """Filter index window [lo, hi) that carries Im Q of one coil to ``rtol``, and ln(1/eps)."""
    x = hankel_filter()[0]
    eps = rtol * a_min / a_max  # deep reflections are scaled by the conductivity contrast
    ln_e = math.log(1.0 / eps)
    # small abscissae: their share of Im Q falls like x^4 / y_min (y = a s^2; measured constant
    # <= 30 over the presets, x 5 for safety) and Im Q itself shrinks with height like s / (s + 4 h)
    x_lo = (rtol * a_min * s * s * s / (150.0 * (s + 4.0 * h))) ** 0.25
    # large abscissae: the tail is summed analytically once deeper interfaces are out of reach
    # (exp(-2 lambda (t0 + h)) < eps) and the tau^5 term of the asymptote is below rtol
    x_hi = max(s * ln_e / (2.0 * (t0_min + h)) if t0_min is not None else 0.0,
               2.0 * math.sqrt(a0_max) * s * rtol ** (-1.0 / 8.0))
    if h > 0:
        x_hi = min(x_hi, s * ln_e / (2.0 * h))  # beyond: exp(-2 lambda h) < eps
    lo = max(int(np.searchsorted(x, x_lo)) - 1, 0)
    hi = min(int(np.searchsorted(x, x_hi, side="right")) + 1, _N_FILTER)
    return lo, max(hi, lo + 1), ln_e


@lru_cache(maxsize=256)
def _lagrange_taps(frac, taps=16):
    """Weights of the ``taps`` nodes -taps/2+1 .. taps/2 for interpolation at offset frac in [0, 1)."""
    nodes = np.arange(-taps // 2 + 1, taps // 2 + 1, dtype=float)
    w = np.ones(taps)
    for k in range(taps):
        for j in range(taps):
            if j != k:
                w[k] *= (frac - nodes[j]) / (nodes[k] - nodes[j])
    return w


_TAPS = 16  # Lagrange interpolation in ln(lambda) on the filter's step 0.1: error < 1e-11 of Im Q


def _plan(g: _Group, a, t0_min, rtol):
    """Wavenumber grid (filter indices for s_ref) and per-coil weights on it for one block."""
    a_min, a_max, a0_max = float(a.min()), float(a.max()), float(a[:, 0].max())
    return _plan_for(g, a_min, a_max, a0_max, t0_min, rtol)[:4]


def _plan_for(g: _Group, a_min, a_max, a0_max, t0_min, rtol, windows=None):
    """_plan from the block's smallest/largest omega mu0 sigma and largest top-layer one; also the
    filter index of the first grid point. windows: (lo, hi) per member instead of _coil_window's."""
    ln_s_ref = math.log(g.s_ref)
    rows = []  # (column, s, weights by grid index offset, lo_grid_index, hi)
    g_lo, g_hi, ln_e_max = 10**9, -(10**9), 0.0
    for i, (k, orientation, s, h) in enumerate(g.members):
        lo, hi, ln_e = _coil_window(s, h, a_min, a_max, a0_max, t0_min, rtol)
        if windows is not None:
            lo, hi = windows[i]
        ln_e_max = max(ln_e_max, ln_e)
        v = _coil_weights(orientation, h / s)[0][lo:hi]
        shift = (ln_s_ref - math.log(s)) / 0.1  # x_i / s = x_{i + shift} / s_ref
        base = math.floor(shift + 1e-9)
        frac = shift - base
        if frac < 1e-9 or frac > 1 - 1e-9:  # on the grid (same spacing, or ratio e^(0.1 m))
            base = round(shift)
            taps, first = np.ones(1), 0
        else:
            taps, first = _lagrange_taps(frac, _TAPS), -_TAPS // 2 + 1
        start = lo + base + first  # grid index of the first node used
        end = hi - 1 + base + first + taps.size  # one past the last node used
        rows.append((k, orientation, s, h, v, taps, start, end, hi))
        g_lo, g_hi = min(g_lo, start), max(g_hi, end)
    n = g_hi - g_lo
    weights = np.zeros((len(rows), n))
    tails = []
    for r, (k, orientation, s, h, v, taps, start, end, hi) in enumerate(rows):
        o = start - g_lo
        for t, wt in enumerate(taps):
            weights[r, o + t : o + t + v.size] += wt * v
        _, t1, t3 = _coil_weights(orientation, h / s)
        tails.append((k, s, t1[hi], t3[hi]))
    lam = _abscissa(np.arange(g_lo, g_hi)) / g.s_ref
    return lam, weights, tails, ln_e_max, g_lo


_KAPPA = 1.0  # rows with lambda^2 < _KAPPA * min(omega mu0 sigma) ...
_N_CHEB = 12  # ... get the sub-surface reflection by Chebyshev interpolation in lambda^2 from 12 nodes


@lru_cache(maxsize=64)
def _cheb_matrix(targets_over_vc: tuple, n_nodes: int):
    """Barycentric interpolation matrix from Chebyshev points on [0, 1] to the targets (in [0, 1])."""
    k = np.arange(n_nodes)
    nodes = 0.5 * (1.0 - np.cos(np.pi * k / (n_nodes - 1)))
    wb = (-1.0) ** k
    wb[0] *= 0.5
    wb[-1] *= 0.5
    t = np.asarray(targets_over_vc)[:, None]
    diff = t - nodes[None, :]
    exact = diff == 0
    diff[exact] = 1.0
    c = wb / diff
    c /= c.sum(axis=1, keepdims=True)
    rows = np.flatnonzero(exact.any(axis=1))
    c[rows] = exact[rows].astype(float)
    return nodes, c


def _reflection(a, thick, depth_min, lam, ln_e, h_min):
    """Surface reflection coefficient R, (n, B) complex (wavenumber-major), of B layered models.

    a: (B, L) omega*mu0*sigma; thick: (L-1,) or (B, L-1) thicknesses (m); depth_min: (L-1,) smallest
    depth of each interface in the block; lam: (n,) ascending wavenumbers (1/m).

    The recursion runs bottom-up over the interfaces below the top layer in numerator/denominator
    form (P/Q, no division per layer). Interface j is only evaluated for lambda < ln_e / (2 (z_j +
    h_min)), where exp(-2 lambda (z_j + h)) < exp(-ln_e): with wavenumbers along the first axis
    those are leading, contiguous rows. Below the top layer everything depends on lambda^2 only and
    is analytic in it (branch points at lambda^2 = -i omega mu0 sigma_j), so for the smallest
    wavenumbers it is interpolated from Chebyshev nodes in lambda^2; the air interface is exact.
    """
    b, n_layers = a.shape
    n = lam.size
    a2 = a * a
    ha = 0.5 * a

    def gamma(j, lam_c, m, out, tr, ti):
        p = lam_c[:m] * lam_c[:m]
        g_r = tr[:m]
        np.add(p * p, a2[:, j], out=g_r)
        np.sqrt(g_r, out=g_r)
        g_r += p
        g_r *= 0.5
        np.sqrt(g_r, out=g_r)  # Re gamma = sqrt((|lambda^2 + i a| + lambda^2) / 2)
        g_i = ti[:m]
        np.divide(ha[:, j], g_r, out=g_i)  # Im gamma = a / (2 Re gamma)
        o = out[:m]
        o.real = g_r
        o.imag = g_i
        return o

    lam_c = lam[:, None]
    tr = np.empty((n, b))
    ti = np.empty((n, b))
    g0 = gamma(0, lam_c, n, np.empty((n, b), complex), tr, ti)
    num = lam_c - g0
    den = lam_c + g0
    if n_layers == 1:
        return num / den

    # rows below sqrt(v_c): sub-surface part interpolated in lambda^2 from Chebyshev nodes
    v_c = _KAPPA * float(a.min())
    m_low = int(np.searchsorted(lam, math.sqrt(v_c), side="right"))
    if m_low < _N_CHEB + 4:
        m_low = 0
        sub = lam
    else:
        nodes, cmat = _cheb_matrix(tuple((lam[:m_low] ** 2 / v_c).tolist()), _N_CHEB)
        sub = np.r_[np.sqrt(nodes * v_c), lam[m_low:]]
    ns = sub.size
    sub_c = sub[:, None]
    prefix = [ns] + [int(np.searchsorted(sub, ln_e / (2.0 * (z + h_min)), side="right")) for z in depth_min]
    shared = thick.ndim == 1
    tr = np.empty((ns, b))
    ti = np.empty((ns, b))
    g_lo = np.empty((ns, b), complex)
    g_up = np.empty((ns, b), complex)
    big_p = np.zeros((ns, b), complex)
    big_q = np.ones((ns, b), complex)
    t_n = np.empty((ns, b), complex)
    t_d = np.empty((ns, b), complex)
    t_e = np.empty((ns, b), complex)
    t_x = np.empty((ns, b), complex)
    gamma(n_layers - 1, sub_c, prefix[n_layers - 1], g_lo, tr, ti)
    for j in range(n_layers - 1, 0, -1):  # interface between layer j-1 and j
        m = prefix[j]
        ga = gamma(j - 1, sub_c, prefix[j - 1], g_up, tr, ti)[:m]
        gb = g_lo[:m]
        if m > 0:
            d = np.add(ga, gb, out=t_d[:m])
            nn = np.subtract(ga, gb, out=t_n[:m])
            pm = big_p[:m]
            qm = big_q[:m]
            if j == n_layers - 1:  # below is the half-space: R = r
                pm[...] = nn
                qm[...] = d
            else:
                e = t_e[:m]
                np.multiply(gb, -2.0 * thick[j] if shared else -2.0 * thick[:, j], out=e)
                np.exp(e, out=e)  # e_j = exp(-2 gamma_j t_j)
                np.multiply(pm, e, out=e)  # P e_j
                x_ = t_x[:m]
                np.multiply(nn, qm, out=x_)  # n Q
                np.multiply(d, qm, out=qm)  # d Q
                np.multiply(nn, e, out=nn)  # n P e
                qm += nn  # Q' = d Q + n P e
                np.multiply(d, e, out=pm)  # d P e
                pm += x_  # P' = n Q + d P e
                if (n_layers - 1 - j) % 8 == 0:  # keep magnitudes in range
                    sc = tr[:m]
                    np.abs(qm.real, out=sc)
                    sc += np.abs(qm.imag)
                    pm /= sc
                    qm /= sc
        g_lo, g_up = g_up, g_lo
    # S = R_1 exp(-2 gamma_0 t_0): the reflection below the top layer, seen at the surface
    m1 = prefix[1]
    s_sub = np.zeros((ns, b), complex)
    if m1 > 0:
        e = t_e[:m1]
        np.multiply(g_lo[:m1], -2.0 * thick[0] if shared else -2.0 * thick[:, 0], out=e)
        np.exp(e, out=e)
        np.divide(big_p[:m1], big_q[:m1], out=s_sub[:m1])
        s_sub[:m1] *= e
    if m_low:
        s_all = np.empty((n, b), complex)
        s_all[:m_low] = cmat @ s_sub[:_N_CHEB]
        s_all[m_low:] = s_sub[_N_CHEB:]
    else:
        s_all = s_sub
    # air interface: R0 = (r + S) / (1 + r S) = (num + den S) / (den + num S)
    out = den * s_all
    out += num
    s_all *= num
    s_all += den
    out /= s_all
    return out


# ----------------------------------------------------------------------------- refinement path (fast=True)
FAST_RTOL = 1e-6  # window truncation on the refinement path (error of Im Q relative to Im Q, per coil)
FAST_Y_MAX = 2.0  # models with max omega mu0 sigma s^2 (over layers and coils) above this use the exact path
FAST_FSEQ_GAIN_MAX = 2.0  # FSeq: models whose d ln(sigma_eq) / d ln(Im Q) exceeds this use the exact path
_FAST_STEP = 2.5  # R sampled every 2.5 filter steps (0.25 in ln lambda) ...
_FAST_TAPS = 16  # ... and brought back onto the filter's grid by 16-point Lagrange interpolation (in the weights)
_FAST_N_CHEB = 5  # Chebyshev nodes (in lambda^2) for the sub-surface response at the smallest wavenumbers ...
_FAST_KAPPA = 0.8  # ... lambda^2 < _FAST_KAPPA * min(omega mu0 sigma)
_FAST_BLOCK = 512  # models per block (work arrays reused from block to block: see _work)
FAST_F32_CONTRAST = 1e3  # float64 recursion for blocks whose largest / smallest conductivity exceeds this ...
FAST_F32_RESONANCE = 1.0  # ... or with a thin layer between strong reflections (see _resonance) above this
_QUANT = 4.0  # block statistics rounded outwards to powers of 2^(1/4), so that block plans repeat (cache)
_WIN_ROUND = 5  # filter windows of the refinement path widened to multiples of 5 filter steps


def _round_down(v):
    return 2.0 ** (math.floor(_QUANT * math.log2(v)) / _QUANT)


def _round_up(v):
    return 2.0 ** (math.ceil(_QUANT * math.log2(v)) / _QUANT)


_FOLDED = {}  # (members, s_ref, windows, step, taps) -> (lam, weights, tails): see _fast_plan


def _fold(g, a_min, a_max, a0_max, t0_min, rtol, step, taps, windows):
    """Nodes (lam) every ``step`` filter steps and per-coil weights on them: the exact plan's weights
    on the filter windows ``windows`` times the ``taps``-point Lagrange interpolation from the nodes
    (node k at filter index k * step) onto that grid."""
    _, w_fine, tails, _, g_lo = _plan_for(g, a_min, a_max, a0_max, t0_min, rtol, windows)
    n_fine = w_fine.shape[1]
    half = taps // 2
    k_lo = math.floor(g_lo / step) - half
    fold = np.zeros((n_fine, math.ceil((g_lo + n_fine - 1) / step) + half + 1 - k_lo))
    pos = np.arange(g_lo, g_lo + n_fine) / step
    k = np.floor(pos + 1e-9).astype(int)
    frac = np.round(pos - k, 12)
    for f in np.unique(frac):  # fine rows at the same offset from their nodes share the weights
        rows = np.flatnonzero(frac == f)
        if f < 1e-9:  # on a node
            fold[rows, k[rows] - k_lo] = 1.0
        else:
            cols = (k[rows] - half + 1 - k_lo)[:, None] + np.arange(taps)
            fold[rows[:, None], cols] = _lagrange_taps(float(f), taps)
    weights = w_fine @ fold
    used = np.flatnonzero(np.any(weights != 0.0, axis=0))
    weights = np.ascontiguousarray(weights[:, used[0] : used[-1] + 1])
    x0 = math.log(hankel_filter()[0][0])
    lam = np.exp(x0 + 0.1 * step * np.arange(k_lo + used[0], k_lo + used[-1] + 1)) / g.s_ref
    cols = np.array([k for k, _, _, _ in tails])
    s2, t1, t3 = (np.array([t[i] for t in tails]) for i in (1, 2, 3))
    tails = (cols, s2 * s2, t1, t3)
    for arr in (lam, weights) + tails:
        arr.setflags(write=False)
    return lam, weights, tails


@lru_cache(maxsize=1024)
def _fast_plan(members, s_ref, a_min, a_max, a0_max, t0_min, rtol, step, taps, n_cheb):
    """Coarse wavenumber grid and per-coil weights on it (refinement path), cached.

    Nodes and weights from _fold (cached on the coils' filter windows, which many statistics
    share), the Chebyshev interpolation in lambda^2 for the nodes below sqrt(a_min) (see
    _reflection). Returns (lam, weights, tails, ln_e, m_low, cheb_lam, cmat), tails = (columns,
    s^2, t1, t3) per member (see _coil_weights).
    """
    wins = [_coil_window(s, h, a_min, a_max, a0_max, t0_min, rtol) for _, _, s, h in members]
    ln_e = max(w[2] for w in wins)
    # windows widened to multiples of _WIN_ROUND filter steps: 4x fewer distinct folds to make
    q = _WIN_ROUND
    wins = tuple((q * (lo // q), min(q * -(-hi // q), _N_FILTER)) for lo, hi, _ in wins)
    key = (members, s_ref, wins, step, taps)
    folded = _FOLDED.get(key)
    if folded is None:
        g = _Group.__new__(_Group)
        g.members, g.s_ref = list(members), s_ref
        folded = _fold(g, a_min, a_max, a0_max, t0_min, rtol, step, taps, wins)
        if len(_FOLDED) >= 512:
            _FOLDED.clear()
        _FOLDED[key] = folded
    lam, weights, tails = folded
    m_low = int(np.searchsorted(lam, math.sqrt(_FAST_KAPPA * a_min), side="right"))
    if m_low < n_cheb + 2:
        m_low, cheb_lam, cmat = 0, lam[:0], None
    else:
        v_c = _FAST_KAPPA * a_min
        nodes_c, cmat = _cheb_matrix(tuple((lam[:m_low] ** 2 / v_c).tolist()), n_cheb)
        cheb_lam = np.sqrt(nodes_c * v_c)
        cheb_lam.setflags(write=False)
    return lam, weights, tails, ln_e, m_low, cheb_lam, cmat


def _work(ws, key, rows, cols, dtype=np.float64):
    """Work array ``key`` of shape (rows, cols) from the workspace ``ws`` (a dict, one per thread and
    quadrature call), contents undefined: reused from block to block, which spares the allocator's
    fresh pages on every block (512-model blocks took twice as long without)."""
    size = rows * cols
    buf = ws.get((key, dtype))
    if buf is None or buf.size < size:
        buf = ws[(key, dtype)] = np.empty(size, dtype)
    return buf[:size].reshape(rows, cols)


def _air_im(m2l, tr, ti, dst, tmp):
    """Im R0 where nothing below the top layer is seen: Im((lambda - g) / (lambda + g)) =
    -2 lambda Im g / ((lambda + Re g)^2 + (Im g)^2); m2l = -2 lambda (column), g = gamma_0."""
    np.subtract(tr, 0.5 * m2l, out=tmp)
    np.multiply(tmp, tmp, out=tmp)
    np.multiply(ti, ti, out=dst)
    tmp += dst
    np.multiply(ti, m2l, out=dst)
    np.divide(dst, tmp, out=dst)


_F32 = np.float32
_C64 = np.complex64
_FAST_NORM_EVERY = 3  # float32 recursion: P and Q rescaled every 3 interfaces (|g_up + g_lo|^2 per step)
_FAST_EXP_MIN = -40.0  # float32 exp(-2 t Re gamma) clipped here (e^-40 ~ 4e-18: no subnormal numbers)


def _reflection_fast(a, thick, depth_min, lam, ln_e, h_min, m_low, cheb_lam, cmat, single, ws):
    """Im R (n, B) as ``_reflection`` computes it, on the refinement path's coarse grid.

    Differences (module docstring): the Chebyshev nodes come with the (cached) plan; the recursion
    as P' = i da Q + d^2 P e, Q' = d^2 Q + i da P e, d = g_up + g_lo, da = a_up - a_lo (R' = (r + R e)
    / (1 + r R e), r = (g_up - g_lo) / d = i da / d^2: no cancellation in g_up - g_lo); interfaces
    2 .. L-1 in float32 / complex64 if ``single`` (else float64), rescaled every _FAST_NORM_EVERY
    interfaces; interface 1 and the air interface in float64, where exp(-2 gamma t) =
    |e| (cos phi + i sin phi) comes from float32 sin and cos of phi/2 (sin phi = 2 s c,
    1 - cos phi = 2 s^2, then float64); the air interface as (num Q + den P e) / (den Q + num P e)
    (no P / Q), in real arithmetic where nothing below is seen; work arrays from ``ws`` (_work).
    """
    b, n_layers = a.shape
    n = lam.size
    a_t = np.ascontiguousarray(a.T)  # (L, B): contiguous per layer
    qa2 = 0.25 * a_t * a_t
    ha = 0.5 * a_t
    im_r = np.empty((n, b))

    def gamma(j, qpp, hp, m, tr, ti, q_a2=qa2, h_a=ha):
        """Re and Im of gamma_j on the first m rows: Re = sqrt(|lambda^2 + i a| / 2 + lambda^2 / 2)."""
        g_r = tr[:m]
        np.add(qpp[:m], q_a2[j], out=g_r)
        np.sqrt(g_r, out=g_r)
        np.add(g_r, hp[:m], out=g_r)
        np.sqrt(g_r, out=g_r)
        np.divide(h_a[j], g_r, out=ti[:m])

    def powers(name, lam_rows, dtype=np.float64):
        """lambda^4 / 4 and lambda^2 / 2 as full (rows, B) arrays (faster than broadcast columns),
        kept from the previous block if it had the same plan (the same node arrays) and size."""
        qpp, hp = _work(ws, name + "q", lam_rows.size, b, dtype), _work(ws, name + "h", lam_rows.size, b, dtype)
        old = ws.get(name)
        if old is None or old[0] is not lam or old[1] is not cheb_lam or old[2:] != (m_low, b):
            p = lam_rows[:, None] ** 2
            qpp[...] = 0.25 * p * p
            hp[...] = 0.5 * p
            ws[name] = (lam, cheb_lam, m_low, b)
        return qpp, hp

    top = n if n_layers == 1 else m_low
    if top:  # gamma_0 on the rows that the recursion does not see
        tr0, ti0 = _work(ws, "tr0", top, b), _work(ws, "ti0", top, b)
        gamma(0, *powers("p0", lam[:top]), top, tr0, ti0)
        if n_layers == 1:
            _air_im(-2.0 * lam[:, None], tr0, ti0, im_r, _work(ws, "air", n, b))
            return im_r

    sub = np.r_[cheb_lam, lam[m_low:]]
    n_nodes = cheb_lam.size
    ns = sub.size
    qpp, hp = powers("ps", sub)
    prefix = np.searchsorted(sub, ln_e / (2.0 * (np.asarray(depth_min) + h_min)), side="right")
    prefix = [ns] + np.maximum.accumulate(prefix[::-1])[::-1].tolist()  # a deeper interface seen: all above too
    tt = -2.0 * thick  # (L-1,) or (B, L-1)
    shared = thick.ndim == 1
    m1 = prefix[1]
    big_p, big_q = _work(ws, "P", ns, b, complex), _work(ws, "Q", ns, b, complex)
    t_e, t_x = _work(ws, "E", ns, b, complex), _work(ws, "X", ns, b, complex)
    mag, wrk = _work(ws, "mag", ns, b), _work(ws, "wrk", ns, b)
    ph, s32, c32 = (_work(ws, k, ns, b, _F32) for k in ("ph", "s32", "c32"))

    def decay(tr_j, ti_j, t, m):
        """exp(-2 gamma_j t) on the first m rows (t: scalar or (B,)), float64, into t_e."""
        mg = mag[:m]
        np.multiply(tr_j[:m], -2.0 * t, out=mg)
        np.exp(mg, out=mg)  # |e|
        phm = ph[:m]
        np.multiply(ti_j[:m], -t, out=phm, casting="same_kind")  # half the phase, float32
        sh = s32[:m]
        ch = c32[:m]
        np.sin(phm, out=sh)
        np.cos(phm, out=ch)
        np.add(sh, sh, out=phm)
        np.multiply(phm, ch, out=ch)  # sin phi
        np.multiply(phm, sh, out=sh)  # 1 - cos phi, accurate relative to itself
        e = t_e[:m]
        np.multiply(mg, ch, out=e.imag)
        w = wrk[:m]
        np.multiply(mg, sh, out=w)
        np.subtract(mg, w, out=e.real)
        return e

    def interface(pm, qm, d2, ida, e, w):
        """P' = i da Q + d^2 X, Q' = d^2 Q + i da X with X = P e (in e), w: work array."""
        np.multiply(pm, e, out=e)  # X
        np.multiply(qm, ida, out=w)  # i da Q
        np.multiply(d2, qm, out=qm)
        np.multiply(e, ida, out=pm)
        qm += pm  # d^2 Q + i da X
        np.multiply(d2, e, out=pm)
        pm += w  # i da Q + d^2 X

    # float64: gamma_0 on all rows, gamma_1 on the rows interface 1 is evaluated on
    tr_0, ti_0 = _work(ws, "trs0", ns, b), _work(ws, "tis0", ns, b)
    gamma(0, qpp, hp, ns, tr_0, ti_0)
    tr_1, ti_1 = _work(ws, "trs1", m1, b), _work(ws, "tis1", m1, b)
    if m1:
        gamma(1, qpp, hp, m1, tr_1, ti_1)
    ida = np.empty((n_layers - 1, b), complex)
    ida.real = 0.0
    np.subtract(a_t[:-1], a_t[1:], out=ida.imag)  # interface j: i (a_{j-1} - a_j), row j - 1

    if n_layers > 2:  # interfaces L-1 .. 2: float32 (float64 if the block's contrast is too large for it)
        m2 = prefix[2]
        if single:
            fl, cx = _F32, _C64
            q_p, h_p = powers("ps32", sub, _F32)
            qa2_d, ha_d, tt_d = qa2.astype(_F32), ha.astype(_F32), tt.astype(_F32)
        else:
            fl, cx = np.float64, complex
            q_p, h_p, qa2_d, ha_d, tt_d = qpp, hp, qa2, ha, tt
        ida_d = ida.astype(cx, copy=False)
        a_max = float(a_t.max())
        t_max = thick if shared else thick.max(axis=0)
        tr_lo, ti_lo, tr_up, ti_up = (_work(ws, k, ns, b, fl) for k in ("trl", "til", "tru", "tiu"))
        g_lo, g_up, p_d, q_d, e_d, w_d, d_d = (_work(ws, k, ns, b, cx)
                                               for k in ("gl", "gu", "Pd", "Qd", "Ed", "Wd", "Dd"))
        mg_d, ph_d, cs_d, sn_d = (_work(ws, k, ns, b, fl) for k in ("mgd", "phd", "csd", "snd"))

        def gamma_d(j, m, tr, ti, cg):
            if single and j == 2:  # right below the float64 layers: from float64 (halves the error)
                g_r, g_i = _work(ws, "tr2", m, b), _work(ws, "ti2", m, b)
                gamma(2, qpp, hp, m, g_r, g_i)
                np.copyto(tr[:m], g_r, casting="same_kind")
                np.copyto(ti[:m], g_i, casting="same_kind")
            else:
                gamma(j, q_p, h_p, m, tr, ti, qa2_d, ha_d)
            cg[:m].real = tr[:m]
            cg[:m].imag = ti[:m]

        def decay_d(tr_j, ti_j, j, m):
            """exp(-2 gamma_j t_j) on the first m rows, into e_d: float32 exp, cos and sin (float64: as
            decay, into t_e)."""
            t = tt_d[j] if shared else tt_d[:, j]  # -2 t_j
            if not single:
                return decay(tr_j, ti_j, -0.5 * t, m)
            mg = mg_d[:m]
            np.multiply(tr_j[:m], t, out=mg)
            if 2.0 * t_max[j] * math.sqrt(sub[m - 1] ** 2 + a_max) > -_FAST_EXP_MIN:  # 2 t Re gamma may reach it
                np.maximum(mg, _FAST_EXP_MIN, out=mg)
            np.exp(mg, out=mg)
            phm = ph_d[:m]
            np.multiply(ti_j[:m], t, out=phm)
            c, s = cs_d[:m], sn_d[:m]
            np.cos(phm, out=c)
            np.sin(phm, out=s)
            e = e_d[:m]
            np.multiply(mg, c, out=e.real)
            np.multiply(mg, s, out=e.imag)
            return e

        m_bot = prefix[n_layers - 1]
        p_d[m_bot:m2] = 0.0  # R = 0 below the interfaces not reached
        q_d[m_bot:m2] = 1.0
        gamma_d(n_layers - 1, m_bot, tr_lo, ti_lo, g_lo)
        steps = 0
        for j in range(n_layers - 1, 1, -1):  # interface between layer j-1 and j
            m = prefix[j]
            mu = prefix[j - 1]
            if j > 2:
                gamma_d(j - 1, mu, tr_up, ti_up, g_up)
            else:  # gamma_1 from float64
                g_up[:m].real = tr_1[:m]
                g_up[:m].imag = ti_1[:m]
            if m > 0:
                pm, qm, d2 = p_d[:m], q_d[:m], d_d[:m]
                np.add(g_up[:m], g_lo[:m], out=d2)  # d = g_up + g_lo
                np.multiply(d2, d2, out=d2)
                if j == n_layers - 1:  # below is the half-space: R = r = i da / d^2
                    pm[...] = ida_d[j - 1]
                    qm[...] = d2
                else:
                    interface(pm, qm, d2, ida_d[j - 1], decay_d(tr_lo, ti_lo, j, m), w_d[:m])
                    steps += 1
                    if steps % _FAST_NORM_EVERY == 0:  # keep magnitudes in range
                        sc = mg_d[:m]
                        np.abs(qm.real, out=sc)
                        sc += np.abs(qm.imag)
                        np.divide(1.0, sc, out=sc)
                        pm *= sc
                        qm *= sc
            tr_lo, tr_up = tr_up, tr_lo
            ti_lo, ti_up = ti_up, ti_lo
            g_lo, g_up = g_up, g_lo
        big_p[:m2] = p_d[:m2]
        big_q[:m2] = q_d[:m2]
        big_p[m2:m1] = 0.0
        big_q[m2:m1] = 1.0
    ida1 = 1j * (a_t[0] - a_t[1])
    if m1:  # interface 1 (between layers 0 and 1), float64
        d2 = t_x[:m1]
        np.add(tr_0[:m1], tr_1, out=d2.real)
        np.add(ti_0[:m1], ti_1, out=d2.imag)
        np.multiply(d2, d2, out=d2)
        pm, qm = big_p[:m1], big_q[:m1]
        if n_layers == 2:
            pm[...] = ida1
            qm[...] = d2
        else:
            e = decay(tr_1, ti_1, thick[1] if shared else thick[:, 1], m1)
            interface(pm, qm, d2, ida1, e, _work(ws, "W", m1, b, complex))
    # P/Q on the first m1 rows: R_1, the reflection below the top layer
    x = t_x[:m1]
    if m1 > 0:
        e = decay(tr_0, ti_0, thick[0] if shared else thick[:, 0], m1)
        np.multiply(big_p[:m1], e, out=x)  # X = P exp(-2 gamma_0 t_0): S = X / Q
    # rows of lam from m_low on (sub rows from n_nodes on) that see below the top layer: R0 exact
    r0, r1 = n_nodes, max(m1, n_nodes)
    if r1 > r0:
        rows = slice(r0, r1)
        lc = sub[rows, None]
        num, den = _work(ws, "num", r1 - r0, b, complex), _work(ws, "den", r1 - r0, b, complex)
        np.subtract(lc, tr_0[rows], out=num.real)
        np.negative(ti_0[rows], out=num.imag)
        np.add(lc, tr_0[rows], out=den.real)
        den.imag = ti_0[rows]
        qm, xm = big_q[rows], x[r0:r1]
        aa = big_p[rows]  # P no longer needed on these rows
        bb = t_e[rows]
        np.multiply(num, qm, out=aa)
        np.multiply(den, qm, out=bb)
        np.multiply(den, xm, out=qm)
        aa += qm  # num Q + den X
        np.multiply(num, xm, out=qm)
        bb += qm  # den Q + num X
        aa /= bb
        im_r[m_low : m_low + r1 - r0] = aa.imag
    if ns > r1:  # nothing below the top layer seen: only the air interface
        rows = slice(r1, ns)
        _air_im(-2.0 * sub[rows, None], tr_0[rows], ti_0[rows], im_r[m_low + r1 - r0 :], wrk[rows])
    if m_low:  # sub-surface reflection by Chebyshev interpolation in lambda^2 from the nodes
        s_nodes = _work(ws, "sn", n_nodes, b, complex)
        k = min(m1, n_nodes)
        np.divide(x[:k], big_q[:k], out=s_nodes[:k])
        s_nodes[k:] = 0.0
        s_low = cmat @ s_nodes  # (m_low, B)
        lc = lam[:m_low, None]
        num, den = _work(ws, "nl", m_low, b, complex), _work(ws, "dl", m_low, b, complex)
        np.subtract(lc, tr0, out=num.real)
        np.negative(ti0, out=num.imag)
        np.add(lc, tr0, out=den.real)
        den.imag = ti0
        o = den * s_low
        o += num
        s_low *= num
        s_low += den
        o /= s_low
        im_r[:m_low] = o.imag
    return im_r


def _resonance(a, thick, lam):
    """Largest |r_above r_below| / min(1, 2 |gamma| t) over the finite layers of a block at wavenumber lam
    (a: (B, L) omega mu0 sigma; thick: (L-1,) or (B, L-1)): how much a thin layer between two strong
    reflections magnifies relative errors of the reflection below it (R = (r + R' e) / (1 + r R' e), a
    small difference r + R' e where 1 - e ~ 2 gamma t is small). |r| from its bound |a_j-1 - a_j| /
    (|gamma_j-1|^2 + |gamma_j|^2), the air above the top layer as a layer with a = 0."""
    lam2 = lam * lam
    g2 = np.sqrt(a * a + lam2 * lam2)  # |gamma|^2
    r = np.abs(a[:, 1:] - a[:, :-1]) / (g2[:, 1:] + g2[:, :-1])  # (B, L-1): interfaces 1 .. L-1
    r_above = np.empty_like(r)
    r_above[:, 0] = a[:, 0] / (lam2 + g2[:, 0])
    r_above[:, 1:] = r[:, :-1]
    r *= r_above
    x = np.sqrt(g2[:, :-1])
    x *= 2.0 * thick
    np.minimum(x, 1.0, out=x)
    r /= x
    return float(r.max())


def _block_geometry(edges, n_layers):
    """(thicknesses (L-1,) or (B, L-1), smallest depth of each interface (L-1,), thinnest top layer)
    of a block's layer edges (L+1,) or (B, L+1); all None for a half-space alone."""
    if n_layers <= 1:
        return None, None, None
    if edges.ndim == 1:
        thick = np.diff(edges[:-1])
        return thick, edges[1:-1], float(thick[0])
    thick = np.diff(edges[:, :-1], axis=1)
    return thick, edges[:, 1:-1].min(axis=0), float(thick[:, 0].min())


def _block_quadrature_fast(ec, edges, groups, n_coils, rtol, ws):
    """Im(Q) (B, n_coils) for one block of models on the refinement path (see _block_quadrature)."""
    b, n_layers = ec.shape
    out = np.empty((b, n_coils))
    thick, depth_min, t0_min = _block_geometry(edges, n_layers)
    ec_min, ec_max, ec0_max = float(ec.min()), float(ec.max()), float(ec[:, 0].max())
    # float32 below the second layer (see _reflection_fast) unless the conductivity contrast is large
    single = n_layers > 2 and ec_max <= FAST_F32_CONTRAST * ec_min
    t_min = float(thick.min()) if single else 0.0
    for g in groups:
        wm = g.omega * MU_0
        a = wm * ec
        # the plan from the block's statistics rounded outwards (a wider window), so that it repeats
        key = (_round_down(wm * ec_min), _round_up(wm * ec_max), _round_up(wm * ec0_max),
               None if t0_min is None else _round_down(t0_min))
        lam, weights, tails, ln_e, m_low, cheb_lam, cmat = _fast_plan(
            tuple(g.members), g.s_ref, *key, rtol, _FAST_STEP, _FAST_TAPS, _FAST_N_CHEB)
        # float32 unless a thin layer between strong reflections (at lambda = 1 / largest spacing) would
        # magnify its errors: first a bound (|r| <= a_max / (2 lambda^2), |gamma| >= lambda), then _resonance
        f32 = False
        if single:
            lam_r = 1.0 / g.s_max
            r_max = min(1.0, wm * ec_max / (2.0 * lam_r * lam_r))
            f32 = (r_max * r_max / min(1.0, 2.0 * lam_r * t_min) <= FAST_F32_RESONANCE
                   or _resonance(a, thick, lam_r) <= FAST_F32_RESONANCE)
        im_r = _reflection_fast(a, thick, depth_min, lam, ln_e, g.h_min, m_low, cheb_lam, cmat, f32, ws)
        cols, s2, t1, t3 = tails
        y0 = a[:, :1] * s2  # (B, members): omega mu0 sigma_top s^2
        q = weights @ im_r
        q += (0.25 * t1)[:, None] * y0.T
        y0 *= y0 * y0
        q -= ((5.0 / 64.0) * t3)[:, None] * y0.T
        out[:, cols] = q.T
    return out


def _block_quadrature(ec, edges, groups, n_coils, rtol):
    """Im(Q) (B, n_coils) for one block of models (ec (B, L) S/m, edges (L+1,) or (B, L+1))."""
    b, n_layers = ec.shape
    out = np.empty((b, n_coils))
    thick, depth_min, t0_min = _block_geometry(edges, n_layers)
    for g in groups:
        a = (g.omega * MU_0) * ec
        lam, weights, tails, ln_e = _plan(g, a, t0_min, rtol)
        im_r = _reflection(a, thick, depth_min, lam, ln_e, g.h_min).imag  # (n, B)
        q = weights @ im_r  # (n_members, B)
        for i, (k, s, t1, t3) in enumerate(tails):
            y0 = a[:, 0] * (s * s)  # omega mu0 sigma_top s^2
            out[:, k] = q[i] + 0.25 * y0 * t1 - (5.0 / 64.0) * y0**3 * t3
    return out


def _auto_threads(threads):
    if threads is None:
        threads = min(os.cpu_count() or 1, 8)
    return max(int(threads), 1)


def fast_path_mask(ec, coils):
    """(N,) bool: the models the refinement path (fast=True) computes itself, i.e. those with
    max_j omega mu0 sigma_j s^2 <= FAST_Y_MAX over layers and coils; the others go the exact path."""
    k = max(2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2 for c in coils)
    return np.asarray(ec, dtype=float).max(axis=1) * k <= FAST_Y_MAX


def quadrature(ec, edges, coils, chunk_size=BLOCK, rtol=DEFAULT_RTOL, threads=None, fast=False):
    """Im(Hs/Hp) (N, n_coils) of layered models by the full solution (EMagPy ``getQ2``).

    ec (N, L) S/m and edges (L+1,) or (N, L+1) m, already validated (see forward._check_models);
    coils: sequence of instruments.Coil. chunk_size: models per block, at most 128 (on the fast
    path 512 unless chunk_size < 128: its work arrays are reused). fast: the refinement path
    (module docstring) for the models of ``fast_path_mask``, the exact path for the others; its
    window tolerance is max(rtol, FAST_RTOL).
    """
    ec = np.asarray(ec, dtype=float)
    edges = np.asarray(edges, dtype=float)
    n = ec.shape[0]
    if fast:
        ok = fast_path_mask(ec, coils) if n else np.ones(0, bool)
        if not ok.all():
            out = np.empty((n, len(coils)))
            for mask, f in ((ok, True), (~ok, False)):
                idx = np.flatnonzero(mask)
                if idx.size:
                    e = edges if edges.ndim == 1 else edges[idx]
                    out[idx] = quadrature(ec[idx], e, coils, chunk_size, rtol, threads, fast=f)
            return out
        rtol = max(rtol, FAST_RTOL)
    groups = _groups(coils)
    block = max(1, min(int(chunk_size), BLOCK))
    if fast and block == BLOCK:
        block = _FAST_BLOCK
    starts = list(range(0, n, block))
    out = np.empty((n, len(coils)))

    workspaces = threading.local()  # the fast path's work arrays: one set per thread, for this call

    def run(i0):
        i1 = min(i0 + block, n)
        e = edges if edges.ndim == 1 else edges[i0:i1]
        if fast:
            out[i0:i1] = _block_quadrature_fast(ec[i0:i1], e, groups, len(coils), rtol, workspaces.__dict__)
        else:
            out[i0:i1] = _block_quadrature(ec[i0:i1], e, groups, len(coils), rtol)

    threads = min(_auto_threads(threads), len(starts))
    if threads <= 1:
        for i0 in starts:
            run(i0)
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(run, starts))
    return out


def q_to_eca(imag_q, coils):
    """LIN apparent conductivity (S/m) from Im(Q): 4 Im(Q) / (omega mu0 s^2) (EMagPy ``Q2eca``)."""
    fac = np.array([4.0 / (2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2) for c in coils])
    return np.asarray(imag_q) * fac


def eca_to_q(eca, coils):
    """Inverse of q_to_eca: Im(Q) of a LIN apparent conductivity (S/m) (EMagPy ``eca2Q``)."""
    fac = np.array([4.0 / (2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2) for c in coils])
    return np.asarray(eca) / fac


# ----------------------------------------------------------------------------- FSeq
@lru_cache(maxsize=4)
def _hom_series(orientation: str, n_terms: int = 48):
    """Coefficients c_m with Im Q_hom = sum_m c_m t^m, t = s sqrt(omega mu0 sigma) (McNeill 1980).

    Q_hom(x), x = sqrt(i) t: VCP 2(1 - 3/x^2 + (3 + 3x + x^2) e^-x / x^2),
    HCP 2/x^2 (9 - (9 + 9x + 4x^2 + x^3) e^-x) (EMagPy ``getQhomogeneous``), expanded in x.
    """
    from fractions import Fraction

    poly = {"VCP": (3, 3, 1), "HCP": (9, 9, 4, 1)}[orientation]
    fact = [math.factorial(k) for k in range(n_terms + 4)]

    def coef(k):  # coefficient of x^k in poly(x) e^-x
        return sum(Fraction(c * (-1) ** (k - j), fact[k - j]) for j, c in enumerate(poly) if k >= j)

    q = []
    for m in range(n_terms):
        if orientation == "VCP":
            q.append((2 + 2 * coef(2)) if m == 0 else 2 * coef(m + 2))
        else:
            q.append(-2 * coef(m + 2))
    # x^m = t^m exp(i m pi / 4): Im part uses sin(m pi / 4), exact in {0, +-1, +-1/sqrt2}
    s2 = math.sqrt(0.5)
    sines = [0.0, s2, 1.0, s2, 0.0, -s2, -1.0, -s2]
    return np.array([float(qm) * sines[m % 8] for m, qm in enumerate(q)])


def _hom_imq_closed(orientation, t):
    """Im Q_hom by the closed form (for t beyond the series' comfortable range)."""
    x = np.sqrt(1j) * t
    if orientation == "HCP":
        q = 2 / x**2 * (9 - (9 + 9 * x + 4 * x**2 + x**3) * np.exp(-x))
    else:
        q = 2 * (1 - 3 / x**2 + (3 + 3 * x + x**2) * np.exp(-x) / x**2)
    return q.imag


def _hom_g_and_slope(orientation, y):
    """G(y) = Im Q_hom at y = omega mu0 sigma s^2 and dG/dy, HCP/VCP, by the Taylor series in t."""
    c = _hom_series(orientation)
    t = np.sqrt(y)
    g = np.zeros_like(t)
    dg = np.zeros_like(t)
    for m in range(c.size - 1, 0, -1):  # Horner for G/t^2 style sums
        g = g * t + c[m]
        dg = dg * t + m * c[m]
    g = g * t + c[0]
    # g(t) = sum c_m t^m; dG/dy = g'(t) / (2 t) = sum m c_m t^(m-2) / 2 (c_0 = c_1 = 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(t > 0, dg / (2 * t), 0.25)
    return g, slope


@lru_cache(maxsize=2)
def _hom_peak(orientation):
    """(y_peak, G_peak): the maximum of Im Q_hom (end of the branch on which FSeq is defined)."""
    if orientation == "PRP":
        y, g, _ = _prp_table()
        i = int(np.argmax(g * y))
        return float(y[i]), float((g * y)[i])
    y = np.linspace(0.05, 16.0, 32001)
    gy = _hom_imq_closed(orientation, np.sqrt(y))
    i = int(np.argmax(gy))
    lo, hi = y[max(i - 1, 0)], y[min(i + 1, y.size - 1)]
    for _ in range(60):  # golden-section refine
        m1, m2 = lo + 0.382 * (hi - lo), lo + 0.618 * (hi - lo)
        if _hom_imq_closed(orientation, math.sqrt(m1)) < _hom_imq_closed(orientation, math.sqrt(m2)):
            lo = m1
        else:
            hi = m2
    yp = 0.5 * (lo + hi)
    return yp, float(_hom_g_and_slope(orientation, np.array([yp]))[0][0])


@lru_cache(maxsize=1)
def _prp_table():
    """PRP homogeneous half-space Im Q by the filter (EMagPy fMaxwellQ's PRP objective), tabulated.

    Returns (y, G/y, d(G/y)/dln y) on a log grid of y = omega mu0 sigma s^2 (step 0.01 in ln y).
    """
    x, _, w1 = hankel_filter()
    u = np.arange(math.log(1e-16), math.log(50.0) + 0.005, 0.01)
    y = np.exp(u)
    g = np.empty_like(y)
    dg = np.empty_like(y)
    xx = x * x
    for i0 in range(0, y.size, 256):
        yy = y[i0 : i0 + 256, None]
        gam = np.sqrt(xx + 1j * yy)
        den = x + gam
        r = (x - gam) / den
        dr = (-2.0 * x / den**2) * (0.5j / gam)  # dR/dy
        g[i0 : i0 + 256] = -(r.imag * (w1 * xx)).sum(axis=1)
        dg[i0 : i0 + 256] = -(dr.imag * (w1 * xx)).sum(axis=1)
    ratio = g / y
    dratio = (dg * y - g) / y  # d(G/y)/du = (G' y - G) / y
    return y, ratio, dratio


def _prp_g_and_slope(yv):
    """Im Q_hom (PRP) and dG/dy by cubic Hermite interpolation of the table in ln y."""
    y, ratio, dratio = _prp_table()
    u0 = math.log(y[0])
    hstep = 0.01
    u = np.log(np.clip(yv, y[0], y[-1]))
    k = np.clip(((u - u0) / hstep).astype(int), 0, y.size - 2)
    tt = (u - (u0 + k * hstep)) / hstep
    f0, f1 = ratio[k], ratio[k + 1]
    d0, d1 = dratio[k] * hstep, dratio[k + 1] * hstep
    h00 = (1 + 2 * tt) * (1 - tt) ** 2
    h10 = tt * (1 - tt) ** 2
    h01 = tt * tt * (3 - 2 * tt)
    h11 = tt * tt * (tt - 1)
    rr = h00 * f0 + h10 * d0 + h01 * f1 + h11 * d1
    drr = (
        (6 * tt * tt - 6 * tt) * f0
        + (3 * tt * tt - 4 * tt + 1) * d0
        + (-6 * tt * tt + 6 * tt) * f1
        + (3 * tt * tt - 2 * tt) * d1
    ) / hstep  # d ratio / du
    ys = np.clip(yv, y[0], y[-1])
    small = yv < y[0]
    g = np.where(small, 0.25 * yv, rr * ys)
    slope = np.where(small, 0.25, rr + drr)  # d(y r)/dy = r + dr/du
    return g, slope


def equivalent_y(imag_q, orientation, max_iter=60):
    """y_eq = omega mu0 sigma_eq s^2 of the homogeneous half-space (on the ground) with Im Q = imag_q.

    NaN where imag_q is above the maximum of the half-space's Im Q (no equivalent half-space).
    """
    target = np.asarray(imag_q, dtype=float)
    fn = _prp_g_and_slope if orientation == "PRP" else (lambda yy: _hom_g_and_slope(orientation, yy))
    y_peak, g_peak = _hom_peak(orientation)
    ok = (target > 0) & (target <= g_peak)
    y = np.where(ok, np.minimum(4.0 * target, y_peak), np.nan)  # LIN value: below the root
    active = np.flatnonzero(ok)
    for _ in range(max_iter):
        if active.size == 0:
            break
        ya = y[active]
        g, slope = fn(ya)
        step = (target[active] - g) / np.maximum(slope, 1e-300)
        ynew = np.clip(ya + step, 0.5 * ya, y_peak)
        y[active] = ynew
        active = active[np.abs(ynew - ya) > 1e-15 * ynew]
    return y


def _fseq(imq, coils):
    """EMagPy 'FSeq' (``fMaxwellQ``) from Im Q of the layered models: the conductivity (S/m) of the
    homogeneous half-space, instrument on the ground, with the same Im Q (rising branch; NaN if
    Im Q is above that branch's maximum)."""
    out = np.empty_like(imq)
    for k, c in enumerate(coils):
        y = equivalent_y(imq[:, k], c.orientation)
        out[:, k] = y / (2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2)
    return out


def _fseq_gain(imq, eca, coils):
    """d ln(sigma_eq) / d ln(Im Q) (N, n_coils): how much FSeq magnifies a relative error of Im Q."""
    gain = np.full(imq.shape, np.inf)
    for k, c in enumerate(coils):
        y = eca[:, k] * (2.0 * math.pi * c.frequency * MU_0 * c.coil_spacing**2)
        ok = np.isfinite(y) & (y > 0)
        if ok.any():
            fn = _prp_g_and_slope if c.orientation == "PRP" else (lambda yy, o=c.orientation: _hom_g_and_slope(o, yy))
            _, slope = fn(y[ok])
            with np.errstate(divide="ignore", invalid="ignore"):
                gain[ok, k] = np.abs(imq[ok, k] / (y[ok] * slope))
    return np.where(np.isfinite(gain), gain, np.inf)


def fs_eca(ec, edges, coils, model="FSlin", chunk_size=BLOCK, rtol=DEFAULT_RTOL, threads=None, fast=False):
    """ECa (N, n_coils) in S/m by EMagPy's 'FSlin' or 'FSeq' (inputs already validated).

    fast: the refinement path (module docstring). For FSeq, models whose equivalent conductivity
    would magnify the fast path's error of Im Q more than FAST_FSEQ_GAIN_MAX times (near the top of
    the half-space's Im Q, or no equivalent half-space at all) are recomputed by the exact path.
    """
    if model not in FS_MODELS:
        raise ValueError(f"Unknown full-solution model {model!r}: use one of {FS_MODELS}.")
    imq = quadrature(ec, edges, coils, chunk_size=chunk_size, rtol=rtol, threads=threads, fast=fast)
    if model == "FSlin":
        return q_to_eca(imq, coils)
    out = _fseq(imq, coils)
    if fast:
        redo = np.flatnonzero((_fseq_gain(imq, out, coils) > FAST_FSEQ_GAIN_MAX).any(axis=1))
        if redo.size:
            edges = np.asarray(edges, dtype=float)
            e = edges if edges.ndim == 1 else edges[redo]
            imq_exact = quadrature(np.asarray(ec, dtype=float)[redo], e, coils, chunk_size=chunk_size, rtol=rtol,
                                   threads=threads)
            out[redo] = _fseq(imq_exact, coils)
    return out


def forward_fs(ec, edges, coils, model="FSlin", chunk_size=BLOCK, rtol=DEFAULT_RTOL, threads=None, fast=False):
    """Alias used by forward.forward_eca."""
    return fs_eca(ec, edges, coils, model=model, chunk_size=chunk_size, rtol=rtol, threads=threads, fast=fast)


# Anderson (1979) 801-point J0/J1 Hankel filter, columns: abscissa x_i, weight J0, weight J1.
# Copied digit for digit from EMagPy 1.4.5 (emagpy/hankelpts.txt, hankelwts0.txt, hankelwts1.txt).
_ANDERSON_801 = """
8.917099801327442e-14 2.103562053838982e-29 -2.377900110058238e-29
9.854919374005225e-14 -1.264469361608894e-14 7.972119293423644e-28
1.0891370292130841e-13 4.615731256788567e-14 3.832566186338494e-28
1.2036825704856076e-13 -2.798703374257668e-14 8.493403321392026e-28
1.3302749714952345e-13 5.465764965410841e-14 8.232164371695148e-28
1.4701812115404443e-13 -2.652933109928729e-14 1.100368717019849e-27
1.624801519295721e-13 5.674913434067321e-14 1.325428732821688e-27
1.795683386770759e-13 -2.157276828977208e-14 1.592246428628784e-27
1.9845370571306282e-13 5.831846086773976e-14 1.998601965098251e-27
2.1932526413842005e-13 -1.546589284868783e-14 2.368546581454427e-27
2.423919035250416e-13 6.057302455652974e-14 2.9798793392175e-27
2.6788448255287407e-13 -8.502531259083065e-15 3.543101964370716e-27
2.9605813952117967e-13 6.388018061147645e-14 4.425741130789444e-27
3.2719484585839035e-13 -5.659657635010288e-16 5.318079447058835e-27
3.6160622818693727e-13 6.848500604791407e-14 6.555619006665151e-27
3.996366871872296e-13 8.572897732168276e-15 7.994776219905923e-27
4.4166684447542096e-13 7.465068154681813e-14 9.707158322300619e-27
4.881173519924753e-13 1.920837293261338e-14 1.200497993577129e-26
5.39453102030178e-13 8.269345428975771e-14 1.440665350963159e-26
5.961878800294478e-13 3.1701165629229e-14 1.797046711269925e-26
6.58889506717719e-13 9.300004039695208e-14 2.145390397713542e-26
7.281855210496322e-13 4.649069639417992e-14 2.681614737113612e-26
8.047694608278158e-13 1.060441944490564e-13 3.203783629081399e-26
8.894078038623212e-13 6.411216589597457e-14 3.992219752668547e-26
9.829476391381672e-13 1.224060834001701e-13 4.793780377063212e-26
1.0863251447666186e-12 8.521776751507023e-14 5.935124745092138e-26
1.2005749575703847e-12 1.427957940487172e-13 7.177334354418767e-26
1.3268405280766938e-12 1.106026606968463e-13 8.825226769587027e-26
1.4663855645544968e-12 1.680820203098405e-13 1.073646008000832e-25
1.6206066806315702e-12 1.412367028159546e-13 1.313923424181352e-25
1.7910473730731204e-12 1.993271011776308e-13 1.603838995307793e-25
1.9794134696161976e-12 1.783032042964119e-13 1.958633055912045e-25
2.1875902014670364e-12 2.378298196799422e-13 2.393489595056268e-25
2.4176610713286156e-12 2.232462602765097e-13 2.921690713642289e-25
2.671928705796e-12 2.851776817107034e-13 3.570455561097498e-25
2.9529379008172425e-12 2.778285575785995e-13 4.359157800465477e-25
3.2635010908665675e-12 3.433107735233557e-13 5.32584070913378e-25
3.606726496733882e-12 3.442019764139949e-13 6.503774912184682e-25
3.986049233643149e-12 4.145997612327839e-13 7.944611784834684e-25
4.405265691040131e-12 4.249938198224969e-13 9.70298076151699e-25
4.868571528133974e-12 5.019411631949951e-13 1.185162186264197e-24
5.380603665464783e-12 5.234121310773422e-13 1.447534903673577e-24
5.94648669276291e-12 6.08873719324756e-13 1.768047044621983e-24
6.571884157565408e-12 6.433743253810275e-13 2.159464672432506e-24
7.263055247903366e-12 7.397205280796933e-13 2.63762792262412e-24
8.026917436359513e-12 7.89664297886592e-13 3.221525590342443e-24
8.871115712458867e-12 8.997626559623209e-13 3.934898912364447e-24
9.804099096293469e-12 9.681243129571425e-13 4.80593056310576e-24
1.083520519915528e-11 1.095451187471558e-12 5.870195744781909e-24
1.1974753677488471e-11 1.185889375491455e-12 7.169601400607034e-24
1.3234149515479672e-11 1.334666226164323e-12 8.757287433857845e-24
1.4625997169973058e-11 1.451673490118585e-12 1.069583032926807e-23
1.6164226720110948e-11 1.627033241780647e-12 1.30642679756844e-23
1.786423328424793e-11 1.776119296526221e-12 1.595639689868334e-23
1.974303109946983e-11 1.984309459865773e-12 1.948949017485241e-23
2.1819423805797136e-11 2.172225112712636e-12 2.380425857645875e-23
2.4114192639334462e-11 2.420855801356264e-12 2.907479573699533e-23
2.6650304417866294e-11 2.655866524621122e-12 3.551187751264232e-23
2.945314140048878e-11 2.954213313000758e-12 4.337441481530691e-23
3.255075532179006e-11 3.246433455110429e-12 5.297756660121858e-23
3.597414814303849e-11 3.605807223054322e-12 6.470696377141974e-23
3.9757582330231206e-11 3.9676082798213e-12 7.903329008477021e-23
4.393892376436977e-11 4.401806878720721e-12 9.65314166011553e-23
4.856002071592443e-11 4.848316218220904e-12 1.179038165380973e-22
5.366712267639067e-11 5.37417607788477e-12 1.440079827014168e-22
5.931134323874509e-11 5.923886142128417e-12 1.758917653247009e-22
6.554917165946376e-11 6.561955948855011e-12 2.148347376559587e-22
7.244303822198779e-11 7.237468388830243e-12 2.623996157283884e-22
8.006193905998349e-11 8.012831864792648e-12 3.204958075285148e-22
8.84821266938385e-11 8.841766480402105e-12 3.914542160210567e-22
9.778787319151528e-11 9.785047278800097e-12 4.781235486108842e-22
1.0807231359173195e-10 1.080115224902499e-11 5.83981095239391e-22
1.194383780307337e-10 1.194974128877562e-11 7.132764830587759e-22
1.3199982190169224e-10 1.319424925552153e-11 8.711974589175415e-22
1.458823643569152e-10 1.459380374689331e-11 1.064083434862305e-21
1.6122494654737812e-10 1.611708818260074e-11 1.29967392438526e-21
1.781811221924631e-10 1.782336249944076e-11 1.587425911126261e-21
1.9692059439719362e-10 1.968696083966218e-11 1.938885693339251e-21
2.176309140979487e-10 2.176804271234846e-11 2.368161151141687e-21
2.405193571352724e-10 2.40471274537544e-11 2.892477586360832e-21
2.6581499874015355e-10 2.658616922424555e-11 3.53288127357712e-21
2.9377100619593265e-10 2.937256616666064e-11 4.315069519949315e-21
3.2466717262156566e-10 3.24711207158745e-11 5.270439518682773e-21
3.588127172352005e-10 3.587699548548411e-11 6.437327295395713e-21
3.965493801240443e-10 3.965909071112399e-11 7.862571844418139e-21
4.38254842494019e-10 4.382145152220635e-11 9.60336381428776e-21
4.843465066302134e-10 4.843856688602439e-11 1.172957893208765e-20
5.352856733992456e-10 5.352476425684008e-11 1.432653521781635e-20
5.915821591033856e-10 5.916190912377548e-11 1.749847566646075e-20
6.537993978934625e-10 6.537635327328955e-11 2.137267893871469e-20
7.225600808072236e-10 7.225949098391668e-11 2.610465830070486e-20
7.985523878705335e-10 7.985185650562155e-11 3.188429016442547e-20
8.825368756343782e-10 8.825697213255411e-11 3.894357412134842e-20
9.753540890804595e-10 9.753221923111176e-11 4.756577134959383e-20
1.0779329740778886e-09 1.077963949370144e-10 5.809698595129943e-20
1.1913001745856734e-09 1.191270094182892e-10 7.095979207053098e-20
1.316590307650528e-09 1.31661951905434e-10 8.667051908059619e-20
1.4550573190356333e-09 1.455028951566729e-10 1.058595695124327e-19
1.6080870331313015e-09 1.608114581091983e-10 1.292972220966051e-19
1.7772110227512649e-09 1.777184270673645e-10 1.579239186764568e-19
1.9641219376281762e-09 1.964147916871289e-10 1.928887914036691e-19
2.1706904450210516e-09 2.170665216346822e-10 2.355947994119052e-19
2.398983951981952e-09 2.399008451839042e-10 2.87756266570865e-19
2.6512872966606394e-09 2.651263504640323e-10 3.514661357021616e-19
2.930125615732741e-09 2.930148720448538e-10 4.29281911354959e-19
3.238289616816326e-09 3.238267179640594e-10 5.24325854045862e-19
3.5788635088117363e-09 3.578885297833856e-10 6.40413367173288e-19
3.9552558697009004e-09 3.955234710219298e-10 7.822022466379286e-19
4.371233760741438e-09 4.371254308993604e-10 9.553844929891426e-19
4.830960428481882e-09 4.83094047393758e-10 1.166908611051965e-18
5.339036971932446e-09 5.339056350072159e-10 1.425266206309626e-18
5.900548391910407e-09 5.90052957369007e-10 1.740823055783105e-18
6.521114483437412e-09 6.521132758098962e-10 2.12624736509189e-18
7.206946080536927e-09 7.206928333934838e-10 2.59700278131231e-18
7.964907216348686e-09 7.964924450372341e-10 3.171988392298073e-18
8.802583820679428e-09 8.802567084675067e-10 3.874272813855638e-18
9.728359642538127e-09 9.728375895186284e-10 4.732050718776532e-18
1.0751500157513941e-08 1.075148437456224e-09 5.77973575022509e-18
1.1882245299770154e-08 1.188226062693121e-09 7.059390282316958e-18
1.313191194674703e-08 1.313189706258061e-09 8.622352349869446e-18
1.4513007182274982e-08 1.451302163665563e-09 1.053137301019041e-17
1.603935347167331e-08 1.6039339435116e-09 1.286303788941302e-17
1.772622700162902e-08 1.77262406329356e-09 1.571096273151045e-17
1.9590510569407677e-08 1.95904973321987e-09 1.918939713846172e-17
2.1650862551562963e-08 2.165087540667258e-09 2.343800282007509e-17
2.39279036432405e-08 2.392789115986871e-09 2.862721583723883e-17
2.6444423237025737e-08 2.644443536014764e-09 3.496539240998871e-17
2.9225607506844726e-08 2.922559573439235e-09 4.27067864284485e-17
3.229929147965813e-08 3.229930291248597e-09 5.216223744747131e-17
3.569623761776672e-08 3.569622651576204e-09 6.371103687921335e-17
3.9450443699873716e-08 3.945045448172924e-09 7.781691646330707e-17
4.359948308228109e-08 4.359947261255963e-09 9.50456953656572e-17
4.818488074566826e-08 4.818489091363688e-09 1.160892016025935e-16
5.325252889105579e-08 5.325251901762953e-09 1.417915110596655e-16
5.885314624437808e-08 5.885315583343685e-09 1.73184743983261e-16
6.504278566653969e-08 6.504277635547376e-09 2.115280706868521e-16
7.188339514928724e-08 7.18834041924257e-09 2.583612876753947e-16
7.944343781153234e-08 7.944342903082902e-09 3.155627883343085e-16
8.779857710125682e-08 8.77985856295911e-09 3.854297646671823e-16
9.703243406073154e-08 9.703242578022093e-09 4.707643426724462e-16
1.0723742423401342e-07 1.07237432276894e-08 5.749936655677889e-16
1.1851568259277232e-07 1.185156747840095e-08 7.022978436839158e-16
1.3098008573741623e-07 1.309800933225301e-08 8.577897883808816e-16
1.4475538160404734e-07 1.447553742402158e-08 1.047705221625211e-15
1.5997943798373573e-07 1.599794451372024e-08 1.27967205043218e-15
1.7680462234971138e-07 1.768046154055318e-08 1.562992451553929e-15
1.953993268022487e-07 1.953993335487118e-08 1.909046462722709e-15
2.1594965339340473e-07 2.1594964684505e-08 2.331710624424154e-15
2.38661276698907e-07 2.386612830616206e-08 2.847962809294981e-15
2.637615022784373e-07 2.637614961034523e-08 3.4785033119698e-15
2.9150154162607256e-07 2.915015476269831e-08 4.248661490032314e-15
3.2215902637935327e-07 3.221590205565798e-08 5.189316858234294e-15
3.5604078695002664e-07 3.560407926098509e-08 6.338258511920505e-15
3.93485923385937e-07 3.934859178954436e-08 7.741550588468051e-15
4.3486919919827997e-07 4.348692045365787e-08 9.455571172640662e-15
4.806047921207848e-07 4.806047869438007e-08 1.154903563040828e-14
5.311504393396836e-07 5.311504443749314e-08 1.410605553114248e-14
5.870120186813218e-07 5.870120138001748e-08 1.722913542283047e-14
6.487486116074757e-07 6.487486163571268e-08 2.104376349301754e-14
7.169780986905357e-07 7.169780940885934e-08 2.570284789891445e-14
7.923833435699517e-07 7.923833480505012e-08 3.139360843035402e-14
8.757190272810549e-07 8.757190229426675e-08 3.834414037586157e-14
9.678192013565165e-07 9.678192055835553e-08 4.683376407804295e-14
1.0696056352944216e-06 1.069605631204864e-07 5.72027310000696e-14
1.1820970419372223e-06 1.182097045925483e-07 6.986777175159004e-14
1.3064192730922673e-06 1.306419269237675e-07 8.533643955954289e-14
1.4438165874351013e-06 1.443816591198488e-07 1.042304766775628e-13
1.5956641034684996e-06 1.595664099835792e-07 1.273069965554705e-13
1.763481562170637e-06 1.763481565722233e-07 1.554936139359936e-13
1.9489485370736003e-06 1.948948533650376e-07 1.899197032959808e-13
2.153921243999821e-06 2.153921247351847e-07 2.31969236682506e-13
2.3804511186939235e-06 2.380451115468297e-07 2.833268748946759e-13
2.630805348281166e-06 2.630805351444854e-07 3.460574729307441e-13
2.9074895620382204e-06 2.907489558998551e-07 4.226739834760657e-13
3.213272908573143e-06 3.213272911558462e-07 5.162571427996572e-13
3.551215770395387e-06 3.551215767529809e-07 6.305554147709428e-13
3.9247003932525885e-06 3.924700396067688e-07 7.701652476024983e-13
4.337464736782819e-06 4.337464734078393e-07 9.406780256740293e-13
4.793639885271016e-06 4.793639887921159e-07 1.148951682734905e-12
5.297791392929011e-06 5.297791390370199e-07 1.403326528650366e-12
5.854964977496619e-06 5.85496497998219e-07 1.714034726435434e-12
6.4707370194807025e-06 6.470737017046583e-07 2.09351688521253e-12
7.151270372445568e-06 7.151270374758372e-07 2.557039701256063e-12
7.903376042922848e-06 7.903376040582035e-07 3.123159736572392e-12
8.734581357254124e-06 8.734581359370587e-07 3.814655555107956e-12
9.653205297602978e-06 9.653205295304359e-07 4.65920610497555e-12
1.0668441761124589e-05 1.06684417629933e-06 5.690798281976283e-12
1.1790451575578641e-05 1.179045157323447e-06 6.950717591317659e-12
1.3030464192308714e-05 1.303046419382764e-06 8.48967487012396e-12
1.4400890074365673e-05 1.440089007182073e-06 1.036925035218241e-11
1.5915444904593194e-05 1.591544490556806e-06 1.266510893213373e-11
1.7589286856791647e-05 1.758928685376697e-06 1.54691008946408e-11
1.943916830381635e-05 1.943916830388476e-06 1.889412592258518e-11
2.1483603480955747e-05 2.148360347694608e-06 2.30771822099249e-11
2.3743053782621043e-05 2.374305378111399e-06 2.818672942203327e-11
2.6240132546858776e-05 2.624013254094558e-06 3.442710316037366e-11
2.8999831377238596e-05 2.89998313729281e-06 4.204966817018048e-11
3.2049770267221755e-05 3.204977025773239e-06 5.135919134271227e-11
3.5420474030339066e-05 3.542047402097807e-06 6.273074786797764e-11
3.9145677802784465e-05 3.914567778667102e-06 7.661889201263123e-11
4.326266467599681e-05 4.326266465748067e-06 9.358330171196327e-11
4.781263883837029e-05 4.781263881007758e-06 1.143019267753882e-10
5.284113796062106e-05 5.284113792545945e-06 1.396099167826153e-10
5.839848895210154e-05 5.839848890150422e-06 1.705183920059801e-10
6.454031164942463e-05 6.454031158395685e-06 2.082735788845278e-10
7.132807547848303e-05 7.132807538712648e-06 2.543834767842491e-10
7.882971466112418e-05 7.882971454044484e-06 3.107077590612055e-10
8.712030812367597e-05 8.712030795792634e-06 3.794954396016648e-10
9.628283091207627e-05 9.628283069078872e-06 4.635216515055463e-10
0.00010640898463402168 1.064089843325841e-05 5.661404892806104e-10
0.00011760011523947924 1.176001148348469e-05 6.914932735763221e-10
0.00012996822732501724 1.299682267761921e-05 8.445820788220271e-10
0.00014363710511345378 1.436371043746991e-05 1.031587101304291e-09
0.00015874355132796403 1.587435503282041e-05 1.25996795207777e-09
0.00017543875635971472 1.754387550120777e-05 1.5389476810193e-09
0.0001938898114321158 1.938898096105121e-05 1.879650592174711e-09
0.00021428138090594562 2.142813784487508e-05 2.295841053082368e-09
0.00023681755046234149 2.368175471430264e-05 2.804108039269473e-09
0.00026172386966089197 2.61723865181813e-05 3.424993797807946e-09
0.00028924960931543914 2.892496032668667e-05 4.183235823312564e-09
0.0003196702562801663 3.196702481167932e-05 5.109492567813164e-09
0.00035329027061462893 3.532902595927333e-05 6.24065165085463e-09
0.0003904461327223635 3.904461178455365e-05 7.62247072363066e-09
0.00043150971095986065 4.31509690875633e-05 9.309953703014609e-09
0.0004768919834200666 4.768919563102351e-05 1.137139562283767e-08
0.0005270471511392716 5.270471145419851e-05 1.388881160360346e-08
0.0005824771838937434 5.82477134493557e-05 1.696413754044688e-08
0.0006437368440819663 6.437367773954277e-05 2.071966056701105e-08
0.0007114392389731867 7.114391489568718e-05 2.530753298545001e-08
0.0007862619568910369 7.862618353777022e-05 3.091008276019684e-08
0.0008689538487452225 8.689536847209423e-05 3.775442398336976e-08
0.0009603425227831252 9.603423013681158e-05 4.611239491146397e-08
0.00106134262757131 0.0001061342328695059 5.632301501798812e-08
0.001172965006105805 0.0001172964602657162 6.879156104001002e-08
0.0012963268126685603 0.0001296326268075215 8.4024115221375e-08
0.001432662693682991 0.0001432661958546299 1.026248703632157e-07
0.0015833371444703617 0.00015833361521504 1.25349326303231e-07
0.001749858165577584 0.0001749856826064412 1.530981849317344e-07
0.0019338923553535471 0.000193389054722159 1.86999332857754e-07
0.0021372815898255564 0.0002137279149064782 2.283954331971998e-07
0.00236206145681369 0.0002362058162174614 2.789703820965002e-07
0.002610481628777888 0.0002610477181410775 3.407255717347445e-07
0.0028850283782960702 0.0002885022375064333 4.161751163160901e-07
0.0031884494615157647 0.0003188441357870562 5.083021657140526e-07
0.003523781618621182 0.0003523770680013592 6.208605585127383e-07
0.003894380966549664 0.0003894366200728159 7.582965471628845e-07
0.00430395658813802 0.0004303936656695837 9.262152932479593e-07
0.004756607653870228 0.0004756580748770003 1.131243348429578e-06
0.0052568644477534125 0.0005256828130316798 1.381750677989317e-06
0.0058097337079228714 0.0005809684683619366 1.687612654971312e-06
0.006420748735760156 0.0006420682561143772 2.061328504830195e-06
0.0070960247750331065 0.0007095935446942389 2.517614221705925e-06
0.00784232021531088 0.0007842199637491256 3.075136493715169e-06
0.008667104232198337 0.0008666941465924691 3.755823026355034e-06
0.009578631541355968 0.000957841183475901 4.58755278847429e-06
0.01058602501446873 0.001058572843543458 5.602996673366901e-06
0.011699366984012178 0.001169896665384001 6.843794758360242e-06
0.01292980015062466 0.001292925974983324 8.358620144706847e-06
0.014289639103000504 0.001428890965739396 1.020967008292656e-05
0.015792493566432742 0.00157915088962763 1.246945025422475e-05
0.01745340461351823 0.001745207548623177 1.523086887102219e-05
0.019288995200267688 0.001928720102656342 1.860192083272764e-05
0.0213176365342366 0.002131521473093367 2.272139580071132e-05
0.02355963193974523 0.002355636277673631 2.775012613215501e-05
0.026037420060372587 0.002603300731229735 3.389544779882663e-05
0.02877579943244326 0.002876984272542283 4.139684113647092e-05
0.03180217667711402 0.003179413630050106 5.056404631634212e-05
0.03514684079505005 0.003513598723334281 6.17535757214361e-05
0.038843266308924096 0.003882861625673649 7.542814171915086e-05
0.04292844828769052 0.00429086725403169 9.211833800758343e-05
0.0474432726056699 0.00474165797348686 0.0001125153468149895
0.052432925142121424 0.005239689338467119 0.0001374085645976
0.05794734401671005 0.005789870985188969 0.0001678302935465055
0.06404171938699284 0.00639760707200034 0.0002049544027080777
0.07077704581006589 0.007068843783102744 0.0002503222397064943
0.07822073269659269 0.007810112796625723 0.0003056782429102864
0.08644727896684318 0.008628584975720666 0.0003733227575027256
0.0955390186609277 0.009532112534855742 0.0004558456931739724
0.10558694496554391 0.0105292869710523 0.000556677587284122
0.11669162090437306 0.01162947042684567 0.0006796584276296773
0.12896418580662142 0.01284285301027502 0.0008298982533418059
0.1425274676267822 0.0141804540040849 0.001013079388381259
0.15751721224808804 0.01565416842684913 0.001236799879071809
0.1740834420729361 0.01727670025860997 0.001509444128879166
0.19239195749751564 0.01906157878467033 0.001842278291863989
0.21262599629790035 0.02102295173845023 0.002247620855799141
0.2349880675352998 0.02317553622087861 0.002742106207595588
0.25970197833480957 0.02553413681316817 0.003343716405309918
0.2870150738223435 0.02811347056705691 0.0040768527847886
0.31720071263778915 0.03092716134472897 0.004967507347193811
0.3505610028001551 0.03398734108220733 0.00605111762765516
0.38742982530616715 0.03730266904318316 0.007364681573940744
0.4281761757235046 0.04087756584601726 0.008958863753805689
0.4732078572224654 0.04470845458227711 0.01088505212285743
0.5229755620071621 0.04878245655564208 0.01321388763870185
0.5779773819945832 0.05307046388837388 0.01601387913655473
0.6387637938859128 0.05752521479656082 0.01937949548174205
0.705943168522378 0.06206888924914453 0.02339556612555552
0.7801878596651082 0.06659098690582325 0.02817934173583488
0.8622409331375622 0.07092687097703929 0.03382079060619734
0.9529236036780429 0.07485762155329997 0.04044464120111045
1.0531434539328173 0.07807466421172765 0.04810974644754662
1.1639035178482904 0.08018887211338042 0.05689934182811928
1.286312319371871 0.08067640670918658 0.06675168423575902
1.4215949669322265 0.07891767306422777 0.07759114407311524
1.571105414736209 0.07412406301630496 0.08904761297446566
1.7363400135976372 0.06545864753141331 0.1006540591855666
1.9189524869191834 0.05195771725733346 0.1114010542073269
2.120770481712021 0.03284797274184859 0.1200693293287907
2.3438138603014083 0.00749707632583127 0.1245859746888521
2.590314915787735 -0.02386612869894549 0.1226876554954843
2.8627407135861755 -0.06017494378476118 0.1111594205067191
3.1638177826465683 -0.0981789979885067 0.08731995478664586
3.496559403471568 -0.1328147797272611 0.04846500030224664
3.864295766040712 -0.1554628569772562 -0.004956156637375708
4.270707299471052 -0.156398215798745 -0.06947108182097864
4.719861506988793 -0.124304986652905 -0.133512695334583
5.216253674868715 -0.05486815986343697 -0.1795750728565332
5.764851862770128 0.04686255899170307 -0.1819110629504884
6.3711466257477705 0.1511218295806206 -0.1209847646201776
7.041205965572229 0.2119315534410599 0.005791427226916448
7.781736061331188 0.1695134135887796 0.1534812881363312
8.600148387123763 0.0138619742033148 0.2352209731069856
9.50463388858437 -0.1869350451838135 0.1515040026640386
10.504244960619703 -0.2455889606925336 -0.0827908578214513
11.608986046819572 -0.05309269401899814 -0.2711543104015952
12.82991376729097 0.2519998415798595 -0.1331279806376289
14.179247577028352 0.1968224876057428 0.2242058279665979
15.670492062326328 -0.201433361896916 0.230429224878209
17.31857209921834 -0.2458450827258603 -0.2572813803130152
19.13998222665243 0.3433559314076636 -0.1475549438192476
21.152951729381048 -0.04770066510626292 0.3611935526731244
23.377627082769912 -0.2096628473507452 -0.2435371552288723
25.83627358549495 0.2509085123794248 0.03811454725614711
28.55349819813506 -0.1676412661335192 0.08273650321459337
31.556495817904278 0.07495199786896763 -0.1091467781119748
34.87532145432361 -0.01695135102751146 0.08964328522861212
38.54319102985816 -0.008828524201374996 -0.06097788815932206
42.59681381603341 0.0161678735618355 0.03780123181837066
47.07675983216308 -0.01556411755992529 -0.02243862121105374
52.02786588373844 0.0125131112521637 0.01315627818991557
57.499684304247886 -0.009299315246978098 -0.007789693311677149
63.546978891585546 0.006650525996779493 0.004737032461705975
70.2302730025474 -0.004667707408671884 -0.002996529369596568
77.6164552909287 0.003248885545556855 0.001987854486046977
85.77944915165314 -0.002255529108544675 -0.00138698271355612
94.80095257095584 0.001566875211100915 0.00101574004157332
104.7712557872892 -0.001091132486368091 -0.0007763183089745112
115.79014494637693 0.0007625383049040949 0.0006146040263274792
127.96790079449971 -0.0005352540577820409 -0.0005002069052247894
141.42640240527066 0.000377710456721467 0.0004157061680153099
156.30034698636896 -0.0002682528211535297 -0.0003508644775971589
172.7385979744677 0.0001920265274996755 0.0002994936403367197
190.90567491054267 -0.0001388213723208944 -0.0002577357341490762
210.9834000067356 0.0001015998917810005 0.000223104884482766
233.1727178841656 -7.549725062631259e-05 -0.0001939428674265101
257.6957066942373 5.714172920052936e-05 0.0001691035669098717
284.79780075142304 -4.419160967680634e-05 -0.0001477663053511028
314.7502469223756 3.501776199578583e-05 0.0001293230643516167
347.85281935573863 -2.84849695413999e-05 -0.00011330886340153
384.4368197225841 2.380104817324115e-05 9.935787087369453e-05
424.86839299489054 -2.041274924032166e-05 -8.717517169548773e-05
469.55219194748827 1.79336348979186e-05 7.651820346514748e-05
518.9354270590384 -1.609367780777977e-05 -6.718422692060818e-05
573.5123423448158 1.470394692017765e-05 5.900162548547053e-05
633.8291619169353 -1.363208540087839e-05 -5.18237004371723e-05
700.4895567788577 1.278540851480116e-05 4.55241314478978e-05
774.1606865676937 -1.209910323276592e-05 -3.999355821930881e-05
855.5798767120917 1.152780746372085e-05 3.513692405823457e-05
945.5619978329519 -1.103964249967709e-05 -3.087135626461035e-05
1045.007621242487 1.061214724478712e-05 2.712444449271282e-05
1154.912032164608 -1.022954672255804e-05 -2.383282162264958e-05
1276.3751908839718 9.880801917269063e-06 2.094097402272335e-05
1410.612741518219 -9.558136268373164e-06 -1.840022834334601e-05
1558.9681785928965 9.255989462874843e-06 1.616788131114735e-05
1722.9262931862318 -8.97036803983496e-06 -1.420645034584182e-05
1904.1280332173003 8.698439226217636e-06 1.248302592309649e-05
2104.386926604341 -8.438199899378174e-06 -1.096870811434504e-05
2325.7072316617105 8.188185039708096e-06 9.638113747637143e-06
2570.303996390746 -7.947275976752668e-06 -8.468945120923146e-06
2840.6252274246667 7.714620489277085e-06 7.441613142631071e-06
3139.3763905017645 -7.489590334670121e-06 -6.538907689594796e-06
3469.547487675848 7.271712845563131e-06 5.745708304710312e-06
3834.442982261774 -7.06059520272004e-06 -5.04872986471612e-06
4237.7148710149695 6.85589095863429e-06 4.436299286415519e-06
4683.3992345424385 -6.657307826365352e-06 -3.898159774165185e-06
5175.956631754053 6.464610635947412e-06 3.42529905530064e-06
5720.316742635364 -6.277596705248834e-06 -3.009798361246221e-06
6321.927706141823 6.096069004564178e-06 2.644699605727544e-06
6986.810647004632 -5.919835014912806e-06 -2.323888735130234e-06
7721.61993717082 5.748721389173238e-06 2.041993364758909e-06
8533.7097949943 -5.582576428368341e-06 -1.79429286427453e-06
9431.207888724997 5.421255729073172e-06 1.57663928376101e-06
10423.096680944496 -5.26461148323362e-06 -1.385387831873578e-06
11519.303328070666 5.112497827757443e-06 1.217335820899756e-06
12730.799034675721 -4.964780650195476e-06 -1.069669061011715e-06
14069.708856989137 4.821336526159266e-06 9.3991475334313e-07
15549.433054535755 -4.682043530422997e-06 -8.25900068221799e-07
17184.781204437102 4.546777587820041e-06 7.25715739866506e-07
18992.120420636886 -4.415418000076004e-06 -6.376840939530841e-07
20989.539161478522 4.287852503112911e-06 5.603309658957991e-07
23197.02826507598 -4.163974668109847e-06 -4.923610193285461e-07
25636.68102434077 4.043678407829827e-06 4.326360479415582e-07
28332.914304083228 -3.926857526517075e-06 -3.801559094539231e-07
31312.71291320231 3.813409851360361e-06 3.340417795380239e-07
34605.899677722984 -3.703239239834851e-06 -2.935214398955969e-07
38245.43391766287 3.596252927182967e-06 2.579163472426386e-07
42267.74131498499 -3.492358600906126e-06 -2.26630267553873e-07
46713.078474065944 3.391465179914198e-06 1.99139290193341e-07
51625.935823323234 -3.29348543124194e-06 -1.749830560542944e-07
57055.48289037661 3.198336356446399e-06 1.537570500204901e-07
63056.060407206925 -3.105937110348406e-06 -1.351058266793548e-07
69687.72417046638 3.016207679069661e-06 1.187170569339987e-07
77016.84610007683 -2.929069911562291e-06 -1.043162975874935e-07
85116.77851171278 2.844448954094881e-06 9.16623962764757e-08
94068.58825143118 -2.762272935820411e-06 -8.054345360702865e-08
103961.86803991429 2.682471568415877e-06 7.077327442848186e-08
114895.63314653141 -2.604975709140556e-06 -6.218824944698919e-08
126979.31236743495 2.529718233664062e-06 5.464461550533503e-08
140333.84322573253 -2.456634690985054e-06 -4.801604844364623e-08
155092.88235486683 2.385662793855871e-06 4.219154778426137e-08
171404.1431791266 -2.316741584624232e-06 -3.70735777809524e-08
189430.87427924512 2.249811415880699e-06 3.257643398813585e-08
209353.49323906592 -2.184814552602377e-06 -2.86248081339094e-08
231371.3923253624 2.121695378987067e-06 2.515252712714758e-08
255704.93407266162 -2.0603999269499e-06 -2.210144493659511e-08
282597.6567455564 2.00087543589398e-06 1.942046882050334e-08
312318.7117515133 -1.943070483347481e-06 -1.706470371165871e-08
345165.55739862355 1.886935339579619e-06 1.499470045020363e-08
381466.9359583295 -1.832421953831803e-06 -1.317579520863365e-08
421586.16382857127 1.779483599068986e-06 1.157752900730261e-08
465924.7677264125 -1.728074671861562e-06 -1.017313762883149e-08
514926.50330238225 1.67815084081871e-06 8.939103427741988e-09
569081.7963961768 -1.629669220867866e-06 -7.854761525494338e-09
628932.6513833016 1.582588274939725e-06 6.90195376903868e-09
695078.0757370347 -1.536867577717458e-06 -6.064724650448546e-09
768180.0750965532 1.492467744182388e-06 5.329054110861765e-09
848970.2788418777 -1.449350544031671e-06 -4.682622765482983e-09
938257.2624866166 1.407478963215944e-06 4.114605612289784e-09
1036934.640173478 -1.366817091697906e-06 -3.615490760147216e-09
1145990.0082649642 1.327329980403758e-06 3.176920140880805e-09
1266514.8295397097 -1.288983628354532e-06 -2.79154954450146e-09
1399715.3569188234 1.251745052743577e-06 2.45292563629122e-09
1546924.706050559 -1.215582289623042e-06 -2.155377892876758e-09
1709616.1975797976 1.180464297731392e-06 1.89392364463426e-09
1889418.1026362628 -1.146360878232118e-06 -1.664184635389759e-09
2088129.9391192668 1.113242681755176e-06 1.462313704613378e-09
2307740.4818776865 -1.081081241360643e-06 -1.284930364574083e-09
2550447.6670371005 1.049848946307979e-06 1.129064192077534e-09
2818680.5896832864 -1.019518969919736e-06 -9.921050860675489e-10
3115123.815062286 9.900652269648073e-07 8.717595588633506e-10
3442744.246611701 -9.614623823829486e-07 -7.660123299045589e-10
3804820.8197275074 9.336858590396267e-07 6.730925786777026e-10
4204977.318451588 -9.067118039187765e-07 -5.914442910883912e-10
4647218.643520417 8.805170379415897e-07 5.197002025874266e-10
5135970.894757725 -8.550790335506564e-07 -4.566589020735369e-10
5676125.668969201 8.303759185665738e-07 4.012647133825055e-10
6273089.016687442 -8.063864695073603e-07 -3.525900173049568e-10
6932835.547742722 7.830900795968434e-07 3.098197178898629e-10
7661968.22716631 -7.604667251660013e-07 -2.722375929324441e-10
8467784.459883833 7.384969528074763e-07 2.392143002251476e-10
9358349.12559652 -7.171618775580271e-07 -2.101968387708856e-10
10342575.29480794 6.964431695613518e-07 1.846992883946521e-10
11430313.433829404 -6.763230273695452e-07 -1.622946726187645e-10
12632449.991557652 6.567841555251206e-07 1.426078085707891e-10
13961016.35471448 -6.378097555683096e-07 -1.253090242443995e-10
15429309.262008933 6.193835199757372e-07 1.101086379038488e-10
17052023.882367507 -6.014896169720738e-07 -9.675210714907982e-11
18845400.88912397 5.841126695566173e-07 8.5015766394465e-11
20827389.002136763 -5.672377400509635e-07 -7.470308140061063e-11
23017824.624610133 5.508503223216395e-07 6.564135815534321e-11
25438630.37248463 -5.349363333399711e-07 -5.767885098561786e-11
28114034.483345896 5.194820986824491e-07 5.068222145975428e-11
31070813.300769802 -5.044743364413132e-07 -4.453430552590912e-11
34338559.26096881 4.899001458890472e-07 3.913215150436401e-11
37949977.063839935 -4.757469999761242e-07 -3.438529608259476e-11
41941210.99259376 4.620027360551677e-07 3.021424943923932e-11
46352206.65788929 -4.486555431391317e-07 -2.654916412468056e-11
51227110.78693166 4.356939495368206e-07 2.33286654085646e-11
56614713.05875617 -4.231068139067277e-07 -2.049882351089608e-11
62568934.40773492 4.108833178901058e-07 1.801225050660065e-11
69149366.68241139 -3.990129570237777e-07 -1.582730677850963e-11
76421869.0607502 3.874855299952715e-07 1.390740372895185e-11
84459227.19092624 -3.762911289578004e-07 -1.22203910741637e-11
93341881.65455566 3.654201320223786e-07 1.073801846245205e-11
103158733.04307374 -3.54863196176586e-07 -9.435462400371623e-12
114008031.70473446 3.44611248945519e-07 8.29091056409532e-12
125998361.06711893 -3.346554794873414e-07 -7.285196534694752e-12
139249724.37657478 3.249873307934947e-07 6.401478841143664e-12
153894745.73104006 -3.15598493142124e-07 -5.624958936714699e-12
170079997.4265919 3.06480897492867e-07 4.94263338589282e-12
187967466.90225038 -2.976267081233949e-07 -4.343076111680976e-12
207736177.964714 2.890283152696976e-07 3.816247056854583e-12
229583982.5187891 -2.806783286653362e-07 -3.353324055246731e-12
253729540.73575363 2.725695717362821e-07 2.946555097697522e-12
280414509.4778453 -2.646950756050221e-07 -2.589128518642891e-12
309905960.88136274 2.570480727284082e-07 2.275058929421262e-12
342499055.3043714 -2.496219907786807e-07 -1.999086988193079e-12
378519995.3907742 2.424104471687142e-07 1.75659132811727e-12
418329290.81601185 -2.354072438896643e-07 -1.543511168961402e-12
462325366.38906646 2.286063621819694e-07 1.35627831616897e-12
510948549.6218648 -2.220019570969968e-07 -1.191757408630524e-12
564685477.675017 2.155883523600859e-07 1.047193414582761e-12
624073967.7860842 -2.093600356601861e-07 -9.20165496438146e-13
689708399.9252589 2.033116540781646e-07 8.085464719703853e-13
762245665.5498843 -1.974380094205501e-07 -7.10467192982794e-13
842411741.9949487 1.917340535876188e-07 6.242852449483966e-13
931008958.2982632 -1.861948842172547e-07 -5.48557443483637e-13
1028924025.1791439 1.808157405985162e-07 4.820156670945356e-13
1137136909.5373254 -1.755919996494557e-07 -4.235456214910329e-13
1256730642.2910707 1.705191718700136e-07 3.721681798548054e-13
1388902157.714621 -1.655928973946416e-07 -3.270229865892332e-13
1534974272.7587159 1.608089422670497e-07 2.873540499880031e-13
1696408926.2472496 -1.561631948835526e-07 -2.524970825616983e-13
1874821810.4523966 1.516516624771349e-07 2.218683770237039e-13
2071998541.485923 -1.472704676262496e-07 -1.949550316531413e-13
2289912530.345401 1.430158448819191e-07 1.713063613517743e-13
2530744733.4747562 -1.388841375627619e-07 -1.505263505679493e-13
2796905480.5094066 1.348717946589134e-07 1.322670217058939e-13
3091058597.6653914 -1.309753677747614e-07 -1.16222607968083e-13
3416148068.2074847 1.271915081246862e-07 1.021244330498886e-13
3775427496.8232164 -1.235169636417206e-07 -8.973641194353508e-14
4172492672.7921586 1.19948576209994e-07 7.885109750931469e-14
4611317557.853623 -1.16483278973208e-07 -6.928620661062564e-14
5096294058.951443 1.131180936862105e-07 6.088156763982168e-14
5632275983.914835 -1.098501281312535e-07 -5.349643831874401e-14
6224627619.99858 1.066765736321394e-07 4.700714885865928e-14
6879277421.472865 -1.035947026599537e-07 -4.130503101260246e-14
7602777343.586241 1.006018664975167e-07 3.629459834036019e-14
8402368416.73594 -9.769549295058651e-08 -3.189194721306437e-14
9286053217.133884 9.487308412474973e-08 2.802335178098858e-14
10262675959.279177 -9.21322142833144e-08 -2.462402937628328e-14
11342011011.829447 8.947052777472484e-08 2.163705567637205e-14
12534860722.767656 -8.688573700943116e-08 -1.901241146150821e-14
13853163532.931507 8.437562048443172e-08 1.67061450036597e-14
15310113459.941998 -8.193802086874367e-08 -1.467963606029139e-14
16920292148.366428 7.957084315467929e-08 1.289894914807883e-14
18699814807.7183 -7.727205286392825e-08 -1.133426526661138e-14
20666491498.890625 7.50396742974787e-08 9.95938255582687e-15
22840005383.23152 -7.287178883148888e-08 -8.751277525286314e-15
25242109718.238716 7.07665332669298e-08 7.689719507742114e-15
27896845571.47211 -6.872209823264986e-08 -6.756931880732829e-15
30830782431.6384 6.673672663335082e-08 5.937294383089198e-15
34073284124.964363 -6.48087121371678e-08 -5.217081541398457e-15
37656802698.23926 6.293639770567428e-08 4.584232826172386e-15
41617203209.80661 -6.111817417008917e-08 -4.028150688809716e-15
45994122679.122765 5.935247885127626e-08 3.539523097325829e-15
50831366787.37008 -5.763779421770836e-08 -3.110167599068186e-15
56177348299.437775 5.597264657919956e-08 2.7328942991223e-15
62085571595.14507 -5.435560481863042e-08 -2.401385459874979e-15
68615168159.05784 5.278527916288309e-08 2.110089705537303e-15
75831488388.2609 -5.126031999018991e-08 -1.854129059999304e-15
83806755641.0971 4.977941667022704e-08 1.629217261290832e-15
92620789072.81276 -4.83412964362335e-08 -1.431587984759346e-15
102361802492.4914 4.694472329047102e-08 1.257931773006046e-15
113127287236.50484 -4.558849694284832e-08 -1.105340616423372e-15
125024987894.57556 4.427145178025873e-08 9.712592562913251e-16
138173980653.84482 -4.299245586445184e-08 -8.534423949641643e-16
152705865053.37646 4.175040995827635e-08 7.499170965983152e-16
168766081076.57605 -4.054424658081963e-08 -6.589497487925016e-16
186515364763.42874 3.937292909065092e-08 5.790170318870357e-16
206131356910.81287 -3.823545079527342e-08 -5.087804097802586e-16
227810380961.30206 3.713083408552377e-08 4.470637150906226e-16
251769407874.16525 -3.605812959486601e-08 -3.928334533103688e-16
278248227643.65344 3.501641538356351e-08 3.45181496128528e-16
307511849197.8583 -3.400479614676831e-08 -3.033098741093958e-16
339853152697.13715 3.302240244515663e-08 2.665174140678718e-16
375595820777.19836 -3.206838995736202e-08 -2.341879973739602e-16
415097578073.71277 3.114193875409117e-08 2.057802425625493e-16
458753771450.703 -3.024225259359901e-08 -1.80818439475719e-16
507001326764.8393 2.936855823761587e-08 1.588845831226758e-16
560323121766.2689 -2.852010478676213e-08 -1.39611373858009e-16
619252818901.4403 2.769616303496246e-08 1.226760666607451e-16
684380206386.2375 -2.689602484264953e-08 -1.077950665155628e-16
756357101004.6794 2.611900252829978e-08 9.47191793916038e-17
835903871710.377 -2.53644282775314e-08 -8.322943929278698e-17
923816649321.1458 2.463165356908288e-08 7.313344150029315e-17
1020975294463.8193 -2.39200486173057e-08 -6.426212060448497e-17
1128352203515.134 2.322900183088905e-08 5.646691937188211e-17
1247022040671.5007 -2.255791928733344e-08 -4.961730103765172e-17
1378172493549.4902 2.190622422255186e-08 4.359856336499476e-17
1523116159962.6948 -2.127335653510145e-08 -3.830991786613391e-17
1683303684841.8264 2.065877230473273e-08 3.366280201995165e-17
1860338278776.762 -2.006194332493974e-08 -2.957939622304163e-17
2055991763486.9844 1.948235664905881e-08 2.599132063935437e-17
2272222304808.8804 -1.891951414942437e-08 -2.28384901261586e-17
2511194010677.5947 1.837293208920017e-08 2.006810806115271e-17
2775298590246.6255 -1.784214070660012e-08 -1.763378222157133e-17
3067179290916.914 1.732668381117887e-08 1.549474790998944e-17
3389757352845.2603 -1.682611839179446e-08 -1.361518531745643e-17
3746261245697.6733 1.634001423585344e-08 1.196361969267083e-17
4140258980258.9175 -1.586795355952947e-08 -1.051239427255871e-17
4575693818283.692 1.540953064868929e-08 9.237207148064648e-18
5056923737985.654 -1.496435151022419e-08 -8.116704309607398e-18
5588765050148.142 1.453203353344868e-08 7.132122057424711e-18
6176540601381.315 -1.411220516125227e-08 -6.266972788687375e-18
6826133046960.102 1.370450557074419e-08 5.506768899643017e-18
7544043726415.414 -1.330858436314438e-08 -4.838780179316216e-18
8337457731125.354 1.292410126264865e-08 4.251820632131413e-18
9214315815124.713 -1.25507258239834e-08 -3.736061159634172e-18
10183393868840.34 1.218813714839246e-08 3.28286496451877e-18
11254390751152.201 -1.183602360782992e-08 -2.884642920675208e-18
12438025358832.957 1.149408257713515e-08 2.534726487315339e-18
13746143904869.607 -1.116202017395058e-08 -2.227256039024718e-18
15191838479344.713 1.083955100614394e-08 1.95708274173691e-18
16789578079474.348 -1.0526397926519e-08 -1.719682331465223e-18
18555353420195.434 1.022229179461678e-08 1.511079351949921e-18
20506836974615.496 -9.926971245406734e-09 -1.327780582522198e-18
22663559846063.445 9.640182464660921e-09 1.166716541382233e-18
25047107241936.324 -9.361678970810806e-09 -1.025190084716866e-18
27681334505709.973 9.091221403102824e-09 9.008312409083032e-19
30592605869234.598 -8.828577315878212e-09 -7.915575234972099e-19
33810058314828.45 8.573520978800616e-09 6.955390583093758e-19
37365893187990.14 -8.325833182853652e-09 -6.111679407722684e-19
41295698479287.66 8.085301051938885e-09 5.370313102870695e-19
45638805000929.47 -7.851717859915976e-09 -4.718876907676534e-19
50438680022752.68 7.624882852931747e-09 4.146462011511975e-19
55743362307269.414 -7.404601076884107e-09 -3.643482877427443e-19
61605942897748.39 7.190683209868762e-09 3.201516724850009e-19
68085096471220.516 -6.982945399464102e-09 -2.813162483527929e-19
75245668574367.81 6.781209104717332e-09 2.471916856791182e-19
83159324619549.98 -6.585300942697731e-09 -2.172065418717432e-19
91905267136338.88 6.395052539483568e-09 1.908586921555019e-19
101571028457055.28 -6.210300385452473e-09 -1.67706921097219e-19
112253346769771.53 6.030885694751333e-09 1.473635341074691e-19
124059134306612.45 -5.8566542688268e-09 -1.29487865192169e-19
137106547357308.97 5.68745636389964e-09 1.137805722345515e-19
151526168817059.44 -5.523146562267662e-09 -9.997862427642855e-20
167462315104035.16 5.36358364732565e-09 8.78508968569358e-20
185074480526599.94 -5.208630482195534e-09 -7.719430165048124e-20
204538933555956.03 5.058153891863612e-09 6.783038559324186e-20
226050480980249.84 -4.912024548723426e-09 -5.960234254861157e-20
249824417596384.47 4.77011686142501e-09 5.23723874686762e-20
276098680952710.22 -4.63230886693463e-09 -4.601944907799879e-20
305136232707982.1 4.498482125712853e-09 4.043714244041481e-20
337227690440025.06 -4.368521619921419e-09 -3.5531987457892e-20
372694236244132.8 4.242315654571151e-09 3.122184346997662e-20
411890831231430.6 -4.119755761525383e-09 -2.743453374142427e-20
455209768098981.9 4.000736606276379e-09 2.410663680492846e-20
503084597326954.5 -3.885155897415073e-09 -2.11824244191024e-20
555994466297547.9 3.772914298716528e-09 1.861292835641397e-20
614468914763040.8 -3.663915343765296e-09 -1.63551203930222e-20
679093174657616.6 3.558065353046999e-09 1.437119176831859e-20
750514027295264.4 -3.455273353434971e-09 -1.262792004764438e-20
829446276574559.0 3.355451000003056e-09 1.109611278531706e-20
916679902976333.0 -3.258512500097394e-09 -9.750118671903617e-21
1013087969953849.6 3.164374539601736e-09 8.56739798080588e-21
1119635361845290.2 -3.072956211332787e-09 -7.528145122423125e-21
1237388440760519.5 2.984178945504153e-09 6.614956985587211e-21
1367525719091497.5 -2.897966442199276e-09 -5.812541511365789e-21
1511349654460410.5 2.814244605795313e-09 5.10746161765214e-21
1670299685153324.8 -2.732941481281439e-09 -4.487910185482492e-21
1845966636502365.2 2.653987192416816e-09 3.94351233908144e-21
2040108642400334.5 -2.577313881675167e-09 -3.465151709308229e-21
2254668741295641.0 2.502855651924429e-09 3.04481777173688e-21
2491794322774168.5 -2.430548509791296e-09 -2.675471703023044e-21
2753858619356014.5 2.360330310661908e-09 2.350928509369901e-21
3043484458604222.0 -2.292140705271406e-09 -2.065753454081455e-21
3363570513264593.5 2.22592108783654e-09 1.815171050414263e-21
3717320312156808.5 -2.161614545686758e-09 -1.594985094847466e-21
4108274302167593.5 2.09916581035045e-09 1.401508399670877e-21
4540345282233150.0 -2.038521210054267e-09 -1.231501046949432e-21
5017857563946046.0 1.979628623594711e-09 1.082116130537259e-21
5545590250719085.0 -1.922437435542387e-09 -9.508520796066249e-22
6128825068658573.0 1.866898492740427e-09 8.355107675059663e-22
6773399227854440.0 -1.812964062059653e-09 -7.341607053512435e-22
7485763843140775.0 1.760587789374176e-09 6.451047024956878e-22
8273048499021379.0 -1.709724659722168e-09 -5.668514489455267e-22
9143132604947816.0 1.660330958617607e-09 4.980905412312518e-22
1.0104724255097566e+16 -1.61236423447973e-09 -4.376705343564336e-22
1.1167447381907442e+16 1.565783262147887e-09 3.845796559678223e-22
1.2341938075624136e+16 -1.520548007450427e-09 -3.379288625754182e-22
1.363995103387032e+16 1.476619592797189e-09 2.969369534739024e-22
1.5074477206609342e+16 -1.433960263766035e-09 -2.609174906141295e-22
1.6659873813938872e+16 1.39253335665469e-09 2.292673041856001e-22
1.8412008037975264e+16 -1.352303266970005e-09 -2.014563919875952e-22
2.034841582694533e+16 1.313235418827548e-09 1.770190438740656e-22
2.248847740085021e+16 -1.275296235235242e-09 -1.555460422525817e-22
2.485361121522108e+16 1.238453109235514e-09 1.366778079672955e-22
2.7467488324221096e+16 -1.202674375881138e-09 -1.200983777985825e-22
3.0356269288511564e+16 1.167929285020692e-09 1.055301137906078e-22
3.3548865998935916e+16 -1.13418797487023e-09 -9.272905558580399e-23
3.707723103644089e+16 1.101421446348478e-09 8.148083664639517e-23
4.097667746424627e+16 -1.069601538153474e-09 -7.15970948918757e-23
4.528623225285076e+16 1.038700902559248e-09 6.291231754727859e-23
5.004902687507008e+16 -1.008692981911727e-09 -5.528106802589832e-23
5.531272898031397e+16 9.795519858036666e-10 4.85755493208561e-23
6.113001946844307e+16 -9.51252868909002e-10 -4.2683463880646e-23
6.755911973792145e+16 9.2377130945756e-10 3.750613425528731e-23
7.466437438514126e+16 -8.97083688331633e-10 -3.295685226039235e-23
8.251689518677045e+16 8.711670687664494e-10 2.895942787876105e-23
9.119527281031509e+16 -8.459991766370928e-10 -2.544691315369192e-23
1.0078636337593507e+17 8.215583813149323e-10 2.236048039475426e-23
1.11386157741688e+17 -7.978236770771082e-10 -1.964843688844607e-23
1.2310074221230024e+17 7.74774665053093e-10 1.726535979915737e-23
1.360473602865615e+17 -7.523915356928136e-10 -1.517133602902566e-23
1.503555860696676e+17 7.306550517412669e-10 1.333129356639782e-23
1.6616862109441658e+17 -7.095465317049981e-10 -1.171441336528463e-23
1.836447275302808e+17 6.890478337962292e-10 1.02936129913316e-23
2.029588121243926e+17 -6.69141340340839e-10 -9.045094266181886e-24
2.243041767270579e+17 6.498099426367938e-10 7.947947207266389e-24
2.478944529216449e+17 -6.310370262500165e-10 -6.983802597398394e-24
2.7396574012127472e+17 6.128064567350563e-10 6.136526075969871e-24
3.027789685311035e+17 -5.951025657682865e-10 -5.39194779328971e-24
3.346225106255173e+17 5.779101376817111e-10 4.737623457434066e-24
3.698150672767811e+17 -5.612143963858077e-10 -4.162624052945447e-24
4.087088574204876e+17 5.450009926701687e-10 3.657351341563861e-24
4.516931431810493e+17 -5.29255991871025e-10 -3.21337505454723e-24
4.991981257378752e+17 5.139658618950525e-10 2.823287629843971e-24
5.516992509233702e+17 -4.991174615891697e-10 -2.480574676640252e-24
6.097219676446281e+17 4.846980294463296e-10 2.179502108849238e-24
6.73846986752704e+17 -4.706951726376001e-10 -1.915020796639139e-24
7.447160929919948e+17 4.570968563611062e-10 1.682686753114865e-24
8.230385681976723e+17 -4.438913934986793e-10 -1.47859260959871e-24
9.095982900266881e+17 4.310674345713248e-10 1.299306570857684e-24
1.0052615772688342e+18 -4.186139579848742e-10 -1.141816901768704e-24
1.1109858602563712e+18 4.065202605574395e-10 1.003481245022785e-24
1.227829263148597e+18 -3.947759483205284e-10 -8.819804660957208e-25
1.356961193994081e+18 3.833709275859127e-10 7.752768477813106e-25
1.4996740485594657e+18 -3.722953962705749e-10 -6.815767858002522e-25
1.6573961450606881e+18 3.615398354722752e-10 5.992985900665248e-25
1.83170601925176e+18 -3.510950012884991e-10 -5.270459063734392e-25
2.024348222941158e+18 3.409519168717552e-10 4.635862411179793e-25
2.2372507840526853e+18 -3.311018647143929e-10 -4.078328923510551e-25
2.4725445029769687e+18 3.215363791563124e-10 3.588287019442058e-25
2.732584278337953e+18 -3.12247239109124e-10 -3.157312905756895e-25
3.0199726756098365e+18 3.032264609905071e-10 2.77800318115375e-25
3.3375859744670935e+18 -2.944662918626933e-10 -2.443872105993099e-25
3.688602955558203e+18 2.859592027691788e-10 2.149270912330287e-25
4.076536714810807e+18 -2.77697882263937e-10 -1.889318548953116e-25
4.505269823676544e+18 2.696752301275724e-10 1.65982834476553e-25
4.979093187211118e+18 -2.61884351265013e-10 -1.457219798327836e-25
5.502748988894313e+18 2.543185497794985e-10 1.278418979568063e-25
6.08147815199617e+18 -2.469713232177689e-10 -1.120761165538443e-25
6.721072792498601e+18 2.398363569815098e-10 9.819063583398694e-26
7.427934188538936e+18 -2.329075189002498e-10 -8.597706957547351e-26
8.209136846553068e+18 2.261788539610461e-10 7.524761802539771e-26
9.072499305313681e+18 -2.196445791904288e-10 -6.583229692872437e-26
1.0026662386494198e+19 2.132990786842053e-10 5.757815308418353e-26
1.1081175674916358e+19 -2.071368987808525e-10 -5.034908817517119e-26
1.2246593094004847e+19 2.011527433743496e-10 4.402475606598968e-26
1.3534578533000223e+19 -1.953414693624216e-10 -3.849819197101101e-26
1.495802258308281e+19 1.896980822262837e-10 3.367329111558304e-26
1.65311715507419e+19 -1.842177317380848e-10 -2.946341179122434e-26
1.8269770039599454e+19 1.788957077923634e-10 2.579121784723996e-26
2.019121852769509e+19 -1.737274363579317e-10 -2.258873118181162e-26
2.231474751731881e+19 1.687084755467094e-10 1.97966707675799e-26
2.4661610000341512e+19 -1.638345117961281e-10 -1.736329567227616e-26
2.7255294165301002e+19 1.591013561618254e-10 1.524356928842631e-26
3.0121758475087553e+19 -1.545049407174433e-10 -1.339878795333426e-26
3.328969146796543e+19 1.500413150584345e-10 1.179604582048012e-26
3.6790798882106413e+19 -1.457066429068751e-10 -1.040714749090827e-26
4.066012097727406e+19 1.414971988143619e-10 9.207194488904074e-27
4.493638322952088e+19 -1.374093649601637e-10 -8.173124929559144e-27
4.966238390876873e+19 1.334396280418735e-10 7.282515970348744e-27
5.488542241827921e+19 -1.295845762558885e-10 -6.513100644712918e-27
6.065777268297937e+19 1.258408963651246e-10 5.843030126248539e-27
6.703720632447225e+19 -1.222053708514437e-10 -5.25139300810112e-27
7.408757085884362e+19 1.186748751503467e-10 4.718791967930222e-27
8.18794287040628e+19 -1.152463749655566e-10 -4.228406914229241e-27
9.049076339237863e+19 1.119169236611821e-10 3.767695474750273e-27
1.0000776005572131e+20 -1.08683659729222e-10 -3.329913400113583e-27
1.1052566799547061e+20 1.055438043302322e-10 2.914300433863011e-27
1.2214975396947848e+20 -1.024946589050432e-10 -2.524366823406565e-27
1.3499635573716302e+20 9.953360285547503e-11 2.164690315762398e-27
1.491940464069072e+20 -9.665809129205519e-11 -1.837673402805216e-27
1.6488492123894242e+20 9.386565284680683e-11 1.542301736687901e-27
1.8222601978247286e+20 -9.115388754922578e-11 -1.275894419058812e-27
2.013908975802667e+20 8.852046476362457e-11 1.037166283039543e-27
2.2257136317086207e+20 -8.596312118607507e-11 -8.274817350070647e-28
2.4597939777289005e+20 8.347965889923978e-11 6.490942784063843e-28
2.7184927686435983e+20 -8.10679434834466e-11 -5.023466637656253e-28
3.004399148903855e+20 7.872590218244558e-11 3.845211097313078e-28
3.320374565659768e+20 -7.645152212241484e-11 -2.909163620505845e-28
3.669581407085236e+20 7.424284858301879e-11 2.167800946716682e-28
4.0555146526217175e+20 -7.209798331980772e-11 -1.587457861911164e-28
4.482036851907185e+20 7.001508293831719e-11 1.153739423502031e-28
4.9534167824711496e+20 -6.79923573226507e-11 -8.690036418978894e-29
5.474372173094961e+20 6.60280681269051e-11 7.435572366263697e-29
6.050116920427137e+20 -6.412052735069306e-11 -7.847142831542739e-29
6.68641327141347e+20 6.226809604991307e-11 9.89498521287306e-29
7.38962949380122e+20 -6.046918330329692e-11 -1.342720280592225e-28
8.166803611903178e+20 5.872224571634798e-11 1.817424273402145e-28
9.02571384551055e+20 -5.702578811834639e-11 -2.37636196095087e-28
9.97495645693098e+20 5.537836697680089e-11 2.977819810711053e-28
1.1024031785271021e+21 -5.377860007122251e-11 -3.586836968065507e-28
1.2183439329023096e+21 5.222519065363231e-11 4.184476666502118e-28
1.3464782828575407e+21 -5.07169852052075e-11 -4.766085106688037e-28
1.48808864003459e+21 4.925310917157278e-11 5.328777445258146e-28
1.6445922884849697e+21 -4.783328375532226e-11 -5.858824985834212e-28
1.8175555693250643e+21 4.645856316442775e-11 6.329409859706737e-28
2.008709557204488e+21 -4.513304831495452e-11 -6.709268971860476e-28
2.219967385483012e+21 4.386786828115582e-11 6.975416172179417e-28
2.4534433935122555e+21 -4.269042848860555e-11 -7.122929261229363e-28
2.711474287654572e+21 4.166589074066043e-11 7.167821355397955e-28
2.9966425278257163e+21 -4.09470613197253e-11 -7.142209321177599e-28
3.311802173621677e+21 4.089025606285087e-11 7.08478574381603e-28
3.660107448706394e+21 -4.232439520086882e-11 -7.032486471839363e-28
4.0450443093423623e+21 4.71759702866184e-11 7.017650479151096e-28
4.4704653330125727e+21 -5.992051472297203e-11 -7.069608472164614e-28
4.940628276310861e+21 9.095360729014628e-11 7.214920505613761e-28
"""
