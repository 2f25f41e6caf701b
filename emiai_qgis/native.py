"""Load wheels with private native libraries safely inside a QGIS process.

qgis / qgis_process put the system GEOS, PROJ, GDAL, HDF5, protobuf and sqlite in the global symbol
scope; pip wheels (tensorflow, h5py, shapely, pyproj, pyogrio, rasterio) then bind partly to those
copies and crash. Importing them with RTLD_DEEPBIND makes each wheel use its own copies
(../shared/docs/environment.md section 3). Call before the first import of any such module.
"""
import ctypes
import importlib
import os
import sys

HEAVY_MODULES = ("h5py", "shapely", "pyproj", "pyogrio", "rasterio", "tensorflow")


def ensure_native_libs(modules=HEAVY_MODULES) -> list:
    """Import ``modules`` with RTLD_DEEPBIND (Linux only); return the ones that could not be imported."""
    missing = []
    if not sys.platform.startswith("linux") or not hasattr(os, "RTLD_DEEPBIND"):
        return missing
    try:  # keep the system sqlite ahead of TensorFlow's exported copy
        ctypes.CDLL("libsqlite3.so.0", mode=ctypes.RTLD_GLOBAL)
    except OSError:
        pass
    old = sys.getdlopenflags()
    sys.setdlopenflags(old | os.RTLD_DEEPBIND)
    try:
        for name in modules:
            if name in sys.modules:
                continue
            try:
                importlib.import_module(name)
            except ImportError:
                missing.append(name)
    finally:
        sys.setdlopenflags(old)
    return missing
