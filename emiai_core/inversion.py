"""Regularised Levenberg-Marquardt refinement and inversion of layered EC models, vectorised over
soundings: the measured ECa have the last word over a network's prediction.

Per sounding, with parameters m = log10 EC (S/m) of the layers *and* the half-space below them,
the objective is

    Phi(m) = || (ln d_obs - ln f(m)) / s ||^2 + lambda_v || D m ||^2 + lambda_p || m - m_prior ||^2

(s = the relative data noise, D = first differences between adjacent layers: vertical smoothness,
m_prior = the network's prediction or the homogeneous start). Each iteration solves the damped
Gauss-Newton system (J'J + lambda_v D'D + lambda_p I + mu I) dm = J'r - lambda_v D'D m - lambda_p
(m - m_prior) for every sounding at once (batched dense solves: P is 13 or so), accepts a step
only where Phi decreases (per-sounding mu: /3 on success, x4 and retry on failure) and keeps m
inside physical bounds. The Jacobian of ln f is exact for CS (linear in EC) and by forward
differences in m for the full solution (all perturbed models in one batched forward call).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .forward import cs_sensitivity, forward_eca
from .instruments import as_coils

LN10 = math.log(10.0)


@dataclass
class InversionSettings:
    """Defaults chosen per fold on the other folds' held-out cases (benchmarks/refinement.py,
    BENCHMARKS.md): strong vertical smoothing (300), a prior weight of 10 towards the start, one
    iteration, the Jacobian of the CS model (the residual stays the full solution's).

    forward_model: 'FSlin' | 'CS' | 'FSeq'; noise_relative: relative ECa noise (data weights);
    vertical_smoothing: lambda_v; prior_weight: lambda_p (towards m_prior); n_iter: LM iterations;
    damping: initial LM mu; max_tries: step retries per iteration; bounds_S_m: EC bounds;
    fd_step: forward-difference step in log10 EC for the full-solution Jacobian; refine_above:
    refine() leaves a start model alone when its misfit is already within this many times the
    noise (discrepancy principle); 0 = refine every sounding; smooth_update: the vertical
    smoothing applies to the change from the start (m - m_prior) rather than to m itself. On the
    held-out harness cases both options made the result slightly worse (see BENCHMARKS.md), so
    they are off by default; jacobian_model: 'CS' (the cumulative-sensitivity Jacobian, exact and
    cheap, a Gauss-Newton approximation for the full solution whose steps the LM accept/reject
    still judges with the full solution: as accurate on the harness and 6x faster) or 'exact'
    (forward differences of the forward model itself); fast_forward: residuals and misfits from the
    full solution's refinement path (fullsolution fast=True: within 1e-4 relative of the exact
    response, far below the data noise, and about 4x cheaper)."""

    forward_model: str = "FSlin"
    noise_relative: float = 0.03
    vertical_smoothing: float = 300.0
    prior_weight: float = 10.0
    n_iter: int = 1
    damping: float = 1.0
    max_tries: int = 4
    bounds_S_m: tuple = (1e-4, 10.0)
    fd_step: float = 1e-3
    refine_above: float = 0.0
    smooth_update: bool = False
    jacobian_model: str = "CS"
    fast_forward: bool = True


@dataclass
class InversionResult:
    """ec: (N, P) S/m (layers + half-space); misfit_pct: (N,) relative RMS misfit; misfit_start_pct:
    (N,) before; phi: (N,) final objective; n_accepted: (N,) accepted steps; converged: (N,) bool
    (misfit at or below the noise level)."""

    ec: np.ndarray
    misfit_pct: np.ndarray
    misfit_start_pct: np.ndarray
    phi: np.ndarray
    n_accepted: np.ndarray
    converged: np.ndarray


def solve_spd(a, b) -> np.ndarray:
    """x (n, P) solving a x = b for n symmetric positive definite (P, P) matrices a (n, P, P), b (n, P).

    A Cholesky factorisation vectorised over the n systems in numpy, instead of np.linalg.solve:
    that calls LAPACK once per 13 x 13 system, and with a threaded OpenBLAS on a busy machine its
    threads spin against each other (measured: 0.11 s for 100,000 systems on one thread, up to 12 s
    with two threads while another process ran). A system that is not positive definite gives NaN
    (the LM step is then rejected)."""
    a = np.asarray(a, dtype=float)
    n, p, _ = a.shape
    low = np.zeros_like(a)
    with np.errstate(invalid="ignore", divide="ignore"):
        for j in range(p):
            lj = low[:, j, :j]
            d = np.sqrt(a[:, j, j] - np.einsum("nk,nk->n", lj, lj))
            low[:, j, j] = d
            if j + 1 < p:
                low[:, j + 1:, j] = (a[:, j + 1:, j] - np.einsum("nik,nk->ni", low[:, j + 1:, :j], lj)) / d[:, None]
        y = np.empty((n, p))
        for j in range(p):  # L y = b
            y[:, j] = (b[:, j] - np.einsum("nk,nk->n", low[:, j, :j], y[:, :j])) / low[:, j, j]
        x = np.empty((n, p))
        for j in range(p - 1, -1, -1):  # L' x = y
            x[:, j] = (y[:, j] - np.einsum("nk,nk->n", low[:, j + 1:, j], x[:, j + 1:])) / low[:, j, j]
    return x


def _difference_matrix(p: int) -> np.ndarray:
    d = np.zeros((max(p - 1, 0), p))
    i = np.arange(p - 1)
    d[i, i], d[i, i + 1] = -1.0, 1.0
    return d


def log_forward(m, edges, coils, forward_model, fast: bool = False):
    """ln ECa (N, C) of models m = log10 EC (N, P) on edges (P+1,) (last layer a half-space); fast:
    the full solution's refinement path (within 1e-4 relative of the exact one, emiai_core.fullsolution)."""
    eca = forward_eca(10.0 ** m, edges, coils, forward_model, fast=fast)
    return np.log(np.maximum(eca, 1e-12))


