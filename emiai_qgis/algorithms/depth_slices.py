"""emiai:depthslices — EC point models to one multi-band GeoTIFF of depth slices."""
import os

from qgis.core import (
    QgsCoordinateTransform,
    QgsProcessing,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingParameterRasterDestination,
)

from .base import EmiAIAlgorithm

METHODS = ("linear", "nearest", "idw")


class DepthSlicesAlgorithm(EmiAIAlgorithm):
    """Interpolate every EC layer field to a raster band."""

    INPUT = "INPUT"
    QUANTITY = "QUANTITY"
    FIELDS = "FIELDS"
    CELL_SIZE = "CELL_SIZE"
    METHOD = "METHOD"
    IDW_POWER = "IDW_POWER"
    MAX_DISTANCE = "MAX_DISTANCE"
    TARGET_CRS = "TARGET_CRS"
    OUTPUT = "OUTPUT"

    ID = "depthslices"
    DISPLAY_NAME = "EC depth slices to raster"
    HELP = (
        "Interpolates the EC layer fields of a point layer (as 'Predict EC depth models' writes, "
        "EC_&lt;top&gt;_&lt;bottom&gt; in cm, EC in mS/m) to ONE multi-band GeoTIFF: float32, one "
        "band per layer in depth order, each band described by its depth range.<br>"
        "<b>Quantity</b>: EC (EC_… fields, mS/m) or the uncertainty of an ensemble model (ECSTD_… "
        "fields: the spread of log10 EC across the ensemble members; 0.1 ≈ ±26 %).<br>"
        "<b>Layer fields</b>: empty = the finest contiguous layering found.<br>"
        "<b>Cell size</b>: 0 = automatic, sqrt(extent area / points) rounded to 1-2-5.<br>"
        "<b>Interpolation</b>: linear (Delaunay triangles), nearest point, or inverse distance.<br>"
        "<b>Maximum distance</b>: cells farther than this from every point are nodata; 0 = 5 cells.<br>"
        "Points in a geographic CRS (degrees) are projected first: to the target CRS if given, "
        "else to the WGS 84 / UTM zone of their centre (named in the log). Points at identical "
        "positions are averaged. The output is styled with a viridis ramp shared by all bands "
        "(2nd–98th percentile) and 'mS/m' in the legend."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.INPUT, "EC depth models (points)", [QgsProcessing.TypeVectorPoint]))
        self.addParameter(QgsProcessingParameterEnum(
            self.QUANTITY, "Quantity", options=["EC (mS/m)", "Uncertainty: ensemble spread of log10 EC (ECSTD_…)"],
            defaultValue=0))
        self.addParameter(QgsProcessingParameterField(
            self.FIELDS, "Layer fields (empty = finest EC_<top>_<bottom> layering)",
            parentLayerParameterName=self.INPUT, type=QgsProcessingParameterField.Numeric,
            allowMultiple=True, optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.CELL_SIZE, "Cell size (CRS units, 0 = automatic)", QgsProcessingParameterNumber.Double,
            defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, "Interpolation", options=["Linear (triangulation)", "Nearest point",
                                                   "Inverse distance weighting"], defaultValue=0))
        p = QgsProcessingParameterNumber(self.IDW_POWER, "Inverse distance power",
                                         QgsProcessingParameterNumber.Double, defaultValue=2.0, minValue=0.1)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_DISTANCE, "Maximum distance from a point (CRS units, 0 = 5 cells)",
            QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterCrs(
            self.TARGET_CRS, "Target CRS (empty = input CRS; UTM zone for geographic input)", optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, "EC depth slices"))
        for name, label in (("N_POINTS", "Points used"), ("N_BANDS", "Bands"), ("CELL_SIZE_USED", "Cell size"),
                            ("WIDTH", "Columns"), ("HEIGHT", "Rows")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.gridding import auto_cell_size, grid_points
        from emiai_core.fields import EC_PREFIX, EC_STD_PREFIX
        from emiai_core.raster_io import slice_bands

        from ..layer_io import read_point_columns, utm_crs_for

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        prefix = (EC_PREFIX, EC_STD_PREFIX)[self.parameterAsEnum(parameters, self.QUANTITY, context)]
        try:
            names, ranges, labels = slice_bands(source.fields().names(),
                                                self.parameter_as_fields(parameters, self.FIELDS, context), prefix)
        except ValueError as err:
            raise self.fail(str(err)) from None
        output = self.check_output_writable(parameters, self.OUTPUT, context)

        x, y, columns = read_point_columns(
            source, self.parameterAsVectorLayer(parameters, self.INPUT, context), names,
            restricted=isinstance(parameters.get(self.INPUT), QgsProcessingFeatureSourceDefinition),
            feedback=feedback, progress_span=(0.0, 20.0))
        values = np.column_stack([columns[n] for n in names])
        ok = np.isfinite(x) & np.isfinite(y) & np.all(np.isfinite(values), axis=1)
        if ok.sum() < 3:
            raise self.fail(f"Only {int(ok.sum())} point(s) have a position and values in all of "
                            f"{', '.join(names)}: at least 3 are needed to interpolate.")
        if (~ok).sum():
            feedback.pushWarning(f"{int((~ok).sum())} point(s) without position or values were ignored.")
        x, y, values = x[ok], y[ok], values[ok]

        src_crs = source.sourceCrs()
        dst_crs = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        if not dst_crs.isValid() and src_crs.isValid() and src_crs.isGeographic():
            dst_crs = utm_crs_for(float(np.median(x)), float(np.median(y)))
            feedback.pushInfo(f"Input CRS {src_crs.authid()} is geographic: points projected to "
                              f"{dst_crs.authid()} ({dst_crs.description()}).")
        if dst_crs.isValid() and src_crs.isValid() and dst_crs != src_crs:
            x, y = _transform(x, y, QgsCoordinateTransform(src_crs, dst_crs, context.transformContext()))
        elif not dst_crs.isValid():
            dst_crs = src_crs
        if dst_crs.isValid() and dst_crs.isGeographic():
            raise self.fail(f"Target CRS {dst_crs.authid()} is geographic (degrees): choose a projected "
                            "CRS so that cells and distances are in metres.")
        if not src_crs.isValid():
            feedback.pushWarning("The input layer has no CRS: the raster is written without one (local coordinates).")

        cell = self.parameterAsDouble(parameters, self.CELL_SIZE, context) or auto_cell_size(x, y)
        max_dist = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) or None
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        feedback.pushInfo(f"Gridding {len(x)} points, {len(names)} layers: {method}, cell {cell:g}, "
                          f"max distance {max_dist or 5 * cell:g}.")
        feedback.setProgress(25)
        self.check_canceled(feedback)
        try:
            grid = grid_points(x, y, values, cell, method, max_dist,
                               self.parameterAsDouble(parameters, self.IDW_POWER, context))
        except ValueError as err:
            raise self.fail(str(err)) from None
        feedback.setProgress(80)
        self.check_canceled(feedback)
        finite = grid.values[np.isfinite(grid.values)]
        vmin, vmax = (np.percentile(finite, [2, 98]) if finite.size else (0.0, 1.0))
        _write_geotiff(output, grid, dst_crs, labels, ranges, (float(vmin), float(vmax)), prefix)
        if context.willLoadLayerOnCompletion(output):
            details = context.layerToLoadOnCompletionDetails(output)
            details.name = "EC depth slices" if prefix == EC_PREFIX else "EC uncertainty (ensemble spread)"
            details.setPostProcessor(_EcStyler.create(float(vmin), float(vmax), prefix))
        feedback.setProgress(100)
        bands, rows, cols = grid.values.shape
        feedback.pushInfo(f"Wrote {output}: {bands} bands, {cols} x {rows} cells of {cell:g}.")
        return {self.OUTPUT: output, "N_POINTS": int(len(x)), "N_BANDS": bands,
                "CELL_SIZE_USED": float(cell), "WIDTH": cols, "HEIGHT": rows}


