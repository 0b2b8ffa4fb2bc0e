# hubplan: two commands on a fresh machine
#   make run   - set up, build the study-area data, run the default scenario
#   make test  - set up, build the data, lint (ruff, mypy), build the docs strictly, run the whole test suite
#   make docs  - build the documentation site into site/ (mkdocs build --strict)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SOURCE ?= $(if $(HUBPLAN_SOURCE),$(HUBPLAN_SOURCE),../shared/data)
STUDY   = data/geo/study.gpkg
SCENARIO ?= scenarios/dorset-current.toml

.PHONY: run test lint docs setup system-deps data bench orlib clean

$(BIN)/hubplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench,docs]"
	touch $@

setup: $(BIN)/hubplan system-deps

# GDAL's ogrinfo and Chromium are used by the output tests (GeoJSON read-back, map screenshot).
system-deps:
	@if ! command -v ogrinfo >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gdal-bin chromium >/dev/null; \
	  else \
	    echo "note: install gdal-bin and chromium (Debian) for the output tests; they are skipped without them"; \
	  fi; \
	fi

$(STUDY): $(BIN)/hubplan
	$(BIN)/hubplan data build --source $(SOURCE) --out $(STUDY)

data: $(STUDY)

run: setup data
	$(BIN)/hubplan --no-progress run $(SCENARIO)

lint: setup
	$(BIN)/ruff check hubplan benchmarks tests docs/hooks
	$(BIN)/mypy

# A broken link, page, reference or docstring fails the build (and so `make test`).
docs: setup
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

test: setup data lint docs
	HUBPLAN_SOURCE=$(abspath $(SOURCE)) $(BIN)/python -m pytest -q

# Refreshes the results in benchmarks/results/ (the docs' benchmark tables are built from them),
# then runs the spopt comparison on all 40 pmed (over half an hour; printed, not committed).
REFERENCE ?= ../shared/reference
bench: setup data
	$(BIN)/python benchmarks/travel_matrix.py --json benchmarks/results/travel-matrix.json
	$(BIN)/python benchmarks/orlib.py --all-pmed --cap cap41,cap71,cap131,cap71_uncap --json benchmarks/results/orlib.json
	$(BIN)/python benchmarks/darp.py $$(ls $(REFERENCE)/darp/a*.txt | sort -t- -k2 -n) --time-limit 10 \
	  --json benchmarks/results/darp.json
	$(BIN)/python benchmarks/spopt_pmedian.py --instances pmed1,pmed2,pmed3,pmed4,pmed5 --time-limit 60 \
	  --json benchmarks/results/spopt.json
	$(BIN)/python benchmarks/spopt_pmedian.py --all-pmed --time-limit 60 --markdown

clean:
	rm -rf $(VENV) outputs/* data/geo/*.gpkg .cache site
