"""Training-model generation from ERT sections (reference Stage 1, with its weaknesses fixed).

For each ERT profile the generator picks extraction "boxes" along the line, bins the ERT cells of
each box by depth below the ground surface, smooths the binned mean profile and draws many random
1-D models around it (truncated normal with the reference's up/down rule and reverse partners; by
default in log resistivity and within the resistivities the box's cells show), optionally replacing
a share of them by smooth random models of the site's EC range. The models of all profiles are
stacked into a :class:`~emiai_core.training_set.TrainingSet` in the fine target layering
(``LAYER_EDGES``), in coarser layerings resampled from it (``LAYER_EDGES_6``, ``LAYER_EDGES_4``;
thickness-weighted in conductivity) and, optionally, in an extension layering below the target
depth (``DEEP_LAYER_EDGES``) so that forward responses see the deeper ground.

Settings use the reference ``config.json`` keys (see ``REFERENCE_DEFAULTS``). Differences from the
reference, all deliberate (reference_algorithm.md section 8):

- (10, 11) A cell's depth is measured below the *local* ground surface (electrode elevations
  interpolated at the cell's own distance), not below the highest cell of the box, and boxes end
  at ``DEPTH`` (or at the last ``DEEP_LAYER_EDGES``) below that surface. ``DEPTH`` must equal the
  last ``LAYER_EDGES`` value.
- (12) ``SIDE_SKIP`` electrodes are skipped on *both* ends, and the whole box (centre ± width/2)
  must lie in the remaining usable part of the line.
- (13) Box centres are drawn uniformly in distance (not weighted by mesh density) and never
  overlap: n boxes of width w are placed by drawing n sorted uniform points in the usable length
  minus (n-1)·w and adding i·w to the i-th (every non-overlapping configuration is equally likely,
  no rejection loop). If fewer boxes fit than were drawn, fewer are taken and a note says so.
  Locations are stored in distance order.
- (14) ``N0_THICKNESS`` is the minimum thickness of the top model layer, as the reference README
  documents: the layers whose top lies shallower than ``N0_THICKNESS`` form one top unit, binned
  together, offset (``N0_OFFSET``) and scaled (``N0_SCALER``) together and drawn as one value. With
  the reference layering (first layer 0.12 m ≥ 0.1 m) the unit is layer 0 alone, as in the reference.
- (15) The file keeps the raw bin statistics and, separately, the pre-processed mean/std used for
  drawing (no in-place aliasing).
- Empty bins are filled by linear interpolation of the neighbouring bin means in depth (flat beyond
  the ends) instead of the column median; their std is the median std (reference). A location whose
  bins are all empty is dropped with a note; if that happens everywhere, generation fails.
- (18) Means outside ``BOUNDS`` are clipped into them first (with a note); the capped spread of a
  layer whose envelope crosses a bound is ``min(0.1, 1/k)·(distance to bound)`` (the reference's
  0.1, limited so that k > 10 cannot cross the bound), so every drawn value lies within ``BOUNDS``.
  Stds below 0.1 Ω·m become the median std, and never less than 0.1 Ω·m (no zero scale).
- (17) Uniform distribution: draws within the envelopes clipped element-wise to ``BOUNDS``, the
  same rule forward and reverse.
- (19) A Savitzky–Golay smoother whose polynomial order is ≥ npoints − 1 (the identity, e.g. 3/2)
  is rejected with an explanation.
- (20) Coarser layerings are thickness-weighted means of conductivity (:func:`resample_layers`), not
  point interpolation of resistivity at layer midpoints.
- (9) Every random step uses ``numpy.random.default_rng``: profile P uses
  ``default_rng([SEED, crc32(P)])``, so reruns are identical and adding a profile leaves the models
  of the others unchanged.

Kept from the reference on purpose: arithmetic bin mean and population std of resistivity (cells
unweighted), the edge-normalised moving average, the direction rule (a layer moves towards the next
deeper layer's trend, flat layers are not perturbed, ``RESTRICT_NEND``), the truncated normal on
[0, 1]·k·s, reverse partners interleaved after each forward model, ``TOTAL_OFFSET``, the N0/NEND
scalers, and drawing in resistivity (EC = 1/ρ in the file). ``DISTRIBUTION`` "normal" and "uniform"
draw exactly as before (same seed, same models).

A broader, bounded prior (issue #8), the default for new runs (``CHANGED_DEFAULTS``, new keys in
``EXTRA_DEFAULTS``; ``REFERENCE_DRAWING`` restores the reference drawing):

- ``DISTRIBUTION`` "lognormal": the same average model, direction rule, reverse partners, truncated
  normal on [0, 1] and EXAG_FACTORS, but the step is taken in log10 ρ, with the spread s = population
  std of log10(ρ + TOTAL_OFFSET) of the bin's cells (NaN → median, < 0.002 → the median, at least
  0.002; top unit × N0_SCALER, last layer × NEND_SCALER). Every value stays within the min–max of
  the resistivities of the *box's* cells (all its cells from the surface to the deepest edge, ∩
  BOUNDS; a layer whose average lies outside, which only N0_OFFSET or a savgol smoother can cause,
  has its range widened to its average): where k·s would cross that limit the normal is truncated
  at it, Z ~ N(0, 1) on [0, b] with b = (room to the limit)/(k·s) < 1 (no pile-up at the limit).
  The whole-box range rather than the bin's own: a bin holds only ~3–25 cells of a smooth ERT
  inversion, so its range is narrower than the spread k·s is meant to explore; the box range says
  "no layer more extreme than anything measured below this spot". A layer of a forward model keeps
  moving towards the next deeper layer's trend and its reverse partner away from it: the direction
  depends on the sign of the change only, which log10 preserves, so the rule means the same in log
  space and the pair keeps each layer's draws on both sides of the average.
- ``RANDOM_SHARE`` r (default 0.2): per box, round(r·NMODELS) forward draws (and their reverse
  partners) are replaced by as many smooth random models (``model_kind`` 3), so a box still has
  1 + NMODELS·(2 with REVERSE) models. They are Gaussian random fields in log10 EC over the depth
  midpoints of the full layering (target + deep extension; squared-exponential correlation, length
  log-uniform in ``RANDOM_CORR_LENGTH``, default 0.2–1.5 m) plus a linear depth trend of random sign
  and strength (up to ±2 field sds across the full depth), then scaled and shifted: the model's
  log10-EC span (max − min) is uniform in [0, site span] and its centre uniform over the positions
  where the whole model fits, so every value lies inside the site range = min–max of the cells of
  all the *profile's* boxes (∩ BOUNDS). Per profile, not per run, so that a profile's models depend
  only on its own data and seed (adding a profile leaves the others unchanged). They are drawn after
  all box draws of the profile, from the same generator, and belong to their box's location (grouped
  splits stay valid). SMOOTHER apply_all does not touch them; the N0 top unit is tied.
"""
from __future__ import annotations

import difflib
import json
import math
import zlib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from .layering import REFERENCE_EDGES, Layering, resample_layers
from .training_set import TrainingSet

#: The reference config.json defaults (reference_algorithm.md section 2.2), keyed as in config.json.
REFERENCE_DEFAULTS = {
    "DEPTH": 1.5,
    "NLAYERS": 12,
    "NMODELS": 250,
    "NEXTRACTION_RANGE": [5, 15],
    "SIDE_SKIP": 4,
    "EXTRACTION_WIDTH_SCALER": 1.5,
    "LAYER_EDGES": list(REFERENCE_EDGES["L12"]),
    "LAYER_EDGES_6": list(REFERENCE_EDGES["L6"]),
    "LAYER_EDGES_4": list(REFERENCE_EDGES["L4"]),
    "TOTAL_OFFSET": 0,
    "N0_THICKNESS": 0.1,
    "N0_OFFSET": 0,
    "N0_SCALER": 1,
    "NEND_SCALER": 0.1,
    "RESTRICT_NEND": True,
    "DISTRIBUTION": "normal",
    "SMOOTHER": {"smoother": "convolve", "npoints": 3, "order": 2, "apply_all": False},
    "BOUNDS": [0.01, 1000],
    "EXAG_FACTORS": [7, 7],
    "REVERSE": True,
    "ER_PLOT_RANGE": [10, 70],
}

