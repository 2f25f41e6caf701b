"""The emiAI model file: one .npz holding JSON metadata and the network weights as plain arrays.

Nothing is executed or unpickled on load; sizes, dtypes and the metadata are checked before any
weight is decompressed (emiai_core.safe_npz), and the metadata are validated against the arrays
before a model is returned. Layout (format_version 1):

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

format_version 2 (``architecture`` "direct": an ensemble of direct networks, emiai_core.networks):

- ``metadata`` as above without ``stages``, plus ``architecture`` ("direct"), ``layer_edges`` (m,
  the target layering; the networks also output the half-space below its last edge),
  ``scaler_in`` / ``scaler_out`` {``kind``: "log10-standard", ``mean``, ``std``} (log10 of S/m),
  ``members``: list of {``seed``, ``dense``: [{``units``, ``activation``}]}, ``noise_relative``
  (the relative ECa noise the model was trained with), ``ec_bounds_S_m`` [min, max],
  ``ood`` {``mean``, ``threshold``} (+ array ``ood_inv_cov``), ``coarse_layerings`` {name: edges},
  ``training`` (the training report: data, split, scores) and ``refinement`` (settings for the
  physics refinement, reserved).
- ``member<i>_dense<j>_kernel`` / ``member<i>_dense<j>_bias`` and ``ood_inv_cov`` (n_in, n_in).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .atomic import write_npz
from .safe_npz import LazyArrays, NpzError, NpzLimits, SafeNpz
from .cascade import ACTIVATIONS, CascadeModel, Dense, MinMaxScaling, Stage
from .fields import FORWARD_MODELS
from .instruments import as_coils

FORMAT = "emiai-model"
FORMAT_VERSION = 1  # the cascade; ensembles of direct networks are version 2
ENSEMBLE_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)
DEFAULT_MODEL = "emiai_tuwien2024_cmd_miniexplorer_vcp.npz"


class ModelFileError(ValueError):
    """A model file that cannot be used (corrupt, unknown version, inconsistent)."""


#: Size limits checked before anything is decompressed (the embedded models are ~1 MB).
MODEL_LIMITS = NpzLimits(max_file_bytes=256_000_000, max_array_bytes=256_000_000, max_total_bytes=512_000_000)
MAX_METADATA_BYTES = 16_000_000  # numpy stores text as UTF-32: 4 million characters
#: Physical EC range a model's bounds and floor must lie in (S/m).
EC_LIMITS_S_M = (1e-7, 100.0)


MODELS_DIR = Path(__file__).resolve().parent / "models"
#: The embedded models, in order of preference when several fit a survey (file stem -> label).
EMBEDDED_MODELS = {
    "emiai_tuwien_site_cmd_miniexplorer_vcp_hcp": "emiAI for QGIS ensemble, CMD-MiniExplorer VCP + HCP (TU Wien site)",
    "emiai_tuwien_site_cmd_miniexplorer_vcp": "emiAI for QGIS ensemble, CMD-MiniExplorer VCP (TU Wien site)",
    "emiai_tuwien2024_cmd_miniexplorer_vcp": "Published TU Wien emiAI cascade, CMD-MiniExplorer VCP",
}


def default_model_path() -> Path:
    """The published TU Wien emiAI cascade (CMD-MiniExplorer VCP), converted to this format."""
    return MODELS_DIR / DEFAULT_MODEL


def embedded_model_path(name: str) -> Path:
    """The file of an embedded model (a key of EMBEDDED_MODELS)."""
    if name not in EMBEDDED_MODELS:
        raise ModelFileError(f"Unknown embedded model '{name}': choose one of {', '.join(EMBEDDED_MODELS)}.")
    return MODELS_DIR / f"{name}.npz"


def model_coils(path) -> tuple:
    """The measured coils (EMagPy strings) of a model file, from its metadata only."""
    meta, _ = _open_metadata(Path(path))
    return tuple(c.emagpy for c in as_coils(meta["instrument"]["coils"]))


def choose_embedded_model(field_names) -> tuple[Path, str]:
    """(path, reason) of the embedded model for a survey layer: the one whose coils the layer has
    as coil-named fields (the most coils first: all six of a merged Lo/Hi survey), else the VCP
    ensemble (GF 'Cond.N' names are taken as the model's coils in order)."""
    from .fields import coil_fields

    have = set(coil_fields(field_names))
    candidates = [n for n in EMBEDDED_MODELS if embedded_model_path(n).is_file()]
    best = None
    for name in candidates:
        coils = model_coils(embedded_model_path(name))
        if all(as_coils(c)[0].name in have for c in coils) and (best is None or len(coils) > best[1]):
            best = (name, len(coils))
    if best is not None:
        return embedded_model_path(best[0]), f"the survey has its coils ({best[1]})"
    fallback = next((n for n in candidates if n.endswith("_vcp")), candidates[-1])
    return embedded_model_path(fallback), "no embedded model matches the coil field names: taking the VCP model"


def _key(k, j, part):
    return f"stage{k}_dense{j}_{part}"


def save_model(path, model, metadata_extra: dict | None = None) -> None:
    """Write ``model`` (CascadeModel or networks.EnsembleModel) to ``path`` (.npz) atomically."""
    if getattr(model, "architecture", "cascade") == "direct":
        return _save_ensemble(path, model, metadata_extra)
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
    write_npz(path, arrays)


def _save_ensemble(path, model, metadata_extra=None) -> None:
    meta = dict(model.metadata)
    meta.update(metadata_extra or {})
    meta.update({
        "format": FORMAT,
        "format_version": ENSEMBLE_VERSION,
        "architecture": "direct",
        "instrument": {**meta.get("instrument", {}), "coils": list(model.measured_coils)},
        "forward_model": model.forward_model,
        "noise_relative": float(model.noise_relative),
        "ec_floor_S_m": float(model.ec_bounds[0]),
        "ec_bounds_S_m": [float(model.ec_bounds[0]), float(model.ec_bounds[1])],
        "units": {"eca": "S/m", "ec": "S/m", "scalers": "log10 of S/m"},
        "layer_edges": [float(e) for e in model.layer_edges],
        "scaler_in": {"kind": "log10-standard", "mean": model.scaler_in.mean.tolist(),
                      "std": model.scaler_in.std.tolist()},
        "scaler_out": {"kind": "log10-standard", "mean": model.scaler_out.mean.tolist(),
                       "std": model.scaler_out.std.tolist()},
        "ood": {"mean": model.ood.mean.tolist(), "threshold": float(model.ood.threshold)},
        "coarse_layerings": {k: [float(e) for e in v] for k, v in model.coarse_layerings.items()},
    })
    meta.pop("stages", None)
    # what the physics refinement of a prediction needs: the forward model and noise of the data
    # the networks learnt from (above) and the regularisation weights chosen on the training
    # profiles (filled by the refinement's tuning; None = not tuned yet)
    meta.setdefault("refinement", {"vertical_smoothing": None, "lateral_smoothing": None, "damping": None})
    seeds = meta.get("member_seeds", [None] * len(model.members))
    meta["members"] = []
    arrays = {"ood_inv_cov": np.asarray(model.ood.inv_cov, dtype=np.float64)}
    for i, layers in enumerate(model.members):
        meta["members"].append({"seed": seeds[i] if i < len(seeds) else None,
                                "dense": [{"units": int(d.kernel.shape[1]), "activation": d.activation}
                                          for d in layers]})
        for j, d in enumerate(layers):
            arrays[f"member{i}_dense{j}_kernel"] = np.asarray(d.kernel, dtype=np.float64)
            arrays[f"member{i}_dense{j}_bias"] = np.asarray(d.bias, dtype=np.float64)
    arrays["metadata"] = np.array(json.dumps(meta, indent=1, sort_keys=True))
    write_npz(path, arrays)


def _dense_stack(arrays, prefix, dense_meta, width, path, where):
    """The Dense layers ``<prefix>_dense<j>_{kernel,bias}`` checked against ``dense_meta``."""
    layers = []
    _need(isinstance(dense_meta, list) and dense_meta, path, f"{where} has no dense layers.")
    for j, dm in enumerate(dense_meta):
        _need(isinstance(dm, dict), path, f"{where} dense layer {j} metadata must be an object.")
        kern, bias = arrays.get(f"{prefix}_dense{j}_kernel"), arrays.get(f"{prefix}_dense{j}_bias")
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
    return layers, width


def _load_ensemble(path, meta, arrays, measured):
    from .networks import EnsembleModel, LogScaling, Mahalanobis

    for key in ("layer_edges", "scaler_in", "scaler_out", "members", "ood", "ec_bounds_S_m"):
        _need(key in meta, path, f"metadata lack the key {key!r}.")
    try:
        edges = np.asarray(meta["layer_edges"], dtype=float)
    except (TypeError, ValueError) as err:
        raise ModelFileError(f"Model file {path}: bad layer_edges ({err}).") from None
    _need(edges.ndim == 1 and len(edges) >= 2 and edges[0] == 0 and np.all(np.diff(edges) > 0), path,
          f"layer_edges must increase from 0 m, got {edges.tolist()}.")
    n_in, n_out = len(measured), len(edges)  # outputs: the layers + the half-space
    scalers = []
    for key, n in (("scaler_in", n_in), ("scaler_out", n_out)):
        sm = meta[key]
        _need(isinstance(sm, dict) and sm.get("kind") == "log10-standard", path, f"{key} kind must be log10-standard.")
        std = _floats(sm.get("std"), n, path, f"{key}.std")
        _need(np.all(std > 0), path, f"{key}.std must be > 0.")
        scalers.append(LogScaling(_floats(sm.get("mean"), n, path, f"{key}.mean"), std))
    bounds = _floats(meta["ec_bounds_S_m"], 2, path, "ec_bounds_S_m")
    _need(EC_LIMITS_S_M[0] <= bounds[0] < bounds[1] <= EC_LIMITS_S_M[1], path,
          f"ec_bounds_S_m must be {EC_LIMITS_S_M[0]:g} ≤ min < max ≤ {EC_LIMITS_S_M[1]:g} S/m, got {bounds.tolist()}.")
    ood_meta = meta["ood"]
    _need(isinstance(ood_meta, dict), path, "ood must be an object.")
    inv_cov = arrays.get("ood_inv_cov")
    _need(inv_cov is not None and inv_cov.dtype.kind == "f" and inv_cov.shape == (n_in, n_in)
          and np.all(np.isfinite(inv_cov)), path, f"ood_inv_cov must be a finite ({n_in}, {n_in}) array.")
    threshold = float(_floats([ood_meta.get("threshold")], 1, path, "ood.threshold")[0])
    _need(threshold > 0, path, f"ood.threshold must be > 0, got {threshold:g}.")
    ood = Mahalanobis(_floats(ood_meta.get("mean"), n_in, path, "ood.mean"), inv_cov.astype(float), threshold)
    members = []
    _need(isinstance(meta["members"], list) and meta["members"], path, "no ensemble members.")
    for i, mm in enumerate(meta["members"]):
        _need(isinstance(mm, dict), path, f"member {i} metadata must be an object.")
        layers, width = _dense_stack(arrays, f"member{i}", mm.get("dense"), n_in, path, f"member {i}")
        _need(width == n_out, path, f"member {i} outputs {width} values, expected {n_out} (layers + half-space).")
        members.append(layers)
    coarse = {}
    for name, e in (meta.get("coarse_layerings") or {}).items():
        e = np.asarray(e, dtype=float)
        _need(e.ndim == 1 and len(e) >= 2 and e[0] == 0 and np.all(np.diff(e) > 0) and e[-1] <= edges[-1] + 1e-9,
              path, f"coarse layering {name} must increase from 0 m to at most {edges[-1]:g} m.")
        coarse[str(name)] = e
    _need(meta["forward_model"] in FORWARD_MODELS, path, f"unknown forward model {meta['forward_model']!r}.")
    noise = _number(meta.get("noise_relative", 0.0), path, "noise_relative")
    _need(0 <= noise < 1, path, f"noise_relative must be in [0, 1), got {noise}.")
    return EnsembleModel(measured, edges, scalers[0], scalers[1], members, ood, meta["forward_model"], noise,
                         (float(bounds[0]), float(bounds[1])), coarse, meta)


def _need(cond, path, message):
    if not cond:
        raise ModelFileError(f"Model file {path}: {message}")


def _number(value, path, what) -> float:
    _need(isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value), path,
          f"{what} must be a finite number, got {value!r}.")
    return float(value)


