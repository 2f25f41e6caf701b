"""The report of an ECa calibration against ERT: per coil the measured vs ERT-modelled ECa with the
fitted line, and the residuals along the ERT lines (PNG, matplotlib Agg), in a small HTML page."""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from .atomic import atomic_write, write_text


def write_figure(path, fits, measured_mS_m, ert_mS_m, along_m, profiles) -> Path:
    """PNG at ``path``: row 1 measured vs ERT ECa (fit and 1:1 lines), row 2 ERT − calibrated ECa
    against the position along the ERT line, coloured by profile."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    n = len(fits)
    fig = Figure(figsize=(3.4 * n, 6.4), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, n, squeeze=False)
    names = sorted(set(profiles))
    colours = {p: f"C{k % 10}" for k, p in enumerate(names)}
    col = [colours[p] for p in profiles]
    for j, fit in enumerate(fits):
        xm, ye = measured_mS_m[:, j], ert_mS_m[:, j]
        ax = axes[0, j]
        ax.scatter(xm, ye, s=6, c=col, alpha=0.6, lw=0)
        lo = float(min(xm.min(), ye.min(), 0.0))
        hi = float(max(xm.max(), ye.max()))
        line = np.array([lo, hi])
        ax.plot(line, line, color="0.6", lw=0.8, ls="--", label="1:1")
        ax.plot(line, fit.offset_mS_m + fit.gain * line, color="k", lw=1.2,
                label=f"{fit.offset_mS_m:+.2f} + {fit.gain:.3f}·x")
        ax.set(title=f"{fit.field}  (n = {fit.n_pairs}, R² = {fit.r2:.2f})", xlabel="measured ECa (mS/m)",
               ylabel="ECa of the ERT (mS/m)")
        ax.legend(fontsize=7, loc="upper left")
        ax = axes[1, j]
        ax.axhline(0.0, color="0.6", lw=0.8)
        ax.scatter(along_m, ye - fit.apply(xm), s=6, c=col, alpha=0.6, lw=0)
        ax.set(xlabel="position along the ERT line (m)", ylabel="ERT − calibrated ECa (mS/m)",
               title=f"RMSE {fit.rmse_before_mS_m:.2f} → {fit.rmse_mS_m:.2f} mS/m")
    if len(names) > 1:
        for p in names:
            axes[1, 0].scatter([], [], s=12, c=colours[p], label=p)
        axes[1, 0].legend(fontsize=7, title="ERT profile")
    path = Path(path)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=100, format="png", metadata={"Software": None})
    return path


def write_html(path, calibration, counts: dict, figure_name: str | None, notes=()) -> Path:
    """The HTML report: the coefficients table, what was paired and what was not, and the figure."""
    from .eca_calibration import FIT_LABELS, PAIR_REASONS

    e = html.escape
    rows = "".join(
        f"<tr><td>{e(f.field)}</td><td>{e(f.coil)}</td><td>{f.offset_mS_m:+.3f}</td><td>{f.gain:.4f}</td>"
        f"<td>{f.n_pairs}</td><td>{f.r2:.3f}</td><td>{f.rmse_before_mS_m:.2f}</td><td>{f.rmse_mS_m:.2f}</td>"
        f"<td>{f.outliers}</td></tr>" for f in calibration.coils)
    unpaired = "".join(f"<li>{counts.get(k, 0)} point(s) {e(text)}</li>" for k, text in PAIR_REASONS.items()
                       if counts.get(k, 0))
    note_items = "".join(f"<li>{e(n)}</li>" for n in notes)
    figure = f'<p><img src="{e(figure_name)}" alt="calibration figure"></p>' if figure_name else ""
    text = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>emiAI — ECa calibration against ERT</title>
<style>body{{font-family:sans-serif;max-width:1100px}} td,th{{padding:2px 8px;text-align:right}}
th{{background:#eee}} table{{border-collapse:collapse}}</style></head><body>
<h1>ECa calibration against ERT</h1>
<p>Calibrated ECa = offset + gain × measured ECa (mS/m), fitted per coil on survey points within
{calibration.max_distance_m:g} m of an ERT trace against the {e(calibration.forward_model)} forward response of the
ERT column below them (cells within 1.5 electrode spacings, binned by depth below the local surface to
{calibration.layer_edges_m[-1]:g} m, columns reaching at least {calibration.min_reach_m:g} m).
Fit: {e(FIT_LABELS.get(calibration.fit, calibration.fit))}. ERT profiles: {e(", ".join(calibration.profiles))}.</p>
<table><tr><th>field</th><th>coil</th><th>offset (mS/m)</th><th>gain</th><th>pairs</th><th>R²</th>
<th>RMSE before (mS/m)</th><th>RMSE after (mS/m)</th><th>down-weighted</th></tr>{rows}</table>
<p>{counts.get("paired", 0)} survey point(s) paired with the ERT.</p><ul>{unpaired}</ul>
<ul>{note_items}</ul>
{figure}
</body></html>
"""
    return write_text(path, text)
