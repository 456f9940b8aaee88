# One vocabulary for the whole project. `make help` lists the targets.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ENV ?= local
JOBS ?= 2
FUNCTIONS := functions
CMAKE_PRESETS := debug release

.PHONY: help deps deps-tools deps-local deps-package build test lint bench package clean \
        lint-workflows test-workflows test-cpp test-fuzz check-artifacts lint-cpp lint-complexity lint-shell \
        lint-infra test-infra infra-deps format synth

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-16s %s\n", $$1, $$2}'

# scripts/deps.sh profiles, each including the one before: tools < local < package < all.
deps: ## Install every build, test and benchmark dependency (scripts/deps.sh all)
	bash scripts/deps.sh all

deps-tools: ## Only the deployment tools' Python venv (seed, run-day, smoke, load-csv)
	bash scripts/deps.sh tools

deps-local: ## What the local environment needs (PostgreSQL 15, the tools' venv)
	bash scripts/deps.sh local

deps-package: ## What building the five function zips needs (compilers, static libcurl/libpq)
	bash scripts/deps.sh package

build: deps ## Configure and build the C++ presets (debug with sanitizers, release)
	@for p in $(CMAKE_PRESETS); do \
	  (cd $(FUNCTIONS) && cmake --preset $$p >/dev/null && cmake --build --preset $$p -j $(JOBS)); \
	done

test: lint test-workflows test-cpp test-fuzz check-artifacts test-infra test-cost test-deps test-e2e test-faults test-local ## Run every test (what CI runs)

test-cpp: build ## C++ unit, runtime and SigV4 tests under both presets
	@for p in $(CMAKE_PRESETS); do \
	  (cd $(FUNCTIONS) && ctest --preset $$p -j $(JOBS)); \
	done

test-fuzz: deps ## Run each libFuzzer target for its bounded time
	cd $(FUNCTIONS) && cmake --preset fuzz >/dev/null && cmake --build --preset fuzz -j $(JOBS)
	cd $(FUNCTIONS) && ctest --preset fuzz

# Reported by the functions (X-Build-Id on API responses): which code a deployment runs.
BUILD_ID ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

package: deps-package ## Build only the five Lambda targets (release) and zip them into functions/dist/ [BUILD_ID=<git describe>]
	cd $(FUNCTIONS) && cmake --preset package -DDN_BUILD_ID=$(BUILD_ID) >/dev/null && cmake --build --preset package -j $(JOBS)
	bash scripts/package.sh

check-artifacts: package ## Fail if an artifact needs a glibc newer than Amazon Linux 2023's
	bash scripts/check-artifacts.sh

bench: deps package ## Benchmarks, one `name: value` line per figure (starts the local environment for the pipeline one)
	cd $(FUNCTIONS) && cmake --preset release >/dev/null && cmake --build --preset release -j $(JOBS)
	bash scripts/bench.sh

lint: deps lint-cpp lint-complexity lint-shell lint-infra lint-workflows ## Every linter and formatter check

lint-cpp: ## clang-format (check) and clang-tidy over the C++ sources
	bash scripts/lint-cpp.sh

lint-complexity: ## lizard: no function outside tests, benchmarks and fuzzers over 100 NLOC or CCN 40
	bash scripts/lint-complexity.sh

lint-shell: ## shellcheck over every shell script
	shellcheck -x $$(git ls-files '*.sh' .ci/run)

lint-workflows: ## actionlint (with shellcheck on every run: script) over .github/workflows
	.venv/bin/actionlint

test-workflows: ## The delivery rules (promotion order, prod approval gate, OIDC only, SHA pins)
	$(PY) -m unittest discover -s tests/workflows -v

infra-deps: ## Install the CDK app's pinned npm packages (package-lock.json)
	cd infra && { [ -d node_modules ] || npm ci --no-audit --no-fund; }

lint-infra: infra-deps ## tsc, eslint and prettier over the CDK app
	cd infra && npm run --silent lint

test-infra: infra-deps ## CDK unit, IAM-matrix and cdk-nag tests; cfn-lint, checkov and the IAM-definitions check on every environment
	cd infra && npm test --silent && bash scripts/check-templates.sh

synth: infra-deps package ## Synthesize ENV's four stacks into infra/cdk.out (offline: no credentials, no lookups)
	cd infra && CDK_DISABLE_CLI_TELEMETRY=true node_modules/.bin/cdk synth --quiet -c env=$(ENV)
	@echo "synth: templates for $(ENV) in infra/cdk.out/"

format: ## Rewrite C++ sources with clang-format
	bash scripts/lint-cpp.sh --fix

clean: ## Remove build outputs (keeps the static libcurl and the venv)
	rm -rf $(FUNCTIONS)/build $(FUNCTIONS)/dist

# ---- cost (scripts/cost.py, docs/COST.md) -----------------------------------------------------
.PHONY: cost test-cost
COST_PY := $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

cost: infra-deps ## Regenerate docs/COST.md from the synthesized templates and unit prices
	$(COST_PY) scripts/cost.py --write docs/COST.md

test-cost: infra-deps ## cost.py's arithmetic, and docs/COST.md still true of the templates
	$(COST_PY) -m unittest discover -s tests/cost -v
	$(COST_PY) scripts/cost.py --check docs/COST.md
# ---- end cost ----------------------------------------------------------------------------------

