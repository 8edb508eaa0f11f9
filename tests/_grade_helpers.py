"""Synthetic submissions for the grader's tests: small notebooks stamped as the real ones are."""

from __future__ import annotations

from pathlib import Path

import nbformat

CORR1D_RIGHT = """\
import numpy as np

def my_corr1d(x, w, stride=1, padding=0):
    x = np.concatenate([np.zeros(padding), np.asarray(x, dtype=float), np.zeros(padding)])
    k = len(w)
    return np.array([x[i:i + k] @ w for i in range(0, len(x) - k + 1, stride)])
"""

CORR1D_NO_PADDING = """\
import numpy as np

def my_corr1d(x, w, stride=1, padding=0):
    k = len(w)
    return np.array([x[i:i + k] @ w for i in range(0, len(x) - k + 1, stride)])
"""

OUTPUT_SIZE_RIGHT = """\
def my_output_size(n, k, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
"""

DIMS_1A_RIGHT = {"answer_i": "(28, 28, 1)", "answer_ii": "(32, 32, 1)",
                 "answer_iii_shape": "(32, 32, 10)", "answer_iii_weights": "750",
                 "answer_iv": "(32, 32)"}


def cell(source: str, exercise: str | None = None, part: str | None = None,
         kind: str = "code") -> nbformat.NotebookNode:
    """A code (or markdown) cell, stamped with ``exercise`` (and ``part``) if given."""
    new = nbformat.v4.new_code_cell if kind == "code" else nbformat.v4.new_markdown_cell
    made = new(source)
    if exercise:
        made.metadata["c182"] = {"exercise": exercise, **({"part": part} if part else {})}
    return made


def notebook(path: Path, *cells: nbformat.NotebookNode) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def corr1d_notebook(path: Path, source: str = CORR1D_RIGHT, *before: str) -> Path:
    """Notebook 01 with ``before`` cells, then ``source`` in the cell stamped 01-corr1d."""
    return notebook(path, *(cell(text) for text in before), cell(source, "01-corr1d"))


def dims_notebook(path: Path, answers: dict[str, str] = DIMS_1A_RIGHT,
                  output_size: str = OUTPUT_SIZE_RIGHT) -> Path:
    """Notebook 02: each part of 02-dims-1a in its own stamped cell, then 02-output-size (its
    written answers are left out: they score nothing automatically)."""
    parts = {"answer_i": "i", "answer_ii": "ii", "answer_iii_shape": "iii-shape",
             "answer_iii_weights": "iii-weights", "answer_iv": "iv"}
    return notebook(path, *(cell(f"{name} = {answers.get(name, 'None')}", "02-dims-1a", part)
                            for name, part in parts.items()),
                    cell(output_size, "02-output-size"))


def full_points(*notebooks: str) -> float:
    """The most a submission of these notebook numbers scores automatically."""
    from c182lib.exercises import EXERCISES
    return sum(exercise.points for exercise in EXERCISES.values()
               if exercise.notebook in notebooks and exercise.kind != "written")
