"""emiai:depthslices — EC point models to one multi-band GeoTIFF of depth slices."""
import os
import uuid

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
    QgsProcessingParameterRasterDestination,
)

from .base import EmiAIAlgorithm

METHODS = ("linear", "nearest", "idw")
NODATA = -9999.0


class DepthSlicesAlgorithm(EmiAIAlgorithm):
    """Interpolate every EC layer field to a raster band."""

    INPUT = "INPUT"
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
        from emiai_core.layering import finest_layering, layer_labels, parse_layer_field

        from ..layer_io import read_ogr_columns, read_points, utm_crs_for

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        names = self.parameterAsFields(parameters, self.FIELDS, context)
        if not names:
            names = finest_layering(source.fields().names())
            if not names:
                raise self.fail(
                    "The input has no EC layer fields named EC_<top>_<bottom> (cm) starting at 0 cm: "
                    "run 'Predict EC depth models' first, or choose the fields (FIELDS).")
        ranges = [parse_layer_field(n) for n in names]
        labels = [layer_labels([r[0], r[1]])[0] if r else n for n, r in zip(names, ranges)]
        if all(ranges):  # depth order
            order = np.argsort([r[0] for r in ranges], kind="stable")
            names, ranges, labels = [names[i] for i in order], [ranges[i] for i in order], [labels[i] for i in order]
        output = self.check_output_writable(parameters, self.OUTPUT, context)

        fast = read_ogr_columns(self, parameters, self.INPUT, context, names)
        if fast is None:
            table = read_points(source, names, feedback, (0.0, 20.0), keep_features=False)
            x, y, columns = table.x, table.y, table.values
        else:
            x, y, columns = fast
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
        _write_geotiff(output, grid, dst_crs, labels, ranges)
        finite = grid.values[np.isfinite(grid.values)]
        vmin, vmax = (np.percentile(finite, [2, 98]) if finite.size else (0.0, 1.0))
        _write_style(output, float(vmin), float(vmax))
        if context.willLoadLayerOnCompletion(output):
            details = context.layerToLoadOnCompletionDetails(output)
            details.name = "EC depth slices"
            details.setPostProcessor(_EcStyler.create(float(vmin), float(vmax)))
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


def _write_geotiff(path, grid, crs, labels, ranges):
    """Write the grid as a float32 GeoTIFF via a temporary file in the same folder, then rename."""
    import numpy as np
    from osgeo import gdal

    bands, rows, cols = grid.values.shape
    tmp = os.path.join(os.path.dirname(os.path.abspath(path)), f".{uuid.uuid4().hex}.tmp.tif")
    try:
        ds = gdal.GetDriverByName("GTiff").Create(tmp, cols, rows, bands, gdal.GDT_Float32,
                                                  ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"])
        if ds is None:
            raise OSError(f"GDAL could not create {tmp}")
        ds.SetGeoTransform(grid.geotransform)
        if crs.isValid():
            ds.SetProjection(crs.toWkt())
        ds.SetMetadataItem("UNITS", "mS/m")
        ds.SetMetadataItem("QUANTITY", "electrical conductivity (EC)")
        for b in range(bands):
            band = ds.GetRasterBand(b + 1)
            band.WriteArray(np.where(np.isfinite(grid.values[b]), grid.values[b], NODATA).astype(np.float32))
            band.SetNoDataValue(NODATA)
            band.SetDescription(f"{labels[b]} (mS/m)")
            band.SetUnitType("mS/m")
            if ranges[b]:
                band.SetMetadata({"top_m": f"{ranges[b][0]:g}", "bottom_m": f"{ranges[b][1]:g}"})
            band.ComputeStatistics(False)
        ds.FlushCache()
        ds = None
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def style_ec_layer(layer, vmin, vmax, band=1):
    """Viridis pseudocolour on ``band`` between vmin and vmax (mS/m), with units in the legend."""
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
        items.append(QgsColorRampShader.ColorRampItem(v, ramp.color(k / 4), f"{v:.1f} mS/m"))
    shader.setColorRampItemList(items)
    settings = QgsColorRampLegendNodeSettings()
    settings.setSuffix(" mS/m")
    shader.setLegendSettings(settings)
    raster_shader = QgsRasterShader()
    raster_shader.setRasterShaderFunction(shader)
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), band, raster_shader)
    renderer.setClassificationMin(vmin)
    renderer.setClassificationMax(vmax)
    layer.setRenderer(renderer)
    layer.triggerRepaint()


def _write_style(path, vmin, vmax):
    """Save the EC style as the raster's default style (<name>.qml) so QGIS applies it on load."""
    from qgis.core import QgsRasterLayer

    layer = QgsRasterLayer(path, "EC depth slices", "gdal")
    if layer.isValid():
        style_ec_layer(layer, vmin, vmax)
        layer.saveDefaultStyle()


class _EcStyler(QgsProcessingLayerPostProcessorInterface):
    """Applies the EC style when Processing loads the output (kept referenced: see create)."""

    instance = None

    def __init__(self, vmin, vmax):
        super().__init__()
        self.vmin, self.vmax = vmin, vmax

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802
        style_ec_layer(layer, self.vmin, self.vmax)

    @staticmethod
    def create(vmin, vmax):
        # Processing keeps only a raw pointer: hold a Python reference until the next run
        _EcStyler.instance = _EcStyler(vmin, vmax)
        return _EcStyler.instance
