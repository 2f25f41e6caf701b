"""Predict EC depth models for a survey: input checks, the cascade, data misfit, the output table.

QGIS-free; emiai_qgis.algorithms.predict_ec reads features into these arrays and writes the
returned columns back. Survey ECa and every output EC are in mS/m (as instruments export them):
the conversion to the model's S/m happens here, once on the way in and once on the way out.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .fields import (
    DOI_FIELD,
    EC_STD_PREFIX,
    EXTRAPOLATED_FIELD,
    FIELD_COMMENTS,
    FIT_FLAG_FIELD,
    FLOORED_FIELD,
    FORWARD_MODELS,
    HEIGHT_FIELD,
    MISFIT_FIELD,
    NET_MISFIT_FIELD,
    NONPOSITIVE_POLICIES,
    OOD_SCORE_FIELD,
    PREDICTION_FLAG_FIELDS,
    halfspace_field_name,
    is_layer_field,
    layer_field_names,
    match_eca_fields,  # noqa: F401  (re-exported: the field matching a prediction needs)
)
from .doi import DOI_CAP_FACTOR, DOI_CUTOFF, depth_of_investigation
from .forward import forward_eca
from .instruments import as_coils, parse_coil
from .layering import resample_layers

MS_PER_S = 1000.0  # mS/m per S/m
HEIGHT_TOLERANCE_M = 0.005  # a survey height this close to the model's is the model's
EC_COMMENT = "EC (mS/m)"
METHODS = ("network", "refine", "invert")
METHOD_LABELS = {"network": "Network only", "refine": "Network + physics refinement (fits the measured ECa)",
                 "invert": "Inversion without a network (Gauss-Newton from a homogeneous start)"}
DEFAULT_METHOD = "refine"  # what predictec and api.predict do unless told (see BENCHMARKS.md)
# the inversion without a network (homogeneous start): chosen per fold in benchmarks/refinement.py
INVERT_VERTICAL_SMOOTHING = 300.0
INVERT_PRIOR_WEIGHT = 0.01
INVERT_ITERATIONS = 8


@dataclass
class OutputField:
    """One output column: name, 'double' or 'int', and a comment (units)."""

    name: str
    kind: str
    comment: str


@dataclass
class SurveyPrediction:
    """Result for a survey of N points; arrays cover the ``used`` points only.

    used: (N,) bool; skipped_missing / skipped_nonpositive / skipped_implausible: counts; ec_mS_m: list of (n_used, L_k)
    EC in mS/m per output layering of the model (finest first); ec_std_log10: the same for the
    ensemble spread (None where the model has none); ec_halfspace_mS_m: (n_used,) or None;
    misfit_pct: (n_used,) relative RMS misfit in %; extrapolated: (n_used,) bool; ood_score:
    (n_used,) or None; n_floored: (n_used,) int; fields: the output columns in order, each with
    its values in ``columns()`` (values['DOI_M']: depth of investigation in m, emiai_core.doi);
    warnings: for the user's log.
    """

    used: np.ndarray
    skipped_missing: int
    skipped_nonpositive: int
    ec_mS_m: list
    ec_std_log10: list | None
    ec_halfspace_mS_m: np.ndarray | None
    misfit_pct: np.ndarray
    extrapolated: np.ndarray
    ood_score: np.ndarray | None
    n_floored: np.ndarray
    forward_model: str
    fields: list
    values: dict = field(default_factory=dict)
    warnings: list = field(default_factory=list)
    skipped_implausible: int = 0  # points with an ECa above MAX_PLAUSIBLE_ECA_MS_M
    n_inverted: int = 0  # refined points whose model came from the inversion without the network
    n_lateral_pairs: int = 0  # neighbour pairs coupled by the lateral constraints

    @property
    def n_used(self) -> int:
        return int(self.used.sum())

    @property
    def layer_fields(self) -> list:
        """Names of the EC layer columns (EC_<top>_<bottom>, also with a '_L<n>' suffix), in table order."""
        return [f.name for f in self.fields if f.kind == "double" and f.comment == EC_COMMENT]

    @property
    def value_fields(self) -> list:
        """Names of all value columns: EC layers, then ECSTD_… and EC_HS_… when present."""
        return [f.name for f in self.fields if f.name not in PREDICTION_FLAG_FIELDS and f.name != DOI_FIELD]

    def columns(self) -> dict:
        """Output column name -> (n_used,) array (EC in mS/m, spread, misfit %, flags), in table order."""
        return {f.name: self.values[f.name] for f in self.fields}

    def rows(self) -> list:
        """Output rows of the used points as lists of Python numbers, in table order."""
        doubles = [f.name for f in self.fields if f.kind == "double"]
        ints = [f.name for f in self.fields if f.kind == "int"]
        d = np.column_stack([self.values[n] for n in doubles]).tolist()
        i = np.column_stack([self.values[n] for n in ints]).tolist()
        return [a + b for a, b in zip(d, i)]  # doubles come first in self.fields

    def counts(self) -> dict:
        """The run's counts, keyed like predictec's numeric outputs."""
        med = float(np.median(self.misfit_pct)) if len(self.misfit_pct) else float("nan")
        net = self.values.get(NET_MISFIT_FIELD)
        doi = self.values.get(DOI_FIELD)
        doi = doi[np.isfinite(doi)] if doi is not None else np.array([])
        return {"N_INPUT": int(len(self.used)), "N_PREDICTED": self.n_used, "MISFIT_MEDIAN": med,
                "DOI_MEDIAN": float(np.median(doi)) if len(doi) else float("nan"),
                "NET_MISFIT_MEDIAN": float(np.median(net)) if net is not None and len(net) else med,
                "N_SKIPPED_MISSING": self.skipped_missing, "N_SKIPPED_NONPOSITIVE": self.skipped_nonpositive,
                "N_SKIPPED_IMPLAUSIBLE": self.skipped_implausible, "N_INVERTED": self.n_inverted,
                "N_EXTRAPOLATED": int(self.extrapolated.sum()), "N_FLOORED": int(np.sum(self.n_floored))}

    def summary(self) -> list:
        """Lines for the log: counts, median misfit, EC range per layer column."""
        lines = [f"Predicted {self.n_used} of {len(self.used)} points "
                 f"({self.skipped_missing} empty, {self.skipped_nonpositive} with ECa ≤ 0 skipped); "
                 f"{int(self.extrapolated.sum())} outside the training range; "
                 f"median misfit {np.median(self.misfit_pct):.2f} % ({self.forward_model})."]
        for name in self.value_fields:
            col = self.values[name]
            unit = "log10" if name.startswith(EC_STD_PREFIX) else "mS/m"
            lines.append(f"  {name}: {col.min():8.2f} … {col.max():8.2f} {unit} (median {np.median(col):.2f})")
        doi = self.values.get(DOI_FIELD)
        if doi is not None and np.isfinite(doi).any():
            lines.append(f"  {DOI_FIELD}: {np.nanmin(doi):8.2f} … {np.nanmax(doi):8.2f} m (median "
                         f"{np.nanmedian(doi):.2f}): depth of investigation, "
                         f"{100 * (1 - DOI_CUTOFF):.0f} % of the deepest coil's signal from above")
        return lines


def data_misfit_pct_all(eca, ec, edges, groups, forward_model) -> np.ndarray:
    """data_misfit_pct over soundings grouped by height: groups = [(mask, coils), …]."""
    out = np.zeros(len(eca))
    for at, coils in groups:
        out[at] = data_misfit_pct(eca[at], ec[at], edges, coils, forward_model)
    return out


def refinement_settings(model, forward_model: str, method: str):
    """InversionSettings for a model: its training noise and the regularisation stored in its file
    (``refinement``, tuned on training profiles) or the defaults; 'invert' iterates more."""
    from .inversion import InversionSettings

    stored = (getattr(model, "metadata", {}) or {}).get("refinement") or {}
    base = InversionSettings()
    noise = float(getattr(model, "noise_relative", 0.0) or base.noise_relative)
    return InversionSettings(
        forward_model=forward_model, noise_relative=noise,
        vertical_smoothing=float(stored.get("vertical_smoothing") or base.vertical_smoothing) if method == "refine"
        else INVERT_VERTICAL_SMOOTHING,
        prior_weight=float(stored.get("prior_weight") or base.prior_weight) if method == "refine"
        else INVERT_PRIOR_WEIGHT,
        n_iter=int(stored.get("n_iter") or base.n_iter) if method == "refine" else INVERT_ITERATIONS,
        bounds_S_m=base.bounds_S_m)  # physics may go where the network cannot: physical bounds only


def _line_blocks(n: int, pairs, n_blocks: int) -> list:
    """[lo, hi) index ranges that cut n soundings into about n_blocks blocks without cutting a
    line: pairs (E, 2) link consecutive soundings (i, i + 1), and a block ends only where no pair
    links i - 1 and i."""
    linked = np.zeros(max(n - 1, 0), dtype=bool)
    linked[np.asarray(pairs, dtype=np.int64).reshape(-1, 2)[:, 0]] = True
    starts = np.r_[0, np.flatnonzero(~linked) + 1]  # where a line (or a lone sounding) begins
    cuts = np.unique(starts[np.searchsorted(starts, np.linspace(0, n, n_blocks + 1)[1:-1])
                            .clip(0, len(starts) - 1)])
    edges = np.unique(np.r_[0, cuts, n])
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]


#: A refined model whose misfit stays above this many times the noise is also inverted without the
#: network (homogeneous start); the model that fits better is kept.
FALLBACK_NOISE_FACTOR = 2.0


def _invert_where_unfitted(eca, refined, misfit, edges, groups, model, forward_model, warnings) -> int:
    """Where the refinement of the network's prediction does not fit the data within
    FALLBACK_NOISE_FACTOR × the noise (typically far outside the training range: the network's
    start is in the wrong valley), run the inversion without the network there and keep its model
    where it fits better; ``refined`` and ``misfit`` are updated in place. Returns the count."""
    from .inversion import invert

    settings = refinement_settings(model, forward_model, "invert")
    poor = np.isfinite(misfit) & (misfit > FALLBACK_NOISE_FACTOR * 100.0 * settings.noise_relative)
    if not poor.any():
        return 0
    n_better = 0
    for at, coils in groups:
        idx = np.flatnonzero(poor & at)
        if idx.size == 0:
            continue
        inv = invert(eca[idx], edges, coils, settings)
        ok = np.all(np.isfinite(inv.ec) & (inv.ec > 0), axis=1) & (inv.misfit_pct < misfit[idx])
        refined[idx[ok]], misfit[idx[ok]] = inv.ec[ok], inv.misfit_pct[ok]
        n_better += int(ok.sum())
    warnings.append(f"{int(poor.sum())} point(s) not fitted within {FALLBACK_NOISE_FACTOR:g} × the noise after "
                    f"refining the network's model: an inversion without the network fitted {n_better} of them "
                    "better and is kept there (the network's start was far from the data).")
    return n_better


def data_misfit_pct(eca_measured, ec, layer_edges, coils, forward_model="FSlin") -> np.ndarray:
    """Relative RMS misfit (%) between measured ECa and the forward response of models ``ec``.

    eca_measured: (N, n_coils) S/m (> 0); ec: (N, L) S/m; layer_edges: (L+1,) m.
    """
    pred = forward_eca(ec, layer_edges, coils, model=forward_model)
    rel = (pred - eca_measured) / eca_measured
    return 100.0 * np.sqrt(np.mean(rel * rel, axis=1))


def output_fields(model, forward_model: str, add_coarse: bool = False, method: str = "network") -> tuple[list, list]:
    """(output layerings written (indices into model.output_layerings()), OutputField list) of a
    prediction table: the finest layering first, the coarser ones on request (a name already taken
    gets a '_L<n>' suffix), the ensemble spread of the finest layering (ECSTD_…) and the half-space
    (EC_HS_…) when the model predicts them, then the misfit, the OOD score and the flags."""
    layerings = model.output_layerings()
    chosen = list(range(len(layerings))) if add_coarse else [0]
    names = []
    for k in chosen:
        for name in layer_field_names(layerings[k]):
            names.append(name if name not in names else f"{name}_L{len(layerings[k]) - 1}")
    out = [OutputField(n, "double", EC_COMMENT) for n in names]
    if _is_ensemble(model):
        out += [OutputField(n, "double", "std of log10 EC across the ensemble members")
                for n in layer_field_names(layerings[0], EC_STD_PREFIX)]
        out.append(OutputField(halfspace_field_name(layerings[0][-1]), "double",
                               f"EC (mS/m) of the half-space below {layerings[0][-1]:g} m"))
    how = {"refine": ", after refinement", "invert": ", inversion"}.get(method, "")
    out.append(OutputField(MISFIT_FIELD, "double", f"{FIELD_COMMENTS[MISFIT_FIELD]}, {forward_model}{how}"))
    if method == "refine":
        out.append(OutputField(NET_MISFIT_FIELD, "double", f"{FIELD_COMMENTS[NET_MISFIT_FIELD]}, {forward_model}"))
    if _is_ensemble(model):
        out.append(OutputField(OOD_SCORE_FIELD, "double", FIELD_COMMENTS[OOD_SCORE_FIELD]))
    out.append(OutputField(DOI_FIELD, "double", f"{FIELD_COMMENTS[DOI_FIELD]} (CS sensitivity weighted by the "
                                                f"predicted EC; at most {doi_cap_m(model):g} m)"))
    out += [OutputField(n, "int", FIELD_COMMENTS[n]) for n in (EXTRAPOLATED_FIELD, FLOORED_FIELD, FIT_FLAG_FIELD)]
    return chosen, out


def doi_cap_m(model) -> float:
    """The largest DOI_M written: DOI_CAP_FACTOR x the model's target depth (its deepest layer edge)."""
    return DOI_CAP_FACTOR * float(model.output_layerings()[0][-1])


