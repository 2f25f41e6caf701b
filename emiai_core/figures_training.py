"""Figures and HTML summary of a training-model generation (reference section 6.1, bugs fixed).

Per profile ``<P>_section.png``: the ERT section (cell centres coloured by resistivity, limits
ER_PLOT_RANGE) with the electrodes and the *real* extraction boxes (following the surface, down to
the deepest layer edge; the reference drew the selected cells' extent down to the mesh bottom), and
a zoom on the top metres where the boxes are visible. Per location ``<P>_locNN_data.png``: the
extracted resistivities against depth with the layer edges, the raw bin mean ± 2 std band, the raw
bin means and the pre-processed mean the models were drawn around, plus the binned column; and
``<P>_locNN_models.png``: the model fan (average, envelopes, forward models red, reverse partners
cyan, smooth random models grey). Files are named by profile and location number (the reference
numbered by globbing existing files, so reruns appended). Figures use matplotlib's object API with
the Agg canvas: nothing global is changed and every figure is released.
"""
from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np

from .atomic import write_text


def _figure(w, h, constrained=False):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(w, h), layout="constrained" if constrained else None)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path, dpi):
    fig.savefig(str(path), dpi=dpi, metadata={"Software": None})
    fig.clear()


def _step(values, edges):
    """(x, y) of a step profile: value per layer against -depth."""
    v = np.repeat(np.asarray(values, float), 2)
    d = np.repeat(np.asarray(edges, float), 2)[1:-1]
    return v, -d


def plot_section(cells, locations, settings, path, dpi=150):
    """The section with electrodes and extraction boxes (full depth and a zoom on the top)."""
    from matplotlib.colors import Normalize
    from matplotlib.patches import Polygon

    lo, hi = settings.er_plot_range
    norm = Normalize(lo, hi)
    max_depth = settings.max_depth
    ed, ez = cells.electrode_distance_m, cells.electrode_elevation_m
    fig = _figure(9.0, 7.2, constrained=True)
    axes = fig.subplots(2, 1, gridspec_kw={"height_ratios": [1.1, 1.0]})
    zoom_depth = max_depth + 1.0
    for k, ax in enumerate(axes):
        sel = slice(None) if k == 0 else cells.depth_m <= zoom_depth + 0.5
        sc = ax.scatter(cells.distance_m[sel], cells.elevation_m[sel], c=cells.resistivity_ohmm[sel],
                        s=2.0 if k == 0 else 5.0, marker="s", linewidths=0, cmap="viridis", norm=norm,
                        rasterized=True)
        ax.plot(ed, ez, "k.", ms=3, label="electrodes")
        for j, loc in enumerate(locations, start=1):
            xa = np.linspace(loc.distance_m - loc.width_m / 2, loc.distance_m + loc.width_m / 2, 8)
            top = np.interp(xa, ed, ez)
            poly = np.r_[np.c_[xa, top], np.c_[xa[::-1], top[::-1] - max_depth]]
            ax.add_patch(Polygon(poly, closed=True, fill=False, ec="red", lw=0.9))
            ax.text(loc.distance_m, top.max() + (0.25 if k else 1.0), str(j), ha="center", va="bottom",
                    fontsize=7, color="red")
        ax.set_xlabel("Distance along the line [m]")
        ax.set_ylabel("Elevation [m a.s.l.]")
        ax.grid(ls=":", lw=0.5)
        if k == 1:
            surf = np.interp(cells.distance_m, ed, ez)
            ax.set_ylim(float((surf - zoom_depth).min()), float(ez.max() + 0.8))
            ax.set_title(f"Top {zoom_depth:g} m: boxes to {max_depth:g} m below the surface", fontsize=9)
        else:
            ax.set_ylim(top=float(ez.max() + 2.0))
            ax.set_title(f"{cells.profile}: {len(locations)} extraction boxes", fontsize=10)
    cb = fig.colorbar(sc, ax=list(axes), shrink=0.8, extend="both")
    cb.set_label("|ρ| [Ωm]")
    _save(fig, path, dpi)
    return path


