"""Re-execute the workbook's notebooks in place, and build the student edition.

Two commands, each a thin shell over a function of this module::

    python -m c182lib.release execute notebooks/*.ipynb             # make execute
    python -m c182lib.release student notebooks student [--force]   # make student

Executing (:func:`execute_notebook`)
------------------------------------
Each notebook runs top to bottom on a fresh ``python3`` kernel (the current environment's),
in the notebook's folder, and is stored so that running it again changes no byte unless an
output really changed: no execution timestamps (``metadata.execution``), no widget state
(``metadata.widgets``; it changes on every run and GitHub and nbval do not use it), no
widget-view references (their ``model_id`` is random; the ``text/plain`` repr is kept),
consecutive prints merged into one stream output as Jupyter displays them, execution counts
1, 2, 3, ... in cell order. ``MPLBACKEND`` is removed from the kernel's environment, or inline
figures would silently vanish.

Student edition (:func:`write_student_edition`)
-----------------------------------------------
The source notebooks carry their solutions between nbgrader-compatible marker lines::

    def corr1d(x, k):
        ### BEGIN SOLUTION
        n_out = len(x) - len(k) + 1
        ...
        ### END SOLUTION

A marker line is ``### BEGIN SOLUTION`` or ``### END SOLUTION`` and nothing else but indentation.
In the student edition each region, marker lines included, becomes ``# YOUR CODE HERE`` and
``raise NotImplementedError()`` in a code cell, ``YOUR ANSWER HERE`` in any other cell, at the
indentation of its BEGIN line.

Outputs: a stored output can show what a solution computes, and a later cell can depend on an
exercise in ways no analysis of names sees (a shared random generator, a figure, an array changed
in place). So the rule is the simple sound one: the outputs and execution counts of the first
exercise cell (code or markdown) and of every code cell after it are cleared, and so is any saved
widget state (``metadata.widgets``: what the explorers showed when the notebook was saved);
everything else is kept as it is.

Cells are named by their 0-based index in ``nb.cells``, lines within a cell are 1-based.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
import time
from collections.abc import Sequence
from enum import StrEnum
from pathlib import Path
from urllib.parse import unquote

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat import NotebookNode

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
CODE_STUB = ("# YOUR CODE HERE", "raise NotImplementedError()")
TEXT_STUB = ("YOUR ANSWER HERE",)
# The name in a markdown link or HTML src to a cell attachment, up to where the link ends.
_ATTACHMENT_LINK = re.compile(r"""attachment:([^\s)"'>]+)""")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


class MarkerError(ValueError):
    """Unbalanced, nested or malformed solution markers.

    Parameters
    ----------
    problem : str
        What is wrong, e.g. ``"'### END SOLUTION' without a matching '### BEGIN SOLUTION'"``.
    line : int
        1-based line of the offending marker within the cell.
    notebook : str, optional
        The notebook's name or path.
    cell_index : int, optional
        0-based index of the cell in ``nb.cells``.
    """

    def __init__(
        self, problem: str, *, line: int, notebook: str | None = None, cell_index: int | None = None
    ) -> None:
        self.problem = problem
        self.line = line
        self.notebook = notebook
        self.cell_index = cell_index
        where = [] if notebook is None else [notebook]
        where += [] if cell_index is None else [f"cell {cell_index}"]
        super().__init__(", ".join([*where, f"line {line}"]) + f": {problem}")


class NotebookExecutionError(RuntimeError):
    """A cell failed (raised, timed out or killed the kernel) while a notebook was executed.

    Attributes ``notebook`` (path), ``cell_index`` (0-based) and ``ename`` (exception name)
    say where and what; the message repeats them with the first line of the cell.
    """

    def __init__(self, notebook: Path, cell_index: int, ename: str, detail: str) -> None:
        self.notebook = notebook
        self.cell_index = cell_index
        self.ename = ename
        super().__init__(f"{notebook}, cell {cell_index}: {detail}")


class Outcome(StrEnum):
    """What :func:`write_student_edition` did with one file of the student edition."""

    WRITTEN = "written"
    UNCHANGED = "unchanged"
    OVERWRITTEN = "overwritten (--force)"
    KEPT = "left alone"


