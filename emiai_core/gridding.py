"""Interpolate point values (several bands at once) onto a regular grid, masked far from the data."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS = ("linear", "nearest", "idw")
#: Memory of grid_points per cell: the cell centres and the nearest-point query (~48 bytes), and per
#: cell and band the float64 result and its float32 copy (12 bytes); at most MAX_GRID_BYTES.
GRID_BYTES_PER_CELL = 48
GRID_BYTES_PER_CELL_BAND = 12
MAX_GRID_BYTES = 4_000_000_000
#: Points whose spread across their main direction is at most this fraction of their length lie
#: "along a line": a map of them is a strip (a section along the line shows them better).
LINE_WIDTH_FRACTION = 0.01


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS 84 / UTM zone containing (lon, lat) in degrees (326zz north, 327zz south)."""
    zone = int(np.clip(np.floor((lon + 180.0) / 6.0) + 1, 1, 60))
    return (32600 if lat >= 0 else 32700) + zone


@dataclass
class Grid:
    """Gridded bands: values (B, rows, cols) float32 with NaN outside the data; x_min/y_max are the
    outer corner of the top-left cell (GDAL geotransform origin), cell_size in CRS units."""

    values: np.ndarray
    x_min: float
    y_max: float
    cell_size: float

    @property
    def geotransform(self):
        return (self.x_min, self.cell_size, 0.0, self.y_max, 0.0, -self.cell_size)


@dataclass
class PointSpread:
    """How points spread: n_positions distinct positions, their extent along the main direction
    (length) and across it (width), in CRS units (principal axes of the distinct positions)."""

    n_points: int
    n_positions: int
    length: float
    width: float

    @property
    def single_position(self) -> bool:
        return self.n_positions <= 1

    @property
    def along_a_line(self) -> bool:
        """True when the positions are within LINE_WIDTH_FRACTION x length of a straight line
        (also for exactly two positions); False for a single position."""
        return self.n_positions >= 2 and self.width <= LINE_WIDTH_FRACTION * self.length

    @property
    def degenerate(self) -> bool:
        return self.single_position or self.along_a_line

    def describe(self, units: str = "CRS units") -> str:
        if self.single_position:
            return f"all {self.n_points} point(s) are at one position"
        width = self.width if self.width > 1e-9 * self.length else 0.0  # rounding noise of exactly collinear points
        return (f"the {self.n_points} points ({self.n_positions} distinct positions) lie along a line: "
                f"{width:.3g} {units} across and {self.length:.4g} {units} long")


def point_spread(x, y) -> PointSpread:
    """The PointSpread of points (x, y) (finite coordinates)."""
    xy = np.unique(np.column_stack([np.asarray(x, float), np.asarray(y, float)]), axis=0)
    if len(xy) <= 1:
        return PointSpread(len(np.asarray(x)), len(xy), 0.0, 0.0)
    centred = xy - xy.mean(axis=0)
    _, vectors = np.linalg.eigh(centred.T @ centred)  # ascending: [:, 1] is the main direction
    along, across = centred @ vectors[:, 1], centred @ vectors[:, 0]
    return PointSpread(len(np.asarray(x)), len(xy), float(np.ptp(along)), float(np.ptp(across)))


def nice_step(value: float) -> float:
    """Round a positive length to 1, 2 or 5 times a power of ten (the nearest not above it)."""
    p = 10.0 ** np.floor(np.log10(value))
    for m in (5.0, 2.0, 1.0):
        if m * p <= value:
            return float(m * p)
    return float(p)


def auto_cell_size(x, y) -> float:
    """A cell size matched to the point density: sqrt(bounding-box area / points), rounded 1-2-5.

    Raises ValueError for points at one position or along a line (no area to divide)."""
    spread = point_spread(x, y)
    if spread.degenerate:
        raise ValueError(f"No automatic cell size: {spread.describe()}, so there is no area to divide among them. "
                         "A map needs points spread over an area: give a cell size, or show the points "
                         "as a section along the line.")
    area = max(np.ptp(x) * np.ptp(y), 1e-12)
    return nice_step(np.sqrt(area / max(len(x), 1)))


def merge_duplicates(x, y, values):
    """Average the values of points at identical positions (Delaunay and IDW need unique sites)."""
    xy = np.column_stack([x, y])
    uniq, inverse, counts = np.unique(xy, axis=0, return_inverse=True, return_counts=True)
    if len(uniq) == len(xy):
        return x, y, values
    inverse = inverse.ravel()
    sums = np.zeros((len(uniq), values.shape[1]))
    np.add.at(sums, inverse, values)
    return uniq[:, 0], uniq[:, 1], sums / counts[:, None]


