"""Read EMI survey exports (GF Instruments CMD .dat, EMagPy-style .csv) into numpy arrays.

Two column conventions exist in the field:

- GF Instruments exports name readings by channel: ``Cond.1[mS/m]``, ``Inph.1[ppt]``,
  ``Error1[%]`` (also ``Cond1.[mS/m]`` and ``Cond.1 [mS/m]`` depending on the download route).
  The coil geometry is NOT in the file: it depends on the instrument and on the Lo (VCP) / Hi
  (HCP) mode the operator chose, so the caller must say which coils channel 1..N are.
  ``Inv.*`` columns are the instrument's own two-layer inversion, not ECa: they are kept as extras.
- EMagPy-style CSVs name readings by coil: ``VCP0.32``, ``HCP1.48f10000h1``, ``VCP0.32_inph``,
  ``VCP0.32_err``; the geometry is in the header.

Coordinates are NMEA ``ddmm.mmmmN``/``dddmm.mmmmW`` strings or decimal degrees in
``Latitude``/``Longitude`` columns (geographic, WGS 84), or projected / local metres in ``x``/``y``
(also ``x[m]``, ``X``, ``Easting``...). Files may be tab, comma, semicolon or whitespace
separated, with ``.`` or ``,`` decimals; the separator is detected from the header line.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .delimited import Column, TableError, read_delimited, to_numeric
from .fields import gf_channel, instrument_keys, parse_coil_field
from .instruments import INSTRUMENTS, Coil, parse_coil

# Coil spacings (m) of the GF instruments, per orientation; taken from emiai_core.instruments so
# the numbers live in one place (checked against EMagPy 1.4.5 Survey.importGF, incl. the 6L).
GF_PRESETS: dict[str, tuple[float, ...]] = {
    key: tuple(c.coil_spacing for c in INSTRUMENTS[key].coils if c.orientation == "VCP")
    for key in instrument_keys(gf_files_only=True)
}

EARTH_RADIUS_M = 6371008.8  # mean Earth radius, for the local equirectangular approximation

# NMEA: degrees (>= 1 digit), two-digit minutes with decimals, hemisphere letter.
_NMEA = re.compile(r"^\s*(?P<deg>\d+?)(?P<min>\d{2}(?:\.\d*)?)\s*(?P<hemi>[NSEW])\s*$", re.IGNORECASE)
_X_NAMES = {"x", "easting", "east", "xcoord", "x_m"}
_Y_NAMES = {"y", "northing", "north", "ycoord", "y_m"}
_LAT_NAMES = {"latitude", "lat"}
_LON_NAMES = {"longitude", "lon", "long", "lng"}
_HMS = re.compile(r"^(\d{1,2}):(\d{2}):(\d{2}(?:\.\d*)?)$")


@dataclass
class SurveyTable:
    """EMI readings at survey points, one array element per point.

    x, y: float64; longitude / latitude in decimal degrees (WGS 84) when coords_kind is
        'geographic', else projected or local metres (coords_kind 'projected').
    eca: coil name ('VCP0.32', 'HCP1.48', ...) -> apparent conductivity in mS/m (NaN = missing).
    inphase: coil name -> in-phase in ppt (same keys as eca where the file has them).
    extra: other kept columns by name (float64 or str arrays): Altitude, Time, elevation,
        '<coil>_err' (GF Error%), Inv.* (GF on-board inversion) under their original names.
    coil_strings: coil name -> full EMagPy string when known (frequency f<Hz>, height h<m>).
    source: file path(s) read; n_rows_read: data rows in the file(s); n_rows_skipped: rows
        dropped, by reason in skipped_reasons; notes: human-readable remarks for the user.
    merge: filled by merge_lo_hi (matched / unmatched counts, criterion, tolerance).
    """

    x: np.ndarray
    y: np.ndarray
    coords_kind: str
    eca: dict[str, np.ndarray]
    inphase: dict[str, np.ndarray]
    extra: dict[str, np.ndarray]
    source: str
    n_rows_read: int
    n_rows_skipped: int
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    coil_strings: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    merge: dict = field(default_factory=dict)

    @property
    def n_points(self) -> int:
        """Number of survey points kept."""
        return len(self.x)

    @property
    def coils(self) -> list[str]:
        """Coil names in column order, e.g. ['VCP0.32', 'VCP0.71', 'VCP1.18']."""
        return list(self.eca)


def gf_coils(instrument: str, orientation: str, height: float = 0.0) -> list[str]:
    """EMagPy coil strings of a GF instrument in one mode, channel order 1..N.

    instrument: a key of GF_PRESETS; orientation: 'VCP' (Lo mode) or 'HCP' (Hi mode);
    height: instrument height above ground, m.
    """
    if instrument not in GF_PRESETS:
        raise ValueError(f"Unknown GF instrument {instrument!r}: choose one of {', '.join(GF_PRESETS)}.")
    orientation = str(orientation).upper()
    if orientation not in ("VCP", "HCP"):
        raise ValueError(f"Orientation must be 'VCP' (Lo mode) or 'HCP' (Hi mode), got {orientation!r}.")
    return [c.emagpy for c in INSTRUMENTS[instrument].coils_at(float(height), (orientation,))]


def is_nmea(text: str) -> bool:
    """True if text looks like an NMEA coordinate such as '5224.461500N' or '00220.673328W'."""
    return bool(_NMEA.match(str(text).replace(",", ".")))


def parse_nmea(values) -> np.ndarray:
    """Coordinates as decimal degrees (float64; NaN where unparseable).

    values: array of str (or numbers). NMEA 'ddmm.mmmm[NS]' / 'dddmm.mmmm[EW]' (S and W negative);
        numbers and numeric strings are taken as decimal degrees; a hemisphere letter after a
        value with fewer than 3 digits before the point ('52.41N') also means decimal degrees,
        since NMEA always writes the two minute digits. ',' is accepted as decimal mark.
    """
    arr = np.asarray(values)
    if arr.dtype.kind in "fiu":
        return np.where(np.abs(arr) > 180.0, np.nan, arr.astype(np.float64))
    # Slicing in plain list comprehensions, numbers checked by one regex over the column,
    # NMEA arithmetic in numpy: 100k values in ~0.1 s.
    text = [str(v).strip().replace(",", ".") for v in arr.ravel()]
    hemi = np.array([t[-1:].upper() for t in text])
    lettered = np.isin(hemi, ["N", "S", "E", "W"])
    body = [t[:-1].rstrip() if h else t for t, h in zip(text, lettered)]
    v = to_numeric(body)
    # NMEA always writes two minute digits before the point, so >= 3 integer digits means NMEA
    int_digits = np.array([len(t) if t.find(".") < 0 else t.find(".") for t in body])
    deg = np.floor(v / 100.0)
    minutes = v - 100.0 * deg
    nmea = np.where(minutes < 60.0, deg + minutes / 60.0, np.nan)
    value = np.where(lettered & (int_digits >= 3), nmea, v)
    value[lettered & ~(v >= 0)] = np.nan  # a sign and a hemisphere letter contradict each other
    out = np.where(np.isin(hemi, ["S", "W"]), -value, value).reshape(arr.shape)
    out[np.abs(out) > 180.0] = np.nan
    return out


def _resolve_coils(instrument_coils, orientation, height) -> list[Coil]:
    """Coils for GF channels 1..N from a preset key, a list of spacings or a list of coil strings."""
    if instrument_coils is None:
        return []
    if isinstance(instrument_coils, str):
        if instrument_coils in GF_PRESETS:
            if orientation is None:
                raise ValueError(f"Instrument {instrument_coils!r} needs orientation='VCP' (Lo) or 'HCP' (Hi).")
            return [parse_coil(c) for c in gf_coils(instrument_coils, orientation, height or 0.0)]
        if not re.match(r"^\s*(VCP|HCP|PRP)", instrument_coils, re.IGNORECASE):
            raise ValueError(f"Unknown instrument {instrument_coils!r}: choose one of {', '.join(GF_PRESETS)} "
                             "or give the coils, e.g. ['VCP0.32', 'VCP0.71', 'VCP1.18'].")
        instrument_coils = [instrument_coils]
    coils = []
    for c in instrument_coils:
        if isinstance(c, Coil):
            coils.append(c)
        elif isinstance(c, (int, float, np.floating)):
            if orientation is None:
                raise ValueError("Coil spacings given without orientation: pass orientation='VCP' or 'HCP'.")
            coils.append(Coil(str(orientation).upper(), float(c)))
        else:
            coils.append(parse_coil(c))
    if height is not None:
        coils = [c.at_height(height) for c in coils]
    return coils


def _sniff(sample: str) -> tuple[str, str]:
    """(separator, decimal mark) from the first lines of a file."""
    lines = [ln for ln in sample.splitlines() if ln.strip()]
    header = lines[0]
    body = "\n".join(lines[1:20])
    if "\t" in header:
        sep = "\t"
    elif header.count(";") > header.count(","):
        sep = ";"
    elif "," in header:
        sep = ","
    else:
        sep = r"\s+"
    # ',' decimals are only possible when ',' is not the separator (EMagPy FAQ: ';' + ',').
    decimal = "," if sep != "," and len(re.findall(r"\d,\d", body)) > len(re.findall(r"\d\.\d", body)) else "."
    return sep, decimal


def _to_float(column: Column, decimal: str) -> np.ndarray:
    """A column as float64, NaN where empty or not a number."""
    return column.as_float(decimal)


def _base(name: str) -> str:
    """Header without unit suffix, lower case: 'x[m]' -> 'x'."""
    return re.sub(r"\s*\[[^\]]*\]\s*$", "", name).strip().lower()


def _read_table(path: Path) -> tuple[list[str], list[Column], int, str, list[str]]:
    """Column names, columns and number of rows of the file, plus decimal mark and notes on
    dropped columns."""
    data = path.read_bytes()
    raw = data[:65536]
    encoding = "utf-8-sig"
    try:
        sample = raw.decode(encoding)
    except UnicodeDecodeError:  # GF software on Windows may write cp1252 (degree signs, µ)
        encoding = "latin-1"
        sample = raw.decode(encoding)
    if not sample.strip():
        raise ValueError(f"{path}: the file is empty.")
    sep, decimal = _sniff(sample)
    try:
        names, columns, n_rows = read_delimited(data.decode(encoding, errors="replace"), sep, decimal,
                                         skipinitialspace=True, index_col_false=True, c_engine=len(sep) == 1)
    except TableError as err:
        raise ValueError(f"{path}: could not split the file into columns with separator {sep!r}: {err}") from None
    notes = []
    names = [str(c).strip() for c in names]
    empty = [i for i, n in enumerate(names) if n.startswith("Unnamed:") or not n]
    if empty and empty[0] == 0:  # an index column written without header (pandas to_csv)
        columns, names, empty = columns[1:], names[1:], [i - 1 for i in empty[1:]]
    if empty:  # spreadsheet leftovers: everything from the first header-less column on is not data
        cut = empty[0]
        junk = [n for n in names[cut:] if not n.startswith("Unnamed:")]
        if junk:
            notes.append(f"ignored {len(junk)} column(s) after an empty header column: {', '.join(junk)}")
        columns, names = columns[:cut], names[:cut]
    return names, columns, n_rows, decimal, notes


def read_survey(path, instrument_coils=None, orientation=None, height=None) -> SurveyTable:
    """Read one EMI survey file.

    path: .dat / .csv / .txt file (GF Instruments export or EMagPy-style CSV).
    instrument_coils: what GF channels Cond.1..N are: a GF_PRESETS key (with orientation), a list
        of coil strings ('VCP0.32' or 'VCP0.32f30000h0.1'), or a list of coil spacings in m (with
        orientation). Not needed for files whose columns are named by coil.
    orientation: 'VCP' (Lo mode) or 'HCP' (Hi mode), with a preset key or spacings.
    height: instrument height above ground, m, written into coil_strings of GF channels
        (None: the preset's 0 m or the height in the given coil strings).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Survey file not found: {path}")
    headers, columns, n, decimal, notes = _read_table(path)
    df = dict(zip(headers, columns))  # a name repeated after stripping spaces: the last column
    if n == 0:
        raise ValueError(f"{path}: the file has a header but no data rows.")

    # --- classify columns -------------------------------------------------------------------
    gf: dict[str, dict[int, str]] = {"cond": {}, "inph": {}, "error": {}, "quad": {}}
    named: list[tuple[str, str, str]] = []  # (column, coil stem, kind)
    lat_col = lon_col = x_col = y_col = None
    for col in headers:
        base = _base(col)
        if ch := gf_channel(col):
            gf[ch[0]][ch[1]] = col
        elif coil_col := parse_coil_field(col):
            named.append((col, coil_col[0], coil_col[1]))
        elif base in _LAT_NAMES and lat_col is None:
            lat_col = col
        elif base in _LON_NAMES and lon_col is None:
            lon_col = col
        elif base in _X_NAMES and x_col is None:
            x_col = col
        elif base in _Y_NAMES and y_col is None:
            y_col = col

    # --- coordinates --------------------------------------------------------------------------
    skipped: dict[str, int] = {}
    bad = np.zeros(n, dtype=bool)

    def drop(mask, reason):
        new = mask & ~bad
        if new.any():
            skipped[reason] = skipped.get(reason, 0) + int(new.sum())
            bad[new] = True

    if lat_col and lon_col:  # lat/lon define their own CRS (WGS 84); prefer them over x/y
        kind, used = "geographic", (lon_col, lat_col)
        y, x = parse_nmea(df[lat_col].data), parse_nmea(df[lon_col].data)
        y[np.abs(y) > 90.0] = np.nan
    elif x_col and y_col:
        kind, used = "projected", (x_col, y_col)
        x, y = _to_float(df[x_col], decimal), _to_float(df[y_col], decimal)
    else:
        raise ValueError(
            f"{path}: no coordinate columns found. Expected Latitude/Longitude (NMEA or decimal "
            f"degrees) or x/y (metres). Columns in the file: {', '.join(headers)}."
        )
    missing = df[used[0]].na | df[used[1]].na  # empty fields
    drop(missing, "missing coordinate")
    drop(np.isnan(x) | np.isnan(y), "unparseable coordinate")
    if kind == "geographic":
        # GF receivers write 0/0 before the GPS has a fix.
        drop((x == 0) & (y == 0), "no GPS fix (0, 0)")

    # --- ECa and in-phase ----------------------------------------------------------------------
    eca, inphase, extra, coil_strings = {}, {}, {}, {}
    eca_cols, extra_cols = {}, {}  # field name -> file column
    consumed = set(used)

    def put(target, name, col):
        if name in target:
            raise ValueError(f"{path}: two columns give {name}: check the header ({', '.join(headers)}).")
        target[name] = _to_float(df[col], decimal)
        consumed.add(col)
        if target is eca:
            eca_cols[name] = col
        elif target is extra:
            extra_cols[name] = col

    if gf["cond"]:
        channels = sorted(gf["cond"])
        coils = _resolve_coils(instrument_coils, orientation, height)
        if len(coils) != len(channels) or channels != list(range(1, len(channels) + 1)):
            expected = ", ".join(c.name for c in coils) if coils else "none given"
            raise ValueError(
                f"{path}: the file has {len(channels)} GF conductivity column(s) "
                f"({', '.join(gf['cond'][i] for i in channels)}) but the instrument coils are "
                f"[{expected}] ({len(coils)}). Choose the instrument and mode the survey was made "
                f"with: {', '.join(f'{k}: {len(v)} coils' for k, v in GF_PRESETS.items())}."
            )
        for ch, coil in zip(channels, coils):
            put(eca, coil.name, gf["cond"][ch])
            coil_strings[coil.name] = coil.emagpy
            if ch in gf["inph"]:
                put(inphase, coil.name, gf["inph"][ch])
            for kind_, suffix in (("error", "_err"), ("quad", "_quad")):
                if ch in gf[kind_]:
                    put(extra, coil.name + suffix, gf[kind_][ch])
    elif instrument_coils is not None and named:
        try:
            chosen = {c.coil_spacing for c in _resolve_coils(instrument_coils, orientation, height)}
        except ValueError:
            chosen = set()
        in_file = {parse_coil(stem).coil_spacing for _, stem, _ in named}
        if not in_file <= chosen:
            notes.append(f"the header names its coils ({', '.join(sorted(c for c, _, k in named if not k))}); "
                         "they differ from the chosen instrument, the header was used")
    for col, stem, kind_ in named:
        coil = parse_coil(stem)
        if kind_ == "":
            put(eca, coil.name, col)
            # keep frequency / height only when the file gives them (EMagPy: 'VCP0.32f10000h0')
            coil_strings[coil.name] = coil.emagpy if re.search(r"[fh]", stem[3:], re.IGNORECASE) else coil.name
        elif kind_ == "inph":
            put(inphase, coil.name, col)
        else:
            put(extra, f"{coil.name}_{kind_}", col)
    if not eca:
        raise ValueError(
            f"{path}: no ECa columns found. Expected GF 'Cond.1[mS/m]'... or coil-named columns "
            f"such as 'VCP0.32' / 'HCP1.48f10000h1'. Columns in the file: {', '.join(headers)}."
        )
    drop(np.all(np.isnan(np.column_stack(list(eca.values()))), axis=1), "no ECa value")
    for name, col in eca_cols.items():  # text in a number column: tell the user, keep the row
        n_text = int((np.isnan(eca[name]) & ~df[col].na).sum())
        if n_text:
            notes.append(f"{col}: {n_text} non-numeric value(s) read as missing")

    # --- everything else is kept as an extra -----------------------------------------------------
    for col in headers:
        if col in consumed:
            continue
        column = df[col]
        if column.na.all():
            continue  # e.g. GF 'Note' column left empty
        values = None if _base(col) == "time" else _to_float(column, decimal)
        if values is not None and np.isnan(values).sum() == column.na.sum():
            extra[col] = values
        else:  # text such as Time 'hh:mm:ss.ss' or notes
            extra[col] = column.as_text()

    # extras in file column order (GF Error% next to its channel, then Inv.*)
    extra_cols.update({k: k for k in extra if k not in extra_cols})
    extra = {k: extra[k] for k in sorted(extra, key=lambda k: headers.index(extra_cols[k]))}
    keep = ~bad
    return SurveyTable(
        x=x[keep], y=y[keep], coords_kind=kind,
        eca={k: v[keep] for k, v in eca.items()},
        inphase={k: v[keep] for k, v in inphase.items()},
        extra={k: v[keep] for k, v in extra.items()},
        source=str(path), n_rows_read=n, n_rows_skipped=int(bad.sum()), skipped_reasons=skipped,
        coil_strings=coil_strings, notes=notes,
    )


def _time_seconds(values) -> np.ndarray:
    """'hh:mm:ss.ss' (or seconds) as seconds of the day, NaN where unparseable."""
    s = [str(v).strip() for v in np.asarray(values, dtype=object).ravel()]
    hms = [_HMS.match(t) for t in s]
    parts = [to_numeric([m.group(k) if m else None for m in hms]) for k in (1, 2, 3)]
    seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
    plain = to_numeric(s)
    return np.where(np.isnan(seconds), plain, seconds)


def _nearest(points: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each row of points (N, 2), the distance to and index of the nearest row of targets."""
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # scipy missing: chunked brute force (fine for a few 10k points)
        dist, idx = np.empty(len(points)), np.empty(len(points), dtype=np.int64)
        for a in range(0, len(points), 2048):
            d2 = ((points[a:a + 2048, None, :] - targets[None, :, :]) ** 2).sum(axis=2)
            idx[a:a + 2048] = d2.argmin(axis=1)
            dist[a:a + 2048] = np.sqrt(d2[np.arange(len(d2)), idx[a:a + 2048]])
        return dist, idx
    dist, idx = cKDTree(targets).query(points)
    return np.asarray(dist, dtype=np.float64), np.asarray(idx, dtype=np.int64)


def merge_lo_hi(lo: SurveyTable, hi: SurveyTable, max_distance_m: float = 2.0, by: str = "position",
                max_time_s: float = 1.0) -> SurveyTable:
    """One table with the coils of both modes, at the Lo points.

    lo, hi: the two files of one survey (typically Lo = VCP, Hi = HCP; their coil names must differ).
    max_distance_m: by='position': a Hi reading is used only within this distance (m) of the Lo
        point (geographic input: local equirectangular projection, metres on the ground).
    by: 'position' (nearest Hi point) or 'time' (nearest Hi 'Time' of day, same day assumed).
    max_time_s: by='time': largest time difference accepted, s.

    Lo points without a Hi partner within the tolerance keep NaN for the Hi coils; the counts are in
    ``merge`` ({'by', 'tolerance', 'matched', 'unmatched', 'hi_unused'}) and extra['merge_distance_m']
    (or 'merge_dt_s') holds each point's distance to its partner. Hi extras whose names clash
    with Lo extras get a '_hi' suffix.

    EMagPy 1.4.5 ``Problem.importGF(fnameLo, fnameHi)`` differs: it stacks ALL Lo and Hi positions
    (n_lo + n_hi rows) and fills each mode's missing coils from the nearest point of the other file
    (scipy NearestNDInterpolator in the target projection), with no distance limit. Here each
    output point is a real Lo measurement and far-away partners are refused, so no reading is
    duplicated or moved more than the tolerance.
    """
    if lo.coords_kind != hi.coords_kind:
        raise ValueError(f"Cannot merge {lo.source} ({lo.coords_kind} coordinates) with {hi.source} "
                         f"({hi.coords_kind}): both files must use the same kind of coordinates.")
    same = sorted(set(lo.eca) & set(hi.eca))
    if same:
        raise ValueError(f"Both {lo.source} and {hi.source} contain {', '.join(same)}: merge expects one "
                         "file per mode (Lo = VCP, Hi = HCP). Check the orientation chosen for each file.")
    if by == "position":
        x0, y0 = np.nanmean(lo.x), np.nanmean(lo.y)

        def metric(t):
            if t.coords_kind != "geographic":
                return np.column_stack([t.x, t.y])
            # equirectangular about the survey centre: < 0.1 % error over a few km
            k = np.pi / 180.0 * EARTH_RADIUS_M
            return np.column_stack([(t.x - x0) * k * np.cos(np.radians(y0)), (t.y - y0) * k])

        dist, idx = _nearest(metric(lo), metric(hi))
        tolerance, gap_name = float(max_distance_m), "merge_distance_m"
    elif by == "time":
        times = []
        for t in (lo, hi):
            key = next((k for k in t.extra if k.lower() == "time"), None)
            if key is None:
                raise ValueError(f"{t.source}: no Time column, cannot merge by time; merge by position instead.")
            times.append(_time_seconds(t.extra[key]))
        t_lo, t_hi = times
        order = np.argsort(t_hi, kind="stable")
        sorted_hi = t_hi[order]
        valid = ~np.isnan(sorted_hi)
        order, sorted_hi = order[valid], sorted_hi[valid]
        if len(sorted_hi) == 0:
            raise ValueError(f"{hi.source}: no readable Time value (expected hh:mm:ss.ss).")
        pos = np.clip(np.searchsorted(sorted_hi, t_lo), 1, len(sorted_hi) - 1) if len(sorted_hi) > 1 \
            else np.zeros(len(t_lo), dtype=np.int64)
        before = np.maximum(pos - 1, 0)
        use_before = np.abs(t_lo - sorted_hi[before]) <= np.abs(sorted_hi[pos] - t_lo)
        best = np.where(use_before, before, pos)
        idx, dist = order[best], np.abs(t_lo - sorted_hi[best])
        dist[np.isnan(t_lo)] = np.nan
        tolerance, gap_name = float(max_time_s), "merge_dt_s"
    else:
        raise ValueError(f"merge by must be 'position' or 'time', got {by!r}.")

    ok = dist <= tolerance  # NaN distance (no time) -> not matched

    def take(values):
        if values.dtype.kind in "fc":
            return np.where(ok, values[idx], np.nan)
        return np.where(ok, values[idx].astype(str), "")

    extra = dict(lo.extra)
    for k, v in hi.extra.items():
        extra[k + "_hi" if k in extra else k] = take(v)
    extra[gap_name] = np.where(ok, dist, np.nan)
    n_ok = int(ok.sum())
    notes = lo.notes + hi.notes
    if n_ok < len(ok):
        notes.append(f"{len(ok) - n_ok} of {len(ok)} Lo points have no Hi reading within {tolerance:g} "
                     f"{'m' if by == 'position' else 's'}: their {', '.join(hi.eca)} values are missing")
    reasons = dict(lo.skipped_reasons)
    for k, v in hi.skipped_reasons.items():
        reasons[k] = reasons.get(k, 0) + v
    return SurveyTable(
        x=lo.x.copy(), y=lo.y.copy(), coords_kind=lo.coords_kind,
        eca={**lo.eca, **{k: take(v) for k, v in hi.eca.items()}},
        inphase={**lo.inphase, **{k: take(v) for k, v in hi.inphase.items()}},
        extra=extra, source=f"{lo.source} + {hi.source}",
        n_rows_read=lo.n_rows_read + hi.n_rows_read, n_rows_skipped=lo.n_rows_skipped + hi.n_rows_skipped,
        skipped_reasons=reasons, coil_strings={**lo.coil_strings, **hi.coil_strings}, notes=notes,
        merge={"by": by, "tolerance": tolerance, "matched": n_ok, "unmatched": int(len(ok) - n_ok),
               "hi_unused": int(len(hi.x) - len(np.unique(idx[ok])))},
    )


def apply_gf_calibration(table: SurveyTable, calibration: str | None) -> list[str]:
    """Convert GF-calibrated ECa (F-0m / F-1m, as the device exports them) of ``table`` to LIN ECa in
    place (EMagPy gfCorrection coefficients, emiai_core.gf_calibration); None = keep as exported.

    Returns one line per coil for the log; raises ValueError for a coil without a coefficient."""
    from .gf_calibration import gf_factor

    if not calibration:
        return []
    lines = []
    for coil in table.coils:
        factor = gf_factor(table.coil_strings.get(coil, coil), calibration)
        table.eca[coil] = table.eca[coil] * factor
        lines.append(f"{coil}: GF {calibration} ECa × {factor:.5f} = LIN ECa")
    return lines


def survey_columns(table: SurveyTable) -> list[tuple[str, str, str, np.ndarray]]:
    """The attribute columns of an imported survey, in layer order: ECa per coil (mS/m), in-phase
    (ppt), the instrument height (HEIGHT_M, when all coils share one) and the kept extra columns.

    Returns (name, kind 'double' | 'string', comment, values) tuples."""
    from .fields import FIELD_COMMENTS, HEIGHT_FIELD

    cols = [(coil, "double", f"ECa (mS/m), {table.coil_strings.get(coil, coil)}", v) for coil, v in table.eca.items()]
    cols += [(f"{coil}_inph", "double", "in-phase (ppt)", v) for coil, v in table.inphase.items()]
    # the instrument height travels with the points, so that prediction can check it against the
    # model's height and forward-model the misfit at the height the data were taken
    heights = {parse_coil(table.coil_strings.get(c, c)).height for c in table.coils}
    if len(heights) == 1 and HEIGHT_FIELD not in table.extra:
        cols.append((HEIGHT_FIELD, "double", FIELD_COMMENTS[HEIGHT_FIELD], np.full(table.n_points, heights.pop())))
    cols += [(name, "double" if v.dtype.kind == "f" else "string", "", v) for name, v in table.extra.items()]
    return cols
