"""The emiAI network cascade evaluated in numpy (no TensorFlow needed to predict).

A cascade is a list of stages; each stage is a small MLP (dense layers) between MinMax scalers.
Stage 0 takes the measured ECa; every later stage takes the forward response (CS by default, as
in the reference, reference_algorithm.md section 5) of the previous stage's predicted model.
All conductivities are in S/m.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .forward import cs_sensitivity, forward_eca
from .instruments import as_coils

ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "linear": lambda x: x,
}


@dataclass
class Dense:
    """One dense layer: y = activation(x @ kernel + bias); kernel (n_in, n_out)."""

    kernel: np.ndarray
    bias: np.ndarray
    activation: str = "linear"

    def __call__(self, x):
        return ACTIVATIONS[self.activation](x @ self.kernel + self.bias)


@dataclass
class MinMaxScaling:
    """Per-column affine map of [data_min, data_max] to [0, 1] (scikit-learn MinMaxScaler semantics)."""

    data_min: np.ndarray
    data_max: np.ndarray

    @property
    def scale(self):
        rng = self.data_max - self.data_min
        return 1.0 / np.where(rng == 0.0, 1.0, rng)  # sklearn keeps constant columns unscaled

    def transform(self, x):
        return (x - self.data_min) * self.scale

    def inverse(self, x_scaled):
        return x_scaled / self.scale + self.data_min


@dataclass
class Stage:
    """One subnet of the cascade.

    layer_edges: (L+1,) m, the layering it predicts; input_coils: EMagPy coil strings of its
    inputs; input_source: 'measured' (stage 0) or 'forward' (response of the previous stage).
    """

    name: str
    layer_edges: np.ndarray
    input_coils: tuple
    input_source: str
    scaler_in: MinMaxScaling
    scaler_out: MinMaxScaling
    layers: list

    def predict(self, eca):
        """EC (N, L) in S/m predicted from input ECa (N, n_in) in S/m."""
        h = self.scaler_in.transform(eca)
        for layer in self.layers:
            h = layer(h)
        return self.scaler_out.inverse(h)


@dataclass
class CascadeResult:
    """Predictions of every stage for N soundings.

    ec: list of (N, L_k) arrays in S/m (after the floor); n_floored: (N,) number of predicted
    values raised to the floor; extrapolated: (N,) True where a measured ECa lies outside the
    range the first stage was trained on.
    """

    ec: list
    n_floored: np.ndarray
    extrapolated: np.ndarray


@dataclass
class CascadeModel:
    """A trained cascade plus what is needed to use it safely (see model_file for the file format).

    measured_coils: the instrument coils the first stage expects, in order; forward_model: the
    forward model linking stages; ec_floor: smallest EC (S/m) passed on or reported — a linear
    output layer can predict EC <= 0, which has no physical meaning and would break the forward
    model of the next stage, so such values are raised to the floor and counted.
    """

    stages: list
    measured_coils: tuple
    forward_model: str = "CS"
    ec_floor: float = 1e-4
    metadata: dict = field(default_factory=dict)

    @property
    def finest(self) -> Stage:
        """The stage with the most layers (the one predictec reports first)."""
        return max(self.stages, key=lambda s: len(s.layer_edges))

    def training_range(self):
        """(min, max) per measured coil (S/m) of the first stage's training inputs."""
        s = self.stages[0].scaler_in
        return s.data_min, s.data_max

    def output_layerings(self) -> list:
        """Layer edges of every stage's layering, finest first (the order of predict_layers)."""
        return [self.stages[k].layer_edges for k in self._finest_first()]

    def _finest_first(self):
        return sorted(range(len(self.stages)), key=lambda k: -len(self.stages[k].layer_edges))

    def predict_layers(self, eca):
        """predict() as a networks.LayerPrediction (the interface predict_survey uses), finest first."""
        from .networks import LayerPrediction

        res = self.predict(eca)
        return LayerPrediction([res.ec[k] for k in self._finest_first()], None, None, res.extrapolated, None,
                               res.n_floored)

    def _compiled(self):
        """Per stage, the dense layers with the MinMax scalers folded in (and, for a CS link, the
        CS weights of the previous stage's layering folded into the first layer): the same
        affine maps with fewer passes over the data. Cached; the model is not mutated later."""
        cache = self.__dict__.get("_compiled_stages")
        if cache is not None:
            return cache
        compiled = []
        for k, stage in enumerate(self.stages):
            layers = [[d.kernel.astype(float), d.bias.astype(float), d.activation] for d in stage.layers]
            # (x - min) * scale @ K + b  ==  x @ (scale[:, None] * K) + (b - (min * scale) @ K)
            sc, mn = stage.scaler_in.scale, stage.scaler_in.data_min
            first = layers[0]
            first[1] = first[1] - (mn * sc) @ first[0]
            first[0] = sc[:, None] * first[0]
            fold_cs = k > 0 and self.forward_model == "CS"
            if fold_cs:  # previous EC (N, L) @ W (L, n_in) is linear: fold it into the kernel
                first[0] = self._cs_weights(k) @ first[0]
            last = layers[-1]
            fold_out = last[2] == "linear"
            if fold_out:  # h / scale + min, folded into the last (linear) layer
                inv = 1.0 / stage.scaler_out.scale
                last[0] = last[0] * inv[None, :]
                last[1] = last[1] * inv + stage.scaler_out.data_min
            compiled.append((layers, fold_cs, fold_out))
        self.__dict__["_compiled_stages"] = compiled
        return compiled

    def _cs_weights(self, k):
        return cs_sensitivity(self.stages[k - 1].layer_edges, as_coils(self.stages[k].input_coils))

    def predict(self, eca, chunk_size: int = 8192) -> CascadeResult:
        """Run the cascade on measured ECa (N, n_coils) in S/m, in the order of measured_coils.

        chunk_size: rows per block; small blocks stay in the CPU cache (8k rows x 12 layers: 0.8 MB).
        """
        eca = np.asarray(eca, dtype=float)
        if eca.ndim != 2 or eca.shape[1] != len(self.measured_coils):
            raise ValueError(f"Expected ECa of shape (N, {len(self.measured_coils)}) for coils "
                             f"{list(self.measured_coils)}, got {eca.shape}.")
        n = len(eca)
        outputs = [np.empty((n, len(s.layer_edges) - 1)) for s in self.stages]
        n_floored = np.zeros(n, dtype=np.int64)
        compiled = self._compiled()
        for start in range(0, n, chunk_size):
            sl = slice(start, start + chunk_size)
            h = eca[sl]
            for k, (stage, (layers, fold_cs, fold_out)) in enumerate(zip(self.stages, compiled)):
                if k > 0 and not fold_cs:
                    h = forward_eca(h, self.stages[k - 1].layer_edges, stage.input_coils, self.forward_model)
                for kernel, bias, activation in layers:
                    h = h @ kernel
                    h += bias
                    if activation == "relu":
                        np.maximum(h, 0.0, out=h)
                    elif activation != "linear":
                        h = ACTIVATIONS[activation](h)
                if not fold_out:
                    h = stage.scaler_out.inverse(h)
                low = h < self.ec_floor
                n_floored[sl] += low.sum(axis=1)
                h[low] = self.ec_floor
                outputs[k][sl] = h
        lo, hi = self.training_range()
        extrapolated = np.any((eca < lo) | (eca > hi), axis=1)
        return CascadeResult(outputs, n_floored, extrapolated)
