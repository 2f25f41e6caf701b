"""The contracts between algorithms: layer field names, coil field names, flags, option names.

Every name one algorithm writes and another reads is defined here once, with its parsing:
``EC_<top>_<bottom>`` (EC in mS/m of a layer, depths in whole cm), ``ECSTD_<top>_<bottom>``
(ensemble spread, log10 units), coil fields (``VCP0.32`` = ECa in mS/m of that coil; also the
EMagPy long form ``VCP0.32f30000h0`` and GF export names ``Cond.1 [mS/m]``), ``HEIGHT_M`` and the
per-point flags of a prediction; the forward-model names and the instrument keys of the drop-down
menus (the instruments themselves live in :mod:`emiai_core.instruments`).
"""
from __future__ import annotations

import re

import numpy as np

from .instruments import INSTRUMENTS, parse_coil

# --- per-point fields --------------------------------------------------------------------------
HEIGHT_FIELD = "HEIGHT_M"  # instrument height above ground (m), written by importsurvey
MISFIT_FIELD = "MISFIT_PCT"  # relative RMS data misfit (%) of a predicted model
NET_MISFIT_FIELD = "NET_MISFIT_PCT"  # the same for the network's prediction before refinement
EXTRAPOLATED_FIELD = "EXTRAPOL"  # 1 = measured ECa outside the model's training range
FLOORED_FIELD = "FLOORED"  # number of predicted values raised to the model's EC floor (or ceiling)
OOD_SCORE_FIELD = "OOD_SCORE"  # distance of the ECa vector to the training inputs (Mahalanobis, log10)
FIT_FLAG_FIELD = "FIT_FLAG"  # 0 fits within twice the noise, 1 does not, 2 refinement failed (start kept)
DOI_FIELD = "DOI_M"  # depth of investigation (m below ground) of a predicted model
QC_FLAG_FIELD = "QC_FLAG"  # survey QC: 0 = kept, else the code of the first reason the point failed
CALIBRATED_FIELD = "ECA_CAL"  # 1 = the ECa fields of the point were calibrated (against ERT)
RAW_ECA_SUFFIX = "_RAW"  # suffix of the original ECa fields kept beside calibrated ones (VCP0.32_RAW)
PREDICTION_FLAG_FIELDS = (MISFIT_FIELD, NET_MISFIT_FIELD, OOD_SCORE_FIELD, EXTRAPOLATED_FIELD, FLOORED_FIELD,
                          FIT_FLAG_FIELD)

#: What each field holds, for field comments and help texts.
FIELD_COMMENTS = {
    HEIGHT_FIELD: "instrument height above ground (m)",
    MISFIT_FIELD: "relative RMS misfit (%)",
    NET_MISFIT_FIELD: "relative RMS misfit (%) of the network's prediction before refinement",
    EXTRAPOLATED_FIELD: "1 = ECa outside the training range",
    FLOORED_FIELD: "predicted values moved into the model's EC bounds (raised to the floor, or lowered)",
    OOD_SCORE_FIELD: "distance of the log10 ECa to the training inputs (Mahalanobis)",
    FIT_FLAG_FIELD: "0 = data fitted within twice the noise, 1 = not, 2 = refinement failed (network kept)",
    DOI_FIELD: "depth of investigation (m): 70 % of the deepest-sensing coil's signal comes from above",
    QC_FLAG_FIELD: "survey QC: 0 = kept, otherwise the first reason the point failed",
    CALIBRATED_FIELD: "1 = ECa calibrated against ERT (originals in the *_RAW fields)",
}

# --- layer fields ------------------------------------------------------------------------------
EC_PREFIX = "EC"  # EC in mS/m
EC_STD_PREFIX = "ECSTD"  # std of log10 EC across ensemble members
LAYER_PREFIXES = (EC_PREFIX, EC_STD_PREFIX)
_LAYER_RE = re.compile(r"^(?P<prefix>EC|ECSTD)_(?P<top>\d+)_(?P<bottom>\d+)$")
_HALFSPACE_RE = re.compile(r"^EC_HS_(?P<top>\d+)$")


