"""Thin shared base class of the emiAI Processing algorithms."""
import os

from qgis.core import QgsProcessingAlgorithm, QgsProcessingException
from qgis.PyQt.QtGui import QIcon

PLUGIN_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ICON_PATH = os.path.join(PLUGIN_DIR, "icons", "emiai.svg")
#: The algorithms' help pages (scripts/make_docs.py writes it from the algorithms themselves).
HELP_PAGE = os.path.join(PLUGIN_DIR, "docs", "algorithms.html")
#: Toolbox search words every emiAI algorithm answers to (plus its own TAGS).
COMMON_TAGS = ("emi", "electromagnetic induction", "fdem", "conductivity", "ec", "eca", "soil", "geophysics",
               "emiai")


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
    TAGS = ()  # search words of this algorithm (Toolbox search), beside COMMON_TAGS
    #: Outputs that may be written over an input (output name -> input names): files the
    #: algorithm reads completely before it replaces them atomically.
    IN_PLACE_OUTPUTS: dict = {}
    GROUP = "EMI inversion"
    GROUP_ID = "emi"
    HELP = ""

    def createInstance(self):  # noqa: N802
        return type(self)()

    @staticmethod
    def tr(text: str) -> str:
        """The translation of a user-visible text (context 'emiAI')."""
        from qgis.PyQt.QtCore import QCoreApplication

        return QCoreApplication.translate("emiAI", text)

    def name(self):
        return self.ID

    def displayName(self):  # noqa: N802
        return self.tr(self.DISPLAY_NAME)

    def group(self):
        return self.tr(self.GROUP)

    def groupId(self):  # noqa: N802
        return self.GROUP_ID

    def tags(self):
        return [self.tr(t) for t in tuple(self.TAGS) + COMMON_TAGS]

    def shortHelpString(self):  # noqa: N802
        return self.tr(self.HELP)

    def shortDescription(self):  # noqa: N802
        """The first sentence of the help, without markup (the Toolbox tooltip)."""
        import re

        text = re.sub(r"<[^>]+>", " ", self.tr(self.HELP))
        text = re.sub(r"\s+", " ", text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")).strip()
        for end in re.finditer(r"(?<=[\w)'\]])\.(?=\s|$)", text):
            word = text[:end.start()].rsplit(None, 1)[-1].lower()
            if word not in ("al", "e.g", "i.e", "etc", "cf", "vs", "approx"):
                return text[:end.start() + 1]
        return text

    def helpUrl(self):  # noqa: N802
        """The algorithm's section of docs/algorithms.html shipped with the plugin."""
        from qgis.PyQt.QtCore import QUrl

        if not os.path.isfile(HELP_PAGE):
            return ""
        url = QUrl.fromLocalFile(HELP_PAGE)
        url.setFragment(self.ID)
        return url.toString()

    def addParameter(self, definition, createOutput=True):  # noqa: N802, N803 (QGIS API names)
        definition.setDescription(self.tr(definition.description()))
        return super().addParameter(definition, createOutput)

    def icon(self):
        return QIcon(ICON_PATH)

    @staticmethod
    def fail(message: str) -> QgsProcessingException:
        """A QgsProcessingException to raise: ``raise self.fail('field X: … do Y')``."""
        return QgsProcessingException(message)

    def checkParameterValues(self, parameters, context):  # noqa: N802
        """Processing's checks, then: no output may be written over an input of the same run (e.g.
        OUTPUT = INPUT would destroy the survey before it is read)."""
        ok, message = super().checkParameterValues(parameters, context)
        if not ok:
            return ok, message
        inputs = {}
        for p in self.parameterDefinitions():
            if p.isDestination() or p.name() not in parameters:
                continue
            for path in self._input_paths(p, parameters, context):
                inputs.setdefault(path, (p.name(), p.description()))
        for p in self.destinationParameterDefinitions():
            if p.name() not in parameters:
                continue
            try:
                dest = (self.parameterAsFileOutput(parameters, p.name(), context) if p.type() in ("fileDestination",
                        "folderDestination") else self.parameterAsOutputLayer(parameters, p.name(), context))
            except Exception:  # noqa: BLE001 - Processing reports bad values itself
                continue
            path = _file_path(dest)
            if path and path in inputs and inputs[path][0] not in self.IN_PLACE_OUTPUTS.get(p.name(), ()):
                return False, (f"'{p.description()}' would be written over the input '{inputs[path][1]}' ({path}): "
                               "choose another file for the output.")
        return True, ""

    def _input_paths(self, definition, parameters, context) -> list:
        """Real paths of the files an input parameter reads (layers, layer lists, files)."""
        kind = definition.type()
        name = definition.name()
        try:
            if kind in ("source", "vector", "raster", "layer"):
                layer = self.parameterAsLayer(parameters, name, context)
                uris = [layer.source()] if layer is not None else [str(parameters.get(name) or "")]
            elif kind == "multilayer":
                uris = [lay.source() for lay in self.parameterAsLayerList(parameters, name, context) or []]
            elif kind == "file":
                uris = [self.parameterAsFile(parameters, name, context) or ""]
            else:
                return []
        except Exception:  # noqa: BLE001 - a bad value is Processing's to report
            return []
        return [p for p in (_file_path(u) for u in uris) if p]

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

    #: Instrument presets of the INSTRUMENT menu (keys of emiai_core.instruments.INSTRUMENTS) and
    #: what the ORIENTATIONS menu keeps of a preset's coils (None = all).
    ORIENTATION_CHOICES = ((("VCP",), "VCP only (e.g. a MiniExplorer Lo survey)"), (("HCP",), "HCP only (Hi survey)"),
                           (None, "All (VCP + HCP: merged Lo and Hi surveys)"))

    def add_coil_parameters(self, with_orientations: bool = False):
        """The coil choice shared by algorithms: INSTRUMENT (the presets, then Custom), optionally
        ORIENTATIONS (which of the preset's coils), COILS (custom EMagPy strings), HEIGHT (m)."""
        from qgis.core import QgsProcessingParameterEnum, QgsProcessingParameterNumber, QgsProcessingParameterString

        from emiai_core.fields import instrument_keys
        from emiai_core.instruments import INSTRUMENTS

        self.addParameter(QgsProcessingParameterEnum(
            "INSTRUMENT", "Instrument", options=[INSTRUMENTS[k].label for k in instrument_keys()]
            + ["Custom (COILS)"], defaultValue=0))
        if with_orientations:
            self.addParameter(QgsProcessingParameterEnum(
                "ORIENTATIONS", "Coils of the instrument you measure with",
                options=[label for _, label in self.ORIENTATION_CHOICES], defaultValue=0))
        self.addParameter(QgsProcessingParameterString(
            "COILS", "Custom coils (EMagPy strings, comma separated)", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            "HEIGHT", "Instrument height above ground (m)", QgsProcessingParameterNumber.Double,
            defaultValue=0.0, minValue=0.0, maxValue=10.0))

    def coils_from_parameters(self, parameters, context) -> list:
        """The coils chosen with the parameters of add_coil_parameters."""
        from emiai_core.fields import instrument_keys

        orientations = None
        if self.parameterDefinition("ORIENTATIONS") is not None:
            orientations = self.ORIENTATION_CHOICES[self.parameterAsEnum(parameters, "ORIENTATIONS", context)][0]
        return self.coils_parameter(parameters, context, "INSTRUMENT", "COILS", "HEIGHT", instrument_keys(),
                                    orientations)

    def coils_parameter(self, parameters, context, instrument_param, coils_param, height_param, keys,
                        orientations=None) -> list:
        """The coils chosen by an instrument enum (``keys`` in menu order, then "Custom") or, for
        Custom, by EMagPy coil strings in ``coils_param``, all at the height in ``height_param`` (m);
        orientations: keep only these of a preset ('VCP', 'HCP', 'PRP'; None = all)."""
        from emiai_core.instruments import instrument, parse_coil

        k = self.parameterAsEnum(parameters, instrument_param, context)
        height = self.parameterAsDouble(parameters, height_param, context)
        text = (self.parameterAsString(parameters, coils_param, context) or "").strip()
        if k < len(keys):
            if text:
                raise self.fail(f"{coils_param} is set ({text}) but {instrument_param} is the preset {keys[k]}: "
                                f"choose {instrument_param} = Custom to use {coils_param}, or clear {coils_param}.")
            coils = list(instrument(keys[k]).coils_at(height, orientations))
            if not coils:
                raise self.fail(f"The preset {keys[k]} has no {'/'.join(orientations)} coils: choose other coils.")
            return coils
        if not text:
            raise self.fail(f"{instrument_param} is Custom but {coils_param} is empty: give coils as EMagPy strings, "
                            "e.g. 'VCP0.32f30000h0, HCP0.71f30000h0'.")
        coils = []
        for part in [p for p in text.replace(";", ",").split(",") if p.strip()]:
            try:
                coils.append(parse_coil(part.strip(), height=height))
            except ValueError as err:
                raise self.fail(f"{coils_param}: {err}") from None
        return coils

    def parameter_as_fields(self, parameters, name, context) -> list:
        """Field names of a field parameter: parameterAsStrings from QGIS 3.40 (parameterAsFields is
        deprecated there), parameterAsFields before."""
        if hasattr(self, "parameterAsStrings"):
            return self.parameterAsStrings(parameters, name, context)
        return self.parameterAsFields(parameters, name, context)

    @staticmethod
    def check_canceled(feedback):
        """Stop cleanly when the user pressed Cancel."""
        if feedback is not None and feedback.isCanceled():
            from emiai_core.fields import CANCELED_MESSAGE

            raise QgsProcessingException(CANCELED_MESSAGE)


def _file_path(uri) -> str:
    """The real path of the file behind a layer URI or output string ('' for memory/database layers)."""
    text = str(uri or "").split("|")[0]
    for prefix in ("ogr:", "gdal:"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if not text or text.startswith(("memory:", "postgres:", "spatialite:")) or "?" in text.split("/")[-1]:
        return ""
    return os.path.realpath(text)
