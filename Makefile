# queuelab: every target creates .venv and installs the project into it when needed, so a
# fresh clone needs only Python 3.11+ and make.  Extra arguments: make scenario-dup ARGS="--unsafe"
# Your own consumer: make scenarios CONSUMER_COMMAND="python examples/correct_consumer.py"

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1 \
	&& echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
INFRA := $(VENV)/.installed-infra
DOCS_TOOLS := $(VENV)/.installed-docs
EXAMPLES := $(VENV)/.installed-examples
ARGS ?=
# Test processes: the functional tests mostly wait on queues and subprocesses, so more
# workers than cores pay off (each worker has its own embedded server).
TEST_WORKERS ?= 4
FAST_WORKERS ?= 6
# A consumer queuelab did not write, judged black-box (docs/consumer-contract.md). Its
# command runs with the virtualenv first on PATH, so "python" has boto3.
CONSUMER_COMMAND ?=
ifneq ($(CONSUMER_COMMAND),)
export QUEUELAB_CONSUMER_COMMAND := $(CONSUMER_COMMAND)
export PATH := $(abspath $(BIN)):$(PATH)
endif
NODE_EXAMPLE := examples/node
NODE_DEPS := $(NODE_EXAMPLE)/node_modules/.package-lock.json
# The Node Lambda handler's runtime interface client (aws-lambda-ric) for queuelab.esm.
NODE_LAMBDA := examples/lambda/node
NODE_LAMBDA_DEPS := $(NODE_LAMBDA)/node_modules/.package-lock.json
# The bbc sqs-consumer library example (docs/libraries.md).
SQS_CONSUMER := examples/node-sqs-consumer
SQS_CONSUMER_DEPS := $(SQS_CONSUMER)/node_modules/.package-lock.json
# The Node examples' dependencies, when npm is there (their tests say why they skip otherwise).
TEST_NODE := $(if $(shell command -v npm 2>/dev/null),$(NODE_DEPS) $(NODE_LAMBDA_DEPS) \
	$(SQS_CONSUMER_DEPS))

.DEFAULT_GOAL := help
.PHONY: help venv upgrade-deps demo scenarios scenarios-controls scenarios-fast scenarios-slow \
	test test-fast lint lint-action action-local example-pytest bench bench-backend browser \
	examples-node examples-lambda-node examples-sqs-consumer examples-powertools local-up \
	local-down infra-up \
	infra-down preflight validate docs docs-build docs-gen clean

help: ## List the targets
	@grep -E '^[a-zA-Z%_-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 22

# One line per step; pip itself stays quiet (-qq: errors only, so a machine's own pip
# configuration warnings do not read like failures of ours). --no-compile: Python compiles a
# module when it is first imported, so the install does not compile the thousands no run uses
# (a third of the install's time). Every install takes the versions of constraints.txt: the
# whole dependency set as last resolved (make upgrade-deps), pyproject.toml giving the ranges.
CONSTRAINTS := constraints.txt
PIP_QUIET := -qq --disable-pip-version-check
PIP := $(BIN)/python -m pip install $(PIP_QUIET) --no-compile -c $(CONSTRAINTS)

$(BASE): pyproject.toml $(CONSTRAINTS)
	@test -n "$(PYTHON)" || { echo "queuelab needs Python 3.11 or newer on PATH (or make PYTHON=/path/to/python3.11)"; exit 2; }
	@test -x $(BIN)/python || { echo "creating .venv ($$($(PYTHON) --version))"; $(PYTHON) -m venv $(VENV); }
	@echo "installing queuelab and its dependencies into .venv (about 30 s the first time)"
	@$(PIP) -e .
	@touch $@

# The tests' and linters' tools come with the Pulumi SDK: the scenarios need neither.
$(INFRA): $(BASE)
	@echo "installing the test tools and the Pulumi SDK for infra/ (about a minute the first time)"
	@$(PIP) -e '.[dev,infra]'
	@touch $@

# The docs site's tools (mkdocs, Material for MkDocs): only make docs and make docs-build need
# them; the generated pages and their tests need only the project.
$(DOCS_TOOLS): $(BASE)
	@echo "installing the docs tools (mkdocs, Material for MkDocs) into .venv"
	@$(PIP) -e '.[docs]'
	@touch $@

# The library examples' Python dependencies (aws-lambda-powertools): the Powertools example and
# its test need them, the scenarios do not.
$(EXAMPLES): $(BASE)
	@echo "installing the library examples' dependencies (aws-lambda-powertools) into .venv"
	@$(PIP) -e '.[examples]'
	@touch $@

venv: $(INFRA) ## Create/update the virtualenv (with the test tools and the Pulumi SDK)

