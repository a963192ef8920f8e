"""Shared helpers of the TorchRec export tests (scripts/test-torchrec.sh runs them):
the ydnn binary, recipes written to a temporary folder, torchrun on the export."""
import json
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
YDNN = os.environ.get("YDNN_BIN", os.path.join(ROOT, ".build", "release", "ydnn"))


def run_ydnn(tmp_path, name, text, *args, timeout=300):
    path = os.path.join(tmp_path, name)
    with open(path, "w") as f:
        f.write(text)
    p = subprocess.run([YDNN, "run", path, *args], capture_output=True, text=True, timeout=timeout, cwd=tmp_path)
    assert p.returncode == 0, f"ydnn run {name} failed:\n{p.stdout}\n{p.stderr}"
    return p.stdout


def metric(output, name, column=1, occurrence=-1):
    """A metric from an evaluate table: the model's (column 1) or the baseline's (2)."""
    rows = [line.split() for line in output.splitlines() if re.match(rf"^{re.escape(name)}\s", line)]
    assert rows, f"no {name} in:\n{output}"
    return float(rows[occurrence][column])


def torchrun(bundle, nproc, *args, timeout=600):
    env = dict(os.environ, NPROC=str(nproc), PYTHONDONTWRITEBYTECODE="1")
    p = subprocess.run(["bash", os.path.join(bundle, "run.sh"), *args], capture_output=True, text=True,
                       timeout=timeout, env=env)
    assert p.returncode == 0, f"run.sh failed:\n{p.stdout[-4000:]}\n{p.stderr[-6000:]}"
    return p.stdout


def metrics(folder):
    with open(os.path.join(folder, "metrics.jsonl")) as f:
        return [json.loads(line) for line in f]


@pytest.fixture(scope="session", autouse=True)
def python_path():
    sys.path.insert(0, os.path.join(ROOT, "python"))
    assert os.access(YDNN, os.X_OK), f"no ydnn binary at {YDNN} (make build)"
