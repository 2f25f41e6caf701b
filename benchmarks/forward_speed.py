"""Forward-modelling speed: emiai_core vs EMagPy 1.4.5, same run, same models, same machine.

    .venv/bin/python benchmarks/forward_speed.py                 # N = 100,000, prints a markdown table
    .venv/bin/python benchmarks/forward_speed.py --million       # + 10^6 models FSlin, peak memory
    .venv/bin/python benchmarks/forward_speed.py --write BENCHMARKS_forward.md

Models: 12 layers on the reference layering (edges 0, 0.12, ..., 1.32, 1.5 m; last = half-space),
EC from the TU Wien training set rows (repeated to N) when ../shared/data is there, else
log-uniform 1-1000 mS/m; coils: GF CMD-MiniExplorer VCP+HCP 0.32/0.71/1.18 m, 30 kHz, on the
ground (6 coils). emiai_core runs all N models; EMagPy (a Python loop per model) runs a subsample
and its rate is extrapolated (said so in the table). The row 'FSlin, refinement path (fast=True)'
is the full solution's refinement path (emiai_core.fullsolution, 1e-4 relative), on the same models
and against the same EMagPy FSlin measurement, with its max relative difference to the exact path.
Both single-threaded for the ratio; the emiai_core full solution also with its default threads.
Times are wall-clock and CPU (process) time: the CPU ratio is the robust one on a shared machine.
OPENBLAS_NUM_THREADS is set to 1 (unless given) so that idle BLAS threads do not inflate CPU time.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

# single-threaded BLAS for both sides: OpenBLAS's idle threads otherwise spin and inflate the CPU times
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from emiai_core.forward import forward_eca  # noqa: E402
from emiai_core.instruments import INSTRUMENTS  # noqa: E402

EDGES = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]
COILS = INSTRUMENTS["CMD-MiniExplorer"].coils
TRAIN = ROOT.parent / "shared" / "data" / "tuwien_emiai_reference" / "training_data" / "1.5m_12layers" / "EC.npy"
SUBSAMPLE = {"CS": 2000, "FSlin": 200, "FSeq": 100}


def models(n, seed=0):
    if TRAIN.exists():
        ec = np.load(TRAIN)
        return np.resize(ec, (n, ec.shape[1])), "TU Wien training-set rows (repeated)"
    rng = np.random.default_rng(seed)
    return 10 ** rng.uniform(-3, 0, (n, 12)), "random log-uniform 1-1000 mS/m"


def timed(fn):
    w0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w0, time.process_time() - c0


def emagpy_forward(model, ec):
    from emagpy import Problem

    strings = [c.emagpy for c in COILS]
    with contextlib.redirect_stdout(io.StringIO()):
        df = Problem().forward(forwardModel=model, coils=strings, noise=0.0, models=[ec * 1000.0],
                               depths=[np.tile(EDGES[1:-1], (len(ec), 1))])[0]
    return df[strings].to_numpy() / 1000.0


def max_rel(a, b):
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.max(np.abs(a[ok] / b[ok] - 1)))


def speed(n):
    ec, source = models(n)
    rows = []
    for model in ("CS", "FSlin", "FSeq"):
        ours1, w1, c1 = timed(lambda: forward_eca(ec, EDGES, COILS, model, threads=1))
        if model == "CS":
            wt, ct = w1, c1
        else:
            _, wt, ct = timed(lambda: forward_eca(ec, EDGES, COILS, model))
        m = SUBSAMPLE[model]
        ref, we, ce = timed(lambda: emagpy_forward(model, ec[:m]))
        rel = max_rel(ours1[:m], ref)
        rows.append(dict(model=model, n=n, m=m, ours_wall=n / w1, ours_cpu=n / c1, ours_thr=n / wt,
                         em_wall=m / we, em_cpu=m / ce, rel=rel))
        print(f"{model}: ours {n / w1:,.0f} models/s (1 thread), EMagPy {m / we:,.0f} models/s "
              f"on {m} -> x{(n / w1) / (m / we):,.0f} wall, x{(n / c1) / (m / ce):,.0f} CPU; max rel diff {rel:.1e}",
              flush=True)
        if model == "FSlin":
            # the refinement path: same models, same EMagPy measurement (this run), all N against the exact path
            fast1, w1, c1 = timed(lambda: forward_eca(ec, EDGES, COILS, model, threads=1, fast=True))
            _, wt, ct = timed(lambda: forward_eca(ec, EDGES, COILS, model, fast=True))
            rel_exact, rel_em = max_rel(fast1, ours1), max_rel(fast1[:m], ref)
            rows.append(dict(model="FSlin, refinement path (fast=True)", n=n, m=m, ours_wall=n / w1, ours_cpu=n / c1,
                             ours_thr=n / wt, em_wall=m / we, em_cpu=m / ce, rel=rel_em, rel_exact=rel_exact))
            print(f"FSlin fast=True: ours {n / w1:,.0f} models/s (1 thread) -> x{(n / w1) / (m / we):,.0f} wall, "
                  f"x{(n / c1) / (m / ce):,.0f} CPU vs EMagPy; max rel diff {rel_exact:.1e} to the exact path "
                  f"(all {n:,}), {rel_em:.1e} to EMagPy", flush=True)
    return rows, source


def million():
    """Run 10^6 models FSlin in a fresh process; report time and peak RSS (ru_maxrss)."""
    code = (
        "import resource, sys, time, numpy as np; sys.path.insert(0, %r);"
        "from emiai_core.forward import forward_eca; from emiai_core.instruments import INSTRUMENTS;"
        "rng = np.random.default_rng(1); ec = 10 ** rng.uniform(-3, 0, (1_000_000, 12));"
        "e = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5];"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "t = time.perf_counter(); out = forward_eca(ec, e, INSTRUMENTS['CMD-MiniExplorer'].coils, 'FSlin');"
        "dt = time.perf_counter() - t; peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss;"
        "print(dt, base / 1024, peak / 1024, out.shape, np.isfinite(out).all())"
    ) % str(ROOT)
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dt, base, peak, *_ = res.stdout.split()
    return float(dt), float(base), float(peak)


def markdown(rows, source, mil):
    cpu = platform.processor() or platform.machine()
    lines = [
        "## Forward modelling: emiai_core vs EMagPy 1.4.5 (`benchmarks/forward_speed.py`)",
        "",
        f"Run: {time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU(s) ({cpu}), Python {platform.python_version()}, "
        f"numpy {np.__version__}. Models: N = {rows[0]['n']:,} x 12 layers (reference edges 0-1.32 m + "
        f"half-space), {source}; coils: CMD-MiniExplorer VCP+HCP 0.32/0.71/1.18 m, 30 kHz, h = 0 "
        "(6 coils). emiai_core runs all N models; **EMagPy runs a subsample (column 'EMagPy on') and "
        "its rate is extrapolated** (it is a Python loop per model, so its rate does not depend on N). "
        "Ratios are single-thread vs single-thread; CPU = process time (robust on a shared machine). "
        "The refinement-path row is compared with the same EMagPy FSlin measurement (same run, same models).",
        "",
        "| model | emiai_core, 1 thread (models/s) | emiai_core, default threads | EMagPy (models/s) | EMagPy on | "
        "speed-up wall | speed-up CPU | target | max rel. diff on the subsample |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    target = {"CS": "≥ 50x", "FSlin": "≥ 100x", "FSeq": "≥ 100x", "FSlin, refinement path (fast=True)": "≥ 1000x"}
    for r in rows:
        rel = f"{r['rel']:.1e}"
        if "rel_exact" in r:
            rel += f" (to the exact path, all N: {r['rel_exact']:.1e})"
        lines.append(
            f"| {r['model']} | {r['ours_wall']:,.0f} | {r['ours_thr']:,.0f} | {r['em_wall']:,.1f} | {r['m']:,} | "
            f"x{r['ours_wall'] / r['em_wall']:,.0f} | x{r['ours_cpu'] / r['em_cpu']:,.0f} | {target[r['model']]} | "
            f"{rel} |")
    if mil:
        dt, base, peak = mil
        lines += ["", f"10^6 models x 12 layers x 6 coils, FSlin, default threads, fresh process: {dt:.0f} s, "
                      f"peak RSS {peak:,.0f} MB (of which {base:,.0f} MB before the call: Python, numpy and the "
                      "96 MB of input EC); target < 2 GB. Work arrays are per block of 128 models, so memory "
                      "does not grow with N beyond the input and output arrays."]
    lines += ["", "Agreement on 1,200 other models (all presets, heights 0-1 m, 4-30 layers): "
                  "tests/test_forward.py against the EMagPy golden file."]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=100_000)
    ap.add_argument("--million", action="store_true", help="also 10^6 models FSlin with peak memory")
    ap.add_argument("--write", type=Path, help="write the markdown section to this file")
    args = ap.parse_args()
    rows, source = speed(args.n)
    mil = million() if args.million else None
    md = markdown(rows, source, mil)
    print(md)
    if args.write:
        args.write.write_text(md, encoding="utf-8")
    return 0 if resource else 1


if __name__ == "__main__":
    raise SystemExit(main())
