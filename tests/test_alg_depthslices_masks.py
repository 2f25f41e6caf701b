"""emiai:depthslices masks (below the DOI, misfit, out-of-distribution) and degenerate point geometry."""
import numpy as np
import pytest

from helpers_layers import point_layer

X0, Y0 = 600000.0, 5330000.0


def _grid_layer(n_bad_misfit=7, n_ood=4, doi_left=1.0, doi_right=2.0, **extra):
    """100 points on a 10 x 10 grid 10 m apart; three layers (mid-depths 0.25, 0.75, 1.25 m) with
    EC 10, 20, 30; DOI_M = doi_left for x < 45 m, doi_right beyond; the first ``n_bad_misfit``
    points have MISFIT_PCT 50 and EC 999, the next ``n_ood`` EXTRAPOL = 1 and EC 555."""
    gx, gy = np.meshgrid(np.arange(10) * 10.0, np.arange(10) * 10.0)
    x, y = gx.ravel(), gy.ravel()
    ec = np.tile([10.0, 20.0, 30.0], (100, 1))
    misfit, extrapol = np.full(100, 5.0), np.zeros(100)
    bad = np.arange(n_bad_misfit) * 11 % 100  # spread over the grid
    ood = (np.arange(n_ood) * 13 + 50) % 100
    assert not set(bad) & set(ood)
    ec[bad], misfit[bad] = 999.0, 50.0
    ec[ood], extrapol[ood] = 555.0, 1.0
    columns = {"EC_000_050": ec[:, 0], "EC_050_100": ec[:, 1], "EC_100_150": ec[:, 2],
               "DOI_M": np.where(x < 45, doi_left, doi_right), "MISFIT_PCT": misfit, "EXTRAPOL": extrapol}
    columns.update(extra)
    return point_layer(X0 + x, Y0 + y, columns)


def _bands(path):
    from osgeo import gdal

    ds = gdal.Open(str(path))
    arrays = [ds.GetRasterBand(b + 1).ReadAsArray().astype(float) for b in range(ds.RasterCount)]
    for a in arrays:
        a[a == -9999.0] = np.nan
    return ds, arrays


class _Log:
    """A QgsProcessingFeedback that keeps info lines and warnings."""

    def __new__(cls):
        from qgis.core import QgsProcessingFeedback

        class Feedback(QgsProcessingFeedback):
            def __init__(self):
                super().__init__()
                self.lines = []

            def pushInfo(self, text):  # noqa: N802
                self.lines.append(text)
                super().pushInfo(text)

            def pushWarning(self, text):  # noqa: N802
                self.lines.append(text)
                super().pushWarning(text)

        return Feedback()


def test_no_masks_by_default(run_alg, tmp_path):
    tif = tmp_path / "all.tif"
    res = run_alg("emiai:depthslices", {"INPUT": _grid_layer(), "CELL_SIZE": 5, "METHOD": 1, "OUTPUT": str(tif)})
    assert (res["N_POINTS"], res["N_MASKED_MISFIT"], res["N_MASKED_OOD"], res["N_CELLS_BELOW_DOI"]) == (100, 0, 0, 0)
    ds, bands = _bands(tif)
    assert np.nanmax(bands[2]) == 999.0 and np.isfinite(bands[2]).all()  # 19 x 19 cells, all within 25 m
    assert ds.GetMetadataItem("MASKS") == "none" and ds.GetRasterBand(3).GetDescription() == "EC 1.00–1.50 m (mS/m)"


