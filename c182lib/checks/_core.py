"""The machinery behind every self-check: run, compare, and say *where* an answer is wrong.

A check never raises on a wrong or missing answer: it prints a verdict and returns a bool, so a
student edition whose exercises are still stubs runs from top to bottom. ``NotImplementedError``
(the stub) is reported as "not done yet"; any other exception inside the student's code is
reported with the case that triggered it and the student's line that raised it.

After a ``FAIL``, a check may add a ``  hint:`` line naming the classic mistake behind it. A
mistake is a `Suspect`: a hint and a function computing what that mistake returns on a case;
the first suspect whose result equals the student's output on the failing case gives the hint.
"""

from __future__ import annotations

import sysconfig
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

import c182lib

PASS = "PASS"
FAIL = "FAIL"
TODO = "TODO"
NOT_IMPLEMENTED = "not implemented yet (remove the raise and write it)"
MAX_LISTED_ENTRIES = 6
SEED = 182  # every check's seeded random cases start from it


@dataclass(frozen=True)
class Case:
    """One input on which the student's function is compared with the reference.

    ``description`` says what the case exercises (e.g. "stride 2 does not tile n=8"), so a
    failure message points at the idea the student missed.
    """

    description: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


# A suspect is (hint, wrong(case) -> what the mistake returns on the case, or None where the
# mistake cannot be told apart there). A tuple result may hold None for items not compared.
Suspect = tuple[str, Callable[[Case], object]]


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return repr(value)


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _kind(value) -> str:
    """What ``value`` is, for a message: ``a tuple of 2 items``, ``an array of shape (3,)``."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {_items(len(value))}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if value is None:
        return "None (does the function end without `return`?)"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def describe_difference(got, expected, label: str = "output", rtol: float = 1e-6,
                        atol: float = 1e-8) -> str | None:
    """Explain how ``got`` differs from ``expected``, or return None when they match.

    Arrays are compared by shape first, then entry by entry (``np.isclose`` with ``rtol`` and
    ``atol``); the message lists the first few differing entries with their indices, the number
    of differing entries, and the largest relative error. Tuples/lists are compared item by item
    and the message names the item (e.g. ``dw``).
    """
    if got is None:
        return f"{label}: got None (does the function end without `return`?)"
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return (f"{label}: expected a {type(expected).__name__} of "
                    f"{_items(len(expected))}, got {_kind(got)}")
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = describe_difference(g, e, f"{label}[{i}]", rtol, atol)
            if problem:
                return problem
        return None
    expected_arr = np.asarray(expected)
    numeric = expected_arr.dtype.kind in "fiu"
    try:
        got_arr = np.asarray(got, dtype=expected_arr.dtype if expected_arr.dtype.kind == "f"
                             else None)
    except (TypeError, ValueError):
        return f"{label}: expected an array of shape {expected_arr.shape}, got {got!r}"
    if numeric and got_arr.dtype.kind not in "biufc":  # None, a string, ... for an int
        wanted = ("a number" if expected_arr.ndim == 0
                  else f"an array of shape {expected_arr.shape}")
        return f"{label}: expected {wanted}, got {got!r}"
    if got_arr.shape != expected_arr.shape:
        return f"{label}: wrong shape {got_arr.shape}, expected {expected_arr.shape}"
    if not numeric:
        return None if np.array_equal(got_arr, expected_arr) else (
            f"{label}: got {_fmt(got)}, expected {_fmt(expected)}")
    close = np.isclose(got_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    wrong = np.argwhere(~close)
    if expected_arr.ndim == 0:
        return f"{label}: got {_fmt(got_arr.item())}, expected {_fmt(expected_arr.item())}"
    lines = [f"{label}: {len(wrong)} of {expected_arr.size} entries differ"]
    for index in wrong[:MAX_LISTED_ENTRIES]:
        idx = tuple(int(i) for i in index)
        lines.append(f"    at {idx}: got {_fmt(got_arr[idx])}, expected {_fmt(expected_arr[idx])}")
    if len(wrong) > MAX_LISTED_ENTRIES:
        lines.append(f"    ... and {len(wrong) - MAX_LISTED_ENTRIES} more")
    denom = np.maximum(np.abs(got_arr) + np.abs(expected_arr), 1e-12)
    lines.append(f"    largest relative error {np.max(np.abs(got_arr - expected_arr) / denom):.3g}")
    return "\n".join(lines)


def shape_of(value) -> tuple[int, ...] | None:
    """``np.shape(value)``, or None for a value that has no shape (a ragged list, an object):
    hints test a student's output shape without ever raising."""
    try:
        return np.shape(value)
    except (TypeError, ValueError):
        return None


