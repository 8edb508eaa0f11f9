"""Helpers shared by the tests of the exercises (tests/test_exercises_*.py)."""

from __future__ import annotations

from pathlib import Path

from c182lib.exercises import load_hidden_cases

HIDDEN = Path(__file__).resolve().parents[1] / "grading" / "hidden"


def hidden_cases(exercise_id: str) -> list:
    """The grader's hidden cases of ``exercise_id`` (grading/hidden/)."""
    return load_hidden_cases(exercise_id, HIDDEN)


def stub(*args, **kwargs):
    """An exercise as the student edition ships it: the stub raises."""
    raise NotImplementedError


def verdict_of(exercise, student) -> tuple[str, str | None, str | None]:
    """``(status, case id, mistake name)`` of ``exercise``'s check of ``student``."""
    verdict = exercise.check(student)
    return verdict.status, verdict.case_id, verdict.mistake
