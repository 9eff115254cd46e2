# Two commands a newcomer needs: `make run` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
export DJANGO_SETTINGS_MODULE ?= config.settings.dev

.PHONY: run test venv install install-dev migrate demo serve lint bench messages clean browser worker faults schema-check clients-deps clients-check vendor docs docs-build docs-schema docs-config backup-drill

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the requirements change.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

venv install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo_data

serve: install
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

## make run: install, migrate, load demo data once, serve on http://127.0.0.1:$(PORT)
run: demo serve

## make worker: a Celery worker with beat embedded (the schedule from the database), for local use.
## The broker is CELERY_BROKER_URL, by default the Redis on this machine; `make run` needs none.
CELERY_BROKER_URL ?= redis://127.0.0.1:6379/0
worker: migrate
	CELERY_BROKER_URL=$(CELERY_BROKER_URL) $(BIN)/celery -A config worker -B -l info --concurrency 2 \
		--scheduler django_celery_beat.schedulers:DatabaseScheduler

## make test: install test tools and run the whole suite (SQLite, or DATABASE_URL)
test: install-dev
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/python -m pytest -n auto

## make schema-check: schemathesis against the live app (gunicorn, production settings, a database of
## its own: SQLite, or on the PostgreSQL server DATABASE_URL names) as each kind of caller; fails on
## any 5xx or any answer the OpenAPI schema does not describe (contract/schema_check.py; 2–3 minutes).
schema-check: install-dev
	$(BIN)/python contract/schema_check.py

## make clients-check: the schema from a live server, a TypeScript client (@hey-api/openapi-ts, tsc --strict)
## and a Python client (openapi-python-client) generated with no warning, and the guide's walk-throughs
## (docs/getting-started/) run with each (clients/check.py; Node.js 20.19 or newer and npm on PATH; about a minute).
clients/node_modules/.installed: clients/package.json clients/package-lock.json
	cd clients && npm ci --no-audit --no-fund --loglevel=error
	touch $@

clients/.venv/.installed: clients/requirements.txt
	$(PYTHON) -m venv clients/.venv
	clients/.venv/bin/pip install --quiet -r clients/requirements.txt
	touch $@

clients-deps: clients/node_modules/.installed clients/.venv/.installed

clients-check: install-dev clients-deps
	$(BIN)/python clients/check.py

## make browser: headless Chromium (with its Chinese words: chromium-l10n) and a Chinese font for tests/browser (Debian packages; browser
## downloads do not work here). Installs what is missing as root or with non-interactive sudo, else
## says what to install; the browser tests skip until then. Quick when everything is there.
BROWSER_PACKAGES := chromium chromium-l10n fonts-wqy-zenhei
browser:
	@missing=""; \
	for p in $(BROWSER_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then echo "browser: $(BROWSER_PACKAGES) installed"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: no apt-get here; install Chromium at /usr/bin/chromium and a CJK font (Debian:$$missing)"; exit 0; \
	elif [ "$$(id -u)" = 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; \
	else \
	  echo "browser: missing$$missing; run: sudo apt-get install -y --no-install-recommends$$missing"; exit 0; \
	fi; \
	echo "browser: installing$$missing"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends$$missing >/dev/null

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## make bench: load test on the local PostgreSQL (bench/README.md): data generated once, gunicorn + wrk,
## one table. About 15 minutes the first time at 2,000,000 filings; BENCH_FILINGS=200000 for a quick run.
## Not part of CI. The in-process micro-benchmark stays `python -m bench`.
bench: install-dev
	$(BIN)/python -m bench.load

## make faults: writers retrying with Idempotency-Key while PostgreSQL is stopped, crashed and restarted,
## then a reconciliation (drills/faults.py; about two minutes; its own cluster from PostgreSQL 15's
## initdb/pg_ctl, as an unprivileged user when run as root). FAULTS_ARGS="--seconds 120 --writers 12".
faults: install
	$(BIN)/python -m drills.faults $(FAULTS_ARGS)

## make backup-drill: ops/backup.py and ops/restore.py on a database of their own on the local PostgreSQL
## (drill_backup_<pid>_src and _dst, dropped at the end; DRILL_DATABASE_URL names another server): filled through
## the services with uploaded documents, backed up, restored into empty ones and checked (rows, triggers, files'
## SHA-256, the app reading them, references continuing); its output goes into docs/operations/backups.md. A minute.
backup-drill: install
	$(BIN)/python -m drills.backup_restore --write-docs

## make docs: the guide (docs/, mkdocs-material) served on http://127.0.0.1:8001, rebuilt as you edit.
## make docs-build: the guide built into site/ with --strict, as CI does: a broken link between pages fails.
DOCS_PORT ?= 8001
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a 127.0.0.1:$(DOCS_PORT)

docs-build: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

## make docs-schema: the API's OpenAPI schema written to docs/api/openapi.yaml, which the guide renders as its
## API reference (docs_tools/schema_doc.py). Rerun after changing the API: tests/docs fail while the committed
## file differs from what the code generates (they run this very line). The same on every machine: the test
## settings, the server's default language (LANGUAGE_CODE), and an empty database, so that no policy data
## (the checklists' item codes, which a server's own schema names) and no DATABASE_URL of yours gets in.
docs-schema: install
	DJANGO_SETTINGS_MODULE=config.settings.test DATABASE_URL=sqlite:///:memory: $(BIN)/python manage.py spectacular \
		--lang zh-hans --validate --fail-on-warn --file docs/api/openapi.yaml

## make docs-config: the table of environment variables in docs/operations/configuration.md rewritten from the code
## that reads them (docs_tools/settings_doc.py: names, defaults and readers parsed, meanings written there); tests/docs
## fail while the page differs, or while a variable read in the settings has no meaning there.
docs-config: install
	$(BIN)/python -m docs_tools.settings_doc

messages: install
	cd $(CURDIR) && $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv
	$(BIN)/python manage.py compilemessages -l zh_Hans --ignore=.venv

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

## make vendor: the browser libraries the admin serves itself (no CDN reaches a bureau's desks), unpacked
## from the npm registry at pinned versions and checked against the hashes below; the results are committed
## under stats/static/stats/vendor/. Rerun after changing a version (and its hash).
ECHARTS_VERSION := 6.0.0
ECHARTS_SHA256 := baa8dfe7e1d9336b98e8986ba7e20ea15e7cdbea1ef42a59d59478632fa45a1d
VENDOR_DIR := stats/static/stats/vendor
vendor:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	(cd "$$tmp" && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && \
	 tar -xzf echarts-$(ECHARTS_VERSION).tgz package/dist/echarts.min.js package/LICENSE package/NOTICE) && \
	echo "$(ECHARTS_SHA256)  $$tmp/package/dist/echarts.min.js" | sha256sum --check --quiet && \
	mkdir -p $(VENDOR_DIR) && cp "$$tmp/package/dist/echarts.min.js" $(VENDOR_DIR)/echarts.min.js && \
	cp "$$tmp/package/LICENSE" $(VENDOR_DIR)/echarts.LICENSE && cp "$$tmp/package/NOTICE" $(VENDOR_DIR)/echarts.NOTICE && \
	echo "vendored echarts $(ECHARTS_VERSION) into $(VENDOR_DIR)"
