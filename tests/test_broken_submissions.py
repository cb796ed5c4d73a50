"""Deliberate bugs lose points in the right part and only there; crashes stay contained."""
import pytest

from autograder.grader.rubric import Rubric
from conftest import Bug, bug_params, check_bug, grade

CHECKS = {p.number: p.checks for p in Rubric().parts}
# A broken BatchNorm1d keeps the Sum check: Sum is graded on its own (docs/grading-principle.md).
BATCHNORM_WITHOUT_SUM = sum(CHECKS["2.4"].values()) - CHECKS["2.4"]["sum"]

FUNCTIONAL, ENGINE, SGD = "mytorch/nn/functional.py", "mytorch/autograd_engine.py", "mytorch/optim/sgd.py"
FAKE_SCORE = '{"scores": {"arithmetic": 15.0, "autograd": 25.0}}'
CRASHES = ["import os; os._exit(0)", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
           "raise SystemExit(3)"]

BUGS = [
    Bug("mul-without-unbroadcast",
        [(FUNCTIONAL, "return (unbroadcast(grad_output * b.data, a.shape),\n"
                      "                unbroadcast(grad_output * a.data, b.shape))",
          "return grad_output * b.data, grad_output * a.data")],
        ("1.1", "1.2", "2.3"), {"arithmetic": CHECKS["1.1"]["mul"]},
        ("FAIL 1.1 Sub, Mul, Div [mul]", "unbroadcast")),
    # Tensor.backward() runs the same traversal, so its check fails too; graph building does not.
    Bug("engine-overwrites-instead-of-accumulating",
        [(ENGINE, "grads[parent] = grads[parent] + g if parent in grads else g", "grads[parent] = g")],
        ("1.2", "2.3", "2.6"), {"autograd": 15.0}, ("FAIL 1.2 Autograd engine [backward]",),
        slow=True),
    Bug("leaf-grad-overwritten",
        [(ENGINE, "self.variable.grad.data = self.variable.grad.data + grad",
          "self.variable.grad.data = grad")],
        ("1.2",), {"autograd": 15.0}, slow=True),
    Bug("sgd-adds-the-gradient",
        [(SGD, "param.data -= self.lr * param.grad.data", "param.data += self.lr * param.grad.data")],
        ("2",), {"sgd": 10.0}, (("opposite sign", "SGD subtracts"),), slow=True),
    # The running variance is then wrong too, so eval mode fails as well.
    Bug("batchnorm-unbiased-variance",
        [("mytorch/nn/batchnorm.py", "var = (centered * centered).sum(axis=0) / m",
          "var = (centered * centered).sum(axis=0) / (m - 1)")],
        ("2",), {"batchnorm": BATCHNORM_WITHOUT_SUM}, slow=True),
    Bug("cross-entropy-without-shift",
        [(FUNCTIONAL, "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")],
        ("2.5",), {"cross_entropy": 5.0}, ("log-sum-exp",), slow=True),
    Bug("sgd-hangs",
        [(SGD, "        for param, velocity in zip(",
          "        while True:\n            pass\n        for param, velocity in zip(")],
        ("1.1", "2.3"), {"sgd": 10.0}, ("did not finish within 2 s",),
        env={"AUTOGRADER_CALL_TIMEOUT": "2"}),
    # The hang is in an earlier part: the worker is restarted and Part 2.3 keeps its points.
    Bug("relu-hangs",
        [("mytorch/nn/activations.py", "        return F.relu(x)",
          "        while True:\n            pass")],
        ("2.2", "2.3"), {"relu": 10.0}, ("did not finish within 2 s",),
        env={"AUTOGRADER_CALL_TIMEOUT": "2"}, slow=True),
    # A name built at run time, which the static scan cannot see: the worker's guard stops it
    # (a plain `import torch` costs what the import policy says: tests/test_import_policy.py).
    Bug("mytorch-imports-torch-at-run-time",
        [(SGD, "import numpy as np\n", "import numpy as np\ntorch = __import__('to' + 'rch')\n")],
        ("2.3", "2.1"), {"sgd": 10.0}, ("'torch' may not be used",)),
    Bug("prints-a-fake-score",
        [(SGD, "        ### BEGIN SOLUTION\n",
          f"        print('Total: 100/100'); print('{FAKE_SCORE}')\n        raise NotImplementedError\n"
          "        ### BEGIN SOLUTION\n")],
        ("2.3",), {"sgd": 10.0}),
] + [Bug(f"relu-crashes-{i}", [("mytorch/nn/activations.py", "        return F.relu(x)",
                                f"        {crash}\n        return F.relu(x)")],
         ("1.1", "2.2", "2.3"), {"relu": 10.0}, slow=i != 1) for i, crash in enumerate(CRASHES)]


@pytest.mark.parametrize("bug", bug_params(BUGS))
def test_bug_loses_points_in_its_part_only(bug, solution_copy):
    check_bug(bug, solution_copy)


def test_syntax_error_in_one_file_costs_only_its_parts(solution_copy):
    (solution_copy / "mytorch/nn/batchnorm.py").write_text("def broken(:\n")
    graded = grade("--target", str(solution_copy), "1")
    assert graded.lost == {"batchnorm": BATCHNORM_WITHOUT_SUM}
    assert "could not be imported: SyntaxError" in graded.stdout
    assert "Traceback" not in graded.stdout + graded.stderr
