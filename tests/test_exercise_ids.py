"""Every exercise as the notebooks hold it and the student meets it.

Each exercise of c182lib.exercises.EXERCISES is stamped (``cell.metadata["c182"]["exercise"]``)
in exactly one notebook under notebooks/, the one its id's first two digits number, on the
cell(s) where its answer is written; every stamp names a known exercise (and a known part); the
student edition keeps the stamps and carries no hidden case; the notebooks import their checks
from c182lib.checks; no first hint gives the solution away.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from c182lib.exercises import EXERCISES
from c182lib.instructor.release import student_notebook, write_student_edition

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
HIDDEN = ROOT / "grading" / "hidden"


def stamps(nb: nbformat.NotebookNode) -> list[tuple[int, dict]]:
    """(cell index, stamp) of every stamped cell."""
    return [(index, cell.metadata["c182"]) for index, cell in enumerate(nb.cells)
            if "c182" in cell.metadata]


@pytest.fixture(scope="module")
def source_stamps() -> dict[str, list[tuple[int, dict]]]:
    return {path.name: stamps(nbformat.read(path, as_version=4)) for path in NOTEBOOKS}


@pytest.fixture(scope="module")
def edition(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("student")
    write_student_edition(ROOT / "notebooks", folder)
    return folder


def test_every_stamp_names_a_known_exercise_and_part(source_stamps):
    for name, found in source_stamps.items():
        for index, stamp in found:
            assert isinstance(stamp, dict) and set(stamp) <= {"exercise", "part"}, (name, index)
            exercise = EXERCISES.get(stamp["exercise"])
            assert exercise is not None, f"{name} cell {index}: unknown {stamp['exercise']!r}"
            if "part" in stamp:
                assert exercise.kind == "value", (name, index)
                assert stamp["part"] in {case.id for case in exercise.public_cases()}


@pytest.mark.parametrize("exercise_id", list(EXERCISES))
def test_every_exercise_is_stamped_in_exactly_its_notebook(exercise_id, source_stamps):
    holders = sorted({name for name, found in source_stamps.items()
                      if any(stamp["exercise"] == exercise_id for _, stamp in found)})
    assert len(holders) == 1, f"{exercise_id} is stamped in {holders or 'no notebook'}"
    assert holders[0].startswith(exercise_id[:2] + "_")
    exercise = EXERCISES[exercise_id]
    cells = [(index, stamp) for index, stamp in source_stamps[holders[0]]
             if stamp["exercise"] == exercise_id]
    nb = nbformat.read(ROOT / "notebooks" / holders[0], as_version=4)
    wanted_type = "markdown" if exercise.kind == "written" else "code"
    assert all(nb.cells[index].cell_type == wanted_type for index, _ in cells)
    parts = [stamp["part"] for _, stamp in cells if "part" in stamp]
    assert len(parts) == len(set(parts)), f"{exercise_id}: a part is stamped twice"
    if exercise.kind != "value":
        assert len(cells) == 1, f"{exercise_id} is stamped in {len(cells)} cells"


def assigned(answer_name: str) -> str:
    """What a cell holding the answer called ``answer_name`` contains: ``answer_i =``, or
    ``answers["one-to-one"] =`` for a part kept in a dict (``answers[one-to-one]``)."""
    if answer_name.endswith("]"):
        name, key = answer_name.removesuffix("]").split("[")
        return f'{name}["{key}"] ='
    return f"{answer_name} ="


@pytest.mark.parametrize("exercise", list(EXERCISES.values()), ids=lambda e: e.id)
def test_the_stamped_cells_hold_the_answer(exercise):
    [path] = (ROOT / "notebooks").glob(f"{exercise.notebook}_*.ipynb")
    cells = [cell for cell in nbformat.read(path, as_version=4).cells
             if cell.metadata.get("c182", {}).get("exercise") == exercise.id]
    assert cells and all("### BEGIN SOLUTION" in cell.source for cell in cells)
    source = "\n".join(cell.source for cell in cells)
    if exercise.kind == "written":
        assert exercise.question and not exercise.public_cases()
    elif exercise.kind == "value":
        for case in exercise.public_cases():
            assert assigned(case.answer_name) in source, case.id
    elif exercise.kind == "class":
        assert f"class {exercise.answer_name}" in source
    else:
        assert f"def {exercise.answer_name}(" in source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_notebooks_import_their_checks_from_the_package(path):
    source = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
    assert "c182lib.checks." not in source


# a formula, code or a computed value in a first hint gives the answer away
SOLUTION_SIGNS = ("=", "`", "//", "np.", "floor", "sqrt", " * ", " / ", "+", "@", "**",
                  "[::-1]", "corr1d(", "corr2d(", "tanh(", "sum_", "ddof", "transpose(",
                  "reshape(", "axis=", ".T", "n - k")


@pytest.mark.parametrize("exercise", [e for e in EXERCISES.values() if e.mistakes],
                         ids=lambda e: e.id)
def test_first_hints_say_where_and_what_kind_not_how(exercise):
    for mistake in exercise.mistakes:
        assert len(mistake.hints) >= 2, mistake.name
        first = mistake.hints[0]
        assert not any(sign in first for sign in SOLUTION_SIGNS), (mistake.name, first)


def test_the_student_edition_keeps_every_stamp(source_stamps, edition):
    for name, found in source_stamps.items():
        assert stamps(nbformat.read(edition / name, as_version=4)) == found, name


def test_the_release_tool_keeps_cell_metadata():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("def f():\n    ### BEGIN SOLUTION\n    return 1\n"
                                          "    ### END SOLUTION\n")]
    nb.cells[0].metadata.update({"c182": {"exercise": "01-corr1d"}, "tags": ["x"]})
    student = student_notebook(nb)
    assert "NotImplementedError" in student.cells[0].source
    assert student.cells[0].metadata == nb.cells[0].metadata


def test_the_student_edition_carries_no_hidden_case(edition):
    assert not list(edition.rglob("*.json")) and not (edition / "grading").exists()
    text = "\n".join(path.read_text(encoding="utf-8") for path in edition.rglob("*.ipynb"))
    for path in HIDDEN.glob("*.json"):
        for case in json.loads(path.read_text(encoding="utf-8"))["cases"]:
            assert case["id"] not in text and case["description"] not in text, (path.name,
                                                                                 case["id"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_a_check_leaves_only_its_verdict_under_the_cell(path):
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "check_" in cell.source:
            shown = [output.data.get("text/plain") for output in cell.outputs
                     if output.output_type == "execute_result"]
            assert "True" not in shown and "False" not in shown, (path.name, index)


FORBIDDING = [exercise for exercise in EXERCISES.values() if exercise.forbidden]
LIBRARY_MODULES = ["c182lib.conv", "c182lib.pool", "c182lib.batchnorm", "c182lib.rnn",
                   "c182lib.shapes"]


def library_object(name: str):
    """(module name, object) of the c182lib function or class called ``name``."""
    import importlib

    for module_name in LIBRARY_MODULES:
        module = importlib.import_module(module_name)
        if hasattr(module, name):
            return module_name, getattr(module, name)
    raise LookupError(name)


def test_every_exercise_that_asks_for_a_library_function_forbids_it():
    asked = {exercise.id for exercise in FORBIDDING}
    auto = {exercise.id for exercise in EXERCISES.values()
            if exercise.kind in ("function", "class")} - {"05-sgd-step"}
    assert auto <= asked, auto - asked
    for exercise in FORBIDDING:
        for name in exercise.forbidden:
            library_object(name)  # every name is the library's


@pytest.mark.parametrize("exercise", FORBIDDING, ids=lambda exercise: exercise.id)
def test_an_answer_that_uses_the_library_function_it_asks_for_fails(exercise):
    module_name, library = library_object(exercise.forbidden[0])
    namespace: dict = {}
    if exercise.kind == "class":
        exec(f"from {module_name} import {library.__name__}\n"
             f"class Sub({library.__name__}):\n    pass\n", namespace)
        answers = [library, namespace["Sub"]]
    else:
        exec(f"import {module_name} as lib\nfrom {module_name} import {library.__name__}\n"
             f"def by_name(*args, **kwargs):\n    return {library.__name__}(*args, **kwargs)\n"
             f"def by_attribute(*args, **kwargs):\n"
             f"    return (lambda: lib.{library.__name__}(*args, **kwargs))()\n", namespace)
        answers = [library, namespace["by_name"], namespace["by_attribute"]]
    for answer in answers:
        verdict = exercise.check(answer)
        assert verdict.status == "FAIL" and library.__name__ in verdict.text(), verdict.text()
    assert exercise.check(exercise.solution), exercise.check(exercise.solution).text()


def test_a_students_own_function_of_a_library_name_is_allowed():
    namespace: dict = {}
    exec("import numpy as np\n"
         "def corr1d(x, w, stride=1, padding=0):\n"
         "    x = np.concatenate([np.zeros(padding), x, np.zeros(padding)])\n"
         "    n_out = (len(x) - len(w)) // stride + 1\n"
         "    return np.array([w @ x[o * stride:o * stride + len(w)] for o in range(n_out)])\n"
         "def my_corr1d(x, w, stride=1, padding=0):\n"
         "    return corr1d(x, w, stride, padding)\n", namespace)
    assert EXERCISES["01-corr1d"].check(namespace["my_corr1d"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.name[:2])
def test_a_written_answer_cell_holds_the_answer_only(path):
    """The grader exports a stamped markdown cell as the student's answer: the question lives
    in the cell before it, so the export is the answer, not the prompt."""
    nb = nbformat.read(path, as_version=4)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "markdown" and "c182" in cell.metadata:
            before, _, rest = cell.source.partition("### BEGIN SOLUTION")
            assert rest and len(before.strip()) <= 40, (path.name, index, before)
            assert not rest.partition("### END SOLUTION")[2].strip(), (path.name, index)
