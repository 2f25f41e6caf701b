"""Conversions between QGIS vector layers and numpy arrays (the only place the algorithms touch features)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from emiai_core.fields import CANCELED_MESSAGE


@dataclass
class PointTable:
    """Point features as arrays: x, y (layer CRS units), numeric columns, and the features read
    (empty unless read with keep_features) to copy to an output."""

    x: np.ndarray
    y: np.ndarray
    values: dict
    features: list
    attributes: list


def read_points(source, numeric_fields, feedback=None, progress_span=(0.0, 30.0), keep_features=True) -> PointTable:
    """Read a point FeatureSource into arrays.

    numeric_fields: names of fields to return as float64 arrays (NULL/empty -> NaN). A value that
    is not a number raises QgsProcessingException naming the field, the feature and the value.
    keep_features: also keep every feature's attribute list and geometry (to copy them to an output).
    """
    fields = source.fields()
    idx = {}
    for name in numeric_fields:
        i = fields.lookupField(name)
        if i < 0:
            raise QgsProcessingException(
                f"Field '{name}' is not in the input layer (fields: {', '.join(fields.names())}).")
        if not fields.at(i).isNumeric():
            raise QgsProcessingException(
                f"Field '{name}' is of type {fields.at(i).typeName()}, not numeric: ECa values must be "
                f"numbers in mS/m. Convert it (Field calculator: to_real(\"{name}\")) or choose another field.")
        idx[name] = i
    n = max(source.featureCount(), 0)
    features, geoms, attrs = [], [], []
    cols = {name: [] for name in numeric_fields}
    start, span = progress_span
    request = QgsFeatureRequest()
    if not keep_features:
        request.setSubsetOfAttributes(list(idx.values()))
    for k, feat in enumerate(source.getFeatures(request)):
        if feedback is not None and k % 10000 == 0:
            if feedback.isCanceled():
                raise QgsProcessingException(CANCELED_MESSAGE)
            if n:
                feedback.setProgress(start + span * k / n)
        row = feat.attributes()
        for name, i in idx.items():
            cols[name].append(row[i])
        geoms.append(feat.geometry())
        if keep_features:
            features.append(feat)
            attrs.append(row)
    values = {name: _to_float(name, col) for name, col in cols.items()}
    x, y = points_xy(geoms, source.wkbType())
    return PointTable(x, y, values, features, attrs)


def _to_float(name, column):
    """A column of attribute values as float64, NULL -> NaN (fast path when there is no NULL)."""
    try:
        return np.asarray(column, dtype=float)
    except (TypeError, ValueError):
        pass
    out = np.empty(len(column))
    for k, v in enumerate(column):
        if v is None or (hasattr(v, "isNull") and v.isNull()):
            out[k] = np.nan
        elif _is_number(v):
            out[k] = float(v)
        else:
            raise QgsProcessingException(
                f"Field '{name}' holds the non-numeric value {v!r}; ECa must be numbers in mS/m.")
    return out


def points_xy(geometries, wkb_type) -> tuple:
    """x, y arrays of point geometries (NaN for empty ones); multipoints give their first point.

    Single points are collected into one multipoint and read from its WKB in one go, which is
    ~20x faster than a Python call per feature.
    """
    n = len(geometries)
    x, y = np.full(n, np.nan), np.full(n, np.nan)
    valid = np.fromiter((not (g.isNull() or g.isEmpty()) for g in geometries), bool, n)
    if not valid.any():
        return x, y
    if QgsWkbTypes.isMultiType(wkb_type):
        for k in np.flatnonzero(valid):
            pt = geometries[k].constGet().geometryN(0)
            x[k], y[k] = pt.x(), pt.y()
        return x, y
    multi = QgsGeometry.collectGeometry([g for g, ok in zip(geometries, valid) if ok])
    part = multi.get()
    part.dropZValue()
    part.dropMValue()
    wkb = bytes(multi.asWkb())
    # multipoint WKB: order (1), type (4), count (4), then per point order (1), type (4), x, y (8 + 8)
    order = "<" if wkb[0] == 1 else ">"
    pts = np.frombuffer(wkb, dtype=np.dtype([("o", "u1"), ("t", order + "u4"), ("x", order + "f8"),
                                             ("y", order + "f8")]), offset=9)
    if len(pts) != valid.sum():
        raise QgsProcessingException(f"Could not read the point coordinates ({len(pts)} of {valid.sum()}).")
    x[valid], y[valid] = pts["x"], pts["y"]
    return x, y


def _is_number(v):
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


# kind -> (QMetaType.Type name, QVariant.Type name, QGIS type name)
_FIELD_KINDS = {"double": ("Double", "Double", "double"), "int": ("Int", "Int", "integer"),
                "string": ("QString", "String", "string")}


def make_field(name: str, kind: str, comment: str = "", length: int = 0) -> QgsField:
    """A field of kind 'double' | 'int' | 'string' (length: max characters, 0 = provider default).

    QGIS >= 3.38 types fields with QMetaType (the QVariant.Type constructor is deprecated there);
    older QGIS (3.22 on Debian 12) only accepts QVariant.Type."""
    from qgis.core import Qgis

    meta_name, variant_name, type_name = _FIELD_KINDS[kind]
    if Qgis.QGIS_VERSION_INT >= 33800:
        from qgis.PyQt.QtCore import QMetaType

        field_type = getattr(QMetaType.Type, meta_name)
    else:
        field_type = getattr(QVariant, variant_name)
    f = QgsField(name, field_type, type_name, length)
    if comment:
        f.setComment(comment)
    return f


def double_field(name: str, comment: str = "") -> QgsField:
    return make_field(name, "double", comment)


def int_field(name: str, comment: str = "") -> QgsField:
    return make_field(name, "int", comment)


def make_fields(specs) -> list:
    """QgsFields of column specs with .name, .kind ('double' | 'int' | 'string') and .comment
    (e.g. emiai_core.prediction.OutputField)."""
    return [make_field(f.name, f.kind, f.comment) for f in specs]


def fields_of(field_list) -> QgsFields:
    """A QgsFields holding ``field_list`` in order."""
    out = QgsFields()
    for f in field_list:
        out.append(f)
    return out


def extend_fields(base: QgsFields, new_fields, drop_names=()) -> tuple[QgsFields, list]:
    """Fields = base (minus drop_names) + new_fields; returns the fields and the kept base indices."""
    out = QgsFields()
    kept = []
    for i in range(base.count()):
        if base.at(i).name() not in drop_names:
            out.append(base.at(i))
            kept.append(i)
    for f in new_fields:
        out.append(f)
    return out, kept


def add_in_batches(sink, features, n, feedback=None, progress_span=(70.0, 30.0), batch: int = 5000):
    """Add an iterable of ``n`` features to a sink in batches, with progress and Cancel."""
    start, span = progress_span
    buf = []
    for k, f in enumerate(features):
        buf.append(f)
        if len(buf) >= batch:
            sink.addFeatures(buf)
            buf = []
            if feedback is not None:
                if feedback.isCanceled():
                    raise QgsProcessingException(CANCELED_MESSAGE)
                feedback.setProgress(start + span * (k + 1) / max(n, 1))
    if buf:
        sink.addFeatures(buf)
    if feedback is not None:
        feedback.setProgress(start + span)


def write_features(sink, fields, geometries, attribute_rows, feedback=None, progress_span=(70.0, 30.0)):
    """Add new features (geometry + attribute list) to a sink in batches with progress and Cancel."""
    def features():
        for geom, row in zip(geometries, attribute_rows):
            f = QgsFeature(fields)
            f.setGeometry(geom)
            f.setAttributes(row)
            yield f

    add_in_batches(sink, features(), len(attribute_rows), feedback, progress_span)


def write_extended(sink, fields, table, indices, kept, extra_rows, feedback=None, progress_span=(70.0, 30.0)):
    """Write the features ``indices`` of ``table`` (read with keep_features) to a sink, with
    attributes = their attributes at ``kept`` + ``extra_rows``.

    The features are reused, not copied: their geometry stays in C++.
    """
    all_kept = len(indices) > 0 and list(kept) == list(range(len(table.attributes[indices[0]])))

    def features():
        for i, extra in zip(indices, extra_rows):
            f, a = table.features[i], table.attributes[i]
            f.setFields(fields, False)
            f.setAttributes((a if all_kept else [a[c] for c in kept]) + extra)
            yield f

    add_in_batches(sink, features(), len(indices), feedback, progress_span)


def transform_xy(x, y, src_crs, dst_crs, transform_context) -> tuple:
    """Point coordinates (arrays) from ``src_crs`` to ``dst_crs``; positions that are not finite
    stay NaN."""
    from qgis.core import QgsCoordinateTransform, QgsPointXY

    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    transform = QgsCoordinateTransform(src_crs, dst_crs, transform_context)
    px, py = np.full(x.shape, np.nan), np.full(y.shape, np.nan)
    for i in np.flatnonzero(np.isfinite(x) & np.isfinite(y)).tolist():
        p = transform.transform(QgsPointXY(float(x[i]), float(y[i])))
        px[i], py[i] = p.x(), p.y()
    return px, py


def metric_crs(src_crs, other_crs, x, y) -> QgsCoordinateReferenceSystem:
    """The CRS to measure distances in metres between points (x, y in ``src_crs``) and another layer
    (in ``other_crs``): ``src_crs`` if it is projected, else ``other_crs`` if that is, else the UTM
    zone of the points."""
    for crs in (src_crs, other_crs):
        if crs.isValid() and not crs.isGeographic():
            return crs
    return utm_crs_around(x, y)


def utm_crs_around(x, y) -> QgsCoordinateReferenceSystem:
    """The WGS 84 / UTM zone CRS of the median of the finite (lon, lat) positions in degrees."""
    ok = np.isfinite(x) & np.isfinite(y)
    return utm_crs_for(float(np.median(x[ok])), float(np.median(y[ok])))


def utm_crs_for(lon: float, lat: float) -> QgsCoordinateReferenceSystem:
    """The WGS 84 / UTM zone CRS containing (lon, lat) in degrees (EPSG:326zz north, 327zz south)."""
    from emiai_core.gridding import utm_epsg

    return QgsCoordinateReferenceSystem(f"EPSG:{utm_epsg(lon, lat)}")


def read_ogr_columns(layer, numeric_fields, restricted: bool = False):
    """Fast path: x, y and numeric columns of an OGR file layer in one Arrow batch read (GDAL >= 3.6).

    layer: the input QgsVectorLayer (or None); restricted: the input is limited to selected
    features or a feature count (QgsProcessingFeatureSourceDefinition), which QGIS must apply.
    Returns None whenever the fast path does not apply (a selection, filter or subset on the input,
    a non-file or non-point layer, old GDAL), so the caller falls back to reading features.
    """
    from qgis.core import QgsProviderRegistry

    if restricted or layer is None or layer.providerType() != "ogr" or layer.subsetString():
        return None
    if QgsWkbTypes.flatType(layer.wkbType()) != QgsWkbTypes.Point or QgsWkbTypes.hasZ(layer.wkbType()) \
            or QgsWkbTypes.hasM(layer.wkbType()):
        return None
    try:
        from osgeo import ogr
    except ImportError:
        return None
    if not hasattr(ogr.Layer, "GetArrowStreamAsNumPy"):
        return None
    parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
    ds = ogr.Open(parts.get("path", ""))
    if ds is None:
        return None
    lyr = ds.GetLayerByName(parts["layerName"]) if parts.get("layerName") else ds.GetLayer(parts.get("layerId") or 0)
    if lyr is None or not lyr.GetGeometryColumn():
        return None
    geom_col = lyr.GetGeometryColumn()
    lyr.SetIgnoredFields([f.GetName() for f in lyr.schema if f.GetName() not in numeric_fields])
    cols = {}
    for batch in lyr.GetArrowStreamAsNumPy(options=["GEOMETRY_ENCODING=WKB"]):
        for key, arr in batch.items():
            cols.setdefault(key, []).append(arr)
    if geom_col not in cols or any(f not in cols for f in numeric_fields):
        return None
    wkb = np.concatenate(cols[geom_col])
    if wkb.dtype != np.dtype("V21") or len(wkb) != layer.featureCount():
        return None  # empty or non-2D geometries: not the simple case
    pts = wkb.view(np.dtype([("o", "u1"), ("t", "<u4"), ("x", "<f8"), ("y", "<f8")]))
    if np.any(pts["o"] != 1):
        return None
    values = {}
    for f in numeric_fields:
        arr = np.ma.concatenate(cols[f]) if any(np.ma.isMaskedArray(a) for a in cols[f]) else np.concatenate(cols[f])
        if arr.dtype.kind not in "fiu":
            return None
        values[f] = np.ma.filled(np.ma.asarray(arr, dtype=float), np.nan)
    x, y = pts["x"].astype(float), pts["y"].astype(float)
    # an empty point is written as NaN coordinates in WKB
    return x, y, values


def read_point_columns(source, layer, numeric_fields, restricted=False, feedback=None, progress_span=(0.0, 20.0)):
    """x, y and numeric columns of a point source: the OGR fast path when it applies, else features.

    source: the QgsFeatureSource to read; layer: its QgsVectorLayer when there is one (else None);
    restricted: see read_ogr_columns. Returns (x, y, {name: float64 array})."""
    fast = read_ogr_columns(layer, numeric_fields, restricted)
    if fast is not None:
        return fast
    table = read_points(source, numeric_fields, feedback, progress_span, keep_features=False)
    return table.x, table.y, table.values


def read_attribute_rows(layer, names, feedback=None, progress=None):
    """Attribute values of ``names`` for every feature of ``layer`` (no geometry), as a list of lists.

    progress: optional callable(k) called every 20,000 features (for progress); Cancel is honoured."""
    from qgis.core import QgsFeatureRequest

    all_names = layer.fields().names()
    idx = [all_names.index(f) for f in names]
    req = QgsFeatureRequest().setFlags(QgsFeatureRequest.NoGeometry).setSubsetOfAttributes(idx)
    rows = []
    for k, feat in enumerate(layer.getFeatures(req)):
        if k % 20000 == 0:
            if feedback is not None and feedback.isCanceled():
                raise QgsProcessingException(CANCELED_MESSAGE)
            if progress is not None:
                progress(k)
        a = feat.attributes()
        rows.append([a[i] for i in idx])
    return rows


@dataclass
class LineFeature:
    """One line feature: its attributes by name and its single part's vertices (n, 4): x, y, z, m
    (NaN where the geometry has no Z or M); ``n_parts`` > 1 for a multi-part line (vertices empty)."""

    attributes: dict
    vertices: np.ndarray
    n_parts: int = 1


def read_lines(source, dest_crs=None, transform_context=None) -> list:
    """The features of a line source (QgsFeatureSource or QgsVectorLayer) as LineFeature, with
    vertices transformed to ``dest_crs`` when it is valid and differs from the source's CRS."""
    from qgis.core import QgsCoordinateTransform

    src_crs = source.sourceCrs() if hasattr(source, "sourceCrs") else source.crs()
    transform = None
    if dest_crs is not None and dest_crs.isValid() and src_crs.isValid() and src_crs != dest_crs:
        transform = QgsCoordinateTransform(src_crs, dest_crs, transform_context)
    names = source.fields().names()
    out = []
    for feat in source.getFeatures():
        attrs = dict(zip(names, feat.attributes()))
        geom = feat.geometry()
        if geom is None or geom.isEmpty():
            out.append(LineFeature(attrs, np.empty((0, 4)), 0))
            continue
        if transform is not None:
            geom.transform(transform)
        if QgsWkbTypes.isMultiType(geom.wkbType()):
            parts = geom.asGeometryCollection()
            if len(parts) != 1:
                out.append(LineFeature(attrs, np.empty((0, 4)), len(parts)))
                continue
            geom = parts[0]
        has_z, has_m = QgsWkbTypes.hasZ(geom.wkbType()), QgsWkbTypes.hasM(geom.wkbType())
        v = np.array([(p.x(), p.y(), p.z() if has_z else np.nan, p.m() if has_m else np.nan)
                      for p in geom.vertices()], dtype=float).reshape(-1, 4)
        out.append(LineFeature(attrs, v, 1))
    return out


