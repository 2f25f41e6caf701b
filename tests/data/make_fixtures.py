"""Make the compact test fixtures under tests/data/ from the shared real data (../shared/data).

The test suite reads only these fixtures, so a fresh clone runs every test without ../shared.
Re-run after changing a selection below (about a minute; needs the venv with TensorFlow):

    .venv/bin/python tests/data/make_fixtures.py

Running it twice gives byte-identical files (text copied line by line, .npz written with fixed
zip timestamps). What it writes (licences and attribution: tests/data/README.md):

* ``tuwien_ert/<P>/`` for P in B2_1, B6_2: ``<P>_mesh.csv`` holding the cells at most 4 m below the
  ground surface (the surface interpolated linearly between the electrodes of ``<P>_grid.csv``,
  as the readers do), columns x, z, Magnitude(ohm.m), Phase(mrad), Sensitivity(log10) with the
  source's value strings unchanged; ``<P>_grid.csv`` and ``<P>_xyz_dem.csv`` copied unchanged.
  ``georeference_section(..., max_depth_m=4)`` therefore gives exactly what it gives on the full
  file.
* ``tuwien_ert/B2_1/resipy_wd/``: the native cR2 files reduced to the same cells, consistently:
  ``f001_res.dat`` (the same rows, lines unchanged), ``mesh.dat`` (those elements and only the
  nodes they use, renumbered 1..n in the original order), ``f001_res.vtk`` (those cells and their
  points, renumbered from 0, cell rows and scalar values one space apart; scalars Magnitude(ohm.m),
  Phase(mrad), Sensitivity(log10) with the source's value strings), ``electrodes.dat`` unchanged.
* ``emagpy_examples/<site>/``: the small surveys unchanged; the large ones cut to their header and
  first N data rows (``HEAD``); the Hi file of a Lo/Hi pair cut to the Hi rows within
  ``NEAR_M`` (British National Grid metres, pyproj) of a kept Lo row, in file order, so the
  position merge (2 m tolerance) matches the same kept Lo rows, at the same distances, as on the
  whole files. A file without a final newline keeps that peculiarity.
* ``reference_training_rows.npz``: rows ``default_rng(7).choice(22480, 300)`` (in drawn order)
  of the published training set: EC of the 12/6/4-layer sets (S/m) and the 12-layer set's
  ECa_vcp_mini / ECa_hcp_mini (S/m), float64 as stored, plus a JSON ``header``.
* ``keras_golden.npz``: the published Keras subnets (``keras.saving.load_model(compile=False,
  safe_mode=True)``) and their float64 rebuild, evaluated on the first ``N_GOLDEN`` of those rows
  with the published JSON scalers (scikit-learn MinMaxScaler arithmetic) and layer depths:
  per stage its inputs and outputs, and the raw stage outputs of the whole cascade (CS forward
  response of the floored previous output between stages). Plain float arrays + JSON ``header``.
"""
from __future__ import annotations

import csv
import io
import json
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SHARED = REPO.parent / "shared" / "data"
OUT = HERE  # --out DIR writes the set elsewhere (benchmarks/shared_checks compares it with tests/data)
sys.path.insert(0, str(REPO))

ERT_PROFILES = ("B2_1", "B6_2")
ERT_MAX_DEPTH_M = 4.0
ERT_COLUMNS = ("x", "z", "Magnitude(ohm.m)", "Phase(mrad)", "Sensitivity(log10)")
VTK_SCALARS = ("Magnitude(ohm.m)", "Phase(mrad)", "Sensitivity(log10)")

SURVEY_WHOLE = (
    "cover-crop/coverCrop.csv", "cover-crop/coverCropHi.dat", "cover-crop/coverCropLo.dat",
    "cover-crop/coverCropTransect.csv", "hollin-hill/expl-transect.csv", "saprolite/mexpl-expl.csv",
    "saprolite/mexpl.csv", "saprolite/nwHi.dat", "saprolite/nwLo.dat", "saprolite/regolith.csv",
)
HEAD = {  # file: data rows kept
    "hollin-hill/dfm-expl.csv": 100,
    "potatoes/potatoesGrid.csv": 100,
    "potatoes/potatoesHi.csv": 100,
    "potatoes/potatoesLo.csv": 100,
    "potatoes/potatoesLo.dat": 400,  # rows 304-307 have a single (unambiguous) nearest Hi reading
    "trimpley/trimpHi.csv": 100,
    "trimpley/trimpLo.csv": 100,
    "trimpley/trimpLo.dat": 200,
}
NEAR = {"potatoes/potatoesHi.dat": "potatoes/potatoesLo.dat", "trimpley/trimpHi.dat": "trimpley/trimpLo.dat"}
NEAR_M = 2.5
MERGE_M = 2.0

