"""ERT section layers (as 'Import ERT section' writes them) -> model_generation.ProfileCells.

Shared by the algorithms that read ERT cells and their profile traces (generatetrainingmodels,
calibrateeca). Errors name the parameter they concern.
"""
import numpy as np


def read_cells(alg, layers, feedback, param="SECTIONS", progress_span=(0.0, 25.0)):
    """{profile: dict of arrays} from the cell layers."""
    import numpy as np
    from qgis.core import QgsVectorLayer

    from emiai_core.fields import ERT_CELL_REQUIRED

    from .layer_io import read_attribute_rows

    out = {}
    total = sum(max(lay.featureCount(), 0) for lay in layers) or 1
    done = 0
    for lay in layers:
        if not isinstance(lay, QgsVectorLayer):
            raise alg.fail(f"{param}: {lay.name()} is not a vector layer.")
        names = lay.fields().names()
        missing = [f for f in ERT_CELL_REQUIRED if f not in names]
        if missing:
            raise alg.fail(
                f"{param}: layer '{lay.name()}' has no field(s) {', '.join(missing)} (it has {', '.join(names)}). "
                "Use the 'ERT cells' output of 'Import ERT section', which measures depth_m below the ground "
                "surface.")
        for f in ERT_CELL_REQUIRED[1:]:
            if not lay.fields().field(f).isNumeric():
                raise alg.fail(f"{param}: field {f} of layer '{lay.name()}' is not numeric.")
        wanted = list(ERT_CELL_REQUIRED) + (["elevation_m"] if "elevation_m" in names else [])
        rows = {}
        def progress(k, done=done):
            feedback.setProgress(progress_span[0] + progress_span[1] * (done + k) / total)

        for a in read_attribute_rows(lay, wanted, feedback, progress):
            rows.setdefault(str(a[0]), []).append(a[1:])
        done += max(lay.featureCount(), 0)
        for prof, vals in rows.items():
            if prof in out:
                raise alg.fail(f"{param}: profile {prof} appears in more than one layer "
                               f"(again in '{lay.name()}'); give each profile once.")
            try:
                arr = np.array([[np.nan if v is None else float(v) for v in r] for r in vals], dtype=float)
            except (TypeError, ValueError):
                raise alg.fail(f"{param}: layer '{lay.name()}', profile {prof}: non-numeric values in "
                               f"{', '.join(wanted[1:])}.") from None
            bad = ~np.all(np.isfinite(arr[:, :3]), axis=1)
            if np.any(bad):
                raise alg.fail(f"{param}: layer '{lay.name()}', profile {prof}: {int(bad.sum())} cell(s) have "
                               "empty distance_m, depth_m or resistivity_ohmm. Re-import the section.")
            out[prof] = {"distance_m": arr[:, 0], "depth_m": arr[:, 1], "resistivity_ohmm": arr[:, 2],
                         "elevation_m": arr[:, 3] if arr.shape[1] > 3 else None, "layer": lay.name()}
    if not out:
        raise alg.fail(f"{param}: the layers hold no cells.")
    return out