def halfspace_field_name(top_m: float) -> str:
    """'EC_HS_<top cm>': EC (mS/m) of the half-space below ``top_m`` m (not a depth slice)."""
    return f"EC_HS_{_cm(top_m):03d}"


def _cm(depth_m: float) -> int:
    return int(round(depth_m * 100.0))


def layer_field_names(layer_edges, prefix: str = EC_PREFIX) -> list[str]:
    """Field names '<prefix>_<top>_<bottom>' in whole centimetres (at least 3 digits) per layer.

    layer_edges: (L+1,) depths in m; prefix: EC_PREFIX or EC_STD_PREFIX."""
    if prefix not in LAYER_PREFIXES:
        raise ValueError(f"Unknown layer field prefix {prefix!r}: use one of {', '.join(LAYER_PREFIXES)}.")
    e = np.asarray(layer_edges, dtype=float)
    return [f"{prefix}_{_cm(t):03d}_{_cm(b):03d}" for t, b in zip(e[:-1], e[1:])]


def layer_labels(layer_edges) -> list[str]:
    """Human-readable depth ranges, e.g. 'EC 0.00–0.12 m'."""
    e = np.asarray(layer_edges, dtype=float)
    return [f"EC {t:.2f}–{b:.2f} m" for t, b in zip(e[:-1], e[1:])]


def parse_layer_field(name: str, prefix: str = EC_PREFIX):
    """(top, bottom) in m of a field named '<prefix>_<top>_<bottom>' (cm), or None if it is not one."""
    m = _LAYER_RE.match(name)
    if not m or m["prefix"] != prefix:
        return None
    return int(m["top"]) / 100.0, int(m["bottom"]) / 100.0


def is_layer_field(name: str) -> bool:
    """True for EC_… and ECSTD_… layer fields (also with a '_L<n>' layering suffix) and EC_HS_…."""
    return bool(_LAYER_RE.match(re.sub(r"_L\d+$", "", name)) or _HALFSPACE_RE.match(name))


def edges_from_field_names(names) -> np.ndarray:
    """Layer edges (m) of contiguous 'EC_<top>_<bottom>' fields, in depth order.

    Raises ValueError when a name is not a layer field or the layers leave gaps or overlap.
    """
    ranges = []
    for n in names:
        r = parse_layer_field(n)
        if r is None:
            raise ValueError(f"Field '{n}' is not a layer field named EC_<top cm>_<bottom cm>.")
        ranges.append(r)
    if not ranges:
        raise ValueError("No EC_<top>_<bottom> layer fields given.")
    ranges.sort()
    edges = [ranges[0][0]]
    for (top, bottom) in ranges:
        if abs(top - edges[-1]) > 1e-9 or bottom <= top:
            raise ValueError(f"Layer fields are not contiguous from the surface: {sorted(names)}.")
        edges.append(bottom)
    if edges[0] != 0.0:
        raise ValueError(f"The shallowest layer field must start at 0 cm, got {edges[0] * 100:.0f} cm.")
    return np.asarray(edges)


def finest_layering(field_names, prefix: str = EC_PREFIX) -> list[str]:
    """The '<prefix>_<top>_<bottom>' fields forming the contiguous layering with the most layers from 0 m.

    A layer written with coarser layerings too (EC_000_037 beside EC_000_012…) is ignored unless
    it belongs to the chosen chain. Returns [] when there is no layer field starting at 0.
    """
    layers = {}
    for name in field_names:
        r = parse_layer_field(name, prefix)
        if r is not None and r[1] > r[0]:
            layers.setdefault(r, name)
    best = {}  # top depth -> longest chain (list of names) starting there

    def chain(top):
        if top not in best:
            options = [[layers[(t, b)]] + chain(b) for (t, b) in layers if t == top]
            best[top] = max(options, key=len) if options else []
        return best[top]

    return chain(0.0)


