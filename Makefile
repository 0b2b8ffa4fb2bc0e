# hubplan: two commands on a fresh machine
#   make run   - set up, build the study-area data, run the default scenario
#   make test  - set up, build the data, lint (ruff, mypy), run the whole test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
SOURCE ?= $(if $(HUBPLAN_SOURCE),$(HUBPLAN_SOURCE),../shared/data)
STUDY   = data/geo/study.gpkg
SCENARIO ?= scenarios/dorset-current.toml

.PHONY: run test lint setup system-deps data bench orlib clean

$(BIN)/hubplan: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,bench]"
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
	$(BIN)/ruff check hubplan benchmarks tests
	$(BIN)/mypy

test: setup data lint
	HUBPLAN_SOURCE=$(abspath $(SOURCE)) $(BIN)/python -m pytest -q

bench: setup data
	$(BIN)/python benchmarks/travel_matrix.py
	$(BIN)/python benchmarks/orlib.py --all-pmed --markdown
	$(BIN)/python benchmarks/spopt_pmedian.py --all-pmed --time-limit 60 --markdown

clean:
	rm -rf $(VENV) outputs/* data/geo/*.gpkg .cache
