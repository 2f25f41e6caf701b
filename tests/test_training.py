"""Training an ensemble of EC networks: data, grouped split, the model file v2, prediction with
uncertainty, and emiai:trainnetwork (TensorFlow only in its child process)."""
import json
import sys

import numpy as np
import pytest

from conftest import data_file
from emiai_core import training as T
from emiai_core.cascade import Dense
from emiai_core.forward import forward_eca
from emiai_core.instruments import instrument
from emiai_core.layering import REFERENCE_EDGES, resample_layers
from emiai_core.model_file import ModelFileError, load_model, save_model
from emiai_core.networks import EnsembleModel, LogScaling, Mahalanobis

VCP = tuple(c.emagpy for c in instrument("CMD-MiniExplorer").coils_at(0.0, ("VCP",)))
E12 = np.asarray(REFERENCE_EDGES["L12"])


@pytest.fixture(scope="module")
def training_set_file(tmp_path_factory):
    """A small training set from the two fixture ERT profiles (22 extraction locations)."""
    from emiai_core import ert
    from emiai_core import model_generation as mg
    from emiai_core.training_set import save_training_set

    profiles = [mg.ProfileCells.from_georeferenced(ert.load_profile_folder(data_file("tuwien_ert", p), max_depth_m=4.0))
                for p in ("B2_1", "B6_2")]
    result = mg.generate_training_models(profiles, mg.GeneratorSettings(nmodels=20, seed=3), crs="EPSG:31256")
    path = tmp_path_factory.mktemp("ts") / "ts.npz"
    save_training_set(path, result.training_set)
    return path


def test_profile_groups_keep_siblings_together():
    assert [T.profile_group(p) for p in ("B2_1", "B2_2", "B10_3", "site", "A_b")] == ["B2", "B2", "B10", "site", "A_b"]


def test_split_is_by_whole_groups_and_seeded():
    groups = np.repeat([f"g{i}" for i in range(20)], np.arange(20) + 5)
    tr, va, te = T.split_groups(groups, 0.2, 0.2, seed=1)
    assert np.all(tr.astype(int) + va + te == 1)
    for mask_a, mask_b in ((tr, va), (tr, te), (va, te)):
        assert not set(groups[mask_a]) & set(groups[mask_b])  # no group in two splits
    n = len(groups)
    assert 0.2 * n <= te.sum() < 0.2 * n + 25 and 0.2 * n <= va.sum() < 0.2 * n + 25  # a group at most over
    again = T.split_groups(groups, 0.2, 0.2, seed=1)
    assert all(np.array_equal(a, b) for a, b in zip((tr, va, te), again))
    assert not np.array_equal(T.split_groups(groups, 0.2, 0.2, seed=2)[2], te)
    with pytest.raises(T.TrainingError, match="hold 3 group.*at least 6"):
        T.split_groups(np.repeat(["a", "b", "c"], 10), 0.2, 0.2, seed=0)


def test_training_data_are_the_forward_response_of_the_full_models(training_set_file):
    from emiai_core.training_set import load_training_set

    ts = load_training_set(training_set_file)
    data = T.load_training_data([training_set_file, training_set_file], VCP, "FSlin")
    assert data.n_rows == 2 * ts.n_models and data.ec.shape == (2 * ts.n_models, 12)
    full, edges = ts.full_model("L12")
    assert edges[-1] == pytest.approx(3.0) and full.shape[1] > 12  # the deep extension below 1.5 m
    np.testing.assert_allclose(data.eca[:ts.n_models], forward_eca(full, edges, VCP, "FSlin"), rtol=1e-12)
    # half-space target: thickness-weighted mean conductivity of the extension between 1.5 and 3 m
    deep = ts.ec["deep"]
    ext_edges = ts.layerings["deep"].edges
    w = np.diff(ext_edges)
    np.testing.assert_allclose(data.ec_halfspace[:ts.n_models], deep @ w / w.sum(), rtol=1e-12)
    # a second copy of the same file keeps its own groups (file index prefix): 2 x 22 locations
    assert len(np.unique(data.groups)) == 2 * len(np.unique(ts.location_id))
    assert data.halfspace_bottom_m == pytest.approx(3.0)


def test_coils_that_sense_below_the_models_are_refused(training_set_file):
    # CMD-Explorer HCP 4.49 m: R(2.5/4.49) = 1/sqrt(4 * 0.557^2 + 1) = 67 % of the signal below 2.5 m,
    # where the default training models (extension to 3 m) only continue their deepest layer
    with pytest.raises(T.TrainingError, match=r"coil HCP4.49f10000h0 takes 67 % of its signal from below 2.5 m"):
        T.load_training_data([training_set_file], ["VCP0.32f30000h0", "HCP4.49f10000h0"], "FSlin")
    # the MiniExplorer's deepest coil, HCP 1.18 m, takes 23 %: accepted
    mini = [c.emagpy for c in instrument("CMD-MiniExplorer").coils_at(0.0)]
    assert T.load_training_data([training_set_file], mini, "CS").eca.shape[1] == 6


