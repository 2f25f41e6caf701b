"""Make tests/data/forward_golden.npz: EMagPy 1.4.5 full-solution ECa (FSlin, FSeq) of fixed models.

EMagPy's full solution is a Python loop per model (tens of ms each), so its answers are cached here
once and tests/test_forward.py compares emiai_core's engine with them (plus a small live check).
Re-run after changing the model draw (takes a few minutes):

    .venv/bin/python tests/data/make_forward_golden.py

Models (seed 20260303), EC in S/m, edges in m, the last layer a half-space:
* ``train``: 200 rows of the TU Wien 12-layer training set (if the shared data are present), GF
  CMD-MiniExplorer on the ground (the configuration the reference network was trained with);
* ``random``: for every instrument preset, 5 heights (0, 1 m and three uniform in between) x 25
  models: 4-30 layers, EC log-uniform in 1-1000 mS/m, thicknesses log-uniform in 0.03-1 m.

Reference values: ``emagpy.Problem().forward(forwardModel, coils, noise=0, models=[mS/m (1, n, L)],
depths=[(1, n, L-1)])`` per group of models with the same layer count and coils. EMagPy's FSeq search
(``fMaxwellQ``: ``scipy.optimize.newton``) raises RuntimeError for some models; then each model and
coil is redone with ``emagpy.invertHelper.fMaxwellQ`` (what ``Problem.forward`` calls) and a failure
is stored as NaN.
"""
from __future__ import annotations

import contextlib
import io
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))

from emiai_core.instruments import INSTRUMENTS  # noqa: E402

SEED = 20260303
MAX_L = 30
MAX_C = max(len(i.coils) for i in INSTRUMENTS.values())
TRAIN = ROOT.parent / "shared" / "data" / "tuwien_emiai_reference" / "training_data" / "1.5m_12layers"
TRAIN_EDGES = np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]


def emagpy_forward(model, ec, edges, coils):
    """EMagPy ECa (n, n_coils) in S/m for models with the same layer count."""
    from emagpy import Problem
    from emagpy.invertHelper import fMaxwellQ

    strings = [c.emagpy for c in coils]
    k = Problem()
    with contextlib.redirect_stdout(io.StringIO()):
        try:
            df = k.forward(forwardModel=model, coils=strings, noise=0.0,
                           models=[ec * 1000.0], depths=[edges[:, 1:-1]])[0]
            return df[strings].to_numpy() / 1000.0
        except RuntimeError:
            if model != "FSeq":
                raise
    out = np.full((len(ec), len(coils)), np.nan)
    for i in range(len(ec)):
        for j, c in enumerate(coils):
            try:
                out[i, j] = fMaxwellQ(ec[i] * 1000.0, edges[i, 1:-1], [c.coil_spacing],
                                      [c.orientation.lower()], hx=[c.height], f=[c.frequency])[0] / 1000.0
            except RuntimeError:
                pass
    return out


def draw():
    rng = np.random.default_rng(SEED)
    rows = []  # (set, preset, height, ec, edges)
    if (TRAIN / "EC.npy").exists():
        ec_all = np.load(TRAIN / "EC.npy")
        for i in np.sort(rng.choice(len(ec_all), 200, replace=False)):
            rows.append(("train", "CMD-MiniExplorer", 0.0, ec_all[i], TRAIN_EDGES))
    for key in INSTRUMENTS:
        heights = np.r_[0.0, np.sort(rng.uniform(0, 1, 3)), 1.0]
        for h in heights:
            for _ in range(25):
                n_layers = int(rng.integers(4, MAX_L + 1))
                ec = 10 ** rng.uniform(-3, 0, n_layers)
                thick = 10 ** rng.uniform(np.log10(0.03), 0, n_layers)
                edges = np.r_[0.0, np.cumsum(thick)]
                rows.append(("random", key, float(h), ec, edges))
    return rows


def main():
    import emagpy

    rows = draw()
    n = len(rows)
    ec = np.full((n, MAX_L), np.nan)
    edges = np.full((n, MAX_L + 1), np.nan)
    n_layers = np.zeros(n, dtype=np.int64)
    eca = {m: np.full((n, MAX_C), np.nan) for m in ("CS", "FSlin", "FSeq")}
    for i, (_, _, _, e, z) in enumerate(rows):
        n_layers[i] = len(e)
        ec[i, : len(e)] = e
        edges[i, : len(z)] = z
    # group rows by (preset, height, layer count) for Problem.forward
    groups = {}
    for i, (_, key, h, e, _) in enumerate(rows):
        groups.setdefault((key, h, len(e)), []).append(i)
    for gi, ((key, h, nl), idx) in enumerate(sorted(groups.items())):
        coils = INSTRUMENTS[key].coils_at(h)
        idx = np.array(idx)
        for model in eca:
            eca[model][idx, : len(coils)] = emagpy_forward(model, ec[idx, :nl], edges[idx, : nl + 1], coils)
        print(f"{gi + 1}/{len(groups)} {key} h={h:.3f} L={nl}: {len(idx)} models", flush=True)
    np.savez_compressed(
        HERE / "forward_golden.npz",
        set=np.array([r[0] for r in rows]),
        preset=np.array([r[1] for r in rows]),
        height=np.array([r[2] for r in rows]),
        n_layers=n_layers,
        ec=ec,
        edges=edges,
        eca_cs=eca["CS"],
        eca_fslin=eca["FSlin"],
        eca_fseq=eca["FSeq"],
        emagpy_version=np.array(emagpy.__version__ if hasattr(emagpy, "__version__") else "1.4.5"),
        seed=np.array(SEED),
    )
    print(f"wrote {HERE / 'forward_golden.npz'}: {n} models; EMagPy FSeq NaN: "
          f"{int(np.isnan(eca['FSeq']).sum() - np.isnan(eca['FSlin']).sum())} values")


if __name__ == "__main__":
    main()