# ---- data pipeline (owner: loader; contract inference: csv) -----------------------------------
.PHONY: load-csv infer-contract
# A dataset without a contract gets one inferred first; load_csv.py then installs what building
# the inference program and the loader needs (scripts/deps.sh package) itself.
LOAD_CSV = $(if $(filter local,$(ENV)),source scripts/local/env.sh && ).venv/bin/python data/load_csv.py \
  --file "$(FILE)" --env "$(ENV)" $(if $(DATASET),--dataset "$(DATASET)")

load-csv: ## Load FILE=<csv> into DATASET (default users); a new dataset's contract is inferred, and on local deployed [ENV=local]
	@test -n "$(FILE)" || { echo "usage: make load-csv FILE=<path> [DATASET=<name>] [ENV=local]" >&2; exit 2; }
	@test -f "$(FILE)" || { echo "load-csv: $(FILE): no such file" >&2; exit 2; }
	@bash scripts/deps.sh tools >/dev/null
	$(LOAD_CSV)

infer-contract: ## Write (and print) data/contracts/<DATASET>.json and its migration inferred from FILE=<csv> [DATASET=<file name>]
	@test -n "$(FILE)" || { echo "usage: make infer-contract FILE=<path> [DATASET=<name>]" >&2; exit 2; }
	@test -f "$(FILE)" || { echo "infer-contract: $(FILE): no such file" >&2; exit 2; }
	@bash scripts/deps.sh tools >/dev/null
	$(LOAD_CSV) --infer-only

# ---- environments (local = MiniStack) ----------------------------------------------------------
.PHONY: up down deploy seed run-day demo smoke test-e2e notify audiences
PY := .venv/bin/python

up: deps-local ## Start the local environment (MiniStack and PostgreSQL) in the background
	bash scripts/local/up.sh

down: ## Stop everything `make up` started for this clone (MiniStack, PostgreSQL and its state)
	bash scripts/local/down.sh

# make deploy builds the zips it deploys (make package) after checking, before the build, what
# the deploy needs (MiniStack up, AWS credentials, the RDS CA bundle). ARTIFACTS=<dir> deploys
# zips built elsewhere instead (the delivery pipeline promotes one build): no build then.
ARTIFACTS ?=
deploy: ## Deploy ENV (local|dev|qa|prod): builds the zips, then cdk deploy [ARTIFACTS=<dir of prebuilt zips>]
	bash scripts/deploy.sh --check $(ENV)
	$(if $(ARTIFACTS),,$(MAKE) --no-print-directory package)
	DN_ARTIFACT_DIR="$(abspath $(or $(ARTIFACTS),$(FUNCTIONS)/dist))" bash scripts/deploy.sh $(ENV)

# What needs a deployed ENV says so at once, before installing anything.
DEPLOYED = @test -f .local/cdk-outputs-$(ENV).json || { echo "$@: ENV=$(ENV) is not deployed from \
  this clone (no .local/cdk-outputs-$(ENV).json): make deploy ENV=$(ENV) first" >&2; exit 1; }; \
  bash scripts/deps.sh tools

seed: ## Seed demo data into ENV (notifications for today, >= 10,000 users)
	$(DEPLOYED)
	$(PY) -m tools.seed --env $(ENV)

run-day: ## Start today's run in ENV and wait until every inbox record exists
	$(DEPLOYED)
	$(PY) -m tools.run_day --env $(ENV) --force

notify: ## Author through the admin API: FILE=<definition.json> puts one, DATE=YYYY-MM-DD lists a day, DELETE=<id> removes one [ENV=local]
	@test -n "$(FILE)$(DATE)$(DELETE)" || { echo "usage: make notify FILE=<definition.json> | DATE=YYYY-MM-DD | DELETE=<id> [ENV=local]" >&2; exit 2; }
	$(DEPLOYED)
	$(PY) -m tools.notify --env $(ENV) $(if $(FILE),--file "$(FILE)")$(if $(DATE),--date "$(DATE)")$(if $(DELETE),--delete "$(DELETE)")

audiences: ## Wait for the audience sync to finish and print each segment's size [ENV=local]
	$(DEPLOYED)
	$(PY) -m tools.audiences wait --env $(ENV)

demo: ## Fresh machine -> local environment -> a day's notifications through the API
	bash scripts/demo.sh

smoke: ## Non-destructive deployment tests against ENV (after deploy, seed, run-day)
	$(DEPLOYED)
	DN_ENV=$(ENV) $(PY) -m unittest -v tests.e2e.test_deployment tests.e2e.test_data_pipeline

test-e2e: package ## Full local deployment suite: up, deploy, seed, run the day, every test, down
	bash scripts/test-e2e.sh

.PHONY: test-faults test-faults-local
test-faults: deps ## The C++ fault suite (find-daily + generate vs the loopback AWS stub behind a fault layer): fault_cases, invariant_violations
	bash scripts/test-faults.sh

test-faults-local: package ## test-faults, then the deployed functions on a fresh local environment behind Toxiproxy + the HTTP fault proxy
	DN_FAULTS_DEPLOYMENT=1 bash scripts/test-faults.sh

.PHONY: test-local test-deps
test-deps: deps ## The dependency step through make: libcurl and libpq built by make -j2 deps-package into fresh prefixes
	$(PY) -m unittest -v tests.deps.test_deps

test-local: deps package ## Local environment: each start failure names its cause; up/deploy/load-csv/down from a fresh 0700 clone
	$(PY) -m unittest -v tests.local.test_local_env
