"""The grader's hidden cases (grading/): made by their seeded makers, stored byte for byte,
passed by the reference, and kept out of the student-facing package."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import c182lib
from c182lib.exercises import EXERCISES, load_hidden_cases

ROOT = Path(__file__).resolve().parents[1]
HIDDEN = ROOT / "grading" / "hidden"
GRADED = [exercise for exercise in EXERCISES.values() if exercise.kind in ("function", "class")]


def make_hidden_cases():
    spec = importlib.util.spec_from_file_location("make_hidden_cases",
                                                  ROOT / "grading" / "make_hidden_cases.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_stored_files_are_what_the_makers_make():
    module = make_hidden_cases()
    assert module.main(["--check"]) == 0
    assert {path.name for path in module.expected_files()} == {
        path.name for path in HIDDEN.glob("*.json")}


@pytest.mark.parametrize("exercise", GRADED, ids=lambda exercise: exercise.id)
def test_every_graded_exercise_has_hidden_cases_that_its_solution_passes(exercise):
    cases = load_hidden_cases(exercise.id, HIDDEN)
    public_ids = {case.id for case in exercise.public_cases()}
    ids = [case.id for case in cases]
    assert len(cases) >= 3 and len(set(ids)) == len(ids) and not public_ids & set(ids)
    assert all(case_id.startswith("h-") for case_id in ids)
    assert exercise.solution is not None
    verdict = exercise.check(exercise.solution, cases)
    assert verdict, verdict.text()


def test_no_hidden_case_is_inside_the_package():
    package = Path(c182lib.__file__).parent
    assert not any(package.rglob("*.json"))
    assert not any("hidden" in path.name for path in package.rglob("*"))
