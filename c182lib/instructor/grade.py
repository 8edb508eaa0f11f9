"""Grade submitted notebooks: score every exercise on its public and hidden cases.

    python -m c182lib.grade SUBMISSION... [--csv FILE] [--gradescope FILE] [--written FILE]
                            [--timeout S] [--jobs N] [--hidden DIR]

A SUBMISSION is one notebook or a folder of one student's notebooks. How it works:

1. This process reads each notebook as data (it never runs student code) and finds its
   exercises by the stamp ``cell.metadata["c182"]["exercise"]`` (not by file name or cell
   index). The exercises expected of a submission are ALL the exercises of every notebook
   number it contains (a number read from the stamps, or from an ``NN_`` file-name prefix), so
   deleting an exercise does not lower the maximum. An auto-graded exercise whose stamp is gone
   is still graded by its answer's name in a notebook of its number (0 if the name is not
   defined there); a written one is "not found", 0.
2. Each notebook with exercises to run goes to `c182lib.instructor.sandbox`: a child process
   runs it in a fresh kernel with time, memory and file-size limits, then one more cell, the
   harness (`c182lib.exercises.harness`), runs each exercise's public and hidden cases on the
   answers in the kernel and prints their outcomes after a random token.
3. This process reads that one line, decodes each `Outcome` and judges it with the exercise's
   own reference (`Exercise.judge`). The score is computed here only: an exercise scores
   ``points * passed / cases``. Nothing else the notebook writes or prints is read.

Written (markdown) answers are not auto-scored: ``--written`` exports their text for grading by
hand, and every output marks them "manual". A bad submission (not JSON, no cells, no exercises,
an endless loop, a dead kernel) is a row with its reason; the exit status is 0 when every
submission given was graded, even badly.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import secrets
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

import c182lib
from c182lib.exercises import EXERCISES, FAIL, Case, Exercise, Outcome, Verdict, load_hidden_cases
from c182lib.exercises._engine import DEFAULT_TIME_LIMIT
from c182lib.exercises.harness import MARKER
from c182lib.instructor.sandbox import SandboxResult, run_notebook

DEFAULT_HIDDEN = Path(c182lib.__file__).resolve().parents[1] / "grading" / "hidden"
MAX_NOTEBOOK_BYTES = 100 * 2**20
_PREFIX = re.compile(r"^(\d\d)_")


# --------------------------------------------------------------------------------------------
# Results


@dataclass
class CaseResult:
    case: Case
    hidden: bool
    verdict: Verdict


@dataclass
class ExerciseResult:
    """One exercise of one submission: its score and the verdict on each case.

    ``status``: ``"graded"``, ``"not found"`` (no stamp), ``"manual"`` (a written answer) or
    ``"not run"`` (the notebook could not be run: ``note`` says why).
    """

    exercise: Exercise
    status: str
    cases: list[CaseResult] = field(default_factory=list)
    note: str = ""
    written: list[tuple[str, str]] = field(default_factory=list)  # (question part, text)

    @property
    def max_score(self) -> float:
        return 0.0 if self.exercise.kind == "written" else float(self.exercise.points)

    @property
    def score(self) -> float:
        if self.status != "graded" or not self.cases:
            return 0.0
        passed = sum(bool(result.verdict) for result in self.cases)
        return round(self.max_score * passed / len(self.cases), 4)

    def summary(self) -> str:
        """One line: the cases passed, or why nothing was scored."""
        if self.status == "manual":
            return f"graded by hand ({self.exercise.points:g} points)"
        if self.status != "graded":
            return f"{self.status}{': ' + self.note if self.note else ''}"
        parts = []
        for hidden in (False, True):
            results = [r for r in self.cases if r.hidden == hidden]
            if results:
                passed = sum(bool(r.verdict) for r in results)
                parts.append(f"{'hidden' if hidden else 'public'} {passed}/{len(results)}")
        return ", ".join(parts) + (f" ({self.note})" if self.note else "")

    def feedback(self) -> str:
        """What a student may see: the cases passed, the first failing public case's verdict,
        and of the hidden cases only how many failed."""
        lines = [self.summary()]
        public_failures = [r for r in self.cases if not r.hidden and not r.verdict]
        if public_failures:
            first = public_failures[0]
            others = [r.case.id for r in public_failures[1:]]
            lines.append(f"first failing public case '{first.case.id}':")
            lines.append(first.verdict.text(1))
            if others:
                lines.append(f"other failing public cases: {', '.join(others)}")
        hidden_failures = sum(1 for r in self.cases if r.hidden and not r.verdict)
        if hidden_failures:
            lines.append(f"{hidden_failures} hidden case{'s' if hidden_failures > 1 else ''} "
                         "failed (hidden cases are not shown)")
        return "\n".join(lines)


@dataclass
class SubmissionResult:
    """One submission: a row of the table and of the CSV."""

    name: str
    exercises: dict[str, ExerciseResult] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def score(self) -> float:
        return round(sum(result.score for result in self.exercises.values()), 4)

    @property
    def max_score(self) -> float:
        return sum(result.max_score for result in self.exercises.values())


# --------------------------------------------------------------------------------------------
# Reading submissions (as data)


@dataclass
class NotebookPlan:
    """What one notebook of a submission holds: its stamps, and what to run."""

    path: Path
    numbers: set[str] = field(default_factory=set)
    stamps: dict[str, list[int]] = field(default_factory=dict)  # exercise id -> cell indices
    nb: nbformat.NotebookNode | None = None
    problem: str = ""


def read_plan(path: Path) -> NotebookPlan:
    """Read ``path`` as a notebook and find its stamps; a problem instead of raising."""
    plan = NotebookPlan(path)
    prefix = _PREFIX.match(path.name)
    if prefix:
        plan.numbers.add(prefix.group(1))
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            plan.problem = f"too large to grade ({path.stat().st_size} bytes)"
            return plan
        plan.nb = nbformat.read(path, as_version=4)
        cells = plan.nb.cells
    except Exception as err:  # not JSON, not a notebook, unreadable
        plan.problem = f"not a readable notebook ({type(err).__name__}: {str(err)[:200]})"
        plan.nb = None
        return plan
    if not cells:
        plan.problem = "the notebook has no cells"
    for index, cell in enumerate(cells):
        stamp = cell.get("metadata", {}).get("c182", {})
        exercise_id = stamp.get("exercise") if isinstance(stamp, dict) else None
        if isinstance(exercise_id, str) and exercise_id in EXERCISES:
            plan.stamps.setdefault(exercise_id, []).append(index)
            plan.numbers.add(exercise_id[:2])
    return plan


def notebooks_of(submission: Path) -> list[Path]:
    """The notebooks of a submission: the file itself, or the folder's (checkpoints aside)."""
    if submission.is_dir():
        return sorted(path for path in submission.rglob("*.ipynb")
                      if ".ipynb_checkpoints" not in path.parts and path.is_file())
    return [submission]