def plot_location_data(cells, loc, number, settings, path, dpi=100):
    """Extracted resistivity against depth with bins, raw statistics and the drawn-around mean."""
    from matplotlib.colors import Normalize

    edges = settings.full_edges
    depth = cells.depth_m[loc.cell_index]
    rho = cells.resistivity_ohmm[loc.cell_index]
    fig = _figure(6.2, 5.5)
    ax = fig.add_axes([0.11, 0.09, 0.52, 0.85])
    ax2 = fig.add_axes([0.68, 0.09, 0.12, 0.85])
    cax = fig.add_axes([0.82, 0.09, 0.03, 0.85])
    if len(rho):
        vmin, vmax = float(rho.min()), float(rho.max())
    else:
        vmin, vmax = settings.er_plot_range
    norm = Normalize(vmin, vmax if vmax > vmin else vmin + 1)
    ax.scatter(rho, -depth, c=rho, cmap="viridis", norm=norm, s=8, zorder=3)
    mean, std = loc.bin_mean_ohmm, loc.bin_std_ohmm
    ok = np.isfinite(mean)
    for i in np.flatnonzero(ok):
        s = std[i] if np.isfinite(std[i]) else 0.0
        ax.fill_betweenx([-edges[i + 1], -edges[i]], mean[i] - 2 * s, mean[i] + 2 * s, color="0.85", lw=0)
    x, y = _step(np.where(ok, mean, np.nan), edges)
    ax.plot(x, y, "k--", lw=1.0, label="bin mean (raw)")
    x, y = _step(loc.model_mean_ohmm, edges)
    ax.plot(x, y, color="C3", lw=1.4, label="smoothed mean (drawn around)")
    xmin = np.nanmin(np.r_[rho, mean[ok] - 2 * np.nan_to_num(std[ok])]) if len(rho) else 0.0
    ax.plot(np.full(len(edges), xmin), -edges, ">", color="k", ms=4, label="layer edges")
    if settings.deep_layer_edges:
        ax.axhline(-settings.depth, color="0.4", lw=0.8, ls=":")
    ax.set_ylim(-edges[-1], 0)
    ax.set_xlabel("ρ [Ωm]")
    ax.set_ylabel("Depth below the surface [m]")
    ax.legend(fontsize=7, loc="lower left")
    ax.grid(ls=":", lw=0.5)
    ax.set_title(f"{cells.profile} box {number} at {loc.distance_m:.2f} m ({len(rho)} cells)", fontsize=9)
    from matplotlib.cm import ScalarMappable
    from matplotlib.patches import Rectangle

    cmap = ScalarMappable(norm=norm, cmap="viridis")
    for i in range(len(edges) - 1):
        val = loc.model_mean_ohmm[i]
        ax2.add_patch(Rectangle((0, -edges[i + 1]), 1, edges[i + 1] - edges[i], color=cmap.to_rgba(val)))
    ax2.set_xlim(0, 1)
    ax2.set_ylim(-edges[-1], 0)
    ax2.set_xticks([])
    ax2.set_yticklabels([])
    ax2.set_xlabel("Model\nvalues")
    fig.colorbar(cmap, cax=cax, label="ρ [Ωm]")
    _save(fig, path, dpi)
    return path


def plot_model_fan(cells, loc, number, settings, path, dpi=100, max_lines=400):
    """The drawn models of one location as step lines (forward red, reverse cyan, random grey)."""
    from matplotlib.collections import LineCollection

    edges = settings.full_edges
    fig = _figure(3.8, 5.5)
    ax = fig.add_axes([0.2, 0.09, 0.75, 0.85])
    models, kind = loc.models_ohmm, loc.model_kind
    step = max(1, int(np.ceil((len(models) - 1) / max_lines)))
    labels = {1: "forward models", 2: "reverse partners", 3: "smooth random models"}
    for k, color, ls in ((3, "0.6", "-"), (1, "red", "--"), (2, "cyan", "-")):
        rows = np.flatnonzero(kind == k)[::step]
        segs = [np.column_stack(_step(models[r], edges)) for r in rows]
        if segs:
            ax.add_collection(LineCollection(segs, colors=color, linewidths=0.3, linestyles=ls, alpha=0.6,
                                             label=labels[k]))
    kd, ku = settings.exag_factors
    m, s = loc.model_mean_ohmm, loc.model_std_ohmm
    lo, hi = settings.bounds
    envelopes = (np.maximum(m - kd * s, lo), np.minimum(m + ku * s, hi))
    if getattr(loc, "model_std_log10", None) is not None and getattr(loc, "limits_ohmm", None) is not None:
        s_log, lim = loc.model_std_log10, loc.limits_ohmm  # "lognormal": k·s in log10 ρ, within the box's range
        envelopes = (np.maximum(m * 10.0 ** (-kd * s_log), lim[0]), np.minimum(m * 10.0 ** (ku * s_log), lim[1]))
    for env in envelopes:
        x, y = _step(env, edges)
        ax.plot(x, y, color="0.4", lw=0.8)
    x, y = _step(m, edges)
    ax.plot(x, y, "k", lw=2.0, label="average model")
    xmin, xmax = float(models.min()), float(models.max())
    pad = 0.05 * (xmax - xmin + 1e-9)
    ax.set_xlim(xmin - pad, xmax + pad)
    if lo >= xmin - pad:
        ax.axvline(lo, color="k", lw=0.8)
    if hi <= xmax + pad:
        ax.axvline(hi, color="k", lw=0.8)
    if settings.deep_layer_edges:
        ax.axhline(-settings.depth, color="0.4", lw=0.8, ls=":")
    ax.set_ylim(-edges[-1], 0)
    ax.set_xlabel("ρ [Ωm]")
    ax.set_ylabel("Depth below the surface [m]")
    ax.grid(ls=":", lw=0.5)
    ax.set_title(f"{cells.profile} box {number}: {len(models)} models", fontsize=9)
    ax.legend(fontsize=6, loc="lower right")
    _save(fig, path, dpi)
    return path


