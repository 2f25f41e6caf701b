"""The HTML report of a trained model: training curves, predicted vs true per layer, errors in mS/m
and log10, data misfit and ensemble spread — all on the grouped evaluation split (matplotlib, Agg)."""
from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np

from .atomic import atomic_write, write_text
from .fields import layer_labels


def _figure_paths(folder: Path, stem: str):
    return {k: folder / f"{stem}_{k}.png" for k in ("curves", "scatter", "errors", "misfit")}


def _save(fig, path: Path):
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png", metadata={"Software": None})


def write_figures(report: dict, evaluation: dict, folder, stem: str = "training") -> dict:
    """PNG figures of a training report into ``folder``; returns {name: path}."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = _figure_paths(folder, stem)
    edges = np.asarray(report["layer_edges"])
    labels = layer_labels(edges) + [f"half-space below {edges[-1]:g} m"]

    fig, ax = plt.subplots(figsize=(7, 4))
    for m, h in enumerate(report["histories"]):
        line, = ax.plot(np.arange(1, len(h["loss"]) + 1), h["loss"], lw=1, label=f"member {m + 1} training")
        if "val_loss" in h:
            ax.plot(np.arange(1, len(h["val_loss"]) + 1), h["val_loss"], lw=1, ls="--", color=line.get_color(),
                    label=f"member {m + 1} validation")
    ax.set(xlabel="epoch", ylabel="loss (MSE of standardised log10 EC)", yscale="log", title="Training curves")
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    _save(fig, paths["curves"])
    plt.close(fig)

    true, pred = evaluation["ec_true"] * 1000.0, evaluation["ec_pred"] * 1000.0
    n = true.shape[1]
    cols = 4
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(3 * cols, 2.8 * rows), squeeze=False)
    lo, hi = np.nanmin([true.min(), pred.min()]), np.nanmax([true.max(), pred.max()])
    for j in range(rows * cols):
        ax = axes.flat[j]
        if j >= n:
            ax.axis("off")
            continue
        ax.scatter(true[:, j], pred[:, j], s=2, alpha=0.3, lw=0)
        ax.plot([lo, hi], [lo, hi], color="k", lw=0.8)
        ax.set(xscale="log", yscale="log", xlim=(lo, hi), ylim=(lo, hi), title=labels[j])
        ax.title.set_fontsize(8)
        if j % cols == 0:
            ax.set_ylabel("predicted EC (mS/m)", fontsize=8)
        if j >= n - cols:
            ax.set_xlabel("true EC (mS/m)", fontsize=8)
    fig.suptitle(f"Predicted vs true EC, {report['evaluated_on']} split (grouped by {report['settings']['group_by']})")
    fig.tight_layout()
    _save(fig, paths["scatter"])
    plt.close(fig)

    sc = report["scores"]
    mids = 0.5 * (edges[:-1] + edges[1:])
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(8, 4), sharey=True)
    a1.plot(sc["mae_mS_m"], mids, "o-", label="MAE")
    a1.plot(sc["bias_mS_m"], mids, "s--", label="bias")
    a1.set(xlabel="mS/m", ylabel="depth (m)", title="Error per layer")
    a1.invert_yaxis()
    a1.legend(fontsize=8)
    a2.plot(sc["log10_rmse"], mids, "o-", label="RMSE of log10 EC")
    spread = np.median(evaluation["spread_log10"], axis=0)
    a2.plot(spread, mids, "s--", label="median ensemble spread")
    a2.set(xlabel="log10 units", title="log10 error vs ensemble spread")
    a2.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, paths["errors"])
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    mis = evaluation["misfit_pct"]
    ax.hist(mis, bins=np.linspace(0, max(np.percentile(mis, 99), 1.0), 50))
    ax.axvline(100 * report["noise_relative"], color="k", ls="--", label="ECa noise level")
    ax.set(xlabel="data misfit (relative RMS, %)", ylabel="soundings", title="Data misfit of the predictions")
    ax.legend(fontsize=8)
    fig.tight_layout()
    _save(fig, paths["misfit"])
    plt.close(fig)
    return paths


def write_html(path, report: dict, figures: dict, model_path: str | None = None) -> Path:
    """The training report as one HTML page linking the figures (relative paths)."""
    path = Path(path)
    e = html.escape
    sc, st = report["scores"], report["settings"]
    edges = report["layer_edges"]
    labels = layer_labels(edges)
    rows = ["<!DOCTYPE html><html><head><meta charset='utf-8'><title>emiAI training report</title>",
            "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 6px;text-align:right}td.l{text-align:left}"
            "img{max-width:100%}</style></head><body>",
            "<h1>emiAI training report</h1>"]
    if model_path:
        rows.append(f"<p>Model file: <code>{e(str(model_path))}</code></p>")
    rows.append(
        f"<p>Architecture <b>{e(report['architecture'])}</b> (all coils → {len(edges) - 1} layers + half-space), "
        f"ensemble of {len(report['member_seeds'])} member(s), hidden layers {e(str(st['hidden']))}; "
        f"coils {e(', '.join(st['coils']))}; training ECa from {e(st['forward_model'])} of the models including the "
        f"layers below {edges[-1]:g} m, {100 * st['noise_relative']:g} % relative noise. "
        f"Rows: {report['rows']['train']} training, {report['rows']['validation']} validation, "
        f"{report['rows']['test']} test, split by {e(st['group_by'])} (whole groups, never rows).</p>")
    rows.append(f"<h2>Scores on the {e(report['evaluated_on'])} split</h2>")
    mis = report["data_misfit_pct"]
    rows.append(f"<p>All layers: RMSE of log10 EC <b>{sc['log10_rmse_all']:.3f}</b>, MAE "
                f"<b>{sc['mae_mS_m_all']:.2f} mS/m</b>; data misfit median "
                f"{mis['median']:.2f} % (90th percentile {mis['p90']:.2f} %) "
                f"for ECa with {100 * report['noise_relative']:g} % noise. Members alone: log10 RMSE "
                + ", ".join(f"{v:.3f}" for v in report["member_log10_rmse"]) + ".</p>")
    rows.append("<table><tr><th>layer</th><th>log10 RMSE</th><th>MAE (mS/m)</th><th>bias (mS/m)</th>"
                "<th>R²</th></tr>")
    for j, lab in enumerate(labels):
        rows.append(f"<tr><td class='l'>{e(lab)}</td><td>{sc['log10_rmse'][j]:.3f}</td><td>{sc['mae_mS_m'][j]:.2f}</td>"
                    f"<td>{sc['bias_mS_m'][j]:+.2f}</td><td>{sc['r2'][j]:.3f}</td></tr>")
    hs = sc["halfspace"]
    rows.append(f"<tr><td class='l'>half-space below {edges[-1]:g} m</td><td>{hs['log10_rmse'][0]:.3f}</td>"
                f"<td>{hs['mae_mS_m'][0]:.2f}</td><td>{hs['bias_mS_m'][0]:+.2f}</td><td>{hs['r2'][0]:.3f}</td></tr>")
    rows.append("</table>")
    rows.append("<h2>Architectures</h2><p>This model is the direct network (the choice made by the accuracy "
                "harness, benchmarks/accuracy.py, on held-out profiles: see BENCHMARKS.md).</p>")
    if report.get("comparison"):
        rows.append("<p>On the same evaluation rows of this training run:</p><table><tr><th>architecture</th>"
                    "<th>log10 RMSE</th><th>MAE (mS/m)</th><th>median misfit (%)</th></tr>")
        for r in report["comparison"]:
            rows.append(f"<tr><td class='l'>{e(r['architecture'])}</td><td>{r['log10_rmse_all']:.3f}</td>"
                        f"<td>{r['mae_mS_m_all']:.2f}</td><td>{r['misfit_median']:.2f}</td></tr>")
        rows.append("</table>")
    rows.append("<h2>Figures</h2>")
    for name, p in figures.items():
        rel = Path(os.path.relpath(p, path.parent)).as_posix()
        rows.append(f"<h3>{e(name)}</h3><a href='{e(rel)}'><img src='{e(rel)}' alt='{e(name)}'></a>")
    rows.append("<h2>Training data</h2><ul>")
    for src in report["sources"]:
        rows.append(f"<li><code>{e(src['path'])}</code>: {src['n_models']} models, profiles "
                    f"{e(', '.join(src['profiles']))}</li>")
    rows.append("</ul></body></html>")
    return write_text(path, "\n".join(rows))


__all__ = ["write_figures", "write_html"]