# A fresh resolution in a throwaway virtualenv (the newest versions pyproject.toml allows: moto
# stays at its pin), frozen into constraints.txt; then .venv takes it and the backend's tests run
# (the server refuses to start on a moto whose attributes differ from what the patches expect).
upgrade-deps: ## Resolve constraints.txt again, reinstall .venv with it, run the backend tests
	@test -n "$(PYTHON)" || { echo "queuelab needs Python 3.11 or newer on PATH (or make PYTHON=/path/to/python3.11)"; exit 2; }
	@fresh=$$(mktemp -d) && trap 'rm -rf "$$fresh"' EXIT \
	&& echo "resolving the dependencies afresh ($$($(PYTHON) --version), in $$fresh)" \
	&& $(PYTHON) -m venv "$$fresh" \
	&& "$$fresh/bin/python" -m pip install $(PIP_QUIET) --no-compile -e '.[dev,infra,docs,examples]' \
	&& { echo "# Every dependency of queuelab and its dev, infra, docs and examples extras, as make upgrade-deps"; \
		echo "# resolved them for $$($(PYTHON) --version). The Makefile installs with -c $(CONSTRAINTS)."; \
		"$$fresh/bin/python" -m pip freeze --exclude-editable --disable-pip-version-check; } \
		> $(CONSTRAINTS).new \
	&& mv $(CONSTRAINTS).new $(CONSTRAINTS)
	@git diff --stat -- $(CONSTRAINTS) 2>/dev/null || true
	@$(MAKE) --no-print-directory venv
	$(BIN)/python -m pytest -n $(TEST_WORKERS) tests/backend $(ARGS)

demo: $(BASE) ## One failure mode end to end: dup with its safeguard on, then off (under a minute)
	$(BIN)/queuelab demo

# The Node example needs its dependencies first, and so do the library examples.
CONSUMER_DEPS := $(if $(findstring examples/node/,$(CONSUMER_COMMAND)),$(NODE_DEPS)) \
	$(if $(findstring $(SQS_CONSUMER),$(CONSUMER_COMMAND)),$(SQS_CONSUMER_DEPS)) \
	$(if $(findstring examples/powertools,$(CONSUMER_COMMAND)),$(EXAMPLES))

scenarios: $(BASE) $(CONSUMER_DEPS) ## Run every scenario on the embedded backend
	$(BIN)/queuelab run --all $(ARGS)

scenarios-controls: $(BASE) ## Every scenario safe, then its negative control: passes and controls caught (exit 0)
	$(BIN)/queuelab run --all --controls $(ARGS)

# The example project judges a consumer whose command is "python ...": the virtualenv's.
example-pytest: $(INFRA) ## The example team project (examples/pytest_project): queuelab's pytest plugin
	PATH="$(abspath $(BIN)):$$PATH" $(BIN)/python -m pytest examples/pytest_project $(ARGS)

scenarios-fast: $(BASE) $(CONSUMER_DEPS) ## Run the fast scenarios
	$(BIN)/queuelab run --category fast $(ARGS)

scenarios-slow: $(BASE) $(CONSUMER_DEPS) ## Run the slow scenarios
	$(BIN)/queuelab run --category slow $(ARGS)

scenario-%: $(BASE) $(CONSUMER_DEPS) ## Run one scenario, e.g. make scenario-dup ARGS=--unsafe
	$(BIN)/queuelab run $* $(ARGS)

$(NODE_DEPS): $(NODE_EXAMPLE)/package.json $(NODE_EXAMPLE)/package-lock.json
	cd $(NODE_EXAMPLE) && npm ci --no-audit --no-fund --loglevel=error

examples-node: $(NODE_DEPS) ## Install the Node example consumer's dependencies (npm ci)

# aws-lambda-ric builds its native client at install (curl and aws-lambda-cpp, from the
# sources it ships: cmake, make, g++): about 4 minutes on 2 cores, the first time.
$(NODE_LAMBDA_DEPS): $(NODE_LAMBDA)/package.json $(NODE_LAMBDA)/package-lock.json
	cd $(NODE_LAMBDA) && npm ci --no-audit --no-fund --loglevel=error

examples-lambda-node: $(NODE_LAMBDA_DEPS) ## Install aws-lambda-ric for the Node Lambda handler (npm ci)

$(SQS_CONSUMER_DEPS): $(SQS_CONSUMER)/package.json $(SQS_CONSUMER)/package-lock.json
	cd $(SQS_CONSUMER) && npm ci --no-audit --no-fund --loglevel=error

examples-sqs-consumer: $(SQS_CONSUMER_DEPS) ## Install the bbc sqs-consumer library example (npm ci)

examples-powertools: $(EXAMPLES) ## Install aws-lambda-powertools for the Powertools example

