#!/usr/bin/env python
"""`make demo`: the main job headless through qgis_process on the embedded real survey.

CMD-MiniExplorer survey (demo/data/trimpLo.dat) → emiai:importsurvey → emiai:filtersurvey (QC: line
ends, spikes, ECa ≤ 0) → emiai:predictec (embedded default model) → emiai:depthslices → prints where
the outputs are and a one-screen summary.
"""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QGIS_PROCESS = REPO / "scripts" / "qgis_process"
OUT = REPO / "demo" / "output"


def run(alg: str, **params) -> dict:
    """Run one algorithm through qgis_process --json; return its results dict (exit on failure)."""
    args = [str(QGIS_PROCESS), "--json", "run", alg] + [f"--{k}={v}" for k, v in params.items()]
    print(f"$ scripts/qgis_process run {alg} " + " ".join(f"--{k}={v}" for k, v in params.items()), flush=True)
    proc = subprocess.run(args, capture_output=True, text=True)
    text = proc.stdout[proc.stdout.find("{"):] if "{" in proc.stdout else ""
    if proc.returncode != 0 or not text:
        sys.stderr.write(proc.stdout[-4000:] + proc.stderr[-4000:])
        sys.exit(f"{alg} failed (exit code {proc.returncode})")
    return json.loads(text)["results"]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    survey = OUT / "trimpley_survey.gpkg"
    checked = OUT / "trimpley_survey_qc.gpkg"
    models = OUT / "trimpley_ec_models.gpkg"
    slices = OUT / "trimpley_ec_slices.tif"
    spread = OUT / "trimpley_ec_uncertainty.tif"
    for p in (survey, checked, models, slices, spread):
        p.unlink(missing_ok=True)
    imp = run("emiai:importsurvey", INPUT=REPO / "demo/data/trimpLo.dat", INSTRUMENT=0, ORIENTATION=0,
              HEIGHT=0, OUTPUT=survey)
    qc = run("emiai:filtersurvey", INPUT=survey, OUTPUT=checked)
    pred = run("emiai:predictec", INPUT=checked, OUTPUT=models)
    ras = run("emiai:depthslices", INPUT=models, OUTPUT=slices)
    outputs = [survey, checked, models, slices]
    if "ECSTD" in pred.get("LAYER_FIELDS", "") or pred.get("MODEL_NAME", "").startswith("emiai_tuwien_site"):
        run("emiai:depthslices", INPUT=models, QUANTITY=1, OUTPUT=spread)
        outputs.append(spread)

    from osgeo import gdal

    gdal.UseExceptions()
    ds = gdal.Open(str(slices))
    print("\n=== emiAI demo: CMD-MiniExplorer survey at Trimpley (UK) → EC depth slices ===")
    print(f"survey points   : {imp.get('N_POINTS')} imported ({imp.get('N_SKIPPED', 0)} rows unreadable), "
          f"coils {imp.get('COILS')}")
    removed = {k[len("N_REMOVED_"):].lower(): int(v) for k, v in qc.items() if k.startswith("N_REMOVED_") and v}
    print(f"survey QC       : {qc['N_KEPT']} of {qc['N_INPUT']} points kept; removed "
          + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in removed.items()))
    print(f"model           : {pred.get('MODEL_NAME')} (embedded, chosen by the survey's coils)")
    print(f"predicted       : {pred['N_PREDICTED']} of {pred['N_INPUT']} points; skipped "
          f"{pred['N_SKIPPED_NONPOSITIVE']} with ECa <= 0 and {pred['N_SKIPPED_MISSING']} empty; "
          f"{pred['N_EXTRAPOLATED']} outside the model's training range; "
          f"{pred['N_FLOORED']} values moved into the model's EC bounds")
    print(f"data misfit     : median {pred['MISFIT_MEDIAN']:.1f} % after physics refinement "
          f"(network alone {pred['NET_MISFIT_MEDIAN']:.1f} %)")
    print(f"depth of invest.: median {pred['DOI_MEDIAN']:.2f} m (DOI_M: 70 % of the deepest coil's signal from above)")
    print(f"raster          : {ds.RasterCount} bands, {ds.RasterXSize} x {ds.RasterYSize} cells of "
          f"{ras['CELL_SIZE_USED']:g} m, CRS {ds.GetSpatialRef().GetName() if ds.GetSpatialRef() else 'none'}")
    print(f"{'layer':<22}{'min':>9}{'median':>9}{'max':>9}  mS/m (raster cells)")
    import numpy as np

    for b in range(1, ds.RasterCount + 1):
        band = ds.GetRasterBand(b)
        a = band.ReadAsArray().astype(float)
        a = a[a != band.GetNoDataValue()]
        print(f"{band.GetDescription():<22}{a.min():9.2f}{np.median(a):9.2f}{a.max():9.2f}")
    if spread in outputs:
        sd = gdal.Open(str(spread))
        med = []
        for b in range(1, sd.RasterCount + 1):
            band = sd.GetRasterBand(b)
            a = band.ReadAsArray().astype(float)
            med.append(float(np.median(a[a != band.GetNoDataValue()])))
        print(f"uncertainty     : median ensemble spread of log10 EC per layer {min(med):.3f} … {max(med):.3f} "
              f"(0.1 ≈ ±26 %)")
    print("\noutputs:")
    for p in outputs:
        print(f"  {p.relative_to(REPO)}")
    print("Open them in QGIS (the raster carries its EC style), or rerun any step with scripts/qgis_process.")


if __name__ == "__main__":
    main()
