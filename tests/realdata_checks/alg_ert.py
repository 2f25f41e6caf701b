"""emiai:importertsection through processing.run on the TU Wien ERT sections: tests/test_alg_ert.py
runs these checks on the 4 m fixtures of B2_1 and B6_2, benchmarks/shared_checks/test_full_alg_ert.py
on the ten whole profiles.

``data(*parts)`` is the path (a str) of a file in the ``tuwien_ert`` folder of the data set. The
callers hold the emiai_provider fixture (a running QGIS with the provider)."""
from pathlib import Path

import numpy as np
import pytest

from .ert import polyline_offset

CELL_FIELDS = ["profile", "cell_id", "distance_m", "elevation_m", "depth_m", "resistivity_ohmm", "ec_mS_m",
               "sensitivity_log10"]


def run(alg_id, params):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(alg_id, params, context=context, feedback=QgsProcessingFeedback())


def import_profile(data, profile, output="TEMPORARY_OUTPUT", trace="TEMPORARY_OUTPUT", **extra):
    params = {"INPUT": data(profile, f"{profile}_mesh.csv"),
              "ELECTRODE_COORDINATES": data(profile, f"{profile}_xyz_dem.csv"), "CRS": "EPSG:31256",
              "OUTPUT": output, "OUTPUT_TRACE": trace}
    params.update(extra)
    return run("emiai:importertsection", params)


def layer_arrays(layer, names):
    feats = list(layer.getFeatures())
    cols = {n: np.array([f[n] for f in feats]) for n in names}
    pts = [f.geometry().constGet() for f in feats]
    xyz = np.array([(p.x(), p.y(), p.z()) for p in pts])
    return cols, xyz


def trace_vertices(layer):
    geom = next(layer.getFeatures()).geometry()
    return np.array([(v.x(), v.y(), v.z(), v.m()) for v in geom.vertices()])


def import_places_cells_on_the_electrode_line(data, profile, n_cells):
    from qgis.core import QgsWkbTypes

    result = import_profile(data, profile)
    cells, trace = result["OUTPUT"], result["OUTPUT_TRACE"]
    assert result["PROFILE_NAME"] == profile and result["N_CELLS"] == cells.featureCount() == n_cells
    assert result["N_ELECTRODES"] == 72
    assert cells.fields().names() == CELL_FIELDS + ["phase_mrad"]
    assert cells.wkbType() == QgsWkbTypes.PointZ and cells.crs().authid() == "EPSG:31256"
    assert trace.wkbType() == QgsWkbTypes.LineStringZM
    xyz = np.loadtxt(data(profile, f"{profile}_xyz_dem.csv"), skiprows=1)
    grid = np.genfromtxt(data(profile, f"{profile}_grid.csv"), skip_header=1, delimiter="\t")
    cols, pts = layer_arrays(cells, ["distance_m", "elevation_m", "depth_m", "profile"])
    off, chain = polyline_offset(pts[:, 0], pts[:, 1], xyz[:, 1], xyz[:, 2])
    assert off.max() < 0.05 and np.max(np.abs(chain - cols["distance_m"])) < 0.05
    np.testing.assert_allclose(pts[:, 2], cols["elevation_m"])
    surface = np.interp(cols["distance_m"], grid[:, 0], grid[:, 1])
    np.testing.assert_allclose(cols["depth_m"], surface - cols["elevation_m"], atol=1e-9)
    assert 0 < cols["depth_m"].min() < 0.06 and set(cols["profile"]) == {profile}
    v = trace_vertices(trace)
    np.testing.assert_allclose(v[:, :2], xyz[:, 1:3], atol=1e-6)  # vertices = electrodes
    np.testing.assert_allclose(v[:, 2], grid[:, 1])  # Z = electrode elevation
    np.testing.assert_allclose(v[:, 3], grid[:, 0])  # M = along-line distance


