# fundmgr: the two commands that matter are `make run` and `make test` (see README.md).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := FUNDMGR_ENV_NAME=development FUNDMGR_SECRET_KEY="$$(cat instance/secret_key)" $(BIN)/flask --app fundmgr
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Debian packages: WeasyPrint's Pango, fonts; for tests also Chromium and poppler's pdftotext/pdftoppm;
# for the benchmark the wrk load generator.
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core python3-venv
TEST_PACKAGES := $(RUN_PACKAGES) chromium poppler-utils fonts-liberation wrk
PYTEST_ARGS ?=

# The lock files: every package, transitive ones included, at one version with its hashes. Regenerate them
# with `make lock` after editing pyproject.toml (see DEVELOPERS.md); the tool that writes them is pinned here.
RUN_LOCK := requirements/run.txt
TEST_LOCK := requirements/test.txt
# A test-only package whose own pins are stale gets ours instead (see the file).
TEST_OVERRIDES := requirements/test-overrides.txt
LOCK_TOOL := uv==0.13.9
COMPILE := $(BIN)/uv pip compile --no-config --quiet --universal --generate-hashes --custom-compile-command "make lock"
LOCK_ARGS ?=

.PHONY: run test install install-test lock system-deps system-deps-test catalogs messages lint demo-db clean bench

run: system-deps install catalogs instance/secret_key ## set up, migrate, load the fund and demo data, serve on :5000
	$(FLASK) db upgrade
	$(FLASK) fund load
	$(FLASK) seed-demo
	@echo "\nfundmgr is running on http://127.0.0.1:5000 (Ctrl-C to stop)\n"
	$(FLASK) run --host 127.0.0.1 --port 5000

test: system-deps-test install-test catalogs lint ## everything the tests need, then the whole suite
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

bench: system-deps-test install-test catalogs ## the large-fund benchmark (PostgreSQL on 127.0.0.1:5432; see README)
	$(BIN)/python -m bench $(BENCH_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# A lock file's packages (each checked against its hash), then fundmgr itself: with uv, the lock tool, which does it
# in seconds where pip takes a minute (pip compiles every module it installs); with pip if uv cannot be had or fails.
define install_locked
	($(BIN)/python -m pip install --quiet $(LOCK_TOOL) \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python --require-hashes --no-deps -r $(1) \
	  && $(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .) \
	|| ($(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(1) \
	  && $(BIN)/python -m pip install --quiet --no-deps -e .)
endef

install: $(BIN)/python ## the runtime packages exactly as locked, then fundmgr itself
	$(call install_locked,$(RUN_LOCK))

# --no-deps: the lock already names every package; pip would otherwise reread pyIATI's stale pins (test-overrides.txt).
install-test: $(BIN)/python ## the runtime and test packages exactly as locked, then fundmgr itself
	$(call install_locked,$(TEST_LOCK))

# Existing pins are kept unless pyproject.toml asks otherwise; LOCK_ARGS="--upgrade-package NAME" moves one
# transitive package to its newest version, LOCK_ARGS=--upgrade all of them. The test set is constrained to the
# runtime set, so the tests run the very versions production installs.
lock: $(BIN)/python ## regenerate requirements/run.txt and requirements/test.txt from pyproject.toml
	$(BIN)/python -m pip install --quiet $(LOCK_TOOL)
	$(COMPILE) pyproject.toml -o $(RUN_LOCK) $(LOCK_ARGS)
	$(COMPILE) pyproject.toml --extra test --constraint $(RUN_LOCK) --override $(TEST_OVERRIDES) -o $(TEST_LOCK) $(LOCK_ARGS)

system-deps:
	@missing=$$(for p in $(RUN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

system-deps-test:
	@missing=$$(for p in $(TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then echo "Installing $$missing"; $(SUDO) apt-get update -qq && $(SUDO) DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

catalogs: ## compile the message catalogs (.mo files are built, never committed)
	$(BIN)/pybabel compile --use-fuzzy -d fundmgr/translations --statistics 2>&1 | grep -v "^$$" || true

messages: ## extract strings and merge them into the French and Spanish catalogs
	# --ignore-dirs: pybabel skips folders starting with "_" by default, and templates/_macros holds strings
	$(BIN)/pybabel extract -F babel.cfg --ignore-dirs '.*' -k _l -k lazy_gettext -k ngettext:1,2 -k lazy_ngettext:1,2 \
		--no-location --sort-output --project fundmgr -o fundmgr/translations/messages.pot .
	$(BIN)/pybabel update -i fundmgr/translations/messages.pot -d fundmgr/translations --no-fuzzy-matching --ignore-obsolete

lint: ## ruff, the import contracts and the type checker (configured in pyproject.toml)
	$(BIN)/ruff check fundmgr tests bench
	$(BIN)/ruff format --check fundmgr tests bench
	$(BIN)/lint-imports --no-logo --no-cache
	$(BIN)/mypy

instance/secret_key:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

clean:
	rm -rf $(VENV) instance .pytest_cache fundmgr/translations/*/LC_MESSAGES/*.mo
