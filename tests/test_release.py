"""The release tool: student edition (markers, outputs, safety, CLI) and in-place execution."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat import v4

from c182lib.instructor.release import (
    CODE_STUB,
    FileResult,
    MarkerError,
    Outcome,
    execute_notebook,
    main,
    replace_solutions,
    student_notebook,
    write_student_edition,
)

ROOT = Path(__file__).resolve().parents[1]
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def notebook(*cells: nbformat.NotebookNode) -> nbformat.NotebookNode:
    return v4.new_notebook(cells=list(cells), metadata={"kernelspec": dict(KERNELSPEC)})


def code(source: str, *outputs: str, count: int | None = None) -> nbformat.NotebookNode:
    """A code cell whose stored outputs are the given stdout texts."""
    cell = v4.new_code_cell(source, execution_count=count)
    cell.outputs = [v4.new_output("stream", name="stdout", text=text) for text in outputs]
    return cell


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "c182lib.instructor.release", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


EXERCISE = """\
def corr1d(x, k):
    \"\"\"Valid 1-D cross-correlation.\"\"\"
    ### BEGIN SOLUTION
    n_out = len(x) - len(k) + 1
    return [sum(x[i + j] * k[j] for j in range(len(k))) for i in range(n_out)]
    ### END SOLUTION


def step(w, g, lr):
        ### BEGIN SOLUTION
        return w - lr * g
        ### END SOLUTION
"""

EXERCISE_STUDENT = """\
def corr1d(x, k):
    \"\"\"Valid 1-D cross-correlation.\"\"\"
    # YOUR CODE HERE
    raise NotImplementedError()


def step(w, g, lr):
        # YOUR CODE HERE
        raise NotImplementedError()