def _floats(values, n, path, what):
    _need(isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values),
          path, f"{what} must be a list of {n} numbers, got {str(values)[:80]}.")
    arr = np.asarray(values, dtype=float)
    _need(arr.shape == (n,), path, f"{what} must have {n} values, has {arr.shape}.")
    _need(np.all(np.isfinite(arr)), path, f"{what} contains NaN or infinite values.")
    return arr


def _open_metadata(path: Path):
    """(metadata dict, SafeNpz) of a model file: sizes, dtypes and the metadata checked, no weight
    decompressed yet (the caller closes the SafeNpz)."""
    try:
        npz = SafeNpz(path, MODEL_LIMITS, "Model file")
    except NpzError as err:
        raise ModelFileError(str(err)) from None
    try:
        _need("metadata" in npz, path, "no 'metadata' entry; this is not an emiAI model file.")
        try:
            meta = json.loads(npz.text("metadata", MAX_METADATA_BYTES))
        except NpzError as err:
            raise ModelFileError(str(err)) from None
        except (json.JSONDecodeError, RecursionError) as err:
            raise ModelFileError(f"Model file {path}: metadata are not valid JSON ({str(err)[:200]}).") from None
        _need(isinstance(meta, dict) and meta.get("format") == FORMAT, path,
              f"format is {meta.get('format') if isinstance(meta, dict) else None!r}, expected {FORMAT!r}.")
    except BaseException:
        npz.close()
        raise
    return meta, npz


