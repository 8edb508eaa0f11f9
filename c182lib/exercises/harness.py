"""The grader's last cell: run the exercises' cases on the answers in a student's kernel.

The instructor's grader (`c182lib.instructor.grade`) appends one cell to a submitted notebook::

    import c182lib.exercises.harness
    c182lib.exercises.harness.main(globals(), '<request as JSON>')

and runs the notebook in a fresh kernel. The request names the exercises, their public and
hidden cases (`Case.to_json`), a random token and the time limit per case. For each exercise
this module finds the answer in the kernel's namespace, runs each case with `Exercise.run` and
prints ONE line::

    C182-OUTCOMES <token> {"01-corr1d": {"plain": <Outcome.to_json()>, ...}, ...}

It judges nothing: the grader reads that line and judges each outcome in its own process, with
its own references. An answer that cannot be found is an ``Outcome("missing", ...)``; an outcome
too large to report is an ``Outcome("raised", ...)`` saying so.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping

from c182lib.exercises import EXERCISES, Case, Exercise, Outcome

MARKER = "C182-OUTCOMES"
MAX_OUTCOME_CHARS = 2_000_000  # one case's outcome as JSON; no right answer here comes close
_MISSING = object()


def find_answer(namespace: Mapping, name: str):
    """``namespace[name]``, where ``"name[key]"`` means ``namespace["name"]["key"]``; a value
    `_MISSING` and a message when there is none."""
    base, _, key = name.partition("[")
    if base not in namespace:
        return _MISSING, f"`{base}` is not defined"
    answer = namespace[base]
    if not key:
        return answer, ""
    key = key.rstrip("]").strip("'\"")
    try:
        return answer[key], ""
    except Exception as err:  # the student's object: anything may go wrong
        return _MISSING, f"`{name}` could not be read ({type(err).__name__})"


def run_exercise(exercise: Exercise, cases: list[Case], namespace: Mapping,
                 time_limit: float) -> dict[str, dict]:
    """Each case's id -> the outcome (as JSON data) of the answer found in ``namespace``."""
    outcomes = {}
    for case in cases:
        name = case.answer_name if exercise.kind == "value" else exercise.answer_name
        answer, problem = find_answer(namespace, name)
        if answer is _MISSING:
            outcome = Outcome("missing", error=problem, time_limit=time_limit)
        else:
            outcome = exercise.run(answer, case, time_limit)
        outcomes[case.id] = _reportable(outcome)
    return outcomes


def _reportable(outcome: Outcome) -> dict:
    """``outcome.to_json()``, or a failing outcome when that is too large or cannot be made."""
    try:
        data = outcome.to_json()
        size = len(json.dumps(data))
    except Exception as err:  # MemoryError under the grader's limit, a value JSON refuses
        return Outcome("raised", error=f"the result could not be reported ({type(err).__name__})",
                       time_limit=outcome.time_limit).to_json()
    if size > MAX_OUTCOME_CHARS:
        return Outcome("raised", error=f"the result is too large to grade ({size} characters "
                       "as JSON)", time_limit=outcome.time_limit).to_json()
    return data


def main(namespace: Mapping, request: str) -> None:
    """Run the request's cases on the answers in ``namespace`` and print the outcomes line.

    ``request`` is JSON: ``{"token": str, "time_limit": float, "exercises": {id: [case, ...]}}``.
    """
    data = json.loads(request)
    time_limit = float(data["time_limit"])
    results = {}
    for exercise_id, cases in data["exercises"].items():
        exercise = EXERCISES[exercise_id]
        results[exercise_id] = run_exercise(exercise, [Case.from_json(c) for c in cases],
                                            namespace, time_limit)
    sys.stdout.write(f"\n{MARKER} {data['token']} {json.dumps(results)}\n")
    sys.stdout.flush()
