#!/usr/bin/env python
"""Refinement rows of the accuracy harness (issue #9 item 5): network + physics refinement, inversion
without a network, each with and without lateral constraints, on the held-out cases of
benchmarks/accuracy.py, with the regularisation tuned per fold on the *other* folds only.

Cases: the cases file of the accuracy run (default: the one named in benchmarks/output/accuracy_m5.json,
``cases_file``): 1,225 soundings every 0.5 m along 10 profiles, 6 leave-one-profile-out folds (``group``
B1..B6), the truth (12/6/4 layers, 1.5-3 m half-space), clean and noisy ECa (6 coils: VCP then HCP
0.32/0.71/1.18 m) and every method's held-out prediction. Nothing of the accuracy run is recomputed.

Data scenarios (same soundings, same truth):
  * ``independent``: the cases' own noisy ECa (``eca_noisy``, 3 % seeded Gaussian relative noise,
    independent per sounding and coil);
  * ``drift``: eca_clean x (1 + e_ind + e_drift): e_ind is exactly the cases' independent 3 % noise
    (eca_noisy / eca_clean - 1) and e_drift a stationary Gaussian AR(1) per profile and coil along the line
    (line order = distance_m), standard deviation DRIFT_SIGMA (3 %), correlation
    rho = exp(-step / DRIFT_LENGTH_M) between consecutive soundings (15 m correlation length; a profile is
    ~61 m long), seed [SEED, 2, crc32(profile)], coils independent. Total relative noise ~4.2 %, half its
    variance correlated along the line: lateral smoothing cannot average it away.

Starts (the networks): ``ours_vcp`` / ``ours_vcp_hcp`` = the accuracy run's held-out ensembles (trained per
fold without the held-out profiles); ``cascade`` = the published emiAI cascade (VCP; trained on all profiles:
optimistic), its deepest layer continued as the half-space. The accuracy run did not keep its networks, so
for the ``drift`` scenario the networks are retrained per fold exactly as in the accuracy run but with ONE
member (seed 0; the five members of the accuracy run agree within 0.003 in validation log10 RMSE), and
predict the drifted data; the published cascade is simply re-run on them. Their predictions are cached
(benchmarks/output/refinement_networks[_quick].npz).

Methods (emiai_core.inversion, FSlin, noise_relative 0.03, model = the 12 reference layers + a half-space
below 1.5 m, edges np.r_[REFERENCE_EDGES['L12'], 3.0]):
  * ``<start>+refine``: refine() from the network's prediction (the prior = the start);
  * ``<start>+refine+lateral``: refine_lateral() with line_neighbours over each profile's soundings in line
    order (max distance 0.6 m), run per fold (the held-out fold = one survey: its profiles together);
  * ``invert_<coils>``: invert() (homogeneous start, prior weight 0.01 towards it, 8 iterations: as predictec);
  * ``invert_<coils>+lateral``: refine_lateral() from the same homogeneous start, same settings, per fold.
  Tuning without leakage: every grid point is run on every sounding once; for held-out fold f the grid
  point with the lowest pooled 12-layer log10 RMSE on the soundings of the OTHER folds is chosen, and fold f
  is scored with it. (The network predictions of the other folds come from networks that were trained with
  fold f's profiles; the truth of fold f never enters its own choice.) ``[default]`` rows: the fixed
  settings predictec uses today (InversionSettings() for refine: vertical smoothing 100, prior weight 1,
  2 iterations; INVERT_VERTICAL_SMOOTHING 300, prior 0.01, 8 iterations for invert; lateral off). Those
  defaults were chosen by looking at these same cases: optimistic.

Scores as the harness (benchmarks/accuracy.py ``scores``/``misfit_pct``): 12/6/4-layer and 1.5-3 m log10
RMSE, MAE and bias (mS/m), R² (mean over layers), per layer, per fold; data misfit = relative RMS (%) of the
FSlin response of the 12 layers + half-space against the data the method used; time per sounding = wall
time of the refinement/inversion call (+ the network's own time from the accuracy JSON for refinements).

Goals (independent scenario, as the harness): ours_vcp+refine 12-layer log10 RMSE below EMagPy FSlin GN's
(VCP, on its subsample) and <= 75 % of the emiAI cascade's; ours_vcp_hcp+refine <= 70 %; ours_vcp_hcp+refine
+lateral <= 65 %; network + refinement >= 100x EMagPy FSlin GN's speed per sounding.

Usage:
    .venv/bin/python benchmarks/refinement.py --quick   # 3 folds, 40 soundings per profile, small grids (~2-3 min)
    .venv/bin/python benchmarks/refinement.py           # all 1,225 soundings, full grids (~20 min on 2 busy cores)
Writes benchmarks/output/refinement[_quick].json (git-ignored).
"""
from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import argparse  # noqa: E402
import itertools  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import zlib  # noqa: E402
from dataclasses import asdict, replace  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for p in (str(REPO), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import accuracy as acc  # noqa: E402  (benchmarks/accuracy.py: scores, misfit, cases conventions)

from emiai_core.inversion import (InversionSettings, homogeneous_start, invert, line_neighbours,  # noqa: E402
                                  refine, refine_lateral)
from emiai_core.layering import REFERENCE_EDGES  # noqa: E402
from emiai_core.prediction import INVERT_VERTICAL_SMOOTHING  # noqa: E402

OUT_DIR = REPO / "benchmarks" / "output"
EDGES13 = np.r_[np.asarray(REFERENCE_EDGES["L12"], float), acc.FINE_BOTTOM_M]  # 12 layers + half-space
NEIGHBOUR_DISTANCE_M = 0.6
DRIFT_SIGMA = 0.03
DRIFT_LENGTH_M = 15.0
INVERT_PRIOR_WEIGHT = 0.01  # predictec's invert (prediction.refinement_settings)
INVERT_N_ITER = 8
GRID_AXES = ("vertical_smoothing", "prior_weight", "n_iter", "lateral")
GOALS = {"vcp": 0.75, "vcp_hcp": 0.70, "vcp_hcp_lateral": 0.65, "speed": 100.0}
SCENARIOS = ("independent", "drift")
VARIANT_OF_START = {"ours_vcp": "vcp", "ours_vcp_hcp": "vcp_hcp", "cascade": "vcp"}
SETS = acc.SETS

say = acc.say


# ------------------------------------------------------------------------------------------ data
def line_order(cases, rows):
    """rows sorted by profile (in their order of appearance) then distance along the line."""
    prof = cases["profile"][rows]
    _, first = np.unique(prof, return_index=True)
    rank = {p: k for k, p in enumerate(prof[np.sort(first)])}
    key = np.array([rank[p] for p in prof])
    return rows[np.lexsort((cases["distance_m"][rows], key))]


def drift_noise(cases, sigma, length_m, seed):
    """(N, C) relative AR(1) drift per profile and coil along the line (see the module docstring)."""
    out = np.zeros_like(cases["eca_clean"])
    n_coils = out.shape[1]
    for p in sorted(set(cases["profile"].tolist())):
        idx = np.flatnonzero(cases["profile"] == p)
        idx = idx[np.argsort(cases["distance_m"][idx], kind="stable")]
        d = cases["distance_m"][idx]
        rng = np.random.default_rng([int(seed), 2, zlib.crc32(p.encode())])
        z = rng.standard_normal((len(idx), n_coils))
        e = np.empty((len(idx), n_coils))
        e[0] = sigma * z[0]
        for k in range(1, len(idx)):
            rho = np.exp(-abs(d[k] - d[k - 1]) / length_m)
            e[k] = rho * e[k - 1] + np.sqrt(1.0 - rho * rho) * sigma * z[k]
        out[idx] = e
    return out


def fold_pairs(cases, rows, max_distance=NEIGHBOUR_DISTANCE_M):
    """Neighbour pairs (local indices into ``rows``) along each profile, in line order, at most
    ``max_distance`` (m) apart."""
    out = []
    for p in sorted(set(cases["profile"][rows].tolist())):
        loc = np.flatnonzero(cases["profile"][rows] == p)
        loc = loc[np.argsort(cases["distance_m"][rows][loc], kind="stable")]
        out.append(line_neighbours(cases["x_m"][rows], cases["y_m"][rows], max_distance, order=loc))
    return np.vstack(out) if out else np.empty((0, 2), np.int64)


def with_hs(ec12, hs):
    return np.hstack([ec12, (ec12[:, -1] if hs is None else hs)[:, None]])


# ------------------------------------------------------------------------------ drift networks
def drift_networks(cases, eca_drift, rows, folds, args, acc_report):
    """One-member networks per fold (as the accuracy run, members=1) and the cascade on the drifted data;
    cached. Returns {start: {'independent': (N,13), 'drift': (N,13)}} (NaN outside ``rows``) and info."""
    ours = acc_report["settings"]["ours"]
    meta = {"seed": int(acc_report["settings"]["seed"]), "members": 1,
            "epochs": int(args.net_epochs or ours["max_epochs"]), "hidden": list(ours["hidden"]),
            "patience": ours["patience"], "batch_size": ours["batch_size"], "noise_copies": ours["noise_copies"],
            "test_fraction": ours["test_fraction"], "nmodels": ours["nmodels"], "folds": list(folds),
            "drift": [DRIFT_SIGMA, DRIFT_LENGTH_M, args.seed], "n_rows": int(len(rows)),
            "rows_crc": zlib.crc32(np.asarray(rows, np.int64).tobytes()),
            "drift_crc": zlib.crc32(np.round(eca_drift[rows], 12).tobytes())}
    cache = args.net_cache
    if cache.is_file() and not args.retrain:
        with np.load(cache, allow_pickle=False) as z:
            if json.loads(str(z["meta"])) == meta:
                say(f"drift networks: cached {cache}")
                out = {k: {s: z[f"{k}_{s}"] for s in SCENARIOS} for k in ("ours1_vcp", "ours1_vcp_hcp", "cascade")}
                return out, json.loads(str(z["info"]))
    from emiai_core import ert
    from emiai_core.cascade import CascadeModel
    from emiai_core.model_file import default_model_path, load_model

    n = len(cases["profile"])
    out = {k: {s: np.full((n, 13), np.nan) for s in SCENARIOS} for k in ("ours1_vcp", "ours1_vcp_hcp", "cascade")}
    info = {"meta": meta, "folds": {}}
    cascade = load_model(default_model_path())
    if not isinstance(cascade, CascadeModel):
        raise SystemExit(f"{default_model_path()} is not the published emiAI cascade")
    data = {"independent": cases["eca_noisy"], "drift": eca_drift}
    vcp = [acc.COL[c] for c in acc.COILS_VCP]
    for s, eca in data.items():
        lp = cascade.predict_layers(eca[rows][:, vcp])
        by_n = {len(e) - 1: lp.ec[k] for k, e in enumerate(cascade.output_layerings())}
        out["cascade"][s][rows] = with_hs(by_n[12], None)
    check = np.max(np.abs(out["cascade"]["independent"][rows, :12] / cases["pred_emiai_cascade_L12"][rows] - 1))
    info["cascade_rerun_max_rel_diff_vs_cases"] = float(check)
    names = sorted(set(cases["profile"].tolist()))
    sections = {p: ert.load_profile_folder(acc.DATA / p) for p in names}
    targs = types.SimpleNamespace(seed=meta["seed"], nmodels=meta["nmodels"], hidden=tuple(meta["hidden"]),
                                  members=1, epochs=meta["epochs"], batch_size=meta["batch_size"],
                                  patience=meta["patience"], noise_copies=meta["noise_copies"],
                                  test_fraction=meta["test_fraction"])
    workdir = tempfile.mkdtemp(prefix="emiai_refinement_")
    try:
        for fold in folds:
            held = sorted(set(cases["profile"][cases["group"] == fold].tolist()))
            train_profiles = [p for p in names if p not in held]
            frows = rows[cases["group"][rows] == fold]
            t0 = time.perf_counter()
            models, tinfo = acc.train_fold(train_profiles, sections, targs, acc.VARIANTS, workdir, fold)
            info["folds"][fold] = {"train_s": time.perf_counter() - t0,
                                   "epochs_run": {v: x["epochs_run"] for v, x in tinfo["variants"].items()}}
            for variant, model in models.items():
                cols = [acc.COL[c] for c in acc.VARIANTS[variant]]
                for s, eca in data.items():
                    lp = model.predict_layers(eca[frows][:, cols])
                    out[f"ours1_{variant}"][s][frows] = with_hs(lp.ec[0], lp.ec_halfspace)
            say(f"  drift networks fold {fold}: {time.perf_counter() - t0:.0f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(cache, meta=json.dumps(meta), info=json.dumps(info, default=float),
                        **{f"{k}_{s}": v[s] for k, v in out.items() for s in SCENARIOS})
    return out, info


# ----------------------------------------------------------------------------------------- grids
def settings_of(combo):
    base = InversionSettings(forward_model="FSlin", noise_relative=acc.NOISE)
    return replace(base, vertical_smoothing=float(combo["vertical_smoothing"]),
                   prior_weight=float(combo["prior_weight"]), n_iter=int(combo["n_iter"]))


def grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, vals)) for vals in itertools.product(*(axes[k] for k in keys))]