def jacobian(m, edges, coils, forward_model, fd_step=1e-3, f0=None):
    """(ln f (N, C), d ln f / d m (N, C, P)) for m = log10 EC (N, P).

    CS: exact (ECa = EC @ W); full solution: forward differences, one batched forward call of
    N x P perturbed models."""
    coils = as_coils(coils)
    n, p = m.shape
    if forward_model == "CS":
        w = cs_sensitivity(edges, coils)  # (P, C)
        ec = 10.0 ** m
        eca = ec @ w
        jac = (ec[:, None, :] * w.T[None, :, :]) * LN10 / eca[:, :, None]
        return np.log(np.maximum(eca, 1e-12)), jac
    f = log_forward(m, edges, coils, forward_model) if f0 is None else f0
    pert = np.repeat(m[:, None, :], p, axis=1)
    pert[:, np.arange(p), np.arange(p)] += fd_step
    fp = log_forward(pert.reshape(n * p, p), edges, coils, forward_model).reshape(n, p, -1)
    return f, np.transpose((fp - f[:, None, :]) / fd_step, (0, 2, 1))


def _objective(f, d_obs_ln, m, m_prior, s, lam_v, lam_p, dmat, m_ref=0.0):
    r = (d_obs_ln - f) / s
    dm = (m - m_ref) @ dmat.T
    return np.sum(r * r, axis=1) + lam_v * np.sum(dm * dm, axis=1) + lam_p * np.sum((m - m_prior) ** 2, axis=1)


def misfit_pct(f_ln, d_obs_ln):
    """Relative RMS misfit (%) from ln ECa."""
    rel = np.exp(f_ln - d_obs_ln) - 1.0
    return 100.0 * np.sqrt(np.mean(rel * rel, axis=1))


