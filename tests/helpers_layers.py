"""Small builders of QGIS test layers from arrays."""
import numpy as np


def point_layer(x, y, columns: dict, crs="EPSG:32633", name="points", field_types=None):
    """A memory point layer with one field per entry of ``columns`` (None -> NULL); field_types:
    name -> 'double' (default) | 'int' | 'string'."""
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    from emiai_qgis.layer_io import make_field

    layer = QgsVectorLayer(f"Point?crs={crs}", name, "memory")
    prov = layer.dataProvider()
    types = field_types or {}
    prov.addAttributes([make_field(k, types.get(k, "double")) for k in columns])
    layer.updateFields()
    feats = []
    cols = [np.asarray(v, dtype=object) for v in columns.values()]
    for i in range(len(x)):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x[i]), float(y[i]))))
        f.setAttributes([None if (isinstance(c[i], float) and np.isnan(c[i])) else
                         (float(c[i]) if isinstance(c[i], (float, np.floating)) else c[i]) for c in cols])
        feats.append(f)
    prov.addFeatures(feats)
    return layer


def save_gpkg(layer, path):
    """Write a layer to a GeoPackage file."""
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter

    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    # V3 (QGIS >= 3.20) returns 4 values, V2 (deprecated in 3.40) 2: the error code comes first in both
    write = getattr(QgsVectorFileWriter, "writeAsVectorFormatV3", None) or QgsVectorFileWriter.writeAsVectorFormatV2
    err = write(layer, str(path), QgsCoordinateTransformContext(), opts)
    assert err[0] == QgsVectorFileWriter.NoError, err
    return path


def read_layer(path_or_layer):
    """(fields, list of attribute dicts, list of (x, y)) of a vector layer or file."""
    from qgis.core import QgsVectorLayer

    layer = path_or_layer if not isinstance(path_or_layer, str) else QgsVectorLayer(path_or_layer, "t", "ogr")
    names = layer.fields().names()
    rows, xy = [], []
    for f in layer.getFeatures():
        rows.append(dict(zip(names, f.attributes())))
        p = f.geometry().asPoint()
        xy.append((p.x(), p.y()))
    return names, rows, np.array(xy)