def import_native_b2_1_files(data, n_cells):
    csv = import_profile(data, "B2_1")["OUTPUT"]
    for name in ("f001_res.dat", "f001_res.vtk"):
        result = run("emiai:importertsection", {
            "INPUT": data("B2_1", "resipy_wd", name), "ELECTRODE_COORDINATES": data("B2_1", "B2_1_xyz_dem.csv"),
            "CRS": "EPSG:31256", "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_TRACE": "TEMPORARY_OUTPUT"})
        layer = result["OUTPUT"]
        assert result["PROFILE_NAME"] == "B2_1" and layer.featureCount() == n_cells
        names = layer.fields().names()
        assert ("sensitivity_log10" in names) == name.endswith(".vtk") and "phase_mrad" in names
        a, pa = layer_arrays(layer, ["depth_m", "resistivity_ohmm"])
        b, pb = layer_arrays(csv, ["depth_m", "resistivity_ohmm"])
        np.testing.assert_allclose(np.sort(a["depth_m"]), np.sort(b["depth_m"]), atol=1e-4)
        np.testing.assert_allclose(np.sort(a["resistivity_ohmm"]), np.sort(b["resistivity_ohmm"]), rtol=1e-4)
        np.testing.assert_allclose(np.sort(pa[:, 0]), np.sort(pb[:, 0]), atol=1e-4)


def import_with_a_profile_line(data, profile):
    """Imports ``profile`` to 3 m placed by a line layer (its line and another one); returns N_CELLS."""
    from qgis.core import QgsFeature, QgsGeometry, QgsLineString, QgsPoint, QgsVectorLayer

    xyz = np.loadtxt(data(profile, f"{profile}_xyz_dem.csv"), skiprows=1)
    line = QgsVectorLayer("LineString?crs=EPSG:31256&field=profile:string", "lines", "memory")
    feats = []
    for prof, pts in ((profile, xyz[:, 1:3]), ("other", xyz[:, 1:3] + 500)):
        f = QgsFeature(line.fields())
        f.setGeometry(QgsGeometry(QgsLineString([QgsPoint(float(x), float(y)) for x, y in pts])))
        f.setAttributes([prof])
        feats.append(f)
    line.dataProvider().addFeatures(feats)
    result = run("emiai:importertsection", {"INPUT": data(profile, f"{profile}_mesh.csv"), "PROFILE_LINE": line,
                                            "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_TRACE": "TEMPORARY_OUTPUT",
                                            "MAX_DEPTH": 3.0})
    cells = result["OUTPUT"]
    assert cells.crs().authid() == "EPSG:31256" and result["N_CELLS"] == cells.featureCount()
    cols, pts = layer_arrays(cells, ["distance_m", "depth_m"])
    assert cols["depth_m"].max() <= 3.0
    off, chain = polyline_offset(pts[:, 0], pts[:, 1], xyz[:, 1], xyz[:, 2])
    assert off.max() < 0.05 and np.max(np.abs(chain - cols["distance_m"])) < 0.05
    return result["N_CELLS"]


def import_bad_input_writes_nothing(data, tmp_path, profile):
    """Bad input for the section of ``profile`` (not B2_1, whose electrodes are the wrong ones here)."""
    from qgis.core import QgsProcessingException

    out, tr = str(tmp_path / "cells.gpkg"), str(tmp_path / "trace.gpkg")
    bad_csv = tmp_path / "X_mesh.csv"
    bad_csv.write_text("x,y,z,Phase(mrad)\n1,0,100,3\n")
    mesh = data(profile, f"{profile}_mesh.csv")
    cases = [
        ({"INPUT": str(bad_csv), "ELECTRODES": data("B2_1", "B2_1_grid.csv")},
         r"INPUT: .*missing column\(s\) resistivity"),
        ({"INPUT": mesh, "ELECTRODES": data("B2_1", "B2_1_grid.csv")}, "do not match the section"),
        ({"INPUT": mesh, "ELECTRODE_COORDINATES": data("B2_1", "B2_1_xyz_dem.csv")},
         "do not describe the same electrodes|do not match"),
    ]
    for params, message in cases:
        p = {"ELECTRODE_COORDINATES": data(profile, f"{profile}_xyz_dem.csv"), "CRS": "EPSG:31256", "OUTPUT": out,
             "OUTPUT_TRACE": tr}
        p.update(params)
        with pytest.raises(QgsProcessingException, match=message):
            run("emiai:importertsection", p)
    with pytest.raises(QgsProcessingException, match="exactly one of them"):
        run("emiai:importertsection", {"INPUT": mesh, "OUTPUT": out, "OUTPUT_TRACE": tr})
    assert not Path(out).exists() and not Path(tr).exists()
