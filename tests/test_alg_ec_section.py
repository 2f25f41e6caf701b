"""emiai:ecsection through processing.run: a transect of EC models → distance × depth raster + PNG."""
import os

import numpy as np
import pytest

from helpers_layers import point_layer

EDGES = [0.0, 0.12, 0.24, 0.36, 0.48, 0.6, 0.72, 0.84, 0.96, 1.08, 1.2, 1.32, 1.5]
NAMES = [f"EC_{round(a * 100):03d}_{round(b * 100):03d}" for a, b in zip(EDGES[:-1], EDGES[1:])]


def _transect(n=101, step=0.5, y0=0.0):
    """Points every 0.5 m along y = y0 (EPSG:32633): top layers 10 + x mS/m, deeper 50 mS/m; DOI 1 m."""
    x = np.arange(n) * step
    cols = {name: (10.0 + x if k < 6 else np.full(n, 50.0)) for k, name in enumerate(NAMES)}
    cols["DOI_M"] = np.full(n, 1.0)
    return point_layer(x, np.full(n, y0), cols)


def _line(coords, crs="EPSG:32633"):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"LineString?crs={crs}", "line", "memory")
    f = QgsFeature()
    f.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(*c) for c in coords]))
    layer.dataProvider().addFeatures([f])
    return layer


def test_section_values(run_alg, tmp_path):
    from osgeo import gdal

    out, png = str(tmp_path / "section.tif"), str(tmp_path / "section.png")
    cells = point_layer(np.arange(0, 50, 1.0), np.full(50, 0.4),
                        {"depth_m": np.full(50, 0.5), "ec_mS_m": np.linspace(10, 60, 50)})
    res = run_alg("emiai:ecsection", {"INPUT": _transect(), "LINE": _line([(0, 0.3), (50, 0.3)]),
                                      "MAX_DISTANCE": 1.0, "STEP": 1.0, "ERT_CELLS": [cells],
                                      "OUTPUT": out, "OUTPUT_PNG": png})
    assert (res["N_POINTS"], res["N_COLUMNS"], res["LENGTH"]) == (101, 50, 50.0)
    ds = gdal.Open(out)
    assert (ds.RasterXSize, ds.RasterYSize) == (50, 75)  # 1 m columns, 2 cm rows to 1.5 m
    assert ds.GetGeoTransform() == (0.0, 1.0, 0.0, 0.0, 0.0, -0.02)
    a = ds.GetRasterBand(1).ReadAsArray()
    # column j holds the points at x = j and j + 0.5 (the last also x = 50): geometric mean of 10 + x
    expected = np.sqrt((10.0 + np.arange(50)) * (10.5 + np.arange(50)))
    expected[-1] = ((59.0 * 59.5 * 60.0) ** (1 / 3))
    np.testing.assert_allclose(a[0], expected, rtol=1e-5)  # 0–2 cm: top layer
    np.testing.assert_allclose(a[35], expected, rtol=1e-5)  # 70–72 cm: layer 0.60–0.72 m (6th)
    np.testing.assert_allclose(a[36:], 50.0, rtol=1e-6)  # from 0.72 m
    assert os.path.getsize(png) > 20_000


def test_gaps_and_far_points(run_alg, tmp_path):
    from osgeo import gdal
    from qgis.core import QgsProcessingException

    layer = _transect()
    layer.dataProvider().deleteFeatures([f.id() for f in layer.getFeatures() if 20 <= f.geometry().asPoint().x() < 30])
    out = str(tmp_path / "s.tif")
    run_alg("emiai:ecsection", {"INPUT": layer, "LINE": _line([(0, 0), (50, 0)]), "STEP": 1.0, "OUTPUT": out})
    ds = gdal.Open(out)  # keep the dataset referenced while its band is read
    a = ds.GetRasterBand(1).ReadAsArray()
    assert np.all(a[:, 20:30] == -9999.0) and np.all(a[:, :20] > 0)  # a 10 m gap > 3 columns stays empty
    with pytest.raises(QgsProcessingException, match=r"No point with EC values lies within 2 m of the line "
                                                     r"\(the nearest is 10 m away\)"):
        run_alg("emiai:ecsection", {"INPUT": layer, "LINE": _line([(0, 10), (50, 10)]),
                                    "OUTPUT": str(tmp_path / "far.tif")})
    assert not (tmp_path / "far.tif").exists()
