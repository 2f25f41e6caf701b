"""The emiAI model file: one .npz holding JSON metadata and the network weights as plain arrays.

Nothing is executed or unpickled on load (``np.load(allow_pickle=False)``); the metadata are
validated against the arrays before a model is returned. Layout (format_version 1):

- ``metadata``: a 0-d unicode array with a JSON object:
  ``format`` ("emiai-model"), ``format_version`` (1), ``name``, ``description``,
  ``instrument`` {``name``, ``coils`` (EMagPy strings of the measured inputs, in order)},
  ``height_m``, ``forward_model`` (linking stages, e.g. "CS"), ``ec_floor_S_m``,
  ``units`` {"eca": "S/m", "ec": "S/m"},
  ``stages``: list of {``name``, ``layer_edges`` (m), ``input_source`` ("measured"|"forward"),
  ``input_coils``, ``scaler_in``/``scaler_out`` {``data_min``, ``data_max``} (S/m),
  ``dense``: list of {``units``, ``activation``}},
  ``provenance`` (free JSON: sources, checksums, converter), ``licence``, ``attribution``.
- ``stage<k>_dense<j>_kernel`` (n_in, n_out) and ``stage<k>_dense<j>_bias`` (n_out,) float arrays.
"""
from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from .cascade import ACTIVATIONS, CascadeModel, Dense, MinMaxScaling, Stage
from .forward import FORWARD_MODELS
from .instruments import as_coils

FORMAT = "emiai-model"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = (1,)
DEFAULT_MODEL = "emiai_tuwien2024_cmd_miniexplorer_vcp.npz"


class ModelFileError(ValueError):
    """A model file that cannot be used (corrupt, unknown version, inconsistent)."""


def default_model_path() -> Path:
    """The embedded default model: the published TU Wien emiAI cascade (CMD-MiniExplorer VCP)."""
    return Path(__file__).resolve().parent / "models" / DEFAULT_MODEL


def _key(k, j, part):
    return f"stage{k}_dense{j}_{part}"


def save_model(path, model: CascadeModel, metadata_extra: dict | None = None) -> None:
    """Write ``model`` to ``path`` (.npz) atomically (temporary file in the same folder, then rename)."""
    meta = dict(model.metadata)
    meta.update(metadata_extra or {})
    meta.update({
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "instrument": {**meta.get("instrument", {}), "coils": list(model.measured_coils)},
        "forward_model": model.forward_model,
        "ec_floor_S_m": model.ec_floor,
        "units": {"eca": "S/m", "ec": "S/m"},
        "stages": [],
    })
    arrays = {}
    for k, s in enumerate(model.stages):
        meta["stages"].append({
            "name": s.name,
            "layer_edges": [float(e) for e in s.layer_edges],
            "input_source": s.input_source,
            "input_coils": list(s.input_coils),
            "scaler_in": {"data_min": s.scaler_in.data_min.tolist(), "data_max": s.scaler_in.data_max.tolist()},
            "scaler_out": {"data_min": s.scaler_out.data_min.tolist(), "data_max": s.scaler_out.data_max.tolist()},
            "dense": [{"units": int(d.kernel.shape[1]), "activation": d.activation} for d in s.layers],
        })
        for j, d in enumerate(s.layers):
            arrays[_key(k, j, "kernel")] = np.asarray(d.kernel, dtype=np.float64)
            arrays[_key(k, j, "bias")] = np.asarray(d.bias, dtype=np.float64)
    arrays["metadata"] = np.array(json.dumps(meta, indent=1, sort_keys=True))
    path = Path(path)
    fd, tmp = tempfile.mkstemp(suffix=".npz", dir=path.parent)
    os.close(fd)
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600 files
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _need(cond, path, message):
    if not cond:
        raise ModelFileError(f"Model file {path}: {message}")


def _floats(values, n, path, what):
    arr = np.asarray(values, dtype=float)
    _need(arr.shape == (n,), path, f"{what} must have {n} values, has {arr.shape}.")
    _need(np.all(np.isfinite(arr)), path, f"{what} contains NaN or infinite values.")
    return arr


