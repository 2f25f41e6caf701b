"""emiai:filtersurvey through processing.run: a synthetic corner track (projected and geographic), the
Trimpley Lo fixture (200 rows) after emiai:importsurvey, FLAG_ONLY, smoothing, and bad input."""
import numpy as np
import pytest
from conftest import data_file
from helpers_layers import point_layer
from realdata_checks.alg_import_survey import column, run_import

N = 60
# expected QC_FLAG of the synthetic track with the default parameters: corner at reading 29 (heading
# change > 45° at 28, 29, 30, widened by TRIM_READINGS 5), spike at 10, ECa < 0 at 45, empty ECa at 50
EXPECTED = np.zeros(N, int)
EXPECTED[23:36] = 5
EXPECTED[10] = 6
EXPECTED[45] = 2
EXPECTED[50] = 1


def synthetic_columns(with_time=True):
    i = np.arange(N)
    cols = {"VCP0.32": np.full(N, 10.0), "VCP0.71": 15.0 + 0.01 * (i % 3), "VCP0.71_inph": np.full(N, 1.0)}
    cols["VCP0.71"][10] = 80.0
    cols["VCP0.32"][45] = -3.0
    cols["VCP0.71"][50] = np.nan
    if with_time:
        cols["Time"] = np.array([f"10:{k // 60:02d}:{k % 60:05.2f}" for k in i], dtype=object)
    return cols


def corner_xy():
    """East for readings 0..29 (1 m apart), then north: UTM 33N metres."""
    x = np.r_[np.arange(30.0), np.full(30, 29.0)] + 500000.0
    y = np.r_[np.zeros(30), np.arange(1.0, 31.0)] + 5300000.0
    return x, y


def synthetic_layer(crs="EPSG:32633", with_time=True):
    x, y = corner_xy()
    if crs == "EPSG:4326":
        import pyproj

        x, y = pyproj.Transformer.from_crs("EPSG:32633", "EPSG:4326", always_xy=True).transform(x, y)
    return point_layer(x, y, synthetic_columns(with_time), crs=crs, field_types={"Time": "string"})


def run_filter(run_alg, tmp_path, layer, name="qc.gpkg", **params):
    from qgis.core import QgsVectorLayer

    out = tmp_path / name
    result = run_alg("emiai:filtersurvey", {"INPUT": layer, "OUTPUT": str(out), **params})
    out_layer = QgsVectorLayer(str(out), "qc", "ogr")
    assert out_layer.isValid()
    return result, out_layer


def counts(result):
    return {k: result[k] for k in ("N_REMOVED_MISSING", "N_REMOVED_BELOW_MIN", "N_REMOVED_ABOVE_MAX",
                                   "N_REMOVED_SLOW", "N_REMOVED_TURN", "N_REMOVED_SPIKE")}


@pytest.mark.parametrize("crs", ["EPSG:32633", "EPSG:4326"])
def test_synthetic_track_counts(run_alg, tmp_path, emiai_provider, crs):
    result, out = run_filter(run_alg, tmp_path, synthetic_layer(crs))
    assert counts(result) == {"N_REMOVED_MISSING": 1, "N_REMOVED_BELOW_MIN": 1, "N_REMOVED_ABOVE_MAX": 0,
                              "N_REMOVED_SLOW": 0, "N_REMOVED_TURN": 13, "N_REMOVED_SPIKE": 1}
    assert result["N_INPUT"] == N and result["N_KEPT"] == out.featureCount() == 44 and result["N_REMOVED"] == 16
    assert out.fields().names()[-1] == "QC_FLAG" and set(column(out, "QC_FLAG")) == {0.0}
    assert out.crs().authid() == crs  # the tests run in metres; the output keeps the input CRS
    assert column(out, "VCP0.71").max() < 16.0  # the spike is gone


def test_flag_only_keeps_every_point(run_alg, tmp_path, emiai_provider):
    result, out = run_filter(run_alg, tmp_path, synthetic_layer(), FLAG_ONLY=True)
    assert out.featureCount() == N and result["N_KEPT"] == 44 and result["N_REMOVED_TURN"] == 13
    assert column(out, "QC_FLAG").astype(int).tolist() == EXPECTED.tolist()
    assert column(out, "VCP0.71")[10] == 80.0  # flagged values are kept as they are
    # a second run replaces the QC_FLAG field instead of adding another
    _, again = run_filter(run_alg, tmp_path, out, name="again.gpkg", FLAG_ONLY=True, TURN_ANGLE=0)
    names = again.fields().names()
    assert names.count("QC_FLAG") == 1 and column(again, "QC_FLAG")[25] == 0


def test_without_time_the_speed_test_is_skipped(run_alg, tmp_path, emiai_provider):
    from qgis.core import QgsProcessingFeedback

    class Feedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.warnings = []

        def pushWarning(self, text):  # noqa: N802
            self.warnings.append(text)

    feedback = Feedback()
    result = run_alg("emiai:filtersurvey", {"INPUT": synthetic_layer(with_time=False),
                                            "OUTPUT": str(tmp_path / "q.gpkg")}, feedback)
    assert result["N_KEPT"] == 44 and result["N_REMOVED_SLOW"] == 0
    assert any("MIN_SPEED 0.3 m/s needs a time field" in w for w in feedback.warnings)


