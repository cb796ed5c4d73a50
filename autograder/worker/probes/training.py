"""Probes that run the student's own training code: Part 3's mnist() and Part 5.8's toys."""
from __future__ import annotations


def mnist_training(seed: int, columns: int = 100, interactive: bool = True,
                   sampled: tuple = ()) -> dict:
    """Run the target's hw1/mnist.py ``mnist()`` on MNIST (see mnist_harness.py)."""
    from autograder.worker import mnist_harness
    return mnist_harness.run(seed, columns, interactive, sampled)


def toy_task(task: str, seed: int) -> dict:
    """Run the target's hw1/toys.py ``xor`` or ``moons`` (see toys_harness.py)."""
    from autograder.worker import toys_harness
    return toys_harness.run(task, seed)


PROBES = {"mnist_training": mnist_training, "toy_task": toy_task}
