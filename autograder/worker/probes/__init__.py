"""The probes: everything the grader may ask the student process to run.

Each probe builds MyTorch objects from plain numpy inputs, uses them as a PyTorch user would,
and returns plain data (arrays, numbers, flags); it imports the student's modules inside the
function, so a file that fails to import costs only the probes that need it. The modules
follow the families of checks; ``adapters`` alone knows how student designs differ.
``REGISTRY`` is the only way in (autograder/worker/main.py): a name not in it is refused.
"""
from __future__ import annotations

from typing import Callable, Dict

from autograder.worker.probes import (extension, graphs, layers, optimizers, persistence,
                                      training, viz)

REGISTRY: Dict[str, Callable[..., dict]] = {
    name: probe for module in (graphs, layers, optimizers, training, extension, persistence, viz)
    for name, probe in module.PROBES.items()}
