"""Shared test set-up: the native-library preload, a headless QgsApplication with Processing and
the emiAI provider registered (session scope), and paths to the shared real data."""
import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="emiai-xdg-"))
sys.path.insert(0, str(REPO))

# Must run before anything imports tensorflow/h5py/shapely/pyproj (environment.md section 3).
from emiai_qgis.native import ensure_native_libs  # noqa: E402

ensure_native_libs(("h5py", "shapely", "pyproj"))


def shared_data(*parts) -> Path:
    """Path inside ../shared/data; skips the test when the shared data are not there."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {path}")
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