def matches(got, wrong, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Whether ``got`` equals ``wrong`` (what a mistake returns), without ever raising.

    Arrays and numbers match when `describe_difference` finds no difference. A tuple or list
    ``wrong`` is a sequence of items (as for `describe_difference`): it matches a tuple or list
    of the same length item by item, and an item that is None in ``wrong`` is not compared (a
    mistake that only concerns ``dx`` says nothing of ``dw``); a ``wrong`` of Nones only matches
    nothing.
    """
    if isinstance(wrong, (tuple, list)):
        if all(item is None for item in wrong):  # a mistake that says nothing matches nothing
            return False
        return (isinstance(got, (tuple, list)) and len(got) == len(wrong)
                and all(w is None or matches(g, w, rtol, atol)
                        for g, w in zip(got, wrong, strict=True)))
    try:
        return describe_difference(got, wrong, rtol=rtol, atol=atol) is None
    except Exception:  # a malformed student result matches no suspect
        return False


def matching_suspect(got, case: Case, suspects: Sequence[Suspect], rtol: float = 1e-6,
                     atol: float = 1e-8, passed: Sequence[tuple[Case, object]] = ()) -> str | None:
    """The hint of the first suspect whose wrong result on ``case`` equals ``got``, or None.

    ``passed`` holds ``(case, expected output)`` for the cases the student got right: a
    suspect whose mistake would have given a different output on one of them is not the
    student's mistake, however well it explains the failing case.
    """
    for hint, wrong in suspects:
        wrong_result = wrong(case)
        if wrong_result is None or not matches(got, wrong_result, rtol, atol):
            continue
        ruled_out = any((wrong_there := wrong(passed_case)) is not None
                        and not matches(expected, wrong_there, rtol, atol)
                        for passed_case, expected in passed)
        if not ruled_out:
            return hint
    return None


def report(name: str, verdict: str, detail: str = "") -> bool:
    """Print ``"<verdict> <name>: <detail>"`` and return whether the verdict is `PASS`.

    ``verdict`` is one of `PASS`, `FAIL`, `TODO`; a ``detail`` of several lines continues the
    verdict (e.g. a ``"\\n  hint: ..."`` line).
    """
    print(f"{verdict} {name}" + (f": {detail}" if detail else ""))
    return verdict == PASS


def print_hint(hint: str | None) -> None:
    """Print ``"  hint: <hint>"`` under a verdict, if there is a hint."""
    if hint:
        print(f"  hint: {hint}")


def _library_dirs() -> tuple[Path, ...]:
    paths = sysconfig.get_paths()
    dirs = {Path(c182lib.__file__).parent, Path(np.__file__).parent,
            *(Path(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib"))}
    return tuple(d.resolve() for d in dirs)


_LIBRARY_DIRS = _library_dirs()


def _in_library(filename: str) -> bool:
    """Whether a traceback frame's file is c182lib, numpy, the standard library or installed."""
    if filename.startswith("<"):  # "<frozen importlib._bootstrap>", or "<string>" (exec)
        return filename.startswith("<frozen ")
    path = Path(filename).resolve()
    return ("site-packages" in path.parts or "dist-packages" in path.parts
            or any(path.is_relative_to(d) for d in _LIBRARY_DIRS))


def student_frame(err: BaseException) -> traceback.FrameSummary:
    """The deepest frame of ``err``'s traceback in the student's own code.

    A wrong call often fails deep inside numpy or c182lib; the line to show is the student's
    line that made the call. When every frame is library code (e.g. a c182lib function checked
    as the "student"), the last frame.
    """
    frames = traceback.extract_tb(err.__traceback__)
    return next((frame for frame in reversed(frames) if not _in_library(frame.filename)),
                frames[-1])


def describe_exception(description: str, err: BaseException) -> str:
    """``case '<description>' raised TypeError: ... (line 3: ...)``, the student's line.

    An exception whose traceback has a single frame was raised by the call itself, before
    any line of the function ran (a missing or extra parameter): it says so instead of
    citing the check's own line.
    """
    if len(traceback.extract_tb(err.__traceback__)) == 1:
        return (f"case '{description}' raised {type(err).__name__}: {err} (in the call "
                f"itself, before its first line ran: check the parameters)")
    where = student_frame(err)
    return (f"case '{description}' raised {type(err).__name__}: {err} "
            f"(line {where.lineno}: {where.line})")


def check_function(name: str, student: Callable, reference: Callable, cases: Sequence[Case],
                   labels: Sequence[str] | None = None, rtol: float = 1e-6,
                   atol: float = 1e-8, *, label: str = "output",
                   suspects: Sequence[Suspect] = (),
                   on_error: Callable[[Case, Exception], str | None] | None = None,
                   fallback: Callable[[Case, object], str | None] | None = None) -> bool:
    """Run ``student`` and ``reference`` on every case and report the first disagreement.

    Prints ``PASS`` (every case matches), ``TODO`` (``student`` raises
    ``NotImplementedError``) or ``FAIL`` with the first failing case and what differs, then
    possibly a ``  hint:`` line about that case: the first of ``suspects`` whose result equals
    the student's output, else ``fallback(case, output)``; or ``on_error(case, exception)``
    when the student's code raised.

    Parameters
    ----------
    name : str
        What is being checked, printed in the verdict.
    student, reference : callable
        Called with each case's ``args`` and ``kwargs``. Arrays (also inside tuples, lists and
        dicts) are copied per call, so a student function that writes into its input cannot
        spoil the reference or the suspects.
    cases : sequence of Case
    labels : sequence of str, optional
        Names of the items when the functions return tuples, e.g. ``("dx", "dw")``.
    rtol, atol : float
        Tolerances of the comparison (``np.isclose``), also used to match suspects.
    label : str
        Name of a single output in the messages (when ``labels`` is None), e.g. ``"dw"``.
    suspects : sequence of Suspect
        Classic mistakes, tried in order on the failing case.
    on_error : callable, optional
        ``on_error(case, exception) -> hint or None`` after an exception in student code.
    fallback : callable, optional
        ``fallback(case, output) -> hint or None`` when no suspect explains the output.

    Returns
    -------
    bool
        True when every case matches.
    """
    passed = []
    for case in cases:
        expected = reference(*_copied(case.args), **_copied(case.kwargs))
        try:
            got = student(*_copied(case.args), **_copied(case.kwargs))
        except NotImplementedError:
            return report(name, TODO, NOT_IMPLEMENTED)
        except Exception as err:  # the student's bug, reported instead of raised
            report(name, FAIL, describe_exception(case.description, err))
            print_hint(_hint_or_none(on_error, case, err))
            return False
        try:
            problem = _compare(got, expected, labels, label, rtol, atol)
        except Exception:  # an output too malformed to compare (ragged lists, objects, ...)
            problem = f"{label}: cannot be compared with the expected output; got {got!r}"
        if problem:
            report(name, FAIL, f"case '{case.description}'\n  {problem}")
            print_hint(_hint_or_none(matching_suspect, got, case, suspects, rtol, atol, passed)
                       or _hint_or_none(fallback, case, got))
            return False
        passed.append((case, expected))
    return report(name, PASS, f"all {len(cases)} cases match")


def _hint_or_none(find_hint: Callable[..., str | None] | None, *args) -> str | None:
    """``find_hint(*args)``, or None if there is no ``find_hint`` or it raises: a hint guesses
    at a mistake from the student's output, which can be malformed in ways no hint foresees,
    and a check never raises."""
    if find_hint is None:
        return None
    try:
        return find_hint(*args)
    except Exception:
        return None


def check_value(name: str, answer, expected, hint: str = "", rtol: float = 1e-9,
                known: Mapping[object, str] | None = None) -> bool:
    """Compare a written answer (a number, shape tuple or array) with the expected one.

    ``None`` means "not answered yet". A wrong answer is reported by `describe_wrong_answer`,
    which says which items are wrong but not what they should be (that would give the answer
    away on the first try). Then the hint is printed: ``known[key]``
    when the answer, as an int or a tuple of ints, is one of the ``known`` wrong answers, else
    ``hint``. An array answer to a tuple question is read as a tuple.
    """
    if answer is None:
        return report(name, TODO, "no answer yet")
    problem = describe_wrong_answer(answer, expected, rtol)
    if problem:
        hint = (known or {}).get(_integer_key(answer), hint)
        return report(name, FAIL, problem + (f"\n  hint: {hint}" if hint else ""))
    return report(name, PASS, f"{_fmt(expected) if np.ndim(expected) == 0 else 'correct'}")


def describe_wrong_answer(answer, expected, rtol: float = 1e-9) -> str | None:
    """Say what is wrong with a written answer without revealing the expected one, or None.

    A number: ``answer: 760 is not right``. A tuple (a shape): which items are wrong, e.g.
    ``answer[0] = 26 is not right``, or that it has the wrong number of items. An array: its
    wrong shape, or the positions of the wrong entries. A 1-D array answers a tuple question.
    True, False and strings are not numbers here.
    """
    if isinstance(answer, np.ndarray) and answer.ndim == 1 and isinstance(expected, tuple):
        answer = tuple(answer.tolist())
    items = answer if isinstance(answer, (tuple, list)) else (answer,)
    if any(isinstance(item, (bool, np.bool_)) for item in items):
        return f"answer: write numbers, not True or False; got {answer!r}"
    if any(isinstance(item, str) for item in items):
        return f"answer: write numbers, not text; got {answer!r}"
    expected_arr = np.asarray(expected, dtype=float)
    if isinstance(expected, tuple) and (not isinstance(answer, (tuple, list))
                                        or len(answer) != len(expected)):
        return f"answer: expected a tuple of {len(expected)} numbers, got {answer!r}"
    try:
        got = np.asarray(answer, dtype=float)
    except Exception:  # not numbers, an int beyond 1e308, a tensor that refuses, ...
        got = None
    if got is None or got.shape != expected_arr.shape:
        wanted = ("a number" if expected_arr.ndim == 0
                  else f"an array of shape {expected_arr.shape}")
        return f"answer: expected {wanted}, got {answer!r}"
    wrong = np.argwhere(~np.isclose(got, expected_arr, rtol=rtol, atol=0.0))
    if len(wrong) == 0:
        return None
    if expected_arr.ndim == 0:
        return f"answer: {_fmt(answer)} is not right"
    if isinstance(expected, tuple):
        wrong_items = [f"answer[{i}] = {_fmt(answer[i])}" for (i,) in wrong]
        verb = "is" if len(wrong_items) == 1 else "are"
        return f"{' and '.join(wrong_items)} {verb} not right"
    positions = ", ".join(str(tuple(int(i) for i in index))
                          for index in wrong[:MAX_LISTED_ENTRIES])
    more = f" and {len(wrong) - MAX_LISTED_ENTRIES} more" if len(wrong) > MAX_LISTED_ENTRIES else ""
    return f"answer: the entries at {positions}{more} are not right"


# A written-answer part: (question, expected answer, known wrong answer -> hint, default hint).
Part = tuple[str, object, Mapping[object, str] | None, str]


def check_part(problem: str, parts: Mapping[str, Part], part: str, answer) -> bool:
    """`check_value` for one part of a problem with several written answers.

    Prints ``"<verdict> <problem> <part>: <question>..."``. ``parts`` maps each part's name to
    its `Part`: the question, the expected answer, the known wrong answers with their hints
    (or None) and the hint for any other wrong answer.

    Raises
    ------
    ValueError
        If ``part`` is not a key of ``parts`` (a mistake in the notebook, not in the answer).
    """
    if part not in parts:
        raise ValueError(f"part must be one of {', '.join(map(repr, parts))}; got {part!r}")
    question, expected, known, hint = parts[part]
    return check_value(f"{problem} {part}: {question}", answer, expected, hint=hint, known=known)


def _integer_key(answer):
    """A hashable form of an answer (tuple of ints or an int), or None if it has none."""
    try:
        if isinstance(answer, (tuple, list, np.ndarray)):
            values = np.asarray(answer, dtype=float).ravel()
            return tuple(int(v) for v in values) if np.all(values == np.round(values)) else None
        value = float(answer)
        return int(value) if value.is_integer() else None
    except Exception:  # no number: no known wrong answer either
        return None


def _compare(got, expected, labels, label, rtol, atol) -> str | None:
    if labels is None:
        return describe_difference(got, expected, label, rtol, atol)
    if not isinstance(got, (tuple, list)) or len(got) != len(labels):
        return (f"expected a tuple of {_items(len(labels))} ({', '.join(labels)}), "
                f"got {_kind(got)}")
    for item_label, g, e in zip(labels, got, expected, strict=True):
        problem = describe_difference(g, e, item_label, rtol, atol)
        if problem:
            return problem
    return None


def _copied(value):
    """``value`` with every array in it copied, inside tuples (named ones keep their type, as
    the caches of the layers), lists and dicts too."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, tuple):
        copies = [_copied(v) for v in value]
        return type(value)(*copies) if hasattr(value, "_fields") else tuple(copies)
    if isinstance(value, list):
        return [_copied(v) for v in value]
    return value