TRAIN = SHARED / "tuwien_emiai_reference" / "training_data"
MODELS = SHARED / "tuwien_emiai_reference" / "models"
N_TRAIN_TOTAL = 22480
ROW_SEED, N_ROWS, N_GOLDEN = 7, 300, 200
SUBNETS = (("4x1", "1.5m_4layers"), ("6x1", "1.5m_6layers"), ("12x1", "1.5m_12layers"))
MINI = [f"{o}{s}f30000h0" for o in ("VCP", "HCP") for s in ("0.32", "0.71", "1.18")]
STAGE_COILS = (MINI[:3], MINI, MINI)  # published: 4x1 takes 3 VCP, 6x1 and 12x1 take VCP + HCP


# --------------------------------------------------------------------------------------------- helpers
def write_npz(path: Path, arrays: dict):
    """np.savez_compressed with fixed zip timestamps (byte-reproducible), loadable with allow_pickle=False."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key, value in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(value), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())


def header_array(meta: dict) -> np.ndarray:
    return np.array(json.dumps(meta, indent=1, sort_keys=True))


def copy(src: Path, dst: Path):
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def surface_depth(distance, elevation, grid_file: Path):
    """Depth below the ground interpolated linearly between the electrodes (X, Z of <P>_grid.csv)."""
    g = np.loadtxt(grid_file, skiprows=1, delimiter="\t")
    return np.interp(distance, g[:, 0], g[:, 1]) - elevation


# ------------------------------------------------------------------------------------------------- ERT
def make_ert():
    out_root = OUT / "tuwien_ert"
    copy(SHARED / "tuwien_ert" / "LICENSE", out_root / "LICENSE")
    keep_b21 = None
    for p in ERT_PROFILES:
        src, dst = SHARED / "tuwien_ert" / p, out_root / p
        dst.mkdir(parents=True, exist_ok=True)
        for name in (f"{p}_grid.csv", f"{p}_xyz_dem.csv"):
            copy(src / name, dst / name)
        with open(src / f"{p}_mesh.csv", newline="") as f:
            rows = list(csv.reader(f))
        head, body = rows[0], rows[1:]
        idx = [head.index(c) for c in ERT_COLUMNS]
        d = np.array([float(r[head.index("x")]) for r in body])
        z = np.array([float(r[head.index("z")]) for r in body])
        keep = surface_depth(d, z, src / f"{p}_grid.csv") <= ERT_MAX_DEPTH_M
        with open(dst / f"{p}_mesh.csv", "w", newline="") as f:
            f.write(",".join(ERT_COLUMNS) + "\n")
            for r, k in zip(body, keep):
                if k:
                    f.write(",".join(r[i] for i in idx) + "\n")
        print(f"{p}: kept {int(keep.sum())} of {len(body)} cells (depth <= {ERT_MAX_DEPTH_M} m)")
        if p == "B2_1":
            keep_b21 = (keep, d, z)
    make_resipy_wd(*keep_b21)


def make_resipy_wd(keep, d_csv, z_csv):
    from scipy.spatial import cKDTree

    src = SHARED / "tuwien_ert" / "B2_1" / "resipy_wd"
    dst = OUT / "tuwien_ert" / "B2_1" / "resipy_wd"
    dst.mkdir(parents=True, exist_ok=True)
    copy(src / "electrodes.dat", dst / "electrodes.dat")

    # f001_res.dat: one line per cell, in the order of the mesh CSV
    lines = [ln for ln in (src / "f001_res.dat").read_text().splitlines() if ln.strip()]
    xz = np.array([[float(t) for t in ln.split()[:2]] for ln in lines])
    assert len(xz) == len(keep) and np.abs(xz - np.c_[d_csv, z_csv]).max() < 1e-5, "dat and csv orders differ"
    (dst / "f001_res.dat").write_text("".join(ln + "\n" for ln, k in zip(lines, keep) if k))
    kept_xz = xz[keep]

    # mesh.dat: the elements whose centroid is a kept cell centre, and their nodes
    lines = (src / "mesh.dat").read_text().splitlines()
    head = lines[0].split()
    n_elem, n_node = int(head[0]), int(head[1])
    elems = [ln.split() for ln in lines[1:1 + n_elem]]
    nodes = [ln.split() for ln in lines[1 + n_elem:] if ln.strip()][:n_node]
    node_xz = np.zeros((n_node + 1, 2))
    for t in nodes:
        node_xz[int(t[0])] = float(t[1]), float(t[2])
    corners = np.array([[int(v) for v in e[1:4]] for e in elems])
    centroid = node_xz[corners].mean(axis=1)
    dist, which = cKDTree(centroid).query(kept_xz)
    assert dist.max() < 1e-3 and len(set(which)) == len(which), "cells without a mesh element"
    sel = np.sort(which)
    used = np.unique(corners[sel])
    new_id = {int(old): i + 1 for i, old in enumerate(used)}
    node_text = {int(t[0]): t for t in nodes}
    out = [f"{len(sel)} {len(used)} {' '.join(head[2:])}".rstrip()]
    for i, e in enumerate(sel, start=1):
        t = elems[e]
        out.append(" ".join([str(i)] + [str(new_id[int(v)]) for v in t[1:4]] + [str(i)] + t[5:]))
    for old in used:
        t = node_text[int(old)]
        out.append(f"{new_id[int(old)]:<17}{t[1]:<17}{t[2]:<17}")
    (dst / "mesh.dat").write_text("\n".join(out) + "\n")

    # f001_res.vtk: the same cells (in the CSV order) and their points
    text = (src / "f001_res.vtk").read_text()
    lines = text.splitlines()
    i = next(k for k, ln in enumerate(lines) if ln.startswith("POINTS"))
    n_pts = int(lines[i].split()[1])
    pts = lines[i + 1:i + 1 + n_pts]
    j = next(k for k, ln in enumerate(lines) if ln.strip().startswith("CELLS"))
    n_cells = int(lines[j].split()[1])
    cells = np.array([[int(v) for v in ln.split()] for ln in lines[j + 1:j + 1 + n_cells]])
    assert n_cells == len(keep) and np.all(cells[:, 0] == 3)
    ctype = lines[lines.index(next(ln for ln in lines if ln.startswith("CELL_TYPES"))) + 1].split()
    scalars = {}
    for k, ln in enumerate(lines):
        if ln.startswith("SCALARS"):
            scalars[ln.split()[1]] = lines[k + 2].split()
    pxz = np.array([[float(v) for v in ln.split()[:2]] for ln in pts])
    vtk_centre = pxz[cells[:, 1:]].mean(axis=1)
    assert np.abs(vtk_centre - np.c_[d_csv, z_csv]).max() < 1e-4, "vtk and csv orders differ"
    kc = cells[keep, 1:]
    used = np.unique(kc)
    remap = np.full(n_pts, -1)
    remap[used] = np.arange(len(used))
    m, n = len(used), int(keep.sum())
    out = lines[:4] + [f"POINTS {m:>10} double"] + [pts[u] for u in used]
    out.append(f" CELLS {n:>10} {4 * n:>9}")
    out += ["3 " + " ".join(str(v) for v in remap[row]) for row in kc]
    out.append(f"CELL_TYPES {n:>9}")
    out.append("".join(f"{t:>3}" for t, k in zip(ctype, keep) if k))
    for s, name in enumerate(VTK_SCALARS):
        if s < len(VTK_SCALARS) - 1:  # as cR2 writes them: the last block follows without these two lines
            out += [f"POINT_DATA {m:>9}", f"CELL_DATA {n:>9}"]
        out += [f"SCALARS {name} double 1", "LOOKUP_TABLE default",
                " ".join(v for v, k in zip(scalars[name], keep) if k)]
    (dst / "f001_res.vtk").write_text("\n".join(out))  # no final newline, like the source
    print(f"B2_1 resipy_wd: {n} cells, mesh.dat {len(sel)} elements / {len(new_id)} nodes, vtk {m} points")


# --------------------------------------------------------------------------------------------- surveys
def _head_bytes(src: Path, n_rows: int) -> bytes:
    data = src.read_bytes()
    lines = data.splitlines(keepends=True)
    out = b"".join(lines[:1 + n_rows])
    if not data.endswith(b"\n"):
        out = out.rstrip(b"\r\n")
    return out


def _nmea(s: str) -> float:
    v = float(s[:-1])
    deg = np.floor(v / 100.0)
    val = deg + (v - 100.0 * deg) / 60.0
    return -val if s[-1] in "SW" else val


def _bng_of_gf(text: str):
    """British National Grid (x, y) of the rows of a GF export with NMEA Latitude/Longitude."""
    import pyproj

    rows = [ln.split("\t") for ln in text.splitlines()[1:] if ln.strip()]
    lat = np.array([_nmea(r[0].strip()) for r in rows])
    lon = np.array([_nmea(r[1].strip()) for r in rows])
    return pyproj.Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(lon, lat)


def make_surveys():
    src_root, dst_root = SHARED / "emagpy_examples", OUT / "emagpy_examples"
    for rel in SURVEY_WHOLE:
        copy(src_root / rel, dst_root / rel)
    for rel, n in HEAD.items():
        (dst_root / rel).parent.mkdir(parents=True, exist_ok=True)
        (dst_root / rel).write_bytes(_head_bytes(src_root / rel, n))
    for rel, lo_rel in NEAR.items():
        lx, ly = _bng_of_gf((dst_root / lo_rel).read_text())
        data = (src_root / rel).read_bytes()
        lines = data.splitlines(keepends=True)
        hx, hy = _bng_of_gf(data.decode())
        d = np.hypot(lx[:, None] - hx[None, :], ly[:, None] - hy[None, :])
        keep = d.min(axis=0) <= NEAR_M
        out = lines[0] + b"".join(ln for ln, k in zip(lines[1:], keep) if k)
        if not data.endswith(b"\n"):
            out = out.rstrip(b"\r\n")
        (dst_root / rel).write_bytes(out)
        dmin = d[:, keep].min(axis=1)
        print(f"{rel}: kept {int(keep.sum())} of {len(keep)} rows; {lo_rel}: {len(lx)} rows, "
              f"{int((dmin <= MERGE_M).sum())} with a Hi reading within {MERGE_M} m (BNG)")


# ------------------------------------------------------------------------------------ training set rows
def training_rows():
    rows = np.random.default_rng(ROW_SEED).choice(N_TRAIN_TOTAL, N_ROWS, replace=False)
    out = {"rows": rows.astype(np.int64)}
    for name, sub in (("L12", "1.5m_12layers"), ("L6", "1.5m_6layers"), ("L4", "1.5m_4layers")):
        ec = np.load(TRAIN / sub / "EC.npy")
        assert len(ec) == N_TRAIN_TOTAL
        out[f"ec_{name}"] = ec[rows]
    out["eca_vcp_mini"] = np.load(TRAIN / "1.5m_12layers" / "ECa_vcp_mini.npy")[rows]
    out["eca_hcp_mini"] = np.load(TRAIN / "1.5m_12layers" / "ECa_hcp_mini.npy")[rows]
    return out


def make_training_rows(arrays):
    meta = {
        "source": "tuwien_emiai_reference/training_data (TU Wien emiAI, MIT, doi:10.5281/zenodo.13968655)",
        "rows": f"numpy.random.default_rng({ROW_SEED}).choice({N_TRAIN_TOTAL}, {N_ROWS}, replace=False), "
                "in drawn order",
        "units": "S/m",
        "ec_L12": "1.5m_12layers/EC.npy", "ec_L6": "1.5m_6layers/EC.npy", "ec_L4": "1.5m_4layers/EC.npy",
        "eca_vcp_mini": "1.5m_12layers/ECa_vcp_mini.npy", "eca_hcp_mini": "1.5m_12layers/ECa_hcp_mini.npy",
        "edges_L12": list(np.r_[np.arange(0, 1.33, 0.12).round(2), 1.5]),
    }
    write_npz(OUT / "reference_training_rows.npz", {"header": header_array(meta), **arrays})


# ------------------------------------------------------------------------------------------ Keras golden
class _MinMax:
    """scikit-learn MinMaxScaler(feature_range=(a, b)) from the published JSON (data_min, data_max)."""

    def __init__(self, d):
        lo, hi = d.get("feature_range", [0, 1])
        dmin, dmax = np.asarray(d["data_min"], float), np.asarray(d["data_max"], float)
        rng = dmax - dmin
        self.scale_ = (hi - lo) / np.where(rng == 0.0, 1.0, rng)
        self.min_ = lo - dmin * self.scale_

    def transform(self, x):
        return x * self.scale_ + self.min_

    def inverse_transform(self, x):
        return (x - self.min_) / self.scale_


def keras_float64_clone(net):
    """The Keras network ``net`` (Dense layers) rebuilt in float64 with its stored weights: exact arithmetic
    (also the reference of benchmarks/shared_checks/test_full_cascade.py)."""
    import keras

    dense = [lay for lay in net.layers if lay.__class__.__name__ == "Dense"]
    clone = keras.Sequential([keras.Input((dense[0].get_weights()[0].shape[0],), dtype="float64")]
                             + [keras.layers.Dense(lay.units, activation=lay.get_config()["activation"],
                                                   dtype="float64") for lay in dense])
    for mine, theirs in zip(clone.layers, dense):
        mine.set_weights([w.astype(np.float64) for w in theirs.get_weights()])
    return clone


def make_keras_golden(arrays):
    from emiai_qgis.native import ensure_native_libs

    ensure_native_libs(("tensorflow",))
    import keras
    import tensorflow as tf

    from emiai_core.forward import forward_eca
    from emiai_core.model_file import default_model_path, load_model

    nets32, scalers, edges = [], [], []
    for name, sub in SUBNETS:
        nets32.append(keras.saving.load_model(MODELS / sub / f"dln_model_{name}.keras", compile=False,
                                              safe_mode=True))
        sc = json.loads((MODELS / sub / f"scalers_{name}.json").read_text())
        scalers.append((_MinMax(sc["scaler_in"]), _MinMax(sc["scaler_out"])))
        edges.append(np.loadtxt(MODELS / sub / f"layer_depths_{name}.txt"))
    nets64 = [keras_float64_clone(net) for net in nets32]  # the same weights in float64: exact arithmetic

    def stage(k, nets, dtype, x):
        s_in, s_out = scalers[k]
        # call the network directly: Model.predict would cast float64 inputs to float32 (floatx)
        y = nets[k](keras.ops.convert_to_tensor(s_in.transform(x), dtype=dtype))
        return s_out.inverse_transform(np.asarray(y, dtype=np.float64))

    floor = float(load_model(default_model_path()).ec_floor)
    n = N_GOLDEN
    eca = arrays["eca_vcp_mini"][:n]
    prev_ec = (None, arrays["ec_L4"][:n], arrays["ec_L6"][:n])
    out = {}
    for k in range(3):
        x = eca if k == 0 else forward_eca(prev_ec[k], edges[k - 1], STAGE_COILS[k], "CS")
        out[f"stage{k}_input"] = x
        out[f"stage{k}_keras32"] = stage(k, nets32, "float32", x)
        out[f"stage{k}_keras64"] = stage(k, nets64, "float64", x)
    for tag, nets, dtype in (("32", nets32, "float32"), ("64", nets64, "float64")):
        ec = None
        for k in range(3):
            x = eca if k == 0 else forward_eca(ec, edges[k - 1], STAGE_COILS[k], "CS")
            raw = stage(k, nets, dtype, x)
            out[f"cascade{tag}_stage{k}_raw"] = raw
            ec = np.maximum(raw, floor)
    meta = {
        "source": "tuwien_emiai_reference/models (TU Wien emiAI, MIT, doi:10.5281/zenodo.13968655)",
        "rows": f"the first {n} rows of reference_training_rows.npz",
        "subnets": [name for name, _ in SUBNETS],
        "layer_edges": [list(e) for e in edges],
        "stage_coils": [list(c) for c in STAGE_COILS],
        "ec_floor": floor,
        "units": "S/m",
        "keras": keras.__version__,
        "tensorflow": tf.__version__,
        "stage{k}_input": "stage k inputs: k=0 ECa_vcp_mini; k>0 CS response (stage_coils[k]) of the EC of the "
                          "previous subnet's training layering (ec_L4, ec_L6 of those rows)",
        "stage{k}_keras32 / _keras64": "Keras output of subnet k on stage{k}_input (float32 published network / "
                                       "float64 rebuild), inverse-scaled",
        "cascade{32,64}_stage{k}_raw": "the cascade on ECa_vcp_mini: raw output of subnet k, whose input is "
                                       "the CS response of max(raw output of k-1, ec_floor)",
    }
    write_npz(OUT / "keras_golden.npz", {"header": header_array(meta), **out})


FILES = (  # every file this script writes, relative to tests/data
    *(f"tuwien_ert/{p}/{p}_{s}.csv" for p in ERT_PROFILES for s in ("mesh", "grid", "xyz_dem")),
    "tuwien_ert/LICENSE",
    *(f"tuwien_ert/B2_1/resipy_wd/{n}" for n in ("electrodes.dat", "f001_res.dat", "f001_res.vtk", "mesh.dat")),
    *(f"emagpy_examples/{rel}" for rel in (*SURVEY_WHOLE, *HEAD, *NEAR)),
    "reference_training_rows.npz",
    "keras_golden.npz",
)


def main(argv=None):
    import argparse

    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE, help="output folder (default: tests/data)")
    OUT = parser.parse_args(argv).out.resolve()
    if not SHARED.is_dir():
        sys.exit(f"shared data not found: {SHARED}")
    make_ert()
    make_surveys()
    arrays = training_rows()
    make_training_rows(arrays)
    make_keras_golden(arrays)
    total = sum((OUT / f).stat().st_size for f in FILES)
    print(f"{len(FILES)} fixture files in {OUT}, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
