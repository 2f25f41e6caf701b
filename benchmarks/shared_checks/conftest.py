"""Checks on the whole shared real data (../shared/data), beside the fixture-based tests/:

    .venv/bin/python -m pytest -q benchmarks/shared_checks

tests/ runs on the compact fixtures in tests/data (made from ../shared/data by
tests/data/make_fixtures.py); the checks that need the whole data set live here: all ten ERT
profiles, whole-survey counts, the whole training set through the forward engine and the published
Keras networks, and that tests/data is what make_fixtures.py makes today. Every test here is
skipped, cleanly, when ../shared/data is missing. The QGIS fixtures (qgis_app, emiai_provider,
run_alg) are those of tests/conftest.py; the checks themselves are mostly those of tests/, written once
in tests/realdata_checks and called here with the whole data and its expected numbers.
"""
import importlib.util
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from shared_paths import SHARED, TESTS  # noqa: E402

# the checks shared with tests/ (tests/realdata_checks) and the fixture maker (tests/data/make_fixtures.py)
for _folder in (TESTS, TESTS / "data"):
    if str(_folder) not in sys.path:
        sys.path.append(str(_folder))


def _tests_conftest():
    """tests/conftest.py as a module (the one pytest already imported, if it did)."""
    path = TESTS / "conftest.py"
    for mod in list(sys.modules.values()):
        f = getattr(mod, "__file__", None)
        if f and Path(f).resolve() == path:
            return mod
    spec = importlib.util.spec_from_file_location("emiai_tests_conftest", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


_tests = _tests_conftest()  # also sets the environment and preloads the native libraries
# Everything tests/conftest.py defines, its fixtures (_processing, qgis_app, emiai_provider, run_alg)
# and its helpers: with `pytest tests benchmarks/shared_checks` this module is the one named
# `conftest` when the tests/ modules run `from conftest import REPO, data_file, ...`.
for _name, _value in vars(_tests).items():
    if not _name.startswith("__") and _name not in globals():
        globals()[_name] = _value


def pytest_collection_modifyitems(config, items):
    if SHARED.is_dir():
        return
    skip = pytest.mark.skip(reason=f"shared data not available: {SHARED}")
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(skip)
