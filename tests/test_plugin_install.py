"""The plugin as a user gets it: the `make package` zip installed into a fresh QGIS profile runs an
algorithm with nothing but what QGIS ships (Debian's Python, no venv); reloading or upgrading the
plugin runs the new code."""
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def plugin_zip(tmp_path_factory):
    if not (REPO / "emiai_qgis" / "resources_rc.py").exists() or not (REPO / ".git").exists():
        pytest.skip("needs a git checkout after `make resources`")
    out = tmp_path_factory.mktemp("zip") / "emiai.zip"
    subprocess.run([sys.executable, str(REPO / "scripts" / "package.py"), str(out)], check=True, capture_output=True)
    return out


def test_zip_in_a_fresh_profile_runs_with_what_qgis_ships(plugin_zip, tmp_path):
    """Unzip into <profile>/plugins, enable it, run emiai:predictec through qgis_process.bin with
    Debian's Python only (no venv: numpy and scipy from QGIS's distribution, no TensorFlow)."""
    profile = tmp_path / "profile"
    plugins = profile / "plugins"
    plugins.mkdir(parents=True)
    zipfile.ZipFile(plugin_zip).extractall(plugins)
    ini = profile / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nemiai=true\n")
    survey = tmp_path / "survey.csv"  # x/y survey in metres with coil-named ECa fields
    survey.write_text("x,y,VCP0.32,VCP0.71,VCP1.18\n" + "".join(
        f"{600000 + i},{5300000 + i % 7},{20 + i % 5},{25 + i % 3},{30 + i % 4}\n" for i in range(30)))
    layer = f"delimitedtext://file://{survey}?type=csv&xField=x&yField=y&crs=EPSG:32633"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update(QGIS_CUSTOM_CONFIG_PATH=str(profile), QGIS_PLUGINPATH=str(plugins), QT_QPA_PLATFORM="offscreen",
               PATH="/usr/bin:/bin", PROJ_DATA="/usr/share/proj", XDG_RUNTIME_DIR=str(tmp_path))
    out = tmp_path / "ec.gpkg"
    proc = subprocess.run(["qgis_process.bin", "--json", "run", "emiai:predictec", f"--INPUT={layer}",
                           f"--OUTPUT={out}"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    import json

    results = json.loads(proc.stdout[proc.stdout.find("{"):])["results"]
    assert results["N_PREDICTED"] == 30 and out.exists()


def test_reload_runs_the_new_code(tmp_path):
    """QGIS's reload purges only 'emiai.*' modules: the plugin purges its emiai_core/emiai_qgis on
    unload, so a reload (or an upgrade into another folder) imports the code on disk."""
    for version in ("v1", "v2"):
        dest = tmp_path / version / "emiai"
        dest.mkdir(parents=True)
        shutil.copy(REPO / "__init__.py", dest)
        for pkg in ("emiai_core", "emiai_qgis"):
            shutil.copytree(REPO / pkg, dest / pkg, ignore=shutil.ignore_patterns("__pycache__", "models"))
        (dest / "emiai_core" / "__init__.py").write_text(f'MARK = "{version}"\n')
    code = textwrap.dedent(f"""
        import importlib, sys
        sys.path.insert(0, {str(tmp_path / 'v1')!r})
        import emiai
        plugin = emiai.classFactory(None)
        import emiai_core
        print(emiai_core.MARK)
        plugin.unload()
        print(sorted(m for m in sys.modules if m.split('.')[0] in ('emiai_core', 'emiai_qgis')))
        # an upgrade: QGIS forgets the 'emiai' package and imports the new folder's
        del sys.modules['emiai']
        sys.path.remove({str(tmp_path / 'v1')!r})
        sys.path.insert(0, {str(tmp_path / 'v2')!r})
        import emiai
        plugin = emiai.classFactory(None)
        import emiai_core
        print(emiai_core.MARK)
    """)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.split() == ["v1", "[]", "v2"], proc.stdout
