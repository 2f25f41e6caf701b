"""The emiAI Processing provider (id 'emiai')."""
import importlib
import inspect
import os

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms.base import EmiAIAlgorithm

# One module per algorithm, in Toolbox order.
ALGORITHM_MODULES = (
    "import_survey",
    "filter_survey",
    "calibrate_eca",
    "apply_eca_calibration",
    "predict_ec",
    "depth_slices",
    "ec_section",
    "forward_response",
    "import_ert_section",
    "generate_training_models",
    "train_network",
)

ICON_PATH = os.path.join(os.path.dirname(os.path.dirname(__file__)), "icons", "emiai.svg")


def algorithm_classes():
    """The algorithm classes of all modules in ALGORITHM_MODULES (a module that fails to import is logged)."""
    classes = []
    for name in ALGORITHM_MODULES:
        try:
            module = importlib.import_module(f"{__package__}.algorithms.{name}")
        except ImportError as err:
            QgsMessageLog.logMessage(f"emiAI: algorithm module {name} not loaded: {err}", "emiAI", Qgis.Warning)
            continue
        classes += [obj for obj in vars(module).values()
                    if inspect.isclass(obj) and issubclass(obj, EmiAIAlgorithm)
                    and obj is not EmiAIAlgorithm and obj.__module__ == module.__name__]
    return classes


class EmiAIProvider(QgsProcessingProvider):
    """Processing provider 'emiAI' with the EMI inversion algorithms."""

    def loadAlgorithms(self):  # noqa: N802
        for cls in algorithm_classes():
            self.addAlgorithm(cls())
        from .models import load_models  # the Processing models of emiai_qgis/models/*.model3

        for model in load_models(self):
            self.addAlgorithm(model)

    def id(self):  # noqa: A003
        return "emiai"

    def name(self):
        return "emiAI"

    def longName(self):  # noqa: N802
        return "emiAI — EMI to soil EC depth models"

    def icon(self):
        return QIcon(ICON_PATH)
