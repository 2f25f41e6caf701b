"""Read .npz files that may come from anywhere: sizes and dtypes are checked from the zip directory
and the .npy headers before anything is decompressed, and arrays are decompressed one at a time,
only when asked for (after the caller has validated the file's metadata).

``np.load`` decompresses an entry as soon as it is indexed, trusts the shape in its header (a
28 MB file can declare a 6 GiB array) and accepts a plain .npy file where an .npz is expected;
this reader refuses all three with a message, never unpickles, and never allocates more than the
limits allow.
"""
from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np


class NpzError(ValueError):
    """An .npz file that is not one, or that exceeds a limit."""


@dataclass(frozen=True)
class NpzLimits:
    """Largest file on disk, largest array and all arrays together (decompressed), in bytes."""

    max_file_bytes: int
    max_array_bytes: int
    max_total_bytes: int


@dataclass(frozen=True)
class ArrayInfo:
    shape: tuple
    dtype: np.dtype

    @property
    def nbytes(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) * int(self.dtype.itemsize)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000.0
    return f"{n} bytes"


class SafeNpz:
    """An opened .npz: ``names``, ``info[name]`` (shape, dtype from the header) and ``load(name)``.

    Use as a context manager. Entries must be .npy arrays of booleans, numbers or unicode text
    (no objects, no pickles), each and all together within ``limits``."""

    ALLOWED_KINDS = "biufU"

    def __init__(self, path, limits: NpzLimits, what: str = "file"):
        self.path = Path(path)
        self.what = what
        if not self.path.is_file():
            raise NpzError(f"{what} {self.path} does not exist.")
        size = self.path.stat().st_size
        if size > limits.max_file_bytes:
            raise NpzError(f"{what} {self.path} is {_size(size)}, more than the {_size(limits.max_file_bytes)} "
                           "such a file can have.")
        try:
            self._zip = zipfile.ZipFile(self.path)
        except (zipfile.BadZipFile, OSError) as err:
            raise NpzError(f"{what} {self.path} is not a readable .npz archive ({err}); an .npy file or another format "
                           "cannot be used.") from None
        try:
            self.info = {}
            total = 0
            for zi in self._zip.infolist():
                if not zi.filename.endswith(".npy") or zi.is_dir():
                    raise NpzError(f"{what} {self.path}: entry {zi.filename!r} is not a .npy array.")
                name = zi.filename[:-4]
                if zi.file_size > limits.max_array_bytes:
                    raise NpzError(f"{what} {self.path}: array {name!r} is {_size(zi.file_size)} decompressed, more "
                                   f"than {_size(limits.max_array_bytes)}.")
                total += zi.file_size
                if total > limits.max_total_bytes:
                    raise NpzError(f"{what} {self.path}: its arrays are more than {_size(limits.max_total_bytes)} "
                                   "decompressed.")
                info = self._header(zi, name)
                if info.nbytes > zi.file_size:  # the header promises more data than the entry holds
                    raise NpzError(f"{what} {self.path}: array {name!r} declares {info.shape} ({_size(info.nbytes)}) "
                                   f"but holds {_size(zi.file_size)}.")
                self.info[name] = info
        except BaseException:
            self._zip.close()
            raise

    def _header(self, zi, name) -> ArrayInfo:
        fmt = np.lib.format
        try:
            with self._zip.open(zi) as f:
                version = fmt.read_magic(f)
                reader = fmt.read_array_header_1_0 if version == (1, 0) else fmt.read_array_header_2_0
                shape, _, dtype = reader(f)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise NpzError(f"{self.what} {self.path}: entry {name!r} is not a valid .npy array ({err}).") from None
        if dtype.hasobject or dtype.kind not in self.ALLOWED_KINDS:
            raise NpzError(f"{self.what} {self.path}: array {name!r} has dtype {dtype}; only numbers and text "
                           "are accepted.")
        return ArrayInfo(tuple(int(s) for s in shape), dtype)

    @property
    def names(self) -> list:
        return list(self.info)

    def __contains__(self, name) -> bool:
        return name in self.info

    def load(self, name) -> np.ndarray:
        """Decompress one array (its size was checked when the file was opened)."""
        if name not in self.info:
            raise NpzError(f"{self.what} {self.path}: no array {name!r}.")
        try:
            with self._zip.open(name + ".npy") as f:
                return np.lib.format.read_array(f, allow_pickle=False)
        except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
            raise NpzError(f"{self.what} {self.path}: array {name!r} cannot be read ({err}).") from None

    def text(self, name, max_bytes: int) -> str:
        """A 0-d or 1-element unicode entry (JSON metadata) of at most ``max_bytes``."""
        info = self.info.get(name)
        if info is None:
            raise NpzError(f"{self.what} {self.path}: no {name!r} entry.")
        if info.dtype.kind != "U" or int(np.prod(info.shape, dtype=np.int64)) != 1 or info.nbytes > max_bytes:
            raise NpzError(f"{self.what} {self.path}: {name!r} must be one text of at most {_size(max_bytes)}.")
        return str(self.load(name).reshape(()))

    def close(self):
        self._zip.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class LazyArrays:
    """dict-like view of a SafeNpz: ``get``/``[]`` decompress an array on first use."""

    def __init__(self, npz: SafeNpz):
        self._npz = npz
        self._cache = {}

    def __contains__(self, name):
        return name in self._npz

    def get(self, name, default=None):
        if name not in self._npz:
            return default
        if name not in self._cache:
            self._cache[name] = self._npz.load(name)
        return self._cache[name]

    def __getitem__(self, name):
        if name not in self._npz:
            raise KeyError(name)
        return self.get(name)

    def keys(self):
        return self._npz.names


__all__ = ["ArrayInfo", "LazyArrays", "NpzError", "NpzLimits", "SafeNpz"]
