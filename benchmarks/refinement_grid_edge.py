#!/usr/bin/env python
"""Side check for benchmarks/refinement.py: the nested tuning of network + refinement chose the edge of its
grid (vertical smoothing 300, prior weight 10) in most folds. This runs refine() (no lateral constraints) on
a grid beyond that edge, with the same nested per-fold choice, independent and drift noise.

Usage: .venv/bin/python benchmarks/refinement_grid_edge.py [--json benchmarks/output/refinement_grid_edge.json]
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
for p in (str(HERE.parent), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import accuracy as acc  # noqa: E402
import refinement as rf  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accuracy-json", type=Path, default=rf.OUT_DIR / "accuracy_m5.json")
    ap.add_argument("--json", type=Path, default=rf.OUT_DIR / "refinement_grid_edge.json")
    args = ap.parse_args(argv)
    acc_report = json.loads(args.accuracy_json.read_text())
    cpath = Path(acc_report["cases_file"])
    with np.load(cpath if cpath.is_absolute() else rf.REPO / cpath, allow_pickle=False) as z:
        cases = {k: z[k] for k in z.files}
    cases["profile"], cases["group"] = cases["profile"].astype(str), cases["group"].astype(str)
    rows = rf.line_order(cases, np.arange(len(cases["profile"])))
    folds = sorted(set(cases["group"].tolist()))
    e_ind = cases["eca_noisy"] / cases["eca_clean"] - 1.0
    eca_drift = cases["eca_clean"] * (1.0 + e_ind + rf.drift_noise(cases, rf.DRIFT_SIGMA, rf.DRIFT_LENGTH_M, 0))
    with np.load(rf.OUT_DIR / "refinement_networks.npz", allow_pickle=False) as z:  # from refinement.py
        nets = {k: z[k] for k in ("ours1_vcp_drift", "ours1_vcp_hcp_drift")}
    data = {"independent": cases["eca_noisy"], "drift": eca_drift}
    starts = {"independent": {w: rf.with_hs(cases[f"pred_{w}_L12"], cases[f"pred_{w}_hs"])
                              for w in ("ours_vcp", "ours_vcp_hcp")},
              "drift": {f"ours_{v}": nets[f"ours1_{v}_drift"] for v in ("vcp", "vcp_hcp")}}
    g = rf.grid(vertical_smoothing=(100, 300, 1000, 3000), prior_weight=(1, 10, 30, 100), n_iter=(1, 2))
    out = {}
    for s in rf.SCENARIOS:
        for who in ("ours_vcp", "ours_vcp_hcp"):
            v = rf.VARIANT_OF_START[who]
            cols = [acc.COL[c] for c in acc.VARIANTS[v]]
            res = {}
            for combo in g:
                ec, wall, cpu = rf.run_family("refine", data[s][:, cols], starts[s][who], list(acc.VARIANTS[v]), combo,
                                              cases, rows, folds)
                res[rf.combo_key(combo)] = {"combo": combo, "ec": ec}
            choice = rf.nested_choice(cases, res, rows, folds)
            ec = np.full((len(cases["profile"]), 13), np.nan)
            for f in folds:
                fr = rows[cases["group"][rows] == f]
                ec[fr] = res[choice[f]["chosen"]]["ec"][fr]
            pooled = {k: rf.l12_rmse(cases, r["ec"], rows) for k, r in res.items()}
            best_all = min(pooled, key=pooled.get)
            out[f"{s}/{who}"] = {"nested_log10_rmse_L12": rf.l12_rmse(cases, ec, rows),
                                 "network_log10_rmse_L12": rf.l12_rmse(cases, starts[s][who], rows),
                                 "chosen_per_fold": {f: choice[f]["chosen"] for f in folds},
                                 "best_pooled_all_folds (optimistic)": [best_all, pooled[best_all]],
                                 "pooled": pooled}
            acc.say(f"{s}/{who}: network {out[f'{s}/{who}']['network_log10_rmse_L12']:.4f}, nested "
                    f"{out[f'{s}/{who}']['nested_log10_rmse_L12']:.4f}, chosen "
                    + ", ".join(f"{f} {choice[f]['chosen']}" for f in folds)
                    + f"; best on all folds {best_all} {pooled[best_all]:.4f}")
    args.json.write_text(json.dumps({"command": "benchmarks/refinement_grid_edge.py", "grid": g, "results": out},
                                    indent=1))


if __name__ == "__main__":
    main()