def combo_key(c):
    return ",".join(f"{k}={c[k]:g}" for k in sorted(c))


def run_family(family, eca, start, coils, combo, cases, rows, folds):
    """(N,13) result on ``rows`` (NaN elsewhere), wall s, cpu s, accepted steps. Lateral runs go per fold."""
    n = len(cases["profile"])
    ec = np.full((n, 13), np.nan)
    st = settings_of(combo)
    t0, c0 = time.perf_counter(), time.process_time()
    if family in ("refine", "invert"):
        if family == "refine":
            r = refine(eca[rows], start[rows], EDGES13, coils, st)
        else:
            r = invert(eca[rows], EDGES13, coils, st)
        ec[rows] = r.ec
    else:
        for f in folds:
            fr = rows[cases["group"][rows] == f]
            s0 = start[fr] if family == "refine_lat" else homogeneous_start(eca[fr], 13)
            r = refine_lateral(eca[fr], s0, EDGES13, coils, fold_pairs(cases, fr), float(combo["lateral"]), st)
            ec[fr] = r.ec
    return ec, time.perf_counter() - t0, time.process_time() - c0


def l12_rmse(cases, ec, rows):
    return acc.log10_rmse(cases["true_L12"][rows], ec[rows, :12])


def nested_choice(cases, results, rows, folds):
    """Per fold: the grid point with the lowest pooled 12-layer log10 RMSE on the other folds' soundings."""
    out = {}
    for f in folds:
        other = rows[cases["group"][rows] != f]
        cand = {k: l12_rmse(cases, r["ec"], other) for k, r in results.items()}
        best = min(cand, key=cand.get)
        out[f] = {"chosen": best, "tuning_log10_rmse_L12": cand[best], "n_tuning": int(len(other))}
    return out


