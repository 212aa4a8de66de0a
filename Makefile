# Parley: the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := run

SWIFT ?= swift
PARLEY_HOME ?= $(CURDIR)/.parley
export PARLEY_MODELS ?= $(HOME)/.cache/parley/models

.PHONY: run test test-browser deps models build release serve clean bench-http fuzz-http bench-embed bench-ingest bench-cluster eval-cluster bench-triage bench-pages eval-text reliability fuzz

## deps: install the Debian packages Parley needs (only those missing)
deps:
	@scripts/deps.sh

## models: fetch and verify the embedding models into $(PARLEY_MODELS)
models:
	@scripts/models.sh

## build / release: compile debug or release
build:
	$(SWIFT) build
release:
	$(SWIFT) build -c release --product parley

## run: everything a fresh machine needs, then the service with demo data
run: deps models release
	@PARLEY_HOME=$(PARLEY_HOME) LOG_LEVEL=warning .build/release/parley demo --if-empty
	PARLEY_HOME=$(PARLEY_HOME) .build/release/parley serve

## test: all tests against a real (embedded) PostgreSQL
# Three test processes, one after the other: the timing-sensitive socket tests, the CPU-heavy pure ones, then
# the database and application suites. Swift's cooperative pool has one thread per core (two here), so long
# synchronous CPU work in one suite would otherwise delay the handlers another suite is timing.
test: deps models
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --filter HTTPServerTests
	$(SWIFT) test --skip-build --filter 'InsightsTests|EmbeddingsTests'
	$(SWIFT) test --skip-build --skip 'HTTPServerTests|InsightsTests|EmbeddingsTests'
	@$(MAKE) --no-print-directory test-browser
	@RELIABILITY_QUICK=1 scripts/reliability.sh

## test-browser: the dashboard in headless Chromium (selenium); screenshots in test-artifacts/screenshots
test-browser: deps
	@scripts/browser-tests.sh

## bench-http: our server against a Hummingbird 2 server with wrk
bench-http:
	@scripts/bench-http.sh

## reliability: faults, load, hostile input and several instances; prints a table of every check with its figure
reliability: deps models
	@scripts/reliability.sh

## fuzz: libFuzzer on every decoder for FUZZ_SECONDS each (TARGET=http|json|ndjson|otlp|multipart for one)
fuzz:
	@for t in $${TARGET:-http json ndjson otlp multipart}; do scripts/fuzz.sh $$t || exit 1; done

## fuzz-http: libFuzzer on the HTTP request parser for a bounded time
fuzz-http:
	@scripts/fuzz-http.sh

## bench-embed: embedding throughput and similarity-search latency
bench-embed:
	@scripts/bench-embed.sh

## bench-ingest: ingestion throughput (API single, API bulk, psql \copy)
bench-ingest:
	@scripts/bench-ingest.sh

## bench-cluster: clustering time and memory at 100k and 1M vectors
bench-cluster:
	@scripts/bench-cluster.sh
	@scripts/bench-cluster-app.sh

## bench-triage: triage API latency (list, filters, take-next, bulk) at 100,000 items
bench-triage:
	@scripts/bench-triage.sh

## bench-pages: server time of every main page and API list at 1,000,000 conversations (p50/p95 of 200 requests)
bench-pages:
	@scripts/bench-pages.sh

## eval-cluster: clustering quality (NMI, ARI, ACC) on Banking77 and HWU64
eval-cluster:
	@scripts/eval-cluster.sh

## eval-text: which text of a conversation to embed (MT-Bench/Vicuna categories, HH-RLHF answer pairs)
eval-text: models
	$(SWIFT) build -c release --product parley
	.build/release/parley eval text --pairs $${PARLEY_DATA:-../shared/data}/hh_rlhf_harmless_base/test.jsonl.gz

clean:
	rm -rf .build