@dataclass
class _Problem:
    """What refine and refine_lateral share: settings, data d = ln ECa (N, C), start m and prior
    m_prior (log10 EC, clipped to the bounds lo, hi), the smoothing reference m_ref, the vertical
    difference matrix, the regularisation block reg (P, P) and the relative noise s."""

    st: InversionSettings
    coils: tuple
    d: np.ndarray
    m: np.ndarray
    m_prior: np.ndarray
    m_ref: np.ndarray
    dmat: np.ndarray
    reg: np.ndarray
    s: float
    lo: float
    hi: float

    def objective(self, f, m, rows=slice(None)):
        """Per-sounding objective of models m (log10) with ln responses f, for soundings ``rows``."""
        st = self.st
        return _objective(f, self.d[rows], m, self.m_prior[rows], self.s, st.vertical_smoothing, st.prior_weight,
                          self.dmat, self.m_ref[rows])

    def normal_equations(self, m, f, edges, rows=slice(None)):
        """(ln f, J'J + regularisation (n, P, P), gradient (n, P)) of the damped Gauss-Newton step
        at models m (log10) of soundings ``rows`` whose ln responses are f: the Jacobian is the CS
        model's (settings.jacobian_model 'CS') or the forward model's own."""
        st = self.st
        if st.jacobian_model == "CS" and st.forward_model != "CS":
            _, jac = jacobian(m, edges, self.coils, "CS")
        else:
            # forward differences need the exact forward model (its 1e-4 would be 10 % of a 1e-3 step)
            f, jac = jacobian(m, edges, self.coils, st.forward_model, st.fd_step, f0=None if st.fast_forward else f)
        jw = jac / self.s
        r = (self.d[rows] - f) / self.s
        lhs = np.einsum("ncp,ncq->npq", jw, jw) + self.reg
        rhs = np.einsum("ncp,nc->np", jw, r) - (m - self.m_ref[rows]) @ (st.vertical_smoothing * self.dmat.T
                                                                         @ self.dmat).T \
            - st.prior_weight * (m - self.m_prior[rows])
        return f, lhs, rhs


def _problem(eca_obs, ec_start, ec_prior, coils, settings) -> _Problem:
    st = settings or InversionSettings()
    d = np.log(np.asarray(eca_obs, dtype=float))
    lo, hi = (math.log10(b) for b in st.bounds_S_m)
    m = np.clip(np.log10(np.asarray(ec_start, dtype=float)), lo, hi)
    m_prior = m.copy() if ec_prior is None else np.clip(np.log10(np.asarray(ec_prior, float)), lo, hi)
    p = m.shape[1]
    dmat = _difference_matrix(p)
    reg = st.vertical_smoothing * dmat.T @ dmat + st.prior_weight * np.eye(p)
    s = st.noise_relative if st.noise_relative > 0 else 0.01
    m_ref = m_prior if st.smooth_update else np.zeros_like(m)
    return _Problem(st, as_coils(coils), d, m, m_prior, m_ref, dmat, reg, s, lo, hi)


def refine(eca_obs, ec_start, edges, coils, settings: InversionSettings | None = None, ec_prior=None,
           progress=None) -> InversionResult:
    """Refine layered models so that their forward response fits the measured ECa.

    eca_obs: (N, C) S/m (> 0); ec_start: (N, P) S/m, the start (a network's prediction, or a
    homogeneous model); edges: (P+1,) m, the last layer being the half-space; coils: the coils of
    eca_obs (with their height); ec_prior: the model the prior term pulls towards (default the
    start); progress: callable(fraction) per iteration (it may raise to cancel)."""
    pb = _problem(eca_obs, ec_start, ec_prior, coils, settings)
    st, d, m = pb.st, pb.d, pb.m
    n, p = m.shape
    mu = np.full(n, float(st.damping))
    f = log_forward(m, edges, pb.coils, st.forward_model, st.fast_forward)
    misfit0 = misfit_pct(f, d)
    phi = pb.objective(f, m)
    accepted = np.zeros(n, dtype=np.int64)
    eye = np.eye(p)
    active = misfit0 > st.refine_above * 100.0 * st.noise_relative if st.refine_above > 0 else np.ones(n, bool)
    for it in range(st.n_iter):
        if not active.any():
            break
        sel = np.flatnonzero(active)
        _, lhs0, rhs = pb.normal_equations(m[sel], f[sel], edges, sel)
        todo = np.ones(len(sel), dtype=bool)
        for _ in range(st.max_tries):
            loc = np.flatnonzero(todo)
            if loc.size == 0:
                break
            idx = sel[loc]
            step = solve_spd(lhs0[loc] + mu[idx, None, None] * eye, rhs[loc])
            m_try = np.clip(m[idx] + step, pb.lo, pb.hi)
            f_try = log_forward(m_try, edges, pb.coils, st.forward_model, st.fast_forward)
            phi_try = pb.objective(f_try, m_try, idx)
            ok = np.isfinite(phi_try) & (phi_try < phi[idx])
            good = idx[ok]
            m[good], f[good], phi[good] = m_try[ok], f_try[ok], phi_try[ok]
            mu[good] /= 3.0
            accepted[good] += 1
            mu[idx[~ok]] *= 4.0
            todo[loc[ok]] = False
        if progress is not None:
            progress((it + 1) / st.n_iter)
    mis = misfit_pct(f, d)
    return InversionResult(10.0 ** m, mis, misfit0, phi, accepted, mis <= 100.0 * st.noise_relative * 1.2)


