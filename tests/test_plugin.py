"""Plugin metadata, provider registration and algorithm declarations."""
import configparser

from conftest import REPO


def test_metadata_declares_processing_provider():
    meta = configparser.ConfigParser()
    meta.read(REPO / "metadata.txt")
    general = meta["general"]
    assert general["hasProcessingProvider"] == "yes"
    assert general["qgisMinimumVersion"] == "3.22"
    assert general["name"] == "emiAI"


def test_provider_lists_algorithms(emiai_provider):
    ids = {alg.id() for alg in emiai_provider.algorithms()}
    assert {"emiai:importsurvey", "emiai:predictec", "emiai:depthslices"} <= ids
    for alg in emiai_provider.algorithms():
        assert alg.displayName() and alg.shortHelpString(), alg.id()
        assert alg.group() and alg.groupId(), alg.id()


def test_plugin_loads_without_tensorflow():
    """Loading the plugin and predicting must not import TensorFlow (prediction is numpy-only)."""
    import subprocess
    import sys

    code = (
        "import sys; sys.path.insert(0, %r);"
        "import os; os.environ['QT_QPA_PLATFORM']='offscreen';"
        "from qgis.core import QgsApplication; app = QgsApplication([], False); app.initQgis();"
        "from emiai_qgis.provider import EmiAIProvider;"
        "import emiai_qgis.algorithms.predict_ec, emiai_core.cascade, emiai_core.model_file;"
        "from emiai_core.model_file import load_model, default_model_path;"
        "import numpy as np; m = load_model(default_model_path());"
        "m.predict(np.array([[0.03, 0.035, 0.04]]));"
        "print('TF' if 'tensorflow' in sys.modules or 'keras' in sys.modules else 'NOTF')"
    ) % str(REPO)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.stdout.strip().splitlines()[-1] == "NOTF", out.stderr[-2000:]


def test_package_zip_is_an_installable_plugin(tmp_path):
    """`make package` output: one folder 'emiai/' with the plugin, the default model, no tests."""
    import subprocess
    import sys
    import zipfile

    if not (REPO / "emiai_qgis" / "resources_rc.py").exists() or not (REPO / ".git").exists():
        import pytest

        pytest.skip("needs a git checkout after `make resources`")
    out = tmp_path / "emiai.zip"
    subprocess.run([sys.executable, str(REPO / "scripts" / "package.py"), str(out)], check=True,
                   capture_output=True)
    names = zipfile.ZipFile(out).namelist()
    assert {n.split("/")[0] for n in names} == {"emiai"}
    for needed in ("emiai/__init__.py", "emiai/metadata.txt", "emiai/LICENSE", "emiai/NOTICE",
                   "emiai/emiai_qgis/provider.py", "emiai/emiai_qgis/resources_rc.py",
                   "emiai/emiai_core/models/emiai_tuwien2024_cmd_miniexplorer_vcp.npz"):
        assert needed in names, needed
    assert not any(n.startswith(("emiai/tests/", "emiai/.venv")) for n in names)
    assert "emiai/emiai_qgis/headless.py" not in names  # tests' and benchmarks' start-up only