# --- coil fields -------------------------------------------------------------------------------
# EMagPy / emiAI coil columns: 'VCP0.32', 'VCP0.32f30000h0.1', 'HMD0.71' (= VCP), with an
# optional '_inph' / '_err' / '_quad' suffix for the other quantities of that coil.
COIL_FIELD_RE = re.compile(
    r"^(?P<stem>(?P<orient>VCP|HCP|PRP|HMD|VMD)\s*(?P<spacing>\d*\.?\d+)"
    r"(?P<fh>(?:f[\d.]+(?:[eE][+-]?\d+)?)?(?:h\d*\.?\d+)?))(?P<kind>_inph|_err|_quad)?$",
    re.IGNORECASE,
)
# GF Instruments export columns: 'Cond.1[mS/m]', 'Cond.1 [mS/m]', 'Cond1.[mS/m]', 'Inph.2[ppt]'.
GF_CHANNEL_RE = re.compile(r"^(?P<kind>cond|inph|error|quad)\.?\s*(?P<n>\d+)\.?\s*(?:\[[^\]]*\])?$",
                           re.IGNORECASE)
# EMagPy convention: HMD (horizontal magnetic dipole) = VCP, VMD (vertical) = HCP.
_DIPOLE_TO_COIL = {"HMD": "VCP", "VMD": "HCP"}


def parse_coil_field(name: str):
    """(stem, kind) of a coil column, or None. stem: the coil text with HMD/VMD written as VCP/HCP
    ('VCP0.32f30000h0'); kind: '' for ECa, 'inph' / 'err' / 'quad' for the other quantities."""
    m = COIL_FIELD_RE.match(name.strip())
    if not m:
        return None
    orient = m["orient"].upper()
    stem = _DIPOLE_TO_COIL.get(orient, orient) + m["stem"][len(orient):]
    return stem, (m["kind"] or "").lstrip("_").lower()


def coil_field_name(coil) -> str:
    """The field name of a coil's ECa: its short name ('VCP0.32'); coil: Coil or coil string."""
    return parse_coil(coil).name


def coil_fields(field_names) -> dict:
    """Map short coil names ('VCP0.32') to the layer fields that hold ECa of that coil."""
    out = {}
    for name in field_names:
        parsed = parse_coil_field(name)
        if parsed and not parsed[1]:
            try:
                out.setdefault(coil_field_name(parsed[0]), name)
            except ValueError:
                continue
    return out


def gf_channel(name: str):
    """(kind, channel) of a GF export column ('cond', 1 for 'Cond.1 [mS/m]'), or None."""
    m = GF_CHANNEL_RE.match(name.strip())
    return (m["kind"].lower(), int(m["n"])) if m else None


def match_eca_fields(field_names, model_coils) -> tuple[list, str]:
    """Find the layer fields holding ``model_coils``' ECa, in that order.

    Accepts coil names ('VCP0.32', 'VCP0.32f30000h0') and GF names ('Cond.1 [mS/m]' = coil 1 of
    the instrument, in the model's order). Returns (fields, how) or raises ValueError saying which
    coils were found and which the model needs.
    """
    wanted = [coil_field_name(c) for c in model_coils]
    by_coil = coil_fields(field_names)
    if all(w in by_coil for w in wanted):
        return [by_coil[w] for w in wanted], "coil names"
    gf = {}
    for name in field_names:
        ch = gf_channel(name)
        if ch and ch[0] == "cond":
            gf.setdefault(ch[1], name)
    if all(i + 1 in gf for i in range(len(wanted))) and not by_coil:
        return [gf[i + 1] for i in range(len(wanted))], (
            "GF column names: Cond.1.. taken as " + ", ".join(wanted) + " (the model's coils, in order)")
    if by_coil:
        raise ValueError(
            f"The layer has ECa fields for coils {', '.join(sorted(by_coil))} but the model needs "
            f"{', '.join(wanted)}. Use a model trained for your instrument and coil configuration; ECa "
            "fields named for other coils are refused unless 'Accept ECa fields whose names contradict "
            "the model's coils' (ALLOW_COIL_MISMATCH) is set.")
    raise ValueError(
        f"No ECa fields found for the model's coils {', '.join(wanted)}: name them like "
        f"'{wanted[0]}' or 'Cond.1 [mS/m]', or choose them explicitly (ECA_FIELDS).")