def line_neighbours(x, y, max_distance: float, order=None) -> np.ndarray:
    """(E, 2) index pairs of soundings next to each other along the survey lines: consecutive in
    recording ``order`` (default: the given order) and at most ``max_distance`` apart (m, map
    units). A gap larger than that (a turn, a new line) breaks the chain."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    idx = np.arange(len(x)) if order is None else np.asarray(order)
    a, b = idx[:-1], idx[1:]
    ok = np.hypot(x[b] - x[a], y[b] - y[a]) <= max_distance
    return np.column_stack([a[ok], b[ok]])


# lateral_smoothing is per neighbour pair *at this spacing* (the harness's 0.5 m, where it was tuned)
LATERAL_REFERENCE_SPACING_M = 0.5
LATERAL_MIN_SPACING_M = 0.05  # closer pairs (repeated positions, fast logging) count as this far apart
DEFAULT_LATERAL_SMOOTHING = 100.0  # chosen in every fold of benchmarks/refinement.py (BENCHMARKS.md)


def pair_weights(x, y, pairs, reference_spacing_m: float = LATERAL_REFERENCE_SPACING_M,
                 min_spacing_m: float = LATERAL_MIN_SPACING_M) -> np.ndarray:
    """(E,) weights of neighbour pairs for the lateral term: reference_spacing_m / distance (m).

    The lateral term is then a random-walk prior on the model along the line, whose variance grows
    with distance: the same constraint per metre of line whether the instrument logs every 5 cm or
    every metre (unit weights would make dense logging smooth more). Distances below
    min_spacing_m count as min_spacing_m."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    dist = np.hypot(x[pairs[:, 1]] - x[pairs[:, 0]], y[pairs[:, 1]] - y[pairs[:, 0]])
    return reference_spacing_m / np.maximum(dist, min_spacing_m)


