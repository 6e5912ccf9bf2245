# DVW: two commands do everything on a fresh Debian 12 machine.
#   make demo   install what is missing, then run the whole pipeline on the bundled sample case
#   make test   install what is missing, then run every quality gate and the full test suite (under Xvfb)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# System packages: Python with venv, git (the version comes from git tags), Xvfb and the X/GL libraries that
# Qt and VTK need for real windows and off-screen rendering; CalculiX (calculix-ccx), the finite-element peer that
# tests/mechanics/test_peer.py and benchmarks/fea.py run as a separate program (never shipped in the bundle).
APT_PACKAGES := python3 python3-venv python3-pip git make xvfb xauth \
	libgl1 libegl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libglib2.0-0 libdbus-1-3 \
	libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-render-util0 libxcb-shape0 libxcursor1 \
	poppler-utils fonts-wqy-microhei calculix-ccx
UV_VERSION := 0.13.9
TOOLS := .make/tools
UV := $(shell command -v uv 2>/dev/null || echo $(TOOLS)/bin/uv)
# Never let uv fetch a Python build from outside the package registries: Debian 12's python3 is 3.11.
export UV_PYTHON_DOWNLOADS := never
XVFB := xvfb-run -a -s '-screen 0 1920x1080x24'
DEMO_OUT ?= demo-out

.PHONY: help install system-packages python-env translations demo test lint typecheck contracts unit core-venv core-tests \
	run-unit run-core bench bundle \
	bundle-test clean

help:
	@echo "make demo   - install what is missing, run DVW on the bundled sample case (outputs in $(DEMO_OUT)/)"
	@echo "make test   - install what is missing, run ruff, mypy, import contracts and the test suite"
	@echo "make bench  - run the benchmarks (benchmarks/*.py) and print their tables"
	@echo "make bundle - build the self-contained desktop bundle (build/bundle/dvw/, PyInstaller)"
	@echo "make bundle-test - build the bundle and smoke-test it (no Python on PATH: selftest, demo, GUI)"

install: system-packages python-env

system-packages:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi; \
	  $$sudo apt-get update -qq && \
	  $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(TOOLS)/bin/uv:
	python3 -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install -q "uv==$(UV_VERSION)"

# The development group installs the sync server's extra too (dvw[server]): the tests run the server.
python-env: $(if $(shell command -v uv 2>/dev/null),,$(TOOLS)/bin/uv)
	$(UV) sync --locked

# The GUI's Qt Linguist sources compiled to .qm (build/translations, outside the hashed packages).
translations: python-env
	$(UV) run --locked python -m app.gui.i18n

demo: install translations
	$(UV) run --locked dvw demo --out $(DEMO_OUT) --force

lint: python-env
	$(UV) run --locked ruff check .
	$(UV) run --locked ruff format --check .

typecheck: python-env
	$(UV) run --locked mypy

contracts: python-env
	$(UV) run --locked lint-imports

# The sync server's tests need a real PostgreSQL: as root (CI, a fresh machine) .ci/postgres.sh installs Debian's
# postgresql, starts it and prints the URL; otherwise set DVW_TEST_POSTGRES_URL (without it those tests skip, and
# fail when CI=true).
POSTGRES_URL := if [ -z "$${DVW_TEST_POSTGRES_URL:-}" ] && { [ "$$(id -u)" = 0 ] || [ "$${CI:-}" = true ]; }; then \
	  export DVW_TEST_POSTGRES_URL="$$(bash .ci/postgres.sh)"; fi

# The app's tests (the command line and the window) in the full environment; the core packages' in core-tests.
UNIT_TESTS := $(UV) run --locked pytest --durations=15 tests/app tests/gui
unit: install translations
	@$(POSTGRES_URL); $(XVFB) $(UNIT_TESTS)

# The core packages' tests without Qt: a second environment (.make/core-venv) from the same lock, with every locked
# package but PySide6 (and pytest-qt, which needs it), proves that base, imaging, geometry, validation, records,
# traceability, workflow and the server import and pass without it. Installed from uv's cache (a few seconds); the
# tests (all but tests/app and tests/gui, which unit runs) take about 11 minutes on 2 cores. unit and core-tests
# together run the whole suite once; make test runs the two side by side.
CORE_VENV := .make/core-venv
CORE_TESTS := $(CORE_VENV)/bin/python -m pytest -p no:cacheprovider --durations=15 tests --ignore=tests/app \
	--ignore=tests/gui
core-venv: python-env
	rm -rf $(CORE_VENV)
	$(UV) venv --quiet --python .venv/bin/python $(CORE_VENV)
	$(UV) export --quiet --locked --all-extras --group dev --no-emit-project --no-hashes --format requirements-txt \
	  | grep -viE '^(pyside6[a-z0-9-]*|shiboken6|pytest-qt)==' > $(CORE_VENV)/requirements.txt
	$(UV) pip install --quiet --python $(CORE_VENV)/bin/python -r $(CORE_VENV)/requirements.txt
	$(UV) pip install --quiet --python $(CORE_VENV)/bin/python --no-deps --editable .
	$(CORE_VENV)/bin/python -c 'import importlib.util as u, sys; sys.exit("PySide6 is installed" if u.find_spec("PySide6") else 0)'

core-tests: core-venv
	@$(POSTGRES_URL); $(XVFB) $(CORE_TESTS)

# tests/installer strips and reads real libraries as the bundle's build does (binutils: strip, readelf).
test: APT_PACKAGES += binutils
# The two halves run side by side, one on each core, under one X server (PostgreSQL started once; each sync test
# makes its own database, each pytest run its own temporary directory); each half's report prints whole when it ends.
test: install lint typecheck contracts translations core-venv
	@$(POSTGRES_URL); echo "running the app/GUI tests and the core tests side by side (each report prints when it ends)"; \
	$(XVFB) $(MAKE) --no-print-directory -j2 --output-sync=target run-unit run-core

run-unit:
	$(UNIT_TESTS)

run-core:
	$(CORE_TESTS)

# The benchmarks' peers (dcm2niix, CloudCompare) and the bundle's build tools are installed only for those targets.
bench: APT_PACKAGES += dcm2niix pigz cloudcompare
bench: install
	@for b in benchmarks/*.py; do echo "== $$b"; $(UV) run --locked python $$b || exit 1; done

BUNDLE_DIR := build/bundle

bundle: APT_PACKAGES += binutils x11-utils
bundle: install translations
	$(UV) run --locked pyinstaller --noconfirm --clean installer/dvw-linux.spec \
	  --distpath $(BUNDLE_DIR) --workpath build/pyinstaller
	@du -sh $(BUNDLE_DIR)/dvw

bundle-test: bundle
	$(UV) run --locked dvw manifest --json > build/source-manifest.json
	$(XVFB) bash installer/smoke_test.sh $(BUNDLE_DIR)/dvw build/source-manifest.json

clean:
	rm -rf .make .venv .mypy_cache .ruff_cache .pytest_cache $(DEMO_OUT)