def test_each_mask_is_counted_and_effective(run_alg, tmp_path):
    tif = tmp_path / "masked.tif"
    log = _Log()
    res = run_alg("emiai:depthslices", {"INPUT": _grid_layer(), "CELL_SIZE": 5, "METHOD": 1, "MASK_BELOW_DOI": True,
                                        "MAX_MISFIT": 20, "MASK_OOD": True, "OUTPUT": str(tif)}, feedback=log)
    # 7 points misfit 50 % > 20 %, 4 with EXTRAPOL = 1: 89 used
    assert (res["N_POINTS"], res["N_MASKED_MISFIT"], res["N_MASKED_OOD"]) == (89, 7, 4)
    ds, bands = _bands(tif)
    assert (ds.RasterXSize, ds.RasterYSize) == (19, 19)
    values = np.concatenate([b[np.isfinite(b)] for b in bands])
    assert not np.isin(values, [999.0, 555.0]).any()  # the masked points' values are gone
    # DOI 1.0 m left of x = 45 m, 2 m right of it: the 1.00–1.50 m band (mid 1.25 m) is nodata where the
    # nearest kept point is on the left; the bands above it keep every cell
    from scipy.spatial import cKDTree

    layer = _grid_layer()
    kept = [(f.geometry().asPoint(), f["DOI_M"]) for f in layer.getFeatures()
            if f["MISFIT_PCT"] <= 20 and f["EXTRAPOL"] == 0]
    centres = np.array([(X0 + 2.5 + 5 * c, Y0 + 87.5 - 5 * r) for r in range(19) for c in range(19)])
    dist, nearest = cKDTree([(p.x(), p.y()) for p, _ in kept]).query(centres, k=4)
    doi = np.array([d for _, d in kept])[nearest]
    expected = (doi[:, 0] < 1.25).reshape(19, 19)
    # cells equidistant from points of different DOI: either may be taken
    tie = np.any((dist[:, 1:] - dist[:, :1] < 1e-6) & (doi[:, 1:] != doi[:, :1]), axis=1).reshape(19, 19)
    assert tie.sum() < 10 and 150 < expected.sum() < 200
    assert abs(res["N_CELLS_BELOW_DOI"] - expected.sum()) <= tie.sum()
    np.testing.assert_array_equal(np.isnan(bands[2])[~tie], expected[~tie])
    expected = np.isnan(bands[2])
    assert np.isfinite(bands[0]).all() and np.isfinite(bands[1]).all()
    assert ds.GetRasterBand(3).GetMetadataItem("cells_below_doi") == str(expected.sum())
    assert ds.GetRasterBand(1).GetMetadataItem("cells_below_doi") == "0"
    masks = ds.GetMetadataItem("MASKS")
    assert masks == "cells below DOI_M masked; points with MISFIT_PCT > 20 % left out; points with EXTRAPOL = 1 left out"
    assert ds.GetRasterBand(3).GetDescription() == f"EC 1.00–1.50 m [{masks}] (mS/m)"
    assert ds.GetMetadataItem("N_MASKED_MISFIT") == "7" and ds.GetMetadataItem("N_CELLS_BELOW_DOI") == str(expected.sum())
    assert any("MAX_MISFIT: 7 of 100 point(s)" in line for line in log.lines)
    assert any("MASK_OOD: 4 of 100 point(s)" in line for line in log.lines)
    assert any(f"MASK_BELOW_DOI: {expected.sum()} cell(s) masked" in line for line in log.lines)
    # the DOI is interpolated like the layers (here linear) and compared cell by cell: DOI = 1 m up to
    # x = 40 m, then 1 + 2 (x - 40) / 10 m up to 50 m, so the cells with centres 2.5 … 37.5 m (8 columns)
    # lie below the DOI for the band of mid-depth 1.25 m; at 42.5 m the DOI is 1.5 m
    lin = tmp_path / "linear.tif"
    res = run_alg("emiai:depthslices", {"INPUT": _grid_layer(0, 0, doi_right=3.0), "CELL_SIZE": 5, "METHOD": 0,
                                        "MASK_BELOW_DOI": True, "OUTPUT": str(lin)})
    _, bands = _bands(lin)
    # 19 x 19 cells; the last row and column (centres 92.5 m / -2.5 m) are outside the triangulation
    inside = (slice(0, 18), slice(0, 18))
    assert bands[2].shape == (19, 19) and np.isfinite(bands[0]).sum() == 18 * 18
    assert res["N_CELLS_BELOW_DOI"] == 8 * 18
    assert np.isnan(bands[2][inside][:, :8]).all() and np.isfinite(bands[2][inside][:, 8:]).all()
    assert np.isfinite(bands[1][inside]).all()


@pytest.mark.parametrize("params, drop, message", [
    ({"MASK_BELOW_DOI": True}, "DOI_M", r"'Mask cells below the depth of investigation.*\(MASK_BELOW_DOI\) needs the "
                                         r"field DOI_M .*does not have it: run 'Predict EC depth models'"),
    ({"MAX_MISFIT": 10}, "MISFIT_PCT", r"\(MAX_MISFIT\) needs the field MISFIT_PCT .*run 'Predict EC depth models'"),
    ({"MASK_OOD": True}, "EXTRAPOL", r"\(MASK_OOD\) needs the field EXTRAPOL .*turn MASK_OOD off"),
])
def test_mask_needs_its_field(run_alg, tmp_path, params, drop, message):
    from qgis.core import QgsProcessingException

    layer = _grid_layer()
    layer.dataProvider().deleteAttributes([layer.fields().lookupField(drop)])
    layer.updateFields()
    with pytest.raises(QgsProcessingException, match=message):
        run_alg("emiai:depthslices", {"INPUT": layer, "CELL_SIZE": 5, "OUTPUT": str(tmp_path / "a.tif"), **params})
    assert not list(tmp_path.iterdir())


