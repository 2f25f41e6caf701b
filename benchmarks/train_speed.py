#!/usr/bin/env python
"""Training time of the two default models (issue #8: each under 15 minutes on 2 cores).

    .venv/bin/python benchmarks/train_speed.py [--members 5]

Runs scripts/train_default_models.py (all ten shared TU Wien profiles, CMD-MiniExplorer VCP and
VCP + HCP, 5 members, FSlin, 3 % noise) into a temporary folder, checks that the weights it makes
are identical to the embedded ones (determinism; the metadata of the embedded files also hold the
accuracy-harness summary), and prints the wall time per model.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_S = 15 * 60


def _same_weights(a, b) -> bool:
    """Every array but the JSON metadata (which also holds the harness summary and paths) equal."""
    import numpy as np

    with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
        keys = [k for k in x.files if k != "metadata"]
        return sorted(keys) == sorted(k for k in y.files if k != "metadata") and all(
            np.array_equal(x[k], y[k]) for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--members", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.time()
        proc = subprocess.run([sys.executable, str(REPO / "scripts" / "train_default_models.py"), "--members",
                               str(args.members), "--out", tmp, "--reports", tmp],
                              capture_output=True, text=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
        total = time.time() - t0
        if proc.returncode != 0:
            sys.exit(proc.stdout[-2000:] + proc.stderr[-3000:])
        print(f"cores: {os.cpu_count()}, load average at the end: {os.getloadavg()[0]:.2f}")
        for line in proc.stdout.splitlines():
            m = re.match(r"(\w+): (\S+\.npz) .*; (\d+) s$", line)
            if m:
                name, file, secs = m[1], m[2], int(m[3])
                same = _same_weights(Path(tmp) / file, REPO / "emiai_core" / "models" / file)
                print(f"{name:8s} {secs:5d} s  (target {TARGET_S} s: {'PASS' if secs < TARGET_S else 'FAIL'})  "
                      f"weights identical to the embedded file: {same}")
            elif line.startswith("training set"):
                print(line)
        print(f"total {total:.0f} s (generation of the training set, both models, reports)")


if __name__ == "__main__":
    main()
