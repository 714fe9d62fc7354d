# jdeploy: `make demo` shows it working, `make test` runs every check CI runs.

CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
# Snapshots are compared, never rewritten, outside `make snapshots`.
export INSTA_UPDATE ?= no

.PHONY: all build install deps demo test fmt lint unit snapshots clean

all: build

## deps: check that the Rust toolchain and its components are here.
deps:
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust (https://rustup.rs)" >&2; exit 1; }
	@$(CARGO) fmt --version >/dev/null 2>&1 || rustup component add rustfmt
	@$(CARGO) clippy --version >/dev/null 2>&1 || rustup component add clippy
	@command -v sh >/dev/null || { echo "error: a POSIX sh is needed by the tests" >&2; exit 1; }

build: deps
	$(CARGO) build --release --locked

install: deps
	$(CARGO) install --locked --path .

## demo: validate the shipped groups.yaml, list its groups and render a group's /run.sh.
demo: build
	./target/release/jdeploy validate
	./target/release/jdeploy groups
	./target/release/jdeploy render --group product_2 --monitor --mode dev_new --all-files

## test: formatting, lints, then every unit and integration test.
test: deps fmt lint unit

fmt:
	$(CARGO) fmt --all --check

lint:
	$(CARGO) clippy --locked --all-targets -- -D warnings

unit:
	$(CARGO) test --locked

## snapshots: re-record rendered /run.sh snapshots after an intended template change.
snapshots:
	INSTA_UPDATE=always $(CARGO) test --locked --test render_snapshots

clean:
	$(CARGO) clean
