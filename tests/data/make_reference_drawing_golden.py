#!/usr/bin/env python
"""Golden arrays of the reference drawings ('normal' / 'uniform', with and without reverse
partners) on the two fixture profiles, for tests/test_training_models.py.

    .venv/bin/python tests/data/make_reference_drawing_golden.py

Made with the code of the lognormal / random-model change (issue #8), whose reference drawings were
checked byte for byte (sha256) against the code before that change on Debian 12 (numpy 1.26,
scipy 1.10). The test compares with a tolerance, so the golden file also holds on other numpy /
scipy versions (Debian 13: numpy 2.2, scipy 1.15), where the last bits of a few draws differ.
"""
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))

GOLDEN_LOCATIONS = (0, 1, 12, 13)  # location ids kept: two boxes of B2_1, two of B6_2
CASES = {  # name -> GeneratorSettings overrides (NMODELS 40, SEED 3, RANDOM_SHARE 0)
    "normal_reverse": {"distribution": "normal"},
    "normal_single": {"distribution": "normal", "reverse": False, "exag_factors": (5.0, 10.0), "n0_scaler": 1.5},
    "uniform_reverse": {"distribution": "uniform"},
    "uniform_single": {"distribution": "uniform", "reverse": False, "exag_factors": (5.0, 10.0), "n0_scaler": 1.5},
}


def run(**kw):
    from emiai_core import ert
    from emiai_core import model_generation as mg

    profiles = [mg.ProfileCells.from_georeferenced(ert.load_profile_folder(HERE / "tuwien_ert" / p, max_depth_m=4.0))
                for p in ("B2_1", "B6_2")]
    return mg.generate_training_models(profiles, mg.GeneratorSettings(**{"nmodels": 40, "seed": 3,
                                                                          "random_share": 0.0, **kw}))


def main():
    from emiai_core.atomic import write_npz

    arrays = {}
    for name, kw in CASES.items():
        ts = run(**kw).training_set
        keep = np.isin(ts.location_id, GOLDEN_LOCATIONS)  # a few boxes of each profile keep the file small
        for layering in ("L12", "deep"):
            arrays[f"{name}__ec_{layering}"] = ts.ec[layering][keep]
        arrays[f"{name}__model_kind"] = ts.model_kind[keep]
        arrays[f"{name}__location_id"] = ts.location_id[keep]
    write_npz(HERE / "reference_drawing_golden.npz", arrays, compress=True)
    print(f"wrote {HERE / 'reference_drawing_golden.npz'}: {len(arrays)} arrays")


if __name__ == "__main__":
    main()
