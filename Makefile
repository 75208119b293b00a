# gridops — two commands do all set-up on a fresh machine:
#   make run    the system on the embedded default (SQLite, in-process tasks) with demo data
#   make test   the whole test suite
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench messages clean

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.runtime
	mkdir -p var/staticfiles
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo --if-empty
	$(PY) manage.py demo_logins --url http://$(HOST):$(PORT)/
	$(PY) manage.py runserver --noreload $(HOST):$(PORT)

test: $(VENV)/.dev
	mkdir -p var  # the embedded default's database lives there: the migration check opens it
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(VENV)/.dev
	$(PY) bench/locate.py
	$(PY) bench/intake.py
	$(PY) bench/sweep.py

messages: $(VENV)/.dev
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=bench --ignore=tests
	$(PY) manage.py makemessages -d djangojs -l zh_Hans --no-obsolete --ignore=.venv --ignore=var --ignore=bench \
		--ignore=tests --ignore=static/vendor
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
