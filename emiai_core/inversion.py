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
    """forward_model: 'FSlin' | 'CS' | 'FSeq'; noise_relative: relative ECa noise (data weights);
    vertical_smoothing: lambda_v; prior_weight: lambda_p (towards m_prior); n_iter: LM iterations;
    damping: initial LM mu; max_tries: step retries per iteration; bounds_S_m: EC bounds;
    fd_step: forward-difference step in log10 EC for the full-solution Jacobian."""

    forward_model: str = "FSlin"
    noise_relative: float = 0.03
    vertical_smoothing: float = 3.0
    prior_weight: float = 0.1
    n_iter: int = 1
    damping: float = 1.0
    max_tries: int = 4
    bounds_S_m: tuple = (1e-4, 10.0)
    fd_step: float = 1e-3


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


def _difference_matrix(p: int) -> np.ndarray:
    d = np.zeros((max(p - 1, 0), p))
    i = np.arange(p - 1)
    d[i, i], d[i, i + 1] = -1.0, 1.0
    return d


def log_forward(m, edges, coils, forward_model):
    """ln ECa (N, C) of models m = log10 EC (N, P) on edges (P+1,) (last layer a half-space)."""
    eca = forward_eca(10.0 ** m, edges, coils, forward_model)
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


def _objective(f, d_obs_ln, m, m_prior, s, lam_v, lam_p, dmat):
    r = (d_obs_ln - f) / s
    dm = m @ dmat.T
    return np.sum(r * r, axis=1) + lam_v * np.sum(dm * dm, axis=1) + lam_p * np.sum((m - m_prior) ** 2, axis=1)


def misfit_pct(f_ln, d_obs_ln):
    """Relative RMS misfit (%) from ln ECa."""
    rel = np.exp(f_ln - d_obs_ln) - 1.0
    return 100.0 * np.sqrt(np.mean(rel * rel, axis=1))


def refine(eca_obs, ec_start, edges, coils, settings: InversionSettings | None = None, ec_prior=None,
           progress=None) -> InversionResult:
    """Refine layered models so that their forward response fits the measured ECa.

    eca_obs: (N, C) S/m (> 0); ec_start: (N, P) S/m, the start (a network's prediction, or a
    homogeneous model); edges: (P+1,) m, the last layer being the half-space; coils: the coils of
    eca_obs (with their height); ec_prior: the model the prior term pulls towards (default the
    start); progress: callable(fraction) per iteration (it may raise to cancel)."""
    st = settings or InversionSettings()
    coils = as_coils(coils)
    d = np.log(np.asarray(eca_obs, dtype=float))
    lo, hi = (math.log10(b) for b in st.bounds_S_m)
    m = np.clip(np.log10(np.asarray(ec_start, dtype=float)), lo, hi)
    m_prior = m.copy() if ec_prior is None else np.clip(np.log10(np.asarray(ec_prior, float)), lo, hi)
    n, p = m.shape
    dmat = _difference_matrix(p)
    reg = st.vertical_smoothing * dmat.T @ dmat + st.prior_weight * np.eye(p)
    s = st.noise_relative if st.noise_relative > 0 else 0.01
    mu = np.full(n, float(st.damping))
    f = log_forward(m, edges, coils, st.forward_model)
    misfit0 = misfit_pct(f, d)
    phi = _objective(f, d, m, m_prior, s, st.vertical_smoothing, st.prior_weight, dmat)
    accepted = np.zeros(n, dtype=np.int64)
    eye = np.eye(p)
    for it in range(st.n_iter):
        f, jac = jacobian(m, edges, coils, st.forward_model, st.fd_step, f0=f)
        jw = jac / s
        r = (d - f) / s
        lhs0 = np.einsum("ncp,ncq->npq", jw, jw) + reg
        rhs = np.einsum("ncp,nc->np", jw, r) - m @ (st.vertical_smoothing * dmat.T @ dmat).T \
            - st.prior_weight * (m - m_prior)
        todo = np.ones(n, dtype=bool)
        for _ in range(st.max_tries):
            idx = np.flatnonzero(todo)
            if idx.size == 0:
                break
            step = np.linalg.solve(lhs0[idx] + mu[idx, None, None] * eye, rhs[idx][..., None])[..., 0]
            m_try = np.clip(m[idx] + step, lo, hi)
            f_try = log_forward(m_try, edges, coils, st.forward_model)
            phi_try = _objective(f_try, d[idx], m_try, m_prior[idx], s, st.vertical_smoothing, st.prior_weight,
                                 dmat)
            ok = np.isfinite(phi_try) & (phi_try < phi[idx])
            good = idx[ok]
            m[good], f[good], phi[good] = m_try[ok], f_try[ok], phi_try[ok]
            mu[good] /= 3.0
            accepted[good] += 1
            mu[idx[~ok]] *= 4.0
            todo[good] = False
        if progress is not None:
            progress((it + 1) / st.n_iter)
    mis = misfit_pct(f, d)
    return InversionResult(10.0 ** m, mis, misfit0, phi, accepted, mis <= 100.0 * st.noise_relative * 1.2)


def homogeneous_start(eca_obs, n_params: int) -> np.ndarray:
    """(N, P) S/m: every layer at the geometric mean of the sounding's ECa (the usual start of a
    1-D inversion without prior knowledge)."""
    g = np.exp(np.mean(np.log(np.asarray(eca_obs, dtype=float)), axis=1))
    return np.repeat(g[:, None], n_params, axis=1)


def invert(eca_obs, edges, coils, settings: InversionSettings | None = None, progress=None) -> InversionResult:
    """Regularised Gauss-Newton/LM inversion from a homogeneous start (no network): the baseline for
    any instrument and layering. Uses settings.n_iter (at least 5 is sensible here)."""
    start = homogeneous_start(eca_obs, len(edges) - 1)
    return refine(eca_obs, start, edges, coils, settings, progress=progress)


__all__ = ["InversionResult", "InversionSettings", "homogeneous_start", "invert", "jacobian", "log_forward",
           "misfit_pct", "refine"]
