# attractor-lab: `make figures` and `make test` set everything up on a fresh machine.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PRESET ?= default
# pinned: on a CPU-only machine with the wheel on disk this is the CPU build. Elsewhere pick your
# build, e.g. make setup TORCH="torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu"
TORCH ?= torch==2.13.0
NB ?=
# make figures CLUSTER=tcp://host:8786 | local:N (a Dask cluster for the training runs); make plan WORKERS=N
CLUSTER ?= $(ATTRACTOR_CLUSTER)
WORKERS ?= 8
export JUPYTER_PATH := $(abspath $(VENV))/share/jupyter
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

.PHONY: setup lock figures paper-cells plan plan-check report compare test test-unit lab bench bench-memorize bench-spectra clean refresh-outputs help

help:
	@echo "make figures [PRESET=smoke|default|paper] [NB=01_single_example]  run the notebooks -> figures/"
	@echo "             [CLUSTER=tcp://host:8786|local:N]                   ... training runs on a Dask cluster"
	@echo "make paper-cells [CELL=09-wide]                                  the paper-scale cells of the open claims"
	@echo "make plan [PRESET=...] [NB=...] [WORKERS=8] [CALIBRATE=1] [FRESH=1]  runs, cache, projected time, before a run"
	@echo "          [PROBE=60[,600]] [CELL=03-wide]                        ... measuring new recipes; a paper cell"
	@echo "make plan-check                                                  plan vs measured cold times -> README table"
	@echo "make test                                                        unit + notebook tests"
	@echo "make report [PRESET=...]                                          browsable site of the results (nothing re-run)"
	@echo "make lab | bench | bench-memorize | bench-spectra | bench-limit | clean | refresh-outputs"

# requirements.lock pins every dependency but torch, with hashes, for Linux x86-64 / CPython 3.11 (the CI machine);
# elsewhere the version ranges of pyproject.toml are used and setup says so. `make lock` refreshes it.
LOCK ?= requirements.lock
LOCKED_PLATFORM := import sys, platform; sys.exit(not (sys.version_info[:2] == (3, 11) and platform.system() == "Linux" and platform.machine() == "x86_64"))

$(VENV)/.installed: pyproject.toml $(LOCK)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	if [ -f "$(LOCK)" ] && $(PY) -c '$(LOCKED_PLATFORM)'; then \
	  $(PY) -m pip install -q --require-hashes -r $(LOCK) && \
	  $(PY) -m pip install -q --no-deps $(TORCH) && \
	  $(PY) -m pip install -q --no-deps -e . ; \
	else \
	  echo "NOTE: no lock for this platform/Python; installing from the version ranges in pyproject.toml"; \
	  $(PY) -m pip install -q $(TORCH) && $(PY) -m pip install -q -e ".[all]" ; \
	fi
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (attractor-lab)" >/dev/null
	touch $@

# notebooks/*.ipynb pass git's filter tools/nbclean.py (.gitattributes; run by its path: it imports nothing of the
# project): a notebook run in JupyterLab and saved is not a change in git (its outputs, counts and metadata are stored
# as committed)
setup: $(VENV)/.installed
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
	  git config filter.nbclean.clean '"$(abspath $(PY))" "$(abspath tools/nbclean.py)" %f'; fi

# re-resolve requirements.lock (needs the package index): newest versions within pyproject.toml's ranges
lock: setup
	$(PY) -m pip install -q uv
	$(PY) -m uv pip compile pyproject.toml --extra all --generate-hashes --python-version 3.11 \
	  --python-platform x86_64-unknown-linux-gnu --override tools/lock-overrides.txt --no-emit-package torch \
	  $(if $(wildcard /opt/wheels),--find-links /opt/wheels,--extra-index-url https://download.pytorch.org/whl/cpu \
	  --index-strategy unsafe-best-match) -o $(LOCK)

figures: setup
	$(PY) -m tools.run_notebooks --preset $(PRESET) $(if $(CLUSTER),--cluster $(CLUSTER)) $(NB)

# what a preset trains (per notebook, by shape; how much is cached) and its projected time here and on WORKERS workers
plan: setup
	$(PY) -m tools.plan --preset $(PRESET) --workers $(WORKERS) $(if $(CALIBRATE),--calibrate) $(if $(FRESH),--fresh) \
	  $(if $(PLAN_CELL_TIMEOUT),--cell-timeout $(PLAN_CELL_TIMEOUT)) $(if $(PROBE),--probe $(PROBE)) \
	  $(foreach c,$(CELL),--cell $(c)) $(NB)

# the plan against the measured cold times of figures/timings.json: the README's table (after a cold `make figures`)
plan-check: setup
	$(PY) -m tools.plan --check --preset $(PRESET) $(if $(CALIBRATE),--calibrate) $(if $(FRESH),--fresh) $(NB)

# the CSVs in figures/ (e.g. after a fresh `make figures`) against the committed ones, within stated tolerances;
# ARGS=--across-machines for tables made on another CPU (ARGS="--rev REV --common-columns": an earlier commit's)
compare: setup
	$(PY) -m tools.compare_figures $(ARGS)

# a static site of the notebooks and their results, nothing re-run (seconds): build/report/index.html. A notebook
# `make figures` executed (build/executed/$(PRESET)/) shows every output; the others, as on a fresh clone, show their
# committed code with the figures, CSVs and timings committed in figures/ (figures/$(PRESET)/ for smoke and paper)
report: setup
	$(PY) -m tools.build_report --preset $(PRESET)

# the notebook checks run at the smoke preset and write into build/, never into figures/
test: export ATTRACTOR_PRESET_OVERRIDE := smoke
test: export ATTRACTOR_FIGURES := $(abspath build/test-figures)
test: export ATTRACTOR_CACHE := $(abspath build/test-cache)
test: setup
	$(PY) -m pytest tests notebooks attractor_utils --doctest-modules --nbval-lax --nbval-current-env -p no:cacheprovider \
	  --nbval-sanitize-with tests/nbval_sanitize.cfg

test-unit: setup
	$(PY) -m pytest tests -q -m "not notebook"

# MPLBACKEND=Agg (exported above for headless runs) would reach the kernels and hide every inline figure;
# --allow-root lets containers and cloud notebooks that run as root start the server
lab: setup
	cd notebooks && env -u MPLBACKEND ../$(VENV)/bin/jupyter lab --config=$(abspath tools/jupyter_server_config.py) \
	  $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: setup
	$(PY) bench/run.py
	$(PY) bench/memorize.py
	$(PY) bench/spectra.py
	$(PY) -m bench.limit

# the infinite-width limit of notebook 03 against one trained network (seconds)
bench-limit: setup
	$(PY) -m bench.limit

# time to memorize only (training routes to MSE 1e-4 ... 1e-8, about 15 min on a 2-core CPU)
bench-memorize: setup
	$(PY) bench/memorize.py

# spectral radius only: full decompositions vs the iterative route (trains its nets through the run cache; prints
# its run time, also in bench/spectra.md)
bench-spectra: setup
	$(PY) bench/spectra.py

refresh-outputs: setup
	$(PY) -m tools.refresh_outputs $(NB)

# the cells that decide the open claims at the papers' scale (tools/lib/cells.py; hours each on a 2-core CPU):
# one at a time, from the cache $$ATTRACTOR_CACHE (default ~/.cache/attractor-lab/paper), outputs in figures/paper/variants/
paper-cells: setup
	$(PY) -m tools.paper_cells $(if $(CELL),--only $(CELL))

clean:
	rm -rf build .pytest_cache figures/smoke figures/variants
	@echo "(the run cache in .cache/ is kept; rm -rf .cache to retrain everything)"