#: The settings the shipped reference training data were made with (section 2.2), for comparison.
SHIPPED_SETTINGS = {"NMODELS": 140, "NEXTRACTION_RANGE": [8, 10], "EXAG_FACTORS": [5, 10], "N0_SCALER": 1.5}

#: Our additions to the reference keys.
EXTRA_DEFAULTS = {"SEED": 0, "DEEP_LAYER_EDGES": [1.5, 2.0, 2.5, 3.0], "RANDOM_SHARE": 0.2,
                  "RANDOM_CORR_LENGTH": [0.2, 1.5]}

#: Reference keys whose default here differs from the reference config.json (issue #8).
CHANGED_DEFAULTS = {"DISTRIBUTION": "lognormal"}

#: The settings that restore the reference's drawing (truncated normal in resistivity, no random models).
REFERENCE_DRAWING = {"DISTRIBUTION": "normal", "RANDOM_SHARE": 0.0}

#: Reference keys that name inputs/outputs; accepted in a JSON file and ignored (the Processing
#: inputs and outputs replace them).
IGNORED_KEYS = ("PATH_DATA", "PATH_OUT")

MIN_STD_OHMM = 0.1  # reference threshold for "too small" bin stds
MIN_STD_LOG10 = 0.002  # the same for stds of log10 ρ ("lognormal"; ≈ 0.5 %)
RANDOM_TREND_MAX = 2.0  # random models: the depth trend spans up to ±2 field sds over the full depth
RANDOM_JITTER = 1e-6  # added to the correlation matrix diagonal (the squared-exponential one is near-singular)
SMOOTHERS = ("none", "convolve", "savgol")
DISTRIBUTIONS = ("normal", "uniform", "lognormal")
EXTENSION_NAME = "deep"
_PHI1 = 0.8413447460685429  # standard normal CDF at 1


MAX_NMODELS = 100_000  # models per box and direction
MAX_NEXTRACTION = 10_000  # boxes per profile
MAX_TOTAL_MODELS = 20_000_000  # all models of a run (about 8 GB in three layerings)


class GeneratorSettingsError(ValueError):
    """A generator setting with an unusable value; the message names the key."""


class GenerationError(ValueError):
    """Input data that cannot produce training models; the message says which and what to do."""


# --------------------------------------------------------------------------------------------
# settings


@dataclass(frozen=True)
class SmootherSettings:
    smoother: str = "convolve"  # 'none' | 'convolve' | 'savgol'
    npoints: int = 3
    order: int = 2
    apply_all: bool = False