def _is_ensemble(model) -> bool:
    return getattr(model, "architecture", "cascade") == "direct"


def replaced_input_fields(input_names, output_names) -> list:
    """Input fields an output of predictec replaces: earlier layer fields (EC_…, ECSTD_…, also with
    a '_L<n>' suffix), the flags, DOI_M, and any field named like a new one."""
    out_set = set(output_names) | {DOI_FIELD}
    return sorted(n for n in input_names if is_layer_field(n) or n in out_set or n in PREDICTION_FLAG_FIELDS)


def coil_field_check(eca_fields, model_coils) -> tuple[list, list]:
    """(mismatches, unnamed) of ECa fields given for ``model_coils`` (in that order).

    mismatches: one text per field whose name is a coil ('HCP0.32', 'VCP0.71f30000h0', 'HMD1.18')
    of another orientation or spacing than the model's coil at its position, or the in-phase /
    error / quadrature column of a coil instead of its ECa; unnamed: the fields whose names are no
    coil ('a', 'Cond.1 [mS/m]'), which cannot be checked. Frequency and height are not compared
    (the height is HEIGHT_M's business)."""
    from .fields import parse_coil_field

    mismatches, unnamed = [], []
    for k, (name, wanted) in enumerate(zip(eca_fields, model_coils)):
        want = parse_coil(wanted)
        parsed = parse_coil_field(name)
        if parsed is None:
            unnamed.append(name)
            continue
        try:
            got = parse_coil(parsed[0])
        except ValueError:
            unnamed.append(name)
            continue
        what = [w for w, differs in (("orientation", got.orientation != want.orientation),
                                     ("coil spacing", abs(got.coil_spacing - want.coil_spacing) > 1e-6)) if differs]
        why = f"{' and '.join(what)} differ{'s' if len(what) == 1 else ''}" if what else ""
        if parsed[1]:  # VCP0.32_inph: not an ECa at all
            why = "; ".join(filter(None, [why, f"it is the {parsed[1]} column, not an ECa"]))
        if why:
            mismatches.append(f"field '{name}' ({got.orientation}, {got.coil_spacing:g} m) given for the model's "
                              f"coil {k + 1}, {want.name} ({want.orientation}, {want.coil_spacing:g} m): {why}")
    return mismatches, unnamed


