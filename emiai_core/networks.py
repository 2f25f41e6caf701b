"""Trained EC networks evaluated in numpy: an ensemble of direct networks in log10 units.

A direct network maps the measured ECa of all coils to the EC of every target layer plus the
half-space below the target depth in one pass (no cascade). Inputs and outputs are log10 of S/m,
standardised per column; an ensemble is several such networks trained from different seeds, whose
spread (std of log10 EC across members) is the model's own uncertainty. Out-of-distribution
soundings are detected on the joint log10 ECa vector (Mahalanobis distance to the training
inputs), not coil by coil. Everything is in S/m and m; QGIS-free and TensorFlow-free.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .layering import resample_layers


@dataclass
class LogScaling:
    """z = (log10(x) - mean) / std per column; x in S/m."""

    mean: np.ndarray
    std: np.ndarray

    def __post_init__(self):
        self.mean = np.asarray(self.mean, dtype=float)
        self.std = np.asarray(self.std, dtype=float)

    def transform(self, x):
        return (np.log10(x) - self.mean) / self.std

    def inverse_log10(self, z):
        """log10 of x from scaled values z."""
        return z * self.std + self.mean

    @classmethod
    def fit(cls, x, min_std: float = 1e-3) -> LogScaling:
        """Mean and std of log10(x) per column (x > 0); std floored at ``min_std`` decades."""
        lx = np.log10(np.asarray(x, dtype=float))
        return cls(lx.mean(axis=0), np.maximum(lx.std(axis=0), min_std))


@dataclass
class Mahalanobis:
    """Distance of scaled log10 ECa vectors to the training inputs: sqrt((z-mean)' C^-1 (z-mean)).

    threshold: the distance above which a sounding is out of distribution (a high quantile of the
    training inputs' own distances)."""

    mean: np.ndarray
    inv_cov: np.ndarray
    threshold: float

    def score(self, z):
        d = np.asarray(z, dtype=float) - self.mean
        return np.sqrt(np.maximum(np.einsum("ni,ij,nj->n", d, self.inv_cov, d), 0.0))

    @classmethod
    def fit(cls, z, quantile: float = 0.995) -> Mahalanobis:
        """From the scaled training inputs z (N, n); the threshold is their ``quantile`` distance."""
        z = np.asarray(z, dtype=float)
        mean = z.mean(axis=0)
        cov = np.atleast_2d(np.cov(z, rowvar=False)) + 1e-9 * np.eye(z.shape[1])
        out = cls(mean, np.linalg.inv(cov), 0.0)
        out.threshold = float(np.quantile(out.score(z), quantile))
        return out


@dataclass
class LayerPrediction:
    """What a model predicts for N soundings, per output layering (finest first).

    ec: list of (N, L_k) S/m; ec_std_log10: list of (N, L_k) std of log10 EC across ensemble
    members (None for a single network); ec_halfspace: (N,) EC below the target depth (None when
    the model has no half-space output); extrapolated: (N,) bool; ood_score: (N,) or None;
    n_floored: (N,) values raised to the EC floor or lowered to the ceiling."""

    ec: list
    ec_std_log10: list | None
    ec_halfspace: np.ndarray | None
    extrapolated: np.ndarray
    ood_score: np.ndarray | None
    n_floored: np.ndarray


@dataclass
class EnsembleModel:
    """An ensemble of direct networks and what is needed to use (and later refine) them safely.

    measured_coils: EMagPy coil strings of the inputs, in order (with the trained height);
    layer_edges: (L+1,) m target layering; the networks output L layers + the half-space below
    layer_edges[-1]; forward_model / noise_relative: how the training ECa were made (the
    refinement uses the same); ec_bounds: (min, max) S/m, predictions are clipped into it;
    coarse_layerings: name -> edges of coarser outputs (conductance-preserving resampling);
    metadata: the model file's JSON (provenance, training report, refinement settings).
    """

    measured_coils: tuple
    layer_edges: np.ndarray
    scaler_in: LogScaling
    scaler_out: LogScaling
    members: list  # list of lists of Dense
    ood: Mahalanobis
    forward_model: str = "FSlin"
    noise_relative: float = 0.03
    ec_bounds: tuple = (1e-4, 10.0)
    coarse_layerings: dict = field(default_factory=dict)
    metadata: dict = field(default_factory=dict)

    architecture = "direct"

    @property
    def n_layers(self) -> int:
        return int(len(self.layer_edges) - 1)

    @property
    def ec_floor(self) -> float:
        return float(self.ec_bounds[0])

    def output_layerings(self) -> list:
        """Layer edges of every output layering, finest (the target) first."""
        return [np.asarray(self.layer_edges, float)] + [np.asarray(e, float) for e in self.coarse_layerings.values()]

    def training_range(self):
        """(min, max) per coil (S/m) of the training inputs' central 99.9 % (for messages)."""
        lo = self.metadata.get("training", {}).get("eca_min_S_m")
        hi = self.metadata.get("training", {}).get("eca_max_S_m")
        return np.asarray(lo, float), np.asarray(hi, float)

    def member_log10(self, eca, chunk_size: int = 8192) -> np.ndarray:
        """(n_members, N, L+1) log10 EC (S/m) of every member for ECa (N, n_coils) in S/m."""
        eca = np.asarray(eca, dtype=float)
        if eca.ndim != 2 or eca.shape[1] != len(self.measured_coils):
            raise ValueError(f"Expected ECa of shape (N, {len(self.measured_coils)}) for coils "
                             f"{list(self.measured_coils)}, got {eca.shape}.")
        out = np.empty((len(self.members), len(eca), self.n_layers + 1))
        for start in range(0, len(eca), chunk_size):
            sl = slice(start, start + chunk_size)
            z = self.scaler_in.transform(eca[sl])
            for m, layers in enumerate(self.members):
                h = z
                for dense in layers:
                    h = dense(h)
                out[m, sl] = self.scaler_out.inverse_log10(h)
        return out

    def predict_layers(self, eca) -> LayerPrediction:
        """Ensemble prediction for ECa (N, n_coils) in S/m (all > 0)."""
        eca = np.asarray(eca, dtype=float)
        logs = self.member_log10(eca)
        mean = logs.mean(axis=0)  # geometric mean of the members' EC
        std = logs.std(axis=0) if len(self.members) > 1 else None
        ec = 10.0 ** mean
        lo, hi = self.ec_bounds
        n_clipped = np.sum((ec < lo) | (ec > hi), axis=1)
        ec = np.clip(ec, lo, hi)
        target = ec[:, :-1]
        layers = [target] + [resample_layers(np.hstack([target, ec[:, -1:]]),
                                             np.r_[self.layer_edges, self.layer_edges[-1] * 2.0], e)
                             for e in list(self.output_layerings())[1:]]
        stds = None
        if std is not None:
            stds = [std[:, :-1]] + [None] * (len(layers) - 1)
        score = self.ood.score(self.scaler_in.transform(eca))
        return LayerPrediction(layers, stds, ec[:, -1], score > self.ood.threshold, score, n_clipped)


__all__ = ["EnsembleModel", "LayerPrediction", "LogScaling", "Mahalanobis"]
