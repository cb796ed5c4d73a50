"""Instructor tooling for the MyTorch kit: ``python -m kit --help``."""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solution"
HANDOUT = ROOT / "handout"
