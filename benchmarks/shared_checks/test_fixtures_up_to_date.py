"""tests/data is what tests/data/make_fixtures.py makes from ../shared/data today.

Text fixtures and reference_training_rows.npz must be byte-identical. keras_golden.npz holds Keras
outputs, whose last bits may depend on the CPU's kernels: same arrays, header equal except the
library versions, values equal to 1e-12 (float64 rebuild) and 1e-6 (published float32 networks).
"""
import json
import subprocess
import sys

import numpy as np
import pytest
from shared_paths import REPO

DATA = REPO / "tests" / "data"
SCRIPT = DATA / "make_fixtures.py"
NOT_GENERATED = {"README.md", "make_fixtures.py", "make_forward_golden.py", "forward_golden.npz",
                 "make_reference_drawing_golden.py", "reference_drawing_golden.npz"}  # own scripts


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("fixtures")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return out


def test_the_fixture_set_is_the_generated_set(regenerated):
    made = {str(p.relative_to(regenerated)) for p in regenerated.rglob("*") if p.is_file()}
    have = {str(p.relative_to(DATA)) for p in DATA.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert have - NOT_GENERATED == made
    total = sum((DATA / f).stat().st_size for f in made)
    assert total < 3e6, f"fixtures {total / 1e6:.2f} MB"


def test_text_and_data_fixtures_are_byte_identical(regenerated):
    for path in sorted(regenerated.rglob("*")):
        rel = path.relative_to(regenerated)
        if path.is_file() and path.name != "keras_golden.npz":
            assert (DATA / rel).read_bytes() == path.read_bytes(), f"{rel} differs: run {SCRIPT.name}"


def test_keras_golden_is_reproduced(regenerated):
    def load(path):
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        head = json.loads(str(arrays.pop("header")[()]))
        return head, arrays

    head_new, new = load(regenerated / "keras_golden.npz")
    head_old, old = load(DATA / "keras_golden.npz")
    for key in ("keras", "tensorflow"):
        head_new.pop(key), head_old.pop(key)
    assert head_new == head_old and set(new) == set(old)
    for key in new:
        tol = dict(rtol=1e-6, atol=1e-9) if "32" in key else dict(rtol=1e-12, atol=0)
        np.testing.assert_allclose(new[key], old[key], err_msg=key, **tol)