# --- ERT section layers (importertsection writes them, generatetrainingmodels reads them) -------
#: Cell layer fields: name -> (kind, comment). sensitivity_log10 / phase_mrad only when the
#: inversion result has them.
ERT_CELL_FIELDS = {
    "profile": ("string", "ERT profile name"),
    "cell_id": ("int", "row of the cell in the source file (0-based)"),
    "distance_m": ("double", "distance along the line from electrode 1 (m)"),
    "elevation_m": ("double", "cell-centre elevation (m a.s.l.)"),
    "depth_m": ("double", "depth below the local ground surface (m)"),
    "resistivity_ohmm": ("double", "resistivity (ohm.m)"),
    "ec_mS_m": ("double", "electrical conductivity (mS/m) = 1000 / resistivity"),
    "sensitivity_log10": ("double", "log10 of the inversion sensitivity"),
    "phase_mrad": ("double", "phase (mrad), complex-resistivity inversions"),
}
#: The cell fields the training-model generator needs (profile first).
ERT_CELL_REQUIRED = ("profile", "distance_m", "depth_m", "resistivity_ohmm")
#: Trace layer fields: name -> (kind, comment).
ERT_TRACE_FIELDS = {
    "profile": ("string", "ERT profile name"),
    "n_electrodes": ("int", ""),
    "first_distance_m": ("double", "along-line distance of electrode 1 (m)"),
    "last_distance_m": ("double", "along-line distance of the last electrode (m)"),
    "spacing_m": ("double", "mean electrode spacing (m)"),
    "source": ("string", "inversion result file"),
}

# --- options shared by several algorithms ------------------------------------------------------
#: Forward models, in the order of every drop-down menu (FSlin first: the default).
FORWARD_MODELS = ("FSlin", "CS", "FSeq")
FORWARD_MODEL_LABELS = {
    "FSlin": "FSlin (full solution, LIN ECa)",
    "CS": "CS (cumulative sensitivity)",
    "FSeq": "FSeq (full solution, equivalent ECa)",
}

#: What to do with survey points whose ECa is ≤ 0 (menu order).
NONPOSITIVE_POLICIES = ("drop", "fail")


def instrument_keys(gf_files_only: bool = False) -> tuple:
    """Instrument preset keys in menu order; gf_files_only: the GF instruments whose exports
    importsurvey reads."""
    return tuple(k for k, i in INSTRUMENTS.items() if i.gf_file or not gf_files_only)


CANCELED_MESSAGE = "Canceled by the user; no output was written."

__all__ = [
    "CANCELED_MESSAGE", "COIL_FIELD_RE", "EC_PREFIX", "EC_STD_PREFIX", "ERT_CELL_FIELDS", "ERT_CELL_REQUIRED",
    "ERT_TRACE_FIELDS", "EXTRAPOLATED_FIELD", "FIELD_COMMENTS", "FIT_FLAG_FIELD", "FLOORED_FIELD", "FORWARD_MODELS",
    "FORWARD_MODEL_LABELS", "GF_CHANNEL_RE", "HEIGHT_FIELD", "LAYER_PREFIXES", "MISFIT_FIELD", "NET_MISFIT_FIELD",
    "NONPOSITIVE_POLICIES", "OOD_SCORE_FIELD", "PREDICTION_FLAG_FIELDS", "coil_field_name", "coil_fields",
    "edges_from_field_names", "finest_layering", "gf_channel", "halfspace_field_name", "instrument_keys",
    "is_layer_field", "layer_field_names", "layer_labels", "match_eca_fields", "parse_coil_field",
    "parse_layer_field",
]
