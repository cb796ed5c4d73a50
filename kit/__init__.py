"""Instructor tooling for the MyTorch kit: ``python -m kit --help``.

Subpackages by concern: ``release`` (handout and student bundle), ``intake`` (safe extraction
of a hand-in), ``isolation`` (slot uids, the mount-namespace sandbox,
temporary directories), ``batch`` (grading a folder of hand-ins), ``gradebook`` (the SQLite
gradebook and its exports), ``platforms`` (Gradescope and Autolab bundles) and ``quality``
(the mutant and variant catalogue). Repository paths are in ``kit.paths``.

This file imports nothing: the platform bundles ship it with the few kit modules that
``platform_run.py`` needs.
"""
