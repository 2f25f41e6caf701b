"""Delimited text tables read the way pandas.read_csv (2.x) reads them, without pandas.

QGIS installs (Debian, OSGeo4W) ship numpy and scipy but not pandas; the survey and ERT readers
(emiai_core.survey, emiai_core.ert) read their tables with this module, the csv module and numpy.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

import numpy as np

# What the former pandas-based readers did is kept token for token: the default NA strings,
# pandas' column types (int64 / float64 / bool / text), its number grammar (converted with
# Python's float(), correctly rounded: pandas 2.x is 1 ulp off for some 16-17 digit numbers),
# header de-duplication ('a', 'a.1'), 'Unnamed: i' for empty header names, short rows padded, the
# C parser's "Expected n fields in line m, saw k" error.

#: pandas' default NA strings (pandas._libs.parsers.STR_NA_VALUES).
_NA_VALUES = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND",
                        "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"})
_INF_WORDS = {"inf": np.inf, "+inf": np.inf, "-inf": -np.inf, "infinity": np.inf, "+infinity": np.inf,
              "-infinity": -np.inf}
_ASCII_WS = " \t\n\v\f\r"  # C isspace
_WS = "[ \t\v\f\r]*"
_INT_RE = re.compile(_WS + "[+-]?[0-9]+" + _WS)
_INT_HEAD = re.compile("[ \t\n\v\f\r]*([+-]?[0-9]+)")
# Characters a column of numbers may hold: when a column has no others, Python's int() / float()
# accept exactly the tokens pandas accepts (no letters: no 'nan', 'inf', '_', '0x', non-ASCII).
_INT_CHARS = re.compile("[0-9+\\- \t\v\f\r\n]*")
_NUM_CHARS = {d: re.compile(f"[0-9{re.escape(d)}+\\-eE \t\v\f\r\n]*") for d in ".,"}
_FLOAT_RE = {d: re.compile(_WS + f"[+-]?(?:[0-9]+(?:{re.escape(d)}[0-9]*)?|{re.escape(d)}[0-9]+)"
                           "(?:[eE][+-]?[0-9]{1,17})?" + _WS) for d in ".,"}


def _int_values(tokens: list[str]) -> list[int] | None:
    """The tokens as Python ints when every one is an integer in pandas' sense, else None."""
    joined = "\n".join(tokens)
    if not tokens or joined.count("\n") != len(tokens) - 1 or not _INT_CHARS.fullmatch(joined):
        return None
    try:
        return list(map(int, tokens))
    except ValueError:
        return None


