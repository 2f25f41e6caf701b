"""emiai:depthslices — EC point models to one multi-band GeoTIFF of depth slices."""
import os

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterCrs,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingParameterRasterDestination,
    QgsUnitTypes,
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
    MASK_BELOW_DOI = "MASK_BELOW_DOI"
    MAX_MISFIT = "MAX_MISFIT"
    MASK_OOD = "MASK_OOD"
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
        "<b>Cell size</b> (in metres for points in degrees, which are gridded in their UTM zone; else "
        "in the units of the target CRS): 0 = automatic, sqrt(extent area / points) rounded to 1-2-5.<br>"
        "<b>Interpolation</b>: linear (Delaunay triangles), nearest point, or inverse distance.<br>"
        "<b>Maximum distance</b>: cells farther than this from every point are nodata; 0 = 5 cells.<br>"
        "Points in a geographic CRS (degrees) are projected first: to the target CRS if given, "
        "else to the WGS 84 / UTM zone of their centre (named in the log). Points at identical "
        "positions are averaged.<br>"
        "<b>Style</b> (a .qml beside the GeoTIFF, applied whenever QGIS opens it): EC on a log scale "
        "with the viridis ramp, stops at round values (1, 1.5, 2, 3, 5, 7, 10 … mS/m) labelled with "
        "units, and one range for all bands — from the lowest 2nd to the highest 98th percentile of "
        "the bands taken one by one — so one colour is one EC at every depth and no band saturates "
        "beyond its own 2 % tails. Loaded by Processing, the layer also gets one named style per band "
        "(layer menu ▸ Styles): use them to change depth, as the band selector in Symbology spreads the "
        "colours linearly again. The ensemble spread (ECSTD) has its own yellow–red ramp labelled with "
        "the ± % it means.<br>"
        "<b>Masks</b> (each optional, off by default, counted in the log and the outputs; the band "
        "descriptions and the raster's MASKS metadata say which were applied): "
        "<i>below the depth of investigation</i> — DOI_M is gridded like the layers and a layer's cell "
        "is nodata where the layer's mid-depth is deeper than the DOI there (more than half of the "
        "layer lies where less than 30 % of the deepest coil's signal comes from); "
        "<i>maximum misfit</i> — points whose MISFIT_PCT is above it (or empty) are left out before "
        "gridding; <i>out-of-distribution</i> — points with EXTRAPOL = 1 (ECa outside the model's "
        "training range) are left out. The fields come from 'Predict EC depth models'.<br>"
        "Points at one position, or along a straight line (less than 1 % of their length across), "
        "are no area to map: the run fails and says so — use 'EC section along a line' for a "
        "transect. A strip map of a line is still made with nearest-point or inverse-distance "
        "interpolation and an explicit cell size. A raster without any data cell is never written."
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
        p = QgsProcessingParameterDistance(self.CELL_SIZE, "Cell size (0 = automatic)", defaultValue=0.0,
                                           minValue=0.0)
        p.setDefaultUnit(QgsUnitTypes.DistanceMeters)  # metres: geographic input is gridded in its UTM zone
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterEnum(
            self.METHOD, "Interpolation", options=["Linear (triangulation)", "Nearest point",
                                                   "Inverse distance weighting"], defaultValue=0))
        p = QgsProcessingParameterNumber(self.IDW_POWER, "Inverse distance power",
                                         QgsProcessingParameterNumber.Double, defaultValue=2.0, minValue=0.1)
        p.setFlags(p.flags() | p.FlagAdvanced)
        self.addParameter(p)
        p = QgsProcessingParameterDistance(self.MAX_DISTANCE, "Maximum distance from a point (0 = 5 cells)",
                                           defaultValue=0.0, minValue=0.0)
        p.setDefaultUnit(QgsUnitTypes.DistanceMeters)
        self.addParameter(p)
        self.addParameter(QgsProcessingParameterCrs(
            self.TARGET_CRS, "Target CRS (empty = input CRS; UTM zone for geographic input)", optional=True))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MASK_BELOW_DOI, "Mask cells below the depth of investigation (DOI_M; layer mid-depth deeper)",
            defaultValue=False))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_MISFIT, "Leave out points with a data misfit MISFIT_PCT above (%, 0 = keep all)",
            QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterBoolean(
            self.MASK_OOD, "Leave out points outside the model's training range (EXTRAPOL = 1)", defaultValue=False))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, "EC depth slices"))
        for name, label in (("N_POINTS", "Points used"), ("N_BANDS", "Bands"), ("CELL_SIZE_USED", "Cell size"),
                            ("WIDTH", "Columns"), ("HEIGHT", "Rows"),
                            ("N_MASKED_MISFIT", "Points left out: MISFIT_PCT above the maximum"),
                            ("N_MASKED_OOD", "Points left out: outside the training range (EXTRAPOL = 1)"),
                            ("N_CELLS_BELOW_DOI", "Cells masked below the DOI (all bands)")):
            self.addOutput(QgsProcessingOutputNumber(name, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import numpy as np

        from emiai_core.gridding import LINE_WIDTH_FRACTION, auto_cell_size, grid_points, point_spread
        from emiai_core.fields import DOI_FIELD, EC_PREFIX, EC_STD_PREFIX
        from emiai_core.raster_io import slice_bands

        from ..layer_io import read_point_columns, transform_xy, utm_crs_for
        from ..styles import raster_breaks

        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise self.invalidSourceError(parameters, self.INPUT)
        prefix = (EC_PREFIX, EC_STD_PREFIX)[self.parameterAsEnum(parameters, self.QUANTITY, context)]
        try:
            names, ranges, labels = slice_bands(source.fields().names(),
                                                self.parameter_as_fields(parameters, self.FIELDS, context), prefix)
        except ValueError as err:
            raise self.fail(str(err)) from None
        masks = self._mask_parameters(parameters, context, source.fields(), ranges, names)
        output = self.check_output_writable(parameters, self.OUTPUT, context)

        x, y, columns = read_point_columns(
            source, self.parameterAsVectorLayer(parameters, self.INPUT, context),
            names + [f for f in masks["fields"] if f not in names],
            restricted=isinstance(parameters.get(self.INPUT), QgsProcessingFeatureSourceDefinition),
            feedback=feedback, progress_span=(0.0, 20.0))
        values = np.column_stack([columns[n] for n in names])
        ok = np.isfinite(x) & np.isfinite(y) & np.all(np.isfinite(values), axis=1)
        if ok.sum() < 3:
            raise self.fail(f"Only {int(ok.sum())} point(s) have a position and values in all of "
                            f"{', '.join(names)}: at least 3 are needed to interpolate.")
        if (~ok).sum():
            feedback.pushWarning(f"{int((~ok).sum())} point(s) without position or values were ignored.")
        keep, counts = self._point_masks(masks, columns, ok, feedback)
        if keep.sum() < 3:
            raise self.fail(
                f"Only {int(keep.sum())} of the {int(ok.sum())} points with values are left after the masks "
                f"({counts['N_MASKED_MISFIT']} left out by {self.MAX_MISFIT}, {counts['N_MASKED_OOD']} by "
                f"{self.MASK_OOD}{', ' + str(counts['no_doi']) + ' without ' + DOI_FIELD if counts['no_doi'] else ''})"
                f": at least 3 are needed to interpolate. Raise {self.MAX_MISFIT} or turn {self.MASK_OOD} off.")
        x, y, values = x[keep], y[keep], values[keep]
        if masks["doi"]:  # the DOI is gridded with the layers, then masks cells band by band
            values = np.column_stack([values, columns[DOI_FIELD][keep]])

        src_crs = source.sourceCrs()
        dst_crs = self.parameterAsCrs(parameters, self.TARGET_CRS, context)
        if not dst_crs.isValid() and src_crs.isValid() and src_crs.isGeographic():
            dst_crs = utm_crs_for(float(np.median(x)), float(np.median(y)))
            feedback.pushInfo(f"Input CRS {src_crs.authid()} is geographic: points projected to "
                              f"{dst_crs.authid()} ({dst_crs.description()}).")
        if dst_crs.isValid() and src_crs.isValid() and dst_crs != src_crs:
            x, y = transform_xy(x, y, src_crs, dst_crs, context.transformContext())
        elif not dst_crs.isValid():
            dst_crs = src_crs
        if dst_crs.isValid() and dst_crs.isGeographic():
            raise self.fail(f"Target CRS {dst_crs.authid()} is geographic (degrees): choose a projected "
                            "CRS so that cells and distances are in metres.")
        if not src_crs.isValid():
            feedback.pushWarning("The input layer has no CRS: the raster is written without one (local coordinates).")

        cell = self.parameterAsDouble(parameters, self.CELL_SIZE, context)
        max_dist = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) or None
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        units = "m" if dst_crs.isValid() and dst_crs.mapUnits() == QgsUnitTypes.DistanceMeters else "CRS units"
        spread = point_spread(x, y)
        if spread.single_position:
            raise self.fail(
                f"Nothing to map: {spread.describe(units)} ({x[0]:.3f}, {y[0]:.3f}). A map needs points spread over "
                "an area (and a section, points along a line): check the positions (a GPS without a fix repeats "
                "one position). The point's EC depth profile is in its EC_ fields.")
        if spread.along_a_line:
            why = ("linear interpolation (triangulation) cannot cover points on a line" if method == "linear" else
                   "the automatic cell size (CELL_SIZE = 0) has no area to divide among them" if not cell else "")
            if why:
                raise self.fail(
                    f"Cannot map: {spread.describe(units)} (less than {LINE_WIDTH_FRACTION:.0%} of the length "
                    f"across). A map needs points spread over an area, and {why}. Use 'EC section along a line' "
                    "(emiai:ecsection) to show EC against distance along the line and depth; or, for a strip map, "
                    "choose Interpolation (METHOD) = Nearest point or Inverse distance weighting and an explicit "
                    "Cell size (CELL_SIZE).")
            feedback.pushWarning(f"{spread.describe(units)}: the raster is a strip map ({method}, cell {cell:g}). "
                                 "'EC section along a line' shows EC against distance and depth.")
        if not cell:
            try:
                cell = auto_cell_size(x, y)
            except ValueError as err:
                raise self.fail(f"{err} ({self.CELL_SIZE} = 0)") from None
        feedback.pushInfo(f"Gridding {len(x)} points, {len(names)} layers: {method}, cell {cell:g}, "
                          f"max distance {max_dist or 5 * cell:g}.")
        feedback.setProgress(25)
        self.check_canceled(feedback)
        try:
            def progress(fraction):
                self.check_canceled(feedback)
                feedback.setProgress(25 + 55 * fraction)

            grid = grid_points(x, y, values, cell, method, max_dist,
                               self.parameterAsDouble(parameters, self.IDW_POWER, context), progress=progress)
        except ValueError as err:
            raise self.fail(str(err)) from None
        feedback.setProgress(80)
        self.check_canceled(feedback)
        before = int(np.isfinite(grid.values[:len(names)]).sum())
        band_meta = [None] * len(names)
        if masks["doi"]:
            band_meta = self._mask_below_doi(grid, ranges, labels, counts, feedback)
        if not np.isfinite(grid.values).any():
            raise self.fail(self._all_nodata_message(before, masks, counts, method, max_dist or 5 * cell, cell, units))
        for k in np.flatnonzero(~np.isfinite(grid.values).any(axis=(1, 2))):
            why = " (all below the DOI)" if band_meta[k] and band_meta[k]["cells_below_doi"] else ""
            feedback.pushWarning(f"Band {k + 1} ({labels[k]}) has no data cell{why}.")
        labels = [f"{label} [{masks['text']}]" if masks["text"] else label for label in labels]
        # one style range for all bands: lowest 2nd to highest 98th percentile of the bands (log, nice values)
        style_breaks = raster_breaks(grid.values, spread=prefix != EC_PREFIX)
        metadata = {"MASKS": masks["text"] or "none", **{k: v for k, v in counts.items() if k.startswith("N_")}}
        _write_geotiff(output, grid, dst_crs, labels, ranges, style_breaks, prefix, metadata, band_meta)
        if context.willLoadLayerOnCompletion(output):
            details = context.layerToLoadOnCompletionDetails(output)
            details.name = "EC depth slices" if prefix == EC_PREFIX else "EC uncertainty (ensemble spread)"
            _EcStyler.attach(context, output, style_breaks, prefix)
        feedback.setProgress(100)
        bands, rows, cols = grid.values.shape
        feedback.pushInfo(f"Wrote {output}: {bands} bands, {cols} x {rows} cells of {cell:g}.")
        return {self.OUTPUT: output, "N_POINTS": int(len(x)), "N_BANDS": bands,
                "CELL_SIZE_USED": float(cell), "WIDTH": cols, "HEIGHT": rows,
                **{k: v for k, v in counts.items() if k.startswith("N_")}}

    def _mask_parameters(self, parameters, context, fields, ranges, names) -> dict:
        """The masks chosen: {'doi': bool, 'max_misfit': float (0 = off), 'ood': bool, 'fields': the
        fields they need, 'text': what is masked, for band descriptions}; fails when a field is missing."""
        from emiai_core.fields import DOI_FIELD, EXTRAPOLATED_FIELD, FIELD_COMMENTS, MISFIT_FIELD

        masks = {"doi": self.parameterAsBoolean(parameters, self.MASK_BELOW_DOI, context),
                 "max_misfit": self.parameterAsDouble(parameters, self.MAX_MISFIT, context),
                 "ood": self.parameterAsBoolean(parameters, self.MASK_OOD, context)}
        needed = {DOI_FIELD: (self.MASK_BELOW_DOI, masks["doi"]),
                  MISFIT_FIELD: (self.MAX_MISFIT, masks["max_misfit"] > 0),
                  EXTRAPOLATED_FIELD: (self.MASK_OOD, masks["ood"])}
        masks["fields"] = [f for f, (_, on) in needed.items() if on]
        for name in masks["fields"]:
            param = needed[name][0]
            label = self.parameterDefinition(param).description()
            idx = fields.lookupField(name)
            if idx < 0 or not fields.at(idx).isNumeric():
                state = "does not have it" if idx < 0 else f"has it as {fields.at(idx).typeName()}, not a number"
                raise self.fail(f"'{label}' ({param}) needs the field {name} ({FIELD_COMMENTS[name]}) and the input "
                                f"{state}: run 'Predict EC depth models' (emiai:predictec) again to write it, or turn "
                                f"{param} off.")
        if masks["doi"] and not all(ranges):
            bad = [n for n, r in zip(names, ranges) if not r]
            raise self.fail(f"{self.MASK_BELOW_DOI} compares each band's depth with {DOI_FIELD}, but the field(s) "
                            f"{', '.join(bad)} are not layer fields named <prefix>_<top cm>_<bottom cm>: choose "
                            f"layer fields (FIELDS) or turn {self.MASK_BELOW_DOI} off.")
        parts = []
        if masks["doi"]:
            parts.append(f"cells below {DOI_FIELD} masked")
        if masks["max_misfit"] > 0:
            parts.append(f"points with {MISFIT_FIELD} > {masks['max_misfit']:g} % left out")
        if masks["ood"]:
            parts.append(f"points with {EXTRAPOLATED_FIELD} = 1 left out")
        masks["text"] = "; ".join(parts)
        return masks

    def _point_masks(self, masks, columns, ok, feedback):
        """(points kept, counts) after the misfit, OOD and (for the DOI mask) missing-DOI filters, each
        counted among the points with values."""
        import numpy as np

        from emiai_core.fields import DOI_FIELD, EXTRAPOLATED_FIELD, MISFIT_FIELD

        keep = ok.copy()
        counts = {"N_MASKED_MISFIT": 0, "N_MASKED_OOD": 0, "N_CELLS_BELOW_DOI": 0, "no_doi": 0}
        if masks["max_misfit"] > 0:
            misfit = columns[MISFIT_FIELD]
            out = ok & ~(misfit <= masks["max_misfit"])  # empty (NaN): cannot show that it fits
            counts["N_MASKED_MISFIT"] = int(out.sum())
            keep &= ~out
            feedback.pushInfo(f"{self.MAX_MISFIT}: {int(out.sum())} of {int(ok.sum())} point(s) with {MISFIT_FIELD} "
                              f"above {masks['max_misfit']:g} % (or empty) left out "
                              f"({int((ok & np.isnan(misfit)).sum())} empty).")
        if masks["ood"]:
            flag = columns[EXTRAPOLATED_FIELD]
            out = ok & ~(flag == 0)  # 1 or empty
            counts["N_MASKED_OOD"] = int(out.sum())
            keep &= ~out
            feedback.pushInfo(f"{self.MASK_OOD}: {int(out.sum())} of {int(ok.sum())} point(s) outside the model's "
                              f"training range ({EXTRAPOLATED_FIELD} = 1, or empty) left out "
                              f"({int((ok & np.isnan(flag)).sum())} empty).")
        if masks["doi"]:
            missing = keep & ~np.isfinite(columns[DOI_FIELD])
            counts["no_doi"] = int(missing.sum())
            keep &= ~missing
            if missing.any():
                feedback.pushWarning(f"{int(missing.sum())} point(s) without {DOI_FIELD} left out "
                                     f"({self.MASK_BELOW_DOI}).")
        return keep, counts

    def _mask_below_doi(self, grid, ranges, labels, counts, feedback) -> list:
        """Take the gridded DOI (the last band) off ``grid`` and set a layer's cells to NaN where the
        layer's mid-depth is below it; count them. Returns per-band metadata."""
        import numpy as np

        doi = grid.values[-1]
        grid.values = grid.values[:-1]
        meta = []
        for k, (top, bottom) in enumerate(ranges):
            below = np.isfinite(grid.values[k]) & (doi < 0.5 * (top + bottom))
            grid.values[k][below] = np.nan
            meta.append({"cells_below_doi": int(below.sum())})
            counts["N_CELLS_BELOW_DOI"] += int(below.sum())
        finite = doi[np.isfinite(doi)]
        feedback.pushInfo(
            f"{self.MASK_BELOW_DOI}: {counts['N_CELLS_BELOW_DOI']} cell(s) masked over all bands "
            f"(gridded DOI {finite.min():.2f}–{finite.max():.2f} m); per band: "
            + ", ".join(f"{lab.split(' ', 1)[-1]} {m['cells_below_doi']}" for lab, m in zip(labels, meta)) + "."
            if finite.size else f"{self.MASK_BELOW_DOI}: no cell has a DOI.")
        return meta

    def _all_nodata_message(self, before, masks, counts, method, max_dist, cell, units) -> str:
        """Why every cell of the raster is nodata (it is then not written)."""
        if before and masks["doi"] and counts["N_CELLS_BELOW_DOI"] >= before:
            return (f"Every cell lies below the depth of investigation: all {before} data cells were masked by "
                    f"{self.MASK_BELOW_DOI} (each layer's mid-depth is deeper than the gridded DOI_M). The data do "
                    f"not resolve these layers; turn {self.MASK_BELOW_DOI} off to map them anyway. Nothing was "
                    "written.")
        where = ("inside the triangulation of the points and " if method == "linear" else "")
        return (f"No cell of the raster has data: no cell centre lies {where}within the maximum distance "
                f"{max_dist:g} {units} of a point (MAX_DISTANCE; 0 = 5 cells of {cell:g}). Increase MAX_DISTANCE or "
                "the cell size (CELL_SIZE). Nothing was written.")


def _write_geotiff(path, grid, crs, labels, ranges, style_breaks, prefix, metadata=None, band_metadata=None):
    """The GeoTIFF (emiai_core.raster_io) with its default style (.qml on style_breaks, emiai_qgis.styles)."""
    from emiai_core.raster_io import QUANTITIES, write_geotiff

    units, quantity, _ = QUANTITIES[prefix]

    def save_style(tmp):
        tmp_qml = os.path.splitext(tmp)[0] + ".qml"
        _write_style(tmp, tmp_qml, style_breaks, prefix)
        return {tmp_qml: os.path.splitext(path)[0] + ".qml"}

    write_geotiff(path, grid, crs.toWkt() if crs.isValid() else None, labels, ranges, units, save_style, quantity,
                  metadata, band_metadata)


def style_ec_layer(layer, breaks, band=1, prefix="EC"):
    """The emiAI EC style (log scale, viridis, stops at ``breaks`` in mS/m) — or, for prefix ECSTD,
    the spread style — on ``band``, with a named style per band (emiai_qgis.styles.style_raster)."""
    from emiai_core.fields import EC_PREFIX

    from ..styles import style_raster

    style_raster(layer, breaks, spread=prefix != EC_PREFIX, band=band)


def _write_style(raster_path, qml_path, breaks, prefix="EC"):
    """Save the style of ``raster_path`` to ``qml_path`` (<name>.qml beside the raster is its
    default style: QGIS applies it on load)."""
    from emiai_core.fields import EC_PREFIX

    from ..styles import write_raster_style

    write_raster_style(raster_path, qml_path, breaks, spread=prefix != EC_PREFIX)


class _EcStyler:
    """Styles the depth slices when Processing loads them (emiai_qgis.styles.attach keeps the
    post-processor referenced)."""

    @staticmethod
    def attach(context, output, breaks, prefix="EC"):
        from emiai_core.fields import EC_PREFIX

        from ..styles import attach

        return attach(context, output, lambda layer: style_ec_layer(layer, breaks, prefix=prefix),
                      "depthslices" if prefix == EC_PREFIX else "depthslices_spread")
