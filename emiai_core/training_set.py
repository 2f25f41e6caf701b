"""The emiAI training-set file: synthetic 1-D EC models drawn from ERT sections, with provenance.

Format (``format = "emiai-training-set"``, ``format_version = 1``): one ``.npz`` file (a ZIP of
``.npy`` arrays, readable with ``numpy.load(path, allow_pickle=False)``; no pickled objects). Entries
are written uncompressed in a fixed order with a fixed timestamp, so the same content gives a
byte-identical file.

``header``
    0-d unicode array holding a JSON object: ``format``, ``format_version``, ``units``, ``crs``
    (authority id or WKT of ``location_x_m``/``location_y_m``, or null), ``layerings`` (a list of
    ``{"name", "role", "edges"}``; role ``target`` = the fine target layering, ``coarse`` = a
    resampled coarser target layering, ``extension`` = layers below the target depth), ``settings``
    (the generator settings under the reference config.json keys plus ``SEED`` and
    ``DEEP_LAYER_EDGES``), ``profiles`` (per-profile summary), ``notes`` and ``arrays`` (a
    description of every array).
``ec_<name>``
    (N, L) float64, EC in S/m of every model in layering ``<name>`` (e.g. ``ec_L12``, ``ec_L6``,
    ``ec_L4`` and the extension ``ec_deep``). Row i of every ``ec_*`` array is the same model.
    For forward modelling, append the extension layers below a target layering
    (:meth:`TrainingSet.full_model`): the last extension layer is the half-space.
Per model (length N):
    ``profile`` (unicode), ``location_id`` (int64, unique over the file), ``location_x_m``,
    ``location_y_m`` (map coordinates of the extraction location, CRS in the header),
    ``distance_m`` (along-line distance of the location), ``is_average_model`` (bool: the smoothed
    average model of the location), ``model_kind`` (int8: 0 average, 1 forward, 2 reverse partner,
    3 smooth random model).
Per extraction location (length n_loc, index = ``location_id``):
    ``loc_profile``, ``loc_distance_m``, ``loc_x_m``, ``loc_y_m``, ``loc_surface_elevation_m``,
    ``loc_width_m``, ``loc_n_cells``, ``loc_n_models``, and, over the full layering (target +
    extension, edges ``loc_edges_m``): ``loc_bin_mean_ohmm``, ``loc_bin_std_ohmm`` (raw bin
    statistics of the ERT cells, before any filling/smoothing/scaling), ``loc_bin_count``,
    ``loc_model_mean_ohmm`` and ``loc_model_std_ohmm`` (the pre-processed mean and std the models
    were drawn around).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .atomic import write_npz
from .safe_npz import NpzError, NpzLimits, SafeNpz
from .layering import LAYERING_ROLES, Layering, resample_layers

FORMAT = "emiai-training-set"
FORMAT_VERSION = 1
ECA_PREFIX = "eca_"  # forward-modelled ECa arrays added by emiai:forwardresponse (add_eca)

ROW_ARRAYS = ("profile", "location_id", "location_x_m", "location_y_m", "distance_m",
              "is_average_model", "model_kind")
LOCATION_ARRAYS = ("loc_profile", "loc_distance_m", "loc_x_m", "loc_y_m", "loc_surface_elevation_m",
                   "loc_width_m", "loc_n_cells", "loc_n_models", "loc_edges_m", "loc_bin_mean_ohmm",
                   "loc_bin_std_ohmm", "loc_bin_count", "loc_model_mean_ohmm", "loc_model_std_ohmm")

ARRAY_DOCS = {
    "header": "JSON header (this description, settings, layerings, units, provenance)",
    "ec_<name>": "(N, L) EC in S/m of each model in layering <name>; rows correspond across layerings",
    "profile": "(N,) source ERT profile of each model",
    "location_id": "(N,) extraction location of each model (index into the loc_* arrays)",
    "location_x_m": "(N,) map X of the extraction location (CRS in header 'crs')",
    "location_y_m": "(N,) map Y of the extraction location",
    "distance_m": "(N,) along-line distance of the extraction location (m from electrode 1)",
    "is_average_model": "(N,) true for the smoothed average model of a location",
    "model_kind": "(N,) 0 = average model, 1 = forward draw, 2 = reverse partner, 3 = smooth random model "
                  "(Gaussian random field in log10 EC within the profile's EC range, RANDOM_SHARE)",
    "loc_profile": "(n_loc,) profile of each extraction location",
    "loc_distance_m": "(n_loc,) along-line distance of the box centre",
    "loc_x_m": "(n_loc,) map X of the box centre",
    "loc_y_m": "(n_loc,) map Y of the box centre",
    "loc_surface_elevation_m": "(n_loc,) ground elevation at the box centre (m a.s.l.)",
    "loc_width_m": "(n_loc,) box width (m)",
    "loc_n_cells": "(n_loc,) ERT cells in the box between the surface and the deepest edge",
    "loc_n_models": "(n_loc,) models drawn at the location (including the average model)",
    "loc_edges_m": "(L_full+1,) full layering (target + extension) of the loc_bin_*/loc_model_* arrays",
    "loc_bin_mean_ohmm": "(n_loc, L_full) raw mean resistivity of the cells per layer (NaN = empty)",
    "loc_bin_std_ohmm": "(n_loc, L_full) raw population std per layer (NaN = empty)",
    "loc_bin_count": "(n_loc, L_full) cells per layer",
    "loc_model_mean_ohmm": "(n_loc, L_full) pre-processed (filled, offset, smoothed) mean model",
    "loc_model_std_ohmm": "(n_loc, L_full) pre-processed std (filled, floored, N0/NEND-scaled)",
}

UNITS = {"ec": "S/m", "edges": "m below the ground surface", "distance_m": "m along the profile line",
         "location_x_m": "map units of 'crs'", "resistivity": "ohm.m"}


class TrainingSetError(ValueError):
    """A training-set file that cannot be read or does not validate."""


@dataclass
class TrainingSet:
    """Training models of every layering plus per-model and per-location provenance."""

    layerings: dict  # name -> Layering, in file order (target, coarse…, extension)
    ec: dict  # name -> (N, L) S/m
    profile: np.ndarray
    location_id: np.ndarray
    location_x_m: np.ndarray
    location_y_m: np.ndarray
    distance_m: np.ndarray
    is_average_model: np.ndarray
    model_kind: np.ndarray
    locations: dict = field(default_factory=dict)  # loc_* arrays
    settings: dict = field(default_factory=dict)
    info: dict = field(default_factory=dict)  # crs, profiles, notes

    @property
    def n_models(self) -> int:
        return int(len(self.profile))

    @property
    def target_name(self) -> str:
        return next(n for n, lay in self.layerings.items() if lay.role == "target")

    @property
    def extension_name(self) -> str | None:
        return next((n for n, lay in self.layerings.items() if lay.role == "extension"), None)

    @property
    def target_names(self) -> list:
        """Target and coarse layering names (the layerings a network can predict)."""
        return [n for n, lay in self.layerings.items() if lay.role in ("target", "coarse")]

    def full_model(self, name: str):
        """(ec (N, L'), edges (L'+1,)) of layering ``name`` with the deeper layers appended below it,
        ready for forward modelling (the last layer is then the half-space).

        The appended layers are the target and extension layers below ``name``'s last edge (a layer cut
        by that edge keeps its value below it), so a coarse layering gets the same deep structure as
        the target layering."""
        lay = self.layerings[name]
        tgt = self.layerings[self.target_name]
        ext = self.extension_name
        src_ec = self.ec[self.target_name]
        src_edges = tgt.edges
        if ext is not None:
            src_ec = np.hstack([src_ec, self.ec[ext]])
            src_edges = np.r_[tgt.edges, self.layerings[ext].edges[1:]]
        if lay.role == "extension":
            return src_ec, src_edges.copy()
        last = lay.edges[-1]
        below = src_edges[src_edges > last + 1e-9]
        if len(below) == 0:
            return self.ec[name], lay.edges.copy()
        part = resample_layers(src_ec, src_edges, np.r_[last, below])
        return np.hstack([self.ec[name], part]), np.r_[lay.edges, below]

    def groups(self, by: str = "location") -> np.ndarray:
        """Group labels for grouped train/test splits: 'location' (location_id) or 'profile'."""
        if by == "location":
            return self.location_id.copy()
        if by == "profile":
            return self.profile.copy()
        raise ValueError(f"Unknown grouping {by!r}: use 'location' or 'profile'.")

    def header(self) -> dict:
        info = dict(self.info)
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "description": "Synthetic 1-D EC models drawn from ERT sections (emiAI for QGIS).",
            "n_models": self.n_models,
            "n_locations": int(len(self.locations.get("loc_profile", []))),
            "units": UNITS,
            "crs": info.pop("crs", None),
            "layerings": [lay.to_json() for lay in self.layerings.values()],
            "settings": self.settings,
            "profiles": info.pop("profiles", []),
            "notes": info.pop("notes", []),
            **({"extra": info} if info else {}),
            "arrays": ARRAY_DOCS,
        }


# --------------------------------------------------------------------------------------------


def _validate(ts: TrainingSet, where: str) -> None:
    n = ts.n_models
    if not ts.layerings:
        raise TrainingSetError(f"{where}: no layerings.")
    roles = [lay.role for lay in ts.layerings.values()]
    if roles.count("target") != 1:
        raise TrainingSetError(f"{where}: exactly one layering must have role 'target', got roles {roles}.")
    if roles.count("extension") > 1:
        raise TrainingSetError(f"{where}: at most one 'extension' layering is allowed.")
    for name, lay in ts.layerings.items():
        if lay.role not in LAYERING_ROLES:
            raise TrainingSetError(f"{where}: layering {name!r} has unknown role {lay.role!r}.")
        e = lay.edges
        if e.ndim != 1 or len(e) < 2 or not np.all(np.isfinite(e)) or np.any(np.diff(e) <= 0):
            raise TrainingSetError(f"{where}: layering {name!r} edges must increase strictly: {e.tolist()}.")
        if lay.role != "extension" and e[0] != 0:
            raise TrainingSetError(f"{where}: layering {name!r} must start at 0 m, got {e[0]}.")
        if name not in ts.ec:
            raise TrainingSetError(f"{where}: array ec_{name} is missing.")
        a = ts.ec[name]
        if a.shape != (n, lay.n_layers):
            raise TrainingSetError(f"{where}: ec_{name} has shape {a.shape}, expected ({n}, {lay.n_layers}).")
        bad = ~np.isfinite(a) | (a <= 0)
        if np.any(bad):
            i, j = np.argwhere(bad)[0]
            raise TrainingSetError(f"{where}: ec_{name}[{i}, {j}] = {float(a[i, j])!r}; EC must be finite and > 0 S/m.")
    ext = ts.extension_name
    if ext is not None:
        tgt = ts.layerings[ts.target_name]
        if abs(ts.layerings[ext].edges[0] - tgt.edges[-1]) > 1e-9:
            raise TrainingSetError(f"{where}: the extension layering must start at the target depth "
                                   f"{tgt.edges[-1]} m, got {ts.layerings[ext].edges[0]} m.")
    for key in ROW_ARRAYS:
        a = getattr(ts, key)
        if a.shape != (n,):
            raise TrainingSetError(f"{where}: array {key} has shape {a.shape}, expected ({n},).")
    n_loc = len(ts.locations.get("loc_profile", []))
    if n and n_loc and (ts.location_id.min() < 0 or ts.location_id.max() >= n_loc):
        raise TrainingSetError(f"{where}: location_id outside 0…{n_loc - 1}.")


def save_training_set(path, ts: TrainingSet, compress: bool = False) -> Path:
    """Validate ``ts`` and write it to ``path`` (.npz) atomically: a temporary file in the same
    folder is written completely, then renamed over ``path``. Same content → identical bytes."""
    path = Path(path)
    _validate(ts, str(path))
    arrays = {"header": np.array(json.dumps(ts.header(), sort_keys=True, indent=1, ensure_ascii=False))}
    for name in ts.layerings:
        arrays[f"ec_{name}"] = np.ascontiguousarray(ts.ec[name], dtype=np.float64)
    arrays["profile"] = np.asarray(ts.profile, dtype=str)
    arrays["location_id"] = np.asarray(ts.location_id, dtype=np.int64)
    for key in ("location_x_m", "location_y_m", "distance_m"):
        arrays[key] = np.asarray(getattr(ts, key), dtype=np.float64)
    arrays["is_average_model"] = np.asarray(ts.is_average_model, dtype=bool)
    arrays["model_kind"] = np.asarray(ts.model_kind, dtype=np.int8)
    for key in LOCATION_ARRAYS:
        if key in ts.locations:
            v = np.asarray(ts.locations[key])
            arrays[key] = v.astype(str) if v.dtype.kind in "OUS" else v
    write_npz(path, arrays, compress)
    return path


def add_eca(source, dest, eca: dict, eca_info: dict) -> Path:
    """Copy the training-set file ``source`` to ``dest`` (atomically) with forward-modelled ECa added.

    eca: array name ('eca_<coil string>') -> (N,) ECa in S/m of every model; eca_info: name ->
    description (coil, forward model, layering, noise, …), merged into the file's ``eca_info``
    JSON entry. Earlier ECa arrays of the same name are replaced; everything else is copied as is.
    Same content → identical bytes."""
    source, dest = Path(source), Path(dest)
    ts = load_training_set(source)  # validates the file and gives N
    with np.load(source, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    info = json.loads(str(arrays["eca_info"][()])) if "eca_info" in arrays else {}
    for name, values in eca.items():
        if not name.startswith(ECA_PREFIX):
            raise TrainingSetError(f"ECa array names start with '{ECA_PREFIX}', got '{name}'.")
        values = np.ascontiguousarray(values, dtype=np.float64)
        if values.shape != (ts.n_models,):
            raise TrainingSetError(f"{name} has shape {values.shape}, expected ({ts.n_models},).")
        arrays[name] = values
    info.update(eca_info)
    arrays["eca_info"] = np.array(json.dumps(info, indent=1, sort_keys=True))
    write_npz(dest, arrays)
    return dest


#: Size limits checked before anything is decompressed (10^6 models x 16 layers x 3 layerings ≈ 0.5 GB).
TRAINING_SET_LIMITS = NpzLimits(max_file_bytes=8_000_000_000, max_array_bytes=4_000_000_000,
                                max_total_bytes=8_000_000_000)
MAX_HEADER_BYTES = 64_000_000


def load_training_set(path) -> TrainingSet:
    """Read and validate a training-set file written by :func:`save_training_set` (sizes, dtypes
    and the header are checked before any array is decompressed: emiai_core.safe_npz)."""
    path = Path(path)
    if not path.is_file():
        raise TrainingSetError(f"Training-set file not found: {path}.")
    try:
        npz = SafeNpz(path, TRAINING_SET_LIMITS, "Training-set file")
    except NpzError as err:
        raise TrainingSetError(str(err)) from None
    with npz:
        keys = set(npz.names)
        if "header" not in keys:
            raise TrainingSetError(f"{path}: no 'header' entry; this is not an emiAI training-set file.")
        try:
            header = json.loads(npz.text("header", MAX_HEADER_BYTES))
        except NpzError as err:
            raise TrainingSetError(str(err)) from None
        except (ValueError, TypeError, RecursionError) as err:
            raise TrainingSetError(f"{path}: the header is not valid JSON ({str(err)[:200]}).") from None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            fmt = header.get("format") if isinstance(header, dict) else None
            raise TrainingSetError(f"{path}: format is {fmt!r}, expected {FORMAT!r}.")
        version = header.get("format_version")
        if version != FORMAT_VERSION:
            raise TrainingSetError(f"{path}: format_version {version!r} is not supported (this version reads "
                                   f"{FORMAT_VERSION}); update emiAI or regenerate the training set.")
        try:
            layerings = {d["name"]: Layering(d["name"], d["edges"], d.get("role", "target"))
                         for d in header["layerings"]}
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise TrainingSetError(f"{path}: malformed 'layerings' in the header ({err}).") from None
        missing = [k for k in ROW_ARRAYS if k not in keys] + \
                  [f"ec_{n}" for n in layerings if f"ec_{n}" not in keys]
        if missing:
            raise TrainingSetError(f"{path}: missing array(s) {missing}.")
        # shapes from the .npy headers, before decompressing: every row array has one row per model
        shapes = {k: npz.info[k].shape for k in list(ROW_ARRAYS) + [f"ec_{n}" for n in layerings]}
        counts = [s[0] if s else -1 for s in shapes.values()]
        n_models = max(set(counts), key=counts.count)
        odd = [k for k, s in shapes.items() if (s[0] if s else -1) != n_models]
        if odd:
            raise TrainingSetError(f"{path}: {odd[0]} has shape {shapes[odd[0]]} but the other arrays have "
                                   f"{n_models} rows (one per model).")
        try:
            ec = {n: npz.load(f"ec_{n}") for n in layerings}
            rows = {k: npz.load(k) for k in ROW_ARRAYS}
            locations = {k: npz.load(k) for k in LOCATION_ARRAYS if k in keys}
        except NpzError as err:
            raise TrainingSetError(str(err)) from None
    info = {"crs": header.get("crs"), "profiles": header.get("profiles", []), "notes": header.get("notes", [])}
    if "extra" in header:
        info.update(header["extra"])
    ts = TrainingSet(layerings=layerings, ec=ec, locations=locations, settings=header.get("settings", {}),
                     info=info, **rows)
    ts.profile = ts.profile.astype(str)
    _validate(ts, str(path))
    return ts


__all__ = ["ECA_PREFIX", "FORMAT", "FORMAT_VERSION", "TrainingSet", "TrainingSetError", "add_eca",
           "save_training_set", "load_training_set"]
