"""Hand-ins for the similarity tests: a disguised copy and an independent implementation.

``disguised_copy``: the reference with local names renamed, spacing, comments and blank lines
changed and each module's top-level definitions in reverse order. ``independent``: the
handout with a dozen functions written here, differently from the reference (a recursive
backward, an index-based SGD, BatchNorm from a variance call, ...), the rest left as stubs.
"""
from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

from kit.paths import HANDOUT, SOLUTION

RENAMES = {"velocity": "vel", "param": "weight_tensor", "centered": "xc", "mean": "mu",
           "var": "sigma2", "correction1": "bc1", "correction2": "bc2", "m_hat": "mhat",
           "v_hat": "vhat", "node": "fn_node", "order": "topo", "visited": "seen",
           "stack": "todo", "grads": "pending", "layer": "mod", "requires_grad": "needs",
           "output": "result", "expanded": "done", "parent": "up", "grad": "gin",
           "a": "lhs", "b": "rhs", "g": "gg", "m": "n_rows"}

INDEPENDENT = {
    "SGD.step": """
for i in range(len(self.params)):
    p = self.params[i]
    if p.grad is not None:
        if self.momentum != 0.0:
            self.velocities[i] = self.momentum * self.velocities[i] - self.lr * p.grad.data
            p.data = p.data + self.velocities[i]
        else:
            p.data = p.data - self.lr * p.grad.data
""",
    "Adam.step": """
self.t = self.t + 1
b1, b2 = self.beta1, self.beta2
for k, p in enumerate(self.params):
    if p.grad is None:
        continue
    grad = p.grad.data
    self.m[k] = b1 * self.m[k] + (1 - b1) * grad
    self.v[k] = b2 * self.v[k] + (1 - b2) * np.square(grad)
    step_size = self.lr / (1 - b1 ** self.t)
    denom = np.sqrt(self.v[k] / (1 - b2 ** self.t)) + self.eps
    p.data = p.data - step_size * self.m[k] / denom
""",
    "BatchNorm1d.forward": """
if self.is_train:
    batch_mean = np.mean(x.data, axis=0)
    batch_var = np.var(x.data, axis=0)
    n = x.data.shape[0]
    mom = self.momentum
    self.running_mean.data = self.running_mean.data * (1 - mom) + batch_mean * mom
    self.running_var.data = self.running_var.data * (1 - mom) + batch_var * (n / (n - 1)) * mom
    return F.batch_norm(x, self.gamma, self.beta, batch_mean, batch_var, self.eps,
                        batch_statistics=True)
return F.batch_norm(x, self.gamma, self.beta, self.running_mean.data,
                    self.running_var.data, self.eps, batch_statistics=False)
""",
    "Sequential.forward": """
out = x
for i in range(len(self.layers)):
    out = self.layers[i].forward(out)
return out
""",
    "Function.apply": """
bw = BackwardFunction(cls)
links = []
any_grad = False
for value in args:
    if not isinstance(value, tensor.Tensor) or not value.requires_grad:
        links.append(None)
    elif value.is_leaf:
        links.append(AccumulateGrad(value))
        any_grad = True
    else:
        links.append(value.grad_fn)
        any_grad = True
bw.next_functions.extend(links)
out = cls.forward(bw.ctx, *args)
out.requires_grad = any_grad
out.is_leaf = not any_grad
out.grad_fn = bw if any_grad else None
return out
""",
    "backward": """
def topological(start):
    seen, result = set(), []
    def visit(fn):
        if fn is None or id(fn) in seen or not isinstance(fn, BackwardFunction):
            return
        seen.add(id(fn))
        for nxt in fn.next_functions:
            visit(nxt)
        result.append(fn)
    visit(start)
    return result[::-1]
if grad_fn is None:
    return
if isinstance(grad_fn, AccumulateGrad):
    grad_fn.apply(grad_of_outputs)
    return
incoming = {id(grad_fn): grad_of_outputs}
for fn in topological(grad_fn):
    if id(fn) not in incoming:
        continue
    outs = fn.apply(incoming.pop(id(fn)))
    for nxt, piece in zip(fn.next_functions, outs):
        if nxt is None or piece is None:
            continue
        if isinstance(nxt, AccumulateGrad):
            nxt.apply(piece)
        elif id(nxt) in incoming:
            incoming[id(nxt)] = incoming[id(nxt)] + piece
        else:
            incoming[id(nxt)] = piece
""",
    "Sub.forward": "ctx.shapes = (a.shape, b.shape)\nreturn tensor.Tensor(np.subtract(a.data, b.data))",
    "Sub.backward": "sa, sb = ctx.shapes\nreturn unbroadcast(grad_output, sa), unbroadcast(np.negative(grad_output), sb)",
    "Mul.forward": "ctx.save_for_backward(a, b)\nreturn tensor.Tensor(np.multiply(a.data, b.data))",
    "Mul.backward": "x, y = ctx.saved_tensors\nreturn (unbroadcast(np.multiply(grad_output, y.data), x.shape),\n        unbroadcast(np.multiply(grad_output, x.data), y.shape))",
    "ReLU.forward": "return F.relu(x)",
    "Linear.forward": "return F.linear(x, self.weight, self.bias)",
}


