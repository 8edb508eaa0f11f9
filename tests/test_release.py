"""The release tool: student edition (markers, outputs, safety, CLI) and in-place execution."""

from __future__ import annotations

import errno
import os
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat import v4

from c182lib.instructor.release import (
    BEGIN_SOLUTION,
    CODE_STUB,
    END_SOLUTION,
    FileResult,
    MarkerError,
    NotebookFormatError,
    Outcome,
    execute_notebook,
    main,
    read_notebook,
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


# ------------------------------------------------------------ safety: links, clobbering, src


def built(tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A source folder with 01_a.ipynb (holding a solution) and an empty dest folder."""
    src, dest = tmp_path / "src", tmp_path / "student"
    write(src / "01_a.ipynb", secret_notebook())
    dest.mkdir()
    return src, dest, (src / "01_a.ipynb").read_bytes()


@pytest.mark.parametrize("force", [False, True])
def test_old_temporary_name_as_a_link_into_src_is_never_followed(tmp_path, force):
    src, dest, solutions = built(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    (dest / ".01_a.ipynb.tmp").symlink_to(src / "01_a.ipynb")
    (dest / ".02_b.ipynb.tmp").write_text("a student's own file")
    write(src / "02_b.ipynb", notebook(code("x = 1")))
    (dest / ".c182-x.tmp").symlink_to(outside)
    results = outcomes(write_student_edition(src, dest, force=force))
    assert set(results.values()) == {Outcome.WRITTEN}
    assert (src / "01_a.ipynb").read_bytes() == solutions
    assert outside.read_text() == "not yours"
    assert (dest / ".02_b.ipynb.tmp").read_text() == "a student's own file"
    assert (dest / ".01_a.ipynb.tmp").is_symlink()
    assert "SECRET" not in (dest / "01_a.ipynb").read_text()
    assert sorted(p.name for p in dest.iterdir()) == [
        ".01_a.ipynb.tmp", ".02_b.ipynb.tmp", ".c182-x.tmp", "01_a.ipynb", "02_b.ipynb"]


@pytest.mark.parametrize("force", [False, True])
@pytest.mark.parametrize("into", ["src", "outside"])
def test_destination_entry_that_is_a_link_is_refused(tmp_path, force, into):
    src, dest, solutions = built(tmp_path)
    target = src / "01_a.ipynb" if into == "src" else tmp_path / "outside.ipynb"
    if into == "outside":
        target.write_text("someone else's")
    before = target.read_bytes()
    (dest / "01_a.ipynb").symlink_to(target)
    result = write_student_edition(src, dest, force=force)[dest / "01_a.ipynb"]
    assert result.outcome is Outcome.FAILED and "symbolic link" in result.reason
    assert target.read_bytes() == before and (dest / "01_a.ipynb").is_symlink()
    assert (src / "01_a.ipynb").read_bytes() == solutions


def test_hard_link_to_the_source_is_replaced_never_written_through(tmp_path):
    src, dest, solutions = built(tmp_path)
    os.link(src / "01_a.ipynb", dest / "01_a.ipynb")
    assert outcomes(write_student_edition(src, dest)) == {dest / "01_a.ipynb": Outcome.KEPT}
    assert outcomes(write_student_edition(src, dest, force=True)) == {
        dest / "01_a.ipynb": Outcome.OVERWRITTEN}
    assert (src / "01_a.ipynb").read_bytes() == solutions
    assert "SECRET" not in (dest / "01_a.ipynb").read_text()


def test_a_new_file_that_appears_while_writing_is_not_clobbered(tmp_path, monkeypatch):
    src, dest, _ = built(tmp_path)
    real_link = os.link

    def student_saves_first(source, target):
        Path(target).write_text("saved by the student a moment ago")
        real_link(source, target)

    monkeypatch.setattr(os, "link", student_saves_first)
    result = write_student_edition(src, dest)[dest / "01_a.ipynb"]
    assert result.outcome is Outcome.FAILED and "appeared" in result.reason
    assert (dest / "01_a.ipynb").read_text() == "saved by the student a moment ago"
    assert [p.name for p in dest.iterdir()] == ["01_a.ipynb"]  # no temporary file left


@pytest.mark.parametrize("where", ["equal", "inside", "link-into-src", "link-to-src"])
def test_dest_in_src_is_refused_also_through_a_link(tmp_path, where):
    src, _, solutions = built(tmp_path)
    dest = {"equal": src, "inside": src / "student", "link-into-src": tmp_path / "l1",
            "link-to-src": tmp_path / "l2"}[where]
    if where == "link-into-src":
        (src / "sub").mkdir()
        dest.symlink_to(src / "sub")
    elif where == "link-to-src":
        dest.symlink_to(src)
    with pytest.raises(ValueError, match="dest must be outside src"):
        write_student_edition(src, dest, force=True)
    assert (src / "01_a.ipynb").read_bytes() == solutions
    assert sorted(p.name for p in src.iterdir()) == ["01_a.ipynb", *(
        ["sub"] if where == "link-into-src" else [])]


def test_directory_entry_and_long_name_give_per_file_results(tmp_path, capsys):
    src, dest, _ = built(tmp_path)
    long_name = "0" * 245 + ".ipynb"  # 251 bytes: fits, but not with a suffix added to it
    write(src / long_name, notebook(code("x = 1")))
    write(src / "02_dir.ipynb", notebook(code("y = 2")))
    (dest / "02_dir.ipynb").mkdir()
    assert main(["student", str(src), str(dest)]) == 1
    out, err = capsys.readouterr()
    assert f"{dest / '01_a.ipynb'}: written\n" in out
    assert f"{dest / long_name}: written\n" in out
    assert f"{dest / '02_dir.ipynb'}: not written: it is a directory\n" in out
    assert out.endswith(f"{dest}: 2 written, 1 failed (of 3 notebooks)\n")
    assert "1 file(s) not written" in err and "nothing written" not in err
    assert (dest / long_name).exists() and (dest / "02_dir.ipynb").is_dir()


def test_os_refusal_is_a_per_file_result(tmp_path, monkeypatch):
    src, dest, _ = built(tmp_path)
    write(src / "02_b.ipynb", notebook(code("y = 2")))
    real_link = os.link

    def too_long(source, target):
        if Path(target).name == "01_a.ipynb":
            raise OSError(errno.ENAMETOOLONG, os.strerror(errno.ENAMETOOLONG))
        real_link(source, target)

    monkeypatch.setattr(os, "link", too_long)
    results = write_student_edition(src, dest)
    assert str(results[dest / "01_a.ipynb"]) == "not written: File name too long"
    assert results[dest / "02_b.ipynb"].outcome is Outcome.WRITTEN
    assert sorted(p.name for p in dest.iterdir()) == ["02_b.ipynb"]


@pytest.mark.parametrize("error", [errno.EPERM, errno.EOPNOTSUPP])
def test_without_hard_links_files_are_still_written_and_never_clobbered(tmp_path, monkeypatch,
                                                                       error):
    src, dest, _ = built(tmp_path)
    write(src / "02_b.ipynb", notebook(code("y = 2")))
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me")
    (dest / "02_b.ipynb").symlink_to(outside)

    def no_hard_links(source, target):
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, "link", no_hard_links)
    results = write_student_edition(src, dest)
    assert results[dest / "01_a.ipynb"].outcome is Outcome.WRITTEN
    assert nbformat.read(dest / "01_a.ipynb", as_version=4).cells
    assert results[dest / "02_b.ipynb"].outcome is not Outcome.WRITTEN
    assert outside.read_text() == "keep me"
    assert sorted(p.name for p in dest.iterdir()) == ["01_a.ipynb", "02_b.ipynb"]


def test_new_files_get_the_umask_permissions(tmp_path):
    src, dest, _ = built(tmp_path)
    old = os.umask(0o022)
    try:
        write_student_edition(src, dest)
    finally:
        os.umask(old)
    assert stat.S_IMODE((dest / "01_a.ipynb").stat().st_mode) == 0o644


# --------------------------------------------------------------------- leaks in early outputs


def test_earlier_output_showing_solution_text_is_cleared(tmp_path):
    html_output = v4.new_output("display_data", data={
        "text/html": "<pre>return w &lt;&lt; lr_SECRET</pre>", "text/plain": "<HTML>"})
    alt = v4.new_output("display_data", data={"image/png": "iVBORw0KGgo="},
                        metadata={"image/png": {"alt": "y = x_squared_SECRET"}})
    nb = notebook(
        code("print(inspect.getsource(step))", "    return w << lr_SECRET\n", count=5),
        code("show()", count=6),
        code("figure()", count=7),
        code("print('harmless')", "harmless\n", count=1),
        code("print('short')", "z\n", count=2),
        code("def step(w, lr):\n    ### BEGIN SOLUTION\n    return w << lr_SECRET\n"
             "    y = x_squared_SECRET\n    z\n    ### END SOLUTION"),
    )
    nb.cells[1].outputs = [html_output]
    nb.cells[2].outputs = [alt]
    student = student_notebook(nb)
    for index in (0, 1, 2, 4):
        assert student.cells[index].outputs == [] and student.cells[index].execution_count is None
    assert student.cells[3] == nb.cells[3]
    assert "SECRET" not in nbformat.writes(student)


def test_real_notebooks_keep_their_early_outputs():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, 4)
        student = student_notebook(nb, path.name)
        first = next((i for i, cell in enumerate(nb.cells) if BEGIN_SOLUTION in cell.source),
                     len(nb.cells))
        assert student.cells[:first] == nb.cells[:first], path.name


# ------------------------------------------------------------------------ malformed notebooks


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[]", "it holds a JSON list, a notebook is a JSON object"),
        ("{}", "'nbformat' is None, this tool reads version 4"),
        ('{"nbformat": 4, "cells', "not JSON (line 1, column 17: Unterminated string"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": {}}',
         "'cells' must be a list, got dict"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": '
         '[{"cell_type": "weird", "metadata": {}, "source": ""}]}',
         "cell 0 has cell_type 'weird', expected one of code, markdown, raw"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": '
         '"code", "metadata": {}, "outputs": [], "execution_count": null}]}',
         "cell 0 has no 'source' text"),
        ('{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [{"cell_type": '
         '"code", "id": "a", "metadata": {}, "source": "", "outputs": 3, '
         '"execution_count": null}]}', "cells[0].outputs: 3 is not of type 'array'"),
    ],
    ids=["list", "empty", "truncated", "cells-dict", "unknown-type", "no-source", "schema"],
)
def test_malformed_notebook_is_one_line_naming_the_file(tmp_path, capsys, text, problem):
    src, dest, _ = built(tmp_path)
    (src / "02_bad.ipynb").write_text(text)
    assert main(["student", str(src), str(dest)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(f"error: {src / '02_bad.ipynb'}: not a valid notebook: {problem}")
    assert err.count("\n") == 1 and err.endswith("(nothing written)\n")
    assert list(dest.iterdir()) == []
    with pytest.raises(NotebookFormatError):
        read_notebook(src / "02_bad.ipynb")


def test_not_utf8_is_named(tmp_path):
    (tmp_path / "x.ipynb").write_bytes(b"\xff\xfe{}")
    with pytest.raises(NotebookFormatError, match=r"x\.ipynb: not a valid notebook: not UTF-8"):
        read_notebook(tmp_path / "x.ipynb")


# ------------------------------------------------------------------------- near-miss markers


@pytest.mark.parametrize(
    "line",
    ["### begin solution", "###\u00a0BEGIN SOLUTION", "### BEGIN\u00a0SOLUTION",
     "### BEGIN SOLUTION here", "### BEGIN  SOLUTION", "### BEGIN_SOLUTION", "#BEGIN SOLUTION",
     "### BEG\u200bIN SOLUTION", "### \uff22\uff25\uff27\uff29\uff2e SOLUTION", "### End Solution",
     "### END SOLUTIONS", "# ### END SOLUTION"],
)
def test_near_miss_marker_is_refused_naming_file_and_cell(line):
    nb = notebook(code("x = 0"), v4.new_markdown_cell(f"Answer\n{line}\nSECRET\n"))
    with pytest.raises(MarkerError, match="malformed marker") as info:
        student_notebook(nb, "05_sgd.ipynb")
    assert (info.value.notebook, info.value.cell_index, info.value.line) == ("05_sgd.ipynb", 1, 2)
    assert repr(line.strip()) in str(info.value)


@pytest.mark.parametrize("line", ["We append solution rows.", "the backend solution",
                                  "beginning: solution", "x_end_solution = 1"])
def test_words_that_only_resemble_markers_are_text(line):
    assert replace_solutions(line, CODE_STUB) == (line, [])


_SPACES = st.sampled_from([" ", "  ", "\u00a0", "\t", "\u2003", "\u3000", "\u202f", "_", "-",
                           "", "\u200b "])


@st.composite
def near_miss_markers(draw: st.DrawFn) -> str:
    """Variants of a marker line: case, spaces, hashes, full-width letters, words around it."""
    word = draw(st.sampled_from(["BEGIN", "END"]))
    def spell(text: str) -> str:
        chars = [draw(st.sampled_from([c.upper(), c.lower(), chr(ord(c.upper()) + 0xFEE0)]))
                 for c in text]
        return "".join(chars)
    before = draw(st.sampled_from(["", "#", "##", "###", "####", "# ", "x = 1  #", "<!-- "]))
    after = draw(st.sampled_from(["", " ", "S", " here", ":", " -->", " (part a)"]))
    return (draw(st.sampled_from(["", "  ", "\t"])) + before + draw(_SPACES) + spell(word)
            + draw(_SPACES) + spell("SOLUTION") + after)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(marker=near_miss_markers())
def test_fuzz_near_miss_markers_are_markers_or_refused_never_silent(marker):
    for source in (f"a = 1\n{marker}\nSECRET = 2\n### END SOLUTION\n",
                   f"### BEGIN SOLUTION\nSECRET = 2\n{marker}\nb = 3\n"):
        try:
            new, regions = replace_solutions(source, CODE_STUB)
        except MarkerError as err:
            assert err.line in (2, 3) and "marker" in err.problem or "SOLUTION" in err.problem
            continue
        assert marker.strip() in (BEGIN_SOLUTION, END_SOLUTION)
        assert "SECRET" not in new and regions
