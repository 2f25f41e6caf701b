"""Import works in a QGIS without pandas (issue #11, item 3).

Debian's and other QGIS packages bring numpy, scipy and GDAL but not pandas or geopandas, so the
survey and ERT readers must not import them. Each check runs in a child Python in which a meta path
finder makes ``import pandas`` / ``import geopandas`` fail like a missing package, before anything
else is imported; the child reads the committed fixtures (and runs the import algorithms through
Processing) and reports what it read, which the parent compares with the known values."""
import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import REPO

BLOCK_PANDAS = '''
import importlib.abc, sys
class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("pandas", "geopandas"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, _NoPandas())
assert not any(m.split(".")[0] in ("pandas", "geopandas") for m in sys.modules)
try:
    import pandas  # noqa: F401
    raise SystemExit("pandas is still importable")
except ImportError:
    pass
sys.path.insert(0, REPO)
'''

CHECK_LOADED = '''
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("pandas", "geopandas"))
out["pandas_modules"] = loaded
print("RESULT " + json.dumps(out))
'''


def run_child(body: str, timeout: int = 300) -> dict:
    """Run body (after the pandas block) in a fresh interpreter; its ``out`` dict comes back."""
    code = f"REPO = {str(REPO)!r}\nimport json\nout = {{}}\n" + BLOCK_PANDAS + textwrap.dedent(body) + CHECK_LOADED
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PROJ_DATA=os.environ.get("PROJ_DATA", "/usr/share/proj"))
    proc = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"child failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(lines[-1][len("RESULT "):])


def test_readers_without_pandas():
    out = run_child('''
        from emiai_core import ert, survey
        ex = REPO + "/tests/data/emagpy_examples/"
        t = survey.read_survey(ex + "trimpley/trimpLo.dat", "CMD-MiniExplorer", "VCP")
        out["dat"] = [t.n_points, t.n_rows_read, t.coils, t.x[0], t.y[0], t.eca["VCP0.71"][0],
                      str(t.extra["Time"].dtype), t.extra["Time"][0], list(t.extra)]
        out["seconds"] = float(survey._time_seconds(t.extra["Time"][:1])[0])
        c = survey.read_survey(ex + "trimpley/trimpLo.csv")
        out["csv"] = [c.n_points, c.coils, c.y[0], c.coords_kind]
        g = survey.read_survey(ex + "potatoes/potatoesGrid.csv")
        out["grid"] = [g.n_points, g.x[0], g.eca["VCP0.72"][0]]
        s = ert.read_section(REPO + "/tests/data/tuwien_ert/B2_1/B2_1_mesh.csv")
        out["ert"] = [s.n_cells, s.distance_m[0], s.resistivity_ohmm[0], s.phase_mrad[0], s.sensitivity_log10[0]]
    ''')
    assert out["pandas_modules"] == []
    assert out["dat"] == [200, 200, ["VCP0.32", "VCP0.71", "VCP1.18"], -2.344555466666667, 52.40769166666667, 5.39,
                          "object", "10:30:26.15",
                          ["Altitude", "Time", "Inv.Cond.1[mS/m]", "Inv.Cond.2[mS/m]", "Inv.Thick[m]", "Inv.RMS[%]"]]
    assert out["seconds"] == pytest.approx(10 * 3600 + 30 * 60 + 26.15)
    assert out["csv"] == [100, ["VCP0.32", "VCP0.71", "VCP1.14"], 52.40771325000001, "geographic"]
    # '2.8555004476723074' correctly rounded (Python's float(); pandas 2.x read it 1 ulp lower)
    assert out["grid"] == [100, 338521.3020599424, 2.8555004476723074]
    assert out["ert"] == [7117, 12.288227, 13.5419, 1.74125, 0.69667]


def test_import_algorithms_without_pandas():
    out = run_child('''
        from emiai_qgis.headless import start_processing
        app, provider = start_processing()
        import processing
        from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

        def run(alg, params):
            context = QgsProcessingContext()
            context.setProject(QgsProject.instance())
            return processing.run(alg, params, context=context, feedback=QgsProcessingFeedback())

        ex = REPO + "/tests/data/"
        res = run("emiai:importsurvey", {"INPUT": ex + "emagpy_examples/trimpley/trimpLo.dat", "INSTRUMENT": 0,
                                         "ORIENTATION": 0, "OUTPUT": "TEMPORARY_OUTPUT"})
        layer = res["OUTPUT"]
        out["survey"] = [layer.featureCount(), [f.name() for f in layer.fields()][:3]]
        res = run("emiai:importertsection", {
            "INPUT": ex + "tuwien_ert/B2_1/B2_1_mesh.csv", "ELECTRODE_COORDINATES": ex + "tuwien_ert/B2_1/B2_1_xyz_dem.csv",
            "CRS": "EPSG:31256", "OUTPUT": "TEMPORARY_OUTPUT", "OUTPUT_TRACE": "TEMPORARY_OUTPUT"})
        out["ert"] = res["OUTPUT"].featureCount()
    ''', timeout=600)
    assert out["pandas_modules"] == []
    assert out["survey"] == [200, ["VCP0.32", "VCP0.71", "VCP1.18"]]
    assert out["ert"] == 7117