def grid_points(x, y, values, cell_size: float, method: str = "linear", max_distance: float | None = None,
                idw_power: float = 2.0, idw_neighbours: int = 12, progress=None) -> Grid:
    """Grid ``values`` (N, B) given at points (x, y) on cells of ``cell_size``.

    method: 'linear' (Delaunay, NaN outside the convex hull), 'nearest', or 'idw' (inverse distance
    to the power ``idw_power`` over the ``idw_neighbours`` nearest points). Cells whose centre is
    farther than ``max_distance`` from every point are NaN (default: 5 cell sizes). progress:
    callable(fraction) after each of up to 10 blocks of cells (it may raise to cancel).
    """
    from scipy.interpolate import LinearNDInterpolator
    from scipy.spatial import cKDTree

    if method not in METHODS:
        raise ValueError(f"Unknown interpolation {method!r}: use one of {METHODS}.")
    x, y = np.asarray(x, float), np.asarray(y, float)
    values = np.asarray(values, float).reshape(len(x), -1)
    if len(x) < (3 if method == "linear" else 1):
        raise ValueError(f"{len(x)} point(s) are too few to interpolate with '{method}'.")
    if not cell_size > 0:
        raise ValueError(f"Cell size must be > 0, got {cell_size}.")
    max_distance = 5.0 * cell_size if max_distance is None else float(max_distance)
    if method == "linear":
        spread = point_spread(x, y)
        if spread.degenerate:
            raise ValueError(f"Linear interpolation (triangulation) needs points spread over an area, but "
                             f"{spread.describe()}. Use nearest-point or inverse-distance interpolation for a "
                             "strip map, or show the points as a section along the line.")
    x, y, values = merge_duplicates(x, y, values)
    x_min = np.floor(x.min() / cell_size) * cell_size
    y_max = np.ceil(y.max() / cell_size) * cell_size
    cols = int(np.floor((x.max() - x_min) / cell_size)) + 1  # +1: the easternmost point lies inside
    rows = int(np.floor((y_max - y.min()) / cell_size)) + 1
    n_bands = values.shape[1]
    need = cols * rows * (GRID_BYTES_PER_CELL + GRID_BYTES_PER_CELL_BAND * n_bands)
    if need > MAX_GRID_BYTES:
        raise ValueError(f"A {cols} x {rows} grid of {n_bands} band(s) would need about {need / 1e9:.1f} GB of memory "
                         f"(at most {MAX_GRID_BYTES / 1e9:.0f} GB): increase the cell size ({cell_size:g}), e.g. to "
                         f"{cell_size * np.sqrt(need / MAX_GRID_BYTES) * 1.05:.3g}.")
    # work in coordinates relative to the grid origin: Qhull is 2-3x faster and more precise
    # without the large offsets of projected CRSs (e.g. UTM northings of 5e6 m)
    x, y = x - x_min, y - y_max
    cx = (np.arange(cols) + 0.5) * cell_size
    cy = -(np.arange(rows) + 0.5) * cell_size
    gx, gy = np.meshgrid(cx, cy)
    targets = np.column_stack([gx.ravel(), gy.ravel()])
    tree = cKDTree(np.column_stack([x, y]))
    dist, nearest = tree.query(targets, k=1, distance_upper_bound=max_distance)
    inside = np.isfinite(dist)
    out = np.full((len(targets), values.shape[1]), np.nan)
    interp = None
    if method == "linear":
        from scipy.spatial import QhullError

        try:
            interp = LinearNDInterpolator(np.column_stack([x, y]), values)
        except QhullError as err:  # nearly collinear beyond the check above
            raise ValueError(f"The points cannot be triangulated (nearly on a line?): {str(err).splitlines()[0]}. "
                             "Use nearest-point or inverse-distance interpolation.") from None
    cells = np.flatnonzero(inside)
    blocks = np.array_split(cells, max(1, min(10, len(cells) // 20_000)))  # blocks: progress and memory
    for b, block in enumerate(blocks):
        if method == "nearest":
            out[block] = values[nearest[block]]
        elif method == "linear":
            out[block] = interp(targets[block])
        else:
            k = min(idw_neighbours, len(x))
            d, i = tree.query(targets[block], k=k)
            d, i = d.reshape(len(d), k), i.reshape(len(i), k)
            with np.errstate(divide="ignore"):
                w = 1.0 / d ** idw_power
            exact = ~np.isfinite(w)  # a cell centre on a data point takes that point's value
            w[exact.any(axis=1)] = exact[exact.any(axis=1)].astype(float)
            out[block] = np.einsum("nk,nkb->nb", w, values[i]) / w.sum(axis=1, keepdims=True)
        if progress is not None:
            progress((b + 1) / len(blocks))
    grid = out.T.reshape(values.shape[1], rows, cols).astype(np.float32)
    return Grid(grid, float(x_min), float(y_max), float(cell_size))
