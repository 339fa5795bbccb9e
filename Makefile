# loudong — the README's two commands are `make demo` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DEMO_PASSWORD ?= Loudong-demo-2026

.PHONY: setup system-packages demo run serve loadtest test test-fast test-sqlite test-pg test-e2e test-api \
	lint format \
	bench migrations-check clean

## setup: everything the project needs, idempotent, no questions asked.
setup: system-packages $(VENV)/.installed loudong/static/vendor/.installed
	@# Bytecode written once here (as a wheel install does): with PYTHONDONTWRITEBYTECODE set,
	@# every `loudong divide` would otherwise compile the engine again (~0.06 s of CPU a run).
	@$(BIN)/python -m compileall -q loudong >/dev/null

# Debian packages, installed only when missing and only when we are root.
SYSTEM_PACKAGES := postgresql chromium fonts-noto-cjk poppler-utils
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "安装系统软件包:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "缺少系统软件包:$$missing（请以 root 运行 make setup，或手动安装）" >&2; fi; \
	fi

# setup.py builds the division engine's C module in place (loudong/grids/division/_core.c).
$(VENV)/.installed: pyproject.toml constraints.txt setup.py loudong/grids/division/_core.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	@touch $@

loudong/static/vendor/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf loudong/static/vendor && mkdir -p loudong/static/vendor/leaflet
	cp node_modules/htmx.org/dist/htmx.min.js loudong/static/vendor/
	cp node_modules/echarts/dist/echarts.min.js loudong/static/vendor/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
	  node_modules/leaflet/dist/images loudong/static/vendor/leaflet/
	@touch $@

## demo: build the demo subdistrict when the database is empty, then serve it with the
## background worker (imports, overdue sweeps, reminders) running beside the server.
demo: setup
	$(BIN)/loudong migrate --noinput -v0
	$(BIN)/loudong createcachetable
	$(BIN)/loudong collectstatic --noinput -v0
	$(BIN)/loudong build_demo
	@echo "演示地址: http://127.0.0.1:$(PORT)/  （Ctrl+C 停止；后台任务日志 var/worker.log）"
	@mkdir -p var; $(BIN)/loudong worker >var/worker.log 2>&1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  DEBUG=$${DEBUG:-0} SECURE_COOKIES=0 WEB_WORKERS=$${WEB_WORKERS:-3} PORT=$(PORT) \
	  $(BIN)/gunicorn -c deploy/gunicorn.conf.py loudong.wsgi

## serve: the production server (gunicorn, deploy/gunicorn.conf.py); run `loudong worker` beside it.
serve: setup
	$(BIN)/loudong migrate --noinput -v0
	$(BIN)/loudong createcachetable
	$(BIN)/loudong collectstatic --noinput -v0
	PORT=$(PORT) $(BIN)/gunicorn -c deploy/gunicorn.conf.py loudong.wsgi

run: setup
	$(BIN)/loudong migrate --noinput -v0
	$(BIN)/loudong createcachetable
	DEBUG=1 SECURE_COOKIES=0 $(BIN)/loudong runserver 127.0.0.1:$(PORT)

## test: the whole suite on SQLite, on a throw-away PostgreSQL, in Chromium, then the API fuzz.
test: setup
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-pg
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-api

test-fast: setup
	$(MAKE) --no-print-directory test-sqlite

test-sqlite:
	@echo "=== 测试 1/3：SQLite ==="
	env -u DATABASE_URL $(BIN)/pytest -q loudong

test-pg:
	@echo "=== 测试 2/3：PostgreSQL（临时集群）==="
	bin/with-throwaway-postgres $(BIN)/pytest -q loudong

test-e2e:
	@echo "=== 测试 3/3：Chromium 浏览器 ==="
	env -u DATABASE_URL DJANGO_ALLOW_ASYNC_UNSAFE=true $(BIN)/pytest -q tests/e2e

## test-api: schemathesis over /api/v1/openapi.json against a live server on a seeded throw-away
## database (bounded examples, fixed seed): fails on any 5xx or undocumented status code.
test-api:
	bin/api-fuzz

lint: setup
	$(BIN)/ruff check loudong tests
	$(BIN)/ruff format --check loudong tests

format:
	$(BIN)/ruff format loudong tests
	$(BIN)/ruff check --fix loudong tests

migrations-check: setup
	$(BIN)/loudong makemigrations --check --dry-run

## loadtest: 200 concurrent users of mixed roles for 60 s against gunicorn on a throw-away
## PostgreSQL with the demo built (prints the figures, stops by itself).
loadtest: setup
	bin/with-throwaway-postgres bin/loadtest-run

## bench: speed and quality figures against PRODUCT.md's targets (prints, never fails).
bench: setup
	$(BIN)/python -m loudong.grids.division.bench
	$(BIN)/python -m loudong.territory.bench
	$(BIN)/python -m loudong.payroll.bench
	env -u DATABASE_URL $(BIN)/python -m loudong.fieldwork.bench --sweep 100000
	bin/with-throwaway-postgres $(BIN)/python -m loudong.fieldwork.bench --queue 1000000
	bin/with-throwaway-postgres $(BIN)/python -m loudong.reports.bench

clean:
	rm -rf $(VENV) node_modules loudong/static/vendor staticfiles build
	rm -f loudong/grids/division/_core.*.so