# The real scenario runs (tests/functional/matrix.py) are one batch on one worker (tests/conftest.py),
# side by side; the other workers go on with the rest. Scenarios that measure a timing window
# (marked alone) run after the others, one at a time;
# exit code 5 (no test selected, e.g. ARGS names one file) is not a failure there.
test: $(INFRA) $(EXAMPLES) browser $(TEST_NODE) ## Run every test (unit, backend, functional, Pulumi mocks), as CI does
	$(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not alone" $(ARGS)
	$(BIN)/python -m pytest -m alone $(ARGS) || test $$? -eq 5

# The quick loop leaves out the catalogue matrix (every scenario safe and --unsafe, for real:
# make test and make scenarios run it) and the slow tests; each scenario's method is still
# rehearsed safe and --unsafe against a lab without processes (tests/unit).
test-fast: $(INFRA) $(EXAMPLES) browser $(TEST_NODE) ## The quick loop (about 5 minutes): all but the scenario matrix, the slow and the alone tests
	$(BIN)/python -m pytest -n $(FAST_WORKERS) -m "not slow and not alone and not catalogue" $(ARGS)

# The pages of docs/ made from the declarations (scenarios, knobs, the CLI, the SQS semantics,
# the ledger) and mkdocs.yml's list of scenario pages; a unit test fails when one is stale.
docs-gen: $(BASE) ## Rewrite the generated pages of docs/ from the declarations
	$(BIN)/python -m queuelab.cli.docs

docs: $(DOCS_TOOLS) docs-gen ## Serve the docs site on http://127.0.0.1:8000 (regenerated first)
	$(BIN)/mkdocs serve -a 127.0.0.1:8000

docs-build: $(DOCS_TOOLS) ## Build the docs site into site/, every link and page checked (--strict), as CI does
	$(BIN)/mkdocs build --strict

lint: $(INFRA) lint-action ## ruff + mypy, and the GitHub Action's lint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# GitHub cannot be reached from every machine: action.yml and the example workflow are checked
# against GitHub's schemas (check-jsonschema) and by zizmor's audits, offline.
lint-action: $(INFRA) ## Lint action.yml and the example workflow (schemas, zizmor)
	$(BIN)/check-jsonschema --builtin-schema vendor.github-actions action.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows ci/action/example-workflow.yml
	$(BIN)/zizmor --offline --quiet --config ci/action/zizmor.yml action.yml ci/action/example-workflow.yml

# action.yml's steps run here as a runner would (installs queuelab afresh: a few minutes).
action-local: $(INFRA) ## Run the GitHub Action's steps locally (ARGS: --input scenarios=dup ...)
	$(BIN)/python ci/action/run_locally.py --work .queuelab/action $(ARGS)

# The report test opens a report in headless Chromium: Debian's chromium and chromedriver.
# Installed when missing and apt-get can (as root); otherwise that test is skipped, saying why.
browser: ## Install Debian's chromium and chromium-driver (for the report's browser test)
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium and chromium-driver (Debian packages)"; \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			chromium chromium-driver >/dev/null; } \
		|| echo "could not install chromium: the browser test will be skipped"; \
	else echo "chromium is not installed (needs root and apt-get): the browser test will be skipped"; fi

bench-backend: $(BASE) ## Per-call cost of the embedded backend vs stock moto
	$(BIN)/python benchmarks/backend.py $(ARGS)

bench: $(BASE) ## Benchmarks that print figures: throughput, the backend's per-call cost, its CPU per call
	$(BIN)/python benchmarks/throughput.py
	$(BIN)/python benchmarks/backend.py
	$(BIN)/python benchmarks/depth.py
	$(BIN)/python benchmarks/server_cpu.py

local-up: $(BASE) ## Start a background embedded server and write .env
	$(BIN)/queuelab local up

local-down: $(BASE) ## Stop it
	$(BIN)/queuelab local down

infra-up: $(INFRA) ## Real AWS: pulumi up in infra/, cache the outputs, write .env (STACK=dev)
	$(BIN)/queuelab infra up --stack $(or $(STACK),dev)

infra-down: $(INFRA) ## Real AWS: pulumi destroy
	$(BIN)/queuelab infra down --stack $(or $(STACK),dev)

preflight: $(BASE) ## Check the local tools (and the Pulumi CLI, for AWS)
	$(BIN)/queuelab doctor --tools --target aws

validate: $(BASE) ## Check every scenario's resources on AWS (TARGET=local: the local-up server)
	$(BIN)/queuelab doctor --target $(or $(TARGET),aws)

clean: ## Remove the virtualenv, run files, the built docs site and the Node examples' dependencies
	rm -rf $(VENV) .queuelab site $(NODE_EXAMPLE)/node_modules $(NODE_LAMBDA)/node_modules \
		$(SQS_CONSUMER)/node_modules
