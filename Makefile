# Desk Service. `make run` serves the desk; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/deskservice
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# Redis pub/sub ignores the database number: a prefix of its own keeps this run from hearing others.
export CHANNEL_LAYER_PREFIX := deskservice-test-$(shell date +%s%N)

.PHONY: run test venv lint clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

venv: $(VENV)/.installed

run: venv
	bin/run

test: venv
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) bin/check-services
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0
	$(VENV)/bin/ruff check .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles test-artifacts
