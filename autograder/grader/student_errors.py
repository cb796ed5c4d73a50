"""What went wrong in the student's code, as the student reads it (grader process).

The student process reports an exception raised by a probe as plain data: its type, message,
where in the student's files it was raised and, for a backward that returned a gradient of
the wrong shape, which backward that was (autograder/worker/blame.py). ``from_reply`` turns
that into a ``StudentCodeError`` whose message says what to fix.
"""
from __future__ import annotations

from typing import Dict

from autograder.grader.compare import GradingFailure
from autograder.grader.hints import HINTS, shape_mismatch


class StudentCodeError(GradingFailure):
    """The student's code raised, timed out, or crashed while a check ran.

    ``kind`` is the exception's type name, ``function`` and ``part`` say where in the
    student's files it was raised (when known): the report uses them to group stubs and to
    tell a check that fails in another part's function to wait for that part.
    """

    def __init__(self, message: str, kind: str = "", function: str = "", part: str = "",
                 where: str = "") -> None:
        super().__init__(message)
        self.kind, self.function, self.part, self.where = kind, function, part, where


def from_reply(error: dict, function_parts: Dict[str, str]) -> StudentCodeError:
    """The error the student process reported; ``function_parts`` gives a student function's
    part ("2.4"), to say which part to fix."""
    kind, message = error.get("type", "Error"), error.get("message", "")
    location = error.get("location")
    where, function, part, place = "", "", "", ""
    if location:
        function = location.get("function", "?")
        part = function_parts.get(function, "")
        place = f"{location['file']}:{location['line']}"
        where = f" in {function} ({place}" + (f", Part {part}" if part else "") + ")"
        if location.get("code"):
            where += f"\n    {location['code']}"
    blamed = error.get("wrong_shape")
    if blamed:
        return _wrong_shape(blamed, function_parts)
    module = error.get("module") or ""
    if not location and (module.split(".")[0] == "autograder" or kind == "NameError"):
        # Raised in the grader's own code, with no frame of the student's: a missing module
        # of the grader, or a name the grader's code misspells.
        from autograder.grader.student_exit import grader_fault      # it imports this module
        return grader_fault(f"The grader's own code failed ({kind}: {message}): a problem of "
                            "the grader, not of your code.")
    if kind == "NotImplementedError":
        text = f"Not implemented yet: NotImplementedError raised{where}."
    elif kind == "ImportError" or kind == "ModuleNotFoundError" or kind == "SyntaxError":
        text = f"Your code could not be imported: {kind}: {message}{where}"
    else:
        text = f"Your code raised {kind}: {message}{where}"
    if kind in HINTS:                                   # errors with a usual cause
        text += f"\nhint: {HINTS[kind]}"
    return StudentCodeError(text, kind=kind, function=function, part=part, where=place)


ENGINE_FUNCTION = "backward"          # autograd_engine.backward, as the rubric names it


def _wrong_shape(blamed: dict, function_parts: Dict[str, str]) -> StudentCodeError:
    """A backward returned a gradient whose shape is not its input's: name that backward
    (not the given AccumulateGrad that noticed) and say which way the shape is off."""
    function = blamed["function"]
    part = function_parts.get(function, "")
    place = f"{blamed['file']}:{blamed['line']}" if blamed.get("file") else ""
    where = ", ".join(item for item in (place, f"Part {part}" if part else "") if item)
    got, expected = tuple(blamed["grad_shape"]), tuple(blamed["input_shape"])
    if blamed.get("routed"):
        given, mine = blamed["routed"]
        node = blamed["node"]
        text = (f"{function}{f' ({where})' if where else ''} gave input {mine} of {node} the "
                f"gradient {node}.backward returned for its input {given} (shape {got}, for "
                f"an input of shape {expected}).\nhint: {HINTS['route_by_parent']}")
        return StudentCodeError(text, kind="ValueError", function=function, part=part,
                                where=place)
    if not part and ENGINE_FUNCTION in function_parts:
        # A Function given complete in the handout returns the right shapes: the engine
        # handed its gradient to another input.
        engine_part = function_parts[ENGINE_FUNCTION]
        text = (f"A gradient of shape {got} reached an input of shape {expected} from "
                f"{function}, which the handout gives complete: your engine "
                f"({ENGINE_FUNCTION}, Part {engine_part}) handed it to the wrong input.\n"
                f"hint: {HINTS['route_by_parent']}")
        return StudentCodeError(text, kind="ValueError", function=ENGINE_FUNCTION,
                                part=engine_part, where="")
    text = (f"{function}{f' ({where})' if where else ''} returned a gradient of shape "
            f"{got} for an input of shape {expected}: backward returns, for each input, a "
            f"gradient of that input's shape.\nhint: {shape_mismatch(got, expected)}")
    return StudentCodeError(text, kind="ValueError", function=function, part=part,
                            where=place)
