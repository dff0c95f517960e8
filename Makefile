# The README's commands. Everything runs inside the uv workspace's .venv.
SHELL := /bin/bash
# uv of the version the images are built with, installed from PyPI into .local/tools the first
# time, whatever is on PATH: `make UV=/path/to/uv` to use another. Exported, so the tests and the
# tools they start find the same uv without it being on PATH.
UV_VERSION := $(shell sed -n 's/^ARG UV_VERSION=//p' infra/docker/service.Dockerfile)
UV_HOME ?= $(CURDIR)/.local/tools/uv-$(UV_VERSION)
UV ?= $(UV_HOME)/bin/uv
export UV
# A Python uv would download cannot be fetched here: use the machine's Python 3.11. Trust the
# machine's certificate store, as pip and git do, rather than the one built into uv.
export UV_PYTHON_DOWNLOADS ?= never
export UV_NATIVE_TLS ?= true
RUN := $(UV) run --frozen
PYTEST_ARGS ?=

.PHONY: help tools install up demo down clean status logs test test-unit lint format contracts chart images bench bench-national

help: ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(UV_HOME)/bin/uv:
	@echo "installing uv $(UV_VERSION) from PyPI into $(UV_HOME)" >&2
	PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check \
	  --target "$(UV_HOME)" "uv==$(UV_VERSION)"

tools: $(filter $(UV_HOME)/bin/uv,$(UV)) ## Install uv (unless UV names another) and show it.
	@echo "uv: $(UV) ($$("$(UV)" --version))"

.venv/.synced: uv.lock pyproject.toml shared/pyproject.toml infra/local/pyproject.toml \
		$(wildcard services/*/pyproject.toml) | $(filter $(UV_HOME)/bin/uv,$(UV))
	$(UV) sync --frozen --all-packages
	@touch $@

# axe-core, which the browser tests inject into the pages to check their accessibility. npm, like
# uv above, trusts the machine's certificate store too (Node's own list alone does not hold a
# certificate authority a district adds for its proxy).
SYSTEM_CA := $(wildcard /etc/ssl/certs/ca-certificates.crt)
tests/browser/node_modules/.package-lock.json: tests/browser/package.json tests/browser/package-lock.json
	$(if $(SYSTEM_CA),NODE_EXTRA_CA_CERTS=$${NODE_EXTRA_CA_CERTS:-$(SYSTEM_CA)}) \
	  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error

install: .venv/.synced tests/browser/node_modules/.package-lock.json ## Create .venv with every package and tool.

up: install ## Start Kafka, Postgres and the four services with the Karawang demo district.
	$(RUN) python -m slrt_devstack up

demo: install ## Replay three months of the demo district through the services on a fast clock (after make up; ~8 min).
	$(RUN) python -m slrt_devstack demo $(DEMO_ARGS)

down: ## Stop everything `make up` or the tests started.
	@if [ -x .venv/bin/python ]; then .venv/bin/python -m slrt_devstack down; fi

clean: ## Stop everything and delete the stack's data (databases, topics, logs, credentials).
	@if [ -x .venv/bin/python ]; then .venv/bin/python -m slrt_devstack clean; fi

status: install ## Show what is running.
	$(RUN) python -m slrt_devstack status

logs: install ## Show the last lines of every log (make logs NAME=intake for one).
	$(RUN) python -m slrt_devstack logs $(NAME)

# Tests run in TEST_WORKERS processes (each with its own database and topics on the one stack;
# three on two cores, since most of a test is waiting on the broker, the database or a browser);
# the fault tests restart Kafka and Postgres, so they run afterwards, alone.
TEST_WORKERS ?= 3
test: install ## Run every test: unit, then against the real Kafka and Postgres (faults last, alone).
	$(RUN) pytest -n $(TEST_WORKERS) --dist loadfile --faults skip $(PYTEST_ARGS) || [ $$? -eq 5 ]
	$(RUN) pytest --faults only $(PYTEST_ARGS) || [ $$? -eq 5 ]

test-unit: install ## Run the fast tests only (no broker, no database).
	$(RUN) pytest -m "not integration and not e2e" $(PYTEST_ARGS)

lint: install ## Check style, formatting and types.
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy

format: install ## Reformat the code.
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

contracts: install ## Export the event JSON Schemas and the AsyncAPI document to docs/contracts.
	$(RUN) slrt-contracts --out docs/contracts

chart: install ## Lint the Helm chart and validate its manifests offline (Kubernetes, Strimzi, CloudNativePG schemas).
	$(RUN) python -m slrt_devstack.chart --values infra/helm/slrt/ci/production-values.yaml

images: ## Build the four service images with Docker (IMAGE_REGISTRY, IMAGE_TAG).
	@for svc in intake:intake:8001 referral:referral:8002 agency-gateway:gateway:8003 monitoring:monitoring:8004; do \
	  IFS=: read -r name module port <<< "$$svc"; \
	  docker build -f infra/docker/service.Dockerfile --build-arg SERVICE=$$name \
	    --build-arg MODULE=$$module --build-arg PORT=$$port \
	    -t $${IMAGE_REGISTRY:-ghcr.io/slrt-puskesos}/slrt-$$name:$${IMAGE_TAG:-0.1.0} . || exit 1; \
	done

bench: install ## Sustained complaints/s, latency, costs per complaint (commits, statements, Kafka records, CPU) vs design-independent primitives.
	$(RUN) python -m slrt_bench

NATIONAL_ARGS ?=

bench-national: install ## Time monitoring on a synthetic country (NATIONAL_ARGS="--villages 83000 --complaints 10000000").
	$(RUN) python -m slrt_bench.national $(NATIONAL_ARGS)