def refine_lateral(eca_obs, ec_start, edges, coils, pairs, lateral_smoothing: float,
                   settings: InversionSettings | None = None, ec_prior=None, progress=None,
                   weights=None) -> InversionResult:
    """refine() with soundings coupled along survey lines (laterally constrained inversion).

    The objective adds lateral_smoothing * w_ij * ||m_i - m_j||^2 for every neighbour pair (i, j)
    (``pairs`` (E, 2), e.g. from line_neighbours; ``weights`` (E,) w_ij, default 1, e.g. from
    pair_weights). Each iteration solves one sparse symmetric system of N x P unknowns; the
    Levenberg-Marquardt damping and the accept/reject are per connected chain of soundings (a line:
    chains do not interact), so one poorly fitting line does not hold the others back, and a
    sounding without neighbours is refined exactly as by refine()."""
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components
    from scipy.sparse.linalg import spsolve

    pb = _problem(eca_obs, ec_start, ec_prior, coils, settings)
    st, d, m = pb.st, pb.d, pb.m
    n, p = m.shape
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    w = np.ones(len(pairs)) if weights is None else np.asarray(weights, dtype=float).reshape(-1)
    if w.shape != (len(pairs),) or not np.all(np.isfinite(w) & (w >= 0)):
        raise ValueError("weights must be one finite, non-negative value per neighbour pair.")
    # weighted graph Laplacian of the neighbour pairs (n x n), times the identity over the P parameters
    adj = sp.coo_matrix((np.r_[w, w], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
                        shape=(n, n)).tocsr()
    lap = sp.diags(np.asarray(adj.sum(axis=1)).ravel()) - adj
    lat = (sp.kron(lap, sp.eye(p), format="csr") * lateral_smoothing).tocsr()
    n_chain, chain = connected_components(adj, directed=False)
    w_lat = lateral_smoothing * w

    def per_chain(f_, m_):
        local = pb.objective(f_, m_)
        diff = m_[pairs[:, 0]] - m_[pairs[:, 1]]
        coupling = w_lat * np.sum(diff * diff, axis=1)
        return (np.bincount(chain, local, n_chain) + np.bincount(chain[pairs[:, 0]], coupling, n_chain)), local

    f = log_forward(m, edges, pb.coils, st.forward_model, st.fast_forward)
    misfit0 = misfit_pct(f, d)
    phi, local = per_chain(f, m)
    mu = np.full(n_chain, float(st.damping))
    accepted = np.zeros(n, dtype=np.int64)
    eye = np.eye(p)
    for it in range(st.n_iter):
        f, blocks, grad = pb.normal_equations(m, f, edges)
        grad = grad.ravel() - lat @ m.ravel()
        todo = np.ones(n_chain, dtype=bool)
        for _ in range(st.max_tries):
            idx = np.flatnonzero(todo[chain])  # soundings of the chains still without an accepted step
            if idx.size == 0:
                break
            k = idx.size
            rows = np.repeat(np.arange(k * p), p)  # (k, P, P) diagonal blocks in the (kP x kP) matrix
            cols = (np.arange(k)[:, None] * p + np.tile(np.arange(p), p)[None, :]).ravel()
            full = (idx[:, None] * p + np.arange(p)[None, :]).ravel()
            diag = blocks[idx] + mu[chain[idx], None, None] * eye
            a = sp.csr_matrix((diag.ravel(), (rows, cols)), shape=(k * p, k * p)) + lat[full][:, full]
            step = spsolve(a.tocsc(), grad[full]).reshape(k, p)
            m_try, f_try = m.copy(), f.copy()
            m_try[idx] = np.clip(m[idx] + step, pb.lo, pb.hi)
            f_try[idx] = log_forward(m_try[idx], edges, pb.coils, st.forward_model, st.fast_forward)
            phi_try, local_try = per_chain(f_try, m_try)
            ok = todo & np.isfinite(phi_try) & (phi_try < phi)
            take = ok[chain]
            m[take], f[take], local[take] = m_try[take], f_try[take], local_try[take]
            phi[ok] = phi_try[ok]
            mu[ok] /= 3.0
            accepted[take] += 1
            todo &= ~ok
            mu[todo] *= 4.0
        if progress is not None:
            progress((it + 1) / st.n_iter)
    mis = misfit_pct(f, d)
    return InversionResult(10.0 ** m, mis, misfit0, local, accepted, mis <= 100.0 * st.noise_relative * 1.2)


def homogeneous_start(eca_obs, n_params: int) -> np.ndarray:
    """(N, P) S/m: every layer at the geometric mean of the sounding's ECa (the usual start of a
    1-D inversion without prior knowledge)."""
    g = np.exp(np.mean(np.log(np.asarray(eca_obs, dtype=float)), axis=1))
    return np.repeat(g[:, None], n_params, axis=1)


def invert(eca_obs, edges, coils, settings: InversionSettings | None = None, progress=None) -> InversionResult:
    """Regularised Gauss-Newton/LM inversion from a homogeneous start (no network): the baseline for
    any instrument and layering. Uses settings.n_iter (at least 5 is sensible here); every sounding
    is inverted (refine_above does not apply)."""
    from dataclasses import replace

    start = homogeneous_start(eca_obs, len(edges) - 1)
    return refine(eca_obs, start, edges, coils, replace(settings or InversionSettings(), refine_above=0.0),
                  progress=progress)


__all__ = ["DEFAULT_LATERAL_SMOOTHING", "InversionResult", "InversionSettings", "homogeneous_start", "invert",
           "jacobian", "line_neighbours", "log_forward", "misfit_pct", "pair_weights", "refine", "refine_lateral"]
