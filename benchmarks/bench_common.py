"""Small helpers shared by the benchmark scripts."""
from __future__ import annotations

from pathlib import Path


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo ('unknown' elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def git_head(repo) -> str | None:
    """The short commit of the repository the benchmark ran from (None without git)."""
    import subprocess

    try:
        return subprocess.run(["git", "-C", str(repo), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def best_wall_cpu(fn, repeats: int = 5):
    """(wall s, CPU s, result) of the fastest (by wall time) of ``repeats`` calls of fn()."""
    import time

    best = None
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        w, c = time.perf_counter() - t0, time.process_time() - c0
        if best is None or w < best[0]:
            best = (w, c, result)
    return best
