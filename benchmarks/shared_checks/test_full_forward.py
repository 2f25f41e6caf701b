"""The CS forward engine on the whole reference training set: the check of
tests/realdata_checks/forward.py (tests/test_forward.py runs it on 300 rows of the set)."""
import numpy as np
from realdata_checks import forward as checks
from shared_paths import shared


def test_cs_reproduces_training_set():
    base = shared("tuwien_emiai_reference", "training_data", "1.5m_12layers")
    ec = np.load(base / "EC.npy")
    ref = np.c_[np.load(base / "ECa_vcp_mini.npy"), np.load(base / "ECa_hcp_mini.npy")]
    checks.cs_reproduces_training_set(ec, ref, n_per_model=2000, chunk_size=300, n_live=1000)
