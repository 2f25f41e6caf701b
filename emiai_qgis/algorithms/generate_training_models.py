"""emiai:generatetrainingmodels — ERT section layers → training-set file (+ locations, figures, HTML)."""
from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRange,
    QgsProcessingParameterString,
)

from emiai_core.model_generation import MAX_NMODELS

from .base import EmiAIAlgorithm

DISTRIBUTIONS = ("normal", "uniform", "lognormal")  # the option order: index = parameter value
DISTRIBUTION_OPTIONS = (
    "Reference: truncated normal in resistivity (can exceed what the section shows)",
    "Reference: uniform between the envelopes, in resistivity",
    "Log resistivity, kept within the resistivities measured in the box (recommended)",
)
SMOOTHERS = ("none", "convolve", "savgol")
#: Parameters that are also keys of the reference config.json / the settings file.
SETTINGS_KEYS = (
    "DEPTH", "NMODELS", "NEXTRACTION_RANGE", "SEED", "RANDOM_SHARE", "SIDE_SKIP", "EXTRACTION_WIDTH_SCALER",
    "LAYER_EDGES", "LAYER_EDGES_6", "LAYER_EDGES_4", "DEEP_LAYER_EDGES", "TOTAL_OFFSET", "N0_THICKNESS", "N0_OFFSET",
    "N0_SCALER", "NEND_SCALER", "RESTRICT_NEND", "DISTRIBUTION", "RANDOM_CORR_LENGTH", "SMOOTHER", "SMOOTHER_NPOINTS",
    "SMOOTHER_ORDER", "SMOOTHER_APPLY_ALL", "BOUNDS", "EXAG_FACTORS", "REVERSE", "ER_PLOT_RANGE")
FIGURE_CHOICES = ("none", "sections", "all")


def summarise_notes(notes, show: int = 4) -> list:
    """Notes of the generator with the per-box ones ('profile P: box at 12.30 m: 2 empty layer(s)
    filled by interpolation') merged per message: 'profile P: 2 empty layer(s) … — 7 boxes (at 12.30,
    15.10, 18.00, 21.40 m, …)'."""
    import re

    merged, order = {}, []
    for n in notes:
        m = re.match(r"^(?P<head>.*?)box at (?P<pos>-?[\d.]+) m: (?P<what>.*)$", n)
        key = (m["head"], m["what"]) if m else (n, None)
        if key not in merged:
            merged[key] = []
            order.append(key)
        if m:
            merged[key].append(m["pos"])
    out = []
    for head, what in order:
        pos = merged[(head, what)]
        if what is None:
            out.append(head)
        elif len(pos) == 1:
            out.append(f"{head}box at {pos[0]} m: {what}")
        else:
            more = ", …" if len(pos) > show else ""
            out.append(f"{head}{what} — {len(pos)} boxes (at {', '.join(pos[:show])}{more} m)")
    return out


def _fmt_list(values, sep=", ") -> str:
    return sep.join(f"{v:g}" for v in values)


