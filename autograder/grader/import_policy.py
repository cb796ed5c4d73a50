"""What a forbidden import costs: the static scan (import_scan.py) judged by the rubric's policy.

``[policy] forbidden_import`` in rubric.toml decides, for every path alike (``./grade.sh``,
Gradescope and Autolab through ``python -m autograder``, and a batch through
kit/batch/submission.py):

- ``"submission"``: every part scores 0;
- ``"parts"``: the parts whose functions are defined in an offending file score 0.

An import is charged when it is found, whether or not the code ever runs it: the worker blocks
these imports at run time as well, so a used one fails its checks anyway.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from autograder.common.policy import FORBIDDEN_MODULES
from autograder.grader.functions import functions_in_file
from autograder.grader.import_scan import Finding, forbidden_imports
from autograder.grader.rubric import Part, Rubric

POLICIES = ("submission", "parts")
DEFAULT_POLICY = "submission"
SHOWN_FINDINGS = 5                 # findings quoted in a verdict; the count says if there are more


@dataclass(frozen=True)
class ImportVerdict:
    findings: List[Finding] = field(default_factory=list)
    forfeited: Dict[str, str] = field(default_factory=dict)   # part number -> why it scores 0

    @property
    def summary(self) -> str:
        """"forbidden import: hw1/mnist.py:3 imports torch; ..." ("" when nothing was found)."""
        if not self.findings:
            return ""
        shown = "; ".join(map(str, self.findings[:SHOWN_FINDINGS]))
        more = len(self.findings) - SHOWN_FINDINGS
        return "forbidden import: " + shown + (f" (and {more} more)" if more > 0 else "")


def policy_of(rubric: Rubric) -> str:
    """The rubric's forbidden_import policy, checked."""
    policy = rubric.policy.get("forbidden_import", DEFAULT_POLICY)
    if policy not in POLICIES:
        raise ValueError(f"rubric.toml [policy] forbidden_import = {policy!r}: use one of "
                         + ", ".join(map(repr, POLICIES)))
    return policy


def judge(target: Path, parts: List[Part], rubric: Rubric) -> ImportVerdict:
    """Scan ``target`` (holding mytorch/ and hw1/) and say which of ``parts`` score 0, and why."""
    policy = policy_of(rubric)
    findings = forbidden_imports(target, FORBIDDEN_MODULES)
    if not findings:
        return ImportVerdict()
    reason = ImportVerdict(findings).summary + " (numpy and the standard library only)"
    if policy == "submission":
        return ImportVerdict(findings, {p.number: reason for p in parts})
    offending = set()
    for finding in findings:
        offending.update(functions_in_file(target / finding.file))
    return ImportVerdict(findings, {p.number: reason for p in parts
                                    if offending & set(p.functions)})
