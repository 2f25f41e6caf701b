"""emiai:importertsection — an ERT inversion section as map layers (cells as PointZ, profile trace)."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterCrs,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from .base import EmiAIAlgorithm

SECTION_FILTER = ("ERT inversion results (*.csv *.dat *.vtk *.vtu *.CSV *.DAT *.VTK);;"
                  "ResIPy mesh export (*.csv);;R2/cR2 result (*.dat);;VTK (*.vtk);;All files (*.*)")
TABLE_FILTER = "Text tables (*.csv *.txt *.dat *.CSV *.TXT *.DAT);;All files (*.*)"



class ImportErtSectionAlgorithm(EmiAIAlgorithm):
    """ERT section file + electrode positions → cell points at their map position + profile trace."""

    INPUT = "INPUT"
    PROFILE = "PROFILE"
    ELECTRODES = "ELECTRODES"
    ELECTRODE_COORDINATES = "ELECTRODE_COORDINATES"
    PROFILE_LINE = "PROFILE_LINE"
    CRS = "CRS"
    MAX_DEPTH = "MAX_DEPTH"
    OUTPUT = "OUTPUT"
    OUTPUT_TRACE = "OUTPUT_TRACE"

    ID = "importertsection"
    DISPLAY_NAME = "Import ERT section"
    GROUP = "Training"
    GROUP_ID = "training"
    HELP = (
        "Brings a 2-D ERT inversion result into the map: every mesh cell becomes a 3-D point at its "
        "real position along the electrode line, with its depth below the local ground surface. "
        "The layers feed 'Generate training models'.<br><br>"
        "<b>ERT inversion result</b>: a ResIPy mesh export CSV (columns <i>x</i>, <i>z</i>, "
        "<i>Magnitude(ohm.m)</i> or <i>Resistivity(ohm.m)</i>, optional <i>Sensitivity(log10)</i>, "
        "<i>Phase(mrad)</i>), a native R2/cR2 result <i>f001_res.dat</i> (checked against the "
        "<i>mesh.dat</i> beside it), or a ResIPy/R2 legacy ASCII <i>.vtk</i> (read by the plugin itself; "
        "XML .vtu files are not read). x is the distance along the line from electrode 1, z the "
        "elevation.<br>"
        "<b>Profile name</b>: empty = from the file name (<i>B1_1_mesh.csv</i> → B1_1; for "
        "<i>f001_res.dat</i> the folder name).<br>"
        "<b>Electrode positions</b>: along-line distance and elevation of each electrode, e.g. "
        "ResIPy's <i>&lt;P&gt;_grid.csv</i> (X, Z) or cR2's <i>electrodes.dat</i>. Empty = "
        "<i>electrodes.dat</i> or <i>&lt;P&gt;_grid.csv</i> beside the section. They define the ground "
        "surface: depth_m is measured below the electrode elevations interpolated at each cell's "
        "distance (the reference measured below the highest cell of each box).<br>"
        "<b>Electrode map coordinates</b>: a table <i>ElecID X Y [Z]</i> (e.g. "
        "<i>&lt;P&gt;_xyz_dem.csv</i>) in the CRS given below, <i>or</i> a profile line drawn from "
        "electrode 1 to the last electrode (its CRS is used unless a CRS is given). Each cell is "
        "placed on the electrode polyline by linear interpolation of its distance between the two "
        "neighbouring electrodes.<br>"
        "<b>Checks</b>: the map coordinates must reproduce the along-line electrode distances "
        "(within 0.5 m or 1 %), and the electrodes must lie on top of the section (same profile and "
        "elevation datum); otherwise nothing is written.<br><br>"
        "Outputs: <b>ERT cells</b> (PointZ; Z = cell elevation) with profile, cell_id, distance_m, "
        "elevation_m, depth_m, resistivity_ohmm, ec_mS_m and, when the file has them, "
        "sensitivity_log10 and phase_mrad; <b>Profile trace</b> (LineStringZM, one vertex per "
        "electrode: Z = electrode elevation, M = along-line distance), which 'Generate training "
        "models' uses for the electrode positions."
    )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(QgsProcessingParameterFile(
            self.INPUT, "ERT inversion result (ResIPy mesh CSV, f001_res.dat or .vtk)", fileFilter=SECTION_FILTER))
        self.addParameter(QgsProcessingParameterString(
            self.PROFILE, "Profile name (empty = from the file name)", optional=True))
        self.addParameter(QgsProcessingParameterFile(
            self.ELECTRODES, "Electrode positions: distance along the line and elevation (e.g. B2_1_grid.csv, "
            "electrodes.dat; empty = found beside the section)", optional=True, fileFilter=TABLE_FILTER))
        self.addParameter(QgsProcessingParameterFile(
            self.ELECTRODE_COORDINATES, "Electrode map coordinates (ElecID X Y Z, e.g. B2_1_xyz_dem.csv)",
            optional=True, fileFilter=TABLE_FILTER))
        self.addParameter(QgsProcessingParameterFeatureSource(
            self.PROFILE_LINE, "…or a profile line from electrode 1 to the last electrode",
            [QgsProcessing.TypeVectorLine], optional=True))
        self.addParameter(QgsProcessingParameterCrs(
            self.CRS, "CRS of the electrode map coordinates and of the outputs", optional=True))
        self.addParameter(QgsProcessingParameterNumber(
            self.MAX_DEPTH, "Keep cells down to this depth below the surface (m; 0 = all)",
            QgsProcessingParameterNumber.Double, defaultValue=0.0, minValue=0.0))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT, "ERT cells", QgsProcessing.TypeVectorPoint))
        self.addParameter(QgsProcessingParameterFeatureSink(
            self.OUTPUT_TRACE, "Profile trace", QgsProcessing.TypeVectorLine))
        self.addOutput(QgsProcessingOutputString("PROFILE_NAME", "Profile"))
        self.addOutput(QgsProcessingOutputNumber("N_CELLS", "Cells written"))
        self.addOutput(QgsProcessingOutputNumber("N_ELECTRODES", "Electrodes"))

    # ------------------------------------------------------------------------------------------
    def _line_vertices(self, source, profile, out_crs, context, feedback):
        """(vertices (n, 2) in out_crs, crs) of the profile line feature for ``profile``."""
        from ..layer_io import read_lines

        crs = source.sourceCrs()
        if out_crs.isValid() and crs.isValid() and crs != out_crs:
            crs = out_crs
        feats = read_lines(source, crs, context.transformContext())
        if not feats:
            raise self.fail("PROFILE_LINE: the layer has no features; draw the profile line first.")
        if len(feats) > 1:
            names = source.fields().names()
            key = next((n for n in ("profile", "name", "PROFILE", "Name") if n in names), None)
            match = [f for f in feats if key is not None and str(f.attributes[key]) == profile]
            if len(match) != 1:
                raise self.fail(f"PROFILE_LINE: the layer has {len(feats)} lines and "
                                + (f"{len(match)} with {key} = '{profile}'" if key else "no 'profile' or 'name' field")
                                + ". Select one line per profile (a layer with one line, or a 'profile' "
                                "field holding the profile name).")
            feats = match
        line = feats[0]
        if line.n_parts == 0:
            raise self.fail("PROFILE_LINE: the line feature has no geometry.")
        if line.n_parts > 1:
            raise self.fail(f"PROFILE_LINE: the line has {line.n_parts} parts; use a single-part line "
                            "from electrode 1 to the last electrode.")
        if crs.isValid() and crs.isGeographic():
            raise self.fail(f"PROFILE_LINE: its CRS {crs.authid()} is geographic (degrees); set CRS to a "
                            "projected CRS in metres so that distances along the line are in m.")
        return line.vertices[:, :2].copy(), crs

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        from pathlib import Path

        from qgis.core import QgsWkbTypes

        from emiai_core import ert

        from ..layer_io import fields_of, make_field, write_line, write_points

        self.check_output_writable(parameters, self.OUTPUT, context)
        self.check_output_writable(parameters, self.OUTPUT_TRACE, context)

        path = self.parameterAsFile(parameters, self.INPUT, context)
        profile = (self.parameterAsString(parameters, self.PROFILE, context) or "").strip()
        elec_path = self.parameterAsFile(parameters, self.ELECTRODES, context)
        coord_path = self.parameterAsFile(parameters, self.ELECTRODE_COORDINATES, context)
        line_source = self.parameterAsSource(parameters, self.PROFILE_LINE, context)
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        max_depth = self.parameterAsDouble(parameters, self.MAX_DEPTH, context)

        # --- read and check everything before any output exists ------------------------------------
        if not path or not Path(path).is_file():
            raise self.fail(f"INPUT: file not found: {path!r}. Choose the ERT inversion result file.")
        if bool(coord_path) == (line_source is not None):
            raise self.fail("Give the electrode map position either as ELECTRODE_COORDINATES (a table "
                            "ElecID X Y Z) or as PROFILE_LINE (a line from electrode 1 to the last "
                            "electrode), exactly one of them.")
        profile = profile or ert.guess_profile_name(path)
        try:
            section = ert.read_section(path)
        except ert.ErtInputError as err:
            raise self.fail(f"INPUT: {err}") from None
        feedback.pushInfo(f"{section.source}: {section.n_cells} cells, resistivity "
                          f"{section.resistivity_ohmm.min():.3g}–{section.resistivity_ohmm.max():.3g} Ω·m.")
        self.check_canceled(feedback)
        feedback.setProgress(20)
        if not elec_path:
            found = ert.find_electrode_file(path)
            if found is None:
                raise self.fail(f"ELECTRODES: no electrode file given and none found beside {path} "
                                f"(electrodes.dat or {profile}_grid.csv). Give the electrode positions file.")
            elec_path = str(found)
            feedback.pushInfo(f"Electrode positions from {elec_path}")
        try:
            electrodes = ert.read_electrodes(elec_path)
        except ert.ErtInputError as err:
            raise self.fail(f"ELECTRODES: {err}") from None
        out_crs = crs
        try:
            if coord_path:
                emap = ert.read_electrode_map(coord_path)
                if not crs.isValid():
                    feedback.pushWarning("CRS is not set: the coordinates are written without a CRS. Set CRS "
                                         "to the CRS of the electrode coordinates (e.g. EPSG:31256).")
            else:
                verts, out_crs = self._line_vertices(line_source, profile, crs, context, feedback)
                emap = ert.electrode_map_from_line(verts, electrodes, source="PROFILE_LINE")
        except ert.ErtInputError as err:
            raise self.fail(f"{'ELECTRODE_COORDINATES' if coord_path else 'PROFILE_LINE'}: {err}") from None
        if out_crs.isValid() and out_crs.isGeographic():
            raise self.fail(f"CRS: {out_crs.authid()} is geographic; electrode coordinates must be projected "
                            "(metres) so that cells can be placed along the line.")
        try:
            geo = ert.georeference_section(profile, section, electrodes, emap,
                                           max_depth_m=max_depth if max_depth > 0 else None)
        except ert.ErtInputError as err:
            raise self.fail(f"ELECTRODES / ELECTRODE_COORDINATES: {err}") from None
        for note in geo.notes:
            feedback.pushInfo(note)
        self.check_canceled(feedback)
        feedback.setProgress(40)

        # --- features --------------------------------------------------------------------------------
        cell_spec = geo.cell_columns()
        fields = fields_of([make_field(n, kind, comment, length=64 if kind == "string" else 0)
                            for n, kind, comment, _ in cell_spec])
        rows = [list(r) for r in zip(*[v.tolist() for *_, v in cell_spec])]
        trace_spec = geo.trace_attributes(str(Path(path).name))
        trace_fields = fields_of([make_field(n, kind, comment, length=254 if n == "source" else 64 if kind == "string"
                                             else 0) for n, kind, comment, _ in trace_spec])
        self.check_canceled(feedback)

        # --- write -----------------------------------------------------------------------------------
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT, context, fields, QgsWkbTypes.PointZ, out_crs)
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT)
        trace_sink, trace_id = self.parameterAsSink(parameters, self.OUTPUT_TRACE, context, trace_fields,
                                                    QgsWkbTypes.LineStringZM, out_crs)
        if trace_sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT_TRACE)
        n = len(rows)
        write_points(sink, fields, geo.x, geo.y, rows, z=geo.section.elevation_m, feedback=feedback,
                     progress_span=(40.0, 55.0))
        write_line(trace_sink, trace_fields, geo.trace(), [v for *_, v in trace_spec])
        feedback.setProgress(100)
        feedback.pushInfo(f"Profile {profile}: wrote {n} cells and a trace of {electrodes.n} electrodes "
                          f"({electrodes.span_m:.2f} m).")
        return {self.OUTPUT: dest_id, self.OUTPUT_TRACE: trace_id, "PROFILE_NAME": profile, "N_CELLS": n,
                "N_ELECTRODES": electrodes.n}
