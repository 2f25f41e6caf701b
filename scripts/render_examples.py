#!/usr/bin/env python
"""Render the styled emiAI outputs of `make demo` to PNGs for the docs (headless, offscreen).

    .venv/bin/python scripts/render_examples.py [--out docs/images]

Reads demo/output/ (run `make demo` first): the EC depth slices (band 1 and band 12, each with its
legend), the ensemble spread (when the demo wrote it), the predicted EC points (shallowest layer),
the QC'd ECa survey (shallowest coil) and an EC section along a line across the field (made here
with emiai:ecsection). The styles are the ones the algorithms attach (emiai_qgis/styles.py): the
raster as QGIS opens it (its .qml default style) and, for the other bands, the per-band styles the
post-processor adds (layer menu ▸ Styles).
"""
import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "demo" / "output"
sys.path.insert(0, str(REPO))

PAGE = (290.0, 160.0)  # mm
MAP = (5.0, 14.0, 175.0, 141.0)  # x, y, width, height (mm)
DPI = 110


def layout_png(project, layers, title, path, legend_title=None, picture=None):
    """One map of ``layers`` with a title and the legend of the first layer, exported to ``path``
    (with ``picture``: that image in place of the map, e.g. a section drawn with exaggerated depth)."""
    from qgis.core import (
        QgsLayout,
        QgsLayoutExporter,
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPage,
        QgsLayoutItemScaleBar,
        QgsLayoutPoint,
        QgsLayoutSize,
        QgsLegendStyle,
        QgsUnitTypes,
    )
    from qgis.PyQt.QtGui import QFont

    layout = QgsLayout(project)
    layout.initializeDefaults()
    page = layout.pageCollection().page(0)
    page.setPageSize(QgsLayoutSize(*PAGE, QgsUnitTypes.LayoutMillimeters))
    del QgsLayoutItemPage

    label = QgsLayoutItemLabel(layout)
    label.setText(title)
    label.setFont(QFont("DejaVu Sans", 13))
    label.attemptMove(QgsLayoutPoint(5, 3, QgsUnitTypes.LayoutMillimeters))
    label.attemptResize(QgsLayoutSize(PAGE[0] - 10, 9, QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(label)

    if picture:
        from qgis.core import QgsLayoutItemPicture

        item = QgsLayoutItemPicture(layout)
        item.setPicturePath(str(picture))
        item.setResizeMode(QgsLayoutItemPicture.Zoom)
    else:
        item = QgsLayoutItemMap(layout)
    item.attemptMove(QgsLayoutPoint(MAP[0], MAP[1], QgsUnitTypes.LayoutMillimeters))
    height = MAP[3]
    if picture:
        from qgis.PyQt.QtGui import QImage

        size = QImage(str(picture)).size()
        height = MAP[2] * size.height() / size.width()
    item.attemptResize(QgsLayoutSize(MAP[2], height, QgsUnitTypes.LayoutMillimeters))
    if not picture:
        item.setLayers(layers)
        extent = layers[0].extent()
        for lay in layers[1:]:
            extent.combineExtentWith(lay.extent())
        item.setExtent(extent.buffered(max(extent.width(), extent.height()) * 0.04))
    item.setFrameEnabled(True)
    layout.addLayoutItem(item)

    legend = QgsLayoutItemLegend(layout)
    legend.setTitle(legend_title or "")
    if not picture:
        legend.setLinkedMap(item)
    legend.setAutoUpdateModel(False)
    model_root = legend.model().rootGroup()
    model_root.removeAllChildren()
    model_root.addLayer(layers[0])
    legend.setStyleFont(QgsLegendStyle.Title, QFont("DejaVu Sans", 11, QFont.Bold))
    legend.setStyleFont(QgsLegendStyle.Subgroup, QFont("DejaVu Sans", 10))
    legend.setStyleFont(QgsLegendStyle.SymbolLabel, QFont("DejaVu Sans", 9))
    legend.attemptMove(QgsLayoutPoint(MAP[0] + MAP[2] + 4, MAP[1], QgsUnitTypes.LayoutMillimeters))
    layout.addLayoutItem(legend)
    legend.adjustBoxSize()

    if layers[0].crs().isValid() and not picture:
        bar = QgsLayoutItemScaleBar(layout)
        bar.setStyle("Single Box")
        bar.setLinkedMap(item)
        bar.applyDefaultSize()
        bar.setNumberOfSegmentsLeft(0)
        bar.setNumberOfSegments(2)
        bar.setUnitsPerSegment(_nice_step(item.extent().width() / 8))
        bar.setUnitLabel("m")
        bar.attemptMove(QgsLayoutPoint(MAP[0] + 3, MAP[1] + MAP[3] - 12, QgsUnitTypes.LayoutMillimeters))
        layout.addLayoutItem(bar)

    settings = QgsLayoutExporter.ImageExportSettings()
    settings.dpi = DPI
    result = QgsLayoutExporter(layout).exportToImage(str(path), settings)
    if result != QgsLayoutExporter.Success:
        raise RuntimeError(f"Could not export {path} ({result})")
    print(f"wrote {path}")


def _nice_step(value):
    """The 1-2-5 value at or below ``value``."""
    import math

    e = 10 ** math.floor(math.log10(value))
    return max(m * e for m in (1, 2, 5) if m * e <= value)


def section_picture(layer, path, width=1300, height=520):
    """The section raster drawn by its renderer at ``width`` x ``height`` pixels (depth exaggerated:
    a map would keep the 60:1 aspect of a 90 m × 1.5 m section) with distance and depth ticks."""
    from qgis.PyQt.QtCore import QRectF, Qt
    from qgis.PyQt.QtGui import QColor, QFont, QImage, QPainter, QPen

    ext = layer.extent()
    block = layer.renderer().block(1, ext, width, height)
    image = block.image()
    margin_l, margin_b, margin_t, margin_r = 110, 100, 16, 30
    canvas = QImage(width + margin_l + margin_r, height + margin_b + margin_t, QImage.Format_ARGB32)
    canvas.fill(QColor("white"))
    painter = QPainter(canvas)
    painter.drawImage(margin_l, margin_t, image)
    painter.setPen(QPen(QColor("black"), 2))
    painter.drawRect(margin_l, margin_t, width, height)
    painter.setFont(QFont("DejaVu Sans", 22))
    step = _nice_step(ext.width() / 8)
    d = 0.0
    while d <= ext.width() + 1e-9:
        x = margin_l + (d - ext.xMinimum()) / ext.width() * width
        painter.drawLine(int(x), margin_t + height, int(x), margin_t + height + 8)
        painter.drawText(QRectF(x - 50, margin_t + height + 12, 100, 36), Qt.AlignHCenter, f"{d:g}")
        d += step
    painter.drawText(QRectF(margin_l, margin_t + height + 54, width, 40), Qt.AlignHCenter,
                     "distance along the line (m)")
    for depth in (0.0, 0.5, 1.0, 1.5):
        if depth > -ext.yMinimum() + 1e-9:
            break
        y = margin_t + (ext.yMaximum() + depth) / ext.height() * height
        painter.drawLine(margin_l - 8, int(y), margin_l, int(y))
        painter.drawText(QRectF(0, y - 18, margin_l - 12, 36), Qt.AlignRight | Qt.AlignVCenter, f"{depth:g} m")
    painter.end()
    canvas.save(str(path))


def section(tmp, models):
    """An EC section along the diagonal of the field (emiai:ecsection on the demo EC models)."""
    import processing
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsRasterLayer, QgsVectorLayer

    points = QgsVectorLayer(str(models), "EC models", "ogr")
    ext = points.extent()
    line = QgsVectorLayer(f"LineString?crs={points.crs().authid()}", "line", "memory")
    feat = QgsFeature()
    feat.setGeometry(QgsGeometry.fromPolylineXY([QgsPointXY(ext.xMinimum(), ext.center().y()),
                                                 QgsPointXY(ext.xMaximum(), ext.center().y())]))
    line.dataProvider().addFeatures([feat])
    out = Path(tmp) / "trimpley_ec_section.tif"
    processing.run("emiai:ecsection", {"INPUT": str(models), "LINE": line, "MAX_DISTANCE": 6.0,
                                       "OUTPUT": str(out)})
    return QgsRasterLayer(str(out), "EC section", "gdal")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "images"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    slices = DEMO / "trimpley_ec_slices.tif"
    models = DEMO / "trimpley_ec_models.gpkg"
    survey = DEMO / "trimpley_survey_qc.gpkg"
    for p in (slices, models, survey):
        if not p.exists():
            sys.exit(f"{p} is missing: run `make demo` first.")

    from osgeo import gdal

    from emiai_qgis.headless import start_processing

    gdal.PushErrorHandler("CPLQuietErrorHandler")  # the layout exporter's PNG georeferencing attempt

    app, provider = start_processing()  # noqa: F841 (kept referenced)
    from qgis.core import QgsProject, QgsRasterLayer, QgsVectorLayer

    from emiai_qgis import styles

    project = QgsProject.instance()
    ras = QgsRasterLayer(str(slices), "EC depth slices", "gdal")  # applies the .qml beside it
    project.addMapLayer(ras)
    styles.style_raster_from_data(ras)  # what the post-processor does: + a style per band
    names = ras.styleManager().styles()
    first = styles._band_style_name(ras, 1)
    last = styles._band_style_name(ras, ras.bandCount())
    ras.styleManager().setCurrentStyle(first)
    layout_png(project, [ras], f"EC depth slices, band 1: {first} (shared log range of all bands)",
               out / "depth_slices_band1.png", "EC depth slices")
    ras.styleManager().setCurrentStyle(last)
    layout_png(project, [ras], f"EC depth slices, band {ras.bandCount()}: {last} (same colours = same EC)",
               out / f"depth_slices_band{ras.bandCount()}.png", "EC depth slices")
    print(f"styles of the depth slices: {', '.join(names)}")

    spread = DEMO / "trimpley_ec_uncertainty.tif"
    if spread.exists():
        unc = QgsRasterLayer(str(spread), "EC uncertainty (ensemble spread)", "gdal")
        project.addMapLayer(unc)
        styles.style_raster_from_data(unc, spread=True)
        layout_png(project, [unc], f"Ensemble spread of log10 EC, band 1: {styles._band_style_name(unc, 1)}",
                   out / "depth_slices_spread_band1.png", "EC uncertainty")

    pts = QgsVectorLayer(str(models), "EC depth models", "ogr")
    project.addMapLayer(pts)
    styles.style_ec_points(pts)
    layout_png(project, [pts], "Predicted EC at the survey points: EC 0.00–0.12 m (layer menu ▸ Styles for the "
               "others)", out / "ec_points.png", "EC depth models")

    eca = QgsVectorLayer(str(survey), "EMI survey (QC)", "ogr")
    project.addMapLayer(eca)
    styles.style_eca_points(eca)
    field = styles.eca_fields(eca.fields().names())[0]
    layout_png(project, [eca], f"Measured ECa, shallowest-sensing coil {field}", out / "eca_points.png",
               f"ECa {field}")

    with tempfile.TemporaryDirectory() as tmp:
        sec = section(tmp, models)
        project.addMapLayer(sec)
        picture = Path(tmp) / "section_picture.png"
        section_picture(sec, picture)
        layout_png(project, [sec], "EC section along a west–east line across the field (depth exaggerated)",
                   out / "ec_section.png", "EC section", picture=picture)
        project.removeMapLayer(sec.id())


if __name__ == "__main__":
    main()
