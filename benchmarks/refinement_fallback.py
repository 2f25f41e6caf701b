#!/usr/bin/env python
"""Does predictec's inversion fallback change the accuracy harness? (issue #9)

On the held-out cases of the accuracy run (benchmarks/output/accuracy_m5_cases.npz: 1,225 soundings,
3 % noise), refine every network prediction with the default InversionSettings, then, where the misfit
stays above FACTOR × 3 % (the noise), invert without the network with predictec's invert settings and keep
the better-fitting model. Prints how many soundings trigger it and the 12-layer log10 RMSE with and
without it, for FACTOR 1.5, 2 (predictec's FALLBACK_NOISE_FACTOR) and 3.

Usage: .venv/bin/python benchmarks/refinement_fallback.py   # ~30 s; needs the accuracy run's cases file
"""
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from emiai_core.instruments import parse_coil  # noqa: E402
from emiai_core.inversion import InversionSettings, invert, refine  # noqa: E402
from emiai_core.layering import REFERENCE_EDGES  # noqa: E402
from emiai_core.prediction import INVERT_ITERATIONS, INVERT_PRIOR_WEIGHT, INVERT_VERTICAL_SMOOTHING  # noqa: E402

CASES = REPO / "benchmarks" / "output" / "accuracy_m5_cases.npz"


def main() -> int:
    if not CASES.exists():
        print(f"{CASES} not found: run benchmarks/accuracy.py --members 5 first.")
        return 1
    z = np.load(CASES, allow_pickle=False)
    coils = [parse_coil(str(c)) for c in z["coils"]]
    edges = np.r_[REFERENCE_EDGES["L12"], 3.0]
    truth = np.log10(z["true_L12"])
    inv_settings = InversionSettings(vertical_smoothing=INVERT_VERTICAL_SMOOTHING, prior_weight=INVERT_PRIOR_WEIGHT,
                                     n_iter=INVERT_ITERATIONS)
    print("| start | factor | soundings above | replaced | 12-layer log10 RMSE refine | with fallback |")
    print("|---|---|---|---|---|---|")
    for name, n_coils in (("ours_vcp", 3), ("ours_vcp_hcp", 6)):
        start = np.c_[z[f"pred_{name}_L12"], z[f"pred_{name}_hs"]]
        ok = np.all(np.isfinite(start), axis=1)
        eca, cs = z["eca_noisy"][ok, :n_coils], coils[:n_coils]
        r = refine(eca, start[ok], edges, cs, InversionSettings())
        base = np.log10(r.ec[:, :12])
        t = truth[ok]
        for factor in (1.5, 2.0, 3.0):
            poor = r.misfit_pct > factor * 3.0
            fb, n_rep = base.copy(), 0
            if poor.any():
                inv = invert(eca[poor], edges, cs, inv_settings)
                better = inv.misfit_pct < r.misfit_pct[poor]
                fb[np.flatnonzero(poor)[better]] = np.log10(inv.ec[better][:, :12])
                n_rep = int(better.sum())
            rmse = [float(np.sqrt(np.mean((p - t) ** 2))) for p in (base, fb)]
            print(f"| {name} | {factor:g} | {int(poor.sum())} of {int(ok.sum())} | {n_rep} | {rmse[0]:.4f} | "
                  f"{rmse[1]:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
