"""Layer naming, ECa field matching and gridding (QGIS-free)."""
import numpy as np
import pytest

from emiai_core.gridding import auto_cell_size, grid_points, merge_duplicates, nice_step
from emiai_core.fields import edges_from_field_names, finest_layering, layer_field_names, match_eca_fields
from emiai_core.layering import REFERENCE_EDGES
from emiai_core.prediction import data_misfit_pct, predict_survey

MINI_VCP = ("VCP0.32f30000h0", "VCP0.71f30000h0", "VCP1.18f30000h0")


def test_layer_field_names_round_trip():
    names = layer_field_names(REFERENCE_EDGES["L12"])
    assert names[0] == "EC_000_012" and names[-1] == "EC_132_150" and len(names) == 12
    assert layer_field_names([0, 0.37, 0.75, 1.12, 1.5]) == ["EC_000_037", "EC_037_075", "EC_075_112", "EC_112_150"]
    assert layer_field_names([0, 1.5, 12.0]) == ["EC_000_150", "EC_150_1200"]
    np.testing.assert_allclose(edges_from_field_names(reversed(names)), REFERENCE_EDGES["L12"])
    with pytest.raises(ValueError, match="not contiguous"):
        edges_from_field_names(["EC_000_012", "EC_024_036"])


def test_finest_layering_ignores_coarser_sets():
    names = layer_field_names(REFERENCE_EDGES["L4"]) + layer_field_names(REFERENCE_EDGES["L12"]) + ["VCP0.32"]
    assert finest_layering(names) == layer_field_names(REFERENCE_EDGES["L12"])
    assert finest_layering(["EC_012_024"]) == []


@pytest.mark.parametrize("fields, expected", [
    (["VCP1.18", "VCP0.32", "VCP0.71", "HCP0.32"], ["VCP0.32", "VCP0.71", "VCP1.18"]),
    (["VCP0.32f30000h0", "VCP0.71f30000h0", "VCP1.18f30000h0"], ["VCP0.32f30000h0", "VCP0.71f30000h0", "VCP1.18f30000h0"]),
    (["Cond.1 [mS/m]", "Cond.2 [mS/m]", "Cond.3 [mS/m]", "Inph.1 [ppt]"], ["Cond.1 [mS/m]", "Cond.2 [mS/m]", "Cond.3 [mS/m]"]),
    (["Cond.1[mS/m]", "Cond.2[mS/m]", "Cond.3[mS/m]"], ["Cond.1[mS/m]", "Cond.2[mS/m]", "Cond.3[mS/m]"]),
    (["Cond1.[mS/m]", "Cond2.[mS/m]", "Cond3.[mS/m]"], ["Cond1.[mS/m]", "Cond2.[mS/m]", "Cond3.[mS/m]"]),
])
def test_match_eca_fields(fields, expected):
    assert match_eca_fields(fields, MINI_VCP)[0] == expected


def test_match_eca_fields_refuses_other_instrument():
    with pytest.raises(ValueError, match="coils HCP1.48, VCP1.48 but the model needs VCP0.32"):
        match_eca_fields(["VCP1.48", "HCP1.48", "Inv.Cond.1[mS/m]"], MINI_VCP)


def test_predict_survey_counts_and_misfit_of_exact_data():
    from emiai_core.model_file import default_model_path, load_model

    model = load_model(default_model_path())
    eca = np.array([[30.0, 35.0, 40.0], [np.nan, 1.0, 2.0], [-0.06, 5.0, 6.0], [0.0, 5.0, 6.0]])
    p = predict_survey(model, eca, "drop", "CS")
    assert p.used.tolist() == [True, False, False, False]
    assert (p.skipped_missing, p.skipped_nonpositive) == (1, 2)
    with pytest.raises(ValueError, match="2 point.*ECa <= 0"):
        predict_survey(model, eca, "fail", "CS")
    # data made by a model are fitted exactly by that model: misfit 0
    ec = np.array([[0.02, 0.03, 0.05]])
    edges = [0, 0.5, 1.0, 1.5]
    from emiai_core.forward import forward_eca

    d = forward_eca(ec, edges, MINI_VCP)
    assert data_misfit_pct(d, ec, edges, MINI_VCP, "CS")[0] == pytest.approx(0, abs=1e-12)
    assert data_misfit_pct(d * 1.1, ec, edges, MINI_VCP, "CS")[0] == pytest.approx(100 * (1 - 1 / 1.1), rel=1e-12)


def test_nice_step_and_auto_cell():
    assert [nice_step(v) for v in (0.13, 1.0, 3.7, 7.0, 12.0)] == [0.1, 1.0, 2.0, 5.0, 10.0]
    x, y = np.meshgrid(np.arange(0, 100.0, 1.0), np.arange(0, 50.0, 5.0))
    assert auto_cell_size(x.ravel(), y.ravel()) == 2.0  # sqrt(99*45/1000) = 2.1 -> 2


def test_grid_linear_reproduces_a_plane_and_masks_far_cells():
    rng = np.random.default_rng(0)
    x, y = rng.random(400) * 100, rng.random(400) * 100
    plane = np.column_stack([2 * x + 3 * y + 1, -x + 0.5 * y])
    g = grid_points(x, y, plane, 2.0, "linear", max_distance=5.0)
    rows, cols = g.values.shape[1:]
    cx = g.x_min + (np.arange(cols) + 0.5) * 2.0
    cy = g.y_max - (np.arange(rows) + 0.5) * 2.0
    gx, gy = np.meshgrid(cx, cy)
    ok = np.isfinite(g.values[0])
    assert ok.mean() > 0.8
    np.testing.assert_allclose(g.values[0][ok], (2 * gx + 3 * gy + 1)[ok], rtol=1e-5)
    np.testing.assert_allclose(g.values[1][ok], (-gx + 0.5 * gy)[ok], rtol=1e-5, atol=1e-4)
    # a lone far point: cells more than max_distance from all points are NaN
    g2 = grid_points(np.r_[x, 300.0], np.r_[y, 300.0], np.r_[plane[:, 0], 0.0], 2.0, "nearest", max_distance=3.0)
    assert np.isnan(g2.values[0]).sum() > 0.8 * g2.values[0].size - g.values[0].size


def test_idw_exact_at_points_and_duplicates_averaged():
    x, y, v = merge_duplicates(np.array([0.0, 0.0, 10.0]), np.array([0.0, 0.0, 0.0]), np.array([[1.0], [3.0], [5.0]]))
    assert len(x) == 2 and sorted(v[:, 0]) == [2.0, 5.0]
    g = grid_points(np.array([0.5, 0.5, 9.5]), np.array([0.5, 0.5, 0.5]), np.array([1.0, 3.0, 5.0]),
                    1.0, "idw", max_distance=20)
    assert g.values[0, 0, 0] == pytest.approx(2.0)  # cell centre on the (averaged) point
    assert g.values[0, 0, 9] == pytest.approx(5.0)
    assert 2.0 < g.values[0, 0, 5] < 5.0
