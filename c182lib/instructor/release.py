"""Re-execute the workbook's notebooks in place, and build the student edition.

Two commands, each a thin shell over a function of this module::

    python -m c182lib.instructor.release execute notebooks/*.ipynb             # make execute
    python -m c182lib.instructor.release student notebooks student [--force]   # make student

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
The source notebooks carry their solutions between marker lines (nbgrader's spelling; nbgrader
itself is not tested here)::

    def corr1d(x, k):
        ### BEGIN SOLUTION
        n_out = len(x) - len(k) + 1
        ...
        ### END SOLUTION

A marker line is ``### BEGIN SOLUTION`` or ``### END SOLUTION`` and nothing else but indentation.
A line that looks like an attempt at one (lower case, a non-breaking or zero-width space, an
underscore, extra words, ...) is refused: nbgrader and this tool could read it differently, and
a marker that is not recognised leaks the solution below it. In the student edition each region,
marker lines included, becomes ``# YOUR CODE HERE`` and ``raise NotImplementedError()`` in a code
cell, ``YOUR ANSWER HERE`` in any other cell, at the indentation of its BEGIN line.

Outputs: a stored output can show what a solution computes, and a later cell can depend on an
exercise in ways no analysis of names sees (a shared random generator, a figure, an array changed
in place). So the rule is the simple sound one: the outputs and execution counts of the first
exercise cell (code or markdown) and of every code cell after it are cleared, and so is any saved
widget state (``metadata.widgets``: what the explorers showed when the notebook was saved). An
earlier cell keeps its outputs unless one of them shows a line of solution text (a cell re-run
after the solution, printing it): then its outputs are cleared too.

Files: the edition is written only into ``dest`` (never into or below ``src``, also not through a
link), each file through a temporary file of its own in ``dest`` (a new random name, created
exclusively), then moved into place. A destination entry that is a link, a folder or anything but
a plain file is never written through or replaced; a plain file that differs from the edition (a
student's edited copy) is replaced only with ``--force``.

Cells are named by their 0-based index in ``nb.cells``, lines within a cell are 1-based.
"""

from __future__ import annotations

import argparse
import copy
import errno
import html
import json
import os
import re
import stat
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
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
CELL_TYPES = ("code", "markdown", "raw")
# The name in a markdown link or HTML src to a cell attachment, up to where the link ends.
_ATTACHMENT_LINK = re.compile(r"""attachment:([^\s)"'>]+)""")
# "begin"/"end" then "solution" as words, in a line already NFKC-normalised and case-folded.
_MARKER_WORDS = re.compile(r"(?<!\w)(begin|end)[\s_\-]*solution")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Output data of these kinds is binary (base64); it cannot show solution text.
_BINARY_OUTPUT = ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf")
# Solution lines shorter than this count as shown in an output only as a whole output line.
_SHORTEST_SECRET_SUBSTRING = 6


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


class NotebookFormatError(ValueError):
    """A file that is not a readable nbformat-4 notebook; the message is one line naming it."""

    def __init__(self, notebook: str | Path, problem: str) -> None:
        self.notebook = str(notebook)
        self.problem = problem
        super().__init__(f"{notebook}: not a valid notebook: {problem}")


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
    FAILED = "not written"