def load_model(path):
    """Read and validate an emiAI model file: a CascadeModel (format 1) or an EnsembleModel
    (format 2, emiai_core.networks); raises ModelFileError with what is wrong.

    Sizes, dtypes and the metadata are checked before any weight is decompressed
    (emiai_core.safe_npz); nothing is unpickled or executed."""
    path = Path(path)
    meta, npz = _open_metadata(path)
    with npz:
        try:
            return _load_checked(path, meta, LazyArrays(npz))
        except ModelFileError:
            raise
        except NpzError as err:
            raise ModelFileError(str(err)) from None
        except (TypeError, ValueError, KeyError, AttributeError, IndexError, OverflowError, RecursionError) as err:
            raise ModelFileError(f"Model file {path}: invalid metadata ({type(err).__name__}: {str(err)[:200]}). "
                                 "Use a model file written by 'Train EC network'.") from None


def _load_checked(path, meta, arrays):
    version = meta.get("format_version")
    _need(version in SUPPORTED_VERSIONS, path,
          f"format_version {version!r} is not supported by this plugin (supports {SUPPORTED_VERSIONS}); "
          "update the plugin or re-export the model.")
    for key in ("instrument", "forward_model", "ec_floor_S_m") + (("stages",) if version == 1 else ()):
        _need(key in meta, path, f"metadata lack the key {key!r}.")
    try:
        measured = tuple(c.emagpy for c in as_coils(meta["instrument"]["coils"]))
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"Model file {path}: bad instrument coils ({err}).") from None
    if version == ENSEMBLE_VERSION:
        return _load_ensemble(path, meta, arrays, measured)
    _need(meta["forward_model"] in FORWARD_MODELS, path, f"unknown forward model {meta['forward_model']!r}.")
    floor = _number(meta["ec_floor_S_m"], path, "ec_floor_S_m")
    _need(EC_LIMITS_S_M[0] <= floor <= EC_LIMITS_S_M[1], path,
          f"ec_floor_S_m must be an EC between {EC_LIMITS_S_M[0]:g} and {EC_LIMITS_S_M[1]:g} S/m, got {floor:g}.")
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
        for name, sc in (("scaler_in", scaler_in), ("scaler_out", scaler_out)):
            _need(np.all(sc.data_max > sc.data_min), path, f"{where} {name}: data_max must exceed data_min "
                  "for every value (a zero range would divide by zero).")
        layers, width = _dense_stack(arrays, f"stage{k}", dense_meta, n_in, path, where)
        _need(layers and width == n_out, path, f"{where} outputs {width} values but has {n_out} layers.")
        stages.append(Stage(str(sm.get("name", f"stage{k}")), edges, coils, source, scaler_in, scaler_out, layers))
    return CascadeModel(stages, measured, meta["forward_model"], floor, meta)
