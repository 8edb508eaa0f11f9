"""The time of one self-check, as a student runs it after writing a right answer.

Every exercise with cases is checked with its solution (`Exercise.solution`; for a value
exercise, the right value of each part), printing to nowhere; the reported time is the median
of 7 runs. Each check runs every public case through the engine (copies, time limit, output
capture, comparison), so this is what the student waits for. Target (issue 12): 0.5 s median
for every exercise.
"""

from __future__ import annotations

import contextlib
import io
import statistics

from c182lib.checks import run_check
from c182lib.exercises import EXERCISES

from ._timing import median_seconds

TARGET_SECONDS = 0.5


def _answers(exercise) -> list[tuple[str | None, object]]:
    """``(part, answer)`` pairs that make the exercise's check pass."""
    if exercise.kind == "value":
        return [(case.id, exercise.expected(case)) for case in exercise.public_cases()]
    return [(None, exercise.solution)]


def check_seconds(exercise) -> float:
    """Median seconds of the self-check of ``exercise`` on a right answer (every part)."""
    def check_all():
        with contextlib.redirect_stdout(io.StringIO()):
            for part, answer in _answers(exercise):
                if not run_check(exercise, answer, part):
                    raise AssertionError(f"{exercise.id}: the solution does not pass")
    return median_seconds(check_all, repeats=7, warmup=1)


def run(matmul_gflops: float) -> None:
    """Print each exercise's self-check time and whether it meets the target."""
    times = {}
    for exercise in EXERCISES.values():
        if exercise.kind == "written":
            continue
        times[exercise.id] = check_seconds(exercise)
        cases = len(exercise.public_cases())
        print(f" {exercise.id:32s} {cases:3d} cases  {times[exercise.id] * 1e3:8.1f} ms"
              f"  {'ok' if times[exercise.id] <= TARGET_SECONDS else 'OVER the 0.5 s target'}")
    print(f" median over {len(times)} exercises: {statistics.median(times.values()) * 1e3:.1f} ms;"
          f" slowest {max(times, key=times.get)} {max(times.values()) * 1e3:.1f} ms")
