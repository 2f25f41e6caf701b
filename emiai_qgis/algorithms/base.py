"""Thin shared base class of the emiAI Processing algorithms."""
import os

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtGui import QIcon

ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "icons", "emiai.svg")


class EmiAIAlgorithm(QgsProcessingAlgorithm):
    """Name/group/help boilerplate; subclasses set ID, DISPLAY_NAME, GROUP, HELP and the two
    Processing methods initAlgorithm / processAlgorithm. Parameter names are class constants.

    Conventions for subclasses:
    - import heavy or optional modules inside processAlgorithm, never at module level;
    - read and validate everything, compute, and only then create sinks or write files, so that a
      failure leaves nothing half-written (files go to a temporary path and are moved at the end);
    - raise ``self.fail(...)`` (a QgsProcessingException) naming the parameter/field/value and
      what to do; report progress with feedback.setProgress and call ``self.check_canceled``.
    """

    ID = ""
    DISPLAY_NAME = ""
    GROUP = "EMI inversion"
    GROUP_ID = "emi"
    HELP = ""

    def createInstance(self):  # noqa: N802
        return type(self)()

    def name(self):
        return self.ID

    def displayName(self):  # noqa: N802
        return self.DISPLAY_NAME

    def group(self):
        return self.GROUP

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def shortHelpString(self):  # noqa: N802
        return self.HELP

    def icon(self):
        return QIcon(ICON_PATH)

    @staticmethod
    def fail(message: str) -> QgsProcessingException:
        """A QgsProcessingException to raise: ``raise self.fail('field X: … do Y')``."""
        return QgsProcessingException(message)

    def check_output_writable(self, parameters, name, context) -> str:
        """Fail early, before any work, when a file output's folder is missing or read-only."""
        dest = self.parameterAsOutputLayer(parameters, name, context) or ""
        path = dest.split("|")[0]
        if path.startswith(("ogr:", "postgres:", "memory:", "spatialite:")) or not path:
            return dest
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder) or not os.access(folder, os.W_OK):
            raise self.fail(f"Cannot write the output {path}: folder {folder} does not exist or is not "
                            f"writable. Choose another path for {name}.")
        if os.path.exists(path) and not os.access(path, os.W_OK):
            raise self.fail(f"Cannot overwrite the output {path} (read-only). Choose another path for {name}.")
        return dest

    @staticmethod
    def check_canceled(feedback):
        """Stop cleanly when the user pressed Cancel."""
        if feedback is not None and feedback.isCanceled():
            raise QgsProcessingException("Canceled by the user; no output was written.")
