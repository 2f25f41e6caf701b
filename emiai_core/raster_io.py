"""Depth-slice rasters: which layer fields become bands, and the GeoTIFF writer (GDAL, QGIS-free)."""
from __future__ import annotations

import os

import numpy as np

from .atomic import atomic_write, file_mode
from .fields import EC_PREFIX, EC_STD_PREFIX, finest_layering, layer_labels, parse_layer_field
from .gridding import Grid

NODATA = -9999.0
#: What a band holds, per layer field prefix: (units, quantity, label prefix).
QUANTITIES = {EC_PREFIX: ("mS/m", "electrical conductivity (EC)", "EC"),
              EC_STD_PREFIX: ("log10", "ensemble spread: std of log10 EC across members", "EC spread")}


def slice_bands(field_names, chosen=None, prefix: str = EC_PREFIX) -> tuple[list, list, list]:
    """(names, depth ranges (top, bottom) m or None, labels) of the bands of a depth-slice raster.

    field_names: the fields of the EC point layer; chosen: fields picked by the user (default:
    the finest <prefix>_<top>_<bottom> layering from 0 m); prefix: 'EC' (EC in mS/m) or 'ECSTD'
    (the ensemble spread). Layer fields are put in depth order. Raises ValueError when there is
    nothing to rasterise."""
    names = list(chosen) if chosen else finest_layering(field_names, prefix)
    if not names:
        extra = (" (ECSTD_ fields come from an ensemble model, e.g. one trained with 'Train EC network')"
                 if prefix == EC_STD_PREFIX else "")
        raise ValueError(f"The input has no {prefix} layer fields named {prefix}_<top>_<bottom> (cm) starting at 0 cm"
                         f"{extra}: run 'Predict EC depth models' first, or choose the fields (FIELDS).")
    ranges = [parse_layer_field(n, prefix) for n in names]
    word = QUANTITIES[prefix][2]
    labels = [layer_labels([r[0], r[1]])[0].replace("EC", word, 1) if r else n for n, r in zip(names, ranges)]
    if all(ranges):  # depth order
        order = np.argsort([r[0] for r in ranges], kind="stable")
        names, ranges, labels = [names[i] for i in order], [ranges[i] for i in order], [labels[i] for i in order]
    return names, ranges, labels


def write_geotiff(path, grid: Grid, crs_wkt: str | None, labels, ranges, units: str = "mS/m", finish=None,
                  quantity: str = QUANTITIES[EC_PREFIX][1], metadata: dict | None = None,
                  band_metadata: list | None = None) -> str:
    """Write ``grid`` as a float32 GeoTIFF (a band per layer, NaN as nodata, band descriptions and
    depth metadata) atomically: every file (the .tif, GDAL's .aux.xml statistics and whatever
    ``finish`` adds) is written under a temporary name and renamed only when all succeeded.

    crs_wkt: the CRS as WKT (None or '' = no CRS); labels: band descriptions; ranges: (top, bottom)
    in m per band or None; finish: optional callable(tmp_tif) -> {tmp_file: final_file} run after
    the raster is complete (e.g. to save a QGIS style beside it); metadata: extra dataset metadata
    items (e.g. what was masked); band_metadata: extra metadata per band (a dict or None each)."""
    from osgeo import gdal

    path = str(path)
    bands, rows, cols = grid.values.shape
    with atomic_write(path) as tmp:
        ds = gdal.GetDriverByName("GTiff").Create(tmp, cols, rows, bands, gdal.GDT_Float32,
                                                  ["COMPRESS=DEFLATE", "PREDICTOR=3", "TILED=YES"])
        if ds is None:
            raise OSError(f"GDAL could not create {tmp}")
        ds.SetGeoTransform(grid.geotransform)
        if crs_wkt:
            ds.SetProjection(crs_wkt)
        ds.SetMetadataItem("UNITS", units)
        ds.SetMetadataItem("QUANTITY", quantity)
        for key, value in (metadata or {}).items():
            ds.SetMetadataItem(str(key), str(value))
        for b in range(bands):
            band = ds.GetRasterBand(b + 1)
            band.WriteArray(np.where(np.isfinite(grid.values[b]), grid.values[b], NODATA).astype(np.float32))
            band.SetNoDataValue(NODATA)
            band.SetDescription(f"{labels[b]} ({units})")
            band.SetUnitType(units)
            items = {"top_m": f"{ranges[b][0]:g}", "bottom_m": f"{ranges[b][1]:g}"} if ranges[b] else {}
            items.update({str(k): str(v) for k, v in ((band_metadata or [None] * bands)[b] or {}).items()})
            if items:
                band.SetMetadata(items)
            band.ComputeStatistics(False)
        ds.FlushCache()
        ds = None
        sidecars = {tmp + ".aux.xml": path + ".aux.xml"}
        try:
            if finish is not None:
                sidecars.update(finish(tmp) or {})
            for src, dst in sidecars.items():
                if os.path.exists(src):
                    os.chmod(src, file_mode())
                    os.replace(src, dst)
        finally:
            for src in sidecars:
                if os.path.exists(src):
                    os.remove(src)
    return path


__all__ = ["NODATA", "QUANTITIES", "slice_bands", "write_geotiff"]