def _transform(x, y, transform):
    import numpy as np
    from qgis.core import QgsPointXY

    out = [transform.transform(QgsPointXY(a, b)) for a, b in zip(x.tolist(), y.tolist())]
    return np.array([p.x() for p in out]), np.array([p.y() for p in out])


def _write_geotiff(path, grid, crs, labels, ranges, style_range, prefix):
    """The GeoTIFF (emiai_core.raster_io) with its default style (.qml over style_range)."""
    from emiai_core.raster_io import QUANTITIES, write_geotiff

    units, quantity, _ = QUANTITIES[prefix]

    def save_style(tmp):
        tmp_qml = os.path.splitext(tmp)[0] + ".qml"
        _write_style(tmp, tmp_qml, *style_range, units)
        return {tmp_qml: os.path.splitext(path)[0] + ".qml"}

    write_geotiff(path, grid, crs.toWkt() if crs.isValid() else None, labels, ranges, units, save_style, quantity)


def style_ec_layer(layer, vmin, vmax, band=1, units="mS/m"):
    """Viridis pseudocolour on ``band`` between vmin and vmax (``units``), with units in the legend."""
    from qgis.core import (
        QgsColorRampLegendNodeSettings,
        QgsColorRampShader,
        QgsRasterShader,
        QgsSingleBandPseudoColorRenderer,
        QgsStyle,
    )

    ramp = QgsStyle.defaultStyle().colorRamp("Viridis")
    shader = QgsColorRampShader(vmin, vmax, ramp)
    shader.setColorRampType(QgsColorRampShader.Interpolated)
    items = []
    for k in range(5):
        v = vmin + (vmax - vmin) * k / 4
        items.append(QgsColorRampShader.ColorRampItem(v, ramp.color(k / 4),
                                                      f"{v:.1f} {units}" if units == "mS/m" else f"{v:.2f} {units}"))
    shader.setColorRampItemList(items)
    settings = QgsColorRampLegendNodeSettings()
    settings.setSuffix(f" {units}")
    shader.setLegendSettings(settings)
    raster_shader = QgsRasterShader()
    raster_shader.setRasterShaderFunction(shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, raster_shader)
    renderer.setClassificationMin(vmin)
    renderer.setClassificationMax(vmax)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def _write_style(raster_path, qml_path, vmin, vmax, units="mS/m"):
    """Save the EC style of ``raster_path`` to ``qml_path`` (<name>.qml beside the raster is its
    default style: QGIS applies it on load)."""
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer(raster_path, "EC depth slices", "gdal")
    if layer.isValid():
        style_ec_layer(layer, vmin, vmax, units=units)
        message, ok = layer.saveNamedStyle(qml_path)
        if not ok:
            raise OSError(f"Could not save the style {qml_path}: {message}")


class _EcStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies the EC style when Processing loads the output (kept referenced: see create)."""

    instance = None

    def __init__(self, vmin, vmax, units="mS/m"):
        super().__init__()
        self.vmin, self.vmax, self.units = vmin, vmax, units

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        style_ec_layer(layer, self.vmin, self.vmax, units=self.units)

    @staticmethod
    def create(vmin, vmax, prefix="EC"):
        from emiai_core.raster_io import QUANTITIES

        # Processing keeps only a raw pointer: hold a Python reference until the next run
        _EcStyler.instance = _EcStyler(vmin, vmax, QUANTITIES[prefix][0])
        return _EcStyler.instance
