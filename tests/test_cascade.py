"""The numpy cascade against the published Keras networks, and the model file format."""
import json
import zipfile

import numpy as np
import pytest

from conftest import shared_data
from emiai_core.cascade import CascadeModel
from emiai_core.forward import forward_eca
from emiai_core.layering import REFERENCE_EDGES
from emiai_core.model_file import ModelFileError, default_model_path, load_model, save_model

SUBNETS = (("4x1", "1.5m_4layers"), ("6x1", "1.5m_6layers"), ("12x1", "1.5m_12layers"))


@pytest.fixture(scope="module")
def model() -> CascadeModel:
    return load_model(default_model_path())


@pytest.fixture(scope="module")
def keras_nets():
    """The three reference subnets loaded with Keras (safe mode)."""
    from emiai_qgis.native import ensure_native_libs

    ensure_native_libs(("tensorflow",))
    keras = pytest.importorskip("keras")
    root = shared_data("tuwien_emiai_reference", "models")
    return [keras.saving.load_model(root / sub / f"dln_model_{name}.keras", compile=False, safe_mode=True)
            for name, sub in SUBNETS]


@pytest.fixture(scope="module")
def keras_nets64(keras_nets):
    """The same networks rebuilt in float64 with the stored weights: exact arithmetic reference."""
    import keras

    clones = []
    for net in keras_nets:
        dense = [lay for lay in net.layers if lay.__class__.__name__ == "Dense"]
        clone = keras.Sequential([keras.Input((dense[0].get_weights()[0].shape[0],), dtype="float64")]
                                 + [keras.layers.Dense(lay.units, activation=lay.get_config()["activation"],
                                                       dtype="float64") for lay in dense])
        for mine, theirs in zip(clone.layers, dense):
            mine.set_weights([w.astype(np.float64) for w in theirs.get_weights()])
        clones.append(clone)
    return clones


@pytest.fixture(scope="module")
def field_like_eca():
    """VCP ECa (S/m) of the 12-layer reference training models: what a real ground would give."""
    return np.load(shared_data("tuwien_emiai_reference", "training_data", "1.5m_12layers", "ECa_vcp_mini.npy"))


def _keras_stage(net, stage, x):
    import keras

    # call the network directly: Model.predict would cast float64 inputs to float32 (floatx)
    dtype = "float64" if net.layers[-1].dtype == "float64" else "float32"
    scaled = keras.ops.convert_to_tensor(stage.scaler_in.transform(x), dtype=dtype)
    return stage.scaler_out.inverse(np.asarray(net(scaled), dtype=np.float64))


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


@pytest.mark.parametrize("precision", ["float32", "float64"])
def test_each_stage_reproduces_keras(model, keras_nets, keras_nets64, field_like_eca, precision):
    """Every subnet in numpy equals Keras (1e-5 relative; 1e-10 against float64) on 5,000 real inputs."""
    nets, tol = (keras_nets, KERAS32) if precision == "float32" else (keras_nets64, KERAS64)
    rows = np.random.default_rng(0).choice(len(field_like_eca), 5000, replace=False)
    for k, (net, stage) in enumerate(zip(nets, model.stages)):
        if k == 0:
            inputs = field_like_eca[rows]
        else:  # later stages take the CS response of a training model of the previous layering
            ec_prev = np.load(shared_data("tuwien_emiai_reference", "training_data",
                                          SUBNETS[k - 1][1], "EC.npy"))[rows]
            inputs = forward_eca(ec_prev, model.stages[k - 1].layer_edges, stage.input_coils)
        np.testing.assert_allclose(stage.predict(inputs), _keras_stage(net, stage, inputs), **tol)


def test_cascade_reproduces_keras_cascade(model, keras_nets, keras_nets64, field_like_eca):
    """The whole cascade (CS forward between stages) equals the Keras cascade of the reference."""
    x = field_like_eca[::11]
    ours = model.predict(x)
    for nets, tol in ((keras_nets, KERAS32), (keras_nets64, KERAS64)):
        ec = None
        for k, (net, stage) in enumerate(zip(nets, model.stages)):
            inputs = x if k == 0 else forward_eca(ec, model.stages[k - 1].layer_edges, stage.input_coils)
            ec = np.maximum(_keras_stage(net, stage, inputs), model.ec_floor)
            np.testing.assert_allclose(ours.ec[k], ec, **tol)
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
    x = field_like_eca[:1000]
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
    with pytest.raises(ModelFileError, match="not a readable emiAI model"):
        load_model(corrupt)
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, metadata=np.array([{"format": "emiai-model"}], dtype=object))
    with pytest.raises(ModelFileError):
        load_model(pickled)
    assert zipfile.is_zipfile(default_model_path())
