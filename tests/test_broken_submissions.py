"""Deliberate bugs lose points in the right part and only there; crashes stay contained."""
import pytest

from autograder.grader.rubric import Rubric
from conftest import grade, replace_in

CHECKS = {p.number: p.checks for p in Rubric().parts}
# A broken BatchNorm1d keeps the Sum check: Sum is graded on its own (docs/grading-principle.md).
BATCHNORM_WITHOUT_SUM = sum(CHECKS["2.4"].values()) - CHECKS["2.4"]["sum"]


def test_mul_without_unbroadcast_loses_mul(solution_copy):
    replace_in(solution_copy / "mytorch/nn/functional.py",
               "return (unbroadcast(grad_output * b.data, a.shape),\n"
               "                unbroadcast(grad_output * a.data, b.shape))",
               "return grad_output * b.data, grad_output * a.data")
    graded = grade("--target", str(solution_copy), "1.1", "1.2", "2.3")
    assert graded.lost == {"arithmetic": CHECKS["1.1"]["mul"]}
    assert "FAIL 1.1 Sub, Mul, Div [mul]" in graded.stdout
    assert "unbroadcast" in graded.stdout


def test_engine_that_overwrites_instead_of_accumulating_loses_autograd(solution_copy):
    replace_in(solution_copy / "mytorch/autograd_engine.py",
               "grads[parent] = grads[parent] + g if parent in grads else g",
               "grads[parent] = g")
    graded = grade("--target", str(solution_copy), "1.2", "2.3", "2.6")
    # Tensor.backward() runs the same traversal, so its check fails too; graph building does not.
    assert graded.lost == {"autograd": 15.0}
    assert "FAIL 1.2 Autograd engine [backward]" in graded.stdout


def test_leaf_grad_overwritten_loses_autograd(solution_copy):
    replace_in(solution_copy / "mytorch/autograd_engine.py",
               "self.variable.grad.data = self.variable.grad.data + grad",
               "self.variable.grad.data = grad")
    graded = grade("--target", str(solution_copy), "1.2")
    assert graded.lost == {"autograd": 15.0}       # backward and Tensor.backward checks


def test_sgd_adding_the_gradient_loses_sgd_only(solution_copy):
    replace_in(solution_copy / "mytorch/optim/sgd.py",
               "param.data -= self.lr * param.grad.data", "param.data += self.lr * param.grad.data")
    graded = grade("--target", str(solution_copy), "2")
    assert graded.lost == {"sgd": 10.0}
    assert "opposite sign" in graded.stdout or "SGD subtracts" in graded.stdout


def test_batchnorm_unbiased_variance_loses_batchnorm(solution_copy):
    replace_in(solution_copy / "mytorch/nn/batchnorm.py",
               "var = (centered * centered).sum(axis=0) / m", "var = (centered * centered).sum(axis=0) / (m - 1)")
    graded = grade("--target", str(solution_copy), "2")
    # The running variance is then wrong too, so eval mode fails as well.
    assert graded.lost == {"batchnorm": BATCHNORM_WITHOUT_SUM}


def test_cross_entropy_without_shift_fails_stability_only(solution_copy):
    replace_in(solution_copy / "mytorch/nn/functional.py",
               "shifted = x - x.max(axis=1, keepdims=True)", "shifted = x")
    graded = grade("--target", str(solution_copy), "2.5")
    assert graded.lost == {"cross_entropy": 5.0}
    assert "log-sum-exp" in graded.stdout


def test_syntax_error_in_one_file_costs_only_its_parts(solution_copy):
    (solution_copy / "mytorch/nn/batchnorm.py").write_text("def broken(:\n")
    graded = grade("--target", str(solution_copy), "1")
    assert graded.lost == {"batchnorm": BATCHNORM_WITHOUT_SUM}
    assert "could not be imported: SyntaxError" in graded.stdout
    assert "Traceback" not in graded.stdout + graded.stderr


def test_hanging_code_times_out_and_costs_only_its_part(solution_copy):
    replace_in(solution_copy / "mytorch/optim/sgd.py", "        for param, velocity in zip(",
               "        while True:\n            pass\n        for param, velocity in zip(")
    graded = grade("--target", str(solution_copy), "1.1", "2.3", env={"AUTOGRADER_CALL_TIMEOUT": "2"})
    assert graded.returncode == 0
    assert graded.lost == {"sgd": 10.0}
    assert "did not finish within 2 s" in graded.stdout


@pytest.mark.parametrize("crash", ["import os; os._exit(0)", "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)",
                                   "raise SystemExit(3)"])
def test_crashing_code_costs_only_its_part(solution_copy, crash):
    replace_in(solution_copy / "mytorch/nn/activations.py", "        return F.ReLU.apply(x)",
               f"        {crash}\n        return F.ReLU.apply(x)")
    graded = grade("--target", str(solution_copy), "1.1", "2.2", "2.3")
    assert graded.returncode == 0
    assert graded.lost == {"relu": 10.0}
    assert "Traceback" not in graded.stdout + graded.stderr


def test_importing_torch_in_mytorch_is_refused(solution_copy):
    replace_in(solution_copy / "mytorch/optim/sgd.py", "import numpy as np\n",
               "import numpy as np\nimport torch\n")
    graded = grade("--target", str(solution_copy), "2.3", "2.1")
    assert graded.lost == {"sgd": 10.0}
    assert "'torch' may not be used" in graded.stdout


def test_printing_a_fake_score_gains_nothing(solution_copy):
    fake = '{"scores": {"arithmetic": 15.0, "autograd": 25.0}}'
    replace_in(solution_copy / "mytorch/optim/sgd.py", '        ### BEGIN SOLUTION\n',
               f"        print('Total: 100/100'); print('{fake}')\n        raise NotImplementedError\n"
               "        ### BEGIN SOLUTION\n")
    graded = grade("--target", str(solution_copy), "2.3")
    assert graded.scores == {"sgd": 0.0}
