"""A headless QGIS with Processing and the emiAI provider, for tests, benchmarks and scripts.

Not part of the plugin zip (scripts/package.py leaves it out): inside QGIS the application exists.
"""
import os
import sys
import tempfile


def start_processing(gui: bool = False):
    """Start an offscreen QgsApplication with Processing and the emiAI provider registered
    (gui: a GUI application, for dialogs on a (virtual) display; QT_QPA_PLATFORM is then left alone).

    Returns (app, provider): keep both referenced for as long as algorithms run (SIP would delete
    the provider). Do not call exitQgis() at the end when TensorFlow was loaded: it segfaults at
    interpreter exit (../shared/docs/environment.md section 7).
    """
    if not gui:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="emiai-xdg-"))
    from .native import ensure_native_libs

    ensure_native_libs(("h5py", "shapely", "pyproj"))
    from qgis.core import QgsApplication

    # QGIS_PREFIX_PATH is set by the OSGeo4W / macOS launchers; Debian's QGIS lives in /usr
    QgsApplication.setPrefixPath(os.environ.get("QGIS_PREFIX_PATH", "/usr"), True)
    app = QgsApplication([], gui)
    app.initQgis()
    plugins = os.path.join(QgsApplication.pkgDataPath(), "python", "plugins")  # the Processing plugin
    if plugins not in sys.path:
        sys.path.append(plugins)
    from processing.core.Processing import Processing

    Processing.initialize()
    from .provider import EmiAIProvider

    provider = EmiAIProvider()
    QgsApplication.processingRegistry().addProvider(provider)
    return app, provider
