"""Part 3 as a Jupyter notebook: generated with nbgrader, guarded, graded by the same harness."""
import json
import shutil

import nbformat
import pytest

from conftest import grade
from kit.paths import HANDOUT, ROOT, SOLUTION
from kit.release import bundle, handout

NOTEBOOK = "hw1/mnist.ipynb"


def test_the_handout_notebook_has_named_stubs_and_no_solution_cell_or_output():
    text = (HANDOUT / NOTEBOOK).read_text()
    notebook = nbformat.reads(text, as_version=4)
    sources = "\n".join(cell.source for cell in notebook.cells)
    for function in ("train", "validate", "mnist"):
        assert f'raise NotImplementedError("{function} (Part 3)")' in sources
    assert "BEGIN SOLUTION" not in text and "np.random.permutation" not in sources
    for cell in notebook.cells:
        assert "nbgrader" not in cell.metadata
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    solution = nbformat.read(SOLUTION / NOTEBOOK, as_version=4)
    assert [c.cell_type for c in solution.cells] == [c.cell_type for c in notebook.cells]
    assert "np.random.permutation" in "\n".join(c.source for c in solution.cells)


def test_the_handout_generator_refuses_a_marker_in_a_file_it_does_not_process(tmp_path):
    solution = tmp_path / "solution"
    shutil.copytree(SOLUTION, solution, ignore=shutil.ignore_patterns("__pycache__"))
    (solution / "hw1/notes.unknown").write_text("answer:\n### BEGIN SOLUTION\n42\n")
    with pytest.raises(handout.HandoutError, match="notes.unknown"):
        handout.generate(solution, tmp_path / "handout")


def _notebook_bytes(**cell_metadata) -> bytes:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("def train():\n    return 1\n")
    cell.metadata.update(cell_metadata)
    notebook.cells.append(cell)
    return nbformat.writes(notebook).encode()


def test_the_bundle_guard_rejects_a_solution_notebook_cell_and_markers_in_any_file():
    bundle.refuse_secrets("hw1/mnist.ipynb", _notebook_bytes(tags=["export"]))       # fine
    with pytest.raises(bundle.BundleError, match="cell 1, an nbgrader solution"):
        bundle.refuse_secrets("hw1/mnist.ipynb",
                              _notebook_bytes(nbgrader={"solution": True, "grade_id": "t"}))
    with pytest.raises(bundle.BundleError, match="not a readable notebook"):
        bundle.refuse_secrets("hw1/x.ipynb", b"{not json")
    for name in ("notes.weird", "Makefile", "data.json", "hw1/mnist.ipynb", "blob.bin"):
        for marker in bundle.FORBIDDEN_MARKERS:
            with pytest.raises(bundle.BundleError, match=marker):
                bundle.refuse_secrets(name, b"\x00\x01 # " + marker.encode() + b"\n")


def test_a_build_with_a_marker_in_an_unknown_file_type_is_refused(tmp_path):
    root = tmp_path / "repo"
    for directory in ("solution", "handout", "autograder", "docs"):
        shutil.copytree(ROOT / directory, root / directory,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for name in bundle.ROOT_FILES:
        shutil.copy2(ROOT / name, root / name)
    (root / "autograder/notes.xyz").write_text("### END SOLUTION\n")
    with pytest.raises(bundle.BundleError, match="notes.xyz would ship"):
        bundle.build(tmp_path / "dist", root=root)
    (root / "autograder/notes.xyz").unlink()
    (root / "autograder/extra.ipynb").write_bytes(_notebook_bytes(nbgrader={"solution": True}))
    with pytest.raises(bundle.BundleError, match="extra.ipynb would ship cell 1"):
        bundle.build(tmp_path / "dist", root=root)


def test_the_notebook_bundle_ships_the_notebook_instead_of_the_script(tmp_path):
    default = bundle.member_names(bundle.build(tmp_path / "a"))
    notebook = bundle.member_names(bundle.build(tmp_path / "b", notebook=True))
    prefix = bundle.BUNDLE_NAME + "/"
    assert prefix + "hw1/mnist.py" in default and prefix + NOTEBOOK not in default
    assert prefix + NOTEBOOK in notebook and prefix + "hw1/mnist.py" not in notebook


def test_a_notebook_without_exported_cells_is_explained(tmp_path, monkeypatch):
    from autograder.worker import notebook
    (tmp_path / "hw1").mkdir()
    (tmp_path / NOTEBOOK).write_bytes(_notebook_bytes())
    monkeypatch.chdir(tmp_path)
    with pytest.raises(notebook.NotebookError, match="no code cell tagged 'export'"):
        notebook.exported_cells(tmp_path / NOTEBOOK)
    (tmp_path / NOTEBOOK).write_bytes(_notebook_bytes(tags=["export"]))
    assert notebook.exported_cells(tmp_path / NOTEBOOK) == [(1, "def train():\n    return 1\n")]


@pytest.mark.slow
def test_the_notebook_is_graded_by_the_part_3_harness(tmp_path):
    """The reference with its notebook in place of mnist.py gets full marks; the handout's
    notebook stops at its stub, reported in the notebook's cell."""
    target = tmp_path / "reference"
    shutil.copytree(SOLUTION, target, ignore=shutil.ignore_patterns("__pycache__"))
    (target / "hw1/mnist.py").unlink()
    graded = grade("--target", str(target), "m")
    assert json.loads(graded.stdout.strip().splitlines()[-1])["scores"] == {"mnist": 10.0}
    assert (target / "hw1/validation_accuracy.png").is_file()
    stub = tmp_path / "handout"
    shutil.copytree(HANDOUT, stub, ignore=shutil.ignore_patterns("__pycache__"))
    (stub / "hw1/mnist.py").unlink()
    out = grade("--target", str(stub), "m").stdout
    assert "hw1/mnist.ipynb#cell" in out and "mnist" in out


@pytest.mark.slow
def test_the_solution_notebook_runs_in_jupyter_with_a_live_plot(tmp_path):
    """Executed top to bottom by a Jupyter kernel in its folder, as a student would."""
    from nbclient import NotebookClient
    folder = tmp_path / "course"
    shutil.copytree(SOLUTION, folder, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "autograder", folder / "autograder",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data", folder / "data")
    notebook = nbformat.read(folder / NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder / "hw1")}}).execute()
    last = notebook.cells[-1]
    images = [o for o in last.outputs if "image/png" in o.get("data", {})]
    text = "".join(o.get("text", "") for o in last.outputs)
    assert images, "the live plot drew nothing"
    assert "final validation accuracy: 9" in text
    assert (folder / "hw1/validation_accuracy.png").is_file()
