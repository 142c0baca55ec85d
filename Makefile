# Gatehouse: `make run` starts the whole thing, `make test` runs every test. See README.md.
SWIFT   ?= swift
PYTHON  ?= python3
# The end-to-end suite runs in its own virtualenv (Debian's python3 refuses system-wide pip installs).
VENV    := $(CURDIR)/.build-venv
PYTEST  := $(VENV)/bin/python -m pytest
VAR     ?= $(CURDIR)/var
PORT    ?= 8443
SOAK_MINUTES ?= 30
DEBUG_BIN   := $(CURDIR)/.build/debug/gatehouse
RELEASE_BIN := $(CURDIR)/.build/release/gatehouse

.PHONY: run test bench clean deps pydeps build release test-swift test-e2e test-asan lint

deps:
	@scripts/install-deps.sh

pydeps:
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	@$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r Tests/e2e/requirements.txt

## The release binary as the Debian package builds it: the Swift runtime linked in statically.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib

## Build release, set up ./var (config, TLS certificate, database, nginx config), run Gatehouse + nginx and the
## demo upstreams (the WebSocket one runs in the virtualenv of pydeps).
run: release pydeps
	@scripts/dev-stack.sh setup $(VAR) $(PORT)
	@PYTHON=$(VENV)/bin/python scripts/dev-stack.sh run $(VAR) $(RELEASE_BIN)

## One debug build (product and tests); every test below runs against it.
build: deps
	$(SWIFT) build --build-tests

## The Store suites run on both backends: a private PostgreSQL cluster is up for the run (scripts/with-postgres.sh).
test-swift: build
	GATEHOUSE_BIN=$(DEBUG_BIN) scripts/with-postgres.sh sh -c \
	    '$(SWIFT) test --skip-build && Tests/postgresql/schema_parity.sh "$$GATEHOUSE_PG_DIR"'

## The end-to-end suite once per backend: SQLite files, then a database of its own per stack on PostgreSQL.
test-e2e: build pydeps
	GATEHOUSE_BIN=$(DEBUG_BIN) GATEHOUSE_TEST_BACKEND=sqlite scripts/with-postgres.sh $(PYTEST) -q Tests/e2e
	GATEHOUSE_BIN=$(DEBUG_BIN) GATEHOUSE_TEST_BACKEND=postgresql scripts/with-postgres.sh $(PYTEST) -q Tests/e2e

test: test-swift test-e2e lint

## The Swift tests again under AddressSanitizer (C is involved). Its own build folder; XCTest's harness leaks a
## few bytes at exit, so leak detection is off (ASan still stops on any memory error).
test-asan: build
	GATEHOUSE_BIN=$(DEBUG_BIN) ASAN_OPTIONS=detect_leaks=0 scripts/with-postgres.sh $(SWIFT) test --sanitize=address --scratch-path .build-asan

## The unsafe-boundary rule (STYLE.md rule 22): C imports and `unsafe` only in the boundary folders.
lint:
	@bad=$$(git grep -l -e 'import C\(SQLite\|PostgreSQL\|OpenSSL\|Argon2\|FastCGI\|Curl\|QRencode\)' -e '\bunsafe ' -- Sources \
	    | grep -v -e /OpenSSL/ -e /Argon2/ -e /SQLite/ -e /PostgreSQL/ -e /FastCGI/ -e /Curl/ -e /QRencode/ || true); \
	if [ -n "$$bad" ]; then echo "C calls outside the boundary folders:"; echo "$$bad"; exit 1; fi; \
	echo "lint: boundary rule holds"

## CArgon2id against libargon2 under libFuzzer with ASan and UBSan, FUZZ_SECONDS (60) long (fuzz/run.sh).
fuzz-argon2:
	@fuzz/run.sh

## Every libFuzzer target in fuzz/targets/NAME (fuzz/run-targets.sh): built with -sanitize=fuzzer,address in
## .build-fuzz, FUZZ_SECONDS (30) each from its seed corpus; prints executions per target. A new folder is a new target.
fuzz:
	@fuzz/run-targets.sh

## Endurance: bench/soak.sh for SOAK_MINUTES (30) against the release build; figures and plot in bench/soak-out.
soak: release
	bench/soak.sh $(SOAK_MINUTES)

bench: release
	bench/run.sh
	bench/auth.sh
	bench/apikeys.sh
	bench/mfa.sh
	bench/events.sh
	bench/backends.sh
	bench/business.sh
	bench/policies.sh

clean:
	rm -rf .build .build-* var

## The Debian package (packaging/, docs/INSTALL.md): dist/gatehouse_<version>_amd64.deb and its dbgsym package.
deb:
	@packaging/build-deb.sh

## Two versions of the package installed, upgraded and purged in a clean Debian root (Tests/deb/test-deb.sh).
test-deb:
	@Tests/deb/test-deb.sh

.PHONY: deb test-deb fuzz-argon2 fuzz soak
