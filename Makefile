# The two set-up commands of the README are `make run` and `make test`; each first
# installs missing system packages (scripts/setup.sh).
SHELL := bash
.SHELLFLAGS := -o pipefail -c
SWIFT ?= swift
BIN := .build/release/ydnn

.PHONY: setup build run test check-examples bench clean jupyter quickstart-notebook torchrec

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

# The Jupyter kernel: a venv (.venv-jupyter) with pinned ipykernel, jupyter_client,
# nbclient, nbformat and nbconvert, python/ydnn_kernel installed in it, and the
# "ydnn" kernelspec installed for this user (jupyter kernelspec install --user).
jupyter: build
	bash scripts/setup-jupyter.sh

# The TorchRec venv (.venv-torchrec: torch 2.13.0+cpu, fbgemm-gpu-cpu 1.8.0, torchrec 1.8.0)
# that the run.sh of `export torchrec` uses; `make test` installs it too.
torchrec:
	bash scripts/setup-torchrec.sh

# Re-executes examples/quickstart.ipynb through the kernel and saves its outputs.
quickstart-notebook: build
	bash scripts/make-quickstart-notebook.sh

bench: build
	bash benchmarks/run.sh

clean:
	rm -rf .build
