#!/usr/bin/env python
"""The embedded models, refinement and inversion on real surveys (issue #9 item 6): the EMagPy 1.4.5
example surveys (UK sites; the embedded models were trained on one Austrian field).

Surveys (/work/shared/data/emagpy_examples, read with emiai_core.api.read_survey, CMD-MiniExplorer,
on the ground, height 0): Trimpley trimpLo.dat (VCP), cover-crop coverCropLo.dat (VCP), potatoes
potatoesLo.dat (VCP), saprolite nwLo.dat (VCP) and saprolite mexpl.csv (VCP + HCP at the 30 boreholes,
with ``saproliteDepth``). Points with an ECa <= 0 are dropped, then at most --max-points points per
survey are drawn (seeded, numpy default_rng(SEED)).

Methods, all on the same points:
  * ``network``: api.predict(method='network') — the embedded model api.predict chooses for the coils;
  * ``refine``: api.predict(method='refine') (the default: network + physics refinement);
  * ``invert``: api.predict(method='invert') (no network, homogeneous start);
  * ``emagpy``: EMagPy 1.4.5 Problem, Gauss-Newton, forwardModel FSlin, alpha ALPHA, l2, 12 layers with
    fixed depths = the interior edges of the 12-layer reference layering (0.12 ... 1.32 m; the 12th layer is
    the half-space below 1.32 m), conds0 = mean ECa of the sounding (as benchmarks/accuracy.py).
Misfit: relative RMS (%) of the FSlin response against the measured ECa, computed with OUR engine for
every method: MISFIT_PCT of api.predict (its 12 layers + half-space below 1.5 m) and, for EMagPy,
emiai_core.prediction.data_misfit_pct on its 12 layers (edges 0 ... 1.32, 1.5; the last layer a
half-space). EMagPy EC < 0.1 mS/m (or not finite) are raised to 0.1 mS/m first (counted).
Time per sounding: wall time of the api.predict call (after a warm-up call on 5 points; it includes the
misfit computation) / of EMagPy's invert() only.

Saprolite boreholes (mexpl.csv): depth of the largest EC drop between consecutive layers of the 12-layer
model (the edge between them) vs the borehole saproliteDepth: Pearson r and MAE (m).

Usage: .venv/bin/python benchmarks/real_surveys.py [--max-points 300] [--alpha 0.07]
"""
from __future__ import annotations

import argparse
import contextlib
import datetime
import os
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")  # emagpy imports matplotlib
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from emiai_core import api  # noqa: E402
from emiai_core.instruments import instrument  # noqa: E402
from emiai_core.layering import REFERENCE_EDGES  # noqa: E402
from emiai_core.prediction import data_misfit_pct  # noqa: E402

DATA = Path("/work/shared/data/emagpy_examples")
SEED = 20261130
EC_FLOOR = 1e-4  # S/m
SURVEYS = [  # (label, file, orientation, coils used)
    ("Trimpley (trimpLo.dat)", "trimpley/trimpLo.dat", "VCP", ("VCP0.32", "VCP0.71", "VCP1.18")),
    ("cover-crop (coverCropLo.dat)", "cover-crop/coverCropLo.dat", "VCP", ("VCP0.32", "VCP0.71", "VCP1.18")),
    ("potatoes (potatoesLo.dat)", "potatoes/potatoesLo.dat", "VCP", ("VCP0.32", "VCP0.71", "VCP1.18")),
    ("saprolite (nwLo.dat)", "saprolite/nwLo.dat", "VCP", ("VCP0.32", "VCP0.71", "VCP1.18")),
    ("saprolite boreholes (mexpl.csv)", "saprolite/mexpl.csv", "VCP",
     ("VCP0.32", "VCP0.71", "VCP1.18", "HCP0.32", "HCP0.71", "HCP1.18")),
]
METHODS = ("network", "refine", "invert")
EC_COL = re.compile(r"^EC_(\d{3})_(\d{3})$")