def _toy_ensemble(n_members=3, n_in=3, seed=0, hidden=5):
    rng = np.random.default_rng(seed)
    members = []
    for _ in range(n_members):
        members.append([Dense(rng.normal(size=(n_in, hidden)), rng.normal(size=hidden), "relu"),
                        Dense(rng.normal(size=(hidden, 13)) * 0.3, rng.normal(size=13) * 0.1, "linear")])
    scaler_in = LogScaling(np.full(n_in, -1.5), np.full(n_in, 0.3))
    scaler_out = LogScaling(np.linspace(-2.0, -1.2, 13), np.full(13, 0.25))
    z = rng.normal(size=(500, n_in))
    return EnsembleModel(VCP[:n_in], E12, scaler_in, scaler_out, members, Mahalanobis.fit(z), "FSlin", 0.03,
                         (1e-4, 2.0), {"L4": np.asarray(REFERENCE_EDGES["L4"])}, {"member_seeds": [0, 1000, 2000]})


def test_ensemble_prediction_is_the_geometric_mean_of_members():
    model = _toy_ensemble()
    eca = np.array([[0.01, 0.02, 0.03], [0.05, 0.04, 0.03], [0.2, 0.3, 0.5]])
    logs = model.member_log10(eca)
    manual = []
    for layers in model.members:
        h = (np.log10(eca) - model.scaler_in.mean) / model.scaler_in.std
        h = np.maximum(h @ layers[0].kernel + layers[0].bias, 0) @ layers[1].kernel + layers[1].bias
        manual.append(h * model.scaler_out.std + model.scaler_out.mean)
    np.testing.assert_allclose(logs, manual, rtol=1e-12)
    pred = model.predict_layers(eca)
    np.testing.assert_allclose(pred.ec[0], np.clip(10 ** np.mean(manual, axis=0)[:, :12], 1e-4, 2.0), rtol=1e-12)
    np.testing.assert_allclose(pred.ec_std_log10[0], np.std(manual, axis=0)[:, :12], rtol=1e-12)
    np.testing.assert_allclose(pred.ec_halfspace, np.clip(10 ** np.mean(manual, axis=0)[:, 12], 1e-4, 2.0))
    # coarse output: conductance of the 12 layers preserved in each of the 4 layers
    np.testing.assert_allclose(pred.ec[1], resample_layers(pred.ec[0], E12, REFERENCE_EDGES["L4"]), rtol=1e-12)
    # out-of-distribution score: Mahalanobis distance of the scaled log10 ECa
    z = model.scaler_in.transform(eca)
    d = z - model.ood.mean
    np.testing.assert_allclose(pred.ood_score, np.sqrt(np.einsum("ni,ij,nj->n", d, model.ood.inv_cov, d)))
    assert list(pred.extrapolated) == list(pred.ood_score > model.ood.threshold)


def test_model_file_v2_round_trip_and_validation(tmp_path):
    model = _toy_ensemble()
    path = tmp_path / "m.npz"
    save_model(path, model, {"name": "toy"})
    back = load_model(path)
    assert back.architecture == "direct" and back.metadata["format_version"] == 2
    eca = np.random.default_rng(1).uniform(0.005, 0.3, (50, 3))
    a, b = model.predict_layers(eca), back.predict_layers(eca)
    for x, y in ((a.ec[0], b.ec[0]), (a.ec_std_log10[0], b.ec_std_log10[0]), (a.ood_score, b.ood_score)):
        np.testing.assert_array_equal(x, y)
    save_model(tmp_path / "again.npz", back)
    assert (tmp_path / "again.npz").read_bytes() != b"" and load_model(tmp_path / "again.npz").metadata["name"] == "toy"
    # the published cascade (format 1) still loads
    from emiai_core.model_file import default_model_path

    assert load_model(default_model_path()).metadata["format_version"] == 1

    def corrupt(edit_meta=None, drop=None, replace=None):
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
        meta = json.loads(str(arrays["metadata"]))
        if edit_meta:
            edit_meta(meta)
        arrays["metadata"] = np.array(json.dumps(meta))
        for k in drop or ():
            arrays.pop(k)
        arrays.update(replace or {})
        bad = tmp_path / f"bad{len(list(tmp_path.iterdir()))}.npz"
        np.savez(bad, **arrays)
        return bad

    cases = [
        (corrupt(drop=["member1_dense0_kernel"]), "member 1 dense layer 0 weights are missing"),
        (corrupt(lambda m: m["scaler_in"].update(kind="minmax")), "scaler_in kind must be log10-standard"),
        (corrupt(lambda m: m["scaler_out"].update(std=[0.0] * 13)), "scaler_out.std must be > 0"),
        (corrupt(replace={"ood_inv_cov": np.zeros((2, 2))}), r"ood_inv_cov must be a finite \(3, 3\) array"),
        (corrupt(lambda m: m.update(ec_bounds_S_m=[1.0, 0.5])), "min < max"),
        (corrupt(lambda m: m.update(layer_edges=[0, 0.5, 0.4])), "layer_edges must increase"),
        (corrupt(lambda m: m["members"][0]["dense"][1].update(units=12)), "member 0 dense layer 1 has kernel"),
        (corrupt(lambda m: m.update(noise_relative=3)), r"noise_relative must be in \[0, 1\)"),
    ]
    for bad, message in cases:
        with pytest.raises(ModelFileError, match=message):
            load_model(bad)


