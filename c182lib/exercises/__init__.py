"""Every exercise of the workbook, each defined once: the self-checks and the grader run them.

An exercise (`Exercise`) holds its reference, its public cases, its points, its tolerance and
its known mistakes with their hints. One module per group of notebooks defines them: `conv`
(01-03), `conv_grad` (04-05), `pool` (06-07), `batchnorm` (08), `rnn` (09-11). ``EXERCISES``
maps each exercise's id (``"01-corr1d"``) to it; the id is stamped in the notebook cell where
the answer is written (``metadata.c182.exercise``).

Hidden cases, which only the grader runs, are not part of this package: they are data files
under the repository's ``grading/hidden/`` (see `load_hidden_cases`).
"""

from c182lib.exercises import batchnorm, conv, conv_grad, pool, rnn
from c182lib.exercises._engine import (
    FAIL,
    PASS,
    TODO,
    Case,
    Exercise,
    Mistake,
    Outcome,
    Verdict,
    load_hidden_cases,
)

EXERCISES: dict[str, Exercise] = {exercise.id: exercise
                                  for module in (conv, conv_grad, pool, batchnorm, rnn)
                                  for exercise in module.EXERCISES}

__all__ = ["EXERCISES", "FAIL", "PASS", "TODO", "Case", "Exercise", "Mistake", "Outcome",
           "Verdict", "load_hidden_cases"]