def replace_solutions(source: str, stub: Sequence[str]) -> tuple[str, list[list[str]]]:
    """Replace every solution region of one cell's source by ``stub``.

    Parameters
    ----------
    source : str
        The cell's source; regions run from a ``### BEGIN SOLUTION`` line to the next
        ``### END SOLUTION`` line, marker lines included.
    stub : sequence of str
        Lines put in place of each region, each prefixed with the BEGIN line's indentation.

    Returns
    -------
    new_source : str
        ``source`` with every region replaced; other lines (and line ends) unchanged. Stub
        lines end like the BEGIN line (``\r\n`` in a CRLF source).
    regions : list of list of str
        The lines removed from inside each region (markers excluded), one list per region.

    Raises
    ------
    MarkerError
        For a BEGIN inside a region, an END outside one, a region never closed, or a line that
        mentions ``BEGIN SOLUTION``/``END SOLUTION`` without being exactly a marker line (it would
        be a marker for nbgrader, so guessing either way could leak a solution).
    """
    kept: list[str] = []
    regions: list[list[str]] = []
    begin_line: int | None = None  # line number of the open region's BEGIN marker
    for number, line in enumerate(source.split("\n"), start=1):
        text = line.strip()
        if text == BEGIN_SOLUTION:
            if begin_line is not None:
                raise MarkerError(
                    f"nested {BEGIN_SOLUTION!r}: the region opened on line {begin_line} "
                    "is not closed",
                    line=number,
                )
            begin_line = number
            regions.append([])
            indent = line[: len(line) - len(line.lstrip())]
            line_end = "\r" if line.endswith("\r") else ""  # keep a CRLF source CRLF
            kept += [indent + stub_line + line_end for stub_line in stub]
        elif text == END_SOLUTION:
            if begin_line is None:
                raise MarkerError(
                    f"{END_SOLUTION!r} without a matching {BEGIN_SOLUTION!r}", line=number
                )
            begin_line = None
            if stub:  # the stub's last line ends as the END line did: no "\r" at a cell's end
                kept[-1] = kept[-1].removesuffix("\r") + ("\r" if line.endswith("\r") else "")
        elif "BEGIN SOLUTION" in text or "END SOLUTION" in text:
            raise MarkerError(
                f"malformed marker {text!r}: a marker line must be exactly {BEGIN_SOLUTION!r} "
                f"or {END_SOLUTION!r} (indentation allowed)",
                line=number,
            )
        elif begin_line is not None:
            regions[-1].append(line)
        else:
            kept.append(line)
    if begin_line is not None:
        raise MarkerError(
            f"{BEGIN_SOLUTION!r} is never closed by {END_SOLUTION!r}", line=begin_line
        )
    return "\n".join(kept), regions


def student_notebook(nb: NotebookNode, name: str = "<notebook>") -> NotebookNode:
    """Return the student edition of one source notebook (``nb`` is not modified).

    Solution regions are replaced (see :func:`replace_solutions`; code cells get ``CODE_STUB``,
    markdown and raw cells ``TEXT_STUB``), and the outputs and execution counts of the first
    exercise cell and of every code cell after it are cleared, as is the saved widget state
    (``metadata.widgets``) of a notebook with exercises. A markdown cell's attachments that
    only a solution region referred to (a pasted image of the answer) are dropped. Other
    metadata (kernelspec, tags, cell ids) is kept.

    Parameters
    ----------
    nb : NotebookNode
        A notebook in nbformat v4.
    name : str
        Name used in error messages.

    Raises
    ------
    MarkerError
        Naming ``name``, the cell index and the line of a bad marker.
    """
    student = copy.deepcopy(nb)
    first_exercise: int | None = None
    for index, cell in enumerate(student.cells):
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        try:
            cell.source, regions = replace_solutions(cell.source, stub)
        except MarkerError as err:
            raise MarkerError(err.problem, line=err.line, notebook=name, cell_index=index) from None
        if regions and first_exercise is None:
            first_exercise = index
        if regions and "attachments" in cell:
            # An image pasted into an answer lives in the cell's attachments, not its source.
            referenced = {unquote(name) for name in _ATTACHMENT_LINK.findall(cell.source)}
            cell.attachments = {key: value for key, value in cell.attachments.items()
                                if key in referenced}
            if not cell.attachments:
                del cell["attachments"]
    if first_exercise is not None:
        student.metadata.pop("widgets", None)
        for cell in student.cells[first_exercise:]:
            if cell.cell_type == "code":
                cell.outputs = []
                cell.execution_count = None
    return student