def expected_exercises(numbers: set[str]) -> list[Exercise]:
    return [exercise for exercise in EXERCISES.values() if exercise.notebook in numbers]


# --------------------------------------------------------------------------------------------
# Running and judging


@dataclass
class Settings:
    hidden: Path = DEFAULT_HIDDEN
    timeout: float = 300.0
    cell_timeout: float = 60.0
    case_time_limit: float = DEFAULT_TIME_LIMIT
    memory_mb: int | None = 6144
    harness_timeout: float | None = None  # None: the cases' time limits + 30 s
    jobs: int = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
        os.cpu_count() or 1)  # the cores this process may use (a container's, not the host's)


def cases_of(exercise: Exercise, hidden_folder: Path) -> list[tuple[Case, bool]]:
    """The public cases, then the hidden ones (none where the exercise has no file)."""
    try:
        hidden = load_hidden_cases(exercise.id, hidden_folder)
    except FileNotFoundError:
        hidden = []
    return [(case, False) for case in exercise.public_cases()] + [(case, True) for case in hidden]


def harness_source(exercises: dict[str, list[tuple[Case, bool]]], token: str,
                   time_limit: float) -> str:
    """The cell the sandbox runs after the notebook's own cells."""
    request = {"token": token, "time_limit": time_limit,
               "exercises": {exercise_id: [case.to_json() for case, _ in cases]
                             for exercise_id, cases in exercises.items()}}
    return ("import c182lib.exercises.harness\n"
            f"c182lib.exercises.harness.main(globals(), {json.dumps(json.dumps(request))})\n")


