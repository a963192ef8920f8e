# The two set-up commands of the README are `make run` and `make test`; each first
# installs missing system packages (scripts/setup.sh).
SHELL := bash
.SHELLFLAGS := -o pipefail -c
SWIFT ?= swift
BIN := .build/release/ydnn

.PHONY: setup build run test check-examples bench clean

setup:
	@bash scripts/setup.sh

# The build's output is kept: `make test` fails on any compiler warning in it.
build: setup
	@mkdir -p .build
	$(SWIFT) build -c release --product ydnn 2>&1 | tee .build/release-build.log

# The main job: the quickstart recipe on the built-in synthetic data.
run: build
	$(BIN) run examples/quickstart.ydnn

# Every test: unit tests, end-to-end tests against the release binary, the REPL
# driven through a real terminal (tmux), and every recipe in examples/.
test: build
	bash scripts/test.sh

bench: build
	bash benchmarks/run.sh

clean:
	rm -rf .build
