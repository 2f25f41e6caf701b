"""The CS forward engine on the published TU Wien training set: tests/test_forward.py runs this check
on 300 rows of it (tests/data/reference_training_rows.npz), benchmarks/shared_checks/test_full_forward.py
on the whole set."""
import contextlib
import io

import numpy as np
import pytest

from emiai_core.forward import forward_eca
from emiai_core.instruments import INSTRUMENTS

TRAIN_EDGES = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]
MINI = INSTRUMENTS["CMD-MiniExplorer"].coils  # VCP 0.32/0.71/1.18, then HCP


def emagpy_forward(model, ec, edges, coils):
    """EMagPy Problem.forward ECa (n, n_coils) in S/m; edges shared (L+1,) or (n, L+1)."""
    problem = pytest.importorskip("emagpy").Problem
    edges = np.broadcast_to(edges, (len(ec), ec.shape[1] + 1))
    strings = [c.emagpy for c in coils]
    with contextlib.redirect_stdout(io.StringIO()):
        df = problem().forward(forwardModel=model, coils=strings, noise=0.0,
                               models=[ec * 1000.0], depths=[np.ascontiguousarray(edges[:, 1:-1])])[0]
    return df[strings].to_numpy() / 1000.0


def cs_reproduces_training_set(ec, ref, n_per_model, chunk_size, n_live):
    """CS of the 12-layer training models ``ec`` (S/m) equals the published VCP + HCP Mini-Explorer
    ECa ``ref`` to 1e-12: all rows with shared edges, the first ``n_per_model`` with edges per model
    in chunks of ``chunk_size``, and EMagPy itself on the first ``n_live``."""
    ours = forward_eca(ec, TRAIN_EDGES, MINI, "CS")
    assert np.abs(ours / ref - 1).max() < 1e-12
    n = n_per_model
    per_model = forward_eca(ec[:n], np.tile(TRAIN_EDGES, (n, 1)), MINI, "CS", chunk_size=chunk_size)
    assert np.abs(per_model / ref[:n] - 1).max() < 1e-12
    live = emagpy_forward("CS", ec[:n_live], TRAIN_EDGES, MINI)
    assert np.abs(ours[:n_live] / live - 1).max() < 1e-12