def read_outcomes(text: str, token: str) -> tuple[dict, str]:
    """The outcomes the harness printed after ``token`` in ``text``; a problem when there is
    not exactly one such line or it is not JSON."""
    start = f"{MARKER} {token} "
    lines = {line for line in text.splitlines() if line.startswith(start)}
    if len(lines) != 1:
        return {}, ("the grading cell reported no outcomes" if not lines
                    else "the grading cell's report was tampered with")
    try:
        data = json.loads(lines.pop()[len(start):])
        if not isinstance(data, dict):
            raise ValueError("not an object")
        return data, ""
    except ValueError as err:
        return {}, f"the grading cell's report could not be read ({err})"


def judge_all(exercise: Exercise, cases: list[tuple[Case, bool]], outcomes: dict,
              fallback: str) -> list[CaseResult]:
    """Judge each case's outcome (``fallback`` explains an outcome that is missing)."""
    results, passed = [], []
    for case, hidden in cases:
        data = outcomes.get(case.id) if isinstance(outcomes, dict) else None
        outcome = (Outcome.from_json(data) if isinstance(data, dict)
                   else Outcome("missing", error=fallback or "no outcome reported"))
        try:
            verdict = exercise.judge(case, outcome, passed)
        except Exception as err:  # a value the comparison cannot handle is a failure
            verdict = Verdict(FAIL, f"{FAIL} {exercise.title}: the result could not be "
                              f"compared ({type(err).__name__})", case_id=case.id)
        if verdict:
            passed.append(case)
        results.append(CaseResult(case, hidden, verdict))
    return results


def grade_notebook(plan: NotebookPlan, exercise_ids: list[str],
                   settings: Settings) -> dict[str, ExerciseResult]:
    """Run ``plan``'s notebook with the harness for ``exercise_ids`` and judge the outcomes."""
    exercises = {i: cases_of(EXERCISES[i], settings.hidden) for i in exercise_ids}
    token = secrets.token_hex(16)
    case_count = sum(len(cases) for cases in exercises.values())
    result: SandboxResult = run_notebook(
        plan.path, harness_source(exercises, token, settings.case_time_limit),
        timeout=settings.timeout, cell_timeout=min(settings.cell_timeout, settings.timeout),
        harness_timeout=(settings.harness_timeout if settings.harness_timeout is not None
                         else case_count * settings.case_time_limit + 30),
        memory_mb=settings.memory_mb)
    outcomes, problem = read_outcomes(result.harness_output, token)
    if problem and (result.status != "completed" or result.detail):
        problem = result.detail or result.status
    graded = {}
    for exercise_id, cases in exercises.items():
        exercise = EXERCISES[exercise_id]
        if not outcomes:
            graded[exercise_id] = ExerciseResult(exercise, "not run", note=problem)
            continue
        graded[exercise_id] = ExerciseResult(
            exercise, "graded", judge_all(exercise, cases, outcomes.get(exercise_id, {}),
                                          "no outcome reported"),
            note="" if result.status == "completed" else result.detail)
    return graded


def written_answers(plan: NotebookPlan, exercise: Exercise) -> list[tuple[str, str]]:
    """The text of each cell stamped with a written exercise: (part, markdown)."""
    answers = []
    for index in plan.stamps.get(exercise.id, []):
        cell = plan.nb.cells[index]
        part = cell.metadata["c182"].get("part", "")
        answers.append((str(part), cell.source if isinstance(cell.source, str)
                        else "".join(cell.source)))
    return answers


