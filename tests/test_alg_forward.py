"""emiai:forwardresponse through processing.run: point layers, training-set files, options, errors."""
import json

import numpy as np
import pytest

from helpers_layers import point_layer, read_layer

EDGES = [0.0, 0.12, 0.24, 0.5, 1.5]
FIELDS = ["EC_000_012", "EC_012_024", "EC_024_050", "EC_050_150"]


def ec_layer(ec_mS, extra=None):
    cols = {name: ec_mS[:, k] for k, name in enumerate(FIELDS)}
    cols.update(extra or {})
    n = len(ec_mS)
    return point_layer(np.arange(n) * 10.0, np.zeros(n), cols)


def values(rows, names):
    """(n_rows, n_names) floats; NULL (None or a null QVariant) -> NaN."""
    def num(v):
        return np.nan if v is None or (hasattr(v, "isNull") and v.isNull()) else float(v)
    return np.array([[num(r[f]) for f in names] for r in rows], float)


def models(n, seed=0):
    return 10 ** np.random.default_rng(seed).uniform(0, 2.5, (n, 4))  # mS/m


def test_points_fslin_preset_with_height(run_alg, tmp_path):
    from emiai_core.forward import forward_eca
    from emiai_core.instruments import instrument

    ec = models(50)
    ec[3, 1] = np.nan  # skipped
    out = tmp_path / "fwd.gpkg"
    res = run_alg("emiai:forwardresponse", {"INPUT": ec_layer(ec, {"NAME": np.arange(50.0)}), "INSTRUMENT": 0,
                                            "HEIGHT": 0.25, "FORWARD_MODEL": 0, "OUTPUT": str(out)})
    coils = instrument("CMD-MiniExplorer").coils_at(0.25)
    assert res["N_MODELS"] == 49 and res["N_SKIPPED"] == 1 and res["N_NO_EQUIVALENT"] == 0
    assert res["ECA_FIELDS"] == "VCP0.32,VCP0.71,VCP1.18,HCP0.32,HCP0.71,HCP1.18"
    assert res["COIL_STRINGS"] == ",".join(c.emagpy for c in coils)
    names, rows, xy = read_layer(str(out))
    assert names[1:] == FIELDS + ["NAME"] + res["ECA_FIELDS"].split(",")
    got = values(rows, res["ECA_FIELDS"].split(","))
    ok = np.ones(50, bool)
    ok[3] = False
    np.testing.assert_allclose(got[ok], forward_eca(ec[ok] / 1000, EDGES, coils, "FSlin") * 1000, rtol=1e-12)
    assert np.isnan(got[3]).all() and xy.shape == (50, 2)


def test_points_custom_coils_cs_noise_and_replacement(run_alg, tmp_path):
    from emiai_core.forward import add_noise, forward_eca
    from emiai_core.instruments import parse_coil

    ec = models(30, seed=1)
    coils_text = "VCP0.32f30000h0.1, PRP1.1f9000, HCP0.71"
    params = {"INPUT": ec_layer(ec, {"VCP0.32": np.ones(30)}), "INSTRUMENT": 8, "COILS": coils_text,
              "HEIGHT": 0.4, "FORWARD_MODEL": 1, "NOISE": 5.0, "SEED": 3}
    res = run_alg("emiai:forwardresponse", dict(params, OUTPUT=str(tmp_path / "a.gpkg")))
    run_alg("emiai:forwardresponse", dict(params, OUTPUT=str(tmp_path / "b.gpkg")))
    assert res["COIL_STRINGS"] == "VCP0.32f30000h0.1,PRP1.1f9000h0.4,HCP0.71f30000h0.4"
    coils = [parse_coil(s) for s in res["COIL_STRINGS"].split(",")]
    names, rows, _ = read_layer(str(tmp_path / "a.gpkg"))
    assert names.count("VCP0.32") == 1  # the input field of that name is replaced
    got = values(rows, res["ECA_FIELDS"].split(","))
    ref = add_noise(forward_eca(ec / 1000, EDGES, coils, "CS"), 0.05, 3) * 1000
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    _, rows2, _ = read_layer(str(tmp_path / "b.gpkg"))
    assert [r["PRP1.1"] for r in rows2] == [r["PRP1.1"] for r in rows]  # same seed, same noise


def test_points_fseq_and_gf_scale(run_alg, tmp_path):
    from emiai_core.forward import forward_eca
    from emiai_core.gf_calibration import lin_to_gf
    from emiai_core.instruments import instrument

    ec = models(10, seed=2)
    ec[0] = 3000.0  # 3 S/m: HCP 4.49 m at 10 kHz has no equivalent half-space
    res = run_alg("emiai:forwardresponse", {"INPUT": ec_layer(ec), "INSTRUMENT": 1, "FORWARD_MODEL": 2,
                                            "OUTPUT_SCALE": 1, "OUTPUT": str(tmp_path / "c.gpkg")})
    coils = instrument("CMD-Explorer").coils
    assert res["N_NO_EQUIVALENT"] >= 1
    _, rows, _ = read_layer(str(tmp_path / "c.gpkg"))
    got = values(rows, [c.name for c in coils])
    ref = forward_eca(ec / 1000, EDGES, coils, "FSeq")
    ref = np.column_stack([lin_to_gf(ref[:, k], c, "F-0m") for k, c in enumerate(coils)]) * 1000
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    assert np.isnan(got[0, 5])


