"""Robustness suite (issue #11 item 7): bad input to every algorithm, table-driven.

Every case runs an algorithm through processing.run with one thing wrong and asserts
- a QgsProcessingException whose message says what is wrong (the regex of the case), and
- that nothing was left behind or destroyed: each output path of the case holds an earlier
  output (sentinel bytes) before the run, and after the failed run the output folder holds exactly
  the same files with the same bytes (no new file, no temporary, no half-written output).
Input files the case names are checked unchanged too. Then: stale temporaries of killed runs are
swept, and a Cancel per long algorithm stops it without output.
"""
import hashlib
import json
import os
import shutil
import zipfile

import numpy as np
import pytest

from conftest import REPO, data_file
from helpers_layers import point_layer, save_gpkg
from realdata_checks import alg_ert

SENTINEL = b"an earlier output that must survive a failed run\n"


def _write_npz_raw(path, entries: dict):
    """An .npz whose entries are raw .npy bytes (to craft headers that lie)."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in entries.items():
            zf.writestr(f"{name}.npy", data)
    return path


def _npy_bytes(array=None, header=None, payload=b""):
    import io

    buf = io.BytesIO()
    if header is None:
        np.lib.format.write_array(buf, np.asarray(array), allow_pickle=False)
        return buf.getvalue()
    np.lib.format.write_array_header_1_0(buf, header)
    return buf.getvalue() + payload


def _model_variant(src, path, change):
    """A copy of the model file ``src`` with its metadata changed by ``change(meta)``."""
    from emiai_core.atomic import write_npz

    with np.load(src, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    meta = json.loads(str(arrays["metadata"]))
    change(meta)
    arrays["metadata"] = np.array(json.dumps(meta))
    write_npz(path, arrays)
    return path


@pytest.fixture(scope="module")
def fx(emiai_provider, tmp_path_factory):
    """Valid inputs (real fixtures) and the bad files the cases use."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    from emiai_core.model_file import default_model_path, embedded_model_path

    def run(alg, params):
        ctx = QgsProcessingContext()
        ctx.setProject(QgsProject.instance())
        return processing.run(alg, params, context=ctx, feedback=QgsProcessingFeedback())

    d = tmp_path_factory.mktemp("robust_inputs")
    f = {"dir": d}
    f["survey"] = str(d / "survey.gpkg")
    run("emiai:importsurvey", {"INPUT": str(data_file("emagpy_examples", "trimpley", "trimpLo.dat")),
                               "INSTRUMENT": 0, "ORIENTATION": 0, "HEIGHT": 0, "OUTPUT": f["survey"]})
    f["ec"] = str(d / "ec.gpkg")
    run("emiai:predictec", {"INPUT": f["survey"], "METHOD": 0, "OUTPUT": f["ec"]})
    f["cells"], f["trace"] = str(d / "cells.gpkg"), str(d / "trace.gpkg")
    alg_ert.import_profile(lambda *p: str(data_file("tuwien_ert", *p)), "B2_1", f["cells"], f["trace"],
                           MAX_DEPTH=4.0)
    f["ts"] = str(d / "ts.npz")
    run("emiai:generatetrainingmodels", {"SECTIONS": [f["cells"]], "TRACES": [f["trace"]], "NMODELS": 4,
                                         "FIGURES": 0, "OUTPUT": f["ts"], "OUTPUT_LOCATIONS": "TEMPORARY_OUTPUT"})
    # point layers with one thing wrong
    n = 20
    x, y = 600000.0 + np.arange(n) * 3.0, 5300000.0 + (np.arange(n) % 5) * 3.0
    ec_cols = {f"EC_{round(a * 100):03d}_{round(b * 100):03d}": np.full(n, 20.0)
               for a, b in zip([0, .12, .24, .36, .48, .6, .72, .84, .96, 1.08, 1.2, 1.32],
                               [.12, .24, .36, .48, .6, .72, .84, .96, 1.08, 1.2, 1.32, 1.5])}
    f["one_position"] = str(save_gpkg(point_layer(np.full(n, 6e5), np.full(n, 5.3e6), ec_cols), d / "one.gpkg"))
    f["collinear"] = str(save_gpkg(point_layer(x, np.full(n, 5.3e6), ec_cols), d / "line.gpkg"))
    f["no_ec"] = str(save_gpkg(point_layer(x, y, {"a": np.ones(n)}), d / "no_ec.gpkg"))
    f["huge_eca"] = str(save_gpkg(point_layer(x, y, {c: np.full(n, 1e9) for c in ("VCP0.32", "VCP0.71", "VCP1.18")}),
                                  d / "huge.gpkg"))
    f["hcp"] = str(save_gpkg(point_layer(x, y, {c: np.full(n, 20.0) for c in ("HCP0.32", "HCP0.71", "HCP1.18")}),
                             d / "hcp.gpkg"))
    f["empty_layer"] = str(save_gpkg(point_layer([], [], {c: [] for c in ("VCP0.32", "VCP0.71", "VCP1.18")}),
                                     d / "empty.gpkg"))
    # bad files
    (d / "garbage.dat").write_text("this is not a survey\n\x00\x01 nothing to read\n")
    (d / "empty.dat").write_text("")
    (d / "not_json.json").write_text("{ not json")
    (d / "unknown_key.json").write_text(json.dumps({"NMODELS": 5, "NOT_A_KEY": 1}))
    (d / "no_resistivity.csv").write_text("x,z,foo\n0,0,1\n1,0,2\n")
    cal = {"format": "emiai-eca-calibration", "version": 1, "coils": [
        {"field": "HCP4.49", "coil": "HCP4.49f10000h0", "offset_mS_m": 0.0, "gain": 1.0, "n_pairs": 10}]}
    (d / "explorer_cal.json").write_text(json.dumps(cal))
    (d / "huge.json").write_bytes(b" " * 2_000_000)
    np.save(d / "weights.npy", np.zeros(3))
    shutil.copy(d / "weights.npy", d / "model_npy.npz")
    ens = embedded_model_path("emiai_tuwien_site_cmd_miniexplorer_vcp")
    _model_variant(ens, d / "model_string.npz", lambda m: m.update(noise_relative="0.03"))
    _model_variant(ens, d / "model_bounds.npz", lambda m: m.update(ec_bounds_S_m=[1e-3, 1e300]))

    def same_min_max(m):
        m["stages"][0]["scaler_in"]["data_max"] = m["stages"][0]["scaler_in"]["data_min"]

    _model_variant(default_model_path(), d / "model_minmax.npz", same_min_max)
    _model_variant(default_model_path(), d / "model_floor.npz", lambda m: m.update(ec_floor_S_m=1e300))
    deep = "[" * 200_000 + "]" * 200_000
    _write_npz_raw(d / "model_nested.npz", {"metadata": _npy_bytes(np.array(deep))})
    bomb = {"metadata": _npy_bytes(np.array(json.dumps({"format": "emiai-model"}))),
            "member0_dense0_kernel": _npy_bytes(header={"descr": "<f8", "fortran_order": False,
                                                        "shape": (100_000, 8_000)}, payload=b"\0" * 64)}
    _write_npz_raw(d / "model_bomb.npz", bomb)
    _write_npz_raw(d / "model_object.npz", {"metadata": _npy_bytes(header={"descr": "|O", "fortran_order": False,
                                                                            "shape": (1,)}, payload=b"\0" * 8)})
    _write_npz_raw(d / "ts_nested.npz", {"header": _npy_bytes(np.array(deep))})
    _write_npz_raw(d / "ts_bomb.npz", {"header": _npy_bytes(np.array(json.dumps({"format": "x"}))),
                                       "ec_L12": _npy_bytes(header={"descr": "<f8", "fortran_order": False,
                                                                    "shape": (50_000_000, 16)}, payload=b"\0")})
    with zipfile.ZipFile(f["ts"]) as z:  # a training set whose header is fine but one array is short
        arrays = {n[:-4]: z.read(n) for n in z.namelist()}
    arrays["ec_L6"] = _npy_bytes(np.zeros((3, 6)))
    _write_npz_raw(d / "ts_short.npz", arrays)
    return f


