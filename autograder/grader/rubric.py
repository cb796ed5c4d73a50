"""The rubric (rubric.toml): parts, their checks and points, and part selection."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List

from autograder.common.compat import tomllib
from autograder.common.paths import RUBRIC_FILE


@dataclass(frozen=True)
class Part:
    number: str
    name: str
    title: str
    checks: Dict[str, float]
    functions: List[str] = field(default_factory=list)
    optional: List[str] = field(default_factory=list)     # functions a design may leave unwritten
    # check (or "*") -> the checks its tests run through: "name" (a whole part) or "name.check"
    needs: Dict[str, List[str]] = field(default_factory=dict)
    track: str = ""          # the optional track the part belongs to ([tracks]); "" = always on
    # checks of a convention PyTorch fixes but a correct design may choose otherwise (ReLU's
    # derivative at 0): charged there alone, never a prerequisite of another part's check
    conventions: List[str] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(self.checks.values())

    @property
    def label(self) -> str:
        return f"{self.number} {self.title}"

    def needs_of(self, check: str) -> List[str]:
        """What ``check`` runs through: "name" or "name.check" references (see rubric.toml)."""
        return self.needs.get("*", []) + self.needs.get(check, [])


class Rubric:
    def __init__(self, path: Path = RUBRIC_FILE) -> None:
        self.path = Path(path)
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
        # [tracks]: optional groups of parts, each switched on (true) or off (false).
        self.tracks: Dict[str, bool] = raw.get("tracks", {})
        # Every part of the file: what tests, markers, feedback and the handout know about.
        self.all_parts: List[Part] = [
            Part(p["number"], p["name"], p["title"], {k: float(v) for k, v in p["checks"].items()},
                 list(p.get("functions", [])), list(p.get("optional", [])),
                 {k: list(v) for k, v in p.get("needs", {}).items()}, p.get("track", ""),
                 list(p.get("conventions", [])))
                 for p in raw["part"]]
        unknown = sorted({p.track for p in self.all_parts if p.track} - set(self.tracks))
        if unknown:
            raise ValueError(f"rubric.toml: parts name tracks missing from [tracks]: {unknown}")
        # The counted parts: graded by default and summed into the total (tracks switched on).
        self.parts: List[Part] = [p for p in self.all_parts
                                  if not p.track or self.tracks[p.track]]
        self.selectors: Dict[str, List[str]] = raw.get("selectors", {})
        self.by_name = {p.name: p for p in self.all_parts}
        # Batch-grading settings ([policy] in rubric.toml), e.g. forbidden_import.
        self.policy: Dict[str, str] = raw.get("policy", {})
        # The student process's private file systems and output ([isolation]): tmp_mb, shm_mb,
        # handin_mb, output_kb.
        self.isolation: Dict[str, int] = raw.get("isolation", {})
        # The student process's limits per way of grading ([limits]; process_limits.py).
        self.limits: Dict[str, Dict[str, int]] = raw.get("limits", {})
        self.by_number = {p.number: p for p in self.all_parts}
        # The platform bundles' settings ([platforms]): hidden_visibility, time_weights.
        self.platforms: Dict[str, object] = raw.get("platforms", {})
        # Time limits ([time]): call, parts, grader (autograder/grader/budget.py reads them).
        self.time: Dict[str, object] = raw["time"]
        self._check_references(path)

    def _check_references(self, path: Path) -> None:
        """Every ``needs`` entry names a part or a check, every ``optional`` one a function."""
        known = set(self.by_name) | {f"{p.name}.{c}" for p in self.all_parts for c in p.checks}
        for p in self.all_parts:
            for check, needs in p.needs.items():
                unknown = [n for n in needs if n not in known]
                if (check != "*" and check not in p.checks) or unknown:
                    raise ValueError(f"{path}: part {p.number} needs {check!r} = {needs}: "
                                     "use the part's checks (or \"*\") as keys and \"name\" or "
                                     "\"name.check\" of other parts as values")
            if set(p.optional) - set(p.functions):
                raise ValueError(f"{path}: part {p.number}: optional functions must also be "
                                 "listed in its functions")
            if set(p.conventions) - set(p.checks):
                raise ValueError(f"{path}: part {p.number}: conventions must name its checks")

    @property
    def total(self) -> float:
        return sum(p.points for p in self.parts)

    def function_parts(self) -> Dict[str, str]:
        """'Sub.backward' -> '1.1', for telling a student which part an error belongs to."""
        return {function: p.number for p in self.all_parts for function in p.functions}

    def optional_functions(self) -> List[str]:
        """The functions a correct design may leave as the handout's stub (fused Functions)."""
        return [function for p in self.all_parts for function in p.optional]

    def group(self, key: str) -> List[Part]:
        """The parts of the group ``key`` of [selectors] (numbers or patterns such as "2.*")."""
        patterns = self.selectors[key]
        return [p for p in self.all_parts if any(fnmatch.fnmatchcase(p.number, pattern)
                                                 for pattern in patterns)]

    def select(self, selectors: List[str]) -> List[Part]:
        """Parts named by numbers ('1.1'), names ('linear'), groups ('1') or prefixes ('batch').

        No selector means the counted parts. A part of a track that is switched off is graded
        only when a selector names it (or its group). Raises ValueError with the accepted names when a selector matches nothing.
        """
        if not selectors:
            return list(self.parts)
        chosen: List[Part] = []
        for selector in selectors:
            key = selector.strip().lower()
            if key in self.selectors:
                found = self.group(key)
            elif key in self.by_number:
                found = [self.by_number[key]]
            elif key in self.by_name:
                found = [self.by_name[key]]
            else:
                found = [p for p in self.all_parts if p.name.startswith(key)]
                if len(found) > 1:
                    raise ValueError(f"'{selector}' matches several parts "
                                     f"({', '.join(p.name for p in found)}); be more specific.")
            if not found:
                raise ValueError(f"unknown part '{selector}'. Use a number ("
                                 + ", ".join(p.number for p in self.all_parts) + "), a name ("
                                 + ", ".join(p.name for p in self.all_parts) + ") or a group ("
                                 + ", ".join(self.selectors) + ").")
            chosen.extend(p for p in found if p not in chosen)
        return [p for p in self.all_parts if p in chosen]