def make_training_set(path, n=40):
    from emiai_core.layering import Layering
    from emiai_core.training_set import TrainingSet, save_training_set

    rng = np.random.default_rng(4)
    ts = TrainingSet(
        layerings={"L4": Layering("L4", [0, 0.37, 0.75, 1.12, 1.5], "target"),
                   "L2": Layering("L2", [0, 0.75, 1.5], "coarse"),
                   "deep": Layering("deep", [1.5, 3.0, 6.0], "extension")},
        ec={"L4": 10 ** rng.uniform(-2.5, -1, (n, 4)), "L2": 10 ** rng.uniform(-2.5, -1, (n, 2)),
            "deep": 10 ** rng.uniform(-2.5, -1, (n, 2))},
        profile=np.array(["P1"] * n), location_id=np.zeros(n, np.int64), location_x_m=np.zeros(n),
        location_y_m=np.zeros(n), distance_m=np.zeros(n), is_average_model=np.zeros(n, bool),
        model_kind=np.ones(n, np.int8))
    save_training_set(path, ts)
    return ts


def test_training_set_file(run_alg, tmp_path):
    from emiai_core.forward import forward_eca
    from emiai_core.instruments import instrument
    from emiai_core.training_set import load_training_set

    src = tmp_path / "ts.npz"
    ts = make_training_set(src)
    out = tmp_path / "ts_eca.npz"
    res = run_alg("emiai:forwardresponse", {"TRAINING_SET": str(src), "INSTRUMENT": 5, "FORWARD_MODEL": 0,
                                            "OUTPUT_FILE": str(out)})
    coils = instrument("DUALEM-21S").coils
    assert res["N_MODELS"] == 40 and res["ECA_FIELDS"] == ",".join(f"eca_{c.emagpy}" for c in coils)
    ec, edges = ts.full_model("L4")
    assert len(edges) == 7  # L4 + the two extension layers
    ref = forward_eca(ec, edges, coils, "FSlin")
    with np.load(out, allow_pickle=False) as z:
        got = np.column_stack([z[f"eca_{c.emagpy}"] for c in coils])
        info = json.loads(str(z["eca_info"][()]))
        assert np.array_equal(z["ec_L4"], ts.ec["L4"])
    np.testing.assert_allclose(got, ref, rtol=1e-14)
    assert info[f"eca_{coils[1].emagpy}"]["forward_model"] == "FSlin" and info[f"eca_{coils[1].emagpy}"]["units"] == "S/m"
    assert load_training_set(out).n_models == 40  # still a valid training-set file
    # a second run adds the coarse layering's CS response for other coils, keeping the first
    res = run_alg("emiai:forwardresponse", {"TRAINING_SET": str(out), "LAYERING": "L2", "INSTRUMENT": 0,
                                            "FORWARD_MODEL": 1, "OUTPUT_FILE": str(out)})
    with np.load(out, allow_pickle=False) as z:
        assert f"eca_{coils[0].emagpy}" in z.files and "eca_VCP0.32f30000h0" in z.files
        info = json.loads(str(z["eca_info"][()]))
    assert info["eca_VCP0.32f30000h0"]["layering"] == "L2" and len(info) == 4 + 6


@pytest.mark.parametrize("params, match", [
    ({}, "exactly one input"),
    ({"INSTRUMENT": 8}, "COILS is empty"),
    ({"INSTRUMENT": 8, "COILS": "VCP0.32, XYZ1"}, "COILS: Unknown coil string 'XYZ1'"),
    ({"INSTRUMENT": 8, "COILS": "VCP0.32f-3"}, "COILS: Frequency must be"),
    ({"INSTRUMENT": 0, "COILS": "VCP0.32"}, "choose INSTRUMENT = Custom"),
    ({"INSTRUMENT": 0, "OUTPUT_SCALE": 2}, "OUTPUT_SCALE F-1m: No GF F-1m calibration coefficient for coil VCP0.32"),
])
def test_errors_name_the_problem(run_alg, tmp_path, params, match):
    from qgis.core import QgsProcessingException

    p = dict(params, OUTPUT=str(tmp_path / "x.gpkg"))
    if params:
        p["INPUT"] = ec_layer(models(3))
    with pytest.raises(QgsProcessingException, match=match):
        run_alg("emiai:forwardresponse", p)
    assert not (tmp_path / "x.gpkg").exists()


def test_errors_layers_and_files(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="no EC layer fields named EC_<top>_<bottom>"):
        run_alg("emiai:forwardresponse", {"INPUT": point_layer([0.0], [0.0], {"A": [1.0]}),
                                          "OUTPUT": str(tmp_path / "y.gpkg")})
    with pytest.raises(QgsProcessingException, match="No point has valid EC values"):
        run_alg("emiai:forwardresponse", {"INPUT": ec_layer(-np.ones((2, 4))), "OUTPUT": str(tmp_path / "y.gpkg")})
    src = tmp_path / "ts.npz"
    make_training_set(src, n=5)
    with pytest.raises(QgsProcessingException, match="LAYERING 'L9' is not in"):
        run_alg("emiai:forwardresponse", {"TRAINING_SET": str(src), "LAYERING": "L9",
                                          "OUTPUT_FILE": str(tmp_path / "o.npz")})
    with pytest.raises(QgsProcessingException, match="set OUTPUT_FILE"):
        run_alg("emiai:forwardresponse", {"TRAINING_SET": str(src)})
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(QgsProcessingException, match="TRAINING_SET: .*not a readable"):
        run_alg("emiai:forwardresponse", {"TRAINING_SET": str(tmp_path / "junk.npz"),
                                          "OUTPUT_FILE": str(tmp_path / "o.npz")})
    assert not (tmp_path / "o.npz").exists()


def test_cancel_stops_without_output(run_alg, tmp_path):
    from qgis.core import QgsProcessingException, QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.cancel()
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run_alg("emiai:forwardresponse", {"INPUT": ec_layer(models(5)), "OUTPUT": str(tmp_path / "z.gpkg")},
                feedback=feedback)
    assert not (tmp_path / "z.gpkg").exists()
