"""ERT inversion sections: reading them and placing their cells at their true map position.

An ERT section is a 2-D inversion result along a straight or bent electrode line. Its cells are
given in *section coordinates*: ``distance_m`` along the line from electrode 1 and ``elevation_m``
(m a.s.l.; the mesh follows the topography). To use them in a GIS we need

- the electrode positions in section coordinates (along-line distance, elevation), e.g. ResIPy's
  ``<P>_grid.csv`` or cR2's ``electrodes.dat``, which also define the ground surface; and
- the electrode map coordinates (``<P>_xyz_dem.csv`` or the vertices of a profile line).

Each cell is then placed on the electrode polyline by piecewise-linear interpolation of its
along-line distance between the two neighbouring electrodes (exact at every electrode; beyond the
end electrodes the end segments are extended), and its depth is measured below the *local* ground
surface: the electrode elevations linearly interpolated at the cell's own distance.

Readers: ResIPy mesh-export CSV (``x, z, Magnitude(ohm.m) …``), native R2/cR2 results
(``f001_res.dat``, checked against ``mesh.dat`` when it is beside it) and ``.vtk`` through ResIPy's
reader (imported lazily, only for .vtk, with its network and shell side effects contained).

Units: m, Ω·m; ``ec_mS_m`` is 1000 / resistivity.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: Column names accepted for each quantity in a ResIPy mesh CSV / .vtk cell table (first match wins).
RESISTIVITY_COLUMNS = ("Magnitude(ohm.m)", "Resistivity(ohm.m)", "Resistivity(Ohm-m)", "Resistivity")
SENSITIVITY_COLUMNS = ("Sensitivity(log10)",)
PHASE_COLUMNS = ("Phase(mrad)",)
DISTANCE_COLUMNS = ("x", "X")
ELEVATION_COLUMNS = ("z", "Z")

#: Folder names of ResIPy/R2 working directories, skipped when a profile name is guessed.
_WORKDIR_NAMES = {"resipy_wd", "wd", "invdir", "inv", "fwd", "results", "r2", "cr2"}

#: Electrode map positions must reproduce the along-line electrode distances this well.
DISTANCE_TOLERANCE_M = 0.5
DISTANCE_TOLERANCE_REL = 0.01
#: ... and, when the map file has Z, the electrode elevations this well (after a constant offset).
ELEVATION_TOLERANCE_M = 1.0


class ErtInputError(ValueError):
    """An ERT input file or setting that cannot be used; the message says what and what to do."""


# --------------------------------------------------------------------------------------------
# data classes


@dataclass
class ErtSection:
    """Cell centres of a 2-D ERT inversion section in section coordinates."""

    distance_m: np.ndarray  # (n,) along the line from electrode 1
    elevation_m: np.ndarray  # (n,) m a.s.l.
    resistivity_ohmm: np.ndarray  # (n,) Ω·m (> 0)
    sensitivity_log10: np.ndarray | None = None  # (n,) when the source has it
    phase_mrad: np.ndarray | None = None  # (n,) complex-resistivity results only
    source: str = ""

    def __post_init__(self):
        n = len(self.distance_m)
        for name in ("distance_m", "elevation_m", "resistivity_ohmm", "sensitivity_log10", "phase_mrad"):
            v = getattr(self, name)
            if v is None:
                continue
            v = np.asarray(v, dtype=float)
            if v.shape != (n,):
                raise ErtInputError(f"{self.source or 'ERT section'}: column {name} has shape {v.shape}, "
                                    f"expected ({n},).")
            setattr(self, name, v)

    @property
    def n_cells(self) -> int:
        return int(len(self.distance_m))

    @property
    def ec_mS_m(self) -> np.ndarray:  # noqa: N802
        return 1000.0 / self.resistivity_ohmm


@dataclass
class Electrodes:
    """Electrode positions in section coordinates, sorted by along-line distance."""

    distance_m: np.ndarray
    elevation_m: np.ndarray
    source: str = ""

    def __post_init__(self):
        d = np.asarray(self.distance_m, dtype=float)
        z = np.asarray(self.elevation_m, dtype=float)
        if d.ndim != 1 or d.shape != z.shape:
            raise ErtInputError(f"{self.source or 'electrodes'}: distance and elevation must be two "
                                f"columns of equal length, got shapes {d.shape} and {z.shape}.")
        if len(d) < 2:
            raise ErtInputError(f"{self.source or 'electrodes'}: at least 2 electrodes are needed, got {len(d)}.")
        if not (np.all(np.isfinite(d)) and np.all(np.isfinite(z))):
            raise ErtInputError(f"{self.source or 'electrodes'}: electrode distance/elevation contain "
                                "empty or non-numeric values.")
        if np.any(np.diff(d) <= 0):
            i = int(np.argmax(np.diff(d) <= 0))
            raise ErtInputError(
                f"{self.source or 'electrodes'}: electrode distances must increase strictly along the "
                f"line; electrode {i + 2} is at {d[i + 1]:g} m after electrode {i + 1} at {d[i]:g} m. "
                "Give the electrodes in line order with their along-line distance in the first column.")
        self.distance_m, self.elevation_m = d, z

    @property
    def n(self) -> int:
        return int(len(self.distance_m))

    @property
    def spacing_m(self) -> float:
        """Mean electrode spacing (m)."""
        return float(np.mean(np.diff(self.distance_m)))

    @property
    def span_m(self) -> float:
        return float(self.distance_m[-1] - self.distance_m[0])

    def surface_elevation(self, distance) -> np.ndarray:
        """Ground elevation at along-line ``distance``: electrode elevations linearly interpolated
        (constant beyond the end electrodes)."""
        return np.interp(np.asarray(distance, dtype=float), self.distance_m, self.elevation_m)


@dataclass
class ElectrodeMap:
    """Electrode map coordinates (projected CRS, metres), in line order."""

    x: np.ndarray
    y: np.ndarray
    z: np.ndarray | None = None
    source: str = ""

    def __post_init__(self):
        self.x = np.asarray(self.x, dtype=float)
        self.y = np.asarray(self.y, dtype=float)
        if self.z is not None:
            self.z = np.asarray(self.z, dtype=float)
        if self.x.ndim != 1 or self.x.shape != self.y.shape:
            raise ErtInputError(f"{self.source or 'electrode map'}: X and Y must be columns of equal length.")
        if not (np.all(np.isfinite(self.x)) and np.all(np.isfinite(self.y))):
            raise ErtInputError(f"{self.source or 'electrode map'}: X/Y contain empty or non-numeric values.")

    @property
    def n(self) -> int:
        return int(len(self.x))

    def cumulative_distance(self) -> np.ndarray:
        """Horizontal distance along the electrode polyline from the first electrode (m)."""
        return np.r_[0.0, np.cumsum(np.hypot(np.diff(self.x), np.diff(self.y)))]


@dataclass
class GeoreferencedSection:
    """An ERT section with map position and depth below the local surface for every cell."""

    profile: str
    section: ErtSection
    electrodes: Electrodes
    electrode_map: ElectrodeMap
    x: np.ndarray  # (n,) map X of each cell
    y: np.ndarray  # (n,) map Y of each cell
    depth_m: np.ndarray  # (n,) below the local ground surface (electrode elevations interpolated)
    notes: list = field(default_factory=list)
    cell_id: np.ndarray | None = None  # (n,) row of each cell in the source section (0-based)

    def __post_init__(self):
        if self.cell_id is None:
            self.cell_id = np.arange(self.section.n_cells)

    @property
    def n_cells(self) -> int:
        return self.section.n_cells

    def cell_columns(self) -> list:
        """The cell layer's attribute columns as (name, kind, comment, values) tuples, in layer order
        (names and comments from emiai_core.fields.ERT_CELL_FIELDS); geometry: x, y, elevation_m."""
        from .fields import ERT_CELL_FIELDS

        sec = self.section
        values = {"profile": np.full(self.n_cells, self.profile, dtype=object), "cell_id": self.cell_id,
                  "distance_m": sec.distance_m, "elevation_m": sec.elevation_m, "depth_m": self.depth_m,
                  "resistivity_ohmm": sec.resistivity_ohmm, "ec_mS_m": sec.ec_mS_m,
                  "sensitivity_log10": sec.sensitivity_log10, "phase_mrad": sec.phase_mrad}
        return [(name, kind, comment, values[name]) for name, (kind, comment) in ERT_CELL_FIELDS.items()
                if values[name] is not None]

    def trace_attributes(self, source_name: str) -> list:
        """The trace feature's attributes as (name, kind, comment, value) tuples (ERT_TRACE_FIELDS);
        source_name: the inversion result file name."""
        from .fields import ERT_TRACE_FIELDS

        e = self.electrodes
        values = {"profile": self.profile, "n_electrodes": e.n, "first_distance_m": float(e.distance_m[0]),
                  "last_distance_m": float(e.distance_m[-1]), "spacing_m": e.spacing_m, "source": source_name}
        return [(name, kind, comment, values[name]) for name, (kind, comment) in ERT_TRACE_FIELDS.items()]

    def trace(self) -> np.ndarray:
        """The profile trace: (n_electrodes, 4) rows [x, y, z, m] with z = electrode elevation
        (section coordinates) and m = along-line distance, one vertex per electrode."""
        e = self.electrodes
        return np.column_stack([self.electrode_map.x, self.electrode_map.y, e.elevation_m, e.distance_m])


# --------------------------------------------------------------------------------------------
# small text-table helpers


def _first_data_line(path: Path) -> tuple[str, int]:
    """The first non-empty line (stripped) and its 0-based line number."""
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for i, line in enumerate(f):
            if line.strip():
                return line.strip(), i
    raise ErtInputError(f"{path}: the file is empty.")


def _is_number(token: str) -> bool:
    try:
        float(token)
        return True
    except ValueError:
        return False


def _split(line: str) -> list[str]:
    if "," in line:
        return [t.strip() for t in line.split(",")]
    if "\t" in line:
        return [t.strip() for t in line.strip().split("\t") if t.strip() != ""]
    if ";" in line:
        return [t.strip() for t in line.split(";")]
    return line.split()


def _read_table(path: Path) -> tuple[list[str] | None, np.ndarray]:
    """A small numeric table with an optional header row (comma/tab/semicolon/whitespace)."""
    header = None
    rows = []
    with open(path, encoding="utf-8-sig", errors="replace") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            tokens = _split(line)
            if header is None and not rows and not all(_is_number(t) for t in tokens if t != ""):
                header = tokens
                continue
            try:
                rows.append([float(t) for t in tokens if t != ""])
            except ValueError:
                raise ErtInputError(f"{path}, line {lineno}: non-numeric value in {line.strip()!r}.") from None
    if not rows:
        raise ErtInputError(f"{path}: no data rows.")
    width = min(len(r) for r in rows)
    return header, np.array([r[:width] for r in rows], dtype=float)


def _column(header, names, path, what):
    """Index of the first of ``names`` in ``header`` (case-insensitive)."""
    lower = [h.lower() for h in header]
    for n in names:
        if n.lower() in lower:
            return lower.index(n.lower())
    raise ErtInputError(f"{path}: no {what} column; expected one of {list(names)}, found {header}.")


# --------------------------------------------------------------------------------------------
# readers: sections


def read_section(path) -> ErtSection:
    """Read an ERT inversion result; the format is chosen by extension (.csv, .dat, .vtk)."""
    path = Path(path)
    if not path.is_file():
        raise ErtInputError(f"ERT section file not found: {path}.")
    ext = path.suffix.lower()
    if ext in (".csv", ".txt"):
        return read_section_csv(path)
    if ext == ".dat":
        return read_section_r2(path)
    if ext in (".vtk", ".vtu"):
        return read_section_vtk(path)
    raise ErtInputError(f"{path}: unknown ERT section format {ext!r}; use a ResIPy mesh export (.csv), "
                        "an R2/cR2 result (f001_res.dat) or a ResIPy/R2 .vtk file.")


def _section_from_columns(columns: dict, path: Path) -> ErtSection:
    """ErtSection from a name → array mapping (ResIPy column names); validates values."""
    names = list(columns)
    missing = []
    dcol = next((c for c in DISTANCE_COLUMNS if c in columns), None)
    zcol = next((c for c in ELEVATION_COLUMNS if c in columns), None)
    rcol = next((c for c in RESISTIVITY_COLUMNS if c in columns), None)
    if dcol is None:
        missing.append("x (along-line distance, m)")
    if zcol is None:
        missing.append("z (elevation, m)")
    if rcol is None:
        missing.append(f"resistivity (one of {list(RESISTIVITY_COLUMNS)})")
    if missing:
        raise ErtInputError(f"{path}: missing column(s) {', '.join(missing)}; the file has columns {names}. "
                            "Export the inversion result from ResIPy (mesh export CSV) with these columns.")
    d = np.asarray(columns[dcol], dtype=float)
    z = np.asarray(columns[zcol], dtype=float)
    rho = np.asarray(columns[rcol], dtype=float)
    ycol = "y" if "y" in columns else ("Y" if "Y" in columns else None)
    if ycol is not None:
        y = np.asarray(columns[ycol], dtype=float)
        if np.nanmax(np.abs(y - y[0])) > 1e-6 and np.nanmax(np.abs(z - z[0])) > 1e-6:
            raise ErtInputError(f"{path}: the cells vary in both y and z; this is a 3-D mesh. Only 2-D "
                                "sections (x along the line, z = elevation, constant y) are supported.")
    bad = ~(np.isfinite(d) & np.isfinite(z) & np.isfinite(rho))
    if np.any(bad):
        raise ErtInputError(f"{path}: {int(bad.sum())} cell(s) have empty or non-numeric x, z or "
                            f"{rcol} (first at data row {int(np.argmax(bad)) + 1}).")
    if np.any(rho <= 0):
        i = int(np.argmax(rho <= 0))
        raise ErtInputError(f"{path}: {rcol} must be > 0 Ω·m; data row {i + 1} has {float(rho[i])!r}. "
                            "Is this column really the resistivity magnitude?")
    if len(d) == 0:
        raise ErtInputError(f"{path}: the section has no cells.")
    sens = next((columns[c] for c in SENSITIVITY_COLUMNS if c in columns), None)
    phase = next((columns[c] for c in PHASE_COLUMNS if c in columns), None)
    return ErtSection(d, z, rho, sensitivity_log10=sens, phase_mrad=phase, source=str(path))


def read_section_csv(path) -> ErtSection:
    """ResIPy mesh export CSV: one row per cell centre with ``x, z, Magnitude(ohm.m)`` (or
    ``Resistivity(ohm.m)``), optional ``Sensitivity(log10)`` and ``Phase(mrad)``."""
    from .delimited import TableError, read_delimited, to_numeric

    path = Path(path)
    sep = _csv_separator(path)
    try:
        text = path.read_bytes().decode("utf-8")
        names, columns, _ = read_delimited(text, "whitespace" if sep == r"\s+" else sep)
    except (TableError, UnicodeDecodeError) as err:
        raise ErtInputError(f"{path}: cannot read as a CSV table ({err}).") from None
    cols = {}
    for c, column in zip((str(c).strip() for c in names), columns):
        data = column.data
        cols[c] = data.astype(float) if data.dtype.kind in "fiub" else to_numeric(data.tolist())
    return _section_from_columns(cols, path)


def _csv_separator(path: Path) -> str:
    line, _ = _first_data_line(path)
    if "," in line:
        return ","
    if "\t" in line:
        return "\t"
    if ";" in line:
        return ";"
    return r"\s+"


_FORTRAN_FIELD = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[EeDd][-+]?\d+)?")


def read_section_r2(path, mesh_path=None) -> ErtSection:
    """Native R2/cR2 inversion result ``f00N_res.dat``.

    Columns: R2 (DC) ``x z rho log10(rho)``; cR2 (complex) ``x z |rho| phase(mrad) log10|rho|
    log10(sigma') [log10(sigma'')]``. The format is recognised from the columns and checked through
    the log10 column. When ``mesh.dat`` is beside the file (or ``mesh_path`` is given), every cell
    centre must be a centroid of that mesh, so a result is never combined with a foreign mesh.
    """
    path = Path(path)
    rows = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for lineno, line in enumerate(f, start=1):
            if not line.strip():
                continue
            vals = [float(t.replace("D", "E").replace("d", "e")) for t in _FORTRAN_FIELD.findall(line)]
            if len(vals) < 4:
                raise ErtInputError(f"{path}, line {lineno}: expected at least 4 numbers (x z rho …), "
                                    f"got {line.strip()!r}. Is this an R2/cR2 f00N_res.dat file?")
            rows.append(vals[:6] + [np.nan] * (6 - min(len(vals), 6)))
    if not rows:
        raise ErtInputError(f"{path}: the file is empty.")
    a = np.array(rows, dtype=float)
    ncols = int(np.max(np.sum(np.isfinite(a), axis=1)))
    rho = a[:, 2]
    if ncols >= 5 and np.allclose(np.log10(np.abs(rho)), a[:, 4], atol=2e-3):
        kind, phase = "cR2", a[:, 3]
    elif np.allclose(np.log10(np.abs(rho)), a[:, 3], atol=2e-3):
        kind, phase = "R2", None
    else:
        raise ErtInputError(f"{path}: the columns do not look like an R2 (x z rho log10rho) or cR2 "
                            "(x z |rho| phase log10|rho| …) result file: the log10 column does not match "
                            "the resistivity column.")
    section = _section_from_columns({"x": a[:, 0], "z": a[:, 1], "Resistivity(ohm.m)": rho}, path)
    section.phase_mrad = phase
    section.source = f"{path} ({kind})"
    mesh_path = Path(mesh_path) if mesh_path else path.with_name("mesh.dat")
    if mesh_path.is_file():
        centroids = read_r2_mesh_centroids(mesh_path)
        from scipy.spatial import cKDTree

        dist, _ = cKDTree(centroids).query(np.column_stack([section.distance_m, section.elevation_m]))
        tol = 1e-3
        if np.any(dist > tol):
            n_bad = int(np.sum(dist > tol))
            raise ErtInputError(f"{path}: {n_bad} of {section.n_cells} cell centres are not centroids of "
                                f"{mesh_path} (largest offset {dist.max():.3g} m); the result and the mesh "
                                "come from different inversions. Use the mesh.dat of the same run.")
    elif mesh_path != path.with_name("mesh.dat"):
        raise ErtInputError(f"mesh file not found: {mesh_path}.")
    return section


def read_r2_mesh_centroids(path) -> np.ndarray:
    """Element centroids (n_elements, 2) [x, z] of an R2/cR2 triangular or quadrilateral mesh.dat."""
    path = Path(path)
    with open(path, encoding="utf-8", errors="replace") as f:
        head = f.readline().split()
        try:
            n_elem, n_node = int(head[0]), int(head[1])
        except (IndexError, ValueError):
            raise ErtInputError(f"{path}: first line must give the numbers of elements and nodes.") from None
        elem_lines = [f.readline().split() for _ in range(n_elem)]
        node_lines = []
        for line in f:
            if line.strip():
                node_lines.append(line.split())
            if len(node_lines) == n_node:
                break
    try:
        width = len(elem_lines[0])
        n_corner = width - 3  # index, corners…, param, zone
        elems = np.array([[int(t) for t in r[1:1 + n_corner]] for r in elem_lines], dtype=np.int64)
        nodes = np.array([[float(t) for t in r[:3]] for r in node_lines], dtype=float)
    except (ValueError, IndexError):
        raise ErtInputError(f"{path}: cannot parse the element/node tables of this mesh.dat.") from None
    if len(nodes) != n_node:
        raise ErtInputError(f"{path}: expected {n_node} nodes, found {len(nodes)}.")
    xy = np.zeros((n_node + 1, 2))
    xy[nodes[:, 0].astype(np.int64)] = nodes[:, 1:3]
    return xy[elems].mean(axis=1)


MAX_VTK_BYTES = 1_000_000_000  # an ERT section of a few 10^5 cells is some 10 MB


def read_section_vtk(path) -> ErtSection:
    """A legacy ASCII VTK UNSTRUCTURED_GRID result (R2/cR2/ResIPy ``f001_res.vtk``): cell centres =
    the mean of their vertices; cell scalars by name (``Magnitude(ohm.m)``, ``Resistivity(ohm.m)``,
    ``Phase(mrad)``, ``Sensitivity(log10)``…).

    Read here, not through ResIPy: importing ResIPy runs ``wine --version`` through a shell and
    tries to download executables. A 2-D section has one constant coordinate; the other two are
    the distance along the line and the elevation."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise ErtInputError(f"{path}: cannot be read ({err.strerror}).") from None
    if size > MAX_VTK_BYTES:
        raise ErtInputError(f"{path} is {size / 1e6:.0f} MB: too large for an ERT section (at most "
                            f"{MAX_VTK_BYTES / 1e6:.0f} MB).")
    with open(path, "rb") as f:
        head = f.read(256)
        text = head + f.read()
    lines = head.split(b"\n")
    if not lines[0].startswith(b"# vtk DataFile"):
        raise ErtInputError(f"{path}: not a legacy VTK file (no '# vtk DataFile' header); XML .vtu files are "
                            "not read: export the section from ResIPy as a mesh CSV instead.")
    if len(lines) < 3 or lines[2].strip().upper() != b"ASCII":
        raise ErtInputError(f"{path}: a binary VTK file; export the section as ASCII VTK or as a ResIPy mesh CSV.")
    try:
        tokens = text.decode("latin-1").split("\n", 3)[3].split()
        points, cells, data = _parse_vtk_tokens(tokens)
    except (ValueError, IndexError) as err:
        raise ErtInputError(f"{path}: not a readable VTK unstructured grid ({err}).") from None
    if points is None or cells is None:
        raise ErtInputError(f"{path}: the VTK file has no POINTS or no CELLS (an UNSTRUCTURED_GRID is needed).")
    centres = np.array([points[c].mean(axis=0) for c in cells]) if cells else np.zeros((0, 3))
    spread = np.ptp(points, axis=0) if len(points) else np.zeros(3)
    flat = int(np.argmin(spread))  # the constant coordinate of a 2-D section
    if spread[flat] > 1e-6 * max(float(spread.max()), 1.0):
        raise ErtInputError(f"{path}: the mesh is 3-D (no constant coordinate); only 2-D sections are supported.")
    along, up = [k for k in range(3) if k != flat]
    columns = {"x": centres[:, along], "z": centres[:, up]}
    for name, values in data.items():
        if len(values) == len(cells):
            columns[name] = values
    return _section_from_columns(columns, path)


def _parse_vtk_tokens(tokens):
    """(points (n, 3), cells (list of index arrays), cell scalars {name: array}) of a legacy VTK
    DATASET UNSTRUCTURED_GRID body given as whitespace tokens."""
    i, n_tok = 0, len(tokens)
    points, cells, data = None, None, {}
    mode_n = {"POINT_DATA": 0, "CELL_DATA": 0}
    mode = None
    while i < n_tok:
        key = tokens[i].upper()
        if key == "DATASET":
            if tokens[i + 1].upper() != "UNSTRUCTURED_GRID":
                raise ValueError(f"DATASET {tokens[i + 1]} is not an UNSTRUCTURED_GRID")
            i += 2
        elif key == "POINTS":
            n = int(tokens[i + 1])
            points = np.array(tokens[i + 3:i + 3 + 3 * n], dtype=float).reshape(n, 3)
            i += 3 + 3 * n
        elif key == "CELLS":
            n, size = int(tokens[i + 1]), int(tokens[i + 2])
            flat = np.array(tokens[i + 3:i + 3 + size], dtype=np.int64)
            cells, k = [], 0
            for _ in range(n):
                m = int(flat[k])
                cells.append(flat[k + 1:k + 1 + m])
                k += m + 1
            if points is not None and cells and max(int(c.max()) for c in cells) >= len(points):
                raise ValueError("a cell refers to a point that does not exist")
            i += 3 + size
        elif key == "CELL_TYPES":
            i += 2 + int(tokens[i + 1])
        elif key in mode_n:
            mode, mode_n[key] = key, int(tokens[i + 1])
            i += 2
        elif key in ("SCALARS", "VECTORS", "NORMALS"):
            name = tokens[i + 1]
            ncomp = 3 if key != "SCALARS" else 1
            i += 3
            if key == "SCALARS" and i < n_tok and tokens[i].isdigit():
                ncomp = int(tokens[i])
                i += 1
            if i < n_tok and tokens[i].upper() == "LOOKUP_TABLE":
                i += 2
            n = mode_n.get(mode, 0) * ncomp
            values = np.array(tokens[i:i + n], dtype=float)
            if mode == "CELL_DATA" and ncomp == 1:
                data[name] = values
            i += n
        elif key == "FIELD":
            n_arrays = int(tokens[i + 2])
            i += 3
            for _ in range(n_arrays):
                name, ncomp, ntup = tokens[i], int(tokens[i + 1]), int(tokens[i + 2])
                values = np.array(tokens[i + 4:i + 4 + ncomp * ntup], dtype=float)
                if mode == "CELL_DATA" and ncomp == 1:
                    data[name] = values
                i += 4 + ncomp * ntup
        elif key == "LOOKUP_TABLE":  # a colour table: name and size, then 4 values per entry
            i += 3 + 4 * int(tokens[i + 2])
        else:
            raise ValueError(f"unexpected keyword {tokens[i]!r}")
    return points, cells, data


# --------------------------------------------------------------------------------------------
# readers: electrodes


def read_electrodes(path) -> Electrodes:
    """Electrode positions in section coordinates: along-line distance and elevation.

    Accepts a headed table with columns ``X``/``x``/``distance`` and ``Z``/``z``/``elevation``
    (ResIPy ``<P>_grid.csv``, tab-separated) or a headerless table whose first two columns are
    distance and elevation (R2/cR2 ``electrodes.dat``)."""
    path = Path(path)
    if not path.is_file():
        raise ErtInputError(f"electrode file not found: {path}.")
    header, a = _read_table(path)
    if header is not None:
        ci = _column(header, ("x", "distance", "distance_m", "dist"), path, "along-line distance (X)")
        cz = _column(header, ("z", "elevation", "elevation_m", "elev"), path, "elevation (Z)")
    else:
        if a.shape[1] < 2:
            raise ErtInputError(f"{path}: expected two columns (along-line distance, elevation).")
        ci, cz = 0, 1
    if a.shape[1] <= max(ci, cz):
        raise ErtInputError(f"{path}: some rows have fewer columns than the header.")
    return Electrodes(a[:, ci], a[:, cz], source=str(path))


def read_electrode_map(path) -> ElectrodeMap:
    """Electrode map coordinates, e.g. ``<P>_xyz_dem.csv`` (``ElecID X Y Z``, whitespace-separated).

    Columns by name (X/Y/Z, x/y/z, easting/northing, E/N; an ID column sorts the rows) or, without
    a header, ``[id] x y [z]`` by position (4 columns = id x y z, 3 = x y z, 2 = x y)."""
    path = Path(path)
    if not path.is_file():
        raise ErtInputError(f"electrode map-coordinate file not found: {path}.")
    header, a = _read_table(path)
    idcol = None
    if header is not None:
        cx = _column(header, ("x", "easting", "e", "east"), path, "map X (easting)")
        cy = _column(header, ("y", "northing", "n", "north"), path, "map Y (northing)")
        try:
            cz = _column(header, ("z", "elevation", "elev", "h"), path, "Z")
        except ErtInputError:
            cz = None
        lower = [h.lower() for h in header]
        for name in ("elecid", "id", "electrode", "elec", "label"):
            if name in lower:
                idcol = lower.index(name)
                break
    else:
        ncol = a.shape[1]
        if ncol >= 4:
            idcol, cx, cy, cz = 0, 1, 2, 3
        elif ncol == 3:
            cx, cy, cz = 0, 1, 2
        elif ncol == 2:
            cx, cy, cz = 0, 1, None
        else:
            raise ErtInputError(f"{path}: expected columns [id] x y [z].")
    if a.shape[1] <= max(c for c in (cx, cy, cz, idcol) if c is not None):
        raise ErtInputError(f"{path}: some rows have fewer columns than the header.")
    if idcol is not None:
        order = np.argsort(a[:, idcol], kind="stable")
        a = a[order]
    return ElectrodeMap(a[:, cx], a[:, cy], a[:, cz] if cz is not None else None, source=str(path))


def electrode_map_from_line(vertices_xy, electrodes: Electrodes, source: str = "profile line") -> ElectrodeMap:
    """Electrode map positions on a drawn profile line: electrode i is placed at chainage
    ``distance_i - distance_0`` from the line's first vertex (the line starts at electrode 1)."""
    v = np.asarray(vertices_xy, dtype=float)
    if v.ndim != 2 or v.shape[0] < 2 or v.shape[1] < 2:
        raise ErtInputError(f"{source}: a profile line needs at least 2 vertices.")
    v = v[:, :2]
    seg = np.hypot(*np.diff(v, axis=0).T)
    keep = np.r_[True, seg > 0]
    v = v[keep]
    chain = np.r_[0.0, np.cumsum(np.hypot(*np.diff(v, axis=0).T))]
    need = electrodes.span_m
    tol = max(DISTANCE_TOLERANCE_M, DISTANCE_TOLERANCE_REL * need)
    if chain[-1] < need - tol:
        raise ErtInputError(f"{source}: the line is {chain[-1]:.2f} m long but the electrodes span {need:.2f} m "
                            f"({electrodes.n} electrodes from {electrodes.source or 'the electrode file'}). "
                            "Draw the line from electrode 1 to the last electrode, in that direction.")
    s = electrodes.distance_m - electrodes.distance_m[0]
    x, y = interp_polyline(s, chain, v[:, 0], v[:, 1])
    return ElectrodeMap(x, y, None, source=source)


def interp_polyline(s, chain, x, y):
    """Points at chainage ``s`` on the polyline (chain, x, y); end segments are extended."""
    s = np.asarray(s, dtype=float)
    i = np.clip(np.searchsorted(chain, s, side="right") - 1, 0, len(chain) - 2)
    t = (s - chain[i]) / (chain[i + 1] - chain[i])
    return x[i] + t * (x[i + 1] - x[i]), y[i] + t * (y[i + 1] - y[i])


def positions_along_line(distance, electrodes: Electrodes, electrode_map: ElectrodeMap):
    """Map (x, y) of points at along-line ``distance``: piecewise-linear between the two neighbouring
    electrodes (so exact at every electrode), end segments extended beyond the end electrodes."""
    return interp_polyline(distance, electrodes.distance_m, electrode_map.x, electrode_map.y)


# --------------------------------------------------------------------------------------------
# checks and georeferencing


def check_electrode_map(electrodes: Electrodes, electrode_map: ElectrodeMap) -> float:
    """Raise unless the map coordinates describe the same electrodes as the along-line distances;
    returns the largest distance mismatch in m."""
    if electrode_map.n != electrodes.n:
        raise ErtInputError(
            f"The electrode map coordinates ({electrode_map.source}) list {electrode_map.n} electrodes but the "
            f"electrode positions ({electrodes.source}) list {electrodes.n}. Give the files of the same profile.")
    cum = electrode_map.cumulative_distance()
    rel = electrodes.distance_m - electrodes.distance_m[0]
    diff = np.abs(cum - rel)
    tol = max(DISTANCE_TOLERANCE_M, DISTANCE_TOLERANCE_REL * electrodes.span_m)
    if np.max(diff) > tol:
        i = int(np.argmax(diff))
        raise ErtInputError(
            f"Electrode {i + 1}: the map coordinates ({electrode_map.source}) put it {cum[i]:.2f} m along the line "
            f"but the electrode positions ({electrodes.source}) say {rel[i]:.2f} m (tolerance {tol:.2f} m). "
            "The files do not describe the same electrodes in the same order.")
    if electrode_map.z is not None and np.all(np.isfinite(electrode_map.z)):
        dz = electrode_map.z - electrodes.elevation_m
        dz = dz - np.median(dz)  # a constant datum offset is allowed
        if np.max(np.abs(dz)) > ELEVATION_TOLERANCE_M:
            i = int(np.argmax(np.abs(dz)))
            raise ErtInputError(
                f"Electrode {i + 1}: its elevation in the map coordinates ({electrode_map.source}) differs from the "
                f"electrode positions ({electrodes.source}) by {dz[i]:+.2f} m more than the others do (tolerance "
                f"{ELEVATION_TOLERANCE_M:g} m). The files do not describe the same electrodes in the same order "
                "(is one of them reversed?).")
    return float(np.max(diff))


def check_section_electrodes(section: ErtSection, electrodes: Electrodes) -> dict:
    """Raise unless the electrodes lie on the section's top (same profile, same elevation datum).

    The top cell of each electrode-spacing-wide column must lie at most 1 m below the ground surface
    interpolated from the electrodes (median over the columns), and no cell may lie more than 0.5 m
    above it; the cells must also lie within the electrode span (± half of it)."""
    d, z = section.distance_m, section.elevation_m
    span = electrodes.span_m
    lo, hi = electrodes.distance_m[0] - 0.5 * span, electrodes.distance_m[-1] + 0.5 * span
    outside = (d < lo) | (d > hi)
    if np.mean(outside) > 0.01:
        raise ErtInputError(
            f"The section cells ({section.source}) reach from {d.min():.1f} to {d.max():.1f} m along the line, "
            f"but the electrodes ({electrodes.source}) span {electrodes.distance_m[0]:.1f}–"
            f"{electrodes.distance_m[-1]:.1f} m. Give the electrode file of the same profile.")
    surface = electrodes.surface_elevation(d)
    depth = surface - z
    width = max(electrodes.spacing_m, 1e-6)
    col = np.floor((d - d.min()) / width).astype(np.int64)
    order = np.lexsort((-z, col))
    first = np.r_[True, col[order][1:] != col[order][:-1]]
    top_gap = depth[order][first]
    median_gap = float(np.median(top_gap))
    above = float(-depth.min())
    if median_gap > 1.0 or above > 0.5:
        raise ErtInputError(
            f"The electrodes ({electrodes.source}) do not match the section ({section.source}): the section's top "
            f"cells lie a median {median_gap:.2f} m below the ground surface interpolated from the electrodes, "
            f"and the highest cell is {max(above, 0):.2f} m above it (expected: just below it). Check that both "
            "files belong to the same profile and use the same elevation datum.")
    return {"median_top_gap_m": median_gap, "max_above_surface_m": above}


def georeference_section(profile: str, section: ErtSection, electrodes: Electrodes,
                         electrode_map: ElectrodeMap, max_depth_m: float | None = None) -> GeoreferencedSection:
    """Place every cell at its map position and compute its depth below the local surface.

    ``max_depth_m`` (optional, > 0) keeps only cells at most that deep below the surface."""
    if not profile or not str(profile).strip():
        raise ErtInputError("The profile name is empty; give a name such as 'B1_1'.")
    check_section_electrodes(section, electrodes)
    mismatch = check_electrode_map(electrodes, electrode_map)
    depth = electrodes.surface_elevation(section.distance_m) - section.elevation_m
    notes = [f"electrode map positions reproduce the along-line distances within {mismatch:.3f} m"]
    cell_id = np.arange(section.n_cells)
    if max_depth_m is not None and max_depth_m > 0:
        keep = depth <= max_depth_m
        if not np.any(keep):
            raise ErtInputError(f"No cell lies within {max_depth_m:g} m of the surface; raise the maximum depth.")
        section = ErtSection(section.distance_m[keep], section.elevation_m[keep], section.resistivity_ohmm[keep],
                             None if section.sensitivity_log10 is None else section.sensitivity_log10[keep],
                             None if section.phase_mrad is None else section.phase_mrad[keep], section.source)
        depth = depth[keep]
        cell_id = cell_id[keep]
        notes.append(f"kept {int(keep.sum())} cells within {max_depth_m:g} m of the surface")
    x, y = positions_along_line(section.distance_m, electrodes, electrode_map)
    return GeoreferencedSection(str(profile).strip(), section, electrodes, electrode_map, x, y, depth, notes,
                                cell_id)


# --------------------------------------------------------------------------------------------
# file discovery helpers


def guess_profile_name(section_path) -> str:
    """Profile name from a section file name: ``B1_1_mesh.csv`` → ``B1_1``; for generic R2/ResIPy
    names (``f001_res.dat``) the nearest folder that is not a working-directory name."""
    p = Path(section_path)
    stem = p.stem
    generic = re.fullmatch(r"f\d+_res|f\d+|mesh|res|result|inv", stem, flags=re.IGNORECASE)
    if not generic:
        return re.sub(r"(_mesh|_res|_inv|_result|_section)$", "", stem, flags=re.IGNORECASE)
    for parent in p.resolve().parents:
        if parent.name and parent.name.lower() not in _WORKDIR_NAMES:
            return parent.name
    return stem


def find_electrode_file(section_path) -> Path | None:
    """The electrode-position file that belongs to a section, if it sits in a standard place:
    ``electrodes.dat`` beside an R2/cR2 result, ``<P>_grid.csv`` beside ``<P>_mesh.csv`` (or one
    folder up, the layout of ResIPy working directories)."""
    p = Path(section_path)
    profile = guess_profile_name(p)
    candidates = [p.with_name("electrodes.dat"), p.with_name(f"{profile}_grid.csv"),
                  p.parent.parent / f"{profile}_grid.csv"]
    if p.suffix.lower() == ".csv":
        candidates = candidates[1:] + candidates[:1]
    for c in candidates:
        if c.is_file():
            return c
    return None


def load_profile_folder(folder, profile: str | None = None, max_depth_m: float | None = None) -> GeoreferencedSection:
    """Convenience for scripts/benchmarks: ``<P>_mesh.csv``, ``<P>_grid.csv`` and
    ``<P>_xyz_dem.csv`` of the shared-data layout in ``folder``."""
    folder = Path(folder)
    profile = profile or folder.name
    section = read_section_csv(folder / f"{profile}_mesh.csv")
    electrodes = read_electrodes(folder / f"{profile}_grid.csv")
    emap = read_electrode_map(folder / f"{profile}_xyz_dem.csv")
    return georeference_section(profile, section, electrodes, emap, max_depth_m=max_depth_m)


__all__ = [
    "ErtInputError", "ErtSection", "Electrodes", "ElectrodeMap", "GeoreferencedSection",
    "read_section", "read_section_csv", "read_section_r2", "read_section_vtk", "read_r2_mesh_centroids",
    "read_electrodes", "read_electrode_map", "electrode_map_from_line", "positions_along_line",
    "check_electrode_map", "check_section_electrodes", "georeference_section", "guess_profile_name",
    "find_electrode_file", "load_profile_folder",
]