def read_traces(alg, layers, context, feedback, param="TRACES", dest_crs=None):
    """({profile: (x, y, z, m)}, crs) from the trace layers, in dest_crs (default: the first layer's CRS)."""
    import numpy as np
    from qgis.core import QgsVectorLayer

    from .layer_io import read_lines

    out, crs = {}, dest_crs
    for lay in layers:
        if not isinstance(lay, QgsVectorLayer):
            raise alg.fail(f"{param}: {lay.name()} is not a vector layer.")
        from qgis.core import QgsWkbTypes

        if lay.geometryType() != QgsWkbTypes.LineGeometry:
            raise alg.fail(f"{param}: layer '{lay.name()}' is not a line layer; use the 'Profile trace' output of "
                           "'Import ERT section' (a line along the electrodes).")
        if "profile" not in lay.fields().names():
            raise alg.fail(f"{param}: layer '{lay.name()}' has no 'profile' field; use the 'Profile trace' "
                           "output of 'Import ERT section'.")
        if crs is None:
            crs = lay.crs()
        for line in read_lines(lay, crs, context.transformContext()):
            prof = str(line.attributes["profile"])
            if line.n_parts == 0:
                raise alg.fail(f"{param}: the trace of profile {prof} in '{lay.name()}' has no geometry.")
            if line.n_parts > 1:
                raise alg.fail(f"{param}: the trace of profile {prof} has {line.n_parts} parts; "
                               "expected one line.")
            v = line.vertices
            if not np.any(np.isfinite(v[:, 3])):
                try:  # NULL / missing field: the line starts at electrode 1
                    first = float(line.attributes.get("first_distance_m"))
                except (TypeError, ValueError):
                    first = 0.0
                v[:, 3] = first + np.r_[0.0, np.cumsum(np.hypot(np.diff(v[:, 0]), np.diff(v[:, 1])))]
                feedback.pushWarning(f"{param}: profile {prof}: the trace has no M values; electrode distances "
                                     "are taken as distances along the line.")
            if prof in out:
                raise alg.fail(f"{param}: profile {prof} has more than one trace; give one per profile.")
            out[prof] = v
    return out, crs


def read_ert_profiles(alg, cell_layers, trace_layers, context, feedback, sections_param="SECTIONS",
                      traces_param="TRACES", progress_span=(0.0, 25.0), dest_crs=None):
    """(list of ProfileCells, CRS of the map coordinates) from cell and trace layers; traces are
    transformed to ``dest_crs`` (default: the first trace layer's CRS). ``alg`` raises via alg.fail."""
    from emiai_core.model_generation import GenerationError, ProfileCells

    cells = read_cells(alg, cell_layers, feedback, sections_param, progress_span)
    traces, crs = read_traces(alg, trace_layers, context, feedback, traces_param, dest_crs)
    profiles = []
    for prof, c in cells.items():
        if prof not in traces:
            raise alg.fail(f"{traces_param}: no trace for profile {prof} (cells from layer '{c['layer']}'). Add the "
                           f"'Profile trace' layer that 'Import ERT section' wrote with the cells of {prof}.")
        v = traces[prof]
        order = np.argsort(v[:, 3], kind="stable")
        v = v[order]
        if np.any(np.diff(v[:, 3]) <= 0):
            raise alg.fail(f"{traces_param}: profile {prof}: the electrode distances (M values) repeat; the trace "
                           "must have one vertex per electrode with increasing distance.")
        elev = v[:, 2]
        if not np.all(np.isfinite(elev)):
            if c["elevation_m"] is not None:
                surf = c["elevation_m"] + c["depth_m"]
                o = np.argsort(c["distance_m"])
                elev = np.interp(v[:, 3], c["distance_m"][o], surf[o])
            else:
                elev = np.zeros(len(v))
        try:
            profiles.append(ProfileCells(prof, c["distance_m"], c["depth_m"], c["resistivity_ohmm"], v[:, 3],
                                         elev, v[:, 0], v[:, 1], c["elevation_m"]))
        except GenerationError as err:
            raise alg.fail(f"{sections_param}: {err}") from None
        lo, hi = float(c["distance_m"].min()), float(c["distance_m"].max())
        span = v[-1, 3] - v[0, 3]
        if lo < v[0, 3] - 0.5 * span or hi > v[-1, 3] + 0.5 * span:
            raise alg.fail(f"{traces_param}: profile {prof}: the cells reach {lo:.1f}–{hi:.1f} m along the line "
                           f"but the trace's electrodes span {v[0, 3]:.1f}–{v[-1, 3]:.1f} m; the trace does not belong "
                           "to these cells.")
    unused = sorted(set(traces) - set(cells))
    if unused:
        feedback.pushInfo(f"Traces without cells (ignored): {', '.join(unused)}")
    feedback.pushInfo(f"{len(profiles)} profile(s): " + ", ".join(
        f"{p.profile} ({len(p.distance_m)} cells, {len(p.electrode_distance_m)} electrodes)" for p in profiles))
    return profiles, crs
