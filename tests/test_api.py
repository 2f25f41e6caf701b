"""emiai_core.api: the README example outside QGIS, and the API against the core it wraps."""
import json
import os
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from conftest import REPO

DEMO = REPO / "demo" / "data" / "trimpLo.dat"

# Refuse any import of qgis in the child: the API must work where QGIS is not installed.
NO_QGIS = textwrap.dedent("""
    import importlib.abc, sys
    class _NoQgis(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "qgis" or name.startswith("qgis."):
                raise ImportError("qgis is not available here")
    sys.meta_path.insert(0, _NoQgis())
""")


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    m = re.search(r"<!-- api-example -->\s*```python\n(.*?)```\s*<!-- /api-example -->", text, re.S)
    assert m, "README.md has no <!-- api-example --> python block"
    return m.group(1)


def test_readme_example_runs_outside_qgis(tmp_path):
    (tmp_path / "demo" / "data").mkdir(parents=True)
    (tmp_path / "demo" / "data" / "trimpLo.dat").symlink_to(DEMO)
    code = NO_QGIS + readme_example() + textwrap.dedent("""
        import json
        print("RESULT " + json.dumps({"columns": [str(c) for c in ec.columns], "type": type(ec).__name__,
                                      "counts": ec.attrs["emiai"]["counts"], "eca": list(map(str, eca.columns)),
                                      "qgis": any(m == "qgis" or m.startswith("qgis.") for m in sys.modules)}))
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(next(line for line in out.stdout.splitlines() if line.startswith("RESULT "))[7:])
    assert result["type"] == "GeoDataFrame" and not result["qgis"]
    layers = [c for c in result["columns"] if re.fullmatch(r"EC_\d+_\d+", c)]
    assert layers[0] == "EC_000_012" and layers[-1] == "EC_132_150" and len(layers) == 12
    assert {"MISFIT_PCT", "EXTRAPOL", "FLOORED", "VCP0.32", "HEIGHT_M"} <= set(result["columns"])
    # the demo survey: 1816 readings, 350 with an ECa <= 0 (the numbers `make demo` prints)
    assert result["counts"]["N_INPUT"] == 1816 and result["counts"]["N_PREDICTED"] == 1466
    assert (tmp_path / "ec_slices.tif").is_file()
    assert {"VCP0.32", "VCP0.71", "VCP1.18"} <= set(result["eca"])


@pytest.fixture(scope="module")
def survey():
    from emiai_core import api

    return api.read_survey(DEMO)


def test_read_survey_matches_the_core_reader(survey):
    from emiai_core.survey import read_survey

    table = read_survey(DEMO, "CMD-MiniExplorer", "VCP", 0.0)
    assert str(survey.crs) == "EPSG:32630"  # UTM zone of the data centre (2.3° W, 52.4° N)
    assert len(survey) == table.n_points
    np.testing.assert_array_equal(survey["VCP0.71"].to_numpy(), table.eca["VCP0.71"])
    assert np.all(survey["HEIGHT_M"] == 0.0)
    # projected positions keep their spacing: consecutive GPS fixes of a walked survey are < 5 m apart
    step = np.hypot(np.diff(survey.geometry.x), np.diff(survey.geometry.y))
    assert np.median(step) < 5.0


def test_predict_equals_the_core_prediction(survey):
    from emiai_core import api
    from emiai_core.model_file import default_model_path, load_model
    from emiai_core.prediction import predict_survey

    with pytest.warns(UserWarning, match="350 point"):
        ec = api.predict(survey, model="emiai_tuwien2024_cmd_miniexplorer_vcp", misfit_model="CS", add_coarse=True,
                         method="network")
    model = load_model(default_model_path())
    eca = survey[["VCP0.32", "VCP0.71", "VCP1.18"]].to_numpy()
    ref = predict_survey(model, eca, "drop", "CS", survey["HEIGHT_M"].to_numpy(), add_coarse=True)
    assert len(ec) == ref.n_used == 1466
    for name, values in ref.columns().items():
        np.testing.assert_array_equal(ec[name].to_numpy(), values)
    assert "EC_000_037" in ec.columns and "EC_000_025" in ec.columns  # the coarser layerings
    assert ec.attrs["emiai"]["counts"]["N_SKIPPED_NONPOSITIVE"] == 350
    # predicting again replaces the EC and flag columns instead of duplicating them
    again = api.predict(ec[ec["VCP0.32"] > 0], model=default_model_path(), misfit_model="CS", method="network")
    assert sum(c == "MISFIT_PCT" for c in again.columns) == 1
    assert not any(c.endswith("_L4") for c in again.columns)


def test_forward_of_predicted_models_is_the_forward_engine(survey):
    from emiai_core import api
    from emiai_core.fields import layer_field_names
    from emiai_core.forward import forward_eca
    from emiai_core.instruments import instrument
    from emiai_core.layering import REFERENCE_EDGES

    ec = api.predict(survey.iloc[:50], misfit_model="CS")
    out = api.forward(ec, forward_model="FSlin", height=0.1)
    coils = instrument("CMD-MiniExplorer").coils_at(0.1)
    ref = forward_eca(ec[layer_field_names(REFERENCE_EDGES["L12"])].to_numpy() / 1000.0, REFERENCE_EDGES["L12"],
                      coils, "FSlin") * 1000.0
    np.testing.assert_allclose(out[[c.name for c in coils]].to_numpy(), ref, rtol=1e-12)
    assert out.attrs["emiai"]["coils"][0] == "VCP0.32f30000h0.1"


@pytest.mark.filterwarnings("ignore:350 point")
def test_depth_slices_writes_the_bands(survey, tmp_path):
    from osgeo import gdal

    from emiai_core import api

    ec = api.predict(survey, misfit_model="CS")
    path = api.depth_slices(ec, tmp_path / "ec.tif", cell_size=2.0)
    ds = gdal.Open(str(path))
    assert ds.RasterCount == 12
    assert ds.GetRasterBand(1).GetDescription() == "EC 0.00–0.12 m (mS/m)"
    band = ds.GetRasterBand(12).ReadAsArray()
    valid = band[band != ds.GetRasterBand(12).GetNoDataValue()]
    col = ec["EC_132_150"].to_numpy()
    assert valid.size > 100 and col.min() - 1e-3 <= valid.min() and valid.max() <= col.max() + 1e-3
    assert oct(os.stat(path).st_mode & 0o777) == oct(0o666 & ~_umask())
    assert [p.name for p in tmp_path.iterdir()] == ["ec.tif"]  # no temporary file left


def _umask():
    old = os.umask(0o022)
    os.umask(old)
    return old


def test_read_ert_section_is_the_importer(tmp_path):
    from emiai_core import api, ert

    folder = REPO / "tests" / "data" / "tuwien_ert" / "B2_1"
    cells = api.read_ert_section(folder / "B2_1_mesh.csv", electrode_coordinates=folder / "B2_1_xyz_dem.csv",
                                 crs="EPSG:31256", max_depth=3.0)
    geo = ert.load_profile_folder(folder, max_depth_m=3.0)
    assert len(cells) == geo.n_cells == 5925 and str(cells.crs) == "EPSG:31256"
    assert cells.geometry.has_z.all()
    np.testing.assert_array_equal(cells.geometry.x.to_numpy(), geo.x)
    np.testing.assert_array_equal(cells["depth_m"].to_numpy(), geo.depth_m)
    assert cells["depth_m"].max() <= 3.0 and (cells["profile"] == "B2_1").all()
    np.testing.assert_allclose(cells["ec_mS_m"] * cells["resistivity_ohmm"], 1000.0, rtol=1e-12)
    assert cells.attrs["emiai"]["trace"].shape == (72, 4)


def test_api_errors_are_clear(survey):
    from emiai_core import api

    with pytest.raises(ValueError, match="coils VCP1.48"):
        api.predict(survey.rename(columns={"VCP0.32": "VCP1.48"}).drop(columns=["VCP0.71", "VCP1.18"]))
    with pytest.raises(ValueError, match="No EC_<top>_<bottom> layer columns"):
        api.forward(survey)
    with pytest.raises(ValueError, match="exactly one of them"):
        api.read_ert_section("x.csv")
