#!/usr/bin/env python
"""Side experiment for benchmarks/refinement.py: how much of the refinement's cost is the forward-difference
FSlin Jacobian, and what an approximate Jacobian would give.

emiai_core.inversion.refine computes d ln f / d m of the full solution by forward differences (13 extra FSlin
forward runs per sounding and iteration). At the low induction numbers of a CMD-MiniExplorer on soils of
5-100 mS/m, the full-solution response is close to McNeill's cumulative sensitivity (CS), whose Jacobian is
exact and almost free. Here the residual stays FSlin (the data misfit is still the full solution's), only the
Jacobian is taken from CS: emiai_core.inversion.jacobian is replaced *in this process only* while refine /
refine_lateral run (nothing on disk changes). Same cases, same settings (predictec's defaults and the
settings most often chosen by benchmarks/refinement.py), independent noise.

Usage: .venv/bin/python benchmarks/refinement_csjac.py [--json benchmarks/output/refinement_csjac.json]
"""
from __future__ import annotations

import argparse
import contextlib
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

import emiai_core.inversion as inv  # noqa: E402


@contextlib.contextmanager
def cs_jacobian():
    """Within the block, inversion.jacobian returns the FSlin f0 it is given and the CS Jacobian."""
    original = inv.jacobian

    def approx(m, edges, coils, forward_model, fd_step=1e-3, f0=None):
        _, jac = original(m, edges, coils, "CS")
        f = inv.log_forward(m, edges, coils, forward_model) if f0 is None else f0
        return f, jac

    inv.jacobian = approx
    try:
        yield
    finally:
        inv.jacobian = original


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accuracy-json", type=Path, default=rf.OUT_DIR / "accuracy_m5.json")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", type=Path, default=rf.OUT_DIR / "refinement_csjac.json")
    args = ap.parse_args(argv)
    acc_report = json.loads(args.accuracy_json.read_text())
    with np.load(rf.REPO / acc_report["cases_file"] if not Path(acc_report["cases_file"]).is_absolute()
                 else acc_report["cases_file"], allow_pickle=False) as z:
        cases = {k: z[k] for k in z.files}
    cases["profile"], cases["group"] = cases["profile"].astype(str), cases["group"].astype(str)
    rows = rf.line_order(cases, np.arange(len(cases["profile"])))
    folds = sorted(set(cases["group"].tolist()))
    configs = [  # (name, start, family, combo)
        ("ours_vcp+refine default", "ours_vcp", "refine", rf.DEFAULTS["refine"]),
        ("ours_vcp+refine 100/1/1", "ours_vcp", "refine", {"vertical_smoothing": 100, "prior_weight": 1, "n_iter": 1}),
        ("ours_vcp_hcp+refine default", "ours_vcp_hcp", "refine", rf.DEFAULTS["refine"]),
        ("ours_vcp_hcp+refine+lateral 100/1/2/100", "ours_vcp_hcp", "refine_lat",
         {"vertical_smoothing": 100, "prior_weight": 1, "n_iter": 2, "lateral": 100}),
        ("invert_vcp default", "vcp", "invert", rf.DEFAULTS["invert"]),
        ("invert_vcp_hcp default", "vcp_hcp", "invert", rf.DEFAULTS["invert"]),
    ]
    out = {}
    for name, who, fam, combo in configs:
        variant = rf.VARIANT_OF_START.get(who, who)
        cols = [acc.COL[c] for c in acc.VARIANTS[variant]]
        coils = list(acc.VARIANTS[variant])
        eca = cases["eca_noisy"][:, cols]
        start = None
        if fam.startswith("refine"):
            start = rf.with_hs(cases[f"pred_{who}_L12"], cases[f"pred_{who}_hs"])
        res = {}
        for jac in ("fd_fslin", "cs"):
            best = None
            for _ in range(args.repeats):
                ctx = cs_jacobian() if jac == "cs" else contextlib.nullcontext()
                with ctx:
                    ec, wall, cpu = rf.run_family(fam, eca, start, coils, combo, cases, rows, folds)
                best = (ec, wall, cpu) if best is None or wall < best[1] else best
            ec, wall, cpu = best
            mis = acc.misfit_pct(ec[rows, :12], ec[rows, 12], eca[rows], coils)
            res[jac] = {"log10_rmse_L12": rf.l12_rmse(cases, ec, rows), "misfit_median_pct": float(np.median(mis)),
                        "wall_ms_per_sounding": 1000 * wall / len(rows), "cpu_ms_per_sounding": 1000 * cpu / len(rows)}
        out[name] = res
        acc.say(f"{name}: " + "; ".join(f"{j} RMSE {v['log10_rmse_L12']:.4f}, misfit {v['misfit_median_pct']:.2f} %, "
                                       f"{v['wall_ms_per_sounding']:.3f} ms" for j, v in res.items()))
    print("\n| configuration | Jacobian | L12 log10 RMSE | misfit % median | ms/sounding (wall) | CPU ms |")
    print("|---|---|---|---|---|---|")
    for name, res in out.items():
        for j, v in res.items():
            print(f"| {name} | {j} | {v['log10_rmse_L12']:.4f} | {v['misfit_median_pct']:.2f} | "
                  f"{v['wall_ms_per_sounding']:.3f} | {v['cpu_ms_per_sounding']:.3f} |")
    args.json.write_text(json.dumps({"command": "benchmarks/refinement_csjac.py", "repeats": args.repeats,
                                     "environment": acc.machine_info(), "results": out}, indent=1))


if __name__ == "__main__":
    main()
