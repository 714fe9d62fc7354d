# jdeploy: `make demo` shows it working, `make test` runs every check CI runs.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# Snapshots are compared, never rewritten, outside `make snapshots`.
export INSTA_UPDATE ?= no

.PHONY: all build install man toolchain deps engines engines-down demo test fmt lint unit bench bench-scale fuzz snapshots clean

JDEPLOY := ./target/release/jdeploy

all: build

## toolchain: check that cargo is here; all building needs.
toolchain:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust (https://rustup.rs)" >&2; exit 1; }

## deps: the toolchain, and what the demo and the tests need on this machine (as root).
deps: toolchain
	@command -v sh >/dev/null || { echo "error: a POSIX sh is needed by the tests" >&2; exit 1; }
	@scripts/install-deps.sh

## engines: start the local Docker engines on 127.0.0.2-4 (idempotent), with the demo image.
engines: deps
	scripts/engines.sh up 2 3 4

## engines-down: stop every local engine scripts/engines.sh started.
engines-down:
	scripts/engines.sh down 2 3 4 5 6
	scripts/engines.sh down-tls

build: toolchain
	$(CARGO) build --release --locked

install: toolchain
	$(CARGO) install --locked --path .

## man: write jdeploy.1 and one page per command into target/man.
man: build
	$(JDEPLOY) man --dir target/man

## demo: local engines on 127.0.0.2-4, then create and deploy every shipped group.
demo: deps build engines
	$(JDEPLOY) validate
	$(JDEPLOY) groups
	$(JDEPLOY) create --group product
	$(JDEPLOY) create --group product_2
	$(JDEPLOY) create --group test
	$(JDEPLOY) deploy --group product
	$(JDEPLOY) deploy --group product_2 --monitor --mode dev_new
	$(JDEPLOY) deploy --group test --mode ci
	$(JDEPLOY) status
	$(JDEPLOY) plan --group product --mode ci
	@echo "A mode that breaks the app: caught by the gates, the group goes back on its own (exit 1)."
	-$(JDEPLOY) deploy --group product --mode broken --yes
	$(JDEPLOY) history --limit 5
	$(JDEPLOY) exec --group product -- sed -n 2p /run.sh
	@scripts/demo-show.sh

## test: formatting, lints, then every unit and integration test.
test: deps fmt lint unit

fmt: toolchain
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	$(CARGO) fmt --all --check

lint: toolchain
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
	$(CARGO) clippy --locked --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --locked --workspace

## bench: 40 containers on 4 local engines against the direct API floor and a docker CLI loop; a 50 MB image push against docker save | docker load; 200 concurrent status requests to jdeploy serve (p50, p99).
bench: deps
	$(CARGO) bench --locked --bench fleet
	$(CARGO) bench --locked --bench images
	$(CARGO) bench --locked --bench serve

## bench-scale: the release binary against 1,000 stand-in engines x 10 containers, 20 ms a request, under 1,024 open files: create, create again, status and deploy against their ideal (HOSTS=50 CONTAINERS=10 LATENCY_MS=20 make it smaller). No Docker needed.
bench-scale: toolchain
	$(CARGO) bench --locked --bench scale

# Fuzzing: how long one `make fuzz` runs, and the limits that make a slow or greedy input
# count as a failure (seconds per input, bytes per input, MB of memory).
FUZZ_SECONDS ?= 120
FUZZ_TIMEOUT ?= 2
FUZZ_MAX_LEN ?= 65536
FUZZ_RSS_MB ?= 2048

## fuzz: feed random groups.yaml text to the loader (parse, check, validate, render) for FUZZ_SECONDS (default 120); needs nightly Rust; findings go to fuzz/artifacts/inventory.
fuzz: toolchain
	@rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
	@$(CARGO) fuzz --version >/dev/null 2>&1 || $(CARGO) install cargo-fuzz --locked
	$(CARGO) +nightly fuzz run inventory -- \
		-max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) -max_len=$(FUZZ_MAX_LEN) \
		-rss_limit_mb=$(FUZZ_RSS_MB) -dict=$(CURDIR)/fuzz/inventory.dict

## snapshots: re-record rendered /run.sh snapshots after an intended template change.
snapshots:
	INSTA_UPDATE=always $(CARGO) test --locked --test render_snapshots

clean:
	$(CARGO) clean
