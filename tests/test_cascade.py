"""The numpy cascade against the published Keras networks, and the model file format.

The Keras answers are cached in tests/data/keras_golden.npz (tests/data/make_fixtures.py: the
published networks, and a float64 rebuild of their weights, on 200 rows of the reference training
set); the same comparisons on 5,000 rows and on the whole cascade straight through Keras are in
benchmarks/shared_checks/test_full_cascade.py."""
import json
import zipfile

import numpy as np
import pytest

from conftest import data_file
from emiai_core.cascade import CascadeModel
from emiai_core.forward import forward_eca
from emiai_core.layering import REFERENCE_EDGES
from emiai_core.model_file import ModelFileError, default_model_path, load_model, save_model

SUBNETS = ("4x1", "6x1", "12x1")
PREVIOUS_EC = (None, "ec_L4", "ec_L6")  # stage k > 0 takes the CS response of a model of stage k-1's layering


@pytest.fixture(scope="module")
def model() -> CascadeModel:
    return load_model(default_model_path())


@pytest.fixture(scope="module")
def golden():
    """Keras outputs of the published subnets (float32) and of their float64 rebuild, in S/m."""
    with np.load(data_file("keras_golden.npz"), allow_pickle=False) as z:
        g = {k: z[k] for k in z.files}
    g["header"] = json.loads(str(g["header"][()]))
    return g


