#!/usr/bin/env python
"""ECa calibration against ERT (issue #10): calibrate on one ERT profile, score on the others.

On each of the ten shared TU Wien ERT profiles (/work/shared/data/tuwien_ert, whole sections), a
synthetic CMD-MiniExplorer VCP survey (on the ground) is walked 0.3 m beside the line every 0.5 m:
its true ECa are the FSlin forward responses of the ERT columns below the points
(emiai_core.eca_calibration.ert_column: the training-model generator's box and binning) with 3 %
seeded noise, and the instrument distorts them to measured = 1.7 × true + 3 mS/m.

For each calibration profile k: emiai_core.eca_calibration (robust fit, FSlin, 1 m, columns reaching
1.5 m) on profile k's survey; the coefficients applied to the nine other surveys; EC predicted with
the default method (embedded CMD-MiniExplorer VCP ensemble + physics refinement, api-equivalent
prediction.predict_survey) from the distorted ECa ("before"), the calibrated ECa ("after") and the
undistorted ECa ("ideal"); score: RMSE of log10 EC over the 12 layers (0–1.5 m) against the ERT
column (12-layer target layering) at every point of the nine other profiles.

The embedded model was trained on these profiles (they are its site): the absolute numbers are
optimistic; what the table shows is how much of the damage of a biased instrument the calibration
from a single profile repairs.

Usage: .venv/bin/python benchmarks/calibration.py [--noise 0.03] [--seed 0]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

from emiai_core.eca_calibration import (  # noqa: E402
    DEFAULT_EDGES,
    ert_column,
    ert_eca,
    fit_coils,
    pair_with_ert,
    survey_coil,
)
from emiai_core.ert import load_profile_folder  # noqa: E402
from emiai_core.forward import add_noise, forward_eca  # noqa: E402
from emiai_core.model_file import embedded_model_path, load_model  # noqa: E402
from emiai_core.model_generation import ProfileCells  # noqa: E402
from emiai_core.prediction import predict_survey  # noqa: E402

GAIN, OFFSET = 1.7, 3.0
FIELDS = ["VCP0.32", "VCP0.71", "VCP1.18"]
DATA = REPO.parent / "shared" / "data" / "tuwien_ert"


def synthetic_survey(profile, noise, seed, side=0.3, step=0.5):
    """(x, y, true ECa (N, 3) mS/m, true 12-layer EC (N, 12) mS/m) beside the line of ``profile``."""
    ed = profile.electrode_distance_m
    spacing = float(np.mean(np.diff(ed)))
    along = np.arange(ed[0] + spacing, ed[-1] - spacing, step)
    cols = [ert_column(profile, s) for s in along]
    keep = np.array([reach >= 1.5 and np.all(np.isfinite(rho)) for rho, reach in cols])
    along = along[keep]
    rho = np.array([c[0] for c, k in zip(cols, keep) if k])
    x, y = profile.map_xy(along)
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy)
    x, y = x - side * dy / norm, y + side * dx / norm
    coils = [survey_coil(f, 0.0) for f in FIELDS]
    eca = add_noise(forward_eca(1.0 / rho, DEFAULT_EDGES, coils, "FSlin"), noise, seed=seed) * 1000.0
    return x, y, eca, 1000.0 / rho[:, :12]


def predicted_log10(model, eca):
    pred = predict_survey(model, eca, method="refine")
    cols = pred.columns()
    names = [n for n in pred.layer_fields if n.startswith("EC_") and not n.startswith("EC_HS")]
    out = np.full((len(eca), len(names)), np.nan)
    out[pred.used] = np.log10(np.column_stack([cols[n] for n in names]))
    return out


def rmse(a, b):
    d = (a - b)[np.all(np.isfinite(a - b), axis=1)]
    return float(np.sqrt(np.mean(d ** 2)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--noise", type=float, default=0.03)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    if not DATA.is_dir():
        print(f"{DATA} not found: this benchmark needs the shared ERT data.")
        return 1
    names = sorted(p.name for p in DATA.iterdir() if p.is_dir())
    profiles = [ProfileCells.from_georeferenced(load_profile_folder(DATA / n)) for n in names]
    model = load_model(embedded_model_path("emiai_tuwien_site_cmd_miniexplorer_vcp"))
    coils = [survey_coil(f, 0.0) for f in FIELDS]
    surveys = []
    for k, p in enumerate(profiles):
        x, y, eca, ec = synthetic_survey(p, args.noise, args.seed + k)
        measured = GAIN * eca + OFFSET
        surveys.append({"x": x, "y": y, "true": eca, "measured": measured, "log_ec": np.log10(ec),
                        "before": predicted_log10(model, measured), "ideal": predicted_log10(model, eca)})
    print(f"# ECa calibration: measured = {GAIN} × true + {OFFSET} mS/m, {args.noise:.0%} noise, "
          f"CMD-MiniExplorer VCP; RMSE of log10 EC (12 layers) on the 9 other profiles")
    print("| calibrated on | pairs | gain VCP0.32 / 0.71 / 1.18 (true 0.588) | offset mS/m (true −1.76) "
          "| before | after | undistorted |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for k, p in enumerate(profiles):
        s = surveys[k]
        pairs = pair_with_ert(s["x"], s["y"], s["measured"], [p], 1.0)
        fits = fit_coils(FIELDS, coils, s["measured"][pairs.index], ert_eca(pairs, coils))
        others = [j for j in range(len(profiles)) if j != k]
        truth = np.vstack([surveys[j]["log_ec"] for j in others])
        before = np.vstack([surveys[j]["before"] for j in others])
        ideal = np.vstack([surveys[j]["ideal"] for j in others])
        after = np.vstack([predicted_log10(model, np.column_stack(
            [f.apply(surveys[j]["measured"][:, c]) for c, f in enumerate(fits)])) for j in others])
        row = (rmse(before, truth), rmse(after, truth), rmse(ideal, truth))
        rows.append(row)
        print(f"| {names[k]} | {len(pairs.index)} | {' / '.join(f'{f.gain:.3f}' for f in fits)} | "
              f"{' / '.join(f'{f.offset_mS_m:+.2f}' for f in fits)} | {row[0]:.3f} | {row[1]:.3f} | {row[2]:.3f} |")
    r = np.array(rows)
    print(f"| **median** | | | | **{np.median(r[:, 0]):.3f}** | **{np.median(r[:, 1]):.3f}** | "
          f"**{np.median(r[:, 2]):.3f}** |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
