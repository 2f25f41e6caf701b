"""Paths of the shared real data for benchmarks/shared_checks (a module of its own, not conftest:
tests/ modules import their helpers `from conftest`, and both folders may be collected together)."""
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
TESTS = REPO / "tests"
SHARED = REPO.parent / "shared" / "data"


def shared(*parts) -> Path:
    """Path inside ../shared/data (the tests here are skipped when that folder is missing)."""
    return SHARED.joinpath(*parts)
