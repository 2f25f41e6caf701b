"""Shared test set-up: the native-library preload, a headless QgsApplication with Processing and
the emiAI provider registered (session scope), and the path of the committed test fixtures.

The fixtures under tests/data/ are compact excerpts of the real data in ../shared/data, made by
tests/data/make_fixtures.py (see tests/data/README.md); the suite never reads ../shared. Checks on
the whole shared data are in benchmarks/shared_checks/."""
import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="emiai-xdg-"))
sys.path.insert(0, str(REPO))

# Must run before anything imports tensorflow/h5py/shapely/pyproj (environment.md section 3).
from emiai_qgis.native import ensure_native_libs  # noqa: E402

ensure_native_libs(("h5py", "shapely", "pyproj"))


def data_file(*parts) -> Path:
    """Path of a committed fixture under tests/data (fails, never skips, when it is missing)."""
    path = DATA.joinpath(*parts)
    assert path.exists(), f"missing test fixture {path}: run .venv/bin/python tests/data/make_fixtures.py"
    return path


@pytest.fixture(scope="session")
def _processing():
    """One QgsApplication for the session with Processing and the emiAI provider (kept referenced)."""
    from emiai_qgis.headless import start_processing

    yield start_processing()
    # exitQgis() at interpreter exit segfaults with TF loaded; the process ends right after anyway.


@pytest.fixture(scope="session")
def qgis_app(_processing):
    return _processing[0]


@pytest.fixture(scope="session")
def emiai_provider(_processing):
    return _processing[1]


@pytest.fixture()
def run_alg(emiai_provider):
    """processing.run with a fresh context; raises QgsProcessingException on failure."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    def _run(alg_id, params, feedback=None):
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        return processing.run(alg_id, params, context=context, feedback=feedback or QgsProcessingFeedback())

    return _run