def grade_submissions(submissions: list[Path], settings: Settings) -> list[SubmissionResult]:
    """Grade each submission; never raises for anything a submission holds."""
    rows: list[SubmissionResult] = []
    work: list[tuple[SubmissionResult, NotebookPlan, list[str]]] = []
    for submission in submissions:
        row = SubmissionResult(str(submission))
        rows.append(row)
        if not submission.exists():
            row.problems.append("no such file or folder")
            continue
        plans = [read_plan(path) for path in notebooks_of(submission)]
        if not plans:
            row.problems.append("no notebook found")
        numbers = set().union(*(plan.numbers for plan in plans)) if plans else set()
        for plan in plans:  # in a folder, a readable notebook without exercises is skipped
            if plan.problem and (not submission.is_dir() or plan.nb is None
                                 or expected_exercises(plan.numbers)):
                row.problems.append(f"{plan.path.name}: {plan.problem}")
        if plans and not expected_exercises(numbers) and not row.problems:
            row.problems.append("no exercises found (no stamped cell, no NN_ file name)")
        graded_in: dict[str, NotebookPlan] = {}
        for plan in plans:
            for exercise_id in plan.stamps:
                if exercise_id in graded_in:
                    row.problems.append(f"{exercise_id} is also in {plan.path.name}: graded in "
                                        f"{graded_in[exercise_id].path.name} only")
                else:
                    graded_in[exercise_id] = plan
        for exercise in expected_exercises(numbers):
            plan = graded_in.get(exercise.id)
            if plan is None and exercise.kind != "written":
                # A deleted stamp: the answer may still be defined, so grade it by its name.
                plan = next((p for p in plans if p.nb is not None
                             and exercise.notebook in p.numbers), None)
                if plan is not None:
                    graded_in[exercise.id] = plan
            if plan is None:
                row.exercises[exercise.id] = ExerciseResult(
                    exercise, "not found", note="no cell is stamped with this exercise")
            elif exercise.kind == "written":
                row.exercises[exercise.id] = ExerciseResult(exercise, "manual",
                                                            written=written_answers(plan,
                                                                                    exercise))
        for plan in plans:
            to_run = [i for i, p in graded_in.items() if p is plan
                      and EXERCISES[i].kind != "written"]
            if to_run:
                work.append((row, plan, to_run))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, settings.jobs)) as pool:
        futures = [(row, plan, pool.submit(grade_notebook, plan, ids, settings))
                   for row, plan, ids in work]
        for row, plan, future in futures:
            for exercise_id, result in future.result().items():
                if exercise_id not in plan.stamps:  # found by its answer's name
                    result.note = "; ".join(filter(None, [
                        "no cell is stamped with it: graded by its answer's name",
                        result.note]))
                row.exercises[exercise_id] = result
    for row in rows:  # in the order of EXERCISES, not of completion
        row.exercises = {i: row.exercises[i] for i in EXERCISES if i in row.exercises}
        row.seconds = time.perf_counter() - start
    return rows


# --------------------------------------------------------------------------------------------
# Outputs


def table(rows: list[SubmissionResult]) -> str:
    """The readable report: per submission, its total and one line per exercise."""
    lines = []
    for row in rows:
        by_hand = sum(r.exercise.points for r in row.exercises.values() if r.status == "manual")
        lines.append(f"{row.name}: {row.score:g} / {row.max_score:g}"
                     + (f" (and {by_hand:g} points graded by hand)" if by_hand else ""))
        for problem in row.problems:
            lines.append(f"  ! {problem}")
        width = max((len(i) for i in row.exercises), default=0)
        for exercise_id, result in row.exercises.items():
            score = ("manual" if result.status == "manual"
                     else f"{result.score:.4g}/{result.max_score:g}")
            lines.append(f"  {exercise_id:<{width}}  {score:>10}  {result.summary()}")
    return "\n".join(lines)


