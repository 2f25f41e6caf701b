"""Run a training request in this (child) process: ``python -m emiai_core.training_cli REQUEST.json``.

The plugin (emiai_qgis.child) starts this in a separate Python so that TensorFlow never loads into
QGIS. The request is a JSON object: ``training_sets`` (paths), ``settings`` (TrainingSettings
fields), ``output_model`` (path of the model file to write), optional ``output_html`` and
``stop_file`` (training stops cleanly when that file appears). Progress goes to stdout as one
JSON object per line: {"progress": 0..1, "message": …}, {"info": …}, and finally {"done": …} or
{"error": …} (exit code 2 for bad input, 3 for a missing package).
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

INSTALL_HINT = ("Training needs TensorFlow and Keras in the Python that QGIS uses: "
                "python -m pip install tensorflow-cpu keras (Windows: in the OSGeo4W Shell; "
                "Debian/Ubuntu: in a venv created with --system-site-packages, see the README).")


def _emit(**message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def run(request: dict) -> dict:
    """Load, train, write the model (and report); returns the summary sent as {"done": …}."""
    from .model_file import save_model
    from .training import TrainingSettings, load_training_data, train_cascade, train_ensemble

    stop_file = request.get("stop_file")

    def should_stop():
        return bool(stop_file) and os.path.exists(stop_file)

    settings = TrainingSettings(**request["settings"])
    _emit(progress=0.0, message="Forward-modelling the training ECa…")
    data = load_training_data(request["training_sets"], settings.coils, settings.forward_model,
                              progress=lambda f: _emit(progress=0.05 * f, message="forward modelling"))
    _emit(info=f"{data.n_rows} training models from {len(request['training_sets'])} file(s); "
               f"coils {', '.join(settings.coils)}; {settings.forward_model} with the layers below "
               f"{data.layer_edges[-1]:g} m down to {data.halfspace_bottom_m:g} m.")
    model, report, evaluation = train_ensemble(
        data, settings, progress=lambda f, m: _emit(progress=0.05 + 0.9 * f, message=m),
        should_stop=should_stop, log=lambda m: _emit(info=m))
    if request.get("compare_cascade"):
        _emit(info="Training the reference cascade on the same split, for comparison…")
        cascade = train_cascade(data, settings, progress=lambda f, m: _emit(progress=0.95, message=m),
                                should_stop=should_stop, log=lambda m: _emit(info=m))
        report["comparison"] = [
            {"architecture": "direct (this model)", "log10_rmse_all": report["scores"]["log10_rmse_all"],
             "mae_mS_m_all": report["scores"]["mae_mS_m_all"], "misfit_median": report["data_misfit_pct"]["median"]},
            {"architecture": "cascade " + " → ".join(map(str, cascade["stages"])),
             "log10_rmse_all": cascade["scores"]["log10_rmse_all"], "mae_mS_m_all": cascade["scores"]["mae_mS_m_all"],
             "misfit_median": cascade["data_misfit_pct"]["median"]}]
        _emit(info="Architectures on the same evaluation rows: " + "; ".join(
            f"{r['architecture']}: log10 RMSE {r['log10_rmse_all']:.3f}" for r in report["comparison"]))
    name = request.get("name") or Path(request["output_model"]).stem
    save_model(request["output_model"], model, {
        "name": name, "description": "emiAI ensemble of direct networks trained with emiAI for QGIS",
        "provenance": {"training_sets": [s["path"] for s in data.sources], "trainer": "emiai_core.training"}})
    html_path = request.get("output_html")
    if html_path:
        _emit(progress=0.97, message="Writing the report…")
        from .training_report import write_figures, write_html

        folder = request.get("figures_folder") or str(Path(html_path).with_name(Path(html_path).stem + "_figures"))
        figures = write_figures(report, evaluation, folder, Path(html_path).stem)
        write_html(html_path, report, figures, request.get("final_model_path") or request["output_model"])
    summary = {"rows": report["rows"], "scores": {k: report["scores"][k] for k in ("log10_rmse_all", "mae_mS_m_all",
                                                                                 "log10_rmse", "mae_mS_m")},
               "data_misfit_pct": report["data_misfit_pct"], "seconds": report["seconds"],
               "best_epochs": report["best_epochs"]}
    return summary


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        _emit(error="usage: python -m emiai_core.training_cli REQUEST.json")
        return 2
    try:
        request = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        _emit(error=f"Cannot read the training request {argv[0]}: {err}")
        return 2
    try:
        import keras  # noqa: F401  (fail early, with the install command)
    except ImportError as err:
        _emit(error=f"{INSTALL_HINT} ({err})")
        return 3
    from .training import TrainingError
    from .training_set import TrainingSetError

    try:
        summary = run(request)
    except (TrainingError, TrainingSetError, ValueError) as err:
        _emit(error=str(err))
        return 2
    _emit(done=summary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