OUT = "@"  # "@name.ext": an output path in the case's output folder, holding an earlier output


# (id, algorithm, parameters, message regex); "{key}" = a path of the fixture, "@x" = an output
CASES = [
    # --- importsurvey
    ("import-missing-file", "emiai:importsurvey", {"INPUT": "{dir}/nope.dat", "OUTPUT": "@s.gpkg"},
     r"nope\.dat"),
    ("import-empty-file", "emiai:importsurvey", {"INPUT": "{dir}/empty.dat", "OUTPUT": "@s.gpkg"},
     r"empty|no data|no rows"),
    ("import-garbage", "emiai:importsurvey", {"INPUT": "{dir}/garbage.dat", "OUTPUT": "@s.gpkg"},
     r"(?i)coordinates|ECa|column"),
    ("import-output-folder-missing", "emiai:importsurvey",
     {"INPUT": "{survey_src}", "OUTPUT": "{dir}/no/such/folder/s.gpkg"}, r"does not exist or is not writable"),
    # --- filtersurvey
    ("filter-even-window", "emiai:filtersurvey", {"INPUT": "{survey}", "SPIKE_WINDOW": 10, "OUTPUT": "@f.gpkg"},
     r"(?i)odd"),
    ("filter-max-below-min", "emiai:filtersurvey",
     {"INPUT": "{survey}", "MIN_ECA": 50, "MAX_ECA": 10, "OUTPUT": "@f.gpkg"}, r"MAX_ECA|maximum"),
    ("filter-no-coil-fields", "emiai:filtersurvey", {"INPUT": "{no_ec}", "OUTPUT": "@f.gpkg"}, r"(?i)coil"),
    ("filter-output-is-input", "emiai:filtersurvey", {"INPUT": "{survey}", "OUTPUT": "{survey}"},
     r"would be written over the input"),
    # --- calibrateeca / applyecacalibration
    ("calibrate-too-few-pairs", "emiai:calibrateeca",
     {"INPUT": "{survey}", "ERT_CELLS": ["{cells}"], "TRACES": ["{trace}"], "OUTPUT": "@c.gpkg",
      "OUTPUT_COEFFICIENTS": "@c.json", "OUTPUT_HTML": "@c.html"}, r"Only 0 survey point\(s\).*Nearest"),
    ("calibrate-no-coil-fields", "emiai:calibrateeca",
     {"INPUT": "{no_ec}", "ERT_CELLS": ["{cells}"], "TRACES": ["{trace}"], "OUTPUT": "@c.gpkg",
      "OUTPUT_COEFFICIENTS": "@c.json"}, r"no ECa fields named like coils"),
    ("calibrate-traces-are-cells", "emiai:calibrateeca",
     {"INPUT": "{survey}", "ERT_CELLS": ["{cells}"], "TRACES": ["{cells}"], "OUTPUT": "@c.gpkg",
      "OUTPUT_COEFFICIENTS": "@c.json"}, r"is not a line layer"),
    ("apply-not-json", "emiai:applyecacalibration",
     {"INPUT": "{survey}", "COEFFICIENTS": "{dir}/not_json.json", "OUTPUT": "@a.gpkg"}, r"not a JSON"),
    ("apply-other-coils", "emiai:applyecacalibration",
     {"INPUT": "{survey}", "COEFFICIENTS": "{dir}/explorer_cal.json", "OUTPUT": "@a.gpkg"},
     r"no ECa field for coil.*HCP4.49"),
    ("apply-huge-file", "emiai:applyecacalibration",
     {"INPUT": "{survey}", "COEFFICIENTS": "{dir}/huge.json", "OUTPUT": "@a.gpkg"}, r"bytes"),
    # --- predictec
    ("predict-output-is-input", "emiai:predictec", {"INPUT": "{survey}", "OUTPUT": "{survey}"},
     r"would be written over the input"),
    ("predict-model-npy", "emiai:predictec", {"INPUT": "{survey}", "MODEL": "{dir}/model_npy.npz", "OUTPUT": "@p.gpkg"},
     r"not a readable \.npz archive"),
    ("predict-model-string-number", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_string.npz", "OUTPUT": "@p.gpkg"},
     r"noise_relative must be a finite number"),
    ("predict-model-bounds-1e300", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_bounds.npz", "OUTPUT": "@p.gpkg"}, r"ec_bounds_S_m must be"),
    ("predict-model-min-equals-max", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_minmax.npz", "OUTPUT": "@p.gpkg"}, r"data_max must exceed data_min"),
    ("predict-model-floor-1e300", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_floor.npz", "OUTPUT": "@p.gpkg"}, r"ec_floor_S_m must be an EC"),
    ("predict-model-nested-json", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_nested.npz", "OUTPUT": "@p.gpkg"}, r"not valid JSON"),
    ("predict-model-declares-6GB", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_bomb.npz", "OUTPUT": "@p.gpkg"}, r"declares \(100000, 8000\)"),
    ("predict-model-object-array", "emiai:predictec",
     {"INPUT": "{survey}", "MODEL": "{dir}/model_object.npz", "OUTPUT": "@p.gpkg"}, r"dtype object"),
    ("predict-eca-1e9", "emiai:predictec", {"INPUT": "{huge_eca}", "OUTPUT": "@p.gpkg"},
     r"above 10000 mS/m .*no soil readings"),
    ("predict-wrong-field-count", "emiai:predictec",
     {"INPUT": "{survey}", "ECA_FIELDS": ["VCP0.32"], "OUTPUT": "@p.gpkg"}, r"takes 3 ECa"),
    ("predict-empty-layer", "emiai:predictec", {"INPUT": "{empty_layer}", "OUTPUT": "@p.gpkg"}, r"no features"),
    ("predict-hcp-for-vcp-model", "emiai:predictec",
     {"INPUT": "{hcp}", "EMBEDDED_MODEL": 2, "ECA_FIELDS": ["HCP0.32", "HCP0.71", "HCP1.18"], "OUTPUT": "@p.gpkg"},
     r"ALLOW_COIL_MISMATCH"),
    ("predict-no-eca-fields", "emiai:predictec", {"INPUT": "{no_ec}", "OUTPUT": "@p.gpkg"}, r"No ECa fields"),
    # --- depthslices
    ("slices-cell-size-17GB", "emiai:depthslices", {"INPUT": "{ec}", "CELL_SIZE": 0.0055, "OUTPUT": "@d.tif"},
     r"would need about .* GB of memory"),
    ("slices-one-position", "emiai:depthslices", {"INPUT": "{one_position}", "OUTPUT": "@d.tif"},
     r"Nothing to map"),
    ("slices-collinear", "emiai:depthslices", {"INPUT": "{collinear}", "OUTPUT": "@d.tif"},
     r"EC section along a line"),
    ("slices-no-ec-fields", "emiai:depthslices", {"INPUT": "{no_ec}", "OUTPUT": "@d.tif"}, r"no EC layer fields"),
    ("slices-doi-mask-without-doi", "emiai:depthslices",
     {"INPUT": "{collinear}", "MASK_BELOW_DOI": True, "OUTPUT": "@d.tif"}, r"needs the field DOI_M"),
    ("slices-output-is-input", "emiai:depthslices", {"INPUT": "{ec}", "OUTPUT": "{ec}"},
     r"would be written over the input"),
    # --- ecsection
    ("section-line-far-away", "emiai:ecsection",
     {"INPUT": "{ec}", "LINE": "{trace}", "OUTPUT": "@e.tif", "OUTPUT_PNG": "@e.png"}, r"No point with EC values"),
    ("section-no-ec-fields", "emiai:ecsection", {"INPUT": "{no_ec}", "LINE": "{trace}", "OUTPUT": "@e.tif"},
     r"no EC_<top>_<bottom> fields"),
    # --- forwardresponse
    ("forward-no-ec-fields", "emiai:forwardresponse", {"INPUT": "{no_ec}", "OUTPUT": "@fw.gpkg"}, r"(?i)EC_"),
    ("forward-bad-custom-coil", "emiai:forwardresponse",
     {"INPUT": "{ec}", "INSTRUMENT": "{custom}", "COILS": "XYZ0.3", "OUTPUT": "@fw.gpkg"}, r"Unknown coil string 'XYZ0.3'"),
    ("forward-training-set-bomb", "emiai:forwardresponse",
     {"TRAINING_SET": "{dir}/ts_bomb.npz", "OUTPUT_FILE": "@fw.npz"}, r"declares|more than"),
    # --- importertsection
    ("ert-missing-mesh", "emiai:importertsection",
     {"INPUT": "{dir}/nope_mesh.csv", "OUTPUT": "@cells.gpkg", "OUTPUT_TRACE": "@trace.gpkg"}, r"nope_mesh"),
    ("ert-no-resistivity", "emiai:importertsection",
     {"INPUT": "{dir}/no_resistivity.csv", "ELECTRODE_COORDINATES": "{xyz}", "CRS": "EPSG:31256",
      "OUTPUT": "@cells.gpkg", "OUTPUT_TRACE": "@trace.gpkg"}, r"(?i)resistivity"),
    ("ert-no-electrodes", "emiai:importertsection",
     {"INPUT": "{mesh}", "OUTPUT": "@cells.gpkg", "OUTPUT_TRACE": "@trace.gpkg"}, r"(?i)electrode"),
    # --- generatetrainingmodels
    ("generate-unwritable-locations", "emiai:generatetrainingmodels",
     {"SECTIONS": ["{cells}"], "TRACES": ["{trace}"], "NMODELS": 4, "FIGURES": 0, "OUTPUT": "@ts.npz",
      "OUTPUT_HTML": "@ts.html", "OUTPUT_LOCATIONS": "{dir}/no/such/folder/loc.gpkg"},
     r"does not exist or is not writable"),
    ("generate-unknown-settings-key", "emiai:generatetrainingmodels",
     {"SECTIONS": ["{cells}"], "TRACES": ["{trace}"], "SETTINGS_FILE": "{dir}/unknown_key.json",
      "OUTPUT": "@ts.npz", "OUTPUT_LOCATIONS": "@loc.gpkg"}, r"NOT_A_KEY"),
    ("generate-sections-without-fields", "emiai:generatetrainingmodels",
     {"SECTIONS": ["{no_ec}"], "TRACES": ["{trace}"], "OUTPUT": "@ts.npz", "OUTPUT_LOCATIONS": "@loc.gpkg"},
     r"has no field\(s\) profile"),
    ("generate-too-many-models", "emiai:generatetrainingmodels",
     {"SECTIONS": ["{cells}"], "TRACES": ["{trace}"], "NMODELS": 100_000, "NEXTRACTION_RANGE": "9000,9000",
      "OUTPUT": "@ts.npz", "OUTPUT_LOCATIONS": "@loc.gpkg"}, r"lower NMODELS or NEXTRACTION_RANGE"),
    # --- trainnetwork
    ("train-not-npz", "emiai:trainnetwork", {"TRAINING_SETS": ["{dir}/garbage.dat"], "OUTPUT": "@m.npz"},
     r"not a readable \.npz"),
    ("train-nested-header", "emiai:trainnetwork", {"TRAINING_SETS": ["{dir}/ts_nested.npz"], "OUTPUT": "@m.npz"},
     r"not valid JSON"),
    ("train-short-array", "emiai:trainnetwork", {"TRAINING_SETS": ["{dir}/ts_short.npz"], "OUTPUT": "@m.npz"},
     r"ec_L6 has shape \(3, 6\)"),
]


def _resolve(value, fx, out_dir, outputs):
    if isinstance(value, list):
        return [_resolve(v, fx, out_dir, outputs) for v in value]
    if not isinstance(value, str):
        return value
    if value == "{custom}":
        return fx["custom"]
    if value.startswith(OUT):
        path = out_dir / value[1:]
        path.write_bytes(SENTINEL)
        outputs.append(path)
        return str(path)
    return value.format(**fx)


def _digest(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest() if os.path.isfile(path) else None


def test_the_table_covers_every_algorithm(emiai_provider):
    algs = {a.id() for a in emiai_provider.algorithms() if not a.id().startswith("emiai:model")}
    covered = {c[1] for c in CASES}
    assert len(CASES) >= 40
    missing = {a for a in algs if "_to_" not in a} - covered  # the workflow models chain these algorithms
    assert not missing, missing


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, fx, run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    _, alg, params, match = case
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    from emiai_core.fields import instrument_keys

    fx = {**fx, "survey_src": str(data_file("emagpy_examples", "trimpley", "trimpLo.dat")),
          "custom": len(instrument_keys()),
          "mesh": str(data_file("tuwien_ert", "B2_1", "B2_1_mesh.csv")),
          "xyz": str(data_file("tuwien_ert", "B2_1", "B2_1_xyz_dem.csv"))}
    outputs = []
    resolved = {k: _resolve(v, fx, out_dir, outputs) for k, v in params.items()}
    inputs = [v for k, v in resolved.items() if isinstance(v, str) and os.path.isfile(v) and v not in map(str, outputs)]
    before_in = {p: _digest(p) for p in inputs}
    before_out = {p.name: _digest(p) for p in out_dir.iterdir()}
    with pytest.raises(QgsProcessingException, match=match) as info:
        run_alg(alg, resolved)
    if os.environ.get("EMIAI_SHOW_MESSAGES"):
        print(f"\n[{case[0]}] {info.value}")
    assert {p.name: _digest(p) for p in out_dir.iterdir()} == before_out, "an output was written or destroyed"
    assert {p: _digest(p) for p in inputs} == before_in, "an input was changed"
    leftovers = [p for p in os.listdir(fx["dir"]) if p.startswith(".")]
    assert not leftovers, leftovers


def test_killed_runs_leave_no_temporaries_behind(tmp_path):
    """A save killed mid-way leaves a hidden temporary; the next save of that file removes it."""
    import subprocess
    import sys

    from emiai_core.atomic import atomic_write

    target = tmp_path / "ts.npz"
    code = ("import sys, os, time; sys.path.insert(0, %r)\n"
            "from emiai_core.atomic import atomic_write\n"
            "with atomic_write(%r) as tmp:\n"
            "    open(tmp, 'wb').write(b'x' * 1000000); print('writing', flush=True); time.sleep(60)\n")
    proc = subprocess.Popen([sys.executable, "-c", code % (str(REPO), str(target))],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.kill()
    proc.wait()
    stale = [p for p in tmp_path.iterdir() if p.name.startswith(".ts.npz.")]
    assert len(stale) == 1 and stale[0].stat().st_size == 1_000_000
    with atomic_write(target) as tmp:
        open(tmp, "wb").write(b"new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ts.npz"] and target.read_bytes() == b"new"


def _cancel_on_progress():
    """A feedback that cancels as soon as the algorithm reports progress."""
    from qgis.core import QgsProcessingFeedback

    feedback = QgsProcessingFeedback()
    feedback.progressChanged.connect(lambda _: feedback.cancel())
    return feedback


CANCEL_CASES = [
    ("emiai:importsurvey", {"INPUT": "{survey_src}", "OUTPUT": "@s.gpkg"}),
    ("emiai:filtersurvey", {"INPUT": "{survey}", "OUTPUT": "@f.gpkg"}),
    ("emiai:calibrateeca", {"INPUT": "{survey}", "ERT_CELLS": ["{cells}"], "TRACES": ["{trace}"],
                            "OUTPUT": "@c.gpkg", "OUTPUT_COEFFICIENTS": "@c.json"}),
    ("emiai:predictec", {"INPUT": "{survey}", "OUTPUT": "@p.gpkg"}),
    ("emiai:depthslices", {"INPUT": "{ec}", "OUTPUT": "@d.tif"}),
    ("emiai:forwardresponse", {"INPUT": "{ec}", "OUTPUT": "@fw.gpkg"}),
    ("emiai:generatetrainingmodels", {"SECTIONS": ["{cells}"], "TRACES": ["{trace}"], "NMODELS": 4,
                                      "OUTPUT": "@ts.npz", "OUTPUT_LOCATIONS": "@loc.gpkg"}),
]


@pytest.mark.parametrize("alg,params", CANCEL_CASES, ids=[c[0] for c in CANCEL_CASES])
def test_cancel_leaves_earlier_outputs(alg, params, fx, run_alg, tmp_path):
    from qgis.core import QgsProcessingException

    out_dir = tmp_path / "out"
    out_dir.mkdir()
    fx = {**fx, "survey_src": str(data_file("emagpy_examples", "trimpley", "trimpLo.dat"))}
    outputs = []
    resolved = {k: _resolve(v, fx, out_dir, outputs) for k, v in params.items()}
    before = {p.name: _digest(p) for p in out_dir.iterdir()}
    with pytest.raises(QgsProcessingException, match="Canceled"):
        run_alg(alg, resolved, feedback=_cancel_on_progress())
    assert {p.name: _digest(p) for p in out_dir.iterdir()} == before


def test_stage_folders_of_killed_runs_are_swept(tmp_path):
    """Training and figure runs stage their outputs in hidden folders named with their process id;
    the next run removes those of processes that no longer exist, and keeps its own and live ones."""
    import subprocess
    import sys

    from emiai_core.atomic import stage_dir

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()  # a process id that no longer runs
    dead = tmp_path / f".emiai-train-{proc.pid}-abc123"
    (dead / "figures").mkdir(parents=True)
    (dead / "model.npz").write_bytes(b"x" * 1000)
    live = tmp_path / f".emiai-train-{os.getppid()}-def456"
    live.mkdir()
    other_kind = tmp_path / f".emiai-figures-{proc.pid}-ghi789"
    other_kind.mkdir()
    new = stage_dir(tmp_path, "train")
    assert new.is_dir() and new.name.startswith(f".emiai-train-{os.getpid()}-")
    assert not dead.exists() and live.exists() and other_kind.exists()
    assert stage_dir(tmp_path, "figures").is_dir() and not other_kind.exists()