# ----------------------------------------------------------------------------------------- scores
def score_block(cases, ec13, eca_used, coils, rows):
    sets = acc.layer_sets_from12(ec13[rows, :12], ec13[rows, 12])
    out = {s: acc.scores(cases[f"true_{s}"][rows], sets[s]) for s in SETS}
    out["halfspace_1.5_3m"] = acc.scores(cases["true_hs"][rows][:, None], sets["hs"][:, None])
    out["misfit_pct"] = acc.misfit_summary(acc.misfit_pct(ec13[rows, :12], ec13[rows, 12], eca_used[rows], coils))
    return out


# ------------------------------------------------------------------------------------------- main
def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="check run: folds B4,B5,B6, the first 40 soundings of each profile, small grids, "
                         "drift networks with 3 epochs")
    ap.add_argument("--accuracy-json", type=Path, default=OUT_DIR / "accuracy_m5.json",
                    help="the accuracy run whose cases, EMagPy scores and times are used")
    ap.add_argument("--cases", type=Path, help="cases .npz (default: the accuracy JSON's cases_file)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the drift noise")
    ap.add_argument("--retrain", action="store_true", help="retrain the drift networks even if cached")
    ap.add_argument("--net-epochs", type=int, help="max epochs of the drift networks (default: the accuracy run's)")
    ap.add_argument("--timing-repeats", type=int, help="repeats of the timing pass (best of; default 3, quick 1)")
    ap.add_argument("--json", type=Path, help="output JSON (default benchmarks/output/refinement[_quick].json)")
    a = ap.parse_args(argv)
    q = a.quick
    if q and a.net_epochs is None:
        a.net_epochs = 3
    a.timing_repeats = a.timing_repeats or (1 if q else 3)
    a.json = a.json or OUT_DIR / ("refinement_quick.json" if q else "refinement.json")
    a.net_cache = OUT_DIR / ("refinement_networks_quick.npz" if q else "refinement_networks.npz")
    if q:
        a.grids = {"refine": grid(vertical_smoothing=(30, 100), prior_weight=(1,), n_iter=(1, 2)),
                   "refine_lat": grid(vertical_smoothing=(30, 100), prior_weight=(1,), n_iter=(2,),
                                      lateral=(10, 100)),
                   "invert": grid(vertical_smoothing=(100, 300), prior_weight=(INVERT_PRIOR_WEIGHT,),
                                  n_iter=(INVERT_N_ITER,)),
                   "invert_lat": grid(vertical_smoothing=(300,), prior_weight=(INVERT_PRIOR_WEIGHT,),
                                      n_iter=(INVERT_N_ITER,), lateral=(10, 100))}
    else:
        # the brief's grids, plus prior weight 10 (close to "no refinement"), lambda_lat 1000 and vertical
        # smoothing 1000 for invert (300 is the edge of the brief's grid); lateral runs use 2 iterations only
        vs, pw, lam = (10, 30, 100, 300), (0.1, 1, 10), (1, 10, 100, 1000)
        a.grids = {"refine": grid(vertical_smoothing=vs, prior_weight=pw, n_iter=(1, 2)),
                   "refine_lat": grid(vertical_smoothing=vs, prior_weight=pw, n_iter=(2,), lateral=lam),
                   "invert": grid(vertical_smoothing=vs + (1000,), prior_weight=(INVERT_PRIOR_WEIGHT,),
                                  n_iter=(INVERT_N_ITER,)),
                   "invert_lat": grid(vertical_smoothing=(100, 300, 1000), prior_weight=(INVERT_PRIOR_WEIGHT,),
                                      n_iter=(INVERT_N_ITER,), lateral=(10, 100, 1000))}
    return a


