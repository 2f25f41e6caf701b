# emiAI for QGIS — developer tasks. `make setup` once, then `make demo` / `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# QGIS's Python must be Debian's interpreter, never a pyenv/conda python on PATH.
SYSPY := /usr/bin/python3
PYVER := $(shell $(SYSPY) -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")' 2>/dev/null)
CONSTRAINTS := requirements/constraints-py$(PYVER).txt
STAMP := $(VENV)/.installed-py$(PYVER)
APT_PACKAGES := qgis python3-qgis qgis-providers python3-scipy python3-venv pyqt5-dev-tools
RC := emiai_qgis/resources_rc.py

.PHONY: setup demo test test-fast lint package clean bench resources shared-checks

setup: $(STAMP) $(RC)

# System packages (QGIS + PyQGIS). Needs root (CI and dev machines run as root); skipped if present.
.apt-stamp:
	@if ! dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then \
	  echo "Installing QGIS from Debian packages…"; \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get update -q && apt-get install -y -q --no-install-recommends $(APT_PACKAGES); \
	fi
	@touch $@

$(STAMP): .apt-stamp requirements/requirements.txt $(CONSTRAINTS)
	@test -f $(CONSTRAINTS) || { echo "No constraints file for Python $(PYVER): $(CONSTRAINTS)"; exit 1; }
	$(SYSPY) -m venv --system-site-packages $(VENV)
	$(PY) -m pip install --no-cache-dir -q --upgrade pip -c $(CONSTRAINTS)
	$(PY) -m pip install --no-cache-dir -r requirements/requirements.txt -c $(CONSTRAINTS)
	@# ResIPy is not installed: the ERT readers (ResIPy mesh CSV, R2 f001_res.dat + mesh.dat, legacy
	@# VTK) are our own; importing ResIPy runs `wine --version` and tries to download executables.
	@touch $@

# Icons compiled from resources.qrc (generated file is not committed).
$(RC): resources.qrc $(wildcard icons/*.svg) .apt-stamp
	pyrcc5 -o $@ resources.qrc

resources: $(RC)

demo: setup
	$(PY) scripts/demo.py

test: setup
	QT_QPA_PLATFORM=offscreen PROJ_DATA=/usr/share/proj $(PY) -m pytest -q tests

# The checks on the full real data in ../shared/data (skipped when it is not there).
shared-checks: setup
	QT_QPA_PLATFORM=offscreen PROJ_DATA=/usr/share/proj $(PY) -m pytest -q benchmarks/shared_checks

lint: setup
	$(VENV)/bin/ruff check emiai_core emiai_qgis tests benchmarks scripts

bench: setup
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $(PY) benchmarks/predict_throughput.py
	$(PY) benchmarks/forward_speed.py
	$(PY) benchmarks/generate_speed.py

# Plugin zip for QGIS "Install from ZIP": committed files only, under one folder `emiai/`.
package: $(RC)
	$(SYSPY) scripts/package.py

clean:
	rm -rf dist .qgis-profile .pytest_cache $(RC)