@contextlib.contextmanager
def quiet():
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), contextlib.redirect_stderr(devnull):
        yield


def layer_columns(df):
    """The 12-layer EC columns (mS/m) sorted by top, and their edges (m)."""
    cols = sorted((c for c in df.columns if EC_COL.match(str(c))), key=lambda c: int(EC_COL.match(c).group(1)))
    cols = [c for c in cols if int(EC_COL.match(c).group(2)) - int(EC_COL.match(c).group(1)) <= 18]  # finest
    return cols


def drop_depth(ec, edges):
    """Depth (m) of the largest decrease of log10 EC between consecutive layers."""
    d = np.log10(ec[:, :-1]) - np.log10(ec[:, 1:])
    return np.asarray(edges)[1:-1][np.argmax(d, axis=1)]


def emagpy_gn(eca_ms, coils, alpha, workdir, tag):
    """EMagPy 1.4.5 GN FSlin on 12 layers; returns (EC (n,12) S/m, n floored values, wall s)."""
    from emagpy import Problem

    n = len(eca_ms)
    csv = Path(workdir) / f"{tag}.csv"
    cols = {"x": np.arange(n, dtype=float), "y": np.zeros(n)}
    cols.update({c: eca_ms[:, k] for k, c in enumerate(coils)})
    np.savetxt(csv, np.column_stack(list(cols.values())), delimiter=",", header=",".join(cols), comments="",
               fmt="%.12g")
    depths = np.asarray(REFERENCE_EDGES["L12"][1:-1])
    with quiet():
        problem = Problem()
        problem.createSurvey(str(csv))
        conds0 = np.repeat(np.mean(eca_ms, axis=1)[:, None], 12, axis=1)
        problem.setInit(depths0=depths, conds0=conds0, fixedDepths=np.ones(11, dtype=bool))
    if list(problem.coils) != list(coils) or problem.surveys[0].df.shape[0] != n:
        raise RuntimeError(f"EMagPy read the survey differently: coils {problem.coils}, {problem.surveys[0].df.shape}")
    t0 = time.perf_counter()
    with quiet():
        problem.invert(forwardModel="FSlin", method="Gauss-Newton", alpha=alpha, regularization="l2",
                       dump=lambda _x: None)
    wall = time.perf_counter() - t0
    ec = np.asarray(problem.models[0], float) / 1000.0
    if ec.shape != (n, 12):
        raise RuntimeError(f"EMagPy returned models of shape {ec.shape}, expected ({n}, 12)")
    bad = ~np.isfinite(ec) | (ec < EC_FLOOR)
    return np.where(bad, EC_FLOOR, ec), int(bad.sum()), wall


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-points", type=int, default=300)
    ap.add_argument("--alpha", type=float, default=0.07)
    a = ap.parse_args()
    emagpy_coil = {c.name if hasattr(c, "name") else str(c): c.emagpy
                   for c in instrument("CMD-MiniExplorer").coils_at(0.0)}
    emagpy_coil = {re.sub(r"f\d+h.*$", "", v): v for v in emagpy_coil.values()}  # 'VCP0.32' -> 'VCP0.32f30000h0'
    l12 = np.asarray(REFERENCE_EDGES["L12"])
    rows, notes = [], []
    print(f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, seed {SEED}, "
          f"max points {a.max_points}, EMagPy alpha {a.alpha}", flush=True)
    tmp = tempfile.mkdtemp(prefix="real_surveys_")
    for label, rel, orient, coils in SURVEYS:
        try:
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                g = api.read_survey(DATA / rel, instrument="CMD-MiniExplorer", orientation=orient)
        except Exception as e:  # noqa: BLE001
            notes.append(f"{label}: read failed: {e}")
            print(notes[-1], flush=True)
            continue
        n_read = len(g)
        eca = g[list(coils)].to_numpy(float)
        ok = np.all(np.isfinite(eca), axis=1) & np.all(eca > 0, axis=1)
        keep = np.flatnonzero(ok)
        rng = np.random.default_rng(SEED)
        if len(keep) > a.max_points:
            keep = np.sort(rng.choice(keep, a.max_points, replace=False))
        sub = g.iloc[keep][[*coils, "HEIGHT_M", g.geometry.name] + (["saproliteDepth"] if "saproliteDepth" in g
                                                                      else [])].copy()
        row = {"survey": label, "n_read": n_read, "n_pos": int(ok.sum()), "n": len(sub)}
        ec_by = {}
        for m in METHODS:
            with warnings.catch_warnings(record=True):
                warnings.simplefilter("always")
                api.predict(sub.iloc[:5], method=m)  # warm-up (model load)
                t0 = time.perf_counter()
                out = api.predict(sub, method=m)
                dt = time.perf_counter() - t0
            row["model"] = out.attrs["emiai"]["model"]
            row[m] = (float(np.median(out["MISFIT_PCT"])), dt / len(out) * 1e3, len(out))
            ec_by[m] = out[layer_columns(out)].to_numpy(float) / 1000.0
        try:
            ecg, nfl, wall = emagpy_gn(sub[list(coils)].to_numpy(float), [emagpy_coil[c] for c in coils], a.alpha,
                                       tmp, rel.replace("/", "_"))
            mis = data_misfit_pct(sub[list(coils)].to_numpy(float) / 1000.0, ecg, l12,
                                  [emagpy_coil[c] for c in coils], "FSlin")
            row["emagpy"] = (float(np.nanmedian(mis)), wall / len(sub) * 1e3, len(sub))
            row["emagpy_floored"] = nfl
            ec_by["emagpy"] = ecg
        except Exception as e:  # noqa: BLE001
            notes.append(f"{label}: EMagPy failed: {type(e).__name__}: {e}")
            print(notes[-1], flush=True)
        if "saproliteDepth" in sub:
            truth = sub["saproliteDepth"].to_numpy(float)
            bh = {}
            for m, ec in ec_by.items():
                d = drop_depth(ec[:, :12], l12)
                bh[m] = (float(np.corrcoef(d, truth)[0, 1]) if np.std(d) > 0 else float("nan"),
                         float(np.mean(np.abs(d - truth))), float(np.median(d)))
            row["boreholes"] = bh
            row["truth_median"] = float(np.median(truth))
        rows.append(row)
        print(row, flush=True)

    print()
    hdr = ("| survey | points (read / ECa>0 / used) | network misfit % | network+refine | invert (no network) "
           "| EMagPy GN FSlin | ms/sounding net / refine / invert / EMagPy |")
    lines = [hdr, "|" + "---|" * 7]
    for r in rows:
        def f(k):
            return f"{r[k][0]:.1f}" if k in r else "failed"

        def t(k):
            return f"{r[k][1]:.2g}" if k in r else "–"
        times = " / ".join(t(k) for k in (*METHODS, "emagpy"))
        lines.append(f"| {r['survey']} | {r['n_read']} / {r['n_pos']} / {r['n']} | {f('network')} | {f('refine')} | "
                     f"{f('invert')} | {f('emagpy')} | {times} |")
    print("\n".join(lines))
    models = sorted({r["model"] for r in rows})
    print("\nembedded models used:", "; ".join(models))
    fl = {r["survey"]: r.get("emagpy_floored") for r in rows}
    print("EMagPy EC values floored to 0.1 mS/m:", fl)
    for r in rows:
        if "boreholes" in r:
            print(f"\nSaprolite boreholes ({r['n']}, median saproliteDepth {r['truth_median']:.2f} m): depth of the "
                  "largest EC drop between consecutive layers vs saproliteDepth")
            print("| method | Pearson r | MAE (m) | median predicted depth (m) |\n|---|---|---|---|")
            for m, (rr, mae, med) in r["boreholes"].items():
                print(f"| {m} | {rr:.2f} | {mae:.2f} | {med:.2f} |")
    for n in notes:
        print("NOTE:", n)


if __name__ == "__main__":
    main()
