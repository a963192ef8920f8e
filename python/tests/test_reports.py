"""`ydnn run --report out.ipynb` and `ydnn notebook` write notebooks that
nbformat accepts, with the ydnn kernelspec and their outputs embedded."""

import glob
import json
import os
import re

import nbformat
import pytest

from conftest import ROOT, run_ydnn, table_text

EXPERIMENTS = """# A tiny ablation: two experiments and their comparison.
let epochs = 2
seed 5
generate users=300 items=200 categories=5
vocab min_count=2
window 5

embed user_id 8
lstm items 16
dense 16 relu
nce

experiment "base" repeat=2 {
  train epochs=$epochs

  evaluate hr@50
}
experiment "wide" repeat=2 { dense 32 relu; train epochs=$epochs; evaluate hr@50 }

# The verdict.
compare
plot hr@50
"""


def validate(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec.name == "ydnn"
    assert nb.metadata.language_info.name == "ydnn"
    return nb


def test_every_example_report_is_a_valid_notebook():
    """Reports that scripts/run-examples.sh wrote for every example (when
    scripts/test.sh set YDNN_EXAMPLE_REPORTS), and the saved quickstart."""
    folder = os.environ.get("YDNN_EXAMPLE_REPORTS")
    paths = sorted(glob.glob(os.path.join(folder, "*.ipynb"))) if folder else []
    if folder:
        examples = [p for p in glob.glob(os.path.join(ROOT, "examples", "*.ydnn")) + glob.glob(os.path.join(ROOT, "examples", "*.ipynb"))
                    if not os.path.basename(p).startswith("_")]
        assert len(paths) == len(examples), (paths, examples)
    for p in paths + [os.path.join(ROOT, "examples", "quickstart.ipynb")]:
        nb = validate(p)
        assert any(c.cell_type == "code" and c.outputs for c in nb.cells), p


def test_report_of_experiments_has_cells_per_paragraph_with_outputs(ydnn_bin, tmp_path):
    recipe = tmp_path / "ablation.ydnn"
    recipe.write_text(EXPERIMENTS)
    out = tmp_path / "out.ipynb"
    run_ydnn(ydnn_bin, "run", str(recipe), "--no-log", "--report", str(out))
    nb = validate(out)
    kinds = [c.cell_type for c in nb.cells]
    # Manifest, the comment, 3 code paragraphs, the two experiments, the comment, compare+plot.
    assert kinds == ["markdown", "markdown", "code", "code", "code", "markdown", "code"], kinds
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[2].source.startswith('experiment "base"') and code[2].source.endswith("}")
    assert [c.execution_count for c in code] == [1, 2, 3, 4]
    assert "ydnn version" in nb.cells[0].source and "recipe sha256" in nb.cells[0].source
    assert nb.metadata.ydnn["recipe"] == str(recipe)
    svgs = [o for c in code for o in c.outputs if o.output_type == "display_data" and "image/svg+xml" in o.data]
    assert len(svgs) >= 5  # 4 loss curves, the comparison, the plot
    assert table_text(nb, "experiment"), "compare's table is HTML + text"
    # The HTML report renders the same table with the same renderer.
    html = tmp_path / "out.html"
    run_ydnn(ydnn_bin, "run", str(recipe), "--no-log", "--report", str(html))
    page = html.read_text()
    for c in code:
        for o in c.outputs:
            if o.output_type == "display_data" and "text/html" in o.data:
                assert o.data["text/html"] in page


def test_report_of_a_failing_run_is_valid_and_shows_the_error(ydnn_bin, tmp_path):
    recipe = tmp_path / "fails.ydnn"
    recipe.write_text("seed 1\ngenerate users=100 items=50\n\nrecall U1\n")
    out = tmp_path / "fails.ipynb"
    p = run_ydnn(ydnn_bin, "run", str(recipe), "--no-log", "--report", str(out), check=False)
    assert p.returncode == 1
    nb = validate(out)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "error:" in text and "^" in text
    # A recipe rejected by the check: nothing ran, the notebook still opens.
    recipe.write_text("seed 1\ntrian epochs=1\n")
    p = run_ydnn(ydnn_bin, "run", str(recipe), "--no-log", "--report", str(out), check=False)
    assert p.returncode == 1
    nb = validate(out)
    assert "did you mean 'train'" in json.dumps(nb)


def test_notebook_conversion_and_running_a_notebook(ydnn_bin, tmp_path):
    recipe = tmp_path / "ablation.ydnn"
    recipe.write_text(EXPERIMENTS)
    converted = tmp_path / "ablation.ipynb"
    run_ydnn(ydnn_bin, "notebook", str(recipe), str(converted))
    nb = validate(converted)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# A tiny ablation")
    # Every statement line of the recipe is in a code cell, in order; comments are markdown.
    code_lines = [l for c in nb.cells if c.cell_type == "code" for l in c.source.splitlines() if l.strip()]
    assert code_lines == [l for l in EXPERIMENTS.splitlines() if l.strip() and not l.startswith("#")]
    # Running the notebook prints what running the recipe prints (timings aside),
    # and --set reaches a notebook's `let`.
    a = run_ydnn(ydnn_bin, "run", str(converted), "--no-log", "--set", "epochs=1", cwd=tmp_path).stdout
    b = run_ydnn(ydnn_bin, "run", str(recipe), "--no-log", "--set", "epochs=1", cwd=tmp_path).stdout
    def untimed(s):
        return re.sub(r"(?m)^(\s+\d+\s+\d+\.\d{4})\s+\d+\s+[\d.]+s$", r"\1", s)
    assert untimed(a) == untimed(b)
    assert a.count("trained 1 epoch(s)") == 4
    report = tmp_path / "ran.ipynb"
    run_ydnn(ydnn_bin, "run", str(converted), "--no-log", "--report", str(report), cwd=tmp_path)
    ran = validate(report)
    assert [c.cell_type for c in ran.cells][1:] == [c.cell_type for c in nb.cells]
    # A notebook for another kernel is refused.
    other = tmp_path / "python.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")],
                                            metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}),
                   str(other))
    p = run_ydnn(ydnn_bin, "run", str(other), check=False)
    assert p.returncode == 2 and "python3" in p.stderr
