#!/usr/bin/env python
"""predictec's default refinement on the accuracy harness, both noise scenarios (issue #9 item 5).

What predictec does by default with a network (emiai_core.prediction.predict_survey, method 'refine'):
refinement with InversionSettings() (vertical smoothing 300, prior weight 10, one iteration, CS
Jacobian), lateral constraints between consecutive soundings of a line at most 2 m apart
(DEFAULT_LATERAL_SMOOTHING per pair, weights 0.5 m / distance: inversion.pair_weights), then the
inversion without the network where the misfit stays above FALLBACK_NOISE_FACTOR × the noise
(prediction._invert_where_unfitted, the code predictec runs). The same for method 'invert'.

Cases: benchmarks/output/accuracy_m5_cases.npz (1,225 held-out soundings every 0.5 m on the 10 TU Wien
profiles, 6 leave-one-profile-out folds; each fold's soundings form one survey). Scenarios as in
benchmarks/refinement.py: 'independent' (the cases' 3 % noise; 5-member ensembles) and 'drift' (plus a
3 % AR(1) drift along each line, 15 m correlation length; the one-member networks that
benchmarks/refinement.py trained and cached in benchmarks/output/refinement_networks.npz, and the
cascade re-run on the drifted data). Nothing is tuned here: every setting is predictec's fixed default.

Time per sounding: wall time of the default pipeline (refinement + lateral + fallback, network time not
included) over all soundings, against EMagPy 1.4.5 FSlin Gauss-Newton's time per sounding in the accuracy
run (benchmarks/output/accuracy_m5.json; its VCP or VCP + HCP inversion).

Usage: .venv/bin/python benchmarks/predictec_defaults.py   # ~1 min; needs the two files above
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402

import refinement as R  # noqa: E402  (benchmarks/refinement.py: drift noise, cached networks, scores)
from emiai_core.inversion import (DEFAULT_LATERAL_SMOOTHING, InversionSettings, homogeneous_start,  # noqa: E402
                                  pair_weights, refine, refine_lateral)
from emiai_core.instruments import parse_coil  # noqa: E402
from emiai_core.prediction import _invert_where_unfitted, refinement_settings  # noqa: E402

NEIGHBOUR_DISTANCE_M = 2.0  # predictec's default


def run(cases, eca, start, coils, folds, lateral, method):
    """predictec's pipeline per fold (one survey each): (N, 13) S/m, soundings from the fallback."""
    edges = R.EDGES13
    model = SimpleNamespace(noise_relative=0.03, metadata={})
    out, n_fb = np.full((len(eca), 13), np.nan), 0
    for f in folds:
        rows = np.flatnonzero(cases["group"] == f)
        st = refinement_settings(model, "FSlin", method)
        s0 = start[rows] if method == "refine" else homogeneous_start(eca[rows], 13)
        if lateral > 0:
            pairs = R.fold_pairs(cases, rows, NEIGHBOUR_DISTANCE_M)
            w = pair_weights(cases["x_m"][rows], cases["y_m"][rows], pairs)
            r = refine_lateral(eca[rows], s0, edges, coils, pairs, lateral, st, weights=w)
        else:
            r = refine(eca[rows], s0, edges, coils, st)
        ec, mis = r.ec.copy(), r.misfit_pct.copy()
        if method == "refine":
            n_fb += _invert_where_unfitted(eca[rows], ec, mis, edges, [(np.ones(len(rows), bool), coils)], model,
                                           "FSlin", [])
        out[rows] = ec
    return out, n_fb


