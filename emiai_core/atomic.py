"""Write a file completely or not at all: a temporary file beside the target, renamed over it.

Every file the plugin writes goes through :func:`atomic_write`, so a run that fails or is
cancelled leaves earlier outputs untouched and no partial file, and every written file gets the
same permissions (0666 less the process umask, i.e. 0644 under the usual umask 022).
"""
from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import threading
from pathlib import Path

_UMASK_LOCK = threading.Lock()


def file_mode() -> int:
    """Permissions of a newly created regular file under the current umask (0o644 for umask 022)."""
    with _UMASK_LOCK:  # os.umask can only be read by setting it
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _temp_prefix(name: str) -> str:
    # the writing process's id is part of the name, so that a later run can tell the leftovers of
    # a killed run (its process is gone) from the temporaries of a run still writing
    return f".{name}.emiai-{os.getpid()}-"


def sweep_stale(folder, name: str) -> int:
    """Remove temporaries of ``name`` in ``folder`` left by runs that were killed (their process no
    longer exists); returns how many were removed."""
    removed = 0
    try:
        candidates = list(Path(folder).glob(f".{glob.escape(name)}.emiai-*-*"))
    except OSError:
        return 0
    for tmp in candidates:
        try:
            pid = int(tmp.name[len(name) + 1:].split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid == os.getpid() or _alive(pid):
            continue
        with contextlib.suppress(OSError):
            if tmp.is_dir():
                import shutil

                shutil.rmtree(tmp)
            else:
                tmp.unlink()
            removed += 1
    return removed


def stage_dir(folder, kind: str) -> Path:
    """A new hidden staging folder ``.emiai-<kind>-<pid>-…`` in ``folder`` (outputs are written there,
    then moved in place), after removing the staging folders of ``kind`` that killed runs left there
    (their process no longer exists)."""
    folder = Path(folder)
    with contextlib.suppress(OSError):
        for old in folder.glob(f".emiai-{glob.escape(kind)}-*-*"):
            try:
                pid = int(old.name[len(kind) + 8:].split("-")[0])
            except ValueError:
                continue
            if old.is_dir() and pid != os.getpid() and not _alive(pid):
                import shutil

                shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f".emiai-{kind}-{os.getpid()}-", dir=folder))


def _alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill would terminate the process there: keep the files
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists but belongs to someone else, or not checkable (Windows): keep its files
        return True
    return True


@contextlib.contextmanager
def atomic_write(path, suffix: str | None = None):
    """Context manager yielding a temporary path (str) in ``path``'s folder to write to; on a clean
    exit the file gets the usual permissions and replaces ``path`` (atomic on one file system), on
    an exception it is removed and ``path`` is left as it was.

    path: the final file; suffix: of the temporary name (default: the final suffix, so that
    writers which choose a format by extension, such as GDAL or numpy, behave the same)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    folder.mkdir(parents=True, exist_ok=True)
    sweep_stale(folder, path.name)
    fd, tmp = tempfile.mkstemp(prefix=_temp_prefix(path.name), suffix=path.suffix if suffix is None else suffix,
                               dir=folder)
    os.close(fd)
    try:
        yield tmp
        os.chmod(tmp, file_mode())  # mkstemp creates 0600 files
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def write_npz(path, arrays: dict, compress: bool = False) -> Path:
    """Write ``arrays`` (name -> array, no object arrays) as an .npz to ``path`` atomically and
    reproducibly: entries in the given order with a fixed timestamp, so the same content gives a
    byte-identical file (numpy.savez stamps the current time). Readable with np.load(allow_pickle=False)."""
    import zipfile

    import numpy as np

    mode = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_write(path) as tmp, zipfile.ZipFile(tmp, "w", compression=mode, allowZip64=True) as zf:
        for key, val in arrays.items():
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = mode
            info.external_attr = 0o644 << 16
            with zf.open(info, "w", force_zip64=True) as fid:
                np.lib.format.write_array(fid, np.asanyarray(val), allow_pickle=False)
    return Path(path)


def write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    with atomic_write(path) as tmp, open(tmp, "wb") as f:
        f.write(data)
    return Path(path)


def write_text(path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically."""
    return write_bytes(path, text.encode(encoding))




@contextlib.contextmanager
def staged_files(paths):
    """Context manager for a run with several output files: yields {final path: temporary path}
    (temporary names beside each target); when the block succeeds, all are moved in place; on an
    exception none is and the temporaries are removed, so earlier outputs stay as they were.

    A temporary that was never written is skipped (its final file is left alone)."""
    tmp = {}
    try:
        for p in paths:
            p = Path(p)
            p.parent.mkdir(parents=True, exist_ok=True)
            sweep_stale(p.parent, p.name)
            fd, t = tempfile.mkstemp(prefix=_temp_prefix(p.name), suffix=p.suffix, dir=p.parent)
            os.close(fd)
            os.unlink(t)  # writers create it (atomic_write writes beside it and renames)
            tmp[str(p)] = t
        yield {**tmp, **{Path(k): v for k, v in tmp.items()}}
        for final, t in tmp.items():
            if os.path.exists(t):
                os.chmod(t, file_mode())
                os.replace(t, final)
    finally:
        for t in tmp.values():
            with contextlib.suppress(OSError):
                os.unlink(t)


__all__ = ["atomic_write", "file_mode", "staged_files", "sweep_stale", "write_bytes", "write_npz", "write_text"]
