#!/usr/bin/env python
"""Render the pictures of docs/user_guide.md from real data with the plugin's own algorithms.

    .venv/bin/python scripts/make_guide_figures.py [--out docs/images] [--keep DIR]

Everything runs headless through ``processing.run`` on the committed fixtures (tests/data):

* ``guide_calibration_report.png`` — emiai:calibrateeca on the real ERT section B2_1 (TU Wien) and
  a CMD-MiniExplorer VCP survey walked 0.3 m beside its line every 0.5 m, whose ECa are the FSlin
  response of the ERT columns below the points with 2 % noise, distorted by the instrument to
  1.7 × true + 3 mS/m (as tests/test_alg_calibrate_eca.py); the figure of its HTML report.
* ``guide_ec_section_ert.png`` — emiai:predictec (embedded VCP model) on that survey after the
  calibration, then emiai:ecsection along the B2_1 trace with the ERT cells beside it.
* ``guide_training_scatter.png``, ``guide_training_curves.png`` — emiai:importertsection of B2_1
  and B6_2 → emiai:generatetrainingmodels (NMODELS 40) → emiai:trainnetwork (3 members, at most 80
  epochs; TensorFlow in the child Python, i.e. this venv): two figures of its HTML report.
* ``guide_dialog_predictec.png``, ``guide_dialog_calibrateeca.png`` — the Processing dialogs of
  Predict EC depth models and Calibrate ECa against ERT, filled with the layers above. Widgets
  need a display: without one the script runs itself again under ``xvfb-run``
  (``apt-get install -y xvfb``).

PNGs above MAX_BYTES are re-encoded with a palette (they ship in the plugin zip).
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data"
sys.path.insert(0, str(REPO))

GAIN, OFFSET = 1.7, 3.0  # the synthetic instrument distortion: measured = GAIN * true + OFFSET (mS/m)
FIELDS = ["VCP0.32", "VCP0.71", "VCP1.18"]
MAX_BYTES = 250_000
DIALOG_SIZE = (860, 760)


def ensure_display() -> None:
    """Re-run this script under xvfb-run when there is no X display (Qt widgets need one)."""
    if os.environ.get("DISPLAY") or os.environ.get("EMIAI_GUIDE_XVFB"):
        return
    xvfb = shutil.which("xvfb-run")
    if not xvfb:
        sys.exit("No X display and no xvfb-run: apt-get install -y xvfb")
    env = dict(os.environ, EMIAI_GUIDE_XVFB="1")
    env.pop("QT_QPA_PLATFORM", None)  # xcb on the virtual display
    cmd = [xvfb, "-a", "-s", "-screen 0 1600x1200x24", sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    sys.exit(subprocess.call(cmd, env=env))


def run(alg_id, params):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    print(f"-> {alg_id}", flush=True)
    return processing.run(alg_id, params, context=context, feedback=QgsProcessingFeedback())


def import_ert(profile, work: Path):
    """emiai:importertsection of a committed TU Wien profile → (cells, trace) GeoPackage paths."""
    folder = DATA / "tuwien_ert" / profile
    cells, trace = work / f"{profile}_cells.gpkg", work / f"{profile}_trace.gpkg"
    run("emiai:importertsection", {"INPUT": str(folder / f"{profile}_mesh.csv"),
                                   "ELECTRODE_COORDINATES": str(folder / f"{profile}_xyz_dem.csv"),
                                   "CRS": "EPSG:31256", "OUTPUT": str(cells), "OUTPUT_TRACE": str(trace)})
    return cells, trace


def synthetic_survey(work: Path, side=0.3, step=0.5, seed=0) -> Path:
    """A survey walked ``side`` m beside the B2_1 line: true ECa = FSlin response of the ERT column
    below each point (CMD-MiniExplorer VCP on the ground, 2 % noise), measured = GAIN × true + OFFSET."""
    import numpy as np

    from emiai_core.eca_calibration import DEFAULT_EDGES, ert_column, survey_coil
    from emiai_core.ert import load_profile_folder
    from emiai_core.forward import add_noise, forward_eca
    from emiai_core.model_generation import ProfileCells

    profile = ProfileCells.from_georeferenced(load_profile_folder(DATA / "tuwien_ert" / "B2_1", max_depth_m=4.0))
    ed = profile.electrode_distance_m
    along = np.arange(ed[0] + 4.0, ed[-1] - 4.0, step)
    x, y = profile.map_xy(along)
    dx, dy = np.gradient(x), np.gradient(y)
    norm = np.hypot(dx, dy)
    x, y = x - side * dy / norm, y + side * dx / norm
    rho = np.array([ert_column(profile, s)[0] for s in along])
    coils = [survey_coil(f, 0.0) for f in FIELDS]
    true = add_noise(forward_eca(1.0 / rho, DEFAULT_EDGES, coils, "FSlin"), 0.02, seed=seed) * 1000.0
    measured = GAIN * true + OFFSET

    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorFileWriter, QgsVectorLayer

    from emiai_qgis.layer_io import make_field

    layer = QgsVectorLayer("Point?crs=EPSG:31256", "survey beside B2_1", "memory")
    layer.dataProvider().addAttributes([make_field(n, "double") for n in FIELDS + ["HEIGHT_M"]])
    layer.updateFields()
    feats = []
    for i in range(len(x)):
        f = QgsFeature(layer.fields())
        f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(float(x[i]), float(y[i]))))
        f.setAttributes([float(v) for v in measured[i]] + [0.0])
        feats.append(f)
    layer.dataProvider().addFeatures(feats)
    path = work / "survey_beside_B2_1.gpkg"
    from qgis.core import QgsCoordinateTransformContext

    opts = QgsVectorFileWriter.SaveVectorOptions()
    opts.driverName = "GPKG"
    err = QgsVectorFileWriter.writeAsVectorFormatV3(layer, str(path), QgsCoordinateTransformContext(), opts)
    if err[0] != QgsVectorFileWriter.NoError:
        raise RuntimeError(f"could not write {path}: {err}")
    return path


def shrink_png(path: Path) -> None:
    """Re-encode a PNG above MAX_BYTES with a 256-colour palette."""
    if path.stat().st_size <= MAX_BYTES:
        return
    from PIL import Image

    img = Image.open(path).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
    img.save(path, optimize=True)


def copy_png(src: Path, out: Path, name: str) -> Path:
    dst = out / name
    shutil.copyfile(src, dst)
    shrink_png(dst)
    print(f"wrote {dst} ({dst.stat().st_size // 1000} kB)", flush=True)
    return dst


def calibration_and_section(work: Path, out: Path, cells: Path, trace: Path, survey: Path) -> Path:
    report = work / "calibration.html"
    calibrated = work / "survey_calibrated.gpkg"
    res = run("emiai:calibrateeca", {"INPUT": str(survey), "ERT_CELLS": [str(cells)], "TRACES": [str(trace)],
                                     "MAX_DISTANCE": 1.0, "OUTPUT": str(calibrated),
                                     "OUTPUT_COEFFICIENTS": str(work / "calibration.json"),
                                     "OUTPUT_HTML": str(report)})
    print(f"   {res['N_PAIRS']} of {res['N_INPUT']} points paired with the ERT", flush=True)
    copy_png(report.with_suffix(".png"), out, "guide_calibration_report.png")

    ec = work / "ec_beside_B2_1.gpkg"
    run("emiai:predictec", {"INPUT": str(calibrated), "OUTPUT": str(ec)})
    png = work / "section.png"
    run("emiai:ecsection", {"INPUT": str(ec), "LINE": str(trace), "MAX_DISTANCE": 1.0,
                            "ERT_CELLS": [str(cells)], "OUTPUT": str(work / "section.tif"), "OUTPUT_PNG": str(png)})
    copy_png(png, out, "guide_ec_section_ert.png")
    return calibrated


def training(work: Path, out: Path, ert) -> None:
    ts = work / "training_set.npz"
    run("emiai:generatetrainingmodels", {"SECTIONS": [str(c) for c, _ in ert], "TRACES": [str(t) for _, t in ert],
                                         "NMODELS": 40, "SEED": 0, "OUTPUT": str(ts),
                                         "OUTPUT_LOCATIONS": str(work / "locations.gpkg")})
    model = work / "site_model.npz"
    res = run("emiai:trainnetwork", {"TRAINING_SETS": [str(ts)], "INSTRUMENT": 0, "ORIENTATIONS": 0, "MEMBERS": 3,
                                     "MAX_EPOCHS": 80, "SEED": 0, "OUTPUT": str(model),
                                     "OUTPUT_HTML": str(work / "site_model.html")})
    print(f"   test log10 RMSE {res['LOG10_RMSE']:.3f}, MAE {res['MAE_MS_M']:.2f} mS/m, "
          f"misfit {res['MISFIT_MEDIAN']:.2f} %", flush=True)
    figures = work / "site_model_figures"
    copy_png(figures / "site_model_scatter.png", out, "guide_training_scatter.png")
    copy_png(figures / "site_model_curves.png", out, "guide_training_curves.png")


def dialog_png(alg_id, params, path: Path) -> None:
    """The Processing dialog of ``alg_id`` filled with ``params`` (layers by their project ids)."""
    from processing.gui.AlgorithmDialog import AlgorithmDialog
    from qgis.core import QgsApplication

    alg = QgsApplication.processingRegistry().createAlgorithmById(alg_id)
    dialog = AlgorithmDialog(alg)  # processing.createAlgorithmDialog needs iface.mainWindow()
    dialog.setParameters(params)
    dialog.resize(*DIALOG_SIZE)
    dialog.show()
    for _ in range(20):
        QgsApplication.processEvents()
    dialog.grab().save(str(path), "PNG")
    dialog.close()
    shrink_png(path)
    print(f"wrote {path} ({path.stat().st_size // 1000} kB)", flush=True)


def dialogs(out: Path, cells: Path, trace: Path, survey: Path, calibrated: Path) -> None:
    from qgis.core import QgsProject, QgsVectorLayer

    project = QgsProject.instance()
    layers = {}
    for key, path, name in (("survey", survey, "survey beside B2_1"), ("calibrated", calibrated, "survey calibrated"),
                            ("cells", cells, "B2_1 ERT cells"), ("trace", trace, "B2_1 trace")):
        layer = QgsVectorLayer(str(path), name, "ogr")
        assert layer.isValid(), path
        project.addMapLayer(layer)
        layers[key] = layer
    dialog_png("emiai:predictec", {"INPUT": layers["calibrated"].id()}, out / "guide_dialog_predictec.png")
    dialog_png("emiai:calibrateeca", {"INPUT": layers["survey"].id(), "ERT_CELLS": [layers["cells"].id()],
                                      "TRACES": [layers["trace"].id()]}, out / "guide_dialog_calibrateeca.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs" / "images"), help="folder of the PNGs")
    parser.add_argument("--keep", help="keep the intermediate files in this folder (default: a temporary one)")
    args = parser.parse_args()
    ensure_display()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    from emiai_qgis.headless import start_processing

    app, provider = start_processing(gui=True)  # noqa: F841 (kept referenced)
    with tempfile.TemporaryDirectory(prefix="emiai-guide-") as tmp:
        work = Path(args.keep) if args.keep else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        ert = [import_ert(p, work) for p in ("B2_1", "B6_2")]
        cells, trace = ert[0]
        survey = synthetic_survey(work)
        calibrated = calibration_and_section(work, out, cells, trace, survey)
        training(work, out, ert)
        dialogs(out, cells, trace, survey, calibrated)
    # exitQgis() is left out: it can segfault at exit once matplotlib/TensorFlow-era libraries are loaded
    os._exit(0)


if __name__ == "__main__":
    main()