def test_smoothing_replaces_kept_eca(run_alg, tmp_path, emiai_provider):
    result, out = run_filter(run_alg, tmp_path, synthetic_layer(), SMOOTH_WINDOW=3, SPIKE_THRESHOLD=0,
                             TURN_ANGLE=0)
    assert result["N_KEPT"] == 58  # only the empty and the negative point removed
    v = column(out, "VCP0.71")
    assert v[9] == v[10] == v[11] == pytest.approx(15.02)  # 15.00, 80 (spike), 15.02 around 10: median of 3
    assert column(out, "VCP0.71_inph")[10] == 1.0  # other fields untouched


def test_trimpley_fixture(run_alg, tmp_path, emiai_provider):
    _, survey = run_import(run_alg, tmp_path, INPUT=str(data_file("emagpy_examples", "trimpley", "trimpLo.dat")),
                           INSTRUMENT=0, ORIENTATION=0, HEIGHT=0.1)
    raw = np.column_stack([column(survey, c) for c in ("VCP0.32", "VCP0.71", "VCP1.18")])
    assert raw.max() > 400 and raw.min() < -100  # the turn at the first line end (readings 183-199)
    result, out = run_filter(run_alg, tmp_path, survey)
    assert counts(result) == {"N_REMOVED_MISSING": 0, "N_REMOVED_BELOW_MIN": 16, "N_REMOVED_ABOVE_MAX": 0,
                              "N_REMOVED_SLOW": 107, "N_REMOVED_TURN": 14, "N_REMOVED_SPIKE": 2}
    assert result["N_KEPT"] == out.featureCount() == 61 and result["N_SEGMENTS"] == 1
    kept = np.column_stack([column(out, c) for c in ("VCP0.32", "VCP0.71", "VCP1.18")])
    assert kept.min() > 0 and kept.max() < 60  # the line-end artefacts are gone
    assert out.fields().names()[:4] == survey.fields().names()[:4]
    _, flagged = run_filter(run_alg, tmp_path, survey, name="flags.gpkg", FLAG_ONLY=True)
    flags = column(flagged, "QC_FLAG").astype(int)
    assert flagged.featureCount() == 200 and np.bincount(flags, minlength=7).tolist() == [61, 0, 16, 0, 107, 14, 2]
    # predictec on the flagged survey predicts the 61 kept points only, and counts the others
    res = run_alg("emiai:predictec", {"INPUT": flagged, "METHOD": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
    assert (res["N_PREDICTED"], res["N_SKIPPED_QC"], res["N_SKIPPED_MISSING"], res["N_SKIPPED_NONPOSITIVE"]) == \
        (61, 139, 0, 0)


# --- bad input: informative QgsProcessingException and no output file --------------------------

def fails(run_alg, tmp_path, layer, match, **params):
    from qgis.core import QgsProcessingException

    out = tmp_path / "bad.gpkg"
    with pytest.raises(QgsProcessingException, match=match):
        run_alg("emiai:filtersurvey", {"INPUT": layer, "OUTPUT": str(out), **params})
    assert not out.exists()


def test_no_coil_fields(run_alg, tmp_path, emiai_provider):
    x, y = corner_xy()
    layer = point_layer(x, y, {"a": np.ones(N), "b": np.ones(N)})
    fails(run_alg, tmp_path, layer, r"No ECa fields found.*Fields of the layer: a, b\. Choose the ECa fields "
          r"\(ECA_FIELDS\)")


def test_non_numeric_field(run_alg, tmp_path, emiai_provider):
    fails(run_alg, tmp_path, synthetic_layer(), r"ECA_FIELDS: field 'Time' is of type .*not numeric",
          ECA_FIELDS=["VCP0.32", "Time"])


@pytest.mark.parametrize("params, match", [
    ({"SPIKE_WINDOW": 10}, r"SPIKE_WINDOW is 10: .*odd number of readings \(e\.g\. 11\)"),
    ({"SPIKE_WINDOW": 1}, r"SPIKE_WINDOW is 1: .*at least 3 readings"),
    ({"SMOOTH_WINDOW": 4}, r"SMOOTH_WINDOW is 4: .*odd"),
    ({"MIN_ECA": 50, "MAX_ECA": 20}, r"MAX_ECA \(20 mS/m\) is not above MIN_ECA \(50 mS/m\)"),
    ({"MIN_ECA": 500}, r"removed all 60 points, most of them \(59\) as ECa at or below the minimum: lower "
                       r"MIN_ECA \(now 500 mS/m\)"),
])
def test_bad_parameters(run_alg, tmp_path, emiai_provider, params, match):
    fails(run_alg, tmp_path, synthetic_layer(), match, **params)


def test_everything_flagged_is_not_an_error_with_flag_only(run_alg, tmp_path, emiai_provider):
    result, out = run_filter(run_alg, tmp_path, synthetic_layer(), MIN_ECA=500, FLAG_ONLY=True)
    assert result["N_KEPT"] == 0 and out.featureCount() == N
