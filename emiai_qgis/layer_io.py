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
    QgsProcessingException,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant


@dataclass
class PointTable:
    """Point features as arrays: x, y (layer CRS units), numeric columns, and the original attributes."""

    x: np.ndarray
    y: np.ndarray
    values: dict
    attributes: list
    geometries: list
    feature_ids: np.ndarray


def read_points(source, numeric_fields, feedback=None, progress_span=(0.0, 30.0), keep_features=True) -> PointTable:
    """Read a point FeatureSource into arrays.

    numeric_fields: names of fields to return as float64 arrays (NULL/empty -> NaN). A value that
    is not a number raises QgsProcessingException naming the field, the feature and the value.
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
    xs, ys, fids = [], [], []
    cols = {name: [] for name in numeric_fields}
    attrs, geoms = [], []
    start, span = progress_span
    request = QgsFeatureRequest()
    if not keep_features:
        request.setSubsetOfAttributes(list(idx.values()))
    for k, feat in enumerate(source.getFeatures(request)):
        if feedback is not None and k % 5000 == 0:
            if feedback.isCanceled():
                raise QgsProcessingException("Canceled by the user; no output was written.")
            if n:
                feedback.setProgress(start + span * k / n)
        geom = feat.geometry()
        if geom is None or geom.isNull() or geom.isEmpty():
            pt = None
        else:
            pt = geom.constGet()
            if QgsWkbTypes.isMultiType(geom.wkbType()):
                pt = pt.geometryN(0) if pt.numGeometries() else None
        xs.append(pt.x() if pt is not None else np.nan)
        ys.append(pt.y() if pt is not None else np.nan)
        fids.append(feat.id())
        row = feat.attributes()
        for name, i in idx.items():
            v = row[i]
            cols[name].append(np.nan if v is None or (hasattr(v, "isNull") and v.isNull()) else v)
        if keep_features:
            attrs.append(row)
            geoms.append(geom)
    values = {}
    for name, col in cols.items():
        try:
            values[name] = np.asarray(col, dtype=float)
        except (TypeError, ValueError):
            bad = next(v for v in col if not _is_number(v))
            raise QgsProcessingException(
                f"Field '{name}' holds the non-numeric value {bad!r}; ECa must be numbers in mS/m.") from None
    return PointTable(np.asarray(xs, float), np.asarray(ys, float), values, attrs, geoms, np.asarray(fids))


def _is_number(v):
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False


def double_field(name: str, comment: str = "") -> QgsField:
    """A double field (QVariant keeps QGIS 3.22 compatibility)."""
    f = QgsField(name, QVariant.Double, "double")
    if comment:
        f.setComment(comment)
    return f


def int_field(name: str, comment: str = "") -> QgsField:
    f = QgsField(name, QVariant.Int, "integer")
    if comment:
        f.setComment(comment)
    return f


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


def write_features(sink, fields, geometries, attribute_rows, feedback=None, progress_span=(70.0, 30.0),
                   batch: int = 5000):
    """Add features (geometry + attribute list) to a sink in batches with progress and Cancel."""
    n = len(attribute_rows)
    start, span = progress_span
    buf = []
    for k in range(n):
        f = QgsFeature(fields)
        f.setGeometry(geometries[k])
        f.setAttributes(attribute_rows[k])
        buf.append(f)
        if len(buf) >= batch:
            sink.addFeatures(buf)
            buf = []
            if feedback is not None:
                if feedback.isCanceled():
                    raise QgsProcessingException("Canceled by the user; the output is incomplete.")
                feedback.setProgress(start + span * (k + 1) / n)
    if buf:
        sink.addFeatures(buf)
    if feedback is not None:
        feedback.setProgress(start + span)


def utm_crs_for(lon: float, lat: float) -> QgsCoordinateReferenceSystem:
    """The WGS 84 / UTM zone CRS containing (lon, lat) in degrees (EPSG:326zz north, 327zz south)."""
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    epsg = (32600 if lat >= 0 else 32700) + zone
    return QgsCoordinateReferenceSystem(f"EPSG:{epsg}")