DEFAULTS = {"refine": {"vertical_smoothing": InversionSettings().vertical_smoothing,
                       "prior_weight": InversionSettings().prior_weight, "n_iter": InversionSettings().n_iter},
            "invert": {"vertical_smoothing": INVERT_VERTICAL_SMOOTHING, "prior_weight": INVERT_PRIOR_WEIGHT,
                       "n_iter": INVERT_N_ITER}}


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    env = acc.machine_info()
    acc_report = json.loads(args.accuracy_json.read_text())
    cases_path = args.cases or Path(acc_report["cases_file"])
    if not cases_path.is_absolute():
        cases_path = REPO / cases_path
    with np.load(cases_path, allow_pickle=False) as z:
        cases = {k: z[k] for k in z.files}
    cases["profile"] = cases["profile"].astype(str)
    cases["group"] = cases["group"].astype(str)
    coils_all = [str(c) for c in cases["coils"]]
    if coils_all != list(acc.COILS_ALL):
        raise SystemExit(f"cases coils {coils_all} differ from the harness' {acc.COILS_ALL}")
    groups = sorted(set(cases["group"].tolist()))
    if args.quick:
        folds = ["B4", "B5", "B6"]
        rows = np.concatenate([line_order(cases, np.flatnonzero(cases["profile"] == p))[:40]
                               for p in sorted(set(cases["profile"][np.isin(cases["group"], folds)].tolist()))])
    else:
        folds = groups
        rows = np.arange(len(cases["profile"]))
    rows = line_order(cases, rows)
    say(f"refinement harness ({'quick' if args.quick else 'full'}): {len(rows)} soundings, folds {folds}, "
        f"cases {cases_path.name}")

    e_ind = cases["eca_noisy"] / cases["eca_clean"] - 1.0
    e_drift = drift_noise(cases, DRIFT_SIGMA, DRIFT_LENGTH_M, args.seed)
    eca_drift = cases["eca_clean"] * (1.0 + e_ind + e_drift)
    data = {"independent": cases["eca_noisy"], "drift": eca_drift}
    noise_stats = {s: {"rel_std_total": float(np.std(d[rows] / cases["eca_clean"][rows] - 1.0))}
                   for s, d in data.items()}
    noise_stats["drift"]["rel_std_drift_part"] = float(np.std(e_drift[rows]))
    lag = {}
    for k in (1, 10, 30, 60):  # empirical autocorrelation of the drift at k steps (0.5 m each)
        a_, b_ = [], []
        for p in sorted(set(cases["profile"][rows].tolist())):
            r = line_order(cases, rows[cases["profile"][rows] == p])
            if len(r) > k:
                a_.append(e_drift[r[:-k]])
                b_.append(e_drift[r[k:]])
        if a_:
            a_, b_ = np.concatenate(a_).ravel(), np.concatenate(b_).ravel()
            lag[f"{k * acc.STEP_M:g} m"] = float(np.corrcoef(a_, b_)[0, 1])
    noise_stats["drift"]["autocorrelation"] = lag

    nets, net_info = drift_networks(cases, eca_drift, rows, folds, args, acc_report)
    starts = {"independent": {"ours_vcp": with_hs(cases["pred_ours_vcp_L12"], cases["pred_ours_vcp_hs"]),
                              "ours_vcp_hcp": with_hs(cases["pred_ours_vcp_hcp_L12"], cases["pred_ours_vcp_hcp_hs"]),
                              "cascade": with_hs(cases["pred_emiai_cascade_L12"], None)},
              "drift": {"ours_vcp": nets["ours1_vcp"]["drift"], "ours_vcp_hcp": nets["ours1_vcp_hcp"]["drift"],
                        "cascade": nets["cascade"]["drift"]}}
    variant_coils = {v: list(c) for v, c in acc.VARIANTS.items()}
    variant_cols = {v: [acc.COL[c] for c in cs] for v, cs in acc.VARIANTS.items()}
    net_time = {"ours_vcp": acc_report["time_per_sounding"]["ours_vcp"]["wall_s_per_sounding"],
                "ours_vcp_hcp": acc_report["time_per_sounding"]["ours_vcp_hcp"]["wall_s_per_sounding"],
                "cascade": acc_report["time_per_sounding"]["emiai_cascade"]["wall_s_per_sounding"]}

    # ---- the grid runs
    jobs = []  # (scenario, family, start or variant)
    for s in SCENARIOS:
        for st in ("ours_vcp", "ours_vcp_hcp", "cascade"):
            jobs += [(s, "refine", st), (s, "refine_lat", st)]
        for v in ("vcp", "vcp_hcp"):
            jobs += [(s, "invert", v), (s, "invert_lat", v)]
    grid_results = {}
    for s, fam, who in jobs:
        variant = VARIANT_OF_START.get(who, who)
        eca = data[s][:, variant_cols[variant]]
        start = starts[s][who] if fam.startswith("refine") else None
        res, t0 = {}, time.perf_counter()
        for combo in args.grids[fam]:
            ec, wall, cpu = run_family(fam, eca, start, variant_coils[variant], combo, cases, rows, folds)
            res[combo_key(combo)] = {"combo": combo, "ec": ec, "wall_s": wall, "cpu_s": cpu}
        grid_results[(s, fam, who)] = res
        say(f"  {s}/{fam}/{who}: {len(res)} grid points, {time.perf_counter() - t0:.0f} s")

    # ---- methods: network, tuned, defaults
    preds, method_info = {s: {} for s in SCENARIOS}, {s: {} for s in SCENARIOS}
    n_rows = len(rows)
    for s in SCENARIOS:
        for st in ("ours_vcp", "ours_vcp_hcp", "cascade"):
            preds[s][f"{st}"] = starts[s][st]
            method_info[s][st] = {"variant": VARIANT_OF_START[st], "ms_per_sounding": 1000 * net_time[st],
                                  "kind": "network"}
        for (sc, fam, who), res in grid_results.items():
            if sc != s:
                continue
            variant = VARIANT_OF_START.get(who, who)
            base = {"refine": f"{who}+refine", "refine_lat": f"{who}+refine+lateral", "invert": f"invert_{who}",
                    "invert_lat": f"invert_{who}+lateral"}[fam]
            choice = nested_choice(cases, res, rows, folds)
            ec = np.full_like(next(iter(res.values()))["ec"], np.nan)
            wall = cpu = 0.0
            for f in folds:
                fr = rows[cases["group"][rows] == f]
                r = res[choice[f]["chosen"]]
                ec[fr] = r["ec"][fr]
                wall += r["wall_s"] * len(fr) / n_rows  # grid runs cover all rows (lateral: per fold, summed)
                cpu += r["cpu_s"] * len(fr) / n_rows
            extra = net_time.get(who, 0.0) if fam.startswith("refine") else 0.0
            preds[s][base] = ec
            method_info[s][base] = {"variant": variant, "kind": fam, "chosen_per_fold": {
                f: dict(res[choice[f]["chosen"]]["combo"], tuning_log10_rmse_L12=choice[f]["tuning_log10_rmse_L12"],
                        n_tuning=choice[f]["n_tuning"]) for f in folds},
                "ms_per_sounding": 1000 * (wall / n_rows + extra), "cpu_ms_per_sounding": 1000 * (cpu / n_rows + extra)}
            if fam in ("refine", "invert"):
                d = DEFAULTS[fam]
                key = combo_key(d)
                if key in res:
                    r = res[key]
                else:  # default not on the grid (quick): run it
                    ecd, w, c = run_family(fam, data[s][:, variant_cols[variant]],
                                           starts[s][who] if fam == "refine" else None, variant_coils[variant], d,
                                           cases, rows, folds)
                    r = {"ec": ecd, "wall_s": w, "cpu_s": c}
                preds[s][base + "[default]"] = r["ec"]
                method_info[s][base + "[default]"] = {"variant": variant, "kind": fam + "_default", "settings": d,
                                                      "ms_per_sounding": 1000 * (r["wall_s"] / n_rows + extra),
                                                      "cpu_ms_per_sounding": 1000 * (r["cpu_s"] / n_rows + extra)}
        if s == "independent":  # the one-member networks, to put the drift scenario's networks in scale
            for v in ("vcp", "vcp_hcp"):
                preds[s][f"ours1_{v}"] = nets[f"ours1_{v}"]["independent"]
                method_info[s][f"ours1_{v}"] = {"variant": v, "kind": "network (1 member, retrained)",
                                                "ms_per_sounding": float("nan")}

    # ---- scores
    sub_rows = rows[cases["in_subsample"][rows]]
    tables = {}
    for s in SCENARIOS:
        t = {"all": {}, "subsample": {}, "per_fold": {}}
        for m, ec in preds[s].items():
            v = method_info[s][m]["variant"]
            eca = data[s][:, variant_cols[v]]
            t["all"][m] = score_block(cases, ec, eca, variant_coils[v], rows)
            if len(sub_rows):
                t["subsample"][m] = score_block(cases, ec, eca, variant_coils[v], sub_rows)
            t["per_fold"][m] = {f: score_block(cases, ec, eca, variant_coils[v], rows[cases["group"][rows] == f])
                                for f in folds}
        if s == "independent":  # EMagPy baselines of the accuracy run (its predictions in the cases file)
            for v in ("vcp", "vcp_hcp"):
                m = f"emagpy_fslin_{v}"
                ec = with_hs(cases[f"pred_{m}_L12"], None)
                eca = data[s][:, variant_cols[v]]
                if len(sub_rows):
                    t["subsample"][m] = score_block(cases, ec, eca, variant_coils[v], sub_rows)
                t["per_fold"][m] = {f: score_block(cases, ec, eca, variant_coils[v],
                                                   sub_rows[cases["group"][sub_rows] == f]) for f in folds
                                    if np.any(cases["group"][sub_rows] == f)}
                emag_s = acc_report["time_per_sounding"][m]["wall_s_per_sounding"]
                method_info[s][m] = {"variant": v, "kind": "EMagPy (accuracy run)", "ms_per_sounding": 1000 * emag_s}
        tables[s] = t

    # ---- timing pass (best of N) for the goal rows, with the most often chosen settings
    timing = {}
    for m, fam, who in (("ours_vcp+refine", "refine", "ours_vcp"), ("ours_vcp_hcp+refine", "refine", "ours_vcp_hcp"),
                        ("ours_vcp_hcp+refine+lateral", "refine_lat", "ours_vcp_hcp"),
                        ("ours_vcp+refine[default]", "refine", "ours_vcp")):
        chosen = [combo_key({k: v for k, v in c.items() if k in GRID_AXES})
                  for c in method_info["independent"].get(m, {}).get("chosen_per_fold", {}).values()]
        if m.endswith("[default]"):
            combo = DEFAULTS["refine"]
        else:
            key = max(set(chosen), key=chosen.count)
            combo = grid_results[("independent", fam, who)][key]["combo"]
        variant = VARIANT_OF_START[who]
        best = None
        for _ in range(args.timing_repeats):
            _, w, c = run_family(fam, data["independent"][:, variant_cols[variant]], starts["independent"][who],
                                 variant_coils[variant], combo, cases, rows, folds)
            best = (w, c) if best is None or w < best[0] else best
        emag = acc_report["time_per_sounding"][f"emagpy_fslin_{variant}"]
        tot_w, tot_c = best[0] / n_rows + net_time[who], best[1] / n_rows + net_time[who]
        timing[m] = {"combo": combo, "wall_ms_per_sounding": 1000 * tot_w, "cpu_ms_per_sounding": 1000 * tot_c,
                     "emagpy_fslin_wall_ms": 1000 * emag["wall_s_per_sounding"],
                     "emagpy_fslin_cpu_ms": 1000 * emag["cpu_s_per_sounding"],
                     "speedup_wall": emag["wall_s_per_sounding"] / tot_w,
                     "speedup_cpu": emag["cpu_s_per_sounding"] / tot_c, "repeats": args.timing_repeats}
        say(f"  timing {m}: {1000 * tot_w:.2f} ms/sounding wall ({timing[m]['speedup_wall']:.0f}x EMagPy FSlin GN)")

    goals = compute_goals(tables, timing)
    env["loadavg_end"] = list(os.getloadavg())
    env["total_s"] = time.perf_counter() - t_start
    report = {
        "command": "benchmarks/refinement.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "environment": env, "accuracy_json": str(args.accuracy_json), "cases_file": str(cases_path),
        "accuracy_command": acc_report.get("command"),
        "settings": {"quick": args.quick, "folds": folds, "n_soundings": int(n_rows), "n_subsample": int(len(sub_rows)),
                     "edges_m": EDGES13.tolist(), "forward_model": "FSlin", "noise_relative": acc.NOISE,
                     "neighbour_distance_m": NEIGHBOUR_DISTANCE_M,
                     "n_neighbour_pairs": int(sum(len(fold_pairs(cases, rows[cases["group"][rows] == f]))
                                                  for f in folds)),
                     "drift": {"sigma": DRIFT_SIGMA, "correlation_length_m": DRIFT_LENGTH_M, "seed": args.seed,
                               "model": "eca_clean * (1 + e_ind + e_drift); e_ind = the cases' 3 % noise; e_drift = "
                                        "stationary AR(1) per profile and coil along the line, rho = exp(-step / L), "
                                        "seed [seed, 2, crc32(profile)]"},
                     "noise": noise_stats,
                     "grids": {k: [dict(c) for c in v] for k, v in args.grids.items()},
                     "defaults": DEFAULTS,
                     "inversion_settings_base": asdict(InversionSettings(forward_model="FSlin",
                                                                         noise_relative=acc.NOISE))},
        "drift_networks": net_info,
        "methods": method_info,
        "scores": tables,
        "timing": timing,
        "goals": goals,
        "notes": [
            "Tuning is nested: for held-out fold f the grid point is chosen on the other folds' soundings only "
            "(pooled 12-layer log10 RMSE). Their network predictions come from networks trained with fold f's "
            "profiles; fold f's truth never enters its own choice.",
            "[default] rows use the fixed settings predictec uses today; they were chosen on these same cases: "
            "optimistic.",
            "The cascade was trained on all profiles, held-out ones included: its rows are optimistic.",
            "drift scenario: the 'ours' networks are one-member retrainings (same recipe) and the cascade is re-run on "
            "the drifted data; EMagPy was not run on the drifted data.",
            "Grid-run times are single runs on a shared 2-core machine; the timing block is best of N."],
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, default=float))
    print(render(report))
    say(f"wrote {args.json} ({env['total_s'] / 60:.1f} min)")
    return report