@pytest.fixture(scope="module")
def training_rows():
    """300 rows of the reference training set (tests/data/reference_training_rows.npz), S/m."""
    with np.load(data_file("reference_training_rows.npz"), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def field_like_eca(training_rows):
    """VCP ECa (S/m) of 300 of the 12-layer reference training models: what a real ground would give."""
    return training_rows["eca_vcp_mini"]


# Keras evaluates the stored networks in float32: ~1e-7 relative per operation, so a few outputs
# near a cancellation differ by up to ~5e-8 S/m (5e-5 mS/m). Against the float64 rebuild of the
# same weights we agree to 1e-10.
KERAS32 = dict(rtol=1e-5, atol=1e-7)
KERAS64 = dict(rtol=1e-10, atol=1e-14)


def test_default_model_metadata(model):
    assert model.measured_coils == ("VCP0.32f30000h0", "VCP0.71f30000h0", "VCP1.18f30000h0")
    assert [s.name for s in model.stages] == ["4x1", "6x1", "12x1"]
    for stage, key in zip(model.stages, ("L4", "L6", "L12")):
        np.testing.assert_allclose(stage.layer_edges, REFERENCE_EDGES[key], atol=1e-12)
    assert model.metadata["licence"] == "MIT"
    assert "10.5281/zenodo.13968655" in model.metadata["attribution"]
    # scaler ranges as published (reference_algorithm.md section 7.1)
    np.testing.assert_allclose(model.stages[0].scaler_in.data_min, [0.00580, 0.00680, 0.00777], atol=1e-5)
    np.testing.assert_allclose(model.stages[2].scaler_out.data_max[0], 1.88272, atol=1e-5)
    assert sum(d.kernel.size + d.bias.size for d in model.stages[0].layers) == 94


def test_golden_matches_the_model_and_the_training_rows(model, golden, training_rows):
    """The cached Keras run used this model's layerings, coils and floor, on the stored training rows."""
    head = golden["header"]
    assert head["subnets"] == [s.name for s in model.stages] == list(SUBNETS)
    assert head["ec_floor"] == model.ec_floor
    n = len(golden["stage0_input"])
    assert n == 200
    for k, stage in enumerate(model.stages):
        assert tuple(head["stage_coils"][k]) == stage.input_coils
        np.testing.assert_allclose(stage.layer_edges, head["layer_edges"][k], atol=1e-12)
        if k == 0:
            np.testing.assert_array_equal(golden["stage0_input"], training_rows["eca_vcp_mini"][:n])
        else:  # later stages take the CS response of a training model of the previous layering
            ec_prev = training_rows[PREVIOUS_EC[k]][:n]
            np.testing.assert_allclose(golden[f"stage{k}_input"],
                                       forward_eca(ec_prev, model.stages[k - 1].layer_edges, stage.input_coils),
                                       rtol=1e-12)


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_each_stage_reproduces_keras(model, golden, precision):
    """Every subnet in numpy equals Keras (1e-5 relative; 1e-10 against float64) on 200 real inputs."""
    tag, tol = ("32", KERAS32) if precision == "float32" else ("64", KERAS64)
    for k, stage in enumerate(model.stages):
        inputs = golden[f"stage{k}_input"]
        np.testing.assert_allclose(stage.predict(inputs), golden[f"stage{k}_keras{tag}"], **tol)


def test_cascade_reproduces_keras_cascade(model, golden):
    """The whole cascade (CS forward between stages) equals the Keras cascade of the reference."""
    x = golden["stage0_input"]
    ours = model.predict(x)
    for tag, tol in (("32", KERAS32), ("64", KERAS64)):
        for k in range(len(model.stages)):
            raw = golden[f"cascade{tag}_stage{k}_raw"]
            np.testing.assert_allclose(ours.ec[k], np.maximum(raw, model.ec_floor), **tol)
    assert np.sum(golden["cascade64_stage0_raw"] < model.ec_floor) >= 1  # the floor is exercised
    # a sanity figure: the predicted 12-layer EC is in the training range (5–300 mS/m) for typical input
    med = np.median(ours.ec[2], axis=0) * 1000
    assert np.all((med > 20) & (med < 80)), med


def test_negative_predictions_are_floored_and_counted(model):
    """Inputs far outside the training range make the linear output negative: floored, counted."""
    eca = np.array([[0.30, 0.005, 0.25], [0.03, 0.035, 0.04]])
    raw = model.stages[0].predict(eca)
    assert raw[0].min() < 0  # the reference network does go negative here
    res = model.predict(eca)
    assert all(np.all(e >= model.ec_floor) for e in res.ec)
    assert res.n_floored[0] >= 1 and res.n_floored[1] == 0
    assert res.extrapolated.tolist() == [True, False]


def test_prediction_is_chunk_independent(model, field_like_eca):
    x = field_like_eca  # 300 rows: chunks of 137 split them in three
    a = model.predict(x, chunk_size=1000).ec[2]
    b = model.predict(x, chunk_size=137).ec[2]
    assert np.array_equal(a, b)


def test_model_file_round_trip(model, tmp_path):
    out = tmp_path / "copy.npz"
    save_model(out, model)
    again = load_model(out)
    x = np.array([[0.02, 0.03, 0.04]])
    assert np.array_equal(again.predict(x).ec[2], model.predict(x).ec[2])


def _rewrite_metadata(src, dst, change):
    with np.load(src, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(str(arrays["metadata"]))
    change(meta, arrays)
    arrays["metadata"] = np.array(json.dumps(meta))
    np.savez(dst, **arrays)


@pytest.mark.parametrize("change, message", [
    (lambda m, a: m.update(format_version=99), "format_version 99 is not supported"),
    (lambda m, a: m.update(format="something-else"), "expected 'emiai-model'"),
    (lambda m, a: a.pop("stage1_dense0_kernel"), "stage 1 dense layer 0 weights are missing"),
    (lambda m, a: m["stages"][2].update(layer_edges=[0, 0.5, 0.4]), "layer_edges must increase"),
    (lambda m, a: m["instrument"].update(coils=["VCP0.32", "XYZ1"]), "bad instrument coils"),
    (lambda m, a: a.update(stage0_dense0_kernel=np.full((3, 6), np.nan)), "NaN weights"),
    (lambda m, a: m["stages"][0]["scaler_in"].update(data_min=[0.0, 0.0]), "must have 3 values"),
])
def test_bad_model_files_are_rejected(tmp_path, change, message):
    bad = tmp_path / "bad.npz"
    _rewrite_metadata(default_model_path(), bad, change)
    with pytest.raises(ModelFileError, match=message):
        load_model(bad)


def test_corrupt_and_pickled_files_are_rejected(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(default_model_path().read_bytes()[:2000])
    with pytest.raises(ModelFileError, match="not a readable .npz archive"):
        load_model(corrupt)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, metadata=np.array([{"format": "emiai-model"}], dtype=object))
    with pytest.raises(ModelFileError):
        load_model(pickled)
    assert zipfile.is_zipfile(default_model_path())