def test_predict_survey_with_an_ensemble_writes_spread_halfspace_and_ood():
    from emiai_core.prediction import data_misfit_pct, predict_survey

    model = _toy_ensemble()
    eca_mS_m = np.array([[10.0, 20.0, 30.0], [-1.0, 5.0, 6.0], [40.0, 35.0, 30.0]])
    pred = predict_survey(model, eca_mS_m, "drop", "CS", add_coarse=True)
    names = [f.name for f in pred.fields]
    assert names[:12] == [f"EC_{a}_{b}" for a, b in zip(["000", "012", "024", "036", "048", "060", "072", "084",
                                                        "096", "108", "120", "132"],
                                                       ["012", "024", "036", "048", "060", "072", "084", "096",
                                                        "108", "120", "132", "150"])]
    assert names[12:16] == ["EC_000_037", "EC_037_075", "EC_075_112", "EC_112_150"]
    assert names[16] == "ECSTD_000_012" and names[27] == "ECSTD_132_150" and names[28] == "EC_HS_150"
    assert names[29:] == ["MISFIT_PCT", "OOD_SCORE", "DOI_M", "EXTRAPOL", "FLOORED", "FIT_FLAG"]
    # FIT_FLAG: 1 where the data are not fitted within twice the model's noise (3 %)
    np.testing.assert_array_equal(pred.values["FIT_FLAG"], (pred.values["MISFIT_PCT"] > 6.0).astype(int))
    assert pred.layer_fields == names[:16]
    raw = model.predict_layers(eca_mS_m[[0, 2]] / 1000.0)
    cols = pred.columns()
    np.testing.assert_allclose(cols["EC_060_072"], raw.ec[0][:, 5] * 1000.0)
    np.testing.assert_allclose(cols["ECSTD_060_072"], raw.ec_std_log10[0][:, 5])
    np.testing.assert_allclose(cols["EC_HS_150"], raw.ec_halfspace * 1000.0)
    # the misfit includes the half-space below 1.5 m
    full = np.hstack([raw.ec[0], raw.ec_halfspace[:, None]])
    np.testing.assert_allclose(cols["MISFIT_PCT"],
                               data_misfit_pct(eca_mS_m[[0, 2]] / 1000, full, np.r_[E12, 3.0], model.measured_coils,
                                               "CS"))
    assert len(pred.rows()[0]) == len(names)


def _run_train(run_alg, ts, tmp_path, name="m", **extra):
    params = {"TRAINING_SETS": [str(ts)], "INSTRUMENT": 0, "ORIENTATIONS": 0, "MEMBERS": 2, "HIDDEN": "8,8",
              "MAX_EPOCHS": 6, "SEED": 5, "OUTPUT": str(tmp_path / f"{name}.npz"),
              "OUTPUT_HTML": str(tmp_path / f"{name}.html")}
    params.update(extra)
    return run_alg("emiai:trainnetwork", params)


