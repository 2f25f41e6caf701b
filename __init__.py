"""emiAI for QGIS: QGIS plugin entry point (QGIS calls classFactory)."""
import os
import sys

# The plugin folder holds two top-level packages, emiai_core (QGIS-free science) and emiai_qgis
# (Processing glue); put the folder on sys.path so both import the same way in QGIS and in tests.
_HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ("emiai_core", "emiai_qgis")


def purge_modules(keep_from: str = "") -> list:
    """Forget the imported emiai_core / emiai_qgis modules (all, or those not loaded from the folder
    ``keep_from``), so that the next import runs the code on disk: QGIS's plugin reload purges only
    modules named after the plugin folder ('emiai.…'), not these top-level packages."""
    gone = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] not in PACKAGES:
            continue
        path = os.path.abspath(getattr(module, "__file__", "") or "")
        if keep_from and path.startswith(keep_from + os.sep):
            continue
        del sys.modules[name]
        gone.append(name)
    return gone


# an upgraded or moved plugin must not keep running modules imported from another folder
purge_modules(keep_from=_HERE)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from emiai_qgis.plugin import EmiAIPlugin

    return EmiAIPlugin(iface, on_unload=purge_modules)