def write_figures(result, folder, per_location: bool = True, progress=None) -> dict:
    """All figures of a GenerationResult into ``folder``; returns {profile: [paths]}."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    by_profile = {}
    for loc in result.locations:
        by_profile.setdefault(loc.profile, []).append(loc)
    total = sum(1 + (2 * len(v) if per_location else 0) for v in by_profile.values()) or 1
    done = 0
    for prof, locs in by_profile.items():
        cells = result.cells[prof]
        safe = _safe(prof)
        paths = [plot_section(cells, locs, result.settings, folder / f"{safe}_section.png")]
        done += 1
        if per_location:
            for j, loc in enumerate(locs, start=1):
                paths.append(plot_location_data(cells, loc, j, result.settings, folder / f"{safe}_loc{j:02d}_data.png"))
                paths.append(plot_model_fan(cells, loc, j, result.settings, folder / f"{safe}_loc{j:02d}_models.png"))
                done += 2
                if progress is not None:
                    progress(done / total)
        out[prof] = paths
        if progress is not None:
            progress(done / total)
    return out


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(name))


def write_html_summary(path, result, training_set_path=None, figures: dict | None = None) -> Path:
    """An HTML report: settings, layerings, per-profile table, notes, EC statistics, figures."""
    path = Path(path)
    ts = result.training_set
    e = html.escape
    rows = []
    rows.append("<!DOCTYPE html><html><head><meta charset='utf-8'><title>emiAI training models</title>"
                "<style>body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse}"
                "td,th{border:1px solid #bbb;padding:2px 6px;text-align:right} th{background:#eee}"
                "td.l{text-align:left} img{max-width:48%;margin:2px}</style></head><body>")
    rows.append("<h2>emiAI — training models from ERT sections</h2>")
    rows.append(f"<p><b>{ts.n_models}</b> models from <b>{len(result.locations)}</b> extraction locations on "
                f"<b>{len(result.profiles)}</b> profile(s).")
    if training_set_path:
        rows.append(f" Training set: <code>{e(str(training_set_path))}</code>.")
    rows.append("</p><h3>Layerings</h3><table><tr><th>name</th><th>role</th><th>layers</th><th>edges (m)</th></tr>")
    for name, lay in ts.layerings.items():
        rows.append(f"<tr><td class='l'>{e(name)}</td><td class='l'>{e(lay.role)}</td><td>{lay.n_layers}</td>"
                    f"<td class='l'>{', '.join(f'{v:g}' for v in lay.edges)}</td></tr>")
    rows.append("</table><h3>Profiles</h3><table><tr><th>profile</th><th>cells</th><th>electrode spacing (m)</th>"
                "<th>box width (m)</th><th>box centres allowed (m)</th><th>boxes drawn</th><th>locations</th>"
                "<th>models</th></tr>")
    counts = {}
    for p in ts.profile:
        counts[p] = counts.get(p, 0) + 1
    for s in result.profiles:
        rows.append(f"<tr><td class='l'>{e(s.profile)}</td><td>{s.n_cells}</td><td>{s.electrode_spacing_m:.3f}</td>"
                    f"<td>{s.width_m:.3f}</td><td>{s.usable_m[0]:.2f}–{s.usable_m[1]:.2f}</td><td>{s.n_drawn}</td>"
                    f"<td>{s.n_locations}</td><td>{counts.get(s.profile, 0)}</td></tr>")
    rows.append("</table>")
    if result.notes:
        rows.append("<h3>Notes</h3><ul>" + "".join(f"<li>{e(n)}</li>" for n in result.notes) + "</ul>")
    tgt = ts.target_name
    ec = 1000.0 * ts.ec[tgt]
    pct = np.percentile(ec, [1, 50, 99], axis=0)
    edges = ts.layerings[tgt].edges
    rows.append(f"<h3>EC of the {e(tgt)} models (mS/m)</h3><table><tr><th>layer (m)</th><th>1 %</th>"
                "<th>median</th><th>99 %</th></tr>")
    for i in range(ec.shape[1]):
        rows.append(f"<tr><td class='l'>{edges[i]:.2f}–{edges[i + 1]:.2f}</td><td>{pct[0, i]:.1f}</td>"
                    f"<td>{pct[1, i]:.1f}</td><td>{pct[2, i]:.1f}</td></tr>")
    rows.append("</table><h3>Settings</h3><table>")
    for k, v in result.settings.to_dict().items():
        rows.append(f"<tr><td class='l'>{e(k)}</td><td class='l'>{e(str(v))}</td></tr>")
    rows.append("</table>")
    if figures:
        rows.append("<h3>Figures</h3>")
        for prof, paths in figures.items():
            rows.append(f"<h4>{e(prof)}</h4>")
            for p in paths:
                rel = os.path.relpath(p, path.parent)
                rows.append(f"<a href='{e(Path(rel).as_posix())}'><img loading='lazy' "
                            f"src='{e(Path(rel).as_posix())}' alt='{e(Path(p).name)}'></a>")
    rows.append("</body></html>")
    return write_text(path, "\n".join(rows))


__all__ = ["plot_section", "plot_location_data", "plot_model_fan", "write_figures", "write_html_summary"]
