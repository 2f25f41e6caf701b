#!/usr/bin/env python
"""Train the two embedded default models on all ten shared TU Wien ERT profiles (issue #8 item 6).

    .venv/bin/python scripts/train_default_models.py [--members 5] [--max-epochs 300] [--out emiai_core/models]

1. generate_training_models on ../shared/data/tuwien_ert/* (the plugin's default settings, SEED 0);
2. train_ensemble for the CMD-MiniExplorer VCP coils (3, a Lo survey) and for VCP + HCP (6, merged
   Lo and Hi surveys), FSlin, 3 % noise, on the ground; grouped split by location;
3. write emiai_core/models/emiai_tuwien_site_cmd_miniexplorer_{vcp,vcp_hcp}.npz (+ the HTML reports
   under --reports) with provenance; scores of the accuracy harness are added with --harness JSON.

Deterministic: the same data, settings and seed give byte-identical model files.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data" / "tuwien_ert"
PROFILES = ("B1_1", "B1_2", "B2_1", "B2_2", "B3_1", "B3_2", "B4_1", "B5_1", "B6_1", "B6_2")
VARIANTS = {"vcp": ("VCP",), "vcp_hcp": ("VCP", "HCP")}


def _harness_summary(j: dict) -> dict:
    """The part of a benchmarks/accuracy.py JSON worth keeping in a model file: the command, date,
    the goals and the 12/6/4-layer log10 RMSE and MAE of every method on all held-out soundings."""
    scores = {}
    for subset in ("subsample", "all_soundings"):  # EMagPy FSlin ran on the subsample only
        for m, v in (j["scores"].get(subset) or {}).items():
            if v:
                scores[f"{m} ({subset})"] = {k: {"log10_rmse": v[k]["log10_rmse"], "mae_mS_m": v[k]["mae_mS_m"]}
                                             for k in ("L12", "L6", "L4") if k in v}
    return {"command": j.get("command"), "date_utc": j.get("environment", {}).get("date_utc"),
            "what": "leave-one-profile-out over the 10 TU Wien profiles (sibling profiles together), synthetic "
                    "FSlin ECa of the ERT columns with 3 % noise; the models in this file are trained on all "
                    "profiles, the harness trains one per fold",
            "goals": j.get("goals"), "scores": scores}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=5)
    ap.add_argument("--max-epochs", type=int, default=300)
    ap.add_argument("--hidden", default="64,64")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=REPO / "emiai_core" / "models")
    ap.add_argument("--reports", type=Path, default=REPO / "benchmarks" / "results" / "default_models")
    ap.add_argument("--harness", type=Path, help="JSON of benchmarks/accuracy.py to record in the files")
    ap.add_argument("--variants", default="vcp,vcp_hcp")
    args = ap.parse_args()

    from emiai_core import ert
    from emiai_core.instruments import instrument
    from emiai_core.model_file import save_model
    from emiai_core.model_generation import GeneratorSettings, ProfileCells, generate_training_models
    from emiai_core.training import TrainingSettings, load_training_data, train_ensemble
    from emiai_core.training_report import write_figures, write_html
    from emiai_core.training_set import save_training_set

    if not DATA.is_dir():
        sys.exit(f"{DATA} not found: the default models are trained on the shared TU Wien ERT profiles.")
    args.reports.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    profiles = [ProfileCells.from_georeferenced(ert.load_profile_folder(DATA / p)) for p in PROFILES]
    gen = GeneratorSettings(seed=args.seed)
    result = generate_training_models(profiles, gen, crs="EPSG:31256")
    work = tempfile.TemporaryDirectory(prefix="emiai-defaults-")
    ts_path = Path(work.name) / "training_set_all_profiles.npz"  # ~30 MB: not kept
    save_training_set(ts_path, result.training_set)
    print(f"training set: {result.training_set.n_models} models at {len(result.locations)} locations "
          f"({time.time() - t0:.1f} s)", flush=True)
    harness = _harness_summary(json.loads(args.harness.read_text())) if args.harness else None
    for variant in args.variants.split(","):
        coils = tuple(c.emagpy for c in instrument("CMD-MiniExplorer").coils_at(0.0, VARIANTS[variant]))
        t1 = time.time()
        data = load_training_data([ts_path], coils, "FSlin")
        settings = TrainingSettings(coils, hidden=tuple(int(h) for h in args.hidden.split(",")),
                                    n_members=args.members, seed=args.seed, max_epochs=args.max_epochs)
        model, report, evaluation = train_ensemble(
            data, settings, log=lambda m: print("  " + m, flush=True),
            progress=None)
        name = f"emiai_tuwien_site_cmd_miniexplorer_{variant}"
        extra = {
            "name": name,
            "description": (f"emiAI for QGIS ensemble ({len(model.members)} direct networks) for a GF "
                            f"CMD-MiniExplorer, {' + '.join(VARIANTS[variant])} coils on the ground, trained on "
                            "the ten TU Wien ERT profiles of one Lower Austrian field (site-specific: EC "
                            "about 5–300 mS/m)."),
            "instrument": {"name": "CMD-MiniExplorer"},
            "provenance": {"training_data": "TU Wien emiAI ERT sections B1_1…B6_2 (Zenodo DOI "
                                            "10.5281/zenodo.13968655, MIT)",
                           "generator_settings": result.training_set.settings,
                           "script": "scripts/train_default_models.py", "seed": args.seed},
            "licence": "GPL-3.0-or-later (model); training data MIT (TU Wien)",
        }
        if harness is not None:
            extra["accuracy_harness"] = harness
        out = args.out / f"{name}.npz"
        save_model(out, model, extra)
        figs = write_figures(report, evaluation, args.reports / f"{name}_figures", name)
        write_html(args.reports / f"{name}.html", report, figs, out.name)
        sc = report["scores"]
        print(f"{variant}: {out.name} {out.stat().st_size / 1e3:.0f} kB; test log10 RMSE {sc['log10_rmse_all']:.3f}, "
              f"MAE {sc['mae_mS_m_all']:.2f} mS/m, misfit median {report['data_misfit_pct']['median']:.2f} %; "
              f"{time.time() - t1:.0f} s", flush=True)
    work.cleanup()
    print(f"total {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