@dataclass(frozen=True)
class FileResult:
    """The :class:`Outcome` for one file, and for ``FAILED`` the reason (``"is a directory"``)."""

    outcome: Outcome
    reason: str = ""

    def __str__(self) -> str:
        return f"{self.outcome}: {self.reason}" if self.reason else str(self.outcome)


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
        looks like a marker without being exactly one (see :func:`looks_like_marker`): it may be
        a marker for nbgrader, so guessing either way could leak a solution.
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
        elif looks_like_marker(text):
            raise MarkerError(
                f"malformed marker {text!r}: a marker line must be exactly {BEGIN_SOLUTION!r} "
                f"or {END_SOLUTION!r} (ASCII, upper case, single spaces; indentation allowed)",
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


def looks_like_marker(line: str) -> bool:
    """Whether ``line`` says "begin solution" or "end solution" in any spelling.

    Any case, any Unicode space, underscores or hyphens (or nothing) between the words, invisible
    format characters (zero-width space), compatibility forms (full-width letters) and words
    around them all count: ``"### begin solution"``, ``"###\\xa0BEGIN SOLUTION"``,
    ``"### BEGIN_SOLUTION here"``. "append solution" does not (the word must start at "begin" or
    "end").
    """
    visible = "".join(char for char in line if unicodedata.category(char) != "Cf")
    return _MARKER_WORDS.search(unicodedata.normalize("NFKC", visible).casefold()) is not None


def student_notebook(nb: NotebookNode, name: str = "<notebook>") -> NotebookNode:
    """Return the student edition of one source notebook (``nb`` is not modified).

    Solution regions are replaced (see :func:`replace_solutions`; code cells get ``CODE_STUB``,
    markdown and raw cells ``TEXT_STUB``), and the outputs and execution counts of the first
    exercise cell and of every code cell after it are cleared, as is the saved widget state
    (``metadata.widgets``) of a notebook with exercises. An earlier cell's outputs are cleared
    if any of them shows a line of solution text (see :func:`shows_solution`). A markdown
    cell's attachments that only a solution region referred to (a pasted image of the answer)
    are dropped. Other metadata (kernelspec, tags, cell ids) is kept.

    Parameters
    ----------
    nb : NotebookNode
        A notebook in nbformat v4.
    name : str
        Name used in error messages.

    Raises
    ------
    NotebookFormatError
        If ``nb`` is not a notebook object with a list of cells, each of a known type with a
        source (the full schema is :func:`check_notebook`'s, which :func:`read_notebook` runs).
    MarkerError
        Naming ``name``, the cell index and the line of a bad marker.
    """
    _check_cells(nb, name)
    student = nbformat.from_dict(copy.deepcopy(nb))
    first_exercise: int | None = None
    solution_lines: set[str] = set()
    for index, cell in enumerate(student.cells):
        if isinstance(cell.source, list):  # the file format's other spelling of a source
            cell.source = "".join(cell.source)
        stub = CODE_STUB if cell.cell_type == "code" else TEXT_STUB
        try:
            cell.source, regions = replace_solutions(cell.source, stub)
        except MarkerError as err:
            raise MarkerError(err.problem, line=err.line, notebook=name, cell_index=index) from None
        solution_lines |= {line.strip() for region in regions for line in region}
        if regions and first_exercise is None:
            first_exercise = index
        if regions and "attachments" in cell:
            # An image pasted into an answer lives in the cell's attachments, not its source.
            referenced = {unquote(name) for name in _ATTACHMENT_LINK.findall(cell.source)}
            cell.attachments = {key: value for key, value in cell.attachments.items()
                                if key in referenced}
            if not cell.attachments:
                del cell["attachments"]
    if first_exercise is None:
        return student
    # A line the student sees anyway (in a source outside every region) is no secret.
    visible = {line.strip() for cell in student.cells for line in cell.source.split("\n")}
    secrets = solution_lines - visible - {""}
    student.metadata.pop("widgets", None)
    for index, cell in enumerate(student.cells):
        if cell.cell_type != "code":
            continue
        if index >= first_exercise or any(shows_solution(out, secrets) for out in cell.outputs):
            cell.outputs = []
            cell.execution_count = None
    return student


def shows_solution(output: NotebookNode, secrets: set[str]) -> bool:
    """Whether one stored output shows any of the lines ``secrets`` (stripped solution lines).

    Every text of the output counts (stream text, each text-like MIME type's data, HTML also
    unescaped, error messages and tracebacks, metadata such as an image's alt text); binary
    data (PNG, JPEG, ...) does not. A secret counts where it is a whole line of a text, or, if it
    has at least ``_SHORTEST_SECRET_SUBSTRING`` characters, anywhere inside one (within HTML).
    """
    texts = list(_strings({key: value for key, value in output.items() if key != "data"}))
    for kind, value in output.get("data", {}).items():
        if kind not in _BINARY_OUTPUT:
            found = list(_strings(value))
            texts += found
            if kind == "text/html":
                texts += [html.unescape(text) for text in found]
    for text in texts:
        lines = {line.strip() for line in text.splitlines()}
        if secrets & lines or any(
            secret in text for secret in secrets if len(secret) >= _SHORTEST_SECRET_SUBSTRING
        ):
            return True
    return False


def _strings(value: object) -> Iterator[str]:
    """Every string inside nested dicts and lists."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def check_notebook(nb: object, name: str | Path) -> None:
    """Raise :class:`NotebookFormatError` (one line naming ``name``) unless ``nb`` is a valid
    nbformat-4 notebook: a JSON object with ``cells``, each cell of a known type with a source,
    and everything else as nbformat's schema requires. ``nb`` is not modified (nbformat's
    validator would add missing cell ids, so it checks a copy)."""
    _check_cells(nb, name)
    try:
        nbformat.validate(copy.deepcopy(nb))
    except nbformat.ValidationError as err:
        where = "".join(f"[{part}]" if isinstance(part, int) else f".{part}"
                        for part in err.absolute_path).lstrip(".") or "the notebook"
        raise NotebookFormatError(name, f"{where}: {err.message.splitlines()[0][:200]}") from None


def _check_cells(nb: object, name: str | Path) -> None:
    """The part of :func:`check_notebook` that the conversion itself relies on."""
    if not isinstance(nb, dict):
        raise NotebookFormatError(
            name, f"it holds a JSON {type(nb).__name__}, a notebook is a JSON object")
    if nb.get("nbformat") != 4:
        raise NotebookFormatError(
            name, f"'nbformat' is {nb.get('nbformat')!r}, this tool reads version 4")
    cells = nb.get("cells")
    if not isinstance(cells, list):
        raise NotebookFormatError(name, f"'cells' must be a list, got {type(cells).__name__}")
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict):
            raise NotebookFormatError(
                name, f"cell {index} is a {type(cell).__name__}, not an object")
        if cell.get("cell_type") not in CELL_TYPES:
            raise NotebookFormatError(
                name, f"cell {index} has cell_type {cell.get('cell_type')!r}, expected one of "
                f"{', '.join(CELL_TYPES)}")
        if not isinstance(cell.get("source"), str | list):
            raise NotebookFormatError(name, f"cell {index} has no 'source' text")


def read_notebook(path: Path) -> NotebookNode:
    """Read and check one notebook file (nbformat 4).

    Raises
    ------
    NotebookFormatError
        One line naming ``path``: not UTF-8, not JSON, not a notebook object, an unknown cell
        type, a cell without source, or anything else nbformat's schema refuses.
    OSError
        If the file cannot be read.
    """
    data = path.read_bytes()
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        raise NotebookFormatError(path, f"not UTF-8 text (byte {err.start})") from None
    except json.JSONDecodeError as err:
        raise NotebookFormatError(
            path, f"not JSON (line {err.lineno}, column {err.colno}: {err.msg})") from None
    check_notebook(raw, path)
    return nbformat.v4.reads(data.decode("utf-8"))  # reads without validating a second time


def write_student_edition(src: Path, dest: Path, *, force: bool = False) -> dict[Path, FileResult]:
    """Write the student edition of every ``src/*.ipynb`` to ``dest/`` (same file names).

    All notebooks are read and converted before anything is written, so a bad notebook or a
    marker error writes nothing. Then each file is written on its own (see the module
    docstring's "Files"): a file in ``dest`` that already holds exactly the edition is UNCHANGED;
    a plain file that differs (e.g. a student's edited copy) is KEPT unless ``force`` is true
    (OVERWRITTEN); an entry that is a link, a folder or anything but a plain file, or a write
    the operating system refuses (a name too long, no permission), is FAILED with the reason,
    and the other files are still written.

    Parameters
    ----------
    src, dest : Path
        Folder of source notebooks; folder of the student edition (created if missing).
    force : bool
        Overwrite plain files in ``dest`` that differ from the student edition.

    Returns
    -------
    dict
        Each target path mapped to its :class:`FileResult`, in file-name order.

    Raises
    ------
    NotebookFormatError, MarkerError
        For a bad notebook or bad markers (nothing is written).
    FileNotFoundError
        If ``src`` holds no notebook.
    ValueError
        If ``dest`` is ``src`` or inside it, also by way of a link (nothing is written).
    """
    sources = sorted(src.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"src: no *.ipynb in {str(src)!r}")
    src_real, dest_real = src.resolve(), dest.resolve()
    if dest_real.is_relative_to(src_real):
        raise ValueError(f"dest must be outside src {str(src)!r}, but {str(dest)!r} is "
                         f"{str(dest_real)!r}")
    editions = {
        dest / path.name: _notebook_text(student_notebook(read_notebook(path), str(path)))
        for path in sources
    }
    dest.mkdir(parents=True, exist_ok=True)
    return {target: _write_edition_file(target, text.encode("utf-8"), force=force)
            for target, text in editions.items()}


def _write_edition_file(target: Path, data: bytes, *, force: bool) -> FileResult:
    """Write one file of the edition as :func:`write_student_edition` describes."""
    try:
        existing = os.lstat(target)
    except FileNotFoundError:
        existing = None
    except OSError as err:  # e.g. the name is too long for this file system
        return FileResult(Outcome.FAILED, err.strerror or str(err))
    if existing is not None:
        refusal = _not_a_plain_file(existing)
        if refusal:
            return FileResult(Outcome.FAILED, refusal)
        if target.read_bytes() == data:
            return FileResult(Outcome.UNCHANGED)
        if not force:
            return FileResult(Outcome.KEPT)
    try:
        _write_atomically(target, data, replace=existing is not None)
    except FileExistsError:
        return FileResult(Outcome.FAILED, "a file of this name appeared while writing; left alone")
    except OSError as err:
        return FileResult(Outcome.FAILED, err.strerror or str(err))
    return FileResult(Outcome.WRITTEN if existing is None else Outcome.OVERWRITTEN)


def _not_a_plain_file(info: os.stat_result) -> str:
    """Why an entry (its ``lstat``) must not be written to, or ``""`` for a plain file."""
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link, and the tool never writes through one (remove it)"
    if stat.S_ISDIR(info.st_mode):
        return "it is a directory"
    if not stat.S_ISREG(info.st_mode):
        return "it is not a plain file"
    return ""


def execute_notebook(path: Path, *, timeout: int = 300, kernel_name: str = "python3") -> bool:
    """Run ``path`` top to bottom on a fresh kernel and store its outputs in place.

    The kernel starts in the notebook's folder without ``MPLBACKEND``; the stored notebook is
    normalised as the module docstring describes, validated, and written (with a final newline)
    only if its text changed. If a cell fails, the file is not touched.

    Parameters
    ----------
    path : Path
        The notebook, a plain file (not a link).
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
    NotebookFormatError
        If ``path`` is not a valid notebook.
    NotebookExecutionError
        Naming the notebook, the cell index, the exception name and message.
    OSError
        If ``path`` is a link or cannot be written.
    """
    refusal = _not_a_plain_file(os.lstat(path))
    if refusal:
        raise OSError(f"{path}: {refusal}")
    nb = read_notebook(path)
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
    data = _notebook_text(nb).encode("utf-8")
    if path.read_bytes() == data:
        return False
    _write_atomically(path, data, replace=True)
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


def _write_atomically(path: Path, data: bytes, *, replace: bool) -> None:
    """Write ``data`` to ``path`` through a new temporary file in its folder.

    The temporary file gets a fresh random name and is created exclusively (``mkstemp``), so it
    never opens an existing file or a link. ``replace`` renames it over ``path`` (which replaces
    the entry, never what it might point to); otherwise it is hard-linked as ``path``, which
    fails with ``FileExistsError`` rather than clobber a file that appeared meanwhile (where the
    file system has no hard links, `_create_exclusively` gives the same guarantee). A new
    file gets the permissions the umask allows, a replaced one keeps its own.
    """
    mode = stat.S_IMODE(os.stat(path).st_mode) if replace else _new_file_mode()
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".c182-", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
        os.chmod(temporary, mode)
        if replace:
            os.replace(temporary, path)
        else:
            try:
                os.link(temporary, path)
            except OSError as err:
                if err.errno not in _NO_HARD_LINKS:
                    raise
                _create_exclusively(path, data, mode)
    finally:
        if os.path.lexists(temporary):
            os.unlink(temporary)


# what os.link raises where the file system has no hard links (FAT, some network shares)
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EMLINK}


def _create_exclusively(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to a new file ``path``, created exclusively (``O_EXCL`` refuses any
    existing entry, a link included): the no-clobber write without hard links. A partly
    written file is removed."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                         mode)
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
    except BaseException:
        os.unlink(path)
        raise


def _new_file_mode() -> int:
    """Read-write for everyone the process's umask allows (what ``open(path, "w")`` gives)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _execute_command(args: argparse.Namespace) -> int:
    failed = 0
    for path in args.notebooks:
        start = time.perf_counter()
        try:
            changed = execute_notebook(path, timeout=args.timeout)
        except (NotebookExecutionError, NotebookFormatError, OSError) as err:
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
        results = write_student_edition(args.src, args.dest, force=args.force)
    except (MarkerError, NotebookFormatError, OSError, ValueError) as err:
        print(f"error: {err} (nothing written)", file=sys.stderr)
        return 1
    for target, result in results.items():
        if result.outcome is Outcome.KEPT:
            print(
                f"{target}: left alone, it differs from the student edition of "
                f"{args.src / target.name} (edited?); --force (make student FORCE=1) "
                "overwrites it"
            )
        else:
            print(f"{target}: {result}")
    counts = {outcome: sum(r.outcome is outcome for r in results.values()) for outcome in Outcome}
    print(f"{args.dest}: " + ", ".join(f"{count} {outcome.name.lower()}"
                                       for outcome, count in counts.items() if count)
          + f" (of {len(results)} notebooks)")
    if counts[Outcome.FAILED]:
        print(f"error: {counts[Outcome.FAILED]} file(s) not written, see above", file=sys.stderr)
        return 1
    if counts[Outcome.KEPT]:
        print(f"warning: {counts[Outcome.KEPT]} file(s) left alone, see above", file=sys.stderr)
        return 3
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``execute NOTEBOOK...`` or ``student SRC DEST [--force]``; returns the
    exit status (0 done, 1 error, 2 usage, 3 student files left alone)."""
    parser = argparse.ArgumentParser(
        prog="python -m c182lib.instructor.release",
        description="Re-execute notebooks in place, or build the student edition.",
        epilog="Exit status: 0 done, 1 error (some file not written), 2 bad usage, 3 some "
        "student files left alone.",
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
        "clear the outputs from the first exercise cell on (and earlier ones showing solution "
        "text), and write DEST/<same name>. A file in DEST that differs from what would be "
        "written (e.g. an edited copy) is left alone unless --force is given; a link or a "
        "folder in DEST is never written through. Each file's result is printed.",
    )
    student.add_argument("src", type=Path, help="folder of source notebooks (with solutions)")
    student.add_argument("dest", type=Path, help="folder of the student edition, outside SRC")
    student.add_argument("--force", action="store_true", help="overwrite files in DEST that differ")
    student.set_defaults(run=_student_command)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
