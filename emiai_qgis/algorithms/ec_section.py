"""emiai:ecsection — predicted EC models along a line as a distance × depth raster and a figure."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDistance,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
)

from .base import EmiAIAlgorithm


class EcSectionAlgorithm(EmiAIAlgorithm):
    """EC point models + a line → section raster (distance × depth) + PNG (with the ERT beside)."""

    INPUT = "INPUT"
    LINE = "LINE"
    MAX_DISTANCE = "MAX_DISTANCE"
    STEP = "STEP"
    DEPTH_CELL = "DEPTH_CELL"
    ERT_CELLS = "ERT_CELLS"
    OUTPUT = "OUTPUT"
    OUTPUT_PNG = "OUTPUT_PNG"

    ID = "ecsection"
    DISPLAY_NAME = "EC section along a line"
    HELP = (
        "Samples the EC depth models of 'Predict EC depth models' along a line into a section: "
        "a raster whose columns are distances along the line and whose rows are depths (x = "
        "distance in m, y = −depth in m, no CRS), and a PNG figure with a depth axis, a "
        "logarithmic EC colour bar (mS/m) and, where the points carry DOI_M, the depth of "
        "investigation as a dashed line.<br>"
        "<b>Line</b>: the first feature of a line layer (draw one, or use an ERT profile trace). "
        "<b>Maximum distance</b>: points farther from the line are left out. <b>Column width</b>: "
        "0 = twice the median spacing of the points along the line; a column's EC per layer is the "
        "geometric mean of its points; gaps of up to three columns are interpolated, wider gaps "
        "stay empty. The finest EC_&lt;top&gt;_&lt;bottom&gt; layering of the points is used.<br>"
        "<b>ERT cells</b> (optional, from 'Import ERT section'): the ERT cells within the maximum "
        "distance of the line are drawn below the section on the same colour scale, to compare.<br>"
        "Use this tool for a single transect, where depth slices (a map) cannot be interpolated."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EC depth models (points)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.LINE, "Section line", [QgsProcessing.TypeVectorLine]))
        p = QgsProcessingParameterDistance(self.MAX_DISTANCE, "Maximum distance of a point from the line",
                                           defaultValue=2.0, minValue=0.0)
        p.setDefaultUnit(_metres())
        self.addParameter(p)
        p = QgsProcessingParameterDistance(self.STEP, "Column width along the line (0 = automatic)",
                                           defaultValue=0.0, minValue=0.0)
        p.setDefaultUnit(_metres())
        self.addParameter(p)
        p = QgsProcessingParameterNumber(self.DEPTH_CELL, "Depth cell (m)", QgsProcessingParameterNumber.Double,
                                         defaultValue=0.02, minValue=0.005, maxValue=1.0)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterMultipleLayers(
            self.ERT_CELLS, "ERT cells to show beside the section (optional)", QgsProcessing.TypeVectorPoint,
            optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, "EC section (distance × depth)"))
        self.addParameter(QgsProcessingParameterFileDestination(
            self.OUTPUT_PNG, "Section figure", "PNG files (*.png)", optional=True))
        for name, label in (("N_POINTS", "Points within the distance"), ("N_COLUMNS", "Columns"),
                            ("LENGTH", "Line length (m)")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.atomic import staged_files
        from emiai_core.fields import DOI_FIELD, edges_from_field_names, finest_layering
        from emiai_core.raster_io import write_geotiff
        from emiai_core.section import ec_section, ert_on_line

        from ..layer_io import metric_crs, read_lines, read_points, transform_xy
        from ..styles import attach as attach_style
        from ..styles import raster_breaks, style_raster, write_raster_style

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        line_source = self.parameterAsSource(parameters, self.LINE, context)
        if line_source is None:
            raise self.invalidSourceError(parameters, self.LINE)
        output = self.check_output_writable(parameters, self.OUTPUT, context)
        png = self.parameterAsFileOutput(parameters, self.OUTPUT_PNG, context)
        names = finest_layering(source.fields().names())
        if not names:
            raise self.fail("EC depth models: the layer has no EC_<top>_<bottom> fields: run 'Predict EC depth "
                            "models' first.")
        edges = edges_from_field_names(names)
        has_doi = DOI_FIELD in source.fields().names()
        table = read_points(source, names + ([DOI_FIELD] if has_doi else []), feedback, (0.0, 30.0),
                            keep_features=False)
        if len(table.x) == 0:
            raise self.fail("EC depth models: the layer has no features.")

        # one metric CRS: the points' if projected, else the line's, else the UTM zone
        src_crs = source.sourceCrs()
        work = metric_crs(src_crs, line_source.sourceCrs(), table.x, table.y)
        x, y = table.x, table.y
        if src_crs.isValid() and work != src_crs:
            x, y = transform_xy(x, y, src_crs, work, context.transformContext())
        lines = [ln for ln in read_lines(line_source, work, context.transformContext()) if ln.n_parts == 1]
        if not lines or len(lines[0].vertices) < 2:
            raise self.fail("Section line: the layer has no single-part line with at least two vertices.")
        if line_source.featureCount() > 1:
            feedback.pushWarning("Section line: the layer has several lines; the first is used.")
        vx, vy = lines[0].vertices[:, 0], lines[0].vertices[:, 1]
        ec = np.column_stack([table.values[n] for n in names])
        max_distance = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
        try:
            section = ec_section(x, y, ec, edges, vx, vy, max_distance,
                                 self.parameterAsDouble(parameters, self.STEP, context),
                                 depth_cell=self.parameterAsDouble(parameters, self.DEPTH_CELL, context),
                                 doi_m=table.values.get(DOI_FIELD))
        except ValueError as err:
            raise self.fail(f"{err} Check that points and line overlap, or increase 'Maximum distance'.") from None
        n_points = int(section.counts.sum())
        feedback.pushInfo(f"{n_points} point(s) within {max_distance:g} m of the {section.line_length_m:.1f} m line; "
                          f"{len(section.distance_m)} columns of {section.step_m:g} m, "
                          f"{int((section.counts > 0).sum())} with points.")
        feedback.setProgress(50)
        self.check_canceled(feedback)

        ert = None
        for lay in self.parameterAsLayerList(parameters, self.ERT_CELLS, context) or []:
            names_ert = lay.fields().names()
            if "depth_m" not in names_ert or not ({"ec_mS_m", "resistivity_ohmm"} & set(names_ert)):
                raise self.fail(f"ERT cells: layer '{lay.name()}' has no depth_m and ec_mS_m / resistivity_ohmm "
                                "fields; use the 'ERT cells' output of 'Import ERT section'.")
            field = "ec_mS_m" if "ec_mS_m" in names_ert else "resistivity_ohmm"
            cells = read_points(lay, ["depth_m", field], None, keep_features=False)
            cx, cy = cells.x, cells.y
            if lay.crs().isValid() and lay.crs() != work:
                cx, cy = transform_xy(cx, cy, lay.crs(), work, context.transformContext())
            val = cells.values[field] if field == "ec_mS_m" else 1000.0 / cells.values[field]
            a, d, v = ert_on_line((cx, cy), cells.values["depth_m"], val, vx, vy, max_distance)
            ert = (a, d, v) if ert is None else tuple(np.r_[e, n] for e, n in zip(ert, (a, d, v)))
        if ert is not None:
            feedback.pushInfo(f"{len(ert[0])} ERT cell(s) within {max_distance:g} m of the line.")

        class _Image:  # what write_geotiff needs of a grid
            values = section.values[None].astype(np.float32)
            geotransform = section.geotransform

        label = f"EC section along the line, 0–{edges[-1]:g} m"
        with staged_files([png] if png else []) as tmp:
            if png:
                try:
                    from emiai_core.section import write_figure

                    write_figure(tmp[png], section, f"Predicted EC along the line ({n_points} points)", ert)
                except ImportError:
                    feedback.pushWarning("matplotlib is not installed: no figure (install it with: "
                                         "python3 -m pip install matplotlib).")
            style_breaks = raster_breaks([section.values])  # the EC style of the depth slices (log, mS/m)

            def save_style(tmp_tif):  # <name>.qml beside the raster: QGIS applies it when it opens the file
                import os

                tmp_qml = os.path.splitext(tmp_tif)[0] + ".qml"
                write_raster_style(tmp_tif, tmp_qml, style_breaks)
                return {tmp_qml: os.path.splitext(output)[0] + ".qml"}

            write_geotiff(output, _Image, None, [label], [None], finish=save_style, metadata={
                "X_AXIS": "distance along the line (m)", "Y_AXIS": "-depth (m)",
                "STEP_M": f"{section.step_m:g}", "DEPTH_CELL_M": f"{section.depth_edges[1]:g}"})
        attach_style(context, output, lambda layer: style_raster(layer, style_breaks), "ecsection")
        feedback.setProgress(100)
        return {self.OUTPUT: output, self.OUTPUT_PNG: png or None, "N_POINTS": n_points,
                "N_COLUMNS": len(section.distance_m), "LENGTH": section.line_length_m}


def _metres():
    from qgis.core import QgsUnitTypes

    return QgsUnitTypes.DistanceMeters