def _floats(tokens: list[str], decimal: str = ".", all_or_none: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(values, ok) of tokens as pandas converts them to float64; ok False where not a number.
    all_or_none: only whether every token is a number matters (else ok is all False)."""
    n = len(tokens)
    values = np.full(n, np.nan)
    if n == 0:
        return values, np.ones(0, dtype=bool)
    token_re = _FLOAT_RE[decimal]
    joined = "\n".join(tokens)
    good = None
    if joined.count("\n") == n - 1 and _NUM_CHARS[decimal].fullmatch(joined):
        if decimal != ".":
            joined = joined.replace(decimal, ".")
        try:
            values = np.fromiter(map(float, joined.split("\n")), dtype=np.float64, count=n)
            good, idx, ok = joined.split("\n"), np.arange(n), np.ones(n, dtype=bool)
        except ValueError:
            pass
    if good is None:
        inf = np.fromiter((t.lower() in _INF_WORDS for t in tokens), dtype=bool, count=n)
        if all_or_none and not inf.any():
            return values, np.zeros(n, dtype=bool)
        num = np.fromiter((token_re.fullmatch(t) is not None for t in tokens), dtype=bool, count=n)
        ok = num | inf
        if all_or_none and not ok.all():
            return values, np.zeros(n, dtype=bool)
        for i in np.flatnonzero(inf):
            values[i] = _INF_WORDS[tokens[i].lower()]
        idx = np.flatnonzero(num)
        good = [tokens[i].replace(decimal, ".") for i in idx]
        values[idx] = np.fromiter(map(float, good), dtype=np.float64, count=len(good))
        joined = "\n".join(good)
    # Python's float() rounds correctly (pandas 2.x rounds numbers of more than 15 digits to the
    # next-but-one float at times); a number too large for float64 is not a number
    ok[idx[~np.isfinite(values[idx]) & np.array([t.strip().lower().lstrip("+-") not in ("inf", "infinity")
                                                 for t in good], dtype=bool)]] = False
    return values, ok


def _ints(values: list[int]) -> np.ndarray | None:
    """Integers as pandas keeps them (int64, else uint64), None when out of range."""
    lo, hi = (min(values), max(values)) if values else (0, 0)
    if lo >= -2**63 and hi < 2**63:
        return np.array(values, dtype=np.int64)
    if lo >= 0 and hi < 2**64:
        return np.array(values, dtype=np.uint64)
    return None


def to_numeric(values) -> np.ndarray:
    """float64 as pd.to_numeric(pd.Series(values, dtype=object), errors='coerce'): str items by
    pandas' number grammar ('.' decimals), NaN / None / unparseable -> NaN, bools 1.0 / 0.0."""
    values = list(values)
    if not values:
        return np.empty(0)
    out = np.full(len(values), np.nan)
    strs = [i for i, v in enumerate(values) if isinstance(v, str)]
    if len(strs) < len(values):  # objects from a pandas-typed text column: NaN / bool
        for i, v in enumerate(values):
            if isinstance(v, (bool, np.bool_, int, float, np.number)) and not isinstance(v, str):
                out[i] = float(v)
        if not strs:
            return out
    tokens = [values[i] for i in strs]
    idx = np.asarray(strs)
    as_int = _int_values(tokens) if len(strs) == len(values) else None
    if as_int is not None:
        ints = _ints(as_int)
        if ints is not None:  # every item an integer: pandas keeps them exact
            return ints.astype(np.float64)
    v, ok = _floats(tokens)
    out[idx[ok]] = v[ok]
    return out


@dataclass
class Column:
    """One column as pandas.read_csv types it: data is float64, int64/uint64, bool or object
    (str, np.nan for NA, True/False for a bool column with gaps); na marks NA fields."""

    data: np.ndarray
    na: np.ndarray

    def as_float(self, decimal: str = ".") -> np.ndarray:
        """float64; text columns through to_numeric after stripping (and ',' -> '.')."""
        if self.data.dtype.kind in "fiub":
            return self.data.astype(np.float64)
        text = [str(v).strip() for v in self.data]
        if decimal == ",":
            text = [t.replace(",", ".") for t in text]
        return to_numeric(text)

    def as_text(self) -> np.ndarray:
        """Object array of str, '' for NA (pandas .fillna('').astype(str).to_numpy())."""
        return np.array(["" if na else str(v) for v, na in zip(self.data.tolist(), self.na)], dtype=object)


def _c_int_column(tokens: list[str], na: np.ndarray) -> Column | None:
    """pandas' C parser on a column that may hold integers beyond int64 (parsers.pyx _try_int64,
    then _try_uint64, token by token; a run of digits overflows before the rest of the token is
    looked at); None when the column is not integer (float is tried next)."""
    for t, m in zip(tokens, na):
        if m:
            continue
        head = _INT_HEAD.match(t)
        if not head:
            return None
        if not -2**63 <= int(head.group(1)) < 2**63:
            break
        if head.end() != len(t) and not _INT_RE.fullmatch(t):
            return None
    else:
        return _int_column([int(t) for t, m in zip(tokens, na) if not m], na)
    seen_sint = seen_uint = False
    values = []
    for t, m in zip(tokens, na):
        if m or t.lstrip(_ASCII_WS).startswith("-"):
            seen_sint |= not m
            values.append(0)
            continue
        head = _INT_HEAD.match(t)
        if not head:
            return None
        v = int(head.group(1))
        if v >= 2**64:  # OverflowError: kept as text
            return _text_column(tokens, na)
        if head.end() != len(t) and not _INT_RE.fullmatch(t):
            return None
        seen_uint |= v >= 2**63
        values.append(v)
    if seen_uint and (seen_sint or na.any()):  # "cannot convert to numerical dtype": raw text, no NA
        return _raw_text_column(tokens)
    if seen_sint:
        return _text_column(tokens, na)
    return Column(np.array(values, dtype=np.uint64), na)


def _int_column(values: list[int], na: np.ndarray) -> Column:
    """int64 column; with NA fields float64 (pandas upcasts, INT64_MIN taken as its NA marker)."""
    ints = np.array(values, dtype=np.int64)
    if not na.any():
        return Column(ints, na)
    na = na.copy()
    na[np.flatnonzero(~na)[ints == -2**63]] = True
    data = np.full(len(na), np.nan)
    data[~na] = ints[ints != -2**63].astype(np.float64)
    return Column(data, na)


def _text_column(tokens: list[str], na: np.ndarray) -> Column:
    data = np.array(tokens, dtype=object)
    data[na] = np.nan
    return Column(data, na)


def _raw_text_column(tokens: list[str], c_engine: bool = True) -> Column:
    """Text without NA detection (pandas' fallback when integers do not fit int64 nor uint64);
    the python engine's padding of short rows (None) stays NA."""
    data = np.array(tokens, dtype=object)
    na = np.zeros(len(tokens), dtype=bool) if c_engine else data == ""
    data[na] = None
    return Column(data, na)


def _typed_column(tokens: list[str], decimal: str, c_engine: bool) -> Column:
    """pandas' type inference for one column of raw tokens (int64, float64, bool, else text)."""
    n = len(tokens)
    na = np.fromiter(map(_NA_VALUES.__contains__, tokens), dtype=bool, count=n)
    if na.all():
        return Column(np.full(n, np.nan), na)
    vals = [t for t, m in zip(tokens, na) if not m] if na.any() else list(tokens)
    as_int = _int_values(vals)
    if c_engine:
        if as_int is not None and -2**63 <= min(as_int) and max(as_int) < 2**63:
            return _int_column(as_int, na)
        if as_int is not None or max(map(len, vals)) > 18:  # integers beyond int64 somewhere
            column = _c_int_column(tokens, na)
            if column is not None:
                return column
    v, ok = _floats(vals, decimal, all_or_none=True)
    if ok.all():
        if not c_engine:  # pandas' python engine (lib.maybe_convert_numeric)
            ints = [int(t) for t in vals if _INT_RE.fullmatch(t)] if max(map(len, vals)) > 18 else []
            if ints and (min(ints) < -2**63 or max(ints) >= 2**64):  # "Integer out of range"
                return _text_column(tokens, na)
            if ints and max(ints) >= 2**63 and (na.any() or min(ints) < 0):  # uint64 conflict
                return _raw_text_column(tokens, c_engine=False)
            ints = None if na.any() or as_int is None else _ints(as_int)
            if ints is not None:
                return Column(ints, na)
        data = np.full(n, np.nan)
        data[~na] = v
        return Column(data, na)
    words = {"true": True, "false": False} if c_engine else {"True": True, "TRUE": True, "true": True,
                                                              "False": False, "FALSE": False, "false": False}
    if all((t.lower() if c_engine else t) in words for t in vals):
        flags = [words[t.lower() if c_engine else t] for t in vals]
        if not na.any():
            return Column(np.array(flags, dtype=bool), na)
        data = np.full(n, np.nan, dtype=object)
        data[~na] = flags
        return Column(data, na)
    return _text_column(tokens, na)


class TableError(ValueError):
    """The text cannot be split into a table the way pandas would; str() is pandas' message."""


def _dedup(names: list[str]) -> list[str]:
    """pandas' header de-duplication: 'a', 'a' -> 'a', 'a.1'; 'Unnamed: i' for empty names,
    named columns mangled before unnamed ones."""
    unnamed = [i for i, n in enumerate(names) if n == ""]
    names = [n if n != "" else f"Unnamed: {i}" for i, n in enumerate(names)]
    original = list(names)
    counts: dict[str, int] = {}
    for i in [i for i in range(len(names)) if i not in unnamed] + unnamed:
        col = old = names[i]
        cur = counts.get(col, 0)
        while cur > 0:
            counts[old] = cur + 1
            col = f"{old}.{cur}"
            cur = cur + 1 if col in original else counts.get(col, 0)
        names[i] = col
        counts[col] = cur + 1
    return names


def _split_lines(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _records(text: str, sep: str, skipinitialspace: bool) -> list[tuple[int, list[str]]]:
    """(line number, fields) of the non-blank records; sep one character, a regex or 'whitespace'."""
    if sep == r"\s+":  # pandas' python engine: strip, split on runs of whitespace, no quoting
        pat = re.compile(sep)
        return [(i, pat.split(s)) for i, s in enumerate((ln.strip() for ln in _split_lines(text)), 1) if s]
    if sep == "whitespace":  # pandas' C engine with delim_whitespace (sep=r'\s+' without engine)
        return [(i, re.split("[ \t]+", s)) for i, s in enumerate((ln.strip(" \t") for ln in _split_lines(text)), 1)
                if s]
    blank = " \t".replace(sep, "")
    if '"' not in text:
        out = [(i, ln.split(sep)) for i, ln in enumerate(_split_lines(text), 1) if ln.strip(blank)]
        if skipinitialspace and (sep + " " in text or text.startswith(" ") or "\n " in text or "\r " in text):
            out = [(i, [f.lstrip(" ") for f in fields]) for i, fields in out]
        return out
    out, i = [], 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, quotechar='"', doublequote=True,
                        skipinitialspace=skipinitialspace, strict=False)
    for fields in reader:
        i += 1
        if fields and not (len(fields) == 1 and not fields[0].strip(blank)):
            out.append((i, fields))
    return out


def read_delimited(text: str, sep: str, decimal: str = ".", skipinitialspace: bool = False,
                    index_col_false: bool = False, c_engine: bool = True) -> tuple[list[str], list[Column], int]:
    """Header names, typed columns and number of data rows of a delimited text, as pandas.read_csv(sep=sep,
    decimal=decimal, skipinitialspace=..., index_col=False if index_col_false else None) gives them.
    Raises TableError where pandas raises ParserError (a row longer than the first rows)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    records = _records(text, sep, skipinitialspace)
    if not records:
        raise TableError("No columns to parse from file")
    names = _dedup([f.strip() if sep in (r"\s+", "whitespace") else f for f in records[0][1]])
    rows = [f for _, f in records[1:]]
    width = len(names)
    lead = 0
    if rows:
        expected = max(width, len(rows[0]))
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        if c_engine and (lengths[1:] > expected).any():
            i = int(np.argmax(lengths[1:] > expected)) + 1
            raise TableError(f"Error tokenizing data. C error: Expected {expected} fields in line "
                              f"{records[i + 1][0]}, saw {lengths[i]}\n")
        if not index_col_false and len(rows[0]) > width:
            lead = len(rows[0]) - width  # pandas: an implicit index in the first column(s)
        total = width + lead
        if (lengths != lengths[0]).any():  # short rows padded with empty fields, long ones cut
            rows = [f[:total] if len(f) >= total else f + [""] * (total - len(f)) for f in rows]
    if decimal != "." and not c_engine:  # pandas' python engine rewrites 'number-like' tokens
        num = re.compile(rf"^[\-\+]?[0-9]*({re.escape(decimal)}[0-9]*)?([0-9]?(E|e)\-?[0-9]+)?$")
        rows = [[x.replace(decimal, ".") if decimal in x and num.search(x.strip()) else x for x in f]
                for f in rows]
        decimal = "."
    columns = list(zip(*rows))[lead:total] if rows else [()] * width
    if rows and len(columns) < width:  # every row short: pandas fills the missing columns with NA
        columns += [("",) * len(rows)] * (width - len(columns))
    return names, [_typed_column(list(c), decimal, c_engine) for c in columns], len(rows)
