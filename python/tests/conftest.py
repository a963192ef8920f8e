"""Fixtures for the Jupyter tests (scripts/test-jupyter.sh runs them in the venv
that scripts/setup-jupyter.sh made, against the installed "ydnn" kernelspec)."""

import copy
import os
import shutil
import subprocess

import nbclient
import nbformat
import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
QUICKSTART = os.path.join(ROOT, "examples", "quickstart.ipynb")

# Appended to the quickstart for the error checks: a typo (a check error with a
# caret and a suggestion), then a cell that still works in the same session.
ERROR_CELL = "trian epochs=1"
AFTER_ERROR_CELL = "evaluate hr@10 hr@50 ndcg@10"


@pytest.fixture(scope="session")
def ydnn_bin():
    path = os.environ.get("YDNN_BIN") or os.path.join(ROOT, ".build", "release", "ydnn")
    assert os.access(path, os.X_OK), f"no ydnn binary at {path}"
    return path


@pytest.fixture(scope="session")
def saved_quickstart():
    return nbformat.read(QUICKSTART, as_version=4)


@pytest.fixture(scope="session")
def executed_quickstart(saved_quickstart, tmp_path_factory):
    """examples/quickstart.ipynb with its outputs cleared and two cells added,
    executed by nbclient through the installed kernel (in a scratch folder, so
    `mine` writes there)."""
    nb = copy.deepcopy(saved_quickstart)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.cells.append(nbformat.v4.new_code_cell(ERROR_CELL))
    nb.cells.append(nbformat.v4.new_code_cell(AFTER_ERROR_CELL))
    work = tmp_path_factory.mktemp("quickstart")
    client = nbclient.NotebookClient(nb, kernel_name="ydnn", timeout=600, allow_errors=True,
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    nbformat.write(nb, str(work / "executed.ipynb"))
    return nb, work


def chromium():
    explicit = os.environ.get("YDNN_CHROMIUM")
    if explicit and os.access(explicit, os.X_OK):
        return explicit
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def run_ydnn(ydnn_bin, *args, cwd=None, check=True):
    p = subprocess.run([ydnn_bin, *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"ydnn {' '.join(args)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def blas_core(ydnn_bin):
    """The OpenBLAS kernel family ydnn trains with on this machine ("Haswell",
    "SkylakeX"...), read from a run report's machine line. Trained numbers are the
    same bits only within one family: the kernels sum in different orders."""
    import re
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "core.ydnn"), "w") as f:
            f.write("print 1\n")
        run_ydnn(os.path.abspath(ydnn_bin), "run", "core.ydnn", "--report", "core.md", "--no-log", cwd=d)
        with open(os.path.join(d, "core.md")) as f:
            m = re.search(r"core (\w+)", f.read())
    return m.group(1) if m else "unknown"


def outputs_of(nb, cell_type="code"):
    return [(c, o) for c in nb.cells if c.cell_type == cell_type for o in c.get("outputs", [])]


def table_text(nb, first_header):
    """The text/plain of every table output whose header starts with `first_header`."""
    found = []
    for _, o in outputs_of(nb):
        if o.output_type in ("display_data", "execute_result"):
            text = o.data.get("text/plain", "")
            if "text/html" in o.data and text.split(" ")[0] == first_header:
                found.append(text)
    return found