COIL_MISMATCH_WHY = (
    "The network turns each input into EC at the depths that coil senses: an HCP coil senses about "
    "twice as deep as a VCP coil of the same spacing (70 % of the signal from above 1.59 vs 0.76 "
    "spacings) and the sensing depth grows with the spacing, so ECa of other coils give EC at wrong "
    "depths, with no error and a plausible-looking result.")


def height_warning(heights_m, model):
    """A warning when points were measured at another height than the model was trained for, or None.

    heights_m: (N,) instrument height of each point (m), NaN = unknown."""
    if heights_m is None:
        return None
    heights = np.asarray(heights_m, dtype=float)
    model_height = parse_coil(model.measured_coils[0]).height  # the coils carry the trained height
    off = np.isfinite(heights) & (np.abs(heights - model_height) > HEIGHT_TOLERANCE_M)
    if not off.any():
        return None
    return (f"{int(off.sum())} point(s) were measured at instrument height(s) "
            f"{', '.join(f'{h:g}' for h in np.unique(heights[off]))} m (field {HEIGHT_FIELD}) but the model was "
            f"trained for {model_height:g} m: its EC predictions are biased there. Use a model trained "
            f"for your height. {MISFIT_FIELD} is computed at the survey height.")


MAX_PLAUSIBLE_ECA_MS_M = 10_000.0  # 10 S/m


