#!/usr/bin/env bash
# Regenerates examples/quickstart.ipynb: `ydnn notebook` converts the recipe, then
# nbclient executes it through the installed "ydnn" kernel (scripts/setup-jupyter.sh)
# from the repository root, and the outputs are saved in the notebook.
# python/tests/test_notebook_execution.py checks that a fresh execution prints the
# same metrics as the saved ones.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${YDNN_BIN:-$PWD/.build/release/ydnn}
bash scripts/setup-jupyter.sh >/dev/null
"$bin" notebook examples/quickstart.ydnn examples/quickstart.ipynb
YDNN_BIN_RESOLVED="$bin" .venv-jupyter/bin/python - <<'PY'
import os, nbclient, nbformat
path = "examples/quickstart.ipynb"
nb = nbformat.read(path, as_version=4)
nbclient.NotebookClient(nb, kernel_name="ydnn", timeout=600, record_timing=False,
                        resources={"metadata": {"path": "."}}).execute()
# The kernel family the outputs were computed with: the tests compare a fresh run
# bit for bit only under the same one (python/tests/conftest.py: blas_core).
import sys
sys.path.insert(0, "python/tests")
from conftest import blas_core
nb.metadata["ydnn"] = {"blas_core": blas_core(os.environ["YDNN_BIN_RESOLVED"])}
nbformat.validate(nb)
nbformat.write(nb, path)
print(f"executed and saved {path}")
PY