def write_points(sink, fields, x, y, attribute_rows, z=None, feedback=None, progress_span=(70.0, 30.0)):
    """Add point features (x, y[, z] arrays in the sink's CRS) with attribute lists to a sink,
    in batches with progress and Cancel."""
    from qgis.core import QgsPoint

    xs, ys = np.asarray(x, float).tolist(), np.asarray(y, float).tolist()
    if z is None:
        geoms = (QgsGeometry(QgsPoint(a, b)) for a, b in zip(xs, ys))
    else:
        geoms = (QgsGeometry(QgsPoint(a, b, c)) for a, b, c in zip(xs, ys, np.asarray(z, float).tolist()))
    write_features(sink, fields, geoms, attribute_rows, feedback, progress_span)


def write_line(sink, fields, vertices, attributes):
    """Add one line feature with vertices (n, 4): x, y, z, m (a LineStringZM) to a sink."""
    from qgis.core import QgsLineString, QgsPoint

    pts = np.asarray(vertices, dtype=float).tolist()
    line = QgsLineString([QgsPoint(a, b, c, d) for a, b, c, d in pts])
    f = QgsFeature(fields)
    f.setGeometry(QgsGeometry(line))
    f.setAttributes(list(attributes))
    sink.addFeature(f)


def write_replaced(sink, fields, table, replaced: dict, extra_rows, feedback=None, progress_span=(70.0, 30.0)):
    """Write every feature of ``table`` (read with keep_features) to a sink with the attributes at
    the indices of ``replaced`` (index -> float array, NaN -> NULL) replaced and ``extra_rows``
    appended (``fields`` = the input fields + the extra ones)."""
    def value(v):
        return None if not np.isfinite(v) else float(v)

    def features():
        for i, extra in enumerate(extra_rows):
            f, a = table.features[i], list(table.attributes[i])
            for j, col in replaced.items():
                a[j] = value(col[i])
            f.setFields(fields, False)
            f.setAttributes(a + extra)
            yield f

    add_in_batches(sink, features(), len(extra_rows), feedback, progress_span)
