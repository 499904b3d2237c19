# Gatehouse developer entry points. `make` alone lists them.

# The target directory lives outside the clone so fresh clones (CI) reuse earlier builds.
CARGO_TARGET_DIR ?= $(HOME)/.cache/gatehouse/target
export CARGO_TARGET_DIR

CARGO ?= cargo
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

.DEFAULT_GOAL := help
.PHONY: help run test test-sqlite test-postgres openapi bench fmt clippy clean-data

help: ## Show this help
	@echo "Gatehouse make targets:"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN { FS = ":.*## " } { printf "  %-14s %s\n", $$1, $$2 }'
	@echo "CARGO_TARGET_DIR=$(CARGO_TARGET_DIR)"

run: ## Build (release) and serve on SQLite under ./data; prints the address and, on first start, an API key
	@bash scripts/ensure-deps.sh build
	$(CARGO) run --release --bin gatehouse -- serve

test: ## fmt check, clippy, no import circle in src/, then the whole test suite on SQLite and on PostgreSQL
	@bash scripts/ensure-deps.sh test
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	python3 scripts/import-cycles.py --self-test
	python3 scripts/import-cycles.py
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: ## Only the test suite on SQLite
	@echo
	@echo "== test suite on SQLite =="
	GATEHOUSE_TEST_DATABASE=sqlite $(CARGO) test --workspace

test-postgres: ## Only the test suite on PostgreSQL (started/created by scripts/ensure-postgres.sh)
	@echo
	@echo "== test suite on PostgreSQL =="
	@pg_url="$$(bash scripts/ensure-postgres.sh)"; \
	bash scripts/drop-test-databases.sh "$$pg_url"; \
	echo "GATEHOUSE_TEST_DATABASE=postgres GATEHOUSE_TEST_PG_URL=$$pg_url $(CARGO) test --workspace"; \
	GATEHOUSE_TEST_DATABASE=postgres GATEHOUSE_TEST_PG_URL="$$pg_url" $(CARGO) test --workspace

openapi: ## Regenerate sdk-gen/openapi.json from the code
	@mkdir -p sdk-gen
	$(CARGO) run --bin gatehouse -- openapi > sdk-gen/openapi.json.tmp
	@mv sdk-gen/openapi.json.tmp sdk-gen/openapi.json
	@echo "wrote sdk-gen/openapi.json"

.PHONY: sdk
sdk: ## Regenerate the TypeScript and Python SDKs from sdk-gen/openapi.json (run `make openapi` first after API changes)
	@bash scripts/ensure-deps.sh test
	bash scripts/sdk.sh

MICRO_TARGET_DIR ?= $(HOME)/.cache/gatehouse/micro-target

bench: ## Load runs (organizations on SQLite and PostgreSQL, identity on SQLite) and the Criterion micro-benchmarks
	@bash scripts/ensure-deps.sh build
	$(CARGO) build --release --bin gatehouse --example saml_verify_rate --example argon2_rate
	@# Every part runs even if an earlier one reports an invalid run; the target fails at the end.
	@status=0; \
	uptime; bash benches/load/run.sh || status=1; \
	uptime; bash benches/load/identity.sh || status=1; \
	uptime; bash benches/load/saml_acs.sh || status=1; \
	uptime; CARGO_TARGET_DIR=$(MICRO_TARGET_DIR) $(CARGO) bench --manifest-path benches/micro/Cargo.toml || status=1; \
	uptime; exit $$status

fmt: ## Format the workspace
	$(CARGO) fmt --all

clippy: ## Lint the workspace, warnings are errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean-data: ## Delete the local SQLite database and state under ./data
	rm -rf ./data
