"""The instructor's grader (c182lib.instructor.grade) on synthetic submissions.

The harness and the parsing of its report are tested in this process; everything else runs
real kernels through the sandbox, with short time limits, on small stamped notebooks built in
tmp_path (the real notebooks are tested in test_exercise_ids.py and test_autograder.py).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from _grade_helpers import (
    CORR1D_NO_PADDING,
    CORR1D_RIGHT,
    DIMS_1A_RIGHT,
    cell,
    corr1d_notebook,
    dims_notebook,
    full_points,
    notebook,
)

from c182lib.exercises import EXERCISES, load_hidden_cases
from c182lib.exercises.harness import MARKER, find_answer, run_exercise
from c182lib.exercises.harness import main as harness_main
from c182lib.instructor import grade
from c182lib.instructor.grade import Settings, grade_submissions, harness_source, read_outcomes

HIDDEN = Path(__file__).resolve().parents[1] / "grading" / "hidden"
FAST = Settings(timeout=20, cell_timeout=8, case_time_limit=2, jobs=2)
CORR1D_CASES = (len(EXERCISES["01-corr1d"].public_cases())
                + len(load_hidden_cases("01-corr1d", HIDDEN)))


def grade_one(path: Path, settings: Settings = FAST) -> grade.SubmissionResult:
    return grade_submissions([path], settings)[0]


# --------------------------------------------------------------------------------------------
# The harness and its report, in this process


def test_find_answer_reads_names_and_keys():
    namespace = {"answer_i": (28, 28, 1), "answers": {"iv": (32, 32)}}
    assert find_answer(namespace, "answer_i") == ((28, 28, 1), "")
    assert find_answer(namespace, "answers[iv]") == ((32, 32), "")
    assert find_answer(namespace, "answers['iv']") == ((32, 32), "")
    missing, problem = find_answer(namespace, "answer_ii")
    assert "answer_ii" in problem
    _, problem = find_answer(namespace, "answers[i]")
    assert "could not be read" in problem


def harness_report(namespace: dict, capsys, exercise_ids=("01-corr1d",)) -> dict:
    cases = {i: grade.cases_of(EXERCISES[i], HIDDEN) for i in exercise_ids}
    source = harness_source(cases, "tok", 2.0)
    request = json.loads(source.split("main(globals(), ", 1)[1].rstrip(")\n"))
    harness_main(namespace, request)
    outcomes, problem = read_outcomes(capsys.readouterr().out, "tok")
    assert problem == ""
    return outcomes


def test_harness_reports_one_outcome_per_case_and_missing_answers(capsys):
    namespace: dict = {}
    exec(CORR1D_RIGHT, namespace)
    outcomes = harness_report(namespace, capsys, ("01-corr1d", "02-dims-1a"))
    assert len(outcomes["01-corr1d"]) == CORR1D_CASES
    assert {o["status"] for o in outcomes["01-corr1d"].values()} == {"returned"}
    assert {o["status"] for o in outcomes["02-dims-1a"].values()} == {"missing"}


def test_harness_reports_a_huge_result_as_too_large():
    exercise = EXERCISES["01-corr1d"]
    namespace = {"my_corr1d": lambda x, w, stride=1, padding=0: np.zeros(10**6)}
    (outcome,) = run_exercise(exercise, exercise.public_cases()[:1], namespace, 2.0).values()
    assert outcome["status"] == "raised" and "too large" in outcome["error"]


def test_report_needs_the_token_exactly_once():
    line = f"{MARKER} tok {{}}"
    assert read_outcomes(f"noise\n{line}\n", "tok") == ({}, "")
    assert "no outcomes" in read_outcomes(f"{MARKER} forged {{}}", "tok")[1]
    assert "tampered" in read_outcomes(f"{line}\n{MARKER} tok {{\"x\": 1}}", "tok")[1]
    assert "could not be read" in read_outcomes(f"{MARKER} tok [1", "tok")[1]


# --------------------------------------------------------------------------------------------
# Scores


def test_right_answers_score_full_points_on_public_and_hidden_cases(tmp_path):
    folder = tmp_path / "alice"
    corr1d_notebook(folder / "01_cross_correlation_1d.ipynb")
    dims_notebook(folder / "renamed.ipynb")  # found by its stamps, not its name
    notebook(folder / "00_start_here.ipynb", cell("print('no exercises here')"))
    row = grade_one(folder)
    assert row.problems == []
    assert list(row.exercises) == [i for i in EXERCISES if i[:2] in ("01", "02")]
    assert row.score == row.max_score == full_points("01", "02")
    corr1d = row.exercises["01-corr1d"]
    assert len(corr1d.cases) == CORR1D_CASES and any(r.hidden for r in corr1d.cases)


def test_partly_wrong_answers_score_the_fraction_of_cases_passed(tmp_path):
    folder = tmp_path / "bob"
    corr1d_notebook(folder / "01.ipynb", CORR1D_NO_PADDING)
    dims_notebook(folder / "02.ipynb", {**DIMS_1A_RIGHT, "answer_i": "(26, 26, 1)"})
    row = grade_one(folder)
    corr1d = row.exercises["01-corr1d"]
    failed = [r for r in corr1d.cases if not r.verdict]
    assert 0 < corr1d.score < corr1d.max_score
    assert corr1d.score == pytest.approx(corr1d.max_score * (1 - len(failed) / CORR1D_CASES))
    assert "pad1" in {r.case.id for r in failed}
    dims = row.exercises["02-dims-1a"]
    assert [r.case.id for r in dims.cases if not r.verdict] == ["i"]
    assert dims.score == pytest.approx(dims.max_score * 4 / 5)
    feedback = corr1d.feedback()
    assert "first failing public case" in feedback
    hidden_ids = {r.case.id for r in corr1d.cases if r.hidden}
    assert not any(case_id in feedback for case_id in hidden_ids)


def test_a_deleted_stamp_is_graded_by_name_and_a_missing_answer_scores_zero(tmp_path):
    folder = tmp_path / "carol"
    notebook(folder / "01_cross_correlation_1d.ipynb", cell(CORR1D_RIGHT))  # stamp removed
    dims_notebook(folder / "02.ipynb", {"answer_i": "(28, 28, 1)"})  # parts left at None
    notebook(folder / "03_x.ipynb", cell("x = 1"))  # no stamp, no answer
    row = grade_one(folder)
    corr1d = row.exercises["01-corr1d"]
    assert corr1d.status == "graded" and "no cell is stamped" in corr1d.note
    assert corr1d.score == corr1d.max_score
    grade.write_csv([row], tmp_path / "grades.csv")
    with open(tmp_path / "grades.csv", encoding="utf-8") as file:
        problems = next(csv.DictReader(file))["problems"]
    assert "01-corr1d: no cell is stamped" in problems  # the CSV says what the table says
    assert row.max_score == full_points("01", "02", "03")
    matrix = row.exercises["03-conv-matrix-1d"]
    assert matrix.score == 0 and "not defined" in matrix.cases[0].verdict.summary
    assert row.exercises["03-why-matrix"].status == "not found"
    dims = row.exercises["02-dims-1a"]
    assert dims.score == pytest.approx(dims.max_score / 5)
    assert {r.verdict.status for r in dims.cases if not r.verdict} == {"TODO"}


def test_an_answer_that_is_the_library_function_scores_zero(tmp_path):
    row = grade_one(corr1d_notebook(tmp_path / "01.ipynb",
                                    "from c182lib.conv import corr1d\nmy_corr1d = corr1d"))
    corr1d = row.exercises["01-corr1d"]
    assert corr1d.status == "graded" and corr1d.score == 0
    assert "library's `corr1d`" in corr1d.cases[0].verdict.summary


def test_a_grading_cell_that_fails_says_why(tmp_path):
    shadow = "import sys\nsys.modules['c182lib.exercises.harness'] = None"
    row = grade_one(corr1d_notebook(tmp_path / "01.ipynb", CORR1D_RIGHT, shadow))
    corr1d = row.exercises["01-corr1d"]
    assert corr1d.status == "not run" and "grading cell raised" in corr1d.note


def test_an_answer_defined_nowhere_is_missing(tmp_path):
    row = grade_one(notebook(tmp_path / "x.ipynb", cell("pass", "01-corr1d")))
    corr1d = row.exercises["01-corr1d"]
    assert corr1d.score == 0
    assert "my_corr1d" in corr1d.cases[0].verdict.summary


# --------------------------------------------------------------------------------------------
# Bad submissions are rows


def test_bad_notebooks_are_rows_with_their_reason(tmp_path):
    broken = tmp_path / "01_broken.ipynb"
    broken.write_text("{not json", encoding="utf-8")
    empty = notebook(tmp_path / "empty.ipynb")
    nothing = notebook(tmp_path / "plain.ipynb", cell("x = 1"))
    rows = grade_submissions([broken, empty, nothing, tmp_path / "absent.ipynb"], FAST)
    assert "not a readable notebook" in rows[0].problems[0]
    assert rows[0].exercises["01-corr1d"].status == "not found"  # 01_: the maximum stays
    assert any("no cells" in problem for problem in rows[1].problems)
    assert "no exercises" in rows[2].problems[0]
    assert "no such file" in rows[3].problems[0]
    assert all(row.score == 0 for row in rows)


def test_hostile_notebooks_do_not_stop_the_run(tmp_path):
    endless_cell = corr1d_notebook(tmp_path / "loop.ipynb",
                                   CORR1D_RIGHT + "\nwhile True:\n    pass")
    unkillable = corr1d_notebook(tmp_path / "stubborn.ipynb", CORR1D_RIGHT, (
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"))
    exits = corr1d_notebook(tmp_path / "exit.ipynb", CORR1D_RIGHT, "import os; os._exit(3)")
    noisy = corr1d_notebook(tmp_path / "noisy.ipynb", CORR1D_RIGHT, (
        "print('x' * 20_000_000)\n"
        f"print('{MARKER} forged {{}}')\n"
        "open('big.bin', 'wb').write(b'0' * 200 * 2**20)"))  # beyond the file-size limit
    settings = Settings(timeout=12, cell_timeout=3, case_time_limit=2, harness_timeout=20,
                        jobs=2)
    rows = {Path(row.name).stem: row
            for row in grade_submissions([endless_cell, unkillable, exits, noisy], settings)}
    # an endless cell is interrupted; what it defined before still grades
    assert rows["loop"].score == rows["loop"].max_score
    assert rows["stubborn"].exercises["01-corr1d"].status == "not run"
    assert "did not finish" in rows["stubborn"].exercises["01-corr1d"].note
    assert rows["exit"].exercises["01-corr1d"].status == "not run"
    assert "kernel died" in rows["exit"].exercises["01-corr1d"].note
    assert rows["noisy"].score == rows["noisy"].max_score
    assert not (tmp_path / "big.bin").exists()  # it ran in a copy of the folder


def test_an_answer_that_hangs_times_out_per_case(tmp_path):
    hanging = "def my_corr1d(x, w, stride=1, padding=0):\n    while True:\n        pass\n"
    (tmp_path / "no-hidden").mkdir()
    settings = Settings(hidden=tmp_path / "no-hidden", timeout=20, cell_timeout=8,
                        case_time_limit=0.2, jobs=1)
    row = grade_one(corr1d_notebook(tmp_path / "01.ipynb", hanging), settings)
    corr1d = row.exercises["01-corr1d"]
    assert corr1d.score == 0 and corr1d.status == "graded"
    assert "did not finish" in corr1d.cases[0].verdict.summary
    assert not any(r.hidden for r in corr1d.cases)  # --hidden: a folder without the file


def test_student_output_cannot_forge_the_score(tmp_path):
    forged = {"01-corr1d": {case.id: {"status": "returned", "value": 0} for case in
                            EXERCISES["01-corr1d"].public_cases()}}
    printer = (f"import sys\nprint('{MARKER} ' + 'x' * 32 + ' {json.dumps(forged)}')\n"
               "def my_corr1d(x, w, stride=1, padding=0):\n"
               f"    print('{MARKER} guess {{}}')\n    return 0\n")
    row = grade_one(corr1d_notebook(tmp_path / "01.ipynb", printer))
    assert row.score == 0
    assert row.exercises["01-corr1d"].status == "graded"


# --------------------------------------------------------------------------------------------
# Outputs and the command line


def test_command_line_writes_table_csv_written_and_gradescope(tmp_path, capsys):
    alice = tmp_path / "alice"
    corr1d_notebook(alice / "01.ipynb")
    dims_notebook(alice / "02.ipynb")
    bob = corr1d_notebook(tmp_path / "bob" / "01.ipynb", CORR1D_NO_PADDING)
    status = grade.main([str(alice), str(bob.parent), "--csv", str(tmp_path / "s.csv"),
                         "--written", str(tmp_path / "w.json"), "--timeout", "20",
                         "--jobs", "2"])
    assert status == 0
    out = capsys.readouterr().out
    full = f"{full_points('01', '02'):g}"
    assert f"alice: {full} / {full}" in out and "01-corr1d" in out
    with open(tmp_path / "s.csv", newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [row["total"] for row in rows][0] == full and rows[0]["max"] == full
    assert rows[1]["02-dims-1a"] == "" and float(rows[1]["01-corr1d"]) < 4
    written = json.loads((tmp_path / "w.json").read_text(encoding="utf-8"))
    # alice's notebook 02 has no written answer: each is exported, empty, for the grader to see
    assert sorted(row["exercise"] for row in written) == sorted(
        i for i, e in EXERCISES.items() if e.notebook == "02" and e.kind == "written")
    assert {row["answer"] for row in written} == {""}

    results = tmp_path / "results" / "results.json"
    assert grade.main([str(bob), "--gradescope", str(results), "--timeout", "20"]) == 0
    data = json.loads(results.read_text(encoding="utf-8"))
    assert set(data) >= {"score", "execution_time", "tests"}
    test = data["tests"][0]
    assert set(test) == {"name", "score", "max_score", "output", "visibility"}
    assert test["max_score"] == 4 and 0 < test["score"] < 4 and data["score"] == test["score"]
    assert "hidden case" in test["output"]


def test_written_answers_are_exported_and_marked_manual(tmp_path, monkeypatch):
    from c182lib.exercises import Exercise

    written = Exercise(id="01-why-flip", title="Why flip?", kind="written",
                       answer_name="", points=2, question="Why is the kernel flipped?")
    monkeypatch.setitem(EXERCISES, written.id, written)
    path = notebook(tmp_path / "01.ipynb", cell(CORR1D_RIGHT, "01-corr1d"),
                    cell("Because **convolution** flips it.", "01-why-flip", kind="markdown"))
    row = grade_one(path)
    result = row.exercises["01-why-flip"]
    assert result.status == "manual" and result.max_score == 0
    assert "graded by hand (2 points)" in result.summary()
    grade.write_written([row], tmp_path / "w.csv")
    with open(tmp_path / "w.csv", newline="", encoding="utf-8") as file:
        (record,) = csv.DictReader(file)
    assert record["answer"] == "Because **convolution** flips it."
    assert record["question"] == written.question
    grade.write_csv([row], tmp_path / "s.csv")
    assert "manual" in (tmp_path / "s.csv").read_text(encoding="utf-8")
    assert grade.gradescope_results(row)["tests"][1]["max_score"] == 0