def test_trainnetwork_trains_in_a_child_process(run_alg, training_set_file, tmp_path):
    res = _run_train(run_alg, training_set_file, tmp_path)
    assert "tensorflow" not in sys.modules and "keras" not in sys.modules  # never in the QGIS process
    model = load_model(tmp_path / "m.npz")
    assert model.architecture == "direct" and len(model.members) == 2 and model.measured_coils == VCP
    meta = model.metadata
    assert meta["training"]["settings"]["noise_relative"] == pytest.approx(0.03)
    from emiai_core.training_set import load_training_set

    assert meta["training"]["rows"]["total"] == res["N_ROWS"] == load_training_set(training_set_file).n_models
    assert meta["member_seeds"] == [5, 1005]
    assert 0 < res["LOG10_RMSE"] < 1.0 and np.isfinite(res["MAE_MS_M"]) and np.isfinite(res["MISFIT_MEDIAN"])
    # scores are in the file and on the test split of whole locations
    sc = meta["training"]["scores"]
    assert len(sc["log10_rmse"]) == 12 and meta["training"]["evaluated_on"] == "test"
    html = (tmp_path / "m.html").read_text()
    assert "RMSE of log10 EC" in html and "m_figures/m_scatter.png" in html
    assert sorted(p.name for p in (tmp_path / "m_figures").iterdir()) == [
        "m_curves.png", "m_errors.png", "m_misfit.png", "m_scatter.png"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left
    # the same seed gives a byte-identical model file (same name: the file stem is the model's name)
    (tmp_path / "again").mkdir()
    _run_train(run_alg, training_set_file, tmp_path / "again")
    assert (tmp_path / "m.npz").read_bytes() == (tmp_path / "again" / "m.npz").read_bytes()
    # and predictec uses it: uncertainty and half-space fields, OOD flag
    from helpers_layers import point_layer

    layer = point_layer([0.0, 1.0, 2.0], [0.0, 0.0, 0.0], {"VCP0.32": [20.0, 30.0, 900.0],
                                                           "VCP0.71": [22.0, 31.0, 800.0],
                                                           "VCP1.18": [25.0, 33.0, 700.0]})
    from helpers_layers import read_layer

    out = run_alg("emiai:predictec", {"INPUT": layer, "MODEL": str(tmp_path / "m.npz"),
                                      "OUTPUT": str(tmp_path / "ec.gpkg")})
    assert out["N_PREDICTED"] == 3 and out["N_EXTRAPOLATED"] >= 1  # 900 mS/m is far outside the Austrian site
    names, rows, _ = read_layer(str(tmp_path / "ec.gpkg"))
    assert {"ECSTD_000_012", "EC_HS_150", "OOD_SCORE"} <= set(names)
    assert rows[2]["EXTRAPOL"] == 1 and rows[2]["OOD_SCORE"] > rows[0]["OOD_SCORE"]
    assert out["LAYER_FIELDS"].split(",")[0] == "EC_000_012" and "ECSTD" not in out["LAYER_FIELDS"]
    (tmp_path / "ec.gpkg").unlink()


def test_trainnetwork_refuses_bad_input_and_leaves_nothing(run_alg, training_set_file, tmp_path, monkeypatch):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="HIDDEN: 'a,b' is not a list"):
        _run_train(run_alg, training_set_file, tmp_path, HIDDEN="a,b")
    with pytest.raises(QgsProcessingException, match="TRAINING_SETS: .*not a readable"):
        bad = tmp_path / "bad.npz"
        bad.write_bytes(b"not a zip")
        _run_train(run_alg, bad, tmp_path)
    with pytest.raises(QgsProcessingException, match=r"COILS is set \(VCP0.32\) but INSTRUMENT is the preset"):
        _run_train(run_alg, training_set_file, tmp_path, COILS="VCP0.32")
    # TensorFlow missing in the interpreter: say how to install it
    monkeypatch.setenv("EMIAI_PYTHON", "/usr/bin/python3")  # Debian's python: no keras
    with pytest.raises(QgsProcessingException, match="pip install tensorflow-cpu keras"):
        _run_train(run_alg, training_set_file, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.npz"]


def test_trainnetwork_cancel_stops_the_child(run_alg, training_set_file, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    class CancelAfterStart(QgsProcessingFeedback):
        def setProgress(self, p):  # noqa: N802
            super().setProgress(p)
            if p > 6:  # the child is fitting
                self.cancel()

    with pytest.raises(QgsProcessingException, match="Canceled"):
        run_alg("emiai:trainnetwork", {"TRAINING_SETS": [str(training_set_file)], "MEMBERS": 3, "HIDDEN": "8",
                                       "MAX_EPOCHS": 400, "OUTPUT": str(tmp_path / "c.npz"),
                                       "OUTPUT_HTML": str(tmp_path / "c.html")}, feedback=CancelAfterStart())
    assert list(tmp_path.iterdir()) == []


def test_training_sets_must_share_the_target_layering(training_set_file, tmp_path):
    from emiai_core import ert
    from emiai_core import model_generation as mg
    from emiai_core.training_set import save_training_set

    profile = mg.ProfileCells.from_georeferenced(ert.load_profile_folder(data_file("tuwien_ert", "B2_1"),
                                                                         max_depth_m=4.0))
    settings = mg.GeneratorSettings(nmodels=5, layer_edges=(0, 0.5, 1.0, 1.5), layer_edges_6=None, layer_edges_4=None)
    other = save_training_set(tmp_path / "other.npz", mg.generate_training_models([profile], settings).training_set)
    with pytest.raises(T.TrainingError, match=r"target layering \[0.0, 0.5, 1.0, 1.5\] differs"):
        T.load_training_data([training_set_file, other], VCP)