class GenerateTrainingModelsAlgorithm(EmiAIAlgorithm):
    """ERT cell layers + profile traces → synthetic 1-D training models (reference Stage 1, fixed)."""

    SECTIONS = "SECTIONS"
    TRACES = "TRACES"
    SETTINGS_FILE = "SETTINGS_FILE"
    DEPTH = "DEPTH"
    NMODELS = "NMODELS"
    NEXTRACTION_RANGE = "NEXTRACTION_RANGE"
    SIDE_SKIP = "SIDE_SKIP"
    EXTRACTION_WIDTH_SCALER = "EXTRACTION_WIDTH_SCALER"
    LAYER_EDGES = "LAYER_EDGES"
    LAYER_EDGES_6 = "LAYER_EDGES_6"
    LAYER_EDGES_4 = "LAYER_EDGES_4"
    DEEP_LAYER_EDGES = "DEEP_LAYER_EDGES"
    TOTAL_OFFSET = "TOTAL_OFFSET"
    N0_THICKNESS = "N0_THICKNESS"
    N0_OFFSET = "N0_OFFSET"
    N0_SCALER = "N0_SCALER"
    NEND_SCALER = "NEND_SCALER"
    RESTRICT_NEND = "RESTRICT_NEND"
    DISTRIBUTION = "DISTRIBUTION"
    SMOOTHER = "SMOOTHER"
    SMOOTHER_NPOINTS = "SMOOTHER_NPOINTS"
    SMOOTHER_ORDER = "SMOOTHER_ORDER"
    SMOOTHER_APPLY_ALL = "SMOOTHER_APPLY_ALL"
    BOUNDS = "BOUNDS"
    EXAG_FACTORS = "EXAG_FACTORS"
    REVERSE = "REVERSE"
    ER_PLOT_RANGE = "ER_PLOT_RANGE"
    SEED = "SEED"
    RANDOM_SHARE = "RANDOM_SHARE"
    RANDOM_CORR_LENGTH = "RANDOM_CORR_LENGTH"
    FIGURES = "FIGURES"
    OUTPUT = "OUTPUT"
    OUTPUT_LOCATIONS = "OUTPUT_LOCATIONS"
    OUTPUT_FOLDER = "OUTPUT_FOLDER"
    OUTPUT_HTML = "OUTPUT_HTML"

    ID = "generatetrainingmodels"
    DISPLAY_NAME = "Generate training models"
    GROUP = "Training"
    GROUP_ID = "training"
    HELP = (
        "Draws synthetic 1-D resistivity models from ERT sections, the training data of the emiAI "
        "networks (the TU Wien emiAI Stage 1, with its known weaknesses fixed).<br><br>"
        "<b>Inputs</b>: the <i>ERT cells</i> layers of 'Import ERT section' (fields profile, "
        "distance_m, depth_m, resistivity_ohmm; several profiles may share a layer) and their "
        "<i>Profile trace</i> layers (electrode positions: vertex M = along-line distance, Z = "
        "elevation), matched by the profile field.<br>"
        "<b>Per profile</b>: box width = mean electrode spacing × EXTRACTION_WIDTH_SCALER; "
        "SIDE_SKIP electrodes are skipped at <i>both</i> ends and whole boxes must fit in the rest; "
        "a number of boxes from NEXTRACTION_RANGE is placed uniformly without overlap (fewer, with a "
        "note, if they do not fit). In each box the cells between the ground surface and the deepest "
        "edge are binned by depth below the <i>local</i> surface (mean and population std of "
        "resistivity + TOTAL_OFFSET per layer; empty layers interpolated); N0_OFFSET is added to the "
        "top layer; the means are smoothed (SMOOTHER); the top std is scaled by N0_SCALER, the last "
        "by NEND_SCALER. NMODELS models are then drawn per box from a truncated normal "
        "pushing each layer towards the trend of the next deeper layer by up to "
        "EXAG_FACTORS [k_down, k_up] × std, each followed by its reverse partner (REVERSE), all within "
        "BOUNDS (Ω·m). The first model of a box is the smoothed average.<br>"
        "<b>How layer values are drawn</b> (new default): the random step is taken in log resistivity, "
        "its size set by the spread of the log resistivities of the layer's cells, and no value goes "
        "beyond the lowest or highest resistivity measured anywhere in the box. The reference drew in "
        "resistivity itself (still selectable, with the same results as before for the same seed); "
        "that can give layers many times more conductive than any cell of the section.<br>"
        "<b>Smooth random models</b> (default 20 %): this share of every box's models is replaced by "
        "smooth random depth profiles (all layers, including those below DEPTH): smooth curves of log "
        "conductivity with a random trend with depth, up or down, each kept within the lowest and "
        "highest conductivity found in the boxes of its profile. They broaden the training data "
        "beyond small changes of the box averages; the number of models per box stays the same. "
        "Each random model gets a correlation length between the two given values: short lengths "
        "give wiggly profiles, long ones nearly straight ones. 0 = none. For the reference behaviour "
        "choose the reference drawing and a share of 0.<br>"
        "<b>Layerings</b>: LAYER_EDGES is the target layering (its last edge must equal DEPTH); "
        "LAYER_EDGES_6 and LAYER_EDGES_4 (any edges; empty = skip) are resampled from it as "
        "thickness-weighted means of conductivity; DEEP_LAYER_EDGES (from DEPTH down; empty = none) "
        "are extra layers drawn the same way from the same boxes, kept so that forward responses "
        "include the ground below DEPTH. N0_THICKNESS is the minimum thickness of the top model "
        "layer: target layers starting shallower than it are drawn as one unit.<br>"
        "<b>Settings file</b>: an optional JSON with the reference config.json keys (plus SEED, "
        "DEEP_LAYER_EDGES, RANDOM_SHARE, RANDOM_CORR_LENGTH; DISTRIBUTION may be \"normal\", "
        "\"uniform\" or \"lognormal\"); its keys override the parameters. Keys starting with '_' and "
        "PATH_DATA/PATH_OUT are ignored, FID_LIST selects and orders profiles, unknown keys are an "
        "error. The shipped reference data used NMODELS 140, NEXTRACTION_RANGE [8, 10], "
        "EXAG_FACTORS [5, 10], N0_SCALER 1.5.<br>"
        "<b>SEED</b>: the same inputs and seed give a byte-identical training set; each profile has "
        "its own random stream, so adding a profile leaves the others' models unchanged.<br><br>"
        "Outputs: the <b>training set</b> (.npz with a JSON header: EC in S/m per layering as "
        "ec_L12, ec_L6, ec_L4, ec_deep, plus profile, location and map position of every model for "
        "grouped train/test splits); the <b>extraction locations</b> (points: profile, distance, "
        "models drawn and the average model per layer in mS/m); <b>figures</b> (section with the "
        "boxes, binned data and model fan per box) and an <b>HTML summary</b>."
    )

    def shortHelpString(self):  # noqa: N802
        """The help, then which settings-file key belongs to which parameter (the help names keys)."""
        rows = "".join(f"<li>{self.tr(p.description())}: <code>{p.name()}</code></li>"
                       for p in self.parameterDefinitions() if p.name() in SETTINGS_KEYS)
        return (super().shortHelpString() + "<br><br><b>Parameters and their settings-file keys</b> (the "
                "capitalised names above; also the ids for qgis_process):<ul>" + rows + "</ul>")

    def initAlgorithm(self, config=None):  # noqa: N802
        from emiai_core.model_generation import CHANGED_DEFAULTS, EXTRA_DEFAULTS, REFERENCE_DEFAULTS as R

        adv = QgsProcessingParameterDefinition.FlagAdvanced
        # Range parameters are flagged optional only because QGIS 3.22 rejects a missing range value
        # instead of using its default; an empty value means the reference default.

        def add(param, advanced=True):
            if advanced:
                param.setFlags(param.flags() | adv)
            self.addParameter(param)

        add(QgsProcessingParameterMultipleLayers(
            self.SECTIONS, "ERT cell layers (from 'Import ERT section')", QgsProcessing.TypeVectorPoint), False)
        add(QgsProcessingParameterMultipleLayers(
            self.TRACES, "Profile trace layers (from 'Import ERT section')", QgsProcessing.TypeVectorLine), False)
        add(QgsProcessingParameterFile(
            self.SETTINGS_FILE, "Settings file (JSON with reference config.json keys; overrides the parameters)",
            extension="json", optional=True), False)
        add(QgsProcessingParameterNumber(
            self.DEPTH, "Depth of the target models (m)", QgsProcessingParameterNumber.Double,
            defaultValue=R["DEPTH"], minValue=0.01), False)
        add(QgsProcessingParameterNumber(
            self.NMODELS, "Models drawn per box and direction", QgsProcessingParameterNumber.Integer,
            defaultValue=R["NMODELS"], minValue=1, maxValue=MAX_NMODELS), False)
        add(QgsProcessingParameterRange(
            self.NEXTRACTION_RANGE, "Boxes per profile (min, max)",
            QgsProcessingParameterNumber.Integer, defaultValue=_fmt_list(R["NEXTRACTION_RANGE"], ","),
            optional=True), False)
        add(QgsProcessingParameterNumber(
            self.SEED, "Random seed", QgsProcessingParameterNumber.Integer,
            defaultValue=EXTRA_DEFAULTS["SEED"], minValue=0), False)
        share = QgsProcessingParameterNumber(
            self.RANDOM_SHARE, "Share of smooth random models (0–1)", QgsProcessingParameterNumber.Double,
            defaultValue=EXTRA_DEFAULTS["RANDOM_SHARE"], minValue=0.0, maxValue=1.0)
        share.setHelp("Part of every box's models replaced by smooth random depth profiles of log conductivity "
                      "with a random trend with depth (up or down), kept within the lowest and highest "
                      "conductivity measured in the boxes of the profile. 0 = none (as the reference); "
                      "the number of models per box stays the same.")
        add(share, False)
        add(QgsProcessingParameterNumber(
            self.SIDE_SKIP, "Electrodes skipped at each end", QgsProcessingParameterNumber.Integer,
            defaultValue=R["SIDE_SKIP"], minValue=0))
        add(QgsProcessingParameterNumber(
            self.EXTRACTION_WIDTH_SCALER, "Box width (electrode spacings)",
            QgsProcessingParameterNumber.Double, defaultValue=R["EXTRACTION_WIDTH_SCALER"], minValue=0.0))
        add(QgsProcessingParameterString(
            self.LAYER_EDGES, "Target layer edges (m, comma separated, from 0 to the depth)",
            defaultValue=_fmt_list(R["LAYER_EDGES"])))
        add(QgsProcessingParameterString(
            self.LAYER_EDGES_6, "First coarser layering (m; empty = none)",
            defaultValue=_fmt_list(R["LAYER_EDGES_6"]), optional=True))
        add(QgsProcessingParameterString(
            self.LAYER_EDGES_4, "Second coarser layering (m; empty = none)",
            defaultValue=_fmt_list(R["LAYER_EDGES_4"]), optional=True))
        add(QgsProcessingParameterString(
            self.DEEP_LAYER_EDGES, "Extra layers below the depth (m, from the depth; empty = none)",
            defaultValue=_fmt_list(EXTRA_DEFAULTS["DEEP_LAYER_EDGES"]), optional=True))
        for name, label, key in ((self.TOTAL_OFFSET, "Offset added to every resistivity (Ω·m)", "TOTAL_OFFSET"),
                                 (self.N0_THICKNESS, "Minimum top-layer thickness (m)", "N0_THICKNESS"),
                                 (self.N0_OFFSET, "Offset added to the top-layer mean (Ω·m)", "N0_OFFSET"),
                                 (self.N0_SCALER, "Top-layer spread factor", "N0_SCALER"),
                                 (self.NEND_SCALER, "Last-layer spread factor", "NEND_SCALER")):
            add(QgsProcessingParameterNumber(name, label, QgsProcessingParameterNumber.Double,
                                             defaultValue=float(R[key])))
        add(QgsProcessingParameterBoolean(
            self.RESTRICT_NEND, "Last layer follows the trend of the layer above",
            defaultValue=R["RESTRICT_NEND"]))
        dist = QgsProcessingParameterEnum(
            self.DISTRIBUTION, "How layer values are drawn around the box average", options=list(DISTRIBUTION_OPTIONS),
            defaultValue=DISTRIBUTIONS.index(CHANGED_DEFAULTS["DISTRIBUTION"]))
        dist.setHelp("Recommended: random steps in log resistivity, sized by the spread of the log resistivities "
                     "of the layer's cells and never beyond the lowest or highest resistivity measured in the box. "
                     "The two reference choices draw in resistivity itself and give the same models as before "
                     "for the same seed; they can produce layers far more conductive than any cell of the section.")
        add(dist)
        corr = QgsProcessingParameterRange(
            self.RANDOM_CORR_LENGTH, "Depth correlation length of the smooth random models (m, min–max)",
            QgsProcessingParameterNumber.Double, defaultValue=_fmt_list(EXTRA_DEFAULTS["RANDOM_CORR_LENGTH"], ","),
            optional=True)
        corr.setHelp("Each smooth random model takes a length between these two values: over about this depth "
                     "its values stay alike. Short lengths give wiggly profiles, long ones nearly straight ones.")
        add(corr)
        add(QgsProcessingParameterEnum(
            self.SMOOTHER, "Smoother of the mean profile", options=list(SMOOTHERS),
            defaultValue=SMOOTHERS.index(R["SMOOTHER"]["smoother"])))
        add(QgsProcessingParameterNumber(
            self.SMOOTHER_NPOINTS, "Smoother window (points)", QgsProcessingParameterNumber.Integer,
            defaultValue=R["SMOOTHER"]["npoints"], minValue=1))
        add(QgsProcessingParameterNumber(
            self.SMOOTHER_ORDER, "Smoother order (Savitzky-Golay)", QgsProcessingParameterNumber.Integer,
            defaultValue=R["SMOOTHER"]["order"], minValue=0))
        add(QgsProcessingParameterBoolean(
            self.SMOOTHER_APPLY_ALL, "Also smooth every drawn model",
            defaultValue=R["SMOOTHER"]["apply_all"]))
        add(QgsProcessingParameterRange(
            self.BOUNDS, "Resistivity limits (Ω·m)", QgsProcessingParameterNumber.Double,
            defaultValue=_fmt_list(R["BOUNDS"], ","), optional=True))
        add(QgsProcessingParameterString(
            self.EXAG_FACTORS, "Push towards the trend: down, up (standard deviations)",
            defaultValue=_fmt_list(R["EXAG_FACTORS"])))
        add(QgsProcessingParameterBoolean(
            self.REVERSE, "Add the reverse partner of every model", defaultValue=R["REVERSE"]))
        add(QgsProcessingParameterRange(
            self.ER_PLOT_RANGE, "Colour limits of the section figure (Ω·m)",
            QgsProcessingParameterNumber.Double, defaultValue=_fmt_list(R["ER_PLOT_RANGE"], ","), optional=True))
        add(QgsProcessingParameterEnum(
            self.FIGURES, "Figures", options=["None", "Sections with the boxes",
                                              "Sections, and binned data and model fan of every box (~0.6 s per box)"],
            defaultValue=1), False)
        add(QgsProcessingParameterFileDestination(
            self.OUTPUT, "Training set", "emiAI training set (*.npz)"), False)
        add(QgsProcessingParameterFeatureSink(
            self.OUTPUT_LOCATIONS, "Extraction locations", QgsProcessing.TypeVectorPoint), False)
        add(QgsProcessingParameterFolderDestination(
            self.OUTPUT_FOLDER, "Figure folder", optional=True, createByDefault=True), False)
        add(QgsProcessingParameterFileDestination(
            self.OUTPUT_HTML, "Summary", "HTML files (*.html)", optional=True, createByDefault=True), False)
        self.addOutput(QgsProcessingOutputNumber("N_MODELS", "Models"))
        self.addOutput(QgsProcessingOutputNumber("N_LOCATIONS", "Extraction locations"))
        self.addOutput(QgsProcessingOutputNumber("N_PROFILES", "Profiles"))

    # ------------------------------------------------------------------------------------------
    def _edges(self, parameters, name, context, optional):
        text = (self.parameterAsString(parameters, name, context) or "").strip()
        if not text:
            if optional:
                return None
            raise self.fail(f"{name}: give the layer edges in m, comma separated (e.g. 0, 0.5, 1, 1.5).")
        try:
            return tuple(float(t) for t in text.replace(";", ",").split(",") if t.strip())
        except ValueError:
            raise self.fail(f"{name}: {text!r} is not a comma-separated list of depths in m.") from None

    def _settings(self, parameters, context, feedback):
        from emiai_core.model_generation import GeneratorSettings, GeneratorSettingsError, SmootherSettings

        exag_text = self.parameterAsString(parameters, self.EXAG_FACTORS, context) or ""
        try:
            exag = tuple(float(t) for t in exag_text.replace(";", ",").split(",") if t.strip())
        except ValueError:
            exag = ()
        if len(exag) != 2:
            raise self.fail(f"EXAG_FACTORS: {exag_text!r} must be two numbers 'k_down, k_up' (e.g. 7, 7).")
        nrange = self.parameterAsRange(parameters, self.NEXTRACTION_RANGE, context)
        bounds = self.parameterAsRange(parameters, self.BOUNDS, context)
        plot_range = self.parameterAsRange(parameters, self.ER_PLOT_RANGE, context)
        corr_range = self.parameterAsRange(parameters, self.RANDOM_CORR_LENGTH, context)
        nrange_int = tuple(int(round(v)) for v in nrange)
        settings = GeneratorSettings(
            depth=self.parameterAsDouble(parameters, self.DEPTH, context),
            nmodels=self.parameterAsInt(parameters, self.NMODELS, context),
            nextraction_range=nrange_int,
            side_skip=self.parameterAsInt(parameters, self.SIDE_SKIP, context),
            extraction_width_scaler=self.parameterAsDouble(parameters, self.EXTRACTION_WIDTH_SCALER, context),
            layer_edges=self._edges(parameters, self.LAYER_EDGES, context, False),
            layer_edges_6=self._edges(parameters, self.LAYER_EDGES_6, context, True),
            layer_edges_4=self._edges(parameters, self.LAYER_EDGES_4, context, True),
            deep_layer_edges=self._edges(parameters, self.DEEP_LAYER_EDGES, context, True),
            total_offset=self.parameterAsDouble(parameters, self.TOTAL_OFFSET, context),
            n0_thickness=self.parameterAsDouble(parameters, self.N0_THICKNESS, context),
            n0_offset=self.parameterAsDouble(parameters, self.N0_OFFSET, context),
            n0_scaler=self.parameterAsDouble(parameters, self.N0_SCALER, context),
            nend_scaler=self.parameterAsDouble(parameters, self.NEND_SCALER, context),
            restrict_nend=self.parameterAsBoolean(parameters, self.RESTRICT_NEND, context),
            distribution=DISTRIBUTIONS[self.parameterAsEnum(parameters, self.DISTRIBUTION, context)],
            smoother=SmootherSettings(SMOOTHERS[self.parameterAsEnum(parameters, self.SMOOTHER, context)],
                                      self.parameterAsInt(parameters, self.SMOOTHER_NPOINTS, context),
                                      self.parameterAsInt(parameters, self.SMOOTHER_ORDER, context),
                                      self.parameterAsBoolean(parameters, self.SMOOTHER_APPLY_ALL, context)),
            bounds=tuple(bounds),
            exag_factors=exag,
            reverse=self.parameterAsBoolean(parameters, self.REVERSE, context),
            er_plot_range=tuple(plot_range),
            seed=self.parameterAsInt(parameters, self.SEED, context),
            random_share=self.parameterAsDouble(parameters, self.RANDOM_SHARE, context),
            random_corr_length=tuple(corr_range),
        )
        notes = []
        json_path = self.parameterAsFile(parameters, self.SETTINGS_FILE, context)
        try:
            if json_path:
                settings = GeneratorSettings.from_json(json_path, base=settings, notes=notes)
                feedback.pushInfo(f"Settings file {json_path} applied (its keys override the parameters).")
            settings.validate()
        except GeneratorSettingsError as err:
            prefix = "SETTINGS_FILE: " if json_path else ""
            raise self.fail(f"{prefix}{err}") from None
        for n in notes:
            feedback.pushInfo(n)
        return settings

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        import os
        import shutil
        from pathlib import Path


        from emiai_core.model_generation import GenerationError, GeneratorSettingsError, generate_training_models

        settings = self._settings(parameters, context, feedback)
        cell_layers = self.parameterAsLayerList(parameters, self.SECTIONS, context)
        trace_layers = self.parameterAsLayerList(parameters, self.TRACES, context)
        if not cell_layers:
            raise self.fail("SECTIONS: choose at least one ERT cell layer (output of 'Import ERT section').")
        if not trace_layers:
            raise self.fail("TRACES: choose the profile trace layer(s) of the sections (output 'Profile trace' "
                            "of 'Import ERT section'); they give the electrode positions.")
        figures_mode = FIGURE_CHOICES[self.parameterAsEnum(parameters, self.FIGURES, context)]
        out_path = self.parameterAsFileOutput(parameters, self.OUTPUT, context)
        folder = self.parameterAsFileOutput(parameters, self.OUTPUT_FOLDER, context)
        html_path = self.parameterAsFileOutput(parameters, self.OUTPUT_HTML, context)
        self.check_output_writable(parameters, self.OUTPUT_LOCATIONS, context)
        if not out_path:
            raise self.fail("OUTPUT: give a file name for the training set (.npz).")

        # --- read ----------------------------------------------------------------------------------
        from ..ert_layers import read_ert_profiles

        profiles, crs = read_ert_profiles(self, cell_layers, trace_layers, context, feedback, self.SECTIONS,
                                          self.TRACES)
        self.check_canceled(feedback)

        # --- generate --------------------------------------------------------------------------------
        def progress(frac):
            self.check_canceled(feedback)
            feedback.setProgress(25 + 15 * frac)

        try:
            crs_text = (crs.authid() or crs.toWkt()) if crs is not None and crs.isValid() else None
            result = generate_training_models(profiles, settings, crs=crs_text, progress=progress)
        except (GenerationError, GeneratorSettingsError) as err:
            raise self.fail(str(err)) from None
        ts = result.training_set
        for s in result.profiles:
            feedback.pushInfo(f"{s.profile}: box width {s.width_m:.3f} m, centres allowed {s.usable_m[0]:.2f}–"
                              f"{s.usable_m[1]:.2f} m, {s.n_locations} box(es)")
        for n in summarise_notes(result.notes):
            feedback.pushWarning(n)
        feedback.pushInfo(f"{ts.n_models} models at {len(result.locations)} locations; layerings "
                          + ", ".join(f"{k} ({v.n_layers} layers)" for k, v in ts.layerings.items()))

        # --- figures into a temporary folder first -------------------------------------------------
        from emiai_core.figures_training import write_figures, write_html_summary

        fig_dir = None
        if figures_mode != "none":
            if folder:
                fig_dir = Path(folder)
            elif html_path:
                fig_dir = Path(html_path).with_name(Path(html_path).stem + "_figures")
            else:
                feedback.pushInfo("No figure folder or summary requested: figures are not drawn.")
        # every file goes to a temporary name (figures to a hidden folder) and is moved in place only
        # after the locations layer was written: a failing run leaves earlier outputs as they were
        from emiai_core.atomic import stage_dir, staged_files
        from emiai_core.training_set import save_training_set

        figures, tmp_dir = {}, None
        try:
            with staged_files([out_path] + ([html_path] if html_path else [])) as staged:
                if fig_dir is not None:
                    fig_dir.mkdir(parents=True, exist_ok=True)
                    tmp_dir = stage_dir(fig_dir, "figures")

                    def fig_progress(frac):
                        self.check_canceled(feedback)
                        feedback.setProgress(40 + 50 * frac)

                    tmp_figs = write_figures(result, tmp_dir, per_location=(figures_mode == "all"),
                                             progress=fig_progress)
                    figures = {prof: [fig_dir / Path(p).name for p in paths] for prof, paths in tmp_figs.items()}
                self.check_canceled(feedback)
                save_training_set(staged[out_path], ts)
                if html_path:
                    write_html_summary(staged[html_path], result, out_path, figures)
                feedback.setProgress(92)
                dest_id = self._write_locations(parameters, context, result, crs)
                self.check_canceled(feedback)
                if tmp_dir is not None:
                    for prof, paths in tmp_figs.items():
                        for p in paths:
                            os.replace(p, fig_dir / Path(p).name)
        finally:
            if tmp_dir is not None:
                shutil.rmtree(tmp_dir, ignore_errors=True)
        feedback.setProgress(100)
        return {self.OUTPUT: out_path, self.OUTPUT_LOCATIONS: dest_id,
                self.OUTPUT_FOLDER: str(fig_dir) if fig_dir is not None else None,
                self.OUTPUT_HTML: html_path or None, "N_MODELS": ts.n_models,
                "N_LOCATIONS": len(result.locations), "N_PROFILES": len(result.profiles)}

    def _write_locations(self, parameters, context, result, crs):
        import numpy as np
        from qgis.core import QgsWkbTypes

        from emiai_core.fields import layer_field_names

        from ..layer_io import double_field, fields_of, int_field, make_field, write_points

        ts = result.training_set
        edges = result.settings.full_edges
        fields = fields_of([
            int_field("location_id", "location_id in the training set"),
            make_field("profile", "string", length=64),
            double_field("distance_m", "box centre, distance along the line (m)"),
            double_field("surface_elevation_m", "ground elevation at the box centre (m a.s.l.)"),
            double_field("width_m", "box width (m)"),
            int_field("n_cells", "ERT cells in the box (surface to the deepest edge)"),
            int_field("n_models", "models drawn here, including the average model"),
            int_field("first_row", "row of the location's average model in the training set")]
            + [double_field(name, "EC of the smoothed average model (mS/m)") for name in layer_field_names(edges)])
        sink, dest_id = self.parameterAsSink(parameters, self.OUTPUT_LOCATIONS, context, fields,
                                             QgsWkbTypes.Point, crs)
        if sink is None:
            raise self.invalidSinkError(parameters, self.OUTPUT_LOCATIONS)
        rows, row = [], 0
        for loc in result.locations:
            rows.append([loc.location_id, loc.profile, loc.distance_m, loc.surface_elevation_m, loc.width_m,
                         int(len(loc.cell_index)), int(len(loc.models_ohmm)), row]
                        + [1000.0 / float(v) for v in loc.model_mean_ohmm])
            row += len(loc.models_ohmm)
        write_points(sink, fields, np.array([loc.x for loc in result.locations], dtype=float),
                     np.array([loc.y for loc in result.locations], dtype=float), rows)
        assert row == ts.n_models
        return dest_id
