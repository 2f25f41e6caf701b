#!/usr/bin/env python
"""Convert the published TU Wien emiAI cascade (.keras + scaler JSON) into an emiAI model file.

Usage: .venv/bin/python scripts/convert_reference_model.py [REFERENCE_MODELS_DIR] [OUTPUT.npz]

Defaults: ../shared/data/tuwien_emiai_reference/models -> emiai_core/models/<DEFAULT_MODEL>.
Keras models are loaded with safe_mode=True (no Lambda layers or other code is deserialised).
"""
import datetime
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from emiai_core.cascade import CascadeModel, Dense, MinMaxScaling, Stage  # noqa: E402
from emiai_core.instruments import instrument  # noqa: E402
from emiai_core.model_file import DEFAULT_MODEL, save_model  # noqa: E402

SUBNETS = (("4x1", "1.5m_4layers"), ("6x1", "1.5m_6layers"), ("12x1", "1.5m_12layers"))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_subnet(folder: Path, name: str):
    """Dense layers, scalers and layer edges of one reference subnet."""
    import keras  # heavy: only for the conversion

    net = keras.saving.load_model(folder / f"dln_model_{name}.keras", compile=False, safe_mode=True)
    layers = []
    for layer in net.layers:
        if layer.__class__.__name__ == "Flatten":
            continue  # the reference's trailing Flatten is a no-op on (n, units)
        if layer.__class__.__name__ != "Dense":
            raise ValueError(f"{folder}: unexpected layer {layer.__class__.__name__}")
        kernel, bias = (np.asarray(w, dtype=np.float64) for w in layer.get_weights())
        layers.append(Dense(kernel, bias, layer.get_config()["activation"]))
    scalers = json.loads((folder / f"scalers_{name}.json").read_text())
    edges = np.loadtxt(folder / f"layer_depths_{name}.txt")
    sc = {k: MinMaxScaling(np.asarray(v["data_min"]), np.asarray(v["data_max"])) for k, v in scalers.items()}
    return layers, sc["scaler_in"], sc["scaler_out"], edges


def convert(ref_dir: Path, out: Path) -> None:
    mini = instrument("CMD-MiniExplorer")
    vcp = tuple(c.emagpy for c in mini.coils_at(0.0, ("VCP",)))
    six = tuple(c.emagpy for c in mini.coils_at(0.0))  # VCP x3 then HCP x3, as the reference
    stages, files = [], {}
    for k, (name, sub) in enumerate(SUBNETS):
        folder = ref_dir / sub
        layers, s_in, s_out, edges = read_subnet(folder, name)
        stages.append(Stage(name, edges, vcp if k == 0 else six, "measured" if k == 0 else "forward",
                            s_in, s_out, layers))
        for f in sorted(folder.iterdir()):
            files[f"{sub}/{f.name}"] = _sha256(f)
    model = CascadeModel(stages, vcp, forward_model="CS", ec_floor=1e-4, metadata={
        "name": "emiAI TU Wien 2024 — CMD-MiniExplorer VCP, 4/6/12 layers to 1.5 m",
        "description": (
            "The published emiAI cascade (TU Wien, 2024): subnet 4x1 maps the three VCP ECa of a "
            "GF CMD-MiniExplorer on the ground to a 4-layer EC model; the CS response (VCP+HCP) of "
            "that model feeds subnet 6x1, whose CS response feeds subnet 12x1. Trained on 13 ERT "
            "profiles of one agricultural site in Lower Austria (EC ~5–300 mS/m)."
        ),
        "instrument": {"name": mini.label},
        "height_m": 0.0,
        "licence": "MIT",
        "attribution": "TU Wien, Department of Geodesy and Geoinformation — emiAI, "
                       "Zenodo DOI 10.5281/zenodo.13968655 (MIT licence)",
        "provenance": {
            "source": "tuwien_emiai_reference/models (Keras 3.6.0, saved 2024-10-22), scalers converted "
                      "from the original scikit-learn pickles to JSON",
            "source_sha256": files,
            "converter": "scripts/convert_reference_model.py",
            "converted_on": datetime.date.today().isoformat(),
        },
    })
    save_model(out, model)
    print(f"wrote {out}")


if __name__ == "__main__":
    ref = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO.parent / "shared/data/tuwien_emiai_reference/models"
    dst = Path(sys.argv[2]) if len(sys.argv) > 2 else REPO / "emiai_core/models" / DEFAULT_MODEL
    dst.parent.mkdir(parents=True, exist_ok=True)
    convert(ref, dst)
