"""Self-checks for the workbook's exercises: run one after writing an answer.

Each notebook imports the check of its exercise and calls it on the student's answer::

    from c182lib.checks import check_corr1d

    check_corr1d(my_corr1d)

A check prints one verdict and returns a `CheckResult`, true only for ``PASS``:

- ``PASS``: every case matches the reference implementation in c182lib.
- ``FAIL``: the first case that does not match and what differs (the shape, the entries with
  their indices, which gradient, an argument the answer wrote into, a case that did not finish
  in time), often with a ``hint:``. The first hint says where and what kind of slip; running
  the check again with the same mistake, or passing ``hint=2``, gives a more specific one.
- ``TODO``: not done yet (the stub still raises ``NotImplementedError``, or a value is None).

A check never raises on a student's answer, so a notebook whose exercises are not done yet
still runs from top to bottom. A value exercise with several parts is checked one part at a
time, ``check_dims_1a("i", answer_i)``, or all at once from a dict of the parts' answers.

Every check is one exercise of `c182lib.exercises`, run by its engine; the grader runs the
same exercises on a submitted notebook.
"""

from __future__ import annotations

from collections.abc import Callable

from c182lib.exercises import EXERCISES, Exercise, Verdict

# exercise id -> (case id, mistake name, tier) of its last failure in this kernel: the same
# failure again gets the next tier of hint
_last_failure: dict[str, tuple[str | None, str | None, int]] = {}


class CheckResult:
    """What a check returns: true only for ``PASS`` (``if check_corr1d(f): ...``).

    It equals the bool it stands for, and a notebook shows nothing for it: the verdict is
    already printed, and a plain ``True``/``False`` as the value of the cell's last line would
    appear under it as if it were part of the verdict.
    """

    __slots__ = ("passed",)

    def __init__(self, passed: bool) -> None:
        self.passed = bool(passed)

    def __bool__(self) -> bool:
        return self.passed

    def __eq__(self, other) -> bool:
        if isinstance(other, (bool, CheckResult)):
            return self.passed == bool(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.passed)

    def __repr__(self) -> str:
        return repr(self.passed)

    def _ipython_display_(self) -> None:
        """IPython calls this instead of showing the repr: show nothing."""


def run_check(exercise: Exercise, answer, part: str | None = None, *,
              hint: int | None = None) -> CheckResult:
    """Check ``answer`` to ``exercise`` (one ``part`` of a value exercise, or all of them),
    print the verdict and return whether it is ``PASS`` (a `CheckResult`).

    ``hint`` picks the tier of the hint; by default it is 1, and one more each time the same
    case fails with the same mistake in a row.

    Raises
    ------
    ValueError
        If ``part`` is not one of the exercise's parts (a mistake in the notebook's call, not in
        the answer).
    """
    cases = exercise.public_cases()
    if part is not None:
        chosen = [case for case in cases if case.id == part]
        if not chosen:
            raise ValueError(f"part must be one of {', '.join(repr(c.id) for c in cases)}; "
                             f"got {part!r}")
        return CheckResult(_report(exercise, exercise.check(answer, chosen), hint))
    if exercise.kind == "value" and isinstance(answer, dict):
        results = []
        for case in cases:  # every part, so the student sees all of them at once
            if case.id not in answer:
                print(f"TODO {exercise.title} {case.id}: missing from the answers")
                results.append(False)
                continue
            results.append(_report(exercise, exercise.check(answer[case.id], [case]), hint))
        return CheckResult(all(results))
    return CheckResult(_report(exercise, exercise.check(answer, cases), hint))


def _report(exercise: Exercise, verdict: Verdict, hint: int | None) -> bool:
    key = f"{exercise.id}/{verdict.case_id}" if exercise.kind == "value" else exercise.id
    if verdict.status != "FAIL":
        _last_failure.pop(key, None)
        print(verdict.text())
        return bool(verdict)
    case_id, mistake, tier = _last_failure.get(key, (None, None, 0))
    if hint is None:
        hint = tier + 1 if (case_id, mistake) == (verdict.case_id, verdict.mistake) else 1
    _last_failure[key] = (verdict.case_id, verdict.mistake, hint)
    print(verdict.text(hint))
    return False


def _check_for(exercise: Exercise) -> Callable[..., CheckResult]:
    parts = exercise.kind == "value" and len(exercise.public_cases()) > 1
    if parts:
        def check(part_or_answers, answer=None, *, hint: int | None = None) -> CheckResult:
            if isinstance(part_or_answers, dict) and answer is None:
                return run_check(exercise, part_or_answers, hint=hint)
            return run_check(exercise, answer, part_or_answers, hint=hint)
        usage = (f"``check_{name_of(exercise)}(part, answer)`` checks one part, "
                 f"``check_{name_of(exercise)}(answers)`` a dict of every part's answer")
    else:
        def check(answer, *, hint: int | None = None) -> CheckResult:
            return run_check(exercise, answer, hint=hint)
        usage = f"``check_{name_of(exercise)}({exercise.answer_name})``"
    check.__name__ = check.__qualname__ = f"check_{name_of(exercise)}"
    check.__doc__ = (f"Check {exercise.title} (exercise {exercise.id!r}): {usage}.\n\n"
                     f"Prints PASS, FAIL (where and what differs, and a hint) or TODO, and "
                     f"returns a CheckResult, true only for PASS; never raises on the answer. "
                     f"``hint=2`` asks for the second, more specific, tier of hint.")
    return check


def name_of(exercise: Exercise) -> str:
    """``"01-corr1d"`` -> ``"corr1d"``: the check is ``check_corr1d``."""
    return exercise.id.split("-", 1)[1].replace("-", "_")


_CHECKS = {f"check_{name_of(exercise)}": _check_for(exercise)
           for exercise in EXERCISES.values() if exercise.kind != "written"}
globals().update(_CHECKS)

__all__ = ["CheckResult", "run_check", *_CHECKS]