def main() -> int:
    args = R.parse_args([])
    acc_report = __import__("json").loads(args.accuracy_json.read_text())
    with np.load(R.REPO / acc_report["cases_file"], allow_pickle=False) as z:
        cases = {k: z[k] for k in z.files}
    cases["profile"], cases["group"] = cases["profile"].astype(str), cases["group"].astype(str)
    folds = sorted(set(cases["group"].tolist()))
    rows = R.line_order(cases, np.arange(len(cases["profile"])))
    e_ind = cases["eca_noisy"] / cases["eca_clean"] - 1.0
    e_drift = R.drift_noise(cases, R.DRIFT_SIGMA, R.DRIFT_LENGTH_M, args.seed)
    data = {"independent": cases["eca_noisy"], "drift": cases["eca_clean"] * (1.0 + e_ind + e_drift)}
    nets, _ = R.drift_networks(cases, data["drift"], rows, folds, args, acc_report)
    starts = {"independent": {"ours_vcp": R.with_hs(cases["pred_ours_vcp_L12"], cases["pred_ours_vcp_hs"]),
                              "ours_vcp_hcp": R.with_hs(cases["pred_ours_vcp_hcp_L12"],
                                                        cases["pred_ours_vcp_hcp_hs"]),
                              "cascade": R.with_hs(cases["pred_emiai_cascade_L12"], None)},
              "drift": {"ours_vcp": nets["ours1_vcp"]["drift"], "ours_vcp_hcp": nets["ours1_vcp_hcp"]["drift"],
                        "cascade": nets["cascade"]["drift"]}}
    truth = np.log10(cases["true_L12"])
    layer_names = [f"{a:.2f}–{b:.2f}" for a, b in zip(R.EDGES13[:12], R.EDGES13[1:13])]

    def l12(ec):
        return float(np.sqrt(np.mean((np.log10(ec[:, :12]) - truth) ** 2)))

    def per_layer(ec):
        return np.sqrt(np.mean((np.log10(ec[:, :12]) - truth) ** 2, axis=0))

    print(f"predictec defaults: {InversionSettings()}, lateral {DEFAULT_LATERAL_SMOOTHING:g} per pair at 0.5 m, "
          f"neighbours <= {NEIGHBOUR_DISTANCE_M:g} m, fallback factor from emiai_core.prediction\n")
    emagpy_ms = {v: 1e3 * acc_report["time_per_sounding"][f"emagpy_fslin_{v}"]["wall_s_per_sounding"]
                 for v in ("vcp", "vcp_hcp")}
    print("| scenario | start | network | + refine | + refine + lateral (default) | fallback soundings | "
          "default / cascade | invert | invert + lateral | default ms/sounding (× EMagPy FSlin GN) |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    layer_rows = []
    for s in R.SCENARIOS:
        casc = l12(starts[s]["cascade"])
        for who in ("ours_vcp", "ours_vcp_hcp", "cascade"):
            variant = R.VARIANT_OF_START[who]
            cols = [R.acc.COL[c] for c in R.acc.VARIANTS[variant]]
            coils = [parse_coil(c) for c in R.acc.VARIANTS[variant]]
            eca = data[s][:, cols]
            plain, _ = run(cases, eca, starts[s][who], coils, folds, 0.0, "refine")
            t0 = time.perf_counter()
            lat, n_fb = run(cases, eca, starts[s][who], coils, folds, DEFAULT_LATERAL_SMOOTHING, "refine")
            ms = 1e3 * (time.perf_counter() - t0) / len(eca)
            inv = inv_lat = None
            if who != "cascade":
                inv, _ = run(cases, eca, None, coils, folds, 0.0, "invert")
                inv_lat, _ = run(cases, eca, None, coils, folds, DEFAULT_LATERAL_SMOOTHING, "invert")
            net = l12(starts[s][who])
            print(f"| {s} | {who} | {net:.4f} | {l12(plain):.4f} | **{l12(lat):.4f}** | {n_fb} | "
                  f"{l12(lat) / casc:.2f} | {'' if inv is None else f'{l12(inv):.4f}'} | "
                  f"{'' if inv_lat is None else f'{l12(inv_lat):.4f}'} | {ms:.3f} (×{emagpy_ms[variant] / ms:,.0f}) |",
                  flush=True)
            layer_rows.append((f"{s} {who}", per_layer(starts[s][who]), per_layer(plain), per_layer(lat)))
    print("\nPer layer (12-layer log10 RMSE: network / + refine / + refine + lateral):\n")
    print("| layer (m) | " + " | ".join(r[0] for r in layer_rows) + " |")
    print("|---|" + "---|" * len(layer_rows))
    for k, name in enumerate(layer_names):
        print(f"| {name} | " + " | ".join(f"{a[k]:.3f} / {b[k]:.3f} / {c[k]:.3f}" for _, a, b, c in layer_rows)
              + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
