"""EC sections along a line: predicted layered EC models sampled into a distance × depth grid,
and its figure with the ERT section on the same line (QGIS-free).

The points (x, y in the line's map units, metres) are projected onto the line; those within
``max_distance`` of it are binned along the line in columns of ``step`` m; a column's EC per layer
is the geometric mean (mean of log10 EC) of its points; empty columns between filled ones less
than ``max_gap`` apart are interpolated (in log10 EC), wider gaps stay empty. Rows are depth cells
of ``depth_cell`` m from 0 to the deepest layer edge; a row takes the layer containing its centre.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .eca_calibration import project_to_polyline


@dataclass
class Section:
    """A distance × depth grid of EC (mS/m): values (rows, cols) float with NaN where empty;
    distance_m (cols,) column centres along the line, depth_edges (rows+1,) m; counts (cols,) the
    points per column; doi_m (cols,) the mean depth of investigation per column (NaN: unknown)."""

    values: np.ndarray
    distance_m: np.ndarray
    step_m: float
    depth_edges: np.ndarray
    counts: np.ndarray
    doi_m: np.ndarray
    line_length_m: float

    @property
    def geotransform(self):
        """GDAL geotransform of the section as an image: x = distance (m), y = −depth (m)."""
        return (float(self.distance_m[0] - self.step_m / 2), self.step_m, 0.0, 0.0, 0.0,
                -float(self.depth_edges[1] - self.depth_edges[0]))


def line_chainage(vx, vy) -> np.ndarray:
    """Distance along a polyline at each vertex (m), from 0."""
    return np.r_[0.0, np.cumsum(np.hypot(np.diff(vx), np.diff(vy)))]


def auto_step(along) -> float:
    """A column width matched to the point spacing along the line: twice the median gap between
    consecutive projected points, rounded 1-2-5, at least 0.1 m."""
    from .gridding import nice_step

    a = np.sort(np.asarray(along, float))
    gaps = np.diff(a)
    gaps = gaps[gaps > 1e-6]
    return max(nice_step(2.0 * float(np.median(gaps))) if gaps.size else 1.0, 0.1)


def ec_section(x, y, ec_mS_m, layer_edges, vx, vy, max_distance: float, step: float = 0.0,
               max_gap: float = 0.0, depth_cell: float = 0.02, doi_m=None) -> Section:
    """The EC section along the polyline (vx, vy) of points (x, y) with layered EC (N, L) in mS/m
    on ``layer_edges`` (L+1,) m.

    max_distance: points farther from the line are left out (m); step: column width (m, 0 =
    auto_step); max_gap: widest gap bridged by interpolation (m, 0 = 3 columns); depth_cell: row
    height (m); doi_m: (N,) depth of investigation per point (optional). Raises ValueError when no
    point is near the line."""
    ec = np.asarray(ec_mS_m, float).reshape(len(x), -1)
    edges = np.asarray(layer_edges, float)
    if ec.shape[1] != len(edges) - 1:
        raise ValueError(f"{ec.shape[1]} EC values per point but {len(edges) - 1} layers.")
    chain = line_chainage(vx, vy)
    if chain[-1] <= 0:
        raise ValueError("The line has no length.")
    along, offset = project_to_polyline(x, y, vx, vy, chain)
    ok = (offset <= max_distance) & np.all(np.isfinite(ec) & (ec > 0), axis=1)
    if not ok.any():
        near = float(np.nanmin(offset)) if np.isfinite(offset).any() else float("nan")
        raise ValueError(f"No point with EC values lies within {max_distance:g} m of the line (the nearest is "
                         f"{near:.3g} m away).")
    along, logec = along[ok], np.log10(ec[ok])
    step = float(step) or auto_step(along)
    n_cols = max(int(np.ceil(chain[-1] / step)), 1)
    if n_cols > 100_000:
        raise ValueError(f"{n_cols} columns of {step:g} m along a {chain[-1]:.0f} m line: use a larger step.")
    col = np.minimum(np.floor(along / step + 1e-9).astype(int), n_cols - 1)  # a point on a column edge goes right
    counts = np.bincount(col, minlength=n_cols)
    sums = np.zeros((n_cols, ec.shape[1]))
    np.add.at(sums, col, logec)
    filled = counts > 0
    mean = np.full_like(sums, np.nan)
    mean[filled] = sums[filled] / counts[filled, None]
    doi = np.full(n_cols, np.nan)
    if doi_m is not None:
        d = np.asarray(doi_m, float)[ok]
        fin = np.isfinite(d)
        dsum = np.bincount(col[fin], weights=d[fin], minlength=n_cols)
        dcnt = np.bincount(col[fin], minlength=n_cols)
        doi[dcnt > 0] = dsum[dcnt > 0] / dcnt[dcnt > 0]
    centres = (np.arange(n_cols) + 0.5) * step
    max_gap = float(max_gap) or 3.0 * step
    idx = np.flatnonzero(filled)
    if len(idx) > 1:
        # bridge gaps up to max_gap between filled columns (log10 EC, linear in distance)
        nxt = np.searchsorted(idx, np.arange(n_cols))
        inner = ~filled & (nxt > 0) & (nxt < len(idx))
        left, right = idx[np.maximum(nxt - 1, 0)], idx[np.minimum(nxt, len(idx) - 1)]
        bridge = inner & ((centres[right] - centres[left]) <= max_gap + 1e-9)
        for j in range(ec.shape[1]):
            mean[bridge, j] = np.interp(centres[bridge], centres[idx], mean[idx, j])
        doi_fin = np.isfinite(doi)
        if doi_fin.sum() > 1:
            doi[bridge & ~doi_fin] = np.interp(centres[bridge & ~doi_fin], centres[doi_fin], doi[doi_fin])
    n_rows = int(np.ceil(edges[-1] / depth_cell - 1e-9))
    depth_edges = np.arange(n_rows + 1) * depth_cell
    mid = 0.5 * (depth_edges[:-1] + depth_edges[1:])
    layer = np.clip(np.searchsorted(edges, mid, side="right") - 1, 0, len(edges) - 2)
    values = 10.0 ** mean[:, layer].T  # (rows, cols)
    return Section(values, centres, step, depth_edges, counts, doi, float(chain[-1]))


def ert_on_line(cells_xy, cells_depth, cells_ec_mS_m, vx, vy, max_distance: float):
    """(along, depth, EC) of ERT cells within ``max_distance`` of the polyline (for the figure)."""
    cx, cy = np.asarray(cells_xy[0], float), np.asarray(cells_xy[1], float)
    along, offset = project_to_polyline(cx, cy, vx, vy, line_chainage(vx, vy))
    near = offset <= max_distance
    return along[near], np.asarray(cells_depth, float)[near], np.asarray(cells_ec_mS_m, float)[near]


def write_figure(path, section: Section, title: str = "", ert=None, ec_range=None):
    """PNG of the section (log colour scale, mS/m, depth downwards, the DOI as a dashed line) and,
    with ``ert`` = (along, depth, EC) of ERT cells, the ERT on the same line below it."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LogNorm
    from matplotlib.figure import Figure

    from .atomic import atomic_write

    finite = section.values[np.isfinite(section.values)]
    if ec_range is None:
        pool = finite if ert is None or not len(ert[2]) else np.r_[finite, ert[2]]
        ec_range = tuple(np.percentile(pool, [2, 98])) if pool.size else (1.0, 100.0)
    lo, hi = max(ec_range[0], 0.1), max(ec_range[1], ec_range[0] * 1.01, 0.2)
    norm = LogNorm(lo, hi)
    panels = 2 if ert is not None else 1
    width = float(np.clip(section.line_length_m / 6.0, 6.0, 14.0))
    fig = Figure(figsize=(width, 2.6 * panels + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(panels, 1, squeeze=False, sharex=True)[:, 0]
    x_edges = np.r_[section.distance_m - section.step_m / 2, section.distance_m[-1] + section.step_m / 2]
    mesh = axes[0].pcolormesh(x_edges, section.depth_edges, section.values, norm=norm, cmap="viridis",
                              shading="flat")
    if np.isfinite(section.doi_m).any():
        axes[0].plot(section.distance_m, section.doi_m, color="w", ls="--", lw=1.2,
                     label="depth of investigation")
        axes[0].legend(fontsize=7, loc="lower right")
    axes[0].set(ylabel="depth (m)", title=title or "Predicted EC along the line")
    if ert is not None:
        along, depth, ec = ert
        axes[1].scatter(along, depth, c=ec, s=16, norm=norm, cmap="viridis", marker="s", lw=0)
        axes[1].set(ylabel="depth (m)", title="ERT on the same line")
    for ax in axes:
        ax.set_ylim(section.depth_edges[-1], 0.0)
        ax.set_xlim(x_edges[0], x_edges[-1])
    axes[-1].set_xlabel("distance along the line (m)")
    bar = fig.colorbar(mesh, ax=list(axes), shrink=0.9)
    bar.set_label("EC (mS/m)")
    from matplotlib.ticker import FuncFormatter

    plain = FuncFormatter(lambda v, _: f"{v:.3g}")  # 40, not 4×10¹
    bar.ax.yaxis.set_major_formatter(plain)
    bar.ax.yaxis.set_minor_formatter(plain)
    with atomic_write(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png", metadata={"Software": None})
    return path


__all__ = ["Section", "auto_step", "ec_section", "ert_on_line", "line_chainage", "write_figure"]