def test_masks_leave_too_few_points_or_no_cell(run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=r"Only 1 of the 100 points .*\(99 left out by MAX_MISFIT"):
        run_alg("emiai:depthslices", {"INPUT": _grid_layer(99, 0), "CELL_SIZE": 5, "MAX_MISFIT": 20,
                                      "OUTPUT": str(tmp_path / "a.tif")})
    # a DOI above every band's mid-depth: every cell is masked -> no raster, a message saying why
    with pytest.raises(QgsProcessingException, match=r"Every cell lies below the depth of investigation: all 1083 "
                                                     r"data cells were masked by MASK_BELOW_DOI"):
        run_alg("emiai:depthslices", {"INPUT": _grid_layer(doi_left=0.1, doi_right=0.2), "CELL_SIZE": 5, "METHOD": 1,
                                      "MASK_BELOW_DOI": True, "OUTPUT": str(tmp_path / "b.tif")})
    # MAX_DISTANCE smaller than the distance of every cell centre to the points (>= 3.5 m)
    with pytest.raises(QgsProcessingException, match=r"No cell of the raster has data: .*within the maximum "
                                                     r"distance 1 m of a point \(MAX_DISTANCE"):
        run_alg("emiai:depthslices", {"INPUT": _grid_layer(), "CELL_SIZE": 5, "METHOD": 2, "MAX_DISTANCE": 1,
                                      "OUTPUT": str(tmp_path / "c.tif")})
    assert not list(tmp_path.iterdir())


def _line_layer(x, y):
    n = len(x)
    return point_layer(X0 + np.asarray(x, float), Y0 + np.asarray(y, float),
                       {"EC_000_050": np.linspace(10, 20, n), "EC_050_150": np.linspace(30, 40, n)})


STRAIGHT = np.linspace(0.0, 50.0, 51)


@pytest.mark.parametrize("x, y, params, message", [
    # a diagonal transect, the defaults (linear, automatic cell size)
    (STRAIGHT, STRAIGHT, {}, r"Cannot map: the 51 points \(51 distinct positions\) lie along a line: 0 m across and "
                             r"70\.71 m long .*linear interpolation .*'EC section along a line'"),
    # along x (no extent in y: the automatic cell size was 1e-7 m before)
    (STRAIGHT, 0 * STRAIGHT, {"METHOD": 1}, r"lie along a line: 0 m across and 50 m long.*automatic cell size "
                                            r"\(CELL_SIZE = 0\) has no area.*Nearest point or Inverse distance"),
    # an explicit cell size does not make a triangulation of a line possible
    (STRAIGHT, 2 * STRAIGHT, {"CELL_SIZE": 2}, r"lie along a line: .*linear interpolation"),
    # GPS wander of 20 cm across a 50 m line is still a line (0.4 % < 1 %)
    (STRAIGHT, 0.1 * np.sin(STRAIGHT), {}, r"lie along a line: 0\.2\d? m across and 50 m long"),
    # all at one position
    (np.zeros(10), np.zeros(10), {}, r"Nothing to map: all 10 point\(s\) are at one position \(600000\.000, "
                                     r"5330000\.000\)"),
    (np.zeros(10), np.zeros(10), {"METHOD": 2, "CELL_SIZE": 1}, "Nothing to map"),
    # duplicates at two positions only
    (np.repeat([0.0, 30.0], 5), np.repeat([0.0, 40.0], 5), {"METHOD": 2},
     r"the 10 points \(2 distinct positions\) lie along a line: 0 m across and 50 m long"),
])
def test_degenerate_geometry_fails_clearly(run_alg, tmp_path, x, y, params, message):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match=message):
        run_alg("emiai:depthslices", {"INPUT": _line_layer(x, y), "OUTPUT": str(tmp_path / "a.tif"), **params})
    assert not list(tmp_path.iterdir())


def test_strip_map_of_a_line_with_nearest_and_a_cell_size(run_alg, tmp_path):
    """Nearest point / IDW with an explicit cell size on a line is well defined: a strip, with a warning."""
    tif = tmp_path / "strip.tif"
    log = _Log()
    res = run_alg("emiai:depthslices", {"INPUT": _line_layer(STRAIGHT, 0 * STRAIGHT), "METHOD": 1, "CELL_SIZE": 2,
                                        "MAX_DISTANCE": 3, "OUTPUT": str(tmp_path / "strip.tif")}, feedback=log)
    assert res["N_POINTS"] == 51 and (res["WIDTH"], res["HEIGHT"]) == (26, 1)
    _, bands = _bands(tif)
    assert np.isfinite(bands[0]).all() and bands[0][0, 0] == pytest.approx(10.2, abs=0.2)
    assert any("strip map" in line and "'EC section along a line'" in line for line in log.lines)


def test_a_thin_but_real_area_is_mapped(run_alg, tmp_path):
    """Two parallel lines 4 m apart over 50 m (8 % across): an area; linear interpolation works."""
    x = np.r_[STRAIGHT, STRAIGHT]
    y = np.r_[0 * STRAIGHT, 0 * STRAIGHT + 4.0]
    res = run_alg("emiai:depthslices", {"INPUT": _line_layer(x, y), "CELL_SIZE": 1, "OUTPUT": str(tmp_path / "t.tif")})
    _, bands = _bands(tmp_path / "t.tif")
    assert res["N_POINTS"] == 102 and np.isfinite(bands[0]).sum() >= 4 * 50