def write_student_edition(src: Path, dest: Path, *, force: bool = False) -> dict[Path, Outcome]:
    """Write the student edition of every ``src/*.ipynb`` to ``dest/`` (same file names).

    All notebooks are converted before anything is written, so a marker error writes nothing.
    A file in ``dest`` that already holds exactly what would be written is left as it is
    (UNCHANGED); one that differs (e.g. a student's edited copy) is left alone (KEPT) unless
    ``force`` is true (OVERWRITTEN). Files are replaced atomically.

    Parameters
    ----------
    src, dest : Path
        Folder of source notebooks; folder of the student edition (created if missing).
    force : bool
        Overwrite files in ``dest`` that differ from the student edition.

    Returns
    -------
    dict
        Each target path mapped to its :class:`Outcome`, in file-name order.

    Raises
    ------
    MarkerError
        For bad markers (nothing is written).
    FileNotFoundError
        If ``src`` holds no notebook.
    ValueError
        If ``dest`` is ``src`` (``--force`` would destroy the solutions).
    """
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"src: no *.ipynb in {str(src)!r}")
    if dest.resolve() == src.resolve():
        raise ValueError(f"dest must differ from src, both are {str(src)!r}")
    editions = {
        dest / path.name: _notebook_text(
            student_notebook(nbformat.read(path, as_version=4), str(path))
        )
        for path in sources
    }
    dest.mkdir(parents=True, exist_ok=True)
    outcomes: dict[Path, Outcome] = {}
    for target, text in editions.items():
        if not target.exists():
            outcomes[target] = Outcome.WRITTEN
        elif target.read_bytes() == text.encode("utf-8"):
            outcomes[target] = Outcome.UNCHANGED
        else:
            outcomes[target] = Outcome.OVERWRITTEN if force else Outcome.KEPT
        if outcomes[target] in (Outcome.WRITTEN, Outcome.OVERWRITTEN):
            _write_atomically(target, text)
    return outcomes


