# The two commands a new user needs: `make run` and `make test`. Both install what they need first
# and are safe and quick to run again (stamp files skip steps whose inputs have not changed).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/team_around_the_child

.PHONY: run test install install-test assets chromium servers lint clean

run: install assets  ## Set up and serve the app on the embedded default (SQLite, in-process tasks)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data
	@echo "Serving on http://$(HOST):$(PORT)/  (stop with Ctrl+C)"
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: install-test assets chromium servers  ## Set up and run the whole suite against PostgreSQL and real Chromium
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip

$(VENV)/.installed-run: $(VENV)/bin/python pyproject.toml constraints.txt
	$(VENV)/bin/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-run
	$(VENV)/bin/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

assets: static/dist/.built
# Everything `npm run build` reads: the Sass, the script that copies GOV.UK Frontend's referenced
# assets, and package.json (the build scripts themselves and the pinned packages, via node_modules).
static/dist/.built: node_modules/.installed package.json static/src/app.scss static/src/copy-govuk-assets.mjs
	npm run build
	touch $@

# Debian's Chromium for the browser tests (Playwright cannot download its own browser here), the PDFs'
# fonts, and HarfBuzz's subsetter: without it WeasyPrint subsets fonts with fontTools, slower per document.
SYSTEM_PACKAGES = chromium fonts-dejavu-core fonts-liberation libharfbuzz-subset0
chromium:
	@if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s fonts-liberation libharfbuzz-subset0 >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_PACKAGES); \
	  else \
	    echo "Missing system packages: as root, apt-get install $(SYSTEM_PACKAGES)"; exit 1; \
	  fi; \
	fi

# The fault tests (tests/faults/) start, break and restart servers of their own from these packages' binaries
# (a RabbitMQ node, redis-server, a PostgreSQL 15 cluster; chattr makes a folder unwritable for root), never
# the machine's running services.
SERVER_PACKAGES = rabbitmq-server redis-server postgresql-15 e2fsprogs
servers:
	@if ! dpkg -s $(SERVER_PACKAGES) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SERVER_PACKAGES); \
	  else \
	    echo "Missing system packages: as root, apt-get install $(SERVER_PACKAGES)"; exit 1; \
	  fi; \
	fi

lint: install-test  ## What every commit must pass: ruff's checks, ruff's formatting, no missing migration
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) node_modules static/dist staticfiles db.sqlite3
