"""Benchmark: Conv2d forward + backward, the reference MyTorch against torch.nn.Conv2d.

Two layers from small CNNs, each timed as one forward and one backward (gradients of the
input, the weight and the bias) with a random upstream gradient:
    (64, 3, 32, 32)  -> 16 filters 3x3, padding 1
    (64, 16, 16, 16) -> 32 filters 3x3, stride 2
Both compute in float32 (the default dtype of each library); one thread each.
Target: ratio MyTorch / PyTorch <= 1.5.

    python3 bench/conv2d.py            # 7 timed repetitions each, medians
    python3 bench/conv2d.py --quick    # a tiny smoke run (used by the kit's tests)
"""
from __future__ import annotations

import argparse

import common  # noqa: F401  (first: pins the thread counts)
import numpy as np
import torch

from mytorch import autograd_engine
from mytorch.nn.conv import Conv2d
from mytorch.tensor import Tensor

TARGET_RATIO = 1.5
CASES = [((64, 3, 32, 32), 16, 3, 1, 1), ((64, 16, 16, 16), 32, 3, 2, 0)]
QUICK_CASES = [((2, 3, 8, 8), 4, 3, 1, 1), ((2, 4, 8, 8), 4, 3, 2, 0)]


def mytorch_step(layer: Conv2d, x: np.ndarray, upstream: np.ndarray) -> None:
    layer.weight.grad = layer.bias.grad = None
    tx = Tensor(x, requires_grad=True)
    out = layer(tx)
    autograd_engine.backward(out.grad_fn, upstream)


def torch_step(layer: torch.nn.Conv2d, x: torch.Tensor, upstream: torch.Tensor) -> None:
    layer.zero_grad()
    tx = x.detach().requires_grad_()
    layer(tx).backward(upstream)


def check_agreement(mine: Conv2d, theirs: torch.nn.Conv2d, x: np.ndarray) -> float:
    """Largest difference between the two outputs (same weights): the layers do the same."""
    out = mine(Tensor(x)).data
    with torch.no_grad():
        expected = theirs(torch.from_numpy(x)).numpy()
    return float(np.abs(out - expected).max())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    cases, runs = (QUICK_CASES, 2) if args.quick else (CASES, args.runs)
    common.header("Conv2d forward + backward")
    rng = np.random.default_rng(0)
    ratios = []
    for shape, filters, kernel, stride, padding in cases:
        x = rng.normal(size=shape).astype(np.float32)
        mine = Conv2d(shape[1], filters, kernel, stride=stride, padding=padding)
        theirs = torch.nn.Conv2d(shape[1], filters, kernel, stride=stride, padding=padding)
        with torch.no_grad():
            theirs.weight.copy_(torch.from_numpy(mine.weight.data))
            theirs.bias.copy_(torch.from_numpy(mine.bias.data))
        out_shape = mine(Tensor(x)).shape
        upstream = rng.normal(size=out_shape).astype(np.float32)
        tx, tup = torch.from_numpy(x), torch.from_numpy(upstream)
        mytorch_step(mine, x, upstream)                 # warm-up, not timed
        torch_step(theirs, tx, tup)
        mine_t, theirs_t = common.Timings("MyTorch"), common.Timings("PyTorch")
        for _ in range(runs):
            mine_t.run(lambda: mytorch_step(mine, x, upstream))
            theirs_t.run(lambda: torch_step(theirs, tx, tup))
        title = (f"x {shape} -> {filters} filters {kernel}x{kernel}, stride {stride}, "
                 f"padding {padding}: output {out_shape}; max |difference| "
                 f"{check_agreement(mine, theirs, x):.1e}")
        ratios.append(common.report(title, mine_t, theirs_t, TARGET_RATIO))
    print("RESULT conv2d ratios=" + ",".join(f"{r:.3f}" for r in ratios))


if __name__ == "__main__":
    main()
