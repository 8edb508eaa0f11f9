"""The student edition of the real notebooks: no solution text in it, and it runs.

The edition of ``notebooks/*.ipynb`` is built once into a temporary folder. Each notebook is then
executed with every error allowed, and the errors are inspected: the only one permitted is
``NotImplementedError`` raised in a cell that held a solution (now the ``# YOUR CODE HERE``
stub), plus, in a cell tagged ``raises-exception``, the same exception the source notebook
stores. Every other cell must run, so cells after an exercise must cope with it being unsolved
(e.g. a self-check reports "not yet implemented").

The helpers take paths, so they can be pointed at any folder of notebooks.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from c182lib.instructor.release import write_student_edition

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"
NOTEBOOKS = sorted(path.name for path in SOURCE.glob("*.ipynb"))
NO_NOTEBOOKS = pytest.param(
    None,
    marks=pytest.mark.skip(reason=f"no notebooks in {SOURCE} yet, so no student edition to test"),
    id="no-notebooks",
)


def solution_regions(source: str) -> list[list[str]]:
    """Lines inside each marked region, found independently of the release tool."""
    regions: list[list[str]] = []
    inside = False
    for line in source.splitlines():
        if line.strip() == "### BEGIN SOLUTION":
            regions.append([])
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        elif inside:
            regions[-1].append(line)
    return regions


def strings(value: object) -> Iterator[str]:
    """Every string inside a cell (source, outputs, metadata), recursively."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def leaked_solution_lines(source_path: Path, student_path: Path) -> list[str]:
    """Lines from inside the source's solution regions that appear in the student notebook.

    A line that the source also has outside every region (``return out``, a blank line) may
    legitimately appear, so only lines found exclusively inside regions count.
    """
    source = nbformat.read(source_path, 4)
    solution: set[str] = set()
    elsewhere: set[str] = set()
    for cell in source.cells:
        inside = {line.strip() for region in solution_regions(cell.source) for line in region}
        solution |= inside
        elsewhere |= {line.strip() for line in cell.source.splitlines()} - inside
    secret = solution - elsewhere - {""}
    student = nbformat.read(student_path, 4)
    shown = {line.strip() for text in strings(student.cells) for line in text.splitlines()}
    return sorted(secret & shown)


def execution_problems(source_path: Path, student_path: Path, timeout: int = 300) -> list[str]:
    """Run the student notebook on a fresh kernel; describe every error that is not allowed."""
    source = nbformat.read(source_path, 4)
    student = nbformat.read(student_path, 4)
    if len(student.cells) != len(source.cells):
        return [f"{len(student.cells)} cells in the student edition, {len(source.cells)} in source"]
    NotebookClient(
        student,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(student_path.parent)}},
    ).execute()
    problems = []
    for index, (original, cell) in enumerate(zip(source.cells, student.cells, strict=True)):
        if cell.cell_type != "code":
            continue
        is_exercise = bool(solution_regions(original.source))
        expected = {o.ename for o in original.get("outputs", []) if o.output_type == "error"}
        raises = "raises-exception" in cell.metadata.get("tags", [])
        for output in cell.outputs:
            if output.output_type != "error":
                continue
            if output.ename == "NotImplementedError" and is_exercise:
                continue
            if raises and output.ename in expected:
                continue
            first_line = cell.source.split("\n", 1)[0]
            problems.append(f"cell {index} [{first_line}]: {output.ename}: {output.evalue}")
    return problems


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The student edition of notebooks/, built once per test session."""
    folder = tmp_path_factory.mktemp("student")
    write_student_edition(SOURCE, folder)
    return folder


@pytest.mark.parametrize("name", NOTEBOOKS or [NO_NOTEBOOKS])
def test_no_solution_text_in_student_edition(edition: Path, name: str):
    text = (edition / name).read_text()
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert leaked_solution_lines(SOURCE / name, edition / name) == []


@pytest.mark.parametrize("name", NOTEBOOKS or [NO_NOTEBOOKS])
def test_student_edition_runs_except_exercises(edition: Path, name: str):
    assert execution_problems(SOURCE / name, edition / name) == []
