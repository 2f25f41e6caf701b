"""emiai:applyecacalibration — apply a coefficients file of 'Calibrate ECa against ERT' to a survey."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
)

from .calibrate_eca import CalibrateEcaAlgorithm


class ApplyEcaCalibrationAlgorithm(CalibrateEcaAlgorithm):
    """Survey points + coefficients (JSON) → calibrated survey (the fields calibrateeca writes)."""

    INPUT = "INPUT"
    COEFFICIENTS = "COEFFICIENTS"
    OUTPUT = "OUTPUT"

    ID = "applyecacalibration"
    DISPLAY_NAME = "Apply ECa calibration"
    HELP = (
        "Applies the coefficients of 'Calibrate ECa against ERT' (a JSON file) to another survey "
        "taken with the same instrument, coils and height: every ECa field of a calibrated coil "
        "becomes offset + gain × ECa (mS/m); the originals are kept as &lt;coil&gt;_RAW and "
        "ECA_CAL = 1 marks points whose ECa were all calibrated.<br>"
        "The survey must have an ECa field for every coil of the file (named like VCP0.32); a "
        "survey with other coils is refused. A different instrument height (HEIGHT_M) gives a "
        "warning: the coefficients depend on the height."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EMI survey points (ECa in mS/m)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFile(
            self.COEFFICIENTS, "Calibration coefficients (from 'Calibrate ECa against ERT')", extension="json"))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "Calibrated survey", QgsProcessing.TypeVectorPoint))
        for name, label in (("N_INPUT", "Points read"), ("N_CALIBRATED", "Points calibrated")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.eca_calibration import CalibrationError, check_survey_coils, load_calibration
        from emiai_core.fields import CALIBRATED_FIELD, HEIGHT_FIELD, RAW_ECA_SUFFIX

        from ..layer_io import read_points

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        self.check_output_writable(parameters, self.OUTPUT, context)
        path = self.parameterAsFile(parameters, self.COEFFICIENTS, context)
        if not path:
            raise self.fail("Calibration coefficients: choose the JSON file that 'Calibrate ECa against ERT' wrote.")
        try:
            calibration = load_calibration(path)
        except CalibrationError as err:
            raise self.fail(f"Calibration coefficients: {err}") from None
        names = source.fields().names()
        if CALIBRATED_FIELD in names or any(n.endswith(RAW_ECA_SUFFIX) for n in names):
            raise self.fail(f"The survey is already calibrated (it has {CALIBRATED_FIELD} / *{RAW_ECA_SUFFIX} "
                            "fields): apply the calibration to the original survey.")
        has_height = HEIGHT_FIELD in names and source.fields().field(HEIGHT_FIELD).isNumeric()
        try:
            fields, _ = check_survey_coils(calibration, names)
        except CalibrationError as err:
            raise self.fail(str(err)) from None
        table = read_points(source, fields + ([HEIGHT_FIELD] if has_height else []), feedback, (0.0, 40.0))
        _, warnings = check_survey_coils(calibration, names, table.values.get(HEIGHT_FIELD))
        for w in warnings:
            feedback.pushWarning(w)
        self.check_canceled(feedback)
        fits = [calibration.fit_for(c.field) for c in calibration.coils]
        calibrated = np.column_stack([fit.apply(table.values[f]) for fit, f in zip(fits, fields)])
        for fit, f in zip(fits, fields):
            feedback.pushInfo(f"{f}: ECa × {fit.gain:.4f} {fit.offset_mS_m:+.3f} mS/m")
        dest_id = self.write_calibrated(parameters, context, feedback, source, table, fields, calibrated)
        n_cal = int(np.all(np.isfinite(calibrated), axis=1).sum())
        feedback.pushInfo(f"{n_cal} of {len(table.x)} point(s) calibrated.")
        return {self.OUTPUT: dest_id, "N_INPUT": int(len(table.x)), "N_CALIBRATED": n_cal}
