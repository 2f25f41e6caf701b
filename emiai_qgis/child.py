"""Run emiAI training in a child Python process: TensorFlow never loads into QGIS.

The child is ``python -m emiai_core.training_cli request.json`` with the interpreter of the
environment QGIS runs in; its JSON lines become progress and log messages; Cancel asks it to stop
(a stop file it checks every epoch) and kills it if it does not within a few seconds.
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from qgis.core import QgsProcessingException

from emiai_core.fields import CANCELED_MESSAGE

PLUGIN_ROOT = Path(__file__).resolve().parents[1]  # the folder holding emiai_core and emiai_qgis


def python_executable() -> str:
    """The Python interpreter of the environment QGIS runs in (EMIAI_PYTHON overrides it).

    Inside QGIS sys.executable can be the QGIS program itself, so the interpreter is looked up
    next to the environment's prefix when it is not a python."""
    explicit = os.environ.get("EMIAI_PYTHON")
    if explicit:
        return explicit
    exe = Path(sys.executable or "")
    if exe.name.lower().startswith("python") and exe.is_file():
        return str(exe)
    for prefix in (sys.prefix, sys.exec_prefix, sys.base_prefix):
        for rel in ("bin/python3", "bin/python", "python.exe", "python3.exe"):
            cand = Path(prefix) / rel
            if cand.is_file():
                return str(cand)
    found = shutil.which("python3") or shutil.which("python")
    if not found:
        raise QgsProcessingException("No Python interpreter found to run the training: set the environment "
                                     "variable EMIAI_PYTHON to the python of your QGIS environment.")
    return found


def _reader(stream, sink: queue.Queue):
    for line in iter(stream.readline, ""):
        sink.put(line)
    sink.put(None)


def run_training(request: dict, feedback, progress_span=(5.0, 90.0), stop_grace_s: float = 10.0) -> dict:
    """Run a training request (see emiai_core.training_cli) in a child process; returns the
    summary the child reports. Raises QgsProcessingException with the child's message on failure,
    and on Cancel (after stopping the child)."""
    start, span = progress_span
    with tempfile.TemporaryDirectory(prefix="emiai-train-") as work:
        stop_file = os.path.join(work, "stop")
        req_path = os.path.join(work, "request.json")
        Path(req_path).write_text(json.dumps({**request, "stop_file": stop_file}), encoding="utf-8")
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(PLUGIN_ROOT)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                                                                  if p])
        env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        env.setdefault("PYTHONUNBUFFERED", "1")
        cmd = [python_executable(), "-m", "emiai_core.training_cli", req_path]
        feedback.pushInfo(f"Training in a child process: {' '.join(cmd[:3])} …")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                                cwd=work)
        lines: queue.Queue = queue.Queue()
        errors: queue.Queue = queue.Queue()
        threading.Thread(target=_reader, args=(proc.stdout, lines), daemon=True).start()
        threading.Thread(target=_reader, args=(proc.stderr, errors), daemon=True).start()
        result, error, stderr_tail, canceled_at = None, None, [], None
        eof = False
        while not eof:
            if feedback.isCanceled() and canceled_at is None:
                Path(stop_file).touch()
                canceled_at = time.time()
                feedback.pushInfo("Cancel: asking the training to stop…")
            if canceled_at is not None and time.time() - canceled_at > stop_grace_s and proc.poll() is None:
                proc.kill()
            try:
                line = lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if line is None:
                eof = True
                break
            try:
                msg = json.loads(line)
            except ValueError:
                stderr_tail.append(line.rstrip())
                continue
            if "progress" in msg:
                feedback.setProgress(start + span * float(msg["progress"]))
                if msg.get("message") and "epoch" not in msg["message"]:
                    feedback.pushInfo(msg["message"])
                elif msg.get("message"):
                    feedback.setProgressText(msg["message"])
            if "info" in msg:
                feedback.pushInfo(msg["info"])
            if "error" in msg:
                error = msg["error"]
            if "done" in msg:
                result = msg["done"]
        proc.wait()
        proc.stdout.close()
        while True:
            try:
                line = errors.get_nowait()
            except queue.Empty:
                break
            if line:
                stderr_tail.append(line.rstrip())
        proc.stderr.close()
    if canceled_at is not None:
        raise QgsProcessingException(CANCELED_MESSAGE)
    if error is not None:
        raise QgsProcessingException(error)
    if proc.returncode != 0 or result is None:
        tail = "\n".join(t for t in stderr_tail[-15:] if t)
        raise QgsProcessingException(f"The training process failed (exit code {proc.returncode}).\n{tail}")
    return result


__all__ = ["python_executable", "run_training"]