def _indent_of(line: str) -> str:
    return line[:len(line) - len(line.lstrip())]


def independent(work: Path) -> Path:
    """The handout, with INDEPENDENT's functions written in place of their stubs."""
    tree = work / "independent"
    shutil.copytree(HANDOUT, tree, ignore=shutil.ignore_patterns("__pycache__"))
    done = set()
    for path in sorted(tree.rglob("*.py")):
        lines = path.read_text().splitlines(keepends=True)
        for i, line in enumerate(lines):
            found = re.search(r'raise NotImplementedError\("([\w.]+) \(Part', line)
            if found and found.group(1) in INDEPENDENT:
                code = textwrap.dedent(INDEPENDENT[found.group(1)]).strip("\n")
                lines[i] = textwrap.indent(code, _indent_of(line)) + "\n"
                done.add(found.group(1))
        path.write_text("".join(lines))
    assert done == set(INDEPENDENT), set(INDEPENDENT) - done
    return tree


def _rename(source: str) -> str:
    for old, new in RENAMES.items():
        source = re.sub(rf"(?<![.\w]){old}\b",
                        new, source)
    return source


def _reformat(source: str) -> str:
    out = []
    for line in source.splitlines():
        if line.strip().startswith("#"):
            continue                                          # drop their comments
        out.append(line.replace(" = ", "  =  ").replace(", ", " , "))
        if line.rstrip().endswith(":") and not line.lstrip().startswith(("@", "class", "def")):
            out.append(_indent_of(line) + "    # step")       # add comments of their own
        if not line.strip():
            out.append("")                                    # double blank lines
    return "\n".join(out) + "\n"


def _reorder(source: str) -> str:
    """Top-level definitions (with their decorators) in reverse order, the rest first."""
    lines = source.splitlines(keepends=True)
    head, blocks, current = [], [], None
    for line in lines:
        starts = line.startswith(("def ", "class ", "@"))
        if starts and not (current and current[-1].startswith("@")):
            current = [line]
            blocks.append(current)
        elif current is not None and (line.startswith((" ", "\t", "\n")) or starts
                                       or line.startswith(")")):
            current.append(line)
        else:
            current = None
            head.append(line)
    return "".join(head) + "\n" + "\n".join("".join(b) for b in reversed(blocks))


def disguised_copy(work: Path) -> Path:
    tree = work / "copy"
    shutil.copytree(SOLUTION, tree, ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted(tree.rglob("*.py")):
        path.write_text(_reorder(_reformat(_rename(path.read_text()))))
    return tree