def execute_notebook(path: Path, *, timeout: int = 300, kernel_name: str = "python3") -> bool:
    """Run ``path`` top to bottom on a fresh kernel and store its outputs in place.

    The kernel starts in the notebook's folder without ``MPLBACKEND``; the stored notebook is
    normalised as the module docstring describes, validated, and written (with a final newline)
    only if its text changed. If a cell fails, the file is not touched.

    Parameters
    ----------
    path : Path
        The notebook.
    timeout : int
        Seconds allowed per cell.
    kernel_name : str
        Kernel to run; ``"python3"`` is the current environment's Python.

    Returns
    -------
    bool
        Whether the file changed.

    Raises
    ------
    NotebookExecutionError
        Naming the notebook, the cell index, the exception name and message.
    """
    nb = nbformat.read(path, as_version=4)
    started: list[int] = []
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
        store_widget_state=False,
        on_cell_start=lambda cell, cell_index: started.append(cell_index),
    )
    env = {key: value for key, value in os.environ.items() if key != "MPLBACKEND"}
    try:
        client.execute(env=env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as err:
        index = started[-1] if started else 0
        first_line = nb.cells[index].source.split("\n", 1)[0] if nb.cells else ""
        if isinstance(err, CellExecutionError):
            ename, detail = err.ename, f"{err.ename}: {err.evalue}"
        else:
            ename, detail = type(err).__name__, f"{type(err).__name__}: {err}"
        raise NotebookExecutionError(path, index, ename, f"{detail}  [{first_line}]") from err
    _normalise_outputs(nb)
    text = _notebook_text(nb)
    if path.read_bytes() == text.encode("utf-8"):
        return False
    _write_atomically(path, text)
    return True


def _normalise_outputs(nb: NotebookNode) -> None:
    """Drop run-dependent data from an executed notebook, in place (see module docstring)."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        if not cell.source.strip():  # never executed, so whatever it stores is stale
            cell.outputs, cell.execution_count = [], None
        outputs: list[NotebookNode] = []
        for output in cell.outputs:
            if output.output_type in ("display_data", "execute_result"):
                output.data.pop(WIDGET_VIEW, None)
                if not output.data:
                    continue
            previous = outputs[-1] if outputs else None
            if (
                output.output_type == "stream"
                and previous is not None
                and previous.output_type == "stream"
                and previous.name == output.name
            ):
                previous.text += output.text
            else:
                outputs.append(output)
        cell.outputs = outputs


def _notebook_text(nb: NotebookNode) -> str:
    """Validate ``nb`` and return it as nbformat writes it, ending with a newline."""
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so no half-written file remains."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _execute_command(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.notebooks:
        start = time.perf_counter()
        try:
            changed = execute_notebook(path, timeout=args.timeout)
        except (NotebookExecutionError, OSError) as err:
            print(f"error: {err}", file=sys.stderr)
            failed += 1
            continue
        note = "" if changed else " (no change)"
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s{note}", flush=True)
    if failed:
        print(f"error: {failed} of {len(args.notebooks)} notebook(s) failed", file=sys.stderr)
    return 1 if failed else 0


def _student_command(args: argparse.Namespace) -> int:
    try:
        outcomes = write_student_edition(args.src, args.dest, force=args.force)
    except (MarkerError, OSError, ValueError) as err:
        print(f"error: {err} (nothing written)", file=sys.stderr)
        return 1
    for target, outcome in outcomes.items():
        if outcome is Outcome.KEPT:
            print(
                f"{target}: left alone, it differs from the student edition of "
                f"{args.src / target.name} (edited?); --force (make student FORCE=1) "
                "overwrites it"
            )
        else:
            print(f"{target}: {outcome}")
    kept = sum(outcome is Outcome.KEPT for outcome in outcomes.values())
    if kept:
        print(f"warning: {kept} file(s) left alone, see above", file=sys.stderr)
    return 3 if kept else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``execute NOTEBOOK...`` or ``student SRC DEST [--force]``; returns the
    exit status (0 done, 1 error, 2 usage, 3 student files left alone)."""
    parser = argparse.ArgumentParser(
        prog="python -m c182lib.release",
        description="Re-execute notebooks in place, or build the student edition.",
        epilog="Exit status: 0 done, 1 error, 2 bad usage, 3 some student files left alone.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    execute = commands.add_parser(
        "execute",
        help="re-run notebooks in place on a fresh kernel and store their outputs",
        description="Run each notebook top to bottom on a fresh python3 kernel in its folder "
        "and store the outputs without timings or widget state, so an unchanged notebook "
        "stays byte-identical. A failing cell is reported with notebook and cell index "
        "(0-based), and that notebook is left untouched.",
    )
    execute.add_argument("notebooks", nargs="+", type=Path, help="the .ipynb files")
    execute.add_argument(
        "--timeout", type=int, default=300, help="seconds allowed per cell (default 300)"
    )
    execute.set_defaults(run=_execute_command)
    student = commands.add_parser(
        "student",
        help="write the student edition of SRC/*.ipynb to DEST",
        description="Replace every '### BEGIN SOLUTION' ... '### END SOLUTION' region by "
        "'# YOUR CODE HERE' + 'raise NotImplementedError()' (markdown: 'YOUR ANSWER HERE'), "
        "clear the outputs from the first exercise cell on, and write DEST/<same name>. "
        "A file in DEST that differs from what would be written (e.g. an edited copy) is "
        "left alone unless --force is given.",
    )
    student.add_argument("src", type=Path, help="folder of source notebooks (with solutions)")
    student.add_argument("dest", type=Path, help="folder of the student edition")
    student.add_argument("--force", action="store_true", help="overwrite files in DEST that differ")
    student.set_defaults(run=_student_command)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