"""


# ----------------------------------------------------------------------------- replacing regions


def test_code_regions_replaced_indentation_kept_other_lines_untouched():
    source, regions = replace_solutions(EXERCISE, CODE_STUB)
    assert source == EXERCISE_STUDENT
    assert regions == [
        [
            "    n_out = len(x) - len(k) + 1",
            "    return [sum(x[i + j] * k[j] for j in range(len(k))) for i in range(n_out)]",
        ],
        ["        return w - lr * g"],
    ]


def test_markdown_region_becomes_your_answer_here():
    nb = notebook(
        v4.new_markdown_cell(
            "**Answer.** The output is\n### BEGIN SOLUTION\n$28 \\times 28 \\times 6$,\n"
            "because $32 - 5 + 1 = 28$.\n### END SOLUTION\nNext part."
        )
    )
    assert student_notebook(nb).cells[0].source == (
        "**Answer.** The output is\nYOUR ANSWER HERE\nNext part."
    )


def test_attachments_only_a_solution_used_are_dropped():
    cell = v4.new_markdown_cell(
        "Sketch:\n![given](attachment:given.png)\n### BEGIN SOLUTION\n"
        "![answer](attachment:answer.png)\n### END SOLUTION"
    )
    cell.attachments = {"given.png": {"image/png": "R0lG"}, "answer.png": {"image/png": "AAAA"}}
    only_answer = v4.new_markdown_cell(
        "### BEGIN SOLUTION\n![answer](attachment:answer.png)\n### END SOLUTION")
    only_answer.attachments = {"answer.png": {"image/png": "AAAA"}}
    # A name that starts another name, and a percent-encoded link.
    prefix = v4.new_markdown_cell(
        "![g](attachment:plot.png.given) <img src=\"attachment:my%20plot.png\">\n"
        "### BEGIN SOLUTION\n![a](attachment:plot.png)\n### END SOLUTION")
    prefix.attachments = {"plot.png": {"image/png": "AAAA"},
                          "plot.png.given": {"image/png": "R0lG"},
                          "my plot.png": {"image/png": "R0lG"}}
    student = student_notebook(notebook(cell, only_answer, prefix))
    assert student.cells[0].attachments == {"given.png": {"image/png": "R0lG"}}
    assert "attachments" not in student.cells[1]
    assert sorted(student.cells[2].attachments) == ["my plot.png", "plot.png.given"]
    assert "AAAA" not in nbformat.writes(student)
    nbformat.validate(student)


def test_stub_lines_keep_crlf_line_ends():
    nb = notebook(code("x = 1\r\n### BEGIN SOLUTION\r\ny = 2\r\n### END SOLUTION\r\nz = 3"))
    source = student_notebook(nb).cells[0].source
    assert source == "x = 1\r\n# YOUR CODE HERE\r\nraise NotImplementedError()\r\nz = 3"
    # A region closing the cell: its last line has no line end, nor has the stub's.
    nb = notebook(code("x = 1\r\n### BEGIN SOLUTION\r\ny = 2\r\n### END SOLUTION"),
                  v4.new_markdown_cell("Q\r\n### BEGIN SOLUTION\r\nA\r\n### END SOLUTION"))
    cells = student_notebook(nb).cells
    assert cells[0].source == "x = 1\r\n# YOUR CODE HERE\r\nraise NotImplementedError()"
    assert cells[1].source == "Q\r\nYOUR ANSWER HERE"


def test_region_closing_the_cell_and_empty_region():
    source, regions = replace_solutions("x = 1\n### BEGIN SOLUTION\n### END SOLUTION", CODE_STUB)
    assert source == "x = 1\n# YOUR CODE HERE\nraise NotImplementedError()"
    assert regions == [[]]
    assert replace_solutions("no markers\n", CODE_STUB) == ("no markers\n", [])


@pytest.mark.parametrize(
    ("source", "line", "problem"),
    [
        ("a\n### BEGIN SOLUTION\nb\n### BEGIN SOLUTION\nc\n### END SOLUTION", 4, "nested"),
        ("a\n### END SOLUTION\n", 2, "without a matching"),
        ("### BEGIN SOLUTION\nb\n### END SOLUTION\n  ### BEGIN SOLUTION\nc", 4, "never closed"),
        ("a\n## BEGIN SOLUTION\nb\n### END SOLUTION", 2, "malformed"),
        ("a\nx = 1  ### END SOLUTION", 2, "malformed"),
    ],
    ids=["nested", "end-without-begin", "unclosed", "two-hashes", "marker-after-code"],
)
def test_bad_markers_name_notebook_cell_and_line(source, line, problem):
    nb = notebook(v4.new_markdown_cell("intro"), code("x = 0"), code(source))
    with pytest.raises(MarkerError, match=problem) as info:
        student_notebook(nb, "03_matrix.ipynb")
    err = info.value
    assert (err.notebook, err.cell_index, err.line) == ("03_matrix.ipynb", 2, line)
    assert str(err).startswith(f"03_matrix.ipynb, cell 2, line {line}: ")


# --------------------------------------------------------------------------------------- outputs


def test_outputs_cleared_from_first_exercise_on_everything_else_kept():
    nb = notebook(
        v4.new_markdown_cell("# Title"),
        code("print('setup')", "setup\n", count=1),
        code("def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION", count=2),
        v4.new_markdown_cell("Now call it."),
        code("print(f())", "42\n", count=3),
        code("print('unrelated, still after the exercise')", "unrelated\n", count=4),
    )
    nb.cells[1].metadata["tags"] = ["setup"]
    original = nbformat.writes(nb)
    student = student_notebook(nb)
    assert nbformat.writes(nb) == original, "the source notebook was modified"
    assert student.metadata == nb.metadata
    for index in (0, 1, 3):
        assert student.cells[index] == nb.cells[index]
    for index in (2, 4, 5):
        assert student.cells[index].outputs == []
        assert student.cells[index].execution_count is None
    assert [c.source for c in student.cells[3:]] == [c.source for c in nb.cells[3:]]


def test_saved_widget_state_is_dropped_with_the_outputs():
    nb = notebook(code("explorer", count=1), code("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    student = student_notebook(nb)
    assert "widgets" not in student.metadata and "widgets" in nb.metadata
    assert student.metadata.kernelspec == KERNELSPEC


def test_markdown_exercise_also_clears_later_outputs():
    nb = notebook(
        code("print('before')", "before\n", count=1),
        v4.new_markdown_cell("### BEGIN SOLUTION\n28 x 28 x 6\n### END SOLUTION"),
        code("print(conv_output_shape())", "(28, 28, 6)\n", count=2),
    )
    student = student_notebook(nb)
    assert student.cells[0] == nb.cells[0]
    assert student.cells[2].outputs == []


def test_notebook_without_exercises_is_copied_unchanged():
    nb = notebook(code("print(1)", "1\n", count=1), v4.new_markdown_cell("text"))
    assert student_notebook(nb) == nb


# ------------------------------------------------------------------------- the edition on disk


def secret_notebook() -> nbformat.NotebookNode:
    """Every solution line holds 'SECRET'; one exercise output shows a secret answer."""
    return notebook(
        v4.new_markdown_cell(
            "# Problem\n### BEGIN SOLUTION\nThe answer is SECRET_A.\n### END SOLUTION"
        ),
        code("import math"),
        code(
            "def g(x):\n    ### BEGIN SOLUTION\n    y = x  # SECRET_B\n    return y  # SECRET_C\n"
            "    ### END SOLUTION\n\n\ndef h(x):\n  ### BEGIN SOLUTION\n  return 0  # SECRET_D\n"
            "  ### END SOLUTION\nprint(g(2))",
            "2 SECRET_OUTPUT\n",
            count=1,
        ),
        code("print(h(3))", "SECRET_LATER_OUTPUT\n", count=2),
    )


def outcomes(results: dict[Path, FileResult]) -> dict[Path, Outcome]:
    return {path: result.outcome for path, result in results.items()}


def write(path: Path, nb: nbformat.NotebookNode) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_no_marker_and_no_solution_line_survives(tmp_path):
    source = secret_notebook()
    write(tmp_path / "src" / "01_secret.ipynb", source)
    write_student_edition(tmp_path / "src", tmp_path / "student")
    text = (tmp_path / "student" / "01_secret.ipynb").read_text()
    assert "SECRET" not in text
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    student = nbformat.read(tmp_path / "student" / "01_secret.ipynb", 4)
    nbformat.validate(student)
    assert student.metadata.kernelspec == KERNELSPEC
    assert student.cells[2].source.count("raise NotImplementedError()") == 2
    assert student.cells[0].source == "# Problem\nYOUR ANSWER HERE"


def test_edited_copy_is_kept_identical_is_unchanged_force_overwrites(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "student"
    write(src / "01_a.ipynb", secret_notebook())
    write(src / "02_b.ipynb", notebook(code("print(1)")))
    first = outcomes(write_student_edition(src, dest))
    assert first == {dest / "01_a.ipynb": Outcome.WRITTEN, dest / "02_b.ipynb": Outcome.WRITTEN}
    edition = (dest / "01_a.ipynb").read_text()

    edited = edition.replace("raise NotImplementedError()", "return x  # my work")
    assert edited != edition
    (dest / "01_a.ipynb").write_text(edited)
    again = outcomes(write_student_edition(src, dest))
    assert again == {dest / "01_a.ipynb": Outcome.KEPT, dest / "02_b.ipynb": Outcome.UNCHANGED}
    assert (dest / "01_a.ipynb").read_text() == edited

    forced = outcomes(write_student_edition(src, dest, force=True))
    assert forced[dest / "01_a.ipynb"] is Outcome.OVERWRITTEN
    assert (dest / "01_a.ipynb").read_text() == edition
    assert sorted(p.name for p in dest.iterdir()) == ["01_a.ipynb", "02_b.ipynb"]


def test_marker_error_writes_nothing(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "student"
    write(src / "01_good.ipynb", notebook(code("x = 1")))
    write(src / "02_bad.ipynb", notebook(code("ok = 1"), code("### BEGIN SOLUTION\nx = 1")))
    with pytest.raises(MarkerError, match=r"02_bad\.ipynb, cell 1, line 1: .*never closed"):
        write_student_edition(src, dest)
    assert not dest.exists()


def test_refuses_empty_source_and_writing_over_the_sources(tmp_path):
    with pytest.raises(FileNotFoundError, match="src: no"):
        write_student_edition(tmp_path, tmp_path / "student")
    write(tmp_path / "01.ipynb", notebook(code("x = 1")))
    with pytest.raises(ValueError, match="dest must be outside src"):
        write_student_edition(tmp_path, tmp_path / ".", force=True)


def test_student_cli_exit_codes_and_messages(tmp_path, capsys):
    src, dest = tmp_path / "src", tmp_path / "student"
    write(src / "01_a.ipynb", secret_notebook())
    assert main(["student", str(src), str(dest)]) == 0
    assert capsys.readouterr().out == (
        f"{dest / '01_a.ipynb'}: written\n{dest}: 1 written (of 1 notebooks)\n")

    (dest / "01_a.ipynb").write_text((dest / "01_a.ipynb").read_text().replace("# YOUR", "# MY"))
    assert main(["student", str(src), str(dest)]) == 3
    out = capsys.readouterr().out
    assert f"{dest / '01_a.ipynb'}: left alone" in out and "--force" in out
    assert "# MY CODE HERE" in (dest / "01_a.ipynb").read_text()

    assert main(["student", str(src), str(dest), "--force"]) == 0
    assert "overwritten" in capsys.readouterr().out

    write(src / "02_bad.ipynb", notebook(code("### END SOLUTION")))
    assert main(["student", str(src), str(dest)]) == 1
    assert f"{src / '02_bad.ipynb'}, cell 0, line 1" in capsys.readouterr().err

    with pytest.raises(SystemExit) as usage:
        main(["student", str(src)])
    assert usage.value.code == 2


def test_student_cli_as_a_module_keeps_an_edited_copy(tmp_path):
    src, dest = tmp_path / "src", tmp_path / "student"
    write(src / "01_a.ipynb", secret_notebook())
    write_student_edition(src, dest)
    (dest / "01_a.ipynb").write_text("my own notes")
    done = run_cli("student", src, dest)
    assert done.returncode == 3
    assert f"{dest / '01_a.ipynb'}: left alone" in done.stdout
    assert (dest / "01_a.ipynb").read_text() == "my own notes"


# ----------------------------------------------------------------------------------- execution


def test_execute_stores_clean_stable_outputs(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = notebook(
        v4.new_markdown_cell("# Tiny"),
        code("import numpy as np\nrng = np.random.default_rng(0)\nprint(f'{rng.random():.6f}')"),
        code("import time\nfor i in range(2):\n    print(i, flush=True)\n    time.sleep(0.25)"),
        code("", "stale output of an empty cell\n", count=7),
        code("import os\nprint(os.path.basename(os.getcwd()), os.getenv('MPLBACKEND') == 'Agg')"),
        code("import ipywidgets\nipywidgets.IntSlider(3)"),
        code("6 * 7"),
    )
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.cells[1].metadata["execution"] = {"iopub.execute_input": "2020-01-01T00:00:00Z"}
    path = write(tmp_path / "tiny.ipynb", nb)

    assert execute_notebook(path) is True
    first = path.read_bytes()
    assert execute_notebook(path) is False
    assert path.read_bytes() == first
    assert first.endswith(b"}\n")

    done = nbformat.read(path, 4)
    nbformat.validate(done)
    assert "widgets" not in done.metadata
    codes = [c for c in done.cells if c.cell_type == "code"]
    assert all("execution" not in c.metadata for c in done.cells)
    assert [c.execution_count for c in codes] == [1, 2, None, 3, 4, 5]
    assert [o.text for o in codes[0].outputs] == ["0.636962\n"]
    assert [o.text for o in codes[1].outputs] == ["0\n1\n"]  # one stream, however it arrived
    assert codes[2].outputs == []
    assert [o.text for o in codes[3].outputs] == [f"{tmp_path.name} False\n"]
    assert list(codes[4].outputs[0].data) == ["text/plain"]
    assert codes[5].outputs[0].data == {"text/plain": "42"}


def test_execute_cli_reports_failing_cell_and_leaves_file_alone(tmp_path):
    path = write(
        tmp_path / "broken.ipynb",
        notebook(v4.new_markdown_cell("m"), code("x = 1"), code("y = x / 0\nprint(y)")),
    )
    before = path.read_bytes()
    done = run_cli("execute", path)
    assert done.returncode == 1
    assert f"{path}, cell 2: ZeroDivisionError: division by zero" in done.stderr
    assert "[y = x / 0]" in done.stderr
    assert path.read_bytes() == before
