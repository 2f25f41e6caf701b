"""emiAI without QGIS: the pipeline as functions over GeoDataFrames, for notebooks and scripts.

The same core functions the Processing algorithms call, with the same defaults::

    from emiai_core import api
    survey = api.read_survey("demo/data/trimpLo.dat")        # GF CMD-MiniExplorer, VCP, on the ground
    ec = api.predict(survey)                                  # EC_000_012 … EC_132_150 in mS/m + flags
    api.depth_slices(ec, "ec.tif", cell_size=1.0)             # one GeoTIFF band per layer

Needs geopandas (``pip install geopandas``); never QGIS. Counts and warnings of a run are in
``result.attrs["emiai"]``; warnings are also issued with :mod:`warnings`.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from . import ert as _ert
from .fields import (
    HEIGHT_FIELD,
    edges_from_field_names,
    finest_layering,
    match_eca_fields,
)
from .gridding import auto_cell_size, grid_points, utm_epsg

DEFAULT_INSTRUMENT = "CMD-MiniExplorer"


def _geopandas():
    import os

    # Debian's pyproj used from a venv does not find its data unless told where it is
    if not (os.environ.get("PROJ_DATA") or os.environ.get("PROJ_LIB")) and os.path.isfile("/usr/share/proj/proj.db"):
        os.environ["PROJ_DATA"] = "/usr/share/proj"
    try:
        import geopandas
    except ImportError:
        raise ImportError("emiai_core.api needs geopandas: pip install geopandas") from None
    return geopandas


def _frame(columns: dict, x, y, crs, z=None, attrs=None):
    gpd = _geopandas()
    geometry = gpd.points_from_xy(x, y, z)
    gdf = gpd.GeoDataFrame(columns, geometry=geometry, crs=crs)
    gdf.attrs["emiai"] = attrs or {}
    return gdf


def _warn(messages):
    for m in messages:
        warnings.warn(m, UserWarning, stacklevel=3)


def read_survey(path, path_hi=None, instrument: str = DEFAULT_INSTRUMENT, orientation: str = "VCP",
                height: float = 0.0, calibration: str | None = None, merge_by: str = "position",
                merge_tolerance: float = 2.0, crs=None, target_crs=None):
    """An EMI survey file as a point GeoDataFrame: one ECa column per coil (mS/m), in-phase, HEIGHT_M
    and the file's other columns — the table ``emiai:importsurvey`` writes.

    path: GF .dat/.csv export or EMagPy-style CSV; path_hi: the other mode's file of the same survey
    (merged at the main file's points, within merge_tolerance m by position or s by time);
    instrument: a GF preset key of emiai_core.instruments; orientation: 'VCP' (Lo) or 'HCP' (Hi) of
    ``path``; height: instrument height above ground (m); calibration: None, 'F-0m' or 'F-1m' (the GF
    scale of the export, converted to LIN ECa); crs: CRS of projected x/y in the file (latitude /
    longitude are WGS 84); target_crs: output CRS (default: the UTM zone of the data centre for
    latitude/longitude, else ``crs``).
    """
    from .survey import apply_gf_calibration, merge_lo_hi, read_survey as _read, survey_columns

    table = _read(path, instrument, orientation, height)
    notes = list(table.notes)
    if path_hi:
        other = _read(path_hi, instrument, "HCP" if orientation == "VCP" else "VCP", height)
        table = merge_lo_hi(table, other, max_distance_m=merge_tolerance, by=merge_by, max_time_s=merge_tolerance)
    if table.n_points == 0:
        raise ValueError(f"{path}: no usable row ({table.n_rows_skipped} skipped: {table.skipped_reasons}).")
    notes += apply_gf_calibration(table, calibration)
    if table.coords_kind == "geographic":
        src = "EPSG:4326"
        target = target_crs or f"EPSG:{utm_epsg(float(np.mean(table.x)), float(np.mean(table.y)))}"
    else:
        src, target = crs, target_crs or crs
        if target_crs and not crs:
            raise ValueError("target_crs is set but the x/y coordinates have no CRS: give crs (e.g. 'EPSG:27700').")
    columns = {name: values for name, _, _, values in survey_columns(table)}
    attrs = {"coils": table.coils, "coil_strings": dict(table.coil_strings), "n_rows_read": table.n_rows_read,
             "n_rows_skipped": table.n_rows_skipped, "skipped_reasons": dict(table.skipped_reasons),
             "merge": dict(table.merge), "notes": notes}
    gdf = _frame(columns, table.x, table.y, src, attrs=attrs)
    if target and src and str(target) != str(src):
        gdf = gdf.to_crs(target)
        gdf.attrs["emiai"] = attrs
    return gdf


def _load_model(model, column_names):
    """A loaded model from a model object, a file path, an embedded model's name, or None (the
    embedded model for the survey's coils, as predictec chooses it)."""
    from .model_file import EMBEDDED_MODELS, choose_embedded_model, embedded_model_path, load_model

    if model is None:
        path, why = choose_embedded_model(column_names)
        return load_model(path)
    if isinstance(model, str) and model in EMBEDDED_MODELS:
        return load_model(embedded_model_path(model))
    if isinstance(model, (str, Path)):
        return load_model(model)
    return model


def predict(gdf, model=None, eca_fields=None, nonpositive: str = "drop", misfit_model: str = "FSlin",
            add_coarse: bool = False, method: str | None = None, lateral_smoothing: float | None = None,
            neighbour_distance_m: float = 2.0):
    """Predict EC depth models at every survey point — what ``emiai:predictec`` writes.

    gdf: survey points with ECa in mS/m (coil-named columns such as VCP0.32, or GF Cond.1…);
    model: a model file path, a loaded model, the name of an embedded model
    (emiai_core.model_file.EMBEDDED_MODELS), or None: the embedded model for the survey's coils
    (as predictec chooses it); eca_fields: the ECa
    columns in the model's coil order (None = found by name); nonpositive: 'drop' or 'fail' for
    points with ECa ≤ 0; misfit_model: forward model of MISFIT_PCT ('FSlin', 'CS', 'FSeq');
    add_coarse: also the coarser layerings; method: 'network', 'refine' (physics refinement of the
    network's prediction) or 'invert' (no network), default as predictec; lateral_smoothing: weight
    of the lateral constraints between consecutive points (rows in recording order) at most
    neighbour_distance_m apart, per pair 0.5 m apart (None = predictec's default, 0 = off;
    refinement and inversion only; positions in metres, a geographic CRS is projected to UTM
    first). Returns the predicted points (input columns + EC_… in mS/m, MISFIT_PCT, EXTRAPOL,
    FLOORED, …); skipped points are left out and counted in attrs.
    """
    from .prediction import DEFAULT_METHOD, predict_survey, replaced_input_fields

    names = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    model = _load_model(model, names)
    fields = list(eca_fields) if eca_fields else match_eca_fields(names, model.measured_coils)[0]
    if len(fields) != len(model.measured_coils):
        raise ValueError(f"eca_fields has {len(fields)} column(s) but the model takes "
                         f"{len(model.measured_coils)} ECa: {', '.join(model.measured_coils)}.")
    eca = gdf[fields].to_numpy(dtype=float, na_value=np.nan).copy()
    eca[gdf.geometry.is_empty.to_numpy() | gdf.geometry.isna().to_numpy()] = np.nan  # no position: missing
    heights = None
    if HEIGHT_FIELD in gdf.columns and np.issubdtype(gdf[HEIGHT_FIELD].dtype, np.number):
        heights = gdf[HEIGHT_FIELD].to_numpy(dtype=float)
    method = method or DEFAULT_METHOD
    if lateral_smoothing is None:
        from .inversion import DEFAULT_LATERAL_SMOOTHING as lateral_smoothing
    xy = None
    if lateral_smoothing > 0 and method != "network":
        pts = gdf.geometry
        if pts.crs is not None and pts.crs.is_geographic:
            pts = pts.to_crs(pts.estimate_utm_crs())
        xy = np.column_stack([pts.x.to_numpy(float), pts.y.to_numpy(float)])
    pred = predict_survey(model, eca, nonpositive, misfit_model, heights, add_coarse=add_coarse,
                          method=method, xy=xy, lateral_smoothing=lateral_smoothing,
                          neighbour_distance_m=neighbour_distance_m)
    _warn(pred.warnings)
    out = gdf.loc[pred.used].drop(columns=replaced_input_fields(names, [f.name for f in pred.fields]))
    out = out.copy()
    for name, values in pred.columns().items():
        out[name] = values
    out.attrs["emiai"] = {"counts": pred.counts(), "warnings": pred.warnings, "layer_fields": pred.layer_fields,
                          "model": model.metadata.get("name", ""), "eca_fields": fields}
    return out


def forward(gdf, instrument: str = DEFAULT_INSTRUMENT, coils=None, height: float = 0.0,
            forward_model: str = "FSlin", noise: float = 0.0, seed: int = 0, scale: str = "LIN"):
    """Forward-model ECa (mS/m) of EC point models (EC_<top>_<bottom> columns in mS/m, the deepest
    layer a half-space) — what ``emiai:forwardresponse`` writes for a point layer.

    instrument: preset key (emiai_core.instruments.INSTRUMENTS) used when ``coils`` is None; coils:
    EMagPy coil strings; height: instrument height (m); forward_model: 'FSlin', 'CS' or 'FSeq';
    noise: relative Gaussian noise (0.03 = 3 %) from ``seed``; scale: 'LIN', 'F-0m' or 'F-1m'.
    """
    from .forward_points import forward_table
    from .instruments import as_coils, instrument as preset

    layer_fields = finest_layering([str(c) for c in gdf.columns])
    if not layer_fields:
        raise ValueError("No EC_<top>_<bottom> layer columns starting at 0 cm: predict EC first.")
    edges = edges_from_field_names(layer_fields)
    coils = as_coils(coils, height=height) if coils else preset(instrument).coils_at(height)
    result = forward_table(gdf[layer_fields].to_numpy(dtype=float, na_value=np.nan), edges, coils,
                           forward_model, noise, seed, scale)
    _warn(result.warnings)
    out = gdf.drop(columns=[n for n in result.field_names if n in gdf.columns]).copy()
    for k, name in enumerate(result.field_names):
        out[name] = result.eca_mS_m[:, k]
    out.attrs["emiai"] = {"coils": [c.emagpy for c in coils], "n_skipped": result.n_skipped,
                          "n_no_equivalent": result.n_no_equivalent, "notes": result.notes}
    return out


def read_ert_section(path, electrode_coordinates=None, line=None, electrodes=None, profile: str | None = None,
                     crs=None, max_depth: float | None = None):
    """An ERT inversion section as a PointZ GeoDataFrame of cells at their map positions, with
    depth below the local surface — the cell layer ``emiai:importertsection`` writes.

    path: ResIPy mesh CSV, R2/cR2 f001_res.dat (+ mesh.dat) or .vtk; electrode_coordinates: a table
    'ElecID X Y Z' of electrode map positions, or ``line``: (n, 2) vertices of the profile line from
    electrode 1 (exactly one of the two); electrodes: the section-coordinate electrode file (default:
    found beside ``path``); crs: CRS of the map coordinates; max_depth: keep cells down to this
    depth (m). The trace (electrode positions) is in ``attrs['emiai']['trace']`` as (n, 4) x, y, z, m.
    """
    if (electrode_coordinates is None) == (line is None):
        raise ValueError("Give the electrode map positions as electrode_coordinates (a file) or as line "
                         "(vertices from electrode 1), exactly one of them.")
    profile = profile or _ert.guess_profile_name(path)
    section = _ert.read_section(path)
    elec_path = electrodes or _ert.find_electrode_file(path)
    if elec_path is None:
        raise ValueError(f"No electrode file found beside {path}: give electrodes=.")
    elec = _ert.read_electrodes(elec_path)
    emap = (_ert.read_electrode_map(electrode_coordinates) if electrode_coordinates is not None
            else _ert.electrode_map_from_line(np.asarray(line, dtype=float), elec))
    geo = _ert.georeference_section(profile, section, elec, emap, max_depth_m=max_depth)
    columns = {name: values for name, _, _, values in geo.cell_columns()}
    attrs = {"profile": profile, "notes": list(geo.notes), "trace": geo.trace(),
             "trace_attributes": {name: value for name, _, _, value in geo.trace_attributes(Path(path).name)}}
    return _frame(columns, geo.x, geo.y, crs, z=geo.section.elevation_m, attrs=attrs)


def depth_slices(gdf, path, cell_size: float | None = None, method: str = "linear",
                 max_distance: float | None = None, fields=None, target_crs=None) -> Path:
    """Interpolate EC layers of points to one multi-band GeoTIFF (a band per layer, nodata far from
    the points) — what ``emiai:depthslices`` writes, without the QGIS style file.

    path: the .tif to write (atomically); cell_size: in CRS units (None = from the point spacing);
    method: 'linear', 'nearest' or 'idw'; max_distance: cells farther from every point are nodata
    (None = 5 cells); fields: the columns (default: the finest EC_ layering); target_crs: default
    the input CRS, or its UTM zone when that is geographic.
    """
    from .raster_io import slice_bands, write_geotiff

    names, ranges, labels = slice_bands([str(c) for c in gdf.columns], fields)
    if target_crs is not None:
        gdf = gdf.to_crs(target_crs)
    elif gdf.crs is not None and gdf.crs.is_geographic:
        lon, lat = np.nanmedian(gdf.geometry.x.to_numpy()), np.nanmedian(gdf.geometry.y.to_numpy())
        gdf = gdf.to_crs(f"EPSG:{utm_epsg(float(lon), float(lat))}")
    if gdf.crs is not None and gdf.crs.is_geographic:
        raise ValueError(f"target_crs {gdf.crs} is geographic (degrees): choose a projected CRS.")
    x, y = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    values = gdf[names].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(x) & np.isfinite(y) & np.all(np.isfinite(values), axis=1)
    if ok.sum() < 3:
        raise ValueError(f"Only {int(ok.sum())} point(s) have a position and values in all of "
                         f"{', '.join(names)}: at least 3 are needed to interpolate.")
    x, y, values = x[ok], y[ok], values[ok]
    cell = cell_size or auto_cell_size(x, y)
    grid = grid_points(x, y, values, cell, method, max_distance)
    write_geotiff(path, grid, gdf.crs.to_wkt() if gdf.crs is not None else None, labels, ranges)
    return Path(path)


__all__ = ["depth_slices", "forward", "predict", "read_ert_section", "read_survey"]