def write_csv(rows: list[SubmissionResult], path: Path) -> None:
    """One row per submission, one column per exercise (its score, or "manual"), the total,
    the maximum, and the problems (the submission's, then each exercise's note)."""
    columns = [i for i in EXERCISES if any(i in row.exercises for row in rows)]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["submission", *columns, "total", "max", "problems"])
        for row in rows:
            cells = []
            for exercise_id in columns:
                result = row.exercises.get(exercise_id)
                cells.append("" if result is None else "manual" if result.status == "manual"
                             else f"{result.score:g}")
            notes = [f"{i}: {r.note}" for i, r in row.exercises.items()
                     if r.note and r.status in ("graded", "not run")]
            writer.writerow([row.name, *cells, f"{row.score:g}", f"{row.max_score:g}",
                             "; ".join(row.problems + notes)])


def write_written(rows: list[SubmissionResult], path: Path) -> None:
    """The written answers, for grading by hand: JSON if ``path`` ends in .json, else CSV."""
    records = [{"submission": row.name, "exercise": result.exercise.id,
                "question": result.exercise.question, "part": part, "points":
                result.exercise.points, "answer": text}
               for row in rows for result in row.exercises.values()
               for part, text in (result.written or ([("", "")] if result.exercise.kind
                                                      == "written" else []))]
    if path.suffix == ".json":
        path.write_text(json.dumps(records, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        return
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.DictWriter(file, ["submission", "exercise", "question", "part", "points",
                                       "answer"])
        writer.writeheader()
        writer.writerows(records)


def gradescope_results(row: SubmissionResult) -> dict:
    """Gradescope's results.json for one submission: one test per exercise."""
    tests = [{"name": f"{exercise_id} {result.exercise.title}", "score": result.score,
              "max_score": result.max_score, "output": result.feedback(),
              "visibility": "visible"}
             for exercise_id, result in row.exercises.items()]
    output = "\n".join(row.problems) or f"{len(tests)} exercises graded"
    return {"score": row.score, "execution_time": round(row.seconds, 1), "output": output,
            "tests": tests}


# --------------------------------------------------------------------------------------------
# Command line


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(prog="python -m c182lib.grade",
                                  description=__doc__.splitlines()[0])
    cli.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                     help="a notebook, or a folder of one student's notebooks")
    cli.add_argument("--csv", type=Path, help="write one row per submission to this CSV file")
    cli.add_argument("--gradescope", type=Path,
                     help="write Gradescope's results.json (one submission only)")
    cli.add_argument("--written", type=Path,
                     help="export the written answers for grading by hand (.csv or .json)")
    cli.add_argument("--timeout", type=float, default=Settings.timeout,
                     help="wall-clock seconds for a notebook's own cells (default 300)")
    cli.add_argument("--cell-timeout", type=float, default=Settings.cell_timeout,
                     help="seconds before one cell is interrupted (default 60)")
    cli.add_argument("--case-timeout", type=float, default=Settings.case_time_limit,
                     help=f"seconds per case of an exercise (default {DEFAULT_TIME_LIMIT:g})")
    cli.add_argument("--memory", type=int, default=Settings.memory_mb, metavar="MB",
                     help="address-space limit of the kernel in MB, 0 for none (default 6144)")
    cli.add_argument("--jobs", type=int, default=Settings.jobs,
                     help="notebooks run in parallel (default: the number of cores)")
    cli.add_argument("--hidden", type=Path, default=DEFAULT_HIDDEN,
                     help="folder of the hidden cases (default: the repository's grading/hidden)")
    return cli


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.gradescope and len(args.submissions) != 1:
        parser().error("--gradescope writes the results of exactly one submission")
    settings = Settings(hidden=args.hidden, timeout=args.timeout,
                        cell_timeout=args.cell_timeout, case_time_limit=args.case_timeout,
                        memory_mb=args.memory or None, jobs=args.jobs)
    rows = grade_submissions(args.submissions, settings)
    print(table(rows))
    if args.csv:
        write_csv(rows, args.csv)
    if args.written:
        write_written(rows, args.written)
    if args.gradescope:
        args.gradescope.parent.mkdir(parents=True, exist_ok=True)
        args.gradescope.write_text(json.dumps(gradescope_results(rows[0]), indent=1) + "\n",
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
