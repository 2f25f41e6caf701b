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