@dataclass(frozen=True)
class GeneratorSettings:
    """All generator settings; defaults are the reference config.json values, except DISTRIBUTION
    ("lognormal", ``CHANGED_DEFAULTS``), plus our additions (``EXTRA_DEFAULTS``)."""

    depth: float = 1.5
    nmodels: int = 250
    nextraction_range: tuple = (5, 15)
    side_skip: int = 4
    extraction_width_scaler: float = 1.5
    layer_edges: tuple = tuple(REFERENCE_DEFAULTS["LAYER_EDGES"])
    layer_edges_6: tuple | None = tuple(REFERENCE_DEFAULTS["LAYER_EDGES_6"])
    layer_edges_4: tuple | None = tuple(REFERENCE_DEFAULTS["LAYER_EDGES_4"])
    deep_layer_edges: tuple | None = tuple(EXTRA_DEFAULTS["DEEP_LAYER_EDGES"])
    total_offset: float = 0.0
    n0_thickness: float = 0.1
    n0_offset: float = 0.0
    n0_scaler: float = 1.0
    nend_scaler: float = 0.1
    restrict_nend: bool = True
    distribution: str = "lognormal"  # reference: "normal"
    smoother: SmootherSettings = SmootherSettings()
    bounds: tuple = (0.01, 1000.0)
    exag_factors: tuple = (7.0, 7.0)  # (k_down, k_up)
    reverse: bool = True
    er_plot_range: tuple = (10.0, 70.0)
    seed: int = 0
    random_share: float = 0.2  # share of each box's draws replaced by smooth random models
    random_corr_length: tuple = (0.2, 1.5)  # (min, max) correlation length of the random models (m)
    fid_list: tuple | None = None  # optional profile selection/order (reference FID_LIST)

    # -- derived ------------------------------------------------------------------------------
    @property
    def full_edges(self) -> np.ndarray:
        """Target edges followed by the extension edges below the target depth."""
        e = np.asarray(self.layer_edges, dtype=float)
        if self.deep_layer_edges:
            e = np.r_[e, np.asarray(self.deep_layer_edges, dtype=float)[1:]]
        return e

    @property
    def n_target_layers(self) -> int:
        return len(self.layer_edges) - 1

    @property
    def max_depth(self) -> float:
        return float(self.full_edges[-1])

    def layerings(self) -> dict:
        """name -> Layering: the target ('L<n>'), the coarse ones and the extension ('deep')."""
        out = {}
        tgt = f"L{len(self.layer_edges) - 1}"
        out[tgt] = Layering(tgt, np.asarray(self.layer_edges, float), "target")
        for key, edges in (("LAYER_EDGES_6", self.layer_edges_6), ("LAYER_EDGES_4", self.layer_edges_4)):
            if not edges:
                continue
            name = f"L{len(edges) - 1}"
            if name in out:
                raise GeneratorSettingsError(
                    f"{key} has {len(edges) - 1} layers, like another layering ({name}); every layering needs "
                    f"its own number of layers. Change {key} or leave it empty to skip it.")
            out[name] = Layering(name, np.asarray(edges, float), "coarse")
        if self.deep_layer_edges:
            out[EXTENSION_NAME] = Layering(EXTENSION_NAME, np.asarray(self.deep_layer_edges, float), "extension")
        return out

    def random_pairs(self) -> int:
        """Forward draws per box (with their reverse partners) replaced by random models."""
        return int(math.floor(float(self.random_share) * int(self.nmodels) + 0.5))

    def n0_unit_layers(self) -> int:
        """Number of target layers forming the top unit of at least N0_THICKNESS (≥ 1)."""
        tops = np.asarray(self.layer_edges, float)[:-1]
        return max(1, int(np.sum(tops < self.n0_thickness - 1e-9)))

    # -- validation ---------------------------------------------------------------------------
    def validate(self) -> "GeneratorSettings":
        def fail(key, msg):
            raise GeneratorSettingsError(f"{key}: {msg}")

        if not (np.isfinite(self.depth) and self.depth > 0):
            fail("DEPTH", f"must be > 0 m, got {float(self.depth)!r}.")
        if int(self.nmodels) != self.nmodels or not 1 <= self.nmodels <= MAX_NMODELS:
            fail("NMODELS", f"must be a whole number from 1 to {MAX_NMODELS}, got {self.nmodels}.")
        lo, hi = self.nextraction_range
        if int(lo) != lo or int(hi) != hi or lo < 1 or hi < lo or hi > MAX_NEXTRACTION:
            fail("NEXTRACTION_RANGE", f"must be two whole numbers 1 ≤ min ≤ max ≤ {MAX_NEXTRACTION}, got [{lo}, {hi}].")
        if int(self.side_skip) != self.side_skip or self.side_skip < 0:
            fail("SIDE_SKIP", f"must be a whole number of electrodes ≥ 0, got {self.side_skip}.")
        if not (np.isfinite(self.extraction_width_scaler) and self.extraction_width_scaler > 0):
            fail("EXTRACTION_WIDTH_SCALER", f"must be > 0, got {float(self.extraction_width_scaler)!r}.")
        _check_edges("LAYER_EDGES", self.layer_edges, start=0.0)
        if abs(self.layer_edges[-1] - self.depth) > 1e-9:
            fail("DEPTH", f"{self.depth:g} m must equal the last LAYER_EDGES value ({self.layer_edges[-1]:g} m): "
                          "DEPTH is the depth of the target models. Change one of them "
                          "(deeper layers go into DEEP_LAYER_EDGES).")
        for key in ("LAYER_EDGES_6", "LAYER_EDGES_4"):
            edges = getattr(self, key.lower())
            if edges:
                _check_edges(key, edges, start=0.0)
        if self.deep_layer_edges:
            _check_edges("DEEP_LAYER_EDGES", self.deep_layer_edges, start=self.depth)
        for key in ("TOTAL_OFFSET", "N0_OFFSET"):
            if not np.isfinite(getattr(self, key.lower())):
                fail(key, "must be a finite number (Ω·m).")
        if not (np.isfinite(self.n0_thickness) and 0 <= self.n0_thickness < self.depth):
            fail("N0_THICKNESS", f"must be ≥ 0 and < DEPTH ({self.depth:g} m), got {float(self.n0_thickness)!r}.")
        for key in ("N0_SCALER", "NEND_SCALER"):
            v = getattr(self, key.lower())
            if not (np.isfinite(v) and v >= 0):
                fail(key, f"must be ≥ 0, got {float(v)!r}.")
        if self.distribution not in DISTRIBUTIONS:
            fail("DISTRIBUTION", f"must be one of {list(DISTRIBUTIONS)}, got {self.distribution!r}.")
        sm = self.smoother
        if sm.smoother not in SMOOTHERS:
            fail("SMOOTHER", f"'smoother' must be one of {list(SMOOTHERS)}, got {sm.smoother!r}.")
        n_full = len(self.full_edges) - 1
        if sm.smoother != "none":
            if int(sm.npoints) != sm.npoints or sm.npoints < 1:
                fail("SMOOTHER", f"'npoints' must be a whole number ≥ 1, got {sm.npoints}.")
        if sm.smoother == "savgol":
            if sm.npoints % 2 == 0 or sm.npoints > n_full:
                fail("SMOOTHER", f"savgol needs an odd 'npoints' ≤ the number of layers ({n_full}), got {sm.npoints}.")
            if int(sm.order) != sm.order or sm.order < 0:
                fail("SMOOTHER", f"'order' must be a whole number ≥ 0, got {sm.order}.")
            if sm.order >= sm.npoints - 1:
                fail("SMOOTHER", f"savgol with npoints={sm.npoints} and order={sm.order} fits every window "
                                 "exactly, so it leaves the profile unchanged (the reference's _SMOOTHER 3/2 "
                                 "does nothing). Use order < npoints − 1 (e.g. npoints 5, order 2) or 'convolve'.")
        blo, bhi = self.bounds
        if not (np.isfinite(blo) and np.isfinite(bhi)) or blo <= 0 or blo >= bhi:
            fail("BOUNDS", f"must be two resistivities 0 < lo < hi (Ω·m), got [{blo}, {bhi}].")
        kd, ku = self.exag_factors
        if not (np.isfinite(kd) and np.isfinite(ku)) or kd < 0 or ku < 0:
            fail("EXAG_FACTORS", f"must be two factors [k_down, k_up] ≥ 0, got [{kd}, {ku}].")
        plo, phi = self.er_plot_range
        if not (np.isfinite(plo) and np.isfinite(phi)) or plo >= phi:
            fail("ER_PLOT_RANGE", f"must be two resistivities lo < hi, got [{plo}, {phi}].")
        if int(self.seed) != self.seed or self.seed < 0:
            fail("SEED", f"must be a whole number ≥ 0, got {self.seed}.")
        if not (np.isfinite(self.random_share) and 0 <= self.random_share <= 1):
            fail("RANDOM_SHARE", f"must be a share from 0 to 1, got {float(self.random_share)!r}.")
        clo, chi = self.random_corr_length
        if not (np.isfinite(clo) and np.isfinite(chi)) or clo <= 0 or chi < clo:
            fail("RANDOM_CORR_LENGTH", f"must be two lengths 0 < min ≤ max (m), got [{clo}, {chi}].")
        self.layerings()  # name clashes
        return self

    # -- reference-key dictionaries -----------------------------------------------------------
    def to_dict(self) -> dict:
        """Settings under the reference config.json keys (plus SEED, DEEP_LAYER_EDGES, FID_LIST)."""
        d = {
            "DEPTH": float(self.depth),
            "NLAYERS": len(self.layer_edges) - 1,
            "NMODELS": int(self.nmodels),
            "NEXTRACTION_RANGE": [int(v) for v in self.nextraction_range],
            "SIDE_SKIP": int(self.side_skip),
            "EXTRACTION_WIDTH_SCALER": float(self.extraction_width_scaler),
            "LAYER_EDGES": [float(v) for v in self.layer_edges],
            "LAYER_EDGES_6": [float(v) for v in self.layer_edges_6] if self.layer_edges_6 else [],
            "LAYER_EDGES_4": [float(v) for v in self.layer_edges_4] if self.layer_edges_4 else [],
            "DEEP_LAYER_EDGES": [float(v) for v in self.deep_layer_edges] if self.deep_layer_edges else [],
            "TOTAL_OFFSET": float(self.total_offset),
            "N0_THICKNESS": float(self.n0_thickness),
            "N0_OFFSET": float(self.n0_offset),
            "N0_SCALER": float(self.n0_scaler),
            "NEND_SCALER": float(self.nend_scaler),
            "RESTRICT_NEND": bool(self.restrict_nend),
            "DISTRIBUTION": self.distribution,
            "SMOOTHER": ({"smoother": self.smoother.smoother, "npoints": int(self.smoother.npoints),
                          "order": int(self.smoother.order), "apply_all": bool(self.smoother.apply_all)}
                         if self.smoother.smoother != "none" else None),
            "BOUNDS": [float(v) for v in self.bounds],
            "EXAG_FACTORS": [float(v) for v in self.exag_factors],
            "REVERSE": bool(self.reverse),
            "ER_PLOT_RANGE": [float(v) for v in self.er_plot_range],
            "SEED": int(self.seed),
            "RANDOM_SHARE": float(self.random_share),
            "RANDOM_CORR_LENGTH": [float(v) for v in self.random_corr_length],
        }
        if self.fid_list:
            d["FID_LIST"] = list(self.fid_list)
        return d

    @classmethod
    def from_dict(cls, d: dict, base: "GeneratorSettings | None" = None, notes: list | None = None):
        """Settings from a reference-style dict (config.json keys). Keys not given keep ``base``'s
        values. Keys starting with '_' are ignored (the reference's way of commenting out), as are
        PATH_DATA/PATH_OUT; any other unknown key is an error that names it."""
        base = base or cls()
        notes = notes if notes is not None else []
        known = set(REFERENCE_DEFAULTS) | set(EXTRA_DEFAULTS) | set(IGNORED_KEYS) | {"FID_LIST"}
        unknown = [k for k in d if not str(k).startswith("_") and k not in known]
        if unknown:
            hints = []
            for k in unknown:
                close = difflib.get_close_matches(str(k), sorted(known), n=1)
                hints.append(f"{k!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
            raise GeneratorSettingsError(f"Unknown setting key(s): {', '.join(hints)}. Known keys: {sorted(known)}.")
        ignored = [k for k in d if str(k).startswith("_") or k in IGNORED_KEYS]
        if ignored:
            notes.append(f"settings ignored: {', '.join(map(str, ignored))} ('_' keys are comments; paths are "
                         "given as Processing inputs/outputs)")
        kw = {}

        def num(key, cast=float):
            v = d[key]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise GeneratorSettingsError(f"{key}: must be a number, got {v!r}.")
            if cast is int and int(v) != v:
                raise GeneratorSettingsError(f"{key}: must be a whole number, got {v}.")
            return cast(v)

        def pair(key, cast=float):
            v = d[key]
            if not isinstance(v, (list, tuple)) or len(v) != 2 or any(
                    isinstance(x, bool) or not isinstance(x, (int, float)) for x in v):
                raise GeneratorSettingsError(f"{key}: must be a list of two numbers, got {v!r}.")
            if cast is int and any(int(x) != x for x in v):
                raise GeneratorSettingsError(f"{key}: must be two whole numbers, got {v!r}.")
            return tuple(cast(x) for x in v)

        def edges(key):
            v = d[key]
            if v is None or (isinstance(v, (list, tuple)) and len(v) == 0):
                return None
            if not isinstance(v, (list, tuple)) or any(isinstance(x, bool) or not isinstance(x, (int, float))
                                                       for x in v):
                raise GeneratorSettingsError(f"{key}: must be a list of depths in m, got {v!r}.")
            return tuple(float(x) for x in v)

        def flag(key):
            v = d[key]
            if not isinstance(v, bool):
                raise GeneratorSettingsError(f"{key}: must be true or false, got {v!r}.")
            return v

        simple = {"DEPTH": ("depth", num), "NMODELS": ("nmodels", lambda k: num(k, int)),
                  "SIDE_SKIP": ("side_skip", lambda k: num(k, int)),
                  "EXTRACTION_WIDTH_SCALER": ("extraction_width_scaler", num),
                  "TOTAL_OFFSET": ("total_offset", num), "N0_THICKNESS": ("n0_thickness", num),
                  "N0_OFFSET": ("n0_offset", num), "N0_SCALER": ("n0_scaler", num),
                  "NEND_SCALER": ("nend_scaler", num), "RESTRICT_NEND": ("restrict_nend", flag),
                  "REVERSE": ("reverse", flag), "SEED": ("seed", lambda k: num(k, int)),
                  "NEXTRACTION_RANGE": ("nextraction_range", lambda k: pair(k, int)),
                  "BOUNDS": ("bounds", pair), "EXAG_FACTORS": ("exag_factors", pair),
                  "ER_PLOT_RANGE": ("er_plot_range", pair), "RANDOM_SHARE": ("random_share", num),
                  "RANDOM_CORR_LENGTH": ("random_corr_length", pair),
                  "LAYER_EDGES": ("layer_edges", edges), "LAYER_EDGES_6": ("layer_edges_6", edges),
                  "LAYER_EDGES_4": ("layer_edges_4", edges), "DEEP_LAYER_EDGES": ("deep_layer_edges", edges)}
        for key, (attr, conv) in simple.items():
            if key in d:
                kw[attr] = conv(key)
        if "LAYER_EDGES" in d and kw.get("layer_edges") is None:
            raise GeneratorSettingsError("LAYER_EDGES: must not be empty.")
        if "DISTRIBUTION" in d:
            v = d["DISTRIBUTION"]
            if not isinstance(v, str):
                raise GeneratorSettingsError(f"DISTRIBUTION: must be a string, got {v!r}.")
            kw["distribution"] = v.strip().lower()
        if "SMOOTHER" in d:
            kw["smoother"] = _smoother_from(d["SMOOTHER"])
        if "FID_LIST" in d:
            v = d["FID_LIST"]
            if not isinstance(v, (list, tuple)) or not all(isinstance(x, str) for x in v):
                raise GeneratorSettingsError(f"FID_LIST: must be a list of profile names, got {v!r}.")
            kw["fid_list"] = tuple(v) or None
        if "NLAYERS" in d:
            n = num("NLAYERS", int)
            n_edges = len(kw.get("layer_edges") or base.layer_edges) - 1
            if n != n_edges:
                raise GeneratorSettingsError(f"NLAYERS: {n} does not match LAYER_EDGES, which define {n_edges} "
                                             "layers. NLAYERS is only a name in the reference; fix or remove it.")
        return replace(base, **kw)

    @classmethod
    def from_json(cls, path, base: "GeneratorSettings | None" = None, notes: list | None = None):
        path = Path(path)
        try:
            with open(path, encoding="utf-8-sig") as f:
                d = json.load(f)
        except FileNotFoundError:
            raise GeneratorSettingsError(f"Settings file not found: {path}.") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            raise GeneratorSettingsError(f"{path}: not valid JSON ({err}).") from None
        if not isinstance(d, dict):
            raise GeneratorSettingsError(f"{path}: the JSON must be an object of settings keys.")
        try:
            return cls.from_dict(d, base=base, notes=notes)
        except GeneratorSettingsError as err:
            raise GeneratorSettingsError(f"{path}: {err}") from None


def _smoother_from(v) -> SmootherSettings:
    if v is None or v is False:
        return SmootherSettings(smoother="none")
    if not isinstance(v, dict):
        raise GeneratorSettingsError(f"SMOOTHER: must be an object {{smoother, npoints, order, apply_all}} or null, "
                                     f"got {v!r}.")
    unknown = [k for k in v if k not in ("smoother", "npoints", "order", "apply_all")]
    if unknown:
        raise GeneratorSettingsError(f"SMOOTHER: unknown key(s) {unknown}; known: smoother, npoints, order, apply_all.")
    base = SmootherSettings()
    kind = v.get("smoother", base.smoother)
    kind = "none" if kind in (None, "", False) else str(kind).strip().lower()
    try:
        return SmootherSettings(kind, int(v.get("npoints", base.npoints)), int(v.get("order", base.order)),
                                bool(v.get("apply_all", base.apply_all)))
    except (TypeError, ValueError):
        raise GeneratorSettingsError(f"SMOOTHER: npoints/order must be whole numbers, got {v!r}.") from None


def _check_edges(key, edges, start):
    e = np.asarray(edges, dtype=float)
    if e.ndim != 1 or len(e) < 2:
        raise GeneratorSettingsError(f"{key}: needs at least two depths (one layer), got {e.tolist()}.")
    if not np.all(np.isfinite(e)):
        raise GeneratorSettingsError(f"{key}: depths must be finite numbers, got {e.tolist()}.")
    if abs(e[0] - start) > 1e-9:
        raise GeneratorSettingsError(f"{key}: must start at {start:g} m, got {e[0]:g} m.")
    if np.any(np.diff(e) <= 0):
        raise GeneratorSettingsError(f"{key}: depths must increase strictly, got {e.tolist()}.")


# --------------------------------------------------------------------------------------------
# inputs and results


@dataclass
class ProfileCells:
    """One ERT profile as the generator needs it (QGIS-free; arrays in section coordinates).

    ``depth_m`` is below the local ground surface. Electrode map coordinates are optional; without
    them the extraction locations get NaN map coordinates."""

    profile: str
    distance_m: np.ndarray
    depth_m: np.ndarray
    resistivity_ohmm: np.ndarray
    electrode_distance_m: np.ndarray
    electrode_elevation_m: np.ndarray
    electrode_x: np.ndarray | None = None
    electrode_y: np.ndarray | None = None
    elevation_m: np.ndarray | None = None  # cell elevation, for figures; derived when missing

    def __post_init__(self):
        n = len(self.distance_m)
        for key in ("distance_m", "depth_m", "resistivity_ohmm", "elevation_m"):
            v = getattr(self, key)
            if v is None:
                continue
            v = np.asarray(v, dtype=float)
            if v.shape != (n,):
                raise GenerationError(f"profile {self.profile}: {key} has shape {v.shape}, expected ({n},).")
            setattr(self, key, v)
        for key in ("electrode_distance_m", "electrode_elevation_m", "electrode_x", "electrode_y"):
            v = getattr(self, key)
            if v is not None:
                setattr(self, key, np.asarray(v, dtype=float))
        if n == 0:
            raise GenerationError(f"profile {self.profile}: the section has no cells.")
        bad = ~(np.isfinite(self.distance_m) & np.isfinite(self.depth_m) & np.isfinite(self.resistivity_ohmm))
        if np.any(bad):
            raise GenerationError(f"profile {self.profile}: {int(bad.sum())} cell(s) have empty distance_m, depth_m "
                                  "or resistivity_ohmm; re-import the section.")
        if np.any(self.resistivity_ohmm <= 0):
            raise GenerationError(f"profile {self.profile}: resistivity_ohmm must be > 0 Ω·m.")
        ed, ez = self.electrode_distance_m, self.electrode_elevation_m
        if ed.ndim != 1 or ed.shape != ez.shape or len(ed) < 2 or np.any(np.diff(ed) <= 0):
            raise GenerationError(f"profile {self.profile}: electrode distances must be ≥ 2 strictly increasing "
                                  "values with one elevation each.")
        if (self.electrode_x is None) != (self.electrode_y is None) or (
                self.electrode_x is not None and (self.electrode_x.shape != ed.shape
                                                  or self.electrode_y.shape != ed.shape)):
            raise GenerationError(f"profile {self.profile}: electrode_x/electrode_y must both be given, "
                                  "one per electrode.")
        if self.elevation_m is None:
            self.elevation_m = np.interp(self.distance_m, ed, ez) - self.depth_m

    @classmethod
    def from_georeferenced(cls, g) -> "ProfileCells":
        """From an :class:`emiai_core.ert.GeoreferencedSection`."""
        return cls(g.profile, g.section.distance_m, g.depth_m, g.section.resistivity_ohmm,
                   g.electrodes.distance_m, g.electrodes.elevation_m, g.electrode_map.x, g.electrode_map.y,
                   g.section.elevation_m)

    def map_xy(self, distance):
        distance = np.asarray(distance, dtype=float)
        if self.electrode_x is None:
            return np.full(distance.shape, np.nan), np.full(distance.shape, np.nan)
        from .ert import interp_polyline

        return interp_polyline(distance, self.electrode_distance_m, self.electrode_x, self.electrode_y)


@dataclass
class ExtractionLocation:
    """One extraction box and the models drawn there (resistivity, full layering)."""

    profile: str
    location_id: int
    distance_m: float
    x: float
    y: float
    surface_elevation_m: float
    width_m: float
    cell_index: np.ndarray  # indices into the profile's cells inside the box (0 ≤ depth ≤ max depth)
    bin_mean_ohmm: np.ndarray  # raw
    bin_std_ohmm: np.ndarray  # raw
    bin_count: np.ndarray
    model_mean_ohmm: np.ndarray  # pre-processed
    model_std_ohmm: np.ndarray
    direction: np.ndarray  # +1 up, -1 down, 0 flat (forward models)
    models_ohmm: np.ndarray  # (n_models, L_full): [average, fwd1, rev1, fwd2, rev2, …, random…]
    model_kind: np.ndarray  # (n_models,) 0 average, 1 forward, 2 reverse, 3 smooth random
    model_std_log10: np.ndarray | None = None  # "lognormal": pre-processed std of log10 ρ per layer
    limits_ohmm: np.ndarray | None = None  # "lognormal": (2, L_full) lower/upper limit of the drawn ρ


@dataclass
class ProfileSummary:
    profile: str
    n_cells: int
    electrode_spacing_m: float
    width_m: float
    usable_m: tuple  # (first, last) allowed box centre
    n_drawn: int
    n_locations: int
    notes: list = field(default_factory=list)
    site_range_ohmm: tuple | None = None  # (min, max) ρ of the random models (None: none drawn)

    def to_json(self) -> dict:
        d = asdict(self)
        d["usable_m"] = [round(float(v), 6) for v in self.usable_m]
        if self.site_range_ohmm is None:
            del d["site_range_ohmm"]
        else:
            d["site_range_ohmm"] = [float(v) for v in self.site_range_ohmm]
        for k in ("electrode_spacing_m", "width_m"):
            d[k] = round(float(d[k]), 9)
        return d


@dataclass
class GenerationResult:
    training_set: TrainingSet
    settings: GeneratorSettings
    locations: list  # ExtractionLocation, in file order
    profiles: list  # ProfileSummary
    cells: dict  # profile -> ProfileCells (for figures)
    notes: list


# --------------------------------------------------------------------------------------------
# the steps


def profile_rng(seed: int, profile: str) -> np.random.Generator:
    """The generator of one profile: ``default_rng([seed, crc32(profile)])``."""
    return np.random.default_rng([int(seed), zlib.crc32(str(profile).encode("utf-8"))])


def usable_range(electrode_distance, side_skip: int, width: float, profile: str = "") -> tuple:
    """(first, last) allowed box centre: SIDE_SKIP electrodes are skipped on each end and the whole
    box must fit between the remaining end electrodes."""
    d = np.asarray(electrode_distance, dtype=float)
    n = len(d)
    if n - 2 * side_skip < 2:
        raise GenerationError(f"profile {profile}: SIDE_SKIP {side_skip} skips {2 * side_skip} of its {n} electrodes, "
                              "leaving no usable line. Lower SIDE_SKIP.")
    a, b = d[side_skip], d[n - 1 - side_skip]
    if b - a < width:
        raise GenerationError(
            f"profile {profile}: the extraction width {width:.2f} m is wider than the usable profile "
            f"({b - a:.2f} m between electrode {side_skip + 1} at {a:.2f} m and electrode {n - side_skip} at "
            f"{b:.2f} m after SIDE_SKIP {side_skip}). Lower EXTRACTION_WIDTH_SCALER or SIDE_SKIP.")
    return a + width / 2, b - width / 2


def choose_extraction_positions(rng, n_range, first: float, last: float, width: float):
    """(sorted centres, number drawn): n ~ U{n_range} boxes of ``width`` with centres in
    [first, last] and gaps ≥ width, uniform over all such configurations; fewer if n do not fit."""
    n_drawn = int(rng.integers(int(n_range[0]), int(n_range[1]) + 1))
    n_fit = int(math.floor((last - first) / width + 1e-9)) + 1
    n = min(n_drawn, n_fit)
    free = max(last - first - (n - 1) * width, 0.0)
    centres = np.sort(rng.random(n)) * free + first + np.arange(n) * width
    return centres, n_drawn


def bin_statistics(depth, values, edges):
    """Per layer of ``edges``: arithmetic mean, population std (ddof 0) and count of ``values`` with
    depth in [e_i, e_i+1) (the last bin closed); empty bins give NaN (scipy binned_statistic semantics)."""
    depth = np.asarray(depth, dtype=float)
    values = np.asarray(values, dtype=float)
    edges = np.asarray(edges, dtype=float)
    n = len(edges) - 1
    idx = np.searchsorted(edges, depth, side="right") - 1
    idx[depth == edges[-1]] = n - 1
    ok = (idx >= 0) & (idx < n)
    idx, v = idx[ok], values[ok]
    count = np.bincount(idx, minlength=n).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(idx, weights=v, minlength=n) / count
        dev = v - mean[idx]
        std = np.sqrt(np.bincount(idx, weights=dev * dev, minlength=n) / count)
    mean[count == 0] = np.nan
    std[count == 0] = np.nan
    return mean, std, count


def smoothing_matrix(n_layers: int, npoints: int) -> np.ndarray:
    """(L, L) matrix S of the reference's edge-normalised moving average: ``v @ S`` smooths rows
    (npoints made odd by +1 if even; each output is the mean of the neighbours inside the window)."""
    npts = int(npoints) + (1 - int(npoints) % 2)
    half = npts // 2
    i = np.arange(n_layers)
    m = (np.abs(i[:, None] - i[None, :]) <= half).astype(float)
    return m / m.sum(axis=0, keepdims=True)


def smooth(values, smoother: SmootherSettings) -> np.ndarray:
    """Smooth 1-D profiles along the last axis ('none' returns a copy)."""
    v = np.asarray(values, dtype=float)
    if smoother.smoother == "none":
        return v.copy()
    if smoother.smoother == "convolve":
        return v @ smoothing_matrix(v.shape[-1], smoother.npoints)
    if smoother.smoother == "savgol":
        from scipy.signal import savgol_filter

        return savgol_filter(v, smoother.npoints, smoother.order, axis=-1)
    raise GeneratorSettingsError(f"SMOOTHER: unknown smoother {smoother.smoother!r}.")


def _tie_top(values, k, thickness):
    """Give the top ``k`` layers (the N0 unit) their thickness-weighted mean (last axis)."""
    if k <= 1:
        return values
    v = np.array(values, dtype=float, copy=True)
    w = thickness[:k] / thickness[:k].sum()
    v[..., :k] = (v[..., :k] @ w)[..., None]
    return v


def preprocess_average(bin_mean, bin_std, edges, settings: GeneratorSettings, k_unit: int = 1):
    """Pre-processed (mean, std) that models are drawn around, and notes.

    Empty means are interpolated in depth; NaN stds become the median std; stds < 0.1 Ω·m become
    the median std (at least 0.1); N0_OFFSET is added to the top unit; the means are smoothed (the
    top unit re-tied); the top unit's std is scaled by N0_SCALER and the last layer's by
    NEND_SCALER; means are clipped into BOUNDS."""
    notes = []
    edges = np.asarray(edges, dtype=float)
    mid = 0.5 * (edges[:-1] + edges[1:])
    thick = np.diff(edges)
    m = np.array(bin_mean, dtype=float)
    s = np.array(bin_std, dtype=float)
    empty = ~np.isfinite(m)
    if np.all(empty):
        raise GenerationError("all bins are empty")
    if np.any(empty):
        m[empty] = np.interp(mid[empty], mid[~empty], m[~empty])
        notes.append(f"{int(empty.sum())} empty layer(s) filled by interpolation")
    s_ok = np.isfinite(s)
    s[~s_ok] = np.median(s[s_ok])
    small = s < MIN_STD_OHMM
    if np.any(small):
        s[small] = max(float(np.median(s)), MIN_STD_OHMM)
    m[:k_unit] += settings.n0_offset
    m = _tie_top(smooth(m, settings.smoother), k_unit, thick)
    s[:k_unit] *= settings.n0_scaler
    s[-1] *= settings.nend_scaler
    lo, hi = settings.bounds
    out = (m < lo) | (m > hi)
    if np.any(out):
        notes.append(f"{int(out.sum())} mean value(s) outside BOUNDS clipped into [{lo:g}, {hi:g}] Ω·m")
        m = np.clip(m, lo, hi)
    return m, s, notes


def preprocess_log_std(bin_std_log10, settings: GeneratorSettings, k_unit: int = 1) -> np.ndarray:
    """The spread of the "lognormal" draws: std of log10 ρ per layer, pre-processed like the
    resistivity std (NaN → median; < MIN_STD_LOG10 → the median, at least MIN_STD_LOG10; top unit ×
    N0_SCALER, last layer × NEND_SCALER)."""
    s = np.array(bin_std_log10, dtype=float)
    ok = np.isfinite(s)
    s[~ok] = np.median(s[ok]) if np.any(ok) else MIN_STD_LOG10
    small = s < MIN_STD_LOG10
    if np.any(small):
        s[small] = max(float(np.median(s)), MIN_STD_LOG10)
    s[:k_unit] *= settings.n0_scaler
    s[-1] *= settings.nend_scaler
    return s


def box_limits(values_ohmm, m, bounds) -> np.ndarray:
    """(2, L) lower/upper limits of the "lognormal" draws of one box: the min–max of the box's cell
    resistivities within BOUNDS, widened per layer to include the average model ``m``."""
    lo, hi = (float(v) for v in bounds)
    v = np.asarray(values_ohmm, dtype=float)
    vmin = min(max(float(v.min()), lo), hi)
    vmax = max(min(float(v.max()), hi), lo)
    m = np.asarray(m, dtype=float)
    return np.vstack([np.minimum(vmin, m), np.maximum(vmax, m)])


def direction_vector(m, restrict_nend: bool, k_unit: int = 1) -> np.ndarray:
    """Sign of the change towards the next deeper layer (+1, -1, 0); the last layer copies the
    layer above (RESTRICT_NEND) or is 0; the top unit takes the direction of its bottom layer."""
    m = np.asarray(m, dtype=float)
    f = np.zeros(len(m))
    if len(m) > 1:
        f[:-1] = np.diff(m)
        f[-1] = f[-2] if restrict_nend else 0.0
    if k_unit > 1:
        f[:k_unit] = f[k_unit - 1]
    return np.sign(f).astype(np.int8)


def draw_models(m, s, direction, settings: GeneratorSettings, rng, k_unit: int = 1, edges=None,
                n_models: int | None = None, s_log10=None, limits_ohmm=None):
    """(models (n, L), kind (n,)) resistivity models: row 0 = ``m``, then ``n_models`` (default
    NMODELS) times a forward draw followed (REVERSE) by its reverse partner. Vectorised: one random
    block per direction.

    "lognormal" uses ``s_log10`` (std of log10 ρ per layer; default s/(m·ln 10)) and
    ``limits_ohmm`` ((2, L) lower/upper limits; default BOUNDS)."""
    m = np.asarray(m, dtype=float)
    s = np.asarray(s, dtype=float)
    d = np.asarray(direction)
    L = len(m)
    M = int(settings.nmodels if n_models is None else n_models)
    k_dn, k_up = (float(v) for v in settings.exag_factors)
    lo, hi = (float(v) for v in settings.bounds)
    log_spread = None
    if settings.distribution == "lognormal":
        s_log = s / (m * math.log(10.0)) if s_log10 is None else np.asarray(s_log10, dtype=float)
        lim = np.array([[lo], [hi]]) * np.ones((2, L)) if limits_ohmm is None else np.asarray(limits_ohmm, float)
        log_spread = (s_log, lim[0], lim[1])
    blocks = [_draw_block(m, s, d, k_dn, k_up, lo, hi, rng.random((M, L)), settings.distribution, log_spread)]
    if settings.reverse:
        blocks.append(_draw_block(m, s, -d, k_dn, k_up, lo, hi, rng.random((M, L)), settings.distribution,
                                  log_spread))
    drawn = np.empty((M * len(blocks), L))
    kind = np.empty(1 + M * len(blocks), dtype=np.int8)
    kind[0] = 0
    for j, b in enumerate(blocks):
        drawn[j::len(blocks)] = b
        kind[1 + j::len(blocks)] = 1 + j
    thick = np.diff(np.asarray(edges, float)) if edges is not None else np.ones(L)
    if k_unit > 1:
        drawn[:, :k_unit - 1] = drawn[:, k_unit - 1:k_unit]
    if settings.smoother.apply_all and settings.smoother.smoother != "none" and len(drawn):
        drawn = _tie_top(smooth(drawn, settings.smoother), k_unit, thick)
        drawn = np.clip(drawn, lo, hi)
        if log_spread is not None:
            drawn = np.clip(drawn, log_spread[1], log_spread[2])
    return np.vstack([m[None, :], drawn]), kind


def _draw_block(m, s, d, k_dn, k_up, lo, hi, u, distribution, log_spread=None):
    """One block of models for direction vector ``d`` (+1 up / -1 down / 0 flat) from uniforms ``u``."""
    up, dn = d > 0, d < 0
    if distribution == "lognormal":
        from scipy.special import ndtr, ndtri

        s_log, lim_lo, lim_hi = log_spread
        lm = np.log10(m)
        w_up, w_dn = k_up * s_log, k_dn * s_log
        with np.errstate(divide="ignore", invalid="ignore"):  # Z on [0, b]: b < 1 where k·s crosses the limit
            b_up = np.where(w_up > 0, np.clip((np.log10(lim_hi) - lm) / w_up, 0.0, 1.0), 0.0)
            b_dn = np.where(w_dn > 0, np.clip((lm - np.log10(lim_lo)) / w_dn, 0.0, 1.0), 0.0)
        b = np.where(up, b_up, np.where(dn, b_dn, 0.0))
        z = np.clip(ndtri(0.5 + u * (ndtr(b) - 0.5)), 0.0, b)  # N(0,1) truncated to [0, b]
        step = np.where(up, w_up, np.where(dn, -w_dn, 0.0)) * z
        out = np.where(step == 0.0, m, 10.0 ** (lm + step))
        return np.clip(out, lim_lo, lim_hi)
    if distribution == "normal":
        cap_up = min(0.1, 1.0 / k_up) if k_up > 0 else 0.1
        cap_dn = min(0.1, 1.0 / k_dn) if k_dn > 0 else 0.1
        s_up = np.where(m + k_up * s > hi, cap_up * (hi - m), s)
        s_dn = np.where(m - k_dn * s < lo, cap_dn * (m - lo), s)
        from scipy.special import ndtri

        z = np.clip(ndtri(0.5 + u * (_PHI1 - 0.5)), 0.0, 1.0)  # N(0,1) truncated to [0, 1]
        step = np.where(up, k_up * s_up, np.where(dn, -k_dn * s_dn, 0.0))
        return m + step * z
    # uniform: up layers in [m, up], down layers in [dn, m], flat layers in [dn, up], envelopes in BOUNDS
    env_up = np.minimum(m + k_up * s, hi)
    env_dn = np.maximum(m - k_dn * s, lo)
    a = np.where(up, m, env_dn)
    b = np.where(dn, m, env_up)
    return a + u * (b - a)


def draw_random_models(n: int, edges, site_range_ohmm, corr_length, rng, k_unit: int = 1) -> np.ndarray:
    """(n, L) smooth random resistivity models over the layering ``edges``, every value inside
    ``site_range_ohmm`` (min, max).

    log10 EC at the layer midpoints = centre + span·(f − mid f)/(max f − min f) with f = a Gaussian
    random field (unit variance, squared-exponential correlation, length log-uniform in
    ``corr_length``) plus a linear depth trend t·β (t from −1 at the top to +1 at the bottom
    midpoint, β uniform in ±RANDOM_TREND_MAX: either sign); span uniform in [0, site span], centre
    uniform where the whole model fits. The top ``k_unit`` layers are tied (thickness-weighted)."""
    edges = np.asarray(edges, dtype=float)
    L = len(edges) - 1
    if n <= 0:
        return np.empty((0, L))
    rho_lo, rho_hi = (float(v) for v in site_range_ohmm)
    a, b = -math.log10(rho_hi), -math.log10(rho_lo)  # log10 EC range
    la, lb = (math.log(float(v)) for v in corr_length)
    ell = np.exp(la + rng.random(n) * (lb - la))
    g0 = rng.standard_normal((n, L))
    beta = RANDOM_TREND_MAX * (2.0 * rng.random(n) - 1.0)
    span = (b - a) * rng.random(n)
    centre = a + 0.5 * span + rng.random(n) * (b - a - span)
    z = 0.5 * (edges[:-1] + edges[1:])
    dz = z[:, None] - z[None, :]
    cov = np.exp(-0.5 * (dz[None, :, :] / ell[:, None, None]) ** 2) + RANDOM_JITTER * np.eye(L)
    field_ = np.einsum("nij,nj->ni", np.linalg.cholesky(cov), g0)
    t = 2.0 * (z - z[0]) / (z[-1] - z[0]) - 1.0 if L > 1 else np.zeros(L)
    f = _tie_top(beta[:, None] * t[None, :] + field_, k_unit, np.diff(edges))
    fmin, fmax = f.min(axis=1), f.max(axis=1)
    width = fmax - fmin
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(width[:, None] > 0, (f - 0.5 * (fmin + fmax)[:, None]) / width[:, None], 0.0)
    log_ec = centre[:, None] + span[:, None] * unit
    return np.clip(10.0 ** (-log_ec), rho_lo, rho_hi)


# --------------------------------------------------------------------------------------------
# the whole generation


def generate_profile(cells: ProfileCells, settings: GeneratorSettings, first_location_id: int = 0):
    """(locations, summary) for one profile."""
    edges = settings.full_edges
    k_unit = settings.n0_unit_layers()
    rng = profile_rng(settings.seed, cells.profile)
    ed = cells.electrode_distance_m
    spacing = float(np.mean(np.diff(ed)))
    width = spacing * settings.extraction_width_scaler
    first, last = usable_range(ed, int(settings.side_skip), width, cells.profile)
    centres, n_drawn = choose_extraction_positions(rng, settings.nextraction_range, first, last, width)
    notes = []
    if len(centres) < n_drawn:
        notes.append(f"{n_drawn} extraction boxes drawn from NEXTRACTION_RANGE but only {len(centres)} of width "
                     f"{width:.2f} m fit without overlap in the usable {last - first + width:.2f} m; "
                     f"took {len(centres)}")
    # the binning edges of the top unit: bin the unit as one layer
    bin_edges = np.r_[edges[0], edges[k_unit:]]
    n_box = int(settings.nmodels) - settings.random_pairs()  # forward draws per box
    n_random = settings.random_pairs() * (2 if settings.reverse else 1)
    lognormal = settings.distribution == "lognormal"
    site_lo, site_hi = math.inf, -math.inf
    locations = []
    order = np.argsort(cells.distance_m, kind="stable")
    ds = cells.distance_m[order]
    xs, ys = cells.map_xy(centres)
    for j, xm in enumerate(centres):
        i0, i1 = np.searchsorted(ds, [xm - width / 2, xm + width / 2], side="left")
        sel = order[i0:i1]
        sel = sel[np.abs(cells.distance_m[sel] - xm) < width / 2]
        dep = cells.depth_m[sel]
        sel = sel[(dep >= 0) & (dep <= edges[-1])]
        sel.sort()
        vals = cells.resistivity_ohmm[sel] + settings.total_offset
        mean_u, std_u, cnt_u = bin_statistics(cells.depth_m[sel], vals, bin_edges)
        bin_mean = np.r_[np.repeat(mean_u[:1], k_unit), mean_u[1:]]
        bin_std = np.r_[np.repeat(std_u[:1], k_unit), std_u[1:]]
        bin_cnt = np.r_[np.repeat(cnt_u[:1], k_unit), cnt_u[1:]]
        if not np.any(np.isfinite(bin_mean)):
            notes.append(f"box at {xm:.2f} m dropped: no ERT cell within 0–{edges[-1]:g} m below the surface")
            continue
        if np.any(vals <= 0):
            raise GenerationError(f"profile {cells.profile}: TOTAL_OFFSET {settings.total_offset:g} Ω·m makes some "
                                  "resistivities ≤ 0; use a smaller negative offset.")
        m, s, pnotes = preprocess_average(bin_mean, bin_std, edges, settings, k_unit)
        notes += [f"box at {xm:.2f} m: {n}" for n in pnotes]
        direction = direction_vector(m, settings.restrict_nend, k_unit)
        s_log = limits = None
        if lognormal:
            std_log_u = bin_statistics(cells.depth_m[sel], np.log10(vals), bin_edges)[1]
            s_log = preprocess_log_std(np.r_[np.repeat(std_log_u[:1], k_unit), std_log_u[1:]], settings, k_unit)
            limits = box_limits(vals, m, settings.bounds)
        models, kind = draw_models(m, s, direction, settings, rng, k_unit, edges, n_models=n_box,
                                   s_log10=s_log, limits_ohmm=limits)
        site_lo, site_hi = min(site_lo, float(vals.min())), max(site_hi, float(vals.max()))
        locations.append(ExtractionLocation(
            cells.profile, first_location_id + len(locations), float(xm), float(xs[j]), float(ys[j]),
            float(np.interp(xm, ed, cells.electrode_elevation_m)), float(width), sel,
            bin_mean, bin_std, bin_cnt, m, s, direction, models, kind, s_log, limits))
    site_range = None
    if n_random and locations:  # after all box draws: the site range needs every box
        lo, hi = (float(v) for v in settings.bounds)
        site_range = (min(max(site_lo, lo), hi), max(min(site_hi, hi), lo))
        for loc in locations:
            extra = draw_random_models(n_random, edges, site_range, settings.random_corr_length, rng, k_unit)
            loc.models_ohmm = np.vstack([loc.models_ohmm, extra])
            loc.model_kind = np.r_[loc.model_kind, np.full(n_random, 3, dtype=np.int8)]
    summary = ProfileSummary(cells.profile, int(len(cells.distance_m)), spacing, width, (first, last),
                             n_drawn, len(locations), notes, site_range)
    return locations, summary


def generate_training_models(profiles, settings: GeneratorSettings | None = None, crs: str | None = None,
                             progress=None) -> GenerationResult:
    """Generate the training set from ERT profiles (a sequence of :class:`ProfileCells`).

    ``progress(fraction)`` is called after each profile (it may raise to cancel). Raises
    GeneratorSettingsError / GenerationError with a message naming the setting or profile."""
    settings = (settings or GeneratorSettings()).validate()
    profiles = list(profiles)
    if not profiles:
        raise GenerationError("No ERT profiles given.")
    names = [p.profile for p in profiles]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise GenerationError(f"Profile(s) {dup} given more than once; each profile must come from one layer.")
    notes = []
    if settings.fid_list:
        missing = [f for f in settings.fid_list if f not in names]
        if missing:
            notes.append(f"FID_LIST profiles not among the inputs, skipped: {missing}")
        by = {p.profile: p for p in profiles}
        profiles = [by[f] for f in settings.fid_list if f in by]
        if not profiles:
            raise GenerationError(f"None of the FID_LIST profiles {list(settings.fid_list)} is among the "
                                  f"inputs {names}.")
    per_box = int(settings.nmodels) * (2 if settings.reverse else 1)
    most = per_box * int(settings.nextraction_range[1]) * len(profiles)
    if most > MAX_TOTAL_MODELS:
        bytes_ = most * len(settings.full_edges) * 8 * 3
        raise GeneratorSettingsError(
            f"NMODELS {settings.nmodels} × up to {settings.nextraction_range[1]} boxes × {len(profiles)} profile(s)"
            f"{' × 2 (REVERSE)' if settings.reverse else ''} = up to {most:,} models (about {bytes_ / 1e9:.1f} GB), "
            f"more than {MAX_TOTAL_MODELS:,}: lower NMODELS or NEXTRACTION_RANGE.")
    locations, summaries = [], []
    for i, p in enumerate(profiles):
        locs, summ = generate_profile(p, settings, first_location_id=len(locations))
        locations += locs
        summaries.append(summ)
        notes += [f"{p.profile}: {n}" for n in summ.notes]
        if progress is not None:
            progress((i + 1) / len(profiles))
    if not locations:
        raise GenerationError(
            f"Bins empty everywhere: no extraction box of any profile has ERT cells within 0–{settings.max_depth:g} m "
            "below the ground surface. Check that depth_m is the depth below the surface (re-import the sections) "
            "and that LAYER_EDGES/DEEP_LAYER_EDGES are in metres.")
    ts = _assemble(locations, summaries, settings, crs, notes)
    return GenerationResult(ts, settings, locations, summaries, {p.profile: p for p in profiles}, notes)


def _assemble(locations, summaries, settings: GeneratorSettings, crs, notes) -> TrainingSet:
    layerings = settings.layerings()
    full_edges = settings.full_edges
    n_t = settings.n_target_layers
    rho = np.vstack([loc.models_ohmm for loc in locations])
    ec_full = 1.0 / rho
    ec = {}
    for name, lay in layerings.items():
        if lay.role == "target":
            ec[name] = np.ascontiguousarray(ec_full[:, :n_t])
        elif lay.role == "extension":
            ec[name] = np.ascontiguousarray(ec_full[:, n_t:])
        else:
            ec[name] = resample_layers(ec_full, full_edges, lay.edges)
    counts = np.array([len(loc.models_ohmm) for loc in locations])
    rep = lambda v: np.repeat(np.asarray(v), counts)  # noqa: E731
    loc_ids = np.array([loc.location_id for loc in locations], dtype=np.int64)
    locs = {
        "loc_profile": np.array([loc.profile for loc in locations], dtype=str),
        "loc_distance_m": np.array([loc.distance_m for loc in locations]),
        "loc_x_m": np.array([loc.x for loc in locations]),
        "loc_y_m": np.array([loc.y for loc in locations]),
        "loc_surface_elevation_m": np.array([loc.surface_elevation_m for loc in locations]),
        "loc_width_m": np.array([loc.width_m for loc in locations]),
        "loc_n_cells": np.array([len(loc.cell_index) for loc in locations], dtype=np.int64),
        "loc_n_models": counts.astype(np.int64),
        "loc_edges_m": full_edges,
        "loc_bin_mean_ohmm": np.vstack([loc.bin_mean_ohmm for loc in locations]),
        "loc_bin_std_ohmm": np.vstack([loc.bin_std_ohmm for loc in locations]),
        "loc_bin_count": np.vstack([loc.bin_count for loc in locations]).astype(np.int64),
        "loc_model_mean_ohmm": np.vstack([loc.model_mean_ohmm for loc in locations]),
        "loc_model_std_ohmm": np.vstack([loc.model_std_ohmm for loc in locations]),
    }
    kind = np.concatenate([loc.model_kind for loc in locations])
    return TrainingSet(
        layerings=layerings, ec=ec,
        profile=rep(locs["loc_profile"]).astype(str), location_id=rep(loc_ids),
        location_x_m=rep(locs["loc_x_m"]), location_y_m=rep(locs["loc_y_m"]),
        distance_m=rep(locs["loc_distance_m"]), is_average_model=kind == 0, model_kind=kind,
        locations=locs, settings=settings.to_dict(),
        info={"crs": crs, "profiles": [s.to_json() for s in summaries], "notes": list(notes)})


__all__ = [
    "REFERENCE_DEFAULTS", "SHIPPED_SETTINGS", "EXTRA_DEFAULTS", "CHANGED_DEFAULTS", "REFERENCE_DRAWING",
    "GeneratorSettings", "SmootherSettings",
    "GeneratorSettingsError", "GenerationError", "ProfileCells", "ExtractionLocation", "ProfileSummary",
    "GenerationResult", "profile_rng", "usable_range",
    "choose_extraction_positions", "bin_statistics", "smoothing_matrix", "smooth", "preprocess_average",
    "direction_vector", "draw_models", "preprocess_log_std", "box_limits", "draw_random_models",
    "generate_profile", "generate_training_models",
]
