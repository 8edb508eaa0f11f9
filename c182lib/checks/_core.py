"""The machinery behind every self-check: run, compare, and say *where* an answer is wrong.

A check never raises on a wrong or missing answer: it prints a verdict and returns a bool, so a
student edition whose exercises are still stubs runs from top to bottom. ``NotImplementedError``
(the stub) is reported as "not done yet"; any other exception inside the student's code is
reported with the case that triggered it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

PASS = "PASS"
FAIL = "FAIL"
TODO = "TODO"
MAX_LISTED_ENTRIES = 6


@dataclass(frozen=True)
class Case:
    """One input on which the student's function is compared with the reference.

    ``description`` says what the case exercises (e.g. "stride 2 does not tile n=8"), so a
    failure message points at the idea the student missed.
    """

    description: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)


def _fmt(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{value:.6g}"
    return repr(value)


def describe_difference(got, expected, label: str = "output", rtol: float = 1e-6,
                        atol: float = 1e-8) -> str | None:
    """Explain how ``got`` differs from ``expected``, or return None when they match.

    Arrays are compared by shape first, then entry by entry (``np.isclose`` with ``rtol`` and
    ``atol``); the message lists the first few differing entries with their indices, the number
    of differing entries, and the largest relative error. Tuples/lists are compared item by item
    and the message names the item (e.g. ``dw``).
    """
    if isinstance(expected, (tuple, list)) and not isinstance(expected, np.ndarray):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            n_got = len(got) if isinstance(got, (tuple, list)) else "not a tuple"
            return f"{label}: expected a tuple of {len(expected)} items, got {n_got}"
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = describe_difference(g, e, f"{label}[{i}]", rtol, atol)
            if problem:
                return problem
        return None
    expected_arr = np.asarray(expected)
    try:
        got_arr = np.asarray(got, dtype=expected_arr.dtype if expected_arr.dtype.kind == "f"
                             else None)
    except (TypeError, ValueError):
        return f"{label}: expected an array of shape {expected_arr.shape}, got {got!r}"
    if got_arr.shape != expected_arr.shape:
        return f"{label}: wrong shape {got_arr.shape}, expected {expected_arr.shape}"
    if expected_arr.dtype.kind not in "fiu":
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


def _report(name: str, verdict: str, detail: str = "") -> bool:
    print(f"{verdict} {name}" + (f": {detail}" if detail else ""))
    return verdict == PASS


def check_function(name: str, student: Callable, reference: Callable, cases: Sequence[Case],
                   labels: Sequence[str] | None = None, rtol: float = 1e-6,
                   atol: float = 1e-8) -> bool:
    """Run ``student`` and ``reference`` on every case and report the first disagreement.

    Parameters
    ----------
    name : str
        What is being checked, printed in the verdict.
    student, reference : callable
        Called with each case's ``args`` and ``kwargs``. Arrays are copied per call, so a
        student function that writes into its input cannot spoil the reference.
    cases : sequence of Case
    labels : sequence of str, optional
        Names of the items when the functions return tuples, e.g. ``("dx", "dw")``.

    Returns
    -------
    bool
        True when every case matches.
    """
    for case in cases:
        expected = reference(*_copied(case.args), **_copied(case.kwargs))
        try:
            got = student(*_copied(case.args), **_copied(case.kwargs))
        except NotImplementedError:
            return _report(name, TODO, "not implemented yet (remove the raise and write it)")
        except Exception as err:  # the student's bug, reported instead of raised
            where = traceback.extract_tb(err.__traceback__)[-1]
            return _report(name, FAIL, f"case '{case.description}' raised "
                           f"{type(err).__name__}: {err} (line {where.lineno}: {where.line})")
        problem = _compare(got, expected, labels, rtol, atol)
        if problem:
            return _report(name, FAIL, f"case '{case.description}'\n  {problem}")
    return _report(name, PASS, f"all {len(cases)} cases match")


def check_value(name: str, answer, expected, hint: str = "", rtol: float = 1e-9) -> bool:
    """Compare a written answer (a number, shape tuple or array) with the expected one.

    ``None`` means "not answered yet". ``hint`` is printed on a wrong answer.
    """
    if answer is None:
        return _report(name, TODO, "no answer yet")
    problem = describe_difference(answer, expected, "answer", rtol=rtol, atol=0.0)
    if problem:
        return _report(name, FAIL, problem + (f"\n  hint: {hint}" if hint else ""))
    return _report(name, PASS, f"{_fmt(expected) if np.ndim(expected) == 0 else 'correct'}")


def _compare(got, expected, labels, rtol, atol) -> str | None:
    if labels is None:
        return describe_difference(got, expected, "output", rtol, atol)
    if not isinstance(got, (tuple, list)) or len(got) != len(labels):
        return f"expected a tuple ({', '.join(labels)}), got {type(got).__name__}"
    for label, g, e in zip(labels, got, expected, strict=True):
        problem = describe_difference(g, e, label, rtol, atol)
        if problem:
            return problem
    return None


def _copied(value):
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copied(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_copied(v) for v in value)
    return value
