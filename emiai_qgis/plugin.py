"""The QGIS plugin object: registers the emiAI Processing provider."""
from qgis.core import QgsApplication

try:  # icons compiled from resources.qrc by `make resources` (optional: icons also load by path)
    from . import resources_rc  # noqa: F401
except ImportError:
    pass


class EmiAIPlugin:
    """Adds the 'emiAI' provider in initProcessing (the only method qgis_process calls)."""

    def __init__(self, iface, on_unload=None):
        self.iface = iface  # None under qgis_process; never used at construction
        self.provider = None
        self.on_unload = on_unload  # the package's purge of its modules (see __init__.py)

    def initProcessing(self):  # noqa: N802
        from .provider import EmiAIProvider

        if self.provider is None:
            self.provider = EmiAIProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):  # noqa: N802
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.on_unload is not None:  # reload / upgrade: the next load imports the new code
            self.on_unload()