def compute_goals(tables, timing):
    ind = tables["independent"]
    al, sb = ind["all"], ind["subsample"]

    def r12(t, m):
        return t[m]["L12"]["log10_rmse"] if m in t else float("nan")

    casc = r12(al, "cascade")
    g = {}
    m = "ours_vcp+refine"
    g["vcp_refine"] = {
        "goal": f"ours_vcp+refine 12-layer log10 RMSE < EMagPy FSlin GN VCP (subsample) and <= {GOALS['vcp']:.0%} "
                "of the emiAI cascade's", "value": r12(al, m), "value_subsample": r12(sb, m),
        "emagpy_fslin_vcp_subsample": r12(sb, "emagpy_fslin_vcp"), "cascade": casc,
        "ratio_to_cascade": r12(al, m) / casc, "ratio_to_cascade_subsample": r12(sb, m) / r12(sb, "cascade"),
        "network_only_ratio": r12(al, "ours_vcp") / casc}
    g["vcp_refine"]["pass"] = bool(r12(sb, m) < r12(sb, "emagpy_fslin_vcp") and r12(al, m) / casc <= GOALS["vcp"])
    for key, m, lim in (("vcp_hcp_refine", "ours_vcp_hcp+refine", GOALS["vcp_hcp"]),
                        ("vcp_hcp_refine_lateral", "ours_vcp_hcp+refine+lateral", GOALS["vcp_hcp_lateral"])):
        g[key] = {"goal": f"{m} 12-layer log10 RMSE <= {lim:.0%} of the emiAI cascade's (VCP)",
                  "value": r12(al, m), "cascade": casc, "ratio_to_cascade": r12(al, m) / casc,
                  "ratio_to_cascade_subsample": r12(sb, m) / r12(sb, "cascade"),
                  "emagpy_fslin_vcp_hcp_subsample": r12(sb, "emagpy_fslin_vcp_hcp"), "value_subsample": r12(sb, m),
                  "network_only_ratio": r12(al, "ours_vcp_hcp") / casc}
        g[key]["pass"] = bool(r12(al, m) / casc <= lim)
    sp = {m: t["speedup_wall"] for m, t in timing.items() if not m.endswith("[default]")}
    g["speed"] = {"goal": f"network + refinement >= {GOALS['speed']:g}x EMagPy FSlin GN per sounding (wall)",
                  "speedup_wall": sp, "speedup_cpu": {m: t["speedup_cpu"] for m, t in timing.items()},
                  "pass": bool(min(sp.values()) >= GOALS["speed"]) if sp else False}
    return g