def units_warning(eca_mS_m):
    """A warning when ECa look like S/m rather than mS/m (median below 1), or None."""
    eca = np.asarray(eca_mS_m, dtype=float)
    med = np.nanmedian(eca) if np.isfinite(eca).any() else np.nan
    if np.isfinite(med) and med < 1.0:
        return f"Median ECa is {med:.3g}: values look like S/m, but mS/m are expected."
    return None


def predict_survey(model, eca_mS_m, nonpositive: str = "drop", forward_model: str = "FSlin", heights_m=None,
                   add_coarse: bool = False, method: str = "network", xy=None, lateral_smoothing: float = 0.0,
                   neighbour_distance_m: float = 2.0, progress=None) -> SurveyPrediction:
    """Predict EC for survey ECa (N, n_coils) in mS/m, in the order of model.measured_coils.

    nonpositive: 'drop' (skip points with ECa <= 0 and count them) or 'fail' (raise ValueError).
    Points with a missing value (NaN) are always skipped and counted. forward_model: forward model
    of the data misfit ('FSlin', 'CS', 'FSeq'). heights_m: (N,) instrument height of each point (m);
    the misfit is computed at that height (NaN or None: the model's coil heights). add_coarse: also
    put the coarser layerings in the output table. method: 'network' (the network's prediction),
    'refine' (the network's prediction refined with physics to fit the data, emiai_core.inversion)
    or 'invert' (a regularised inversion from a homogeneous start on the model's layering, no
    network). MISFIT_PCT is then the misfit after refinement, NET_MISFIT_PCT the network's.
    xy: (N, 2) positions in recording order (m); with lateral_smoothing > 0 the refinement couples
    consecutive soundings at most neighbour_distance_m apart (lateral constraints along the lines;
    lateral_smoothing is per pair 0.5 m apart, scaled by 0.5 m / distance: emiai_core.inversion.
    pair_weights; predictec's default is inversion.DEFAULT_LATERAL_SMOOTHING).
    progress: callable(fraction) during the refinement (it may raise to cancel).
    """
    if method not in METHODS:
        raise ValueError(f"Unknown method '{method}': use one of {', '.join(METHODS)}.")
    if nonpositive not in NONPOSITIVE_POLICIES:
        raise ValueError(f"Unknown policy for ECa <= 0 '{nonpositive}': use one of {', '.join(NONPOSITIVE_POLICIES)}.")
    if forward_model not in FORWARD_MODELS:
        raise ValueError(f"Unknown forward model '{forward_model}': use one of {', '.join(FORWARD_MODELS)}.")
    eca_mS_m = np.asarray(eca_mS_m, dtype=float)
    warnings = [w for w in (units_warning(eca_mS_m), height_warning(heights_m, model)) if w]
    missing = ~np.all(np.isfinite(eca_mS_m), axis=1)
    nonpos = ~missing & np.any(eca_mS_m <= 0, axis=1)
    if nonpositive == "fail" and nonpos.any():
        i = int(np.flatnonzero(nonpos)[0])
        raise ValueError(
            f"{int(nonpos.sum())} point(s) have ECa <= 0 mS/m (first: row {i}, values "
            f"{eca_mS_m[i].tolist()}). Negative ECa are not physical (drift, calibration or "
            "interference): fix or filter them, or use the 'drop' policy to skip and count them.")
    # ECa above 10 S/m (twice seawater) are no soil reading: wrong units or an instrument fault
    implausible = ~missing & ~nonpos & np.any(eca_mS_m > MAX_PLAUSIBLE_ECA_MS_M, axis=1)
    if implausible.any() and implausible.sum() == (~missing & ~nonpos).sum():
        i = int(np.flatnonzero(implausible)[0])
        raise ValueError(
            f"Every point has an ECa above {MAX_PLAUSIBLE_ECA_MS_M:g} mS/m (10 S/m, twice seawater; first: row "
            f"{i}, values {eca_mS_m[i].tolist()}): these are no soil readings. ECa fields must hold mS/m — "
            "convert µS/m by dividing by 1000 — or filter the survey ('Filter EMI survey', maximum ECa).")
    used = ~missing & ~nonpos & ~implausible
    if implausible.any():
        warnings.append(f"{int(implausible.sum())} point(s) skipped: an ECa above {MAX_PLAUSIBLE_ECA_MS_M:g} mS/m "
                        "(10 S/m) is no soil reading (instrument fault or units).")
    if missing.any():
        warnings.append(f"{int(missing.sum())} point(s) skipped: an ECa value or the position is empty.")
    if nonpos.any():
        warnings.append(f"{int(nonpos.sum())} point(s) dropped: ECa ≤ 0 mS/m.")
    eca = eca_mS_m[used] / MS_PER_S
    result = model.predict_layers(eca)
    layerings = model.output_layerings()
    ec_fine, edges = result.ec[0], layerings[0]
    if result.ec_halfspace is not None:  # the half-space below the target depth is part of the model
        ec_fine, edges = np.hstack([ec_fine, result.ec_halfspace[:, None]]), np.r_[edges, 2.0 * edges[-1]]
    heights = None if heights_m is None else np.asarray(heights_m, dtype=float)[used]
    if heights is None or not np.all(np.isfinite(heights)):
        heights = np.full(len(eca), np.nan)  # NaN = the model's own coil heights
    groups = []  # soundings measured at one height, with the coils at that height
    for h in np.unique(heights):
        at = heights == h if np.isfinite(h) else np.isnan(heights)
        groups.append((at, model.measured_coils if not np.isfinite(h) else as_coils(model.measured_coils, height=h)))
    misfit = np.zeros(len(eca))
    for at, coils in groups:
        misfit[at] = data_misfit_pct(eca[at], ec_fine[at], edges, coils, forward_model)
    net_misfit = None
    failed = np.zeros(len(eca), dtype=bool)
    n_fallback = n_pairs = 0
    if method != "network":
        from .inversion import homogeneous_start, line_neighbours, pair_weights, refine, refine_lateral

        settings = refinement_settings(model, forward_model, method)
        start = ec_fine if method == "refine" else homogeneous_start(eca, ec_fine.shape[1])
        refined = np.empty_like(ec_fine)
        done = 0
        pos = None if xy is None else np.asarray(xy, dtype=float)[used]
        for at, coils in groups:
            if lateral_smoothing > 0 and pos is not None:
                idx = np.flatnonzero(at)
                pairs = line_neighbours(pos[idx, 0], pos[idx, 1], neighbour_distance_m)  # (i, i + 1) in idx
                n_pairs += len(pairs)
                # lines do not interact: solve them in blocks of whole lines (progress, Cancel, smaller systems)
                for lo, hi in _line_blocks(len(idx), pairs, max(1, min(10, len(idx) // 2000))):
                    sub = pairs[(pairs[:, 0] >= lo) & (pairs[:, 0] < hi)] - lo
                    rows = idx[lo:hi]
                    out = refine_lateral(eca[rows], start[rows], edges, coils, sub, lateral_smoothing, settings,
                                         weights=pair_weights(pos[rows, 0], pos[rows, 1], sub))
                    refined[rows], misfit[rows] = out.ec, out.misfit_pct
                    done += len(rows)
                    if progress is not None:
                        progress(done / len(eca))
                continue
            # soundings are refined independently: in blocks, to report progress (≥ 10 steps)
            idx = np.flatnonzero(at)
            for block in np.array_split(idx, max(1, min(10, len(idx) // 2000))):
                out = refine(eca[block], start[block], edges, coils, settings)
                refined[block], misfit[block] = out.ec, out.misfit_pct
                done += len(block)
                if progress is not None:
                    progress(done / len(eca))
        if method == "refine":
            n_fallback = _invert_where_unfitted(eca, refined, misfit, edges, groups, model, forward_model, warnings)
        # a refinement that failed numerically keeps its start model, flagged (never NaN silently)
        failed = ~np.all(np.isfinite(refined) & (refined > 0), axis=1) | ~np.isfinite(misfit)
        if failed.any():
            refined[failed] = start[failed]
            misfit[failed] = data_misfit_pct_all(eca, start, edges, groups, forward_model)[failed]
            warnings.append(f"{int(failed.sum())} point(s): the refinement failed; the start model is kept "
                            f"({FIT_FLAG_FIELD} = 2).")
        net_misfit = None if method == "invert" else data_misfit_pct_all(eca, ec_fine, edges, groups, forward_model)
        ec_fine = refined
        n_t = len(layerings[0]) - 1
        result.ec = [ec_fine[:, :n_t]] + [resample_layers(ec_fine, edges, e) for e in layerings[1:]]
        if result.ec_halfspace is not None:
            result.ec_halfspace = ec_fine[:, -1]
    # depth of investigation of the final model, with the coils at each point's height (emiai_core.doi)
    doi = np.full(len(eca), np.nan)
    for at, coils in groups:
        doi[at] = depth_of_investigation(ec_fine[at], edges, coils, max_depth=doi_cap_m(model))
    chosen, fields = output_fields(model, forward_model, add_coarse, method)
    ec_mS_m = [e * MS_PER_S for e in result.ec]
    hs = None if result.ec_halfspace is None else result.ec_halfspace * MS_PER_S
    values = dict(zip((f.name for f in fields if f.kind == "double"),
                      [ec_mS_m[k][:, j] for k in chosen for j in range(ec_mS_m[k].shape[1])]))
    if _is_ensemble(model):
        std = result.ec_std_log10[0] if result.ec_std_log10 else np.zeros_like(result.ec[0])
        for j, name in enumerate(layer_field_names(layerings[0], EC_STD_PREFIX)):
            values[name] = std[:, j]
        values[halfspace_field_name(layerings[0][-1])] = hs
        values[OOD_SCORE_FIELD] = result.ood_score
    values[MISFIT_FIELD] = misfit
    values[DOI_FIELD] = doi
    noise_pct = 100.0 * (float(getattr(model, "noise_relative", 0.0) or 0.03))
    values[FIT_FLAG_FIELD] = np.where(failed, 2, (misfit > 2.0 * noise_pct).astype(int))
    if net_misfit is not None:
        values[NET_MISFIT_FIELD] = net_misfit
    values[EXTRAPOLATED_FIELD] = np.asarray(result.extrapolated, dtype=int)
    values[FLOORED_FIELD] = np.asarray(result.n_floored, dtype=int)
    return SurveyPrediction(used, int(missing.sum()), int(nonpos.sum()), ec_mS_m, result.ec_std_log10, hs,
                            misfit, np.asarray(result.extrapolated, bool), result.ood_score,
                            np.asarray(result.n_floored), forward_model, fields, values, warnings,
                            int(implausible.sum()), n_fallback, n_pairs)