def load_model(path) -> CascadeModel:
    """Read and validate an emiAI model file; raises ModelFileError with what is wrong."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"Model file {path} does not exist.")
    try:
        with np.load(path, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as err:
        raise ModelFileError(f"Model file {path} is not a readable emiAI model (.npz): {err}") from None
    _need("metadata" in arrays, path, "no 'metadata' entry; this is not an emiAI model file.")
    try:
        meta = json.loads(str(arrays["metadata"]))
    except json.JSONDecodeError as err:
        raise ModelFileError(f"Model file {path}: metadata are not valid JSON ({err}).") from None
    _need(isinstance(meta, dict) and meta.get("format") == FORMAT, path,
          f"format is {meta.get('format') if isinstance(meta, dict) else None!r}, expected {FORMAT!r}.")
    version = meta.get("format_version")
    _need(version in SUPPORTED_VERSIONS, path,
          f"format_version {version!r} is not supported by this plugin (supports {SUPPORTED_VERSIONS}); "
          "update the plugin or re-export the model.")
    for key in ("instrument", "stages", "forward_model", "ec_floor_S_m"):
        _need(key in meta, path, f"metadata lack the key {key!r}.")
    try:
        measured = tuple(c.emagpy for c in as_coils(meta["instrument"]["coils"]))
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"Model file {path}: bad instrument coils ({err}).") from None
    _need(meta["forward_model"] in FORWARD_MODELS, path, f"unknown forward model {meta['forward_model']!r}.")
    floor = float(meta["ec_floor_S_m"])
    _need(floor > 0, path, f"ec_floor_S_m must be > 0, got {floor}.")
    stages = []
    _need(isinstance(meta["stages"], list) and meta["stages"], path, "no stages.")
    for k, sm in enumerate(meta["stages"]):
        where = f"stage {k}"
        try:
            edges = np.asarray(sm["layer_edges"], dtype=float)
            coils = tuple(c.emagpy for c in as_coils(sm["input_coils"]))
            source = sm["input_source"]
            dense_meta = sm["dense"]
        except (KeyError, TypeError, ValueError) as err:
            raise ModelFileError(f"Model file {path}: {where} metadata incomplete or invalid ({err}).") from None
        _need(edges.ndim == 1 and len(edges) >= 2 and edges[0] == 0 and np.all(np.diff(edges) > 0), path,
              f"{where} layer_edges must increase from 0 m, got {edges.tolist()}.")
        _need(source in ("measured", "forward"), path, f"{where} input_source {source!r} unknown.")
        _need((source == "measured") == (k == 0), path, "only the first stage takes measured ECa.")
        if k == 0:
            _need(coils == measured, path, "stage 0 input coils differ from the instrument coils.")
        n_in, n_out = len(coils), len(edges) - 1
        scaler_in = MinMaxScaling(_floats(sm["scaler_in"]["data_min"], n_in, path, f"{where} scaler_in.data_min"),
                                  _floats(sm["scaler_in"]["data_max"], n_in, path, f"{where} scaler_in.data_max"))
        scaler_out = MinMaxScaling(_floats(sm["scaler_out"]["data_min"], n_out, path, f"{where} scaler_out.data_min"),
                                   _floats(sm["scaler_out"]["data_max"], n_out, path, f"{where} scaler_out.data_max"))
        layers, width = [], n_in
        for j, dm in enumerate(dense_meta):
            kern, bias = arrays.get(_key(k, j, "kernel")), arrays.get(_key(k, j, "bias"))
            _need(kern is not None and bias is not None, path, f"{where} dense layer {j} weights are missing.")
            _need(kern.dtype.kind == "f" and bias.dtype.kind == "f", path, f"{where} dense {j} weights are not floats.")
            _need(kern.shape == (width, dm.get("units")) and bias.shape == (dm.get("units"),), path,
                  f"{where} dense layer {j} has kernel {kern.shape} / bias {bias.shape}, "
                  f"expected ({width}, {dm.get('units')}).")
            _need(np.all(np.isfinite(kern)) and np.all(np.isfinite(bias)), path, f"{where} dense {j} has NaN weights.")
            _need(dm.get("activation") in ACTIVATIONS, path,
                  f"{where} dense {j} activation {dm.get('activation')!r} unknown (known: {list(ACTIVATIONS)}).")
            layers.append(Dense(kern.astype(float), bias.astype(float), dm["activation"]))
            width = kern.shape[1]
        _need(layers and width == n_out, path, f"{where} outputs {width} values but has {n_out} layers.")
        stages.append(Stage(str(sm.get("name", f"stage{k}")), edges, coils, source, scaler_in, scaler_out, layers))
    return CascadeModel(stages, measured, meta["forward_model"], floor, meta)