# ------------------------------------------------------------------------------------------ output
ORDER = ("ours_vcp", "ours_vcp+refine", "ours_vcp+refine[default]", "ours_vcp+refine+lateral",
         "cascade", "cascade+refine", "cascade+refine[default]", "cascade+refine+lateral",
         "invert_vcp", "invert_vcp[default]", "invert_vcp+lateral", "emagpy_fslin_vcp",
         "ours_vcp_hcp", "ours_vcp_hcp+refine", "ours_vcp_hcp+refine[default]", "ours_vcp_hcp+refine+lateral",
         "invert_vcp_hcp", "invert_vcp_hcp[default]", "invert_vcp_hcp+lateral", "emagpy_fslin_vcp_hcp",
         "ours1_vcp", "ours1_vcp_hcp")


def render(report) -> str:
    out = []
    en, st = report["environment"], report["settings"]
    out.append(f"\nCommand: {report['command']}  ({en['date_utc']} UTC, {en['total_s'] / 60:.1f} min, load average "
               f"{en['loadavg_start'][0]:.2f} -> {en['loadavg_end'][0]:.2f}); cases: {report['cases_file']} "
               f"({report['accuracy_command']}); {st['n_soundings']} soundings, folds {', '.join(st['folds'])}, "
               f"{st['n_neighbour_pairs']} neighbour pairs (<= {st['neighbour_distance_m']} m)")
    ns = st["noise"]
    dr = ns["drift"]
    out.append(f"Noise: independent {100 * ns['independent']['rel_std_total']:.2f} % (relative std); drift scenario "
               f"{100 * dr['rel_std_total']:.2f} % total, of which drift {100 * dr['rel_std_drift_part']:.2f} %"
               " (autocorrelation " + ", ".join(f"{k}: {v:.2f}" for k, v in dr["autocorrelation"].items()) + ")")
    sc, mi = report["scores"], report["methods"]
    for s in SCENARIOS:
        t = sc[s]
        for which, title in (("all", f"all {st['n_soundings']} soundings"),
                             ("subsample", f"EMagPy FSlin subsample, {st['n_subsample']} soundings")):
            rows = [m for m in ORDER if m in t[which]]
            if not rows:
                continue
            out.append(f"\n{s} noise, {title}:\n")
            out.append("| method | L12 log10 RMSE | L6 | L4 | 1.5–3 m | L12 MAE mS/m | L12 R² | L12 bias mS/m "
                       "| misfit % median (p90) | ms/sounding |")
            out.append("|---|---|---|---|---|---|---|---|---|---|")
            for m in rows:
                v = t[which][m]
                ms = mi[s][m].get("ms_per_sounding", float("nan"))
                out.append(f"| {m} | {v['L12']['log10_rmse']:.4f} | {v['L6']['log10_rmse']:.4f} | "
                           f"{v['L4']['log10_rmse']:.4f} | {v['halfspace_1.5_3m']['log10_rmse']:.3f} | "
                           f"{v['L12']['mae_mS_m']:.2f} | {v['L12']['r2_mean']:.3f} | {v['L12']['bias_mS_m']:+.2f} | "
                           f"{v['misfit_pct']['median']:.2f} ({v['misfit_pct']['p90']:.1f}) | "
                           + (f"{ms:.3g}" if np.isfinite(ms) else "") + " |")
    edges = REFERENCE_EDGES["L12"]
    for s in SCENARIOS:
        t = sc[s]["all"]
        cols = [c for c in ("ours_vcp", "ours_vcp+refine", "ours_vcp+refine+lateral", "cascade", "cascade+refine",
                            "invert_vcp", "invert_vcp+lateral", "ours_vcp_hcp", "ours_vcp_hcp+refine",
                            "ours_vcp_hcp+refine+lateral", "invert_vcp_hcp", "invert_vcp_hcp+lateral") if c in t]
        out.append(f"\n{s} noise: 12-layer log10 RMSE per layer (all soundings):\n")
        out.append("| layer (m) | " + " | ".join(cols) + " |")
        out.append("|---|" + "---|" * len(cols))
        for i in range(12):
            out.append(f"| {edges[i]:.2f}–{edges[i + 1]:.2f} | "
                       + " | ".join(f"{t[c]['L12']['per_layer']['log10_rmse'][i]:.3f}" for c in cols) + " |")
        gains = [(f"{a} − {b}", a, b) for a, b in (("ours_vcp", "ours_vcp+refine"),
                                                     ("ours_vcp+refine", "ours_vcp+refine+lateral"),
                                                     ("ours_vcp_hcp", "ours_vcp_hcp+refine"),
                                                     ("ours_vcp_hcp+refine", "ours_vcp_hcp+refine+lateral"))
                 if a in t and b in t]
        out.append(f"\n{s} noise: per layer gain in 12-layer log10 RMSE (positive = better; refinement = network − "
                   "refined, lateral = refined − refined+lateral):\n")
        out.append("| layer (m) | " + " | ".join(g[0] for g in gains) + " |")
        out.append("|---|" + "---|" * len(gains))
        for i in range(12):
            out.append(f"| {edges[i]:.2f}–{edges[i + 1]:.2f} | " + " | ".join(
                f"{t[a]['L12']['per_layer']['log10_rmse'][i] - t[b]['L12']['per_layer']['log10_rmse'][i]:+.4f}"
                for _, a, b in gains) + " |")
    folds = st["folds"]
    for s in SCENARIOS:
        out.append(f"\n{s} noise: per fold 12-layer log10 RMSE (EMagPy FSlin: the fold's subsample):\n")
        out.append("| method | " + " | ".join(folds) + " |")
        out.append("|---|" + "---|" * len(folds))
        for m in [m for m in ORDER if m in sc[s]["per_fold"]]:
            pf = sc[s]["per_fold"][m]
            out.append(f"| {m} | " + " | ".join(f"{pf[f]['L12']['log10_rmse']:.3f}" if f in pf else "" for f in folds)
                       + " |")
    for s in SCENARIOS:
        out.append(f"\n{s} noise: regularisation chosen per fold on the other folds (vertical smoothing / prior "
                   "weight / iterations / λ_lat):\n")
        out.append("| method | " + " | ".join(folds) + " |")
        out.append("|---|" + "---|" * len(folds))
        for m in [m for m in ORDER if "chosen_per_fold" in mi[s].get(m, {})]:
            cells = []
            for f in folds:
                c = mi[s][m]["chosen_per_fold"][f]
                cell = f"{c['vertical_smoothing']:g}/{c['prior_weight']:g}/{c['n_iter']:g}"
                if "lateral" in c:
                    cell += f"/{c['lateral']:g}"
                cells.append(cell)
            out.append(f"| {m} | " + " | ".join(cells) + " |")
    g = report["goals"]
    a = g["vcp_refine"]
    out.append(f"\nGOAL VCP: ours_vcp+refine {a['value']:.4f} (subsample {a['value_subsample']:.4f}) vs EMagPy FSlin "
               f"GN {a['emagpy_fslin_vcp_subsample']:.4f} (subsample); ratio to the cascade "
               f"{a['ratio_to_cascade']:.3f} "
               f"(subsample {a['ratio_to_cascade_subsample']:.3f}; network alone {a['network_only_ratio']:.3f}), goal "
               f"< EMagPy and <= {GOALS['vcp']}: {'PASS' if a['pass'] else 'FAIL'}")
    for k, lim in (("vcp_hcp_refine", GOALS["vcp_hcp"]), ("vcp_hcp_refine_lateral", GOALS["vcp_hcp_lateral"])):
        a = g[k]
        out.append(f"GOAL {k}: {a['value']:.4f}, ratio to the cascade {a['ratio_to_cascade']:.3f} (subsample "
                   f"{a['ratio_to_cascade_subsample']:.3f}; network alone {a['network_only_ratio']:.3f}), goal <= "
                   f"{lim}: {'PASS' if a['pass'] else 'FAIL'}")
    out.append("GOAL speed (best of {}): ".format(next(iter(report["timing"].values()))["repeats"] if report["timing"]
                                                  else 0)
               + "; ".join(f"{m} {t['wall_ms_per_sounding']:.2f} ms = {t['speedup_wall']:.0f}x wall, "
                           f"{t['speedup_cpu']:.0f}x CPU" for m, t in report["timing"].items())
               + f", goal >= {GOALS['speed']:g}x: {'PASS' if g['speed']['pass'] else 'FAIL'}")
    return "\n".join(out)


if __name__ == "__main__":
    main()
