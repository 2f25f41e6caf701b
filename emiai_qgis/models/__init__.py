"""The Processing models shipped with the emiAI provider: the *.model3 files of this folder.

They are made by scripts/make_models.py (rerun it rather than editing them; ``--check`` tells when
they are stale). The file name without .model3 is the algorithm name, so that the ids are stable
(emiai:survey_to_ec_depth_slices) while the Toolbox shows the model's own name.
"""
from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsProcessingModelAlgorithm

MODELS_DIR = Path(__file__).resolve().parent
GROUP_ID = "workflows"


class EmiAIModel(QgsProcessingModelAlgorithm):
    """A model whose name() (the id part) is its file stem; displayName() is the name stored in the file."""

    def __init__(self, name: str = ""):
        super().__init__()
        self._name = name

    def name(self):
        return self._name

    def displayName(self):  # noqa: N802
        return QgsProcessingModelAlgorithm.name(self)  # the model_name of the file

    def groupId(self):  # noqa: N802
        return GROUP_ID

    def createInstance(self):  # noqa: N802
        alg = EmiAIModel(self._name)
        alg.loadVariant(self.toVariant())
        return alg

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        # A QGIS model hands an input that was left out (processing.run, qgis_process) to its steps
        # as "no value", so each step would use its own default instead of the model's (e.g. NMODELS
        # 40 of the quick ERT model): fill in the model's defaults first, as the dialog does.
        filled = dict(parameters)
        for definition in self.parameterDefinitions():
            if (not definition.isDestination() and filled.get(definition.name()) is None
                    and definition.defaultValue() is not None):
                filled[definition.name()] = definition.defaultValue()
        return super().processAlgorithm(filled, context, feedback)


def model_files() -> list:
    return sorted(MODELS_DIR.glob("*.model3"))


def load_models(provider) -> list:
    """The models of MODELS_DIR for ``provider`` (an EmiAIProvider), to add in its loadAlgorithms.

    Their steps are the provider's own algorithms, which QGIS looks up in the Processing registry;
    the registry holds the provider only after its first loadAlgorithms (QgsProcessingRegistry::
    addProvider loads, then registers). So the first call returns nothing and refreshes the
    provider once the registry announces it; a model whose steps are still missing is logged and
    left out."""
    registry = QgsApplication.processingRegistry()
    provider_id = provider.id()
    if registry.providerById(provider_id) is not provider:
        if not getattr(provider, "_emiai_models_pending", False):
            provider._emiai_models_pending = True

            def registered(pid):
                if pid == provider_id and registry.providerById(pid) is provider:
                    registry.providerAdded.disconnect(registered)
                    provider.refreshAlgorithms()

            registry.providerAdded.connect(registered)
        return []
    models = []
    for path in model_files():
        model = EmiAIModel(path.stem)
        if not model.fromFile(str(path)):
            QgsMessageLog.logMessage(f"emiAI: model {path.name} could not be read", "emiAI", Qgis.Warning)
            continue
        missing = [c.algorithmId() for c in model.childAlgorithms().values() if c.algorithm() is None]
        if missing:
            QgsMessageLog.logMessage(f"emiAI: model {path.name} not loaded: algorithm(s) {', '.join(missing)} "
                                     "not found", "emiAI", Qgis.Warning)
            continue
        models.append(model)
    return models


__all__ = ["EmiAIModel", "MODELS_DIR", "load_models", "model_files"]
