"""emiAI for QGIS: QGIS plugin entry point (QGIS calls classFactory)."""
import os
import sys

# The plugin folder holds two top-level packages, emiai_core (QGIS-free science) and emiai_qgis
# (Processing glue); put the folder on sys.path so both import the same way in QGIS and in tests.
_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)


def classFactory(iface):  # noqa: N802 (QGIS API name)
    from emiai_qgis.plugin import EmiAIPlugin

    return EmiAIPlugin(iface)
