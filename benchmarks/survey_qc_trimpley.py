#!/usr/bin/env python
"""Survey QC on the whole Trimpley Lo survey (issue #10, requirement 3): the line-end artefacts in
the depth slices before and after emiai:filtersurvey, with the counts per reason.

Pipeline, in one headless QGIS (emiai_qgis.headless), on ../shared/data/emagpy_examples/trimpley/
trimpLo.dat (GF CMD-MiniExplorer, VCP (Lo) mode, 1,816 readings at about 1 s, NMEA positions):
  emiai:importsurvey (MiniExplorer, VCP, height 0.1 m, UTM 30N)
    -> before: emiai:predictec (defaults: automatic embedded model, network + refinement; it drops
       ECa <= 0 itself) -> emiai:depthslices
    -> after:  emiai:filtersurvey (defaults) -> emiai:predictec -> emiai:depthslices
Both rasters use the same cell (0.5 m), linear interpolation and maximum distance (3 m).

Writes docs/images/qc_trimpley.png: a shallow (0.00-0.12 m) and a deep slice (the layer around 1 m),
before and after QC, each row on the colour scale of the after slice (2nd-98th percentile), the
removed points marked on the before slices; prints the counts per reason as a markdown table and
the EC percentiles of both slices.

Usage: .venv/bin/python benchmarks/survey_qc_trimpley.py [--out docs/images/qc_trimpley.png]
Skips (exit 0, with a message) when ../shared is not there.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402

SURVEY = REPO.parent / "shared" / "data" / "emagpy_examples" / "trimpley" / "trimpLo.dat"
CELL_M = 0.5
MAX_DISTANCE_M = 3.0
DEEP_M = 1.0  # the deep slice: the layer whose mid-depth is nearest this


def run(alg, params, log=None):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    class Feedback(QgsProcessingFeedback):
        def pushInfo(self, text):  # noqa: N802
            if log is not None:
                log.append(text)

        def pushWarning(self, text):  # noqa: N802
            if log is not None:
                log.append("WARNING " + text)

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    t0 = time.perf_counter()
    result = processing.run(alg, params, context=context, feedback=Feedback())
    return result, time.perf_counter() - t0


def read_bands(path):
    """(descriptions, (bands, rows, cols) array with NaN, extent (xmin, xmax, ymin, ymax))."""
    from osgeo import gdal

    ds = gdal.Open(str(path))
    gt = ds.GetGeoTransform()
    bands, descriptions = [], []
    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        a = band.ReadAsArray().astype(float)
        a[a == band.GetNoDataValue()] = np.nan
        bands.append(a)
        descriptions.append(band.GetDescription())
    extent = (gt[0], gt[0] + gt[1] * ds.RasterXSize, gt[3] + gt[5] * ds.RasterYSize, gt[3])
    return descriptions, np.array(bands), extent


def layer_mid_depths(descriptions):
    """Mid-depth (m) of each band from descriptions like 'EC 0.96–1.08 m (mS/m)'."""
    import re

    mids = []
    for d in descriptions:
        m = re.search(r"(\d+\.\d+)\D+(\d+\.\d+)\s*m", d)
        mids.append((float(m[1]) + float(m[2])) / 2 if m else np.nan)
    return np.array(mids)


def points(path, fields=("QC_FLAG",)):
    from qgis.core import QgsVectorLayer

    layer = QgsVectorLayer(str(path), "p", "ogr")
    xy, values = [], {f: [] for f in fields}
    for f in layer.getFeatures():
        p = f.geometry().asPoint()
        xy.append((p.x(), p.y()))
        for name in fields:
            values[name].append(f[name])
    return np.array(xy), {k: np.array(v) for k, v in values.items()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "images" / "qc_trimpley.png"))
    args = parser.parse_args(argv)
    if not SURVEY.is_file():
        print(f"SKIPPED: {SURVEY} not found (the ../shared data are not on this machine).")
        return 0

    from emiai_qgis.headless import start_processing

    app, provider = start_processing()  # noqa: F841  (kept referenced while algorithms run)
    from emiai_core.survey_qc import REASON_CODES, REASON_LABELS, REASONS

    tmp = Path(tempfile.mkdtemp(prefix="emiai-qc-"))
    imported, _ = run("emiai:importsurvey", {"INPUT": str(SURVEY), "INSTRUMENT": 0, "ORIENTATION": 0,
                                             "HEIGHT": 0.1, "OUTPUT": str(tmp / "survey.gpkg")})
    qc_log = []
    qc, t_qc = run("emiai:filtersurvey", {"INPUT": str(tmp / "survey.gpkg"), "OUTPUT": str(tmp / "qc.gpkg")},
                   qc_log)
    run("emiai:filtersurvey", {"INPUT": str(tmp / "survey.gpkg"), "FLAG_ONLY": True,
                               "OUTPUT": str(tmp / "flags.gpkg")})
    slices, predicted = {}, {}
    for label, src in (("before", tmp / "survey.gpkg"), ("after", tmp / "qc.gpkg")):
        predicted[label], _ = run("emiai:predictec", {"INPUT": str(src), "OUTPUT": str(tmp / f"ec_{label}.gpkg")})
        run("emiai:depthslices", {"INPUT": str(tmp / f"ec_{label}.gpkg"), "CELL_SIZE": CELL_M,
                                  "MAX_DISTANCE": MAX_DISTANCE_M, "OUTPUT": str(tmp / f"slices_{label}.tif")})
        slices[label] = read_bands(tmp / f"slices_{label}.tif")

    descriptions = slices["before"][0]
    mids = layer_mid_depths(descriptions)
    shallow, deep = 0, int(np.nanargmin(np.abs(mids - DEEP_M)))
    xy, flags = points(tmp / "flags.gpkg")
    code = flags["QC_FLAG"].astype(int)

    # --- the table and numbers ----------------------------------------------------------------
    n = imported["N_POINTS"]
    print(f"Trimpley Lo ({SURVEY.name}): {n} readings; emiai:filtersurvey defaults, {t_qc:.2f} s\n")
    print("| QC_FLAG | reason | points | % of survey |")
    print("|---:|---|---:|---:|")
    for reason in REASONS[1:]:
        c = qc[f"N_REMOVED_{reason.upper()}"]
        print(f"| {REASON_CODES[reason]} | {REASON_LABELS[reason]} | {c} | {100 * c / n:.1f} |")
    print(f"| | **removed** | **{qc['N_REMOVED']}** | **{100 * qc['N_REMOVED'] / n:.1f}** |")
    print(f"| 0 | kept | {qc['N_KEPT']} | {100 * qc['N_KEPT'] / n:.1f} |\n")
    for label in ("before", "after"):
        p = predicted[label]
        print(f"predictec {label} QC: {p['N_PREDICTED']} points predicted, "
              f"{p['N_SKIPPED_NONPOSITIVE']} skipped (ECa <= 0), model {p['MODEL_NAME']}")
    print()
    print("| slice | QC | EC p1 | EC p50 | EC p99 | EC max | cells |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for b in (shallow, deep):
        for label in ("before", "after"):
            v = slices[label][1][b]
            v = v[np.isfinite(v)]
            p1, p50, p99 = np.percentile(v, [1, 50, 99])
            print(f"| {descriptions[b]} | {label} | {p1:.1f} | {p50:.1f} | {p99:.1f} | {v.max():.1f} | {v.size} |")
    print("\nQC log:")
    for line in qc_log:
        if not line.startswith("Results:"):  # Processing's own echo of the outputs
            print("  " + line)

    # --- the figure ---------------------------------------------------------------------------
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(11, 9.5), constrained_layout=True)
    removed = code != 0
    for row, b in enumerate((shallow, deep)):
        after = slices["after"][1][b]
        vmin, vmax = np.nanpercentile(after, [2, 98])
        for col, label in enumerate(("before", "after")):
            ax = axes[row, col]
            _, values, extent = slices[label]
            im = ax.imshow(values[b], extent=extent, origin="upper", cmap="viridis", vmin=vmin, vmax=vmax,
                           interpolation="nearest")
            if label == "before":
                ax.scatter(xy[removed, 0], xy[removed, 1], s=1.5, c="red", lw=0, label="removed by QC")
                ax.legend(loc="lower right", fontsize=8, markerscale=4)
                title = f"before QC ({predicted['before']['N_PREDICTED']} points)"
            else:
                title = f"after emiai:filtersurvey ({qc['N_KEPT']} points)"
            ax.set_title(f"{descriptions[b].replace(' (mS/m)', '')}: {title}", fontsize=10)
            ax.set_aspect("equal")
            ax.set_xlim(slices["before"][2][:2])  # the same frame for both
            ax.set_ylim(slices["before"][2][2:])
            ax.tick_params(labelsize=7)
            ax.ticklabel_format(useOffset=False, style="plain")
        fig.colorbar(im, ax=axes[row, :], shrink=0.85, label="EC (mS/m), scale of the after slice (2–98 %)")
    counts = ", ".join(f"{r} {qc[f'N_REMOVED_{r.upper()}']}" for r in REASONS[1:] if qc[f"N_REMOVED_{r.upper()}"])
    fig.suptitle(f"Trimpley Lo (CMD-MiniExplorer VCP, {n} readings), UTM 30N: removed {qc['N_REMOVED']} "
                 f"({counts})", fontsize=10)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"\nWrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
