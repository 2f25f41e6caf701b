"""emiai:importsurvey — read a GF Instruments / EMagPy survey file (optionally its Lo + Hi pair) into points."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
)

from emiai_core.fields import instrument_keys
from emiai_core.instruments import INSTRUMENTS

from .base import EmiAIAlgorithm

# The INSTRUMENT enum: the GF presets of emiai_core.instruments (their exports are what this reads).
INSTRUMENT_KEYS = instrument_keys(gf_files_only=True)
ORIENTATIONS = ("VCP", "HCP")
MERGE_BY = ("position", "time")
CALIBRATIONS = (None, "F-0m", "F-1m")
LOCAL_CRS_WKT = ('ENGCRS["Local survey grid (m)",EDATUM["Local survey origin"],CS[Cartesian,2],'
                 'AXIS["x (E)",east,ORDER[1],LENGTHUNIT["metre",1]],'
                 'AXIS["y (N)",north,ORDER[2],LENGTHUNIT["metre",1]]]')
FILE_FILTER = "EMI survey files (*.dat *.csv *.txt *.DAT *.CSV *.TXT);;All files (*.*)"


class ImportSurveyAlgorithm(EmiAIAlgorithm):
    """Survey file(s) in, ECa points out (one field per coil, mS/m)."""

    INPUT = "INPUT"
    INPUT_HI = "INPUT_HI"
    INSTRUMENT = "INSTRUMENT"
    ORIENTATION = "ORIENTATION"
    HEIGHT = "HEIGHT"
    MERGE_BY = "MERGE_BY"
    MERGE_TOLERANCE = "MERGE_TOLERANCE"
    CALIBRATION = "CALIBRATION"
    SOURCE_CRS = "SOURCE_CRS"
    TARGET_CRS = "TARGET_CRS"
    OUTPUT = "OUTPUT"

    ID = "importsurvey"
    DISPLAY_NAME = "Import EMI survey"
    HELP = (
        "Reads an EMI survey export into a point layer with one ECa field per coil (mS/m), ready "
        "for 'Predict EC depth models'.<br><br>"
        "<b>Files</b>: GF Instruments CMD exports (.dat, tab-separated, <i>Cond.1[mS/m]</i>, "
        "<i>Inph.1[ppt]</i>…) and EMagPy-style CSVs with coil-named columns (<i>VCP0.32</i>, "
        "<i>HCP1.48f10000h1</i>, <i>VCP0.32_inph</i>). Tab, comma or semicolon separators and "
        "',' decimals are detected. GF <i>Inv.*</i> columns (the instrument's own inversion) are "
        "kept as attributes, never used as ECa.<br>"
        "<b>Instrument / orientation</b>: a GF file does not say which coils Cond.1…N are: choose "
        "the instrument and the mode of the main file, VCP for Lo, HCP for Hi. Files with "
        "coil-named columns use their header.<br>"
        "<b>Second file</b>: the other mode of the same survey (e.g. the Hi file when the main "
        "file is Lo). Each main-file point gets the nearest reading of the second file by "
        "position (tolerance in m) or by time of day (tolerance in s). Points without a partner "
        "within the tolerance keep empty values for the other mode and are counted. EMagPy's "
        "importGF instead stacks both files and fills values from the nearest point at any "
        "distance.<br>"
        "<b>Height</b>: instrument height above ground (m), written to the field HEIGHT_M and to the coil "
        "strings (COIL_STRINGS output, e.g. VCP0.32f30000h0.1); 'Predict EC depth models' checks it "
        "against the model's height.<br>"
        "<b>ECa calibration</b>: GF instruments export ECa scaled by a factory calibration (F-0m or "
        "F-1m, chosen on the device). Physical forward models and emiAI networks use LIN ECa: choose "
        "the calibration of your export to convert (EMagPy gfCorrection coefficients; F-0m for the "
        "CMD-MiniExplorer, 6L and Explorer, F-1m for the Explorer).<br>"
        "<b>Coordinates</b>: Latitude/Longitude (NMEA like 5224.461500N or decimal degrees, WGS 84) "
        "or x/y in metres. x/y need <i>CRS of x/y columns</i> to be placed on the map; without it they are "
        "kept as local coordinates (no CRS). Latitude/longitude are projected to <i>Target CRS</i>, by "
        "default the WGS 84 / UTM zone of the data centre.<br><br>"
        "Rows with a missing or unreadable position, or without any ECa value, are skipped and "
        "counted (N_SKIPPED). Negative ECa readings are kept: deciding about them is left to the "
        "next step."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, "Survey file (.dat / .csv / .txt)", fileFilter=FILE_FILTER))
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT_HI, "Second file of the same survey in the other mode (e.g. Hi / HCP), to merge",
            optional=True, fileFilter=FILE_FILTER))
        self.addParameter(QgsProcessingParameterEnum(
            self.INSTRUMENT, "Instrument (for GF Cond.1…N columns)",
            options=[INSTRUMENTS[k].label for k in INSTRUMENT_KEYS], defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.ORIENTATION, "Coil orientation of the survey file", options=["VCP (Lo)", "HCP (Hi)"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.HEIGHT, "Instrument height above ground (m)", QgsProcessingParameterNumber.Double,
            defaultValue=0.0, minValue=0.0, maxValue=10.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.MERGE_BY, "Merge the second file by", options=["Position (nearest point)", "Time of day"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterNumber(
            self.MERGE_TOLERANCE, "Merge tolerance (m for position, s for time)",
            QgsProcessingParameterNumber.Double, defaultValue=2.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.CALIBRATION, "ECa calibration", options=[
                "Keep the ECa as exported", "GF F-0m calibrated → LIN ECa", "GF F-1m calibrated → LIN ECa"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterCrs(
            self.SOURCE_CRS, "CRS of x/y columns (not used for latitude/longitude)", optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            self.TARGET_CRS, "Target CRS (empty = the UTM zone for latitude/longitude, else the x/y CRS)",
            optional=True))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "EMI survey points", QgsProcessing.TypeVectorPoint))
        self.addOutput(QgsProcessingOutputNumber("N_POINTS", "Points written"))
        self.addOutput(QgsProcessingOutputNumber("N_SKIPPED", "Rows skipped"))
        self.addOutput(QgsProcessingOutputNumber("N_UNMATCHED", "Points without a partner in the second file"))
        self.addOutput(QgsProcessingOutputString("COILS", "ECa fields (comma separated)"))
        self.addOutput(QgsProcessingOutputString("COIL_STRINGS", "Coils as EMagPy strings (comma separated)"))
        self.addOutput(QgsProcessingOutputString("CALIBRATION", "ECa calibration conversion applied"))

    def _read(self, param, path, instrument, orientation, height, feedback):
        """One file as a SurveyTable; reading errors become messages naming the parameter."""
        from emiai_core.instruments import parse_coil
        from emiai_core.survey import read_survey

        try:
            table = read_survey(path, instrument, orientation, height)
        except FileNotFoundError:
            raise self.fail(f"{param}: file not found: {path}. Choose an existing survey file.") from None
        except (ValueError, OSError, UnicodeError) as err:
            raise self.fail(f"{param}: {err}") from None
        feedback.pushInfo(f"{path}: {table.n_rows_read} rows, {table.coords_kind} coordinates, "
                          f"coils {', '.join(table.coil_strings.values())}")
        for reason, count in table.skipped_reasons.items():
            feedback.pushWarning(f"{path}: {count} row(s) skipped: {reason}")
        for note in table.notes:
            feedback.pushInfo(f"{path}: {note}")
        # HEIGHT only reaches GF Cond.N channels; coil-named headers carry their own (or no) height
        other = [s for s in table.coil_strings.values() if height and parse_coil(s).height != height]
        if other:
            feedback.pushWarning(f"{path}: HEIGHT {height:g} m not applied to the coils named in the header "
                                 f"({', '.join(other)}); their own height (0 m if absent) is kept.")
        return table

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np
        from qgis.core import (
            QgsCoordinateReferenceSystem,
            QgsCoordinateTransform,
            QgsCsException,
            QgsPointXY,
            QgsWkbTypes,
        )

        from emiai_core.survey import apply_gf_calibration, merge_lo_hi, survey_columns

        from ..layer_io import fields_of, make_field, utm_crs_for, write_points

        self.check_output_writable(parameters, self.OUTPUT, context)
        path = self.parameterAsFile(parameters, self.INPUT, context)
        path_hi = self.parameterAsFile(parameters, self.INPUT_HI, context)
        instrument = INSTRUMENT_KEYS[self.parameterAsEnum(parameters, self.INSTRUMENT, context)]
        o = self.parameterAsEnum(parameters, self.ORIENTATION, context)
        height = self.parameterAsDouble(parameters, self.HEIGHT, context)
        by = MERGE_BY[self.parameterAsEnum(parameters, self.MERGE_BY, context)]
        tolerance = self.parameterAsDouble(parameters, self.MERGE_TOLERANCE, context)
        source_crs = self.parameterAsCrs(parameters, self.SOURCE_CRS, context)
        target_crs = self.parameterAsCrs(parameters, self.TARGET_CRS, context)

        # --- read and merge: everything is checked before the output exists ------------------------
        table = self._read(self.INPUT, path, instrument, ORIENTATIONS[o], height, feedback)
        n_unmatched = 0
        if path_hi:
            # the second file is the other mode of the same survey
            other = self._read(self.INPUT_HI, path_hi, instrument, ORIENTATIONS[1 - o], height, feedback)
            try:
                table = merge_lo_hi(table, other, max_distance_m=tolerance, by=by, max_time_s=tolerance)
            except ValueError as err:
                raise self.fail(f"INPUT_HI: {err}") from None
            n_unmatched = table.merge["unmatched"]
            feedback.pushInfo(f"Merged by {by}: {table.merge['matched']} of {table.n_points} points have a "
                              f"partner within {tolerance:g} {'m' if by == 'position' else 's'}.")
            if n_unmatched:
                feedback.pushWarning(f"{n_unmatched} point(s) without a partner in {path_hi}: their "
                                     f"{', '.join(other.coils)} values are empty. Raise MERGE_TOLERANCE "
                                     "to accept farther partners.")
        if table.n_points == 0:
            raise self.fail(f"INPUT: no usable row in {path} ({table.n_rows_skipped} skipped: "
                            f"{table.skipped_reasons}). Check the coordinate and ECa columns.")
        calibration = CALIBRATIONS[self.parameterAsEnum(parameters, self.CALIBRATION, context)]
        try:
            for line in apply_gf_calibration(table, calibration):
                feedback.pushInfo(line)
        except ValueError as err:
            raise self.fail(f"CALIBRATION: {err} Choose 'Keep the ECa as exported'.") from None
        self.check_canceled(feedback)
        feedback.setProgress(20)

        # --- CRS -------------------------------------------------------------------------------------
        if table.coords_kind == "geographic":
            if source_crs.isValid():
                feedback.pushInfo("SOURCE_CRS is not used: the file has latitude/longitude (WGS 84).")
            source_crs = QgsCoordinateReferenceSystem("EPSG:4326")
            if not target_crs.isValid():
                target_crs = utm_crs_for(float(np.mean(table.x)), float(np.mean(table.y)))
                feedback.pushInfo(f"TARGET_CRS not set: using {target_crs.authid()} ({target_crs.description()}), "
                                  "the UTM zone of the data centre.")
        elif not source_crs.isValid():
            if target_crs.isValid():
                raise self.fail("TARGET_CRS is set but the x/y coordinates have no CRS: set SOURCE_CRS "
                                "to the CRS of the file's x/y (e.g. EPSG:27700), or clear TARGET_CRS.")
            # A local engineering CRS (metres, not placed on Earth) rather than no CRS: QGIS and
            # GeoPackage would otherwise label the layer EPSG:4326 / "undefined geographic".
            target_crs = QgsCoordinateReferenceSystem.fromWkt(LOCAL_CRS_WKT)
            feedback.pushWarning("x/y are written as local coordinates (metres, CRS 'Local survey grid'); "
                                 "set SOURCE_CRS if they are map coordinates.")
        elif not target_crs.isValid():
            target_crs = source_crs
        feedback.pushInfo(f"Target CRS: {target_crs.authid() or target_crs.description()}")

        xs, ys = table.x, table.y
        if source_crs.isValid() and target_crs.isValid() and source_crs != target_crs:
            transform = QgsCoordinateTransform(source_crs, target_crs, context.transformContext())
            out_x, out_y = np.empty_like(xs), np.empty_like(ys)
            for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist())):
                if i % 10000 == 0:
                    self.check_canceled(feedback)
                    feedback.setProgress(20 + 30 * i / len(xs))
                try:
                    p = transform.transform(QgsPointXY(x, y))
                except QgsCsException as err:
                    raise self.fail(f"Point {i + 1} ({x}, {y}) cannot be transformed from "
                                    f"{source_crs.authid()} to {target_crs.authid()}: {err}. "
                                    "Check SOURCE_CRS / TARGET_CRS.") from None
                out_x[i], out_y[i] = p.x(), p.y()
            xs, ys = out_x, out_y
        feedback.setProgress(50)

        # --- fields and rows: ECa per coil, then in-phase, then kept extras ------------------------
        spec = survey_columns(table)
        fields = fields_of([make_field(name, kind, comment) for name, kind, comment, _ in spec])
        columns = [values for *_, values in spec]
        names = fields.names()
        lower = [n.lower() for n in names]
        if len(set(lower)) != len(names):
            dup = sorted({n for n in names if lower.count(n.lower()) > 1})
            raise self.fail(f"The file gives the same field name twice (ignoring case): {', '.join(dup)}. "
                            "Rename one of the columns in the file.")
        # NaN -> NULL, so empty readings stay empty in the attribute table
        cols = []
        for c in columns:
            obj = c.astype(object)
            if c.dtype.kind == "f":
                obj[np.isnan(c)] = None
            cols.append(obj.tolist())
        rows = [list(r) for r in zip(*cols)]
        self.check_canceled(feedback)

        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.Point,
                                             target_crs)
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        write_points(sink, fields, xs, ys, rows, feedback=feedback, progress_span=(60.0, 40.0))
        from ..styles import attach, style_eca_points

        attach(context, dest_id, style_eca_points, "importsurvey")  # ECa of the shallowest-sensing coil

        feedback.pushInfo(f"Wrote {table.n_points} points ({table.n_rows_skipped} rows skipped); ECa fields "
                          f"{', '.join(table.coils)} in mS/m.")
        return {
            self.OUTPUT: dest_id,
            "N_POINTS": table.n_points,
            "N_SKIPPED": table.n_rows_skipped,
            "N_UNMATCHED": n_unmatched,
            "COILS": ",".join(table.coils),
            "COIL_STRINGS": ",".join(table.coil_strings.get(c, c) for c in table.coils),
            "CALIBRATION": calibration or "as exported",
        }
