"""The engine behind every exercise: run an answer on a case, judge the outcome, hint in tiers.

The self-check in a notebook and the instructor's grader use the same three steps:

1. `Exercise.run` calls the student's answer on one `Case` and returns an `Outcome`: what it
   returned (as plain data: arrays, numbers, tuples, lists), or what it raised, or that it did
   not finish in time, called ``sys.exit``, or wrote into an argument it was given. Running
   never raises: the answer is untrusted code.
2. `Exercise.judge` compares an `Outcome` with the reference's answer to the same case and
   returns a `Verdict`: ``PASS``, ``FAIL`` (where the answer differs, and a hint when a known
   `Mistake` fits the evidence) or ``TODO`` (the stub still raises ``NotImplementedError``).
3. `Exercise.check` runs the cases in order and stops at the first failure; the notebooks'
   ``check_<name>(answer)`` prints its verdict.

An `Outcome` is data that survives a JSON round trip (`Outcome.to_json`), so the grader can run
answers in a separate process and judge them in its own.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PASS, FAIL, TODO = "PASS", "FAIL", "TODO"
MAX_OUTPUT_CHARS = 4000  # what an answer prints is kept up to this, then cut
MAX_LISTED_ENTRIES = 6
DEFAULT_TIME_LIMIT = 5.0  # seconds per case
FLOAT32_RTOL = 1e-4  # float32 keeps about 7 digits; a sum of a few dozen terms loses up to 3
FLOAT32_ATOL = 1e-5


# --------------------------------------------------------------------------------------------
# Cases, outcomes, verdicts


@dataclass(frozen=True)
class Case:
    """One input to an exercise.

    ``id`` is short and stable (it names the case in the grader's reports); ``description``
    says what the case exercises ("stride 2 does not tile n=8"), so a failure points at the
    idea the student missed. ``answer_name`` is set for a part of a written-value exercise:
    the notebook variable that holds the student's answer to this part.
    """

    id: str
    description: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    answer_name: str | None = None

    def to_json(self) -> dict:
        return {"id": self.id, "description": self.description,
                "args": encode(self.args), "kwargs": encode(self.kwargs),
                "answer_name": self.answer_name}

    @classmethod
    def from_json(cls, data: Mapping) -> Case:
        return cls(data["id"], data["description"], tuple(decode(data["args"])),
                   dict(decode(data["kwargs"])), data.get("answer_name"))


@dataclass(frozen=True)
class Outcome:
    """What happened when an answer ran on one case.

    ``status`` is one of ``"returned"`` (``value`` holds the result as plain data),
    ``"todo"`` (``NotImplementedError``), ``"raised"`` (``error`` names the exception and the
    student's line), ``"timeout"``, ``"exited"`` (``sys.exit``), ``"library"`` (the answer uses
    the library function it is asked to write; ``error`` names it) or ``"missing"`` (the
    grader found no answer of that name). ``mutated`` names the arguments the answer wrote into;
    ``output`` is what it printed (cut at `MAX_OUTPUT_CHARS`).
    """

    status: str
    value: object = None
    error: str = ""
    mutated: tuple[str, ...] = ()
    output: str = ""
    seconds: float = 0.0
    time_limit: float = DEFAULT_TIME_LIMIT

    def to_json(self) -> dict:
        return {"status": self.status, "value": encode(self.value), "error": self.error,
                "mutated": list(self.mutated), "output": self.output,
                "seconds": self.seconds, "time_limit": self.time_limit}

    @classmethod
    def from_json(cls, data: Mapping) -> Outcome:
        """The outcome ``data`` describes; anything malformed is an outcome that fails."""
        try:
            return cls(str(data["status"]), decode(data["value"]), str(data["error"]),
                       tuple(str(name) for name in data["mutated"]), str(data["output"]),
                       float(data["seconds"]), float(data["time_limit"]))
        except Exception as err:  # data from the student's process is not trusted
            return cls("raised", error=f"the outcome could not be read ({err!r})")


@dataclass(frozen=True)
class Verdict:
    """The judgement of an answer: truthy only for ``PASS``.

    ``summary`` is the verdict line and what differs; ``hints`` the tiers of the hint that
    fits (empty when none does); ``output`` what the answer printed on the failing case.
    ``case_id`` names the case it is about (None for a ``PASS``), ``mistake`` the `Mistake`
    behind the hints, if one fitted. `text` renders it with one tier of hint.
    """

    status: str
    summary: str
    hints: tuple[str, ...] = ()
    output: str = ""
    case_id: str | None = None
    mistake: str | None = None

    def __bool__(self) -> bool:
        return self.status == PASS

    def text(self, tier: int = 1) -> str:
        """What the self-check prints: the summary, the hint of ``tier`` (1 = the first,
        vaguest; beyond the last, the last), and what the answer printed."""
        lines = [self.summary]
        if self.hints:
            tier = max(1, min(tier, len(self.hints)))
            lines.append(f"  hint: {self.hints[tier - 1]}")
            if tier < len(self.hints):
                lines.append(f"  (for a more specific hint, run the check again or pass "
                             f"hint={tier + 1})")
        if self.output.strip():
            lines.append("  it printed:\n" + _indent(_first_lines(self.output), "    | "))
        return "\n".join(lines)


@dataclass(frozen=True)
class Mistake:
    """A classic mistake: its hints, from vague to specific, and a way to recognise it.

    Either ``wrong(case)`` replays the mistake (what an answer making it returns on ``case``,
    or None where it cannot be told apart from a right answer), or ``fits(case, outcome)``
    recognises it in an outcome (an exception, a wrong length). A replayed mistake is named
    only if it also explains the cases the student got right.

    ``hints[0]``, the first tier, says where and what kind of slip; it never states the
    formula or the code of the solution. Later tiers are more specific.
    """

    name: str
    hints: tuple[str, ...]
    wrong: Callable[[Case], object] | None = None
    fits: Callable[[Case, Outcome], bool] | None = None


def known_answer(part: str, answer, *hints: str) -> Mistake:
    """A known wrong ``answer`` to one part of a value exercise, and its hints."""
    return Mistake(f"{part}: {answer!r}", hints,
                   wrong=lambda case: answer if case.id == part else None)


def other_answer(part: str, *hints: str) -> Mistake:
    """The hints for any other wrong answer to ``part`` (put after its `known_answer` ones)."""
    return Mistake(f"{part}: other", hints, fits=lambda case, outcome: case.id == part)


# --------------------------------------------------------------------------------------------
# Plain data: what an answer returns, made comparable and JSON-safe


@dataclass(frozen=True)
class Opaque:
    """A returned object that is not data (a generator, a model, a figure): its type and repr."""

    type_name: str
    text: str


def to_plain(value, _depth: int = 0):
    """``value`` as plain data: ndarrays (of the base class), numbers, strings, None, and
    tuples, lists and dicts of them. NumPy scalars become 0-d arrays (their dtype is kept);
    a torch tensor becomes its NumPy array; anything else becomes an `Opaque`."""
    if _depth > 20:
        return Opaque("nested", "more than 20 levels of nesting")
    for plain_type in (bool, int, float, complex, str):  # subclasses become the plain type
        if isinstance(value, plain_type):
            return plain_type(value)
    if value is None:
        return None
    if isinstance(value, np.generic):
        return np.array(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            return np.array(value)  # a copy, of the base class (np.matrix, ... lose their rules)
        return Opaque(f"array of dtype {value.dtype}", _short_repr(value))
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return np.array(value.detach().cpu().numpy())
    if isinstance(value, (tuple, list)):
        items = [to_plain(item, _depth + 1) for item in value]
        return tuple(items) if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {str(key): to_plain(item, _depth + 1) for key, item in value.items()}
    return Opaque(type(value).__name__, _short_repr(value))


def _short_repr(value, limit: int = 200, as_text=repr) -> str:
    """``as_text(value)`` (``repr`` or ``str``) cut at ``limit`` characters; never raises (an
    answer's objects may have a repr or str that does)."""
    try:
        text = as_text(value)
    except Exception as err:
        text = f"<{as_text.__name__} raised {type(err).__name__}>"
    return text if len(text) <= limit else text[:limit] + "..."


def encode(value):
    """Plain data (see `to_plain`) as JSON-safe data; `decode` is its inverse."""
    if isinstance(value, np.ndarray):
        data = value.tolist()
        if value.dtype.kind == "c":
            data = [encode(value.real), encode(value.imag)]
        return {"ndarray": data, "dtype": value.dtype.str, "shape": list(value.shape)}
    if isinstance(value, complex):
        return {"complex": [value.real, value.imag]}
    if isinstance(value, tuple):
        return {"tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {"dict": {key: encode(item) for key, item in value.items()}}
    if isinstance(value, Opaque):
        return {"opaque": [value.type_name, value.text]}
    return value


def decode(data):
    """The plain data that `encode` made ``data`` from."""
    if isinstance(data, list):
        return [decode(item) for item in data]
    if not isinstance(data, dict):
        return data
    if "ndarray" in data:
        dtype = np.dtype(data["dtype"])
        if dtype.kind == "c":
            real, imag = (decode(part) for part in data["ndarray"])
            return (real + 1j * imag).astype(dtype).reshape(data["shape"])
        return np.array(data["ndarray"], dtype=dtype).reshape(data["shape"])
    if "complex" in data:
        return complex(*data["complex"])
    if "tuple" in data:
        return tuple(decode(item) for item in data["tuple"])
    if "dict" in data:
        return {key: decode(item) for key, item in data["dict"].items()}
    if "opaque" in data:
        return Opaque(*data["opaque"])
    raise ValueError(f"data: not an encoded value: {data!r:.100}")


def copied(value):
    """``value`` with every array in it copied, also inside tuples (named ones keep their
    type, as the layers' caches), lists and dicts."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: copied(item) for key, item in value.items()}
    if isinstance(value, tuple):
        items = [copied(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if isinstance(value, list):
        return [copied(item) for item in value]
    return value


def _written_into(original, given, name: str) -> Iterator[str]:
    """The names (``x``, ``cache[2]``, ``grads[0]``) of what differs between an argument as it
    was (``original``) and as the answer left it (``given``)."""
    if isinstance(original, np.ndarray):
        same = (isinstance(given, np.ndarray) and given.shape == original.shape
                and np.array_equal(given, original, equal_nan=original.dtype.kind in "fc"))
        if not same:
            yield name
    elif isinstance(original, (tuple, list)):
        if not isinstance(given, (tuple, list)) or len(given) != len(original):
            yield name
            return
        for i, (o, g) in enumerate(zip(original, given, strict=True)):
            yield from _written_into(o, g, f"{name}[{i}]")
    elif isinstance(original, dict):
        if not isinstance(given, dict) or given.keys() != original.keys():
            yield name
            return
        for key in original:
            yield from _written_into(original[key], given[key], f"{name}[{key!r}]")


# --------------------------------------------------------------------------------------------
# Running untrusted code: a time limit, captured output


class _CaseTimeout(BaseException):
    """Raised into an answer that ran out of time (a BaseException: ``except Exception`` in the
    answer does not swallow it)."""


class _CappedText(io.TextIOBase):
    """A text stream keeping the first `MAX_OUTPUT_CHARS` characters written to it."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.kept = 0
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        room = MAX_OUTPUT_CHARS - self.kept
        self.parts.append(text[:room])
        self.kept += min(room, len(text))
        self.dropped += max(0, len(text) - room)
        return len(text)

    def text(self) -> str:
        cut = f"\n... ({self.dropped} more characters not shown)" if self.dropped else ""
        return "".join(self.parts) + cut


def _raise_in_answer(frame, event, arg):
    """A trace function raising `_CaseTimeout` at the next line of code outside this module,
    so that an answer whose ``except`` catches the timeout meets it again in its handler.
    (Python stops tracing once a trace function raises; the timer signal starts it again.)"""
    if event == "line" and frame.f_code.co_filename != __file__:
        raise _CaseTimeout
    return _raise_in_answer


def _call_with_time_limit(function: Callable[[], object], seconds: float):
    """``function()`` within ``seconds`` of wall-clock time, or `_CaseTimeout`.

    On the main thread of a POSIX system (a Jupyter kernel runs cells there) a timer signal
    interrupts the call. From then on every line the answer runs raises again, so even
    ``while True: try: ... except BaseException: pass`` ends. Elsewhere (Windows, another
    thread) the call runs in a daemon thread that is abandoned, still running, when the time
    is up.
    """
    if hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread():
        armed = True
        tracing = sys.gettrace()

        def on_timer(signum, frame):
            if not armed:
                return
            sys.settrace(_raise_in_answer)  # frames the answer enters from now on
            while frame is not None and frame.f_code.co_filename != __file__:
                frame.f_trace = _raise_in_answer  # the answer's frames running now
                frame = frame.f_back
            raise _CaseTimeout

        previous = signal.signal(signal.SIGALRM, on_timer)
        signal.setitimer(signal.ITIMER_REAL, seconds, 0.05)
        try:
            return function()
        finally:
            armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
            sys.settrace(tracing)
    result: list = []

    def target():
        try:
            result.append((True, function()))
        except BaseException as err:  # handed to the caller's thread
            result.append((False, err))

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    if not result:
        raise _CaseTimeout
    returned, value = result[0]
    if not returned:
        raise value
    return value


def _student_line(err: BaseException) -> str:
    """Where ``err`` came from in the student's code: ``line 3: y = x @ w``, or that the call
    itself failed before the answer's first line ran (a missing or extra parameter)."""
    frames = [frame for frame in traceback.extract_tb(err.__traceback__)
              if not _is_library_file(frame.filename)]
    if not frames:
        return ("in the call itself, before any line of the answer ran: check its parameters "
                "(for a class: its __init__, and that it has every method the exercise calls)")
    frame = frames[-1]
    return f"line {frame.lineno}: {frame.line}" if frame.line else f"line {frame.lineno}"


_LIBRARY_DIRS = (Path(__file__).resolve().parents[1], Path(np.__file__).resolve().parent,
                 Path(contextlib.__file__).resolve().parent)


def _is_library_file(filename: str) -> bool:
    """Whether a traceback frame is this engine, c182lib, numpy or the standard library (not
    the student's code). A notebook cell's file name is ``<ipython-input-...>`` or a temp
    file of the kernel; neither is inside these folders."""
    if filename.startswith("<"):
        return filename.startswith("<frozen ")
    path = Path(filename).resolve()
    return ("site-packages" in path.parts and "c182lib" not in path.parts) or any(
        path.is_relative_to(folder) for folder in _LIBRARY_DIRS)


def _code_objects(answer) -> Iterator[tuple[object, dict]]:
    """Each code object of ``answer``'s own source (a function's, nested ones included; a
    class's methods and properties), with the globals it runs in."""
    functions = [answer] if inspect.isfunction(answer) else []
    if inspect.isclass(answer):
        for member in vars(answer).values():
            member = getattr(member, "__func__", member)  # staticmethod, classmethod
            if isinstance(member, property):
                functions += [f for f in (member.fget, member.fset, member.fdel) if f]
            elif inspect.isfunction(member):
                functions.append(member)
    for function in functions:
        pending = [function.__code__]
        while pending:
            code = pending.pop()
            yield code, function.__globals__
            pending += [c for c in code.co_consts if inspect.iscode(c)]


def _from_library(value) -> bool:
    return str(getattr(value, "__module__", "")).partition(".")[0] == "c182lib"


def library_use(answer, names: Sequence[str]) -> str | None:
    """The first of ``names`` (c182lib functions or classes an exercise asks the student to
    write) that ``answer`` is, derives from, or calls; None if it uses none of them.

    A name in the answer's code counts when it refers to the library's object, or is read as
    an attribute (``conv.corr1d``); a student's own function of the same name does not.
    """
    if not names:
        return None
    if _from_library(answer) and getattr(answer, "__name__", None) in names:
        return answer.__name__
    if inspect.isclass(answer):
        for base in answer.__mro__[1:]:
            if _from_library(base) and base.__name__ in names:
                return base.__name__
    for code, namespace in _code_objects(answer):
        for name in code.co_names:
            if name in names and (name not in namespace or _from_library(namespace[name])):
                return name
    return None


def run_call(call: Callable[..., object], case: Case, arg_names: Sequence[str],
             time_limit: float = DEFAULT_TIME_LIMIT) -> Outcome:
    """``call(*case.args, **case.kwargs)`` on copies of the case's arguments, as an `Outcome`.

    Never raises (but for ``KeyboardInterrupt``, the student's own interrupt). ``arg_names``
    names the positional arguments in messages about writes into them.
    """
    args, kwargs = copied(case.args), copied(case.kwargs)
    output = _CappedText()
    start = time.perf_counter()
    status, value, error = "returned", None, ""
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
            value = _call_with_time_limit(lambda: to_plain(call(*args, **kwargs)), time_limit)
    except NotImplementedError:
        status = "todo"
    except _CaseTimeout:
        status = "timeout"
    except SystemExit as err:
        status, error = "exited", f"it called sys.exit({err.code!r})"
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # the student's bug, reported instead of raised
        status = "raised"
        message = _short_repr(err, 300, as_text=str)
        error = f"{type(err).__name__}: {message} ({_student_line(err)})"
    seconds = time.perf_counter() - start
    names = [*arg_names, *(f"argument {i + 1}" for i in range(len(arg_names), len(args)))]
    mutated = [*(where for original, given, name in zip(case.args, args, names, strict=False)
                 for where in _written_into(original, given, name)),
               *(where for key in case.kwargs
                 for where in _written_into(case.kwargs[key], kwargs.get(key), key))]
    return Outcome(status, value, error, tuple(mutated), output.text(), round(seconds, 4),
                   time_limit)


# --------------------------------------------------------------------------------------------
# Comparing: where an answer differs, with a tolerance that fits its dtype


def _items(count: int) -> str:
    return f"{count} item" if count == 1 else f"{count} items"


def _fmt(value, digits: int = 6) -> str:
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return repr(value)


def _fmt_pair(got, expected) -> tuple[str, str]:
    """``got`` and ``expected`` as text, with as many digits as it takes to tell them apart."""
    for digits in (6, 10, 17):
        pair = _fmt(got, digits), _fmt(expected, digits)
        if pair[0] != pair[1]:
            break
    return pair


def _kind(value) -> str:
    """What ``value`` is, for a message: ``a tuple of 2 items``, ``an array of shape (3,)``."""
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {_items(len(value))}"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}" if value.ndim else f"a {value.dtype} number"
    if value is None:
        return "None (does the function end without `return`?)"
    if isinstance(value, Opaque):
        if value.type_name == "generator":
            return "a generator (build the whole result, e.g. np.array([...]), and return it)"
        return f"{'an' if value.type_name[0] in 'aeiou' else 'a'} {value.type_name}"
    name = type(value).__name__
    return f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def tolerance(got: np.ndarray, rtol: float, atol: float) -> tuple[float, float]:
    """The (rtol, atol) of a comparison with an answer of ``got``'s dtype: the exercise's own
    for float64 and integers, looser for float32 (its rounding is not the student's error)."""
    if got.dtype in (np.float32, np.complex64):
        return max(rtol, FLOAT32_RTOL), max(atol, FLOAT32_ATOL)
    return rtol, atol


def describe_difference(got, expected, label: str = "output", rtol: float = 1e-6,
                        atol: float = 1e-8) -> str | None:
    """How ``got`` differs from ``expected`` (plain data), or None when they match.

    Arrays are compared by shape, then entry by entry (``np.isclose`` with a tolerance that
    fits ``got``'s dtype, see `tolerance`); the message lists the first differing entries with
    their indices and the largest relative error. Tuples and lists are compared item by item
    and the message names the item (``label[1]``). Never raises.
    """
    if isinstance(expected, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(expected):
            return (f"{label}: expected a {type(expected).__name__} of "
                    f"{_items(len(expected))}, got {_kind(got)}")
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            problem = describe_difference(g, e, f"{label}[{i}]", rtol, atol)
            if problem:
                return problem
        return None
    expected = np.asarray(expected)
    wanted = "a number" if expected.ndim == 0 else f"an array of shape {expected.shape}"
    if got is None or isinstance(got, (Opaque, str, dict)) or (
            isinstance(got, np.ndarray) and got.dtype.kind not in "biufc"):
        return f"{label}: expected {wanted}, got {_kind(got)}"
    try:
        got = np.asarray(got)
        if got.dtype.kind not in "biufc":
            raise ValueError
    except (TypeError, ValueError):
        return f"{label}: expected {wanted}, got {_kind(got)} that is not numbers"
    if expected.dtype.kind in "iu" and got.dtype.kind == "b":
        return f"{label}: expected {wanted}, got True/False"
    if got.shape != expected.shape:
        return f"{label}: wrong shape {got.shape}, expected {expected.shape}"
    if got.dtype == np.float16:
        return f"{label}: the answer is float16, too coarse to check; compute in float64"
    rtol, atol = tolerance(got, rtol, atol)
    close = np.isclose(got, expected, rtol=rtol, atol=atol, equal_nan=True)
    if close.all():
        return None
    precision = (f"\n    (your answer is {got.dtype}; the check expects float64 and allowed "
                 f"for {got.dtype} rounding, rtol {rtol:g}: this is more than rounding)"
                 if got.dtype in (np.float32, np.complex64) else "")
    if expected.ndim == 0:
        shown, wanted = _fmt_pair(got.item(), expected.item())
        return f"{label}: got {shown}, expected {wanted}{precision}"
    wrong = np.argwhere(~close)
    lines = [f"{label}: {len(wrong)} of {expected.size} entries differ"]
    for index in wrong[:MAX_LISTED_ENTRIES]:
        at = tuple(int(i) for i in index)
        shown, wanted = _fmt_pair(got[at], expected[at])
        lines.append(f"    at {at}: got {shown}, expected {wanted}")
    if len(wrong) > MAX_LISTED_ENTRIES:
        lines.append(f"    ... and {len(wrong) - MAX_LISTED_ENTRIES} more")
    with np.errstate(all="ignore"):
        size = np.abs(expected)
        error = np.abs(got - expected) / np.where(size > 0, size, 1.0)  # 0 expected: absolute
    lines.append(f"    largest relative error {np.nanmax(error):.3g}{precision}")
    return "\n".join(lines)


def matches(got, wrong, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Whether ``got`` equals ``wrong``, what a mistake returns. An item that is None in a
    tuple or list ``wrong`` is not compared (a mistake about ``dx`` says nothing of ``dw``);
    a ``wrong`` of only Nones matches nothing. Never raises."""
    if isinstance(wrong, (tuple, list)):
        if all(item is None for item in wrong):
            return False
        return (isinstance(got, (tuple, list)) and len(got) == len(wrong)
                and all(w is None or matches(g, w, rtol, atol)
                        for g, w in zip(got, wrong, strict=True)))
    try:
        return describe_difference(got, wrong, rtol=rtol, atol=atol) is None
    except Exception:  # a malformed answer matches no mistake
        return False


def describe_wrong_value(answer, expected, rtol: float = 1e-9) -> str | None:
    """What is wrong with a written value (a number, a shape tuple, an array) without saying
    what it should be, or None when it is right. True, False and text are not numbers here;
    a 1-D array answers a tuple question."""
    if isinstance(answer, np.ndarray) and answer.ndim == 1 and isinstance(expected, tuple):
        answer = tuple(answer.tolist())
    items = answer if isinstance(answer, (tuple, list)) else (answer,)
    if any(isinstance(item, (bool, np.bool_)) or (isinstance(item, np.ndarray)
                                                  and item.dtype.kind == "b")
           for item in items):
        return f"answer: write numbers, not True or False; got {_short_repr(answer)}"
    if any(isinstance(item, (str, Opaque)) for item in items):
        return f"answer: write numbers, not text; got {_short_repr(answer)}"
    if isinstance(expected, tuple) and (not isinstance(answer, (tuple, list))
                                        or len(answer) != len(expected)):
        return f"answer: expected a tuple of {len(expected)} numbers, got {_short_repr(answer)}"
    expected_array = np.asarray(expected, dtype=float)
    try:
        got = np.asarray(answer, dtype=float)
    except Exception:  # not numbers, an int beyond 1e308, ...
        got = None
    if got is None or got.shape != expected_array.shape:
        wanted = ("a number" if expected_array.ndim == 0
                  else f"an array of shape {expected_array.shape}")
        return f"answer: expected {wanted}, got {_short_repr(answer)}"
    wrong = np.argwhere(~np.isclose(got, expected_array, rtol=rtol, atol=0.0))
    if len(wrong) == 0:
        return None
    if expected_array.ndim == 0:
        return f"answer: {_fmt(got.item())} is not right"
    if isinstance(expected, tuple):
        listed = [f"answer[{i}] = {_fmt(answer[i])}" for (i,) in wrong]
        return f"{' and '.join(listed)} {'is' if len(listed) == 1 else 'are'} not right"
    where = ", ".join(str(tuple(int(i) for i in index)) for index in wrong[:MAX_LISTED_ENTRIES])
    more = f" and {len(wrong) - MAX_LISTED_ENTRIES} more" if len(wrong) > MAX_LISTED_ENTRIES else ""
    return f"answer: the entries at {where}{more} are not right"


# --------------------------------------------------------------------------------------------
# Exercises


def _call_function(answer, *args, **kwargs):
    return answer(*args, **kwargs)


def _value_of(answer, *args, **kwargs):
    return answer


KINDS = ("function", "class", "value", "written")


@dataclass(frozen=True, eq=False)
class Exercise:
    """One exercise, defined once for the self-check and the grader.

    Parameters
    ----------
    id : str
        Stable id ``"NN-name"`` (NN the notebook's number), stamped in the notebook's cell
        metadata (``metadata.c182.exercise``) where the answer is written.
    title : str
        What the verdict names, e.g. ``"my_corr1d"`` or ``"Problem 1(a)"``.
    kind : {"function", "class", "value", "written"}
        A function or class the student writes, a value (a number, a shape; one case per
        part), or a written (markdown) answer graded by hand.
    answer_name : str
        The notebook name of the answer (``my_corr1d``); for a value exercise each case names
        its own variable (`Case.answer_name`).
    points : float
        The most the exercise scores; a written answer's points are given by hand.
    reference : callable
        ``reference(*case.args, **case.kwargs)`` is the right answer to a case (for a class
        exercise, what ``drive(ReferenceClass, *case.args, **case.kwargs)`` returns).
    cases : callable
        ``cases()`` returns the public cases, in the order the self-check runs them. Hidden
        cases (the grader's) live outside the package (`load_hidden_cases`).
    drive : callable
        How an answer is called on a case: ``drive(answer, *args, **kwargs)``. Functions are
        called; a class exercise builds the student's class and runs a scenario; a value is
        its own result.
    labels : tuple of str, optional
        Names of the items of a tuple result (``("dx", "dw")``), used in messages.
    rtol, atol : float
        Tolerance for float64 answers; float32 ones get `FLOAT32_RTOL` at least.
    mistakes : tuple of Mistake
        Classic mistakes, tried in order on a failing case.
    hints : tuple of str
        General hints, in tiers, for a failure no mistake explains.
    arg_names : tuple of str
        Names of the positional arguments, for messages about writes into them.
    solution : object
        A right answer as a student would give it (for a class exercise, a class), for tests
        and benchmarks; by default the reference, for a function exercise.
    question : str
        What a written exercise asks, in one line.
    forbidden : tuple of str
        Names of the library functions or classes the exercise asks the student to write: an
        answer that is one, derives from one or calls one fails (`library_use`).
    """

    id: str
    title: str
    kind: str
    answer_name: str
    points: float
    reference: Callable | None = None
    cases: Callable[[], Sequence[Case]] = tuple
    drive: Callable | None = None
    labels: tuple[str, ...] | None = None
    rtol: float = 1e-6
    atol: float = 1e-8
    mistakes: tuple[Mistake, ...] = ()
    hints: tuple[str, ...] = ()
    arg_names: tuple[str, ...] = ()
    solution: object = None
    question: str = ""
    forbidden: tuple[str, ...] = ()

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}; got {self.kind!r}")
        if self.drive is None:
            object.__setattr__(self, "drive",
                               _value_of if self.kind == "value" else _call_function)
        if self.solution is None and self.kind == "function":
            object.__setattr__(self, "solution", self.reference)
        if not self.arg_names and self.reference is not None and self.kind != "value":
            object.__setattr__(self, "arg_names", _positional_names(self.reference))

    @property
    def notebook(self) -> str:
        """The two-digit number of the exercise's notebook."""
        return self.id[:2]

    def public_cases(self) -> list[Case]:
        return list(self.cases())

    def expected(self, case: Case):
        """The reference's answer to ``case``, as plain data."""
        return to_plain(self.reference(*copied(case.args), **copied(case.kwargs)))

    def run(self, answer, case: Case, time_limit: float = DEFAULT_TIME_LIMIT) -> Outcome:
        """Run ``answer`` on ``case`` (see `run_call`): never raises."""
        try:
            used = library_use(answer, self.forbidden)
        except Exception:  # an answer whose code cannot be read is judged by its results
            used = None
        if used:
            return Outcome("library", error=used, time_limit=time_limit)
        return run_call(lambda *args, **kwargs: self.drive(answer, *args, **kwargs), case,
                        self.arg_names, time_limit)

    def judge(self, case: Case, outcome: Outcome, passed: Sequence[Case] = ()) -> Verdict:
        """The `Verdict` on ``outcome``, the result of running an answer on ``case``.

        ``passed`` are cases the same answer got right: a replayed mistake that would have
        failed one of them is not the student's mistake.
        """
        if self.kind == "value":
            name = f"{self.title} {case.id}: {case.description}"
            not_done = "no answer yet"
        else:
            name = self.title
            not_done = "not done yet (remove the raise and write it)"
        if outcome.status == "todo" or (self.kind == "value" and outcome.status == "returned"
                                        and outcome.value is None):
            return Verdict(TODO, f"{TODO} {name}: {not_done}", case_id=case.id)
        problem = self._problem(case, outcome)
        if problem is None:
            return Verdict(PASS, f"{PASS} {name}")
        mistake = self._mistake(case, outcome, passed)
        if self.kind == "value" or outcome.status == "library":  # not about one case
            summary = f"{FAIL} {name}\n  {problem}"
        else:
            summary = f"{FAIL} {name}: case '{case.description}'\n  {problem}"
        return Verdict(FAIL, summary, mistake.hints if mistake else self.hints,
                       outcome.output if self.kind != "value" else "", case.id,
                       mistake.name if mistake else None)

    def _problem(self, case: Case, outcome: Outcome) -> str | None:
        """What is wrong with ``outcome`` as an answer to ``case``, or None."""
        if outcome.status == "timeout":
            return f"did not finish in {outcome.time_limit:g} s"
        if outcome.status == "exited":
            return f"{outcome.error}; return the result instead"
        if outcome.status == "raised":
            return f"raised {outcome.error}"
        if outcome.status == "missing":
            return f"no answer found ({outcome.error})"
        if outcome.status == "library":
            return (f"it uses the library's `{outcome.error}`, which is what this exercise asks "
                    f"you to write: write it from the formula instead")
        if outcome.status != "returned":
            return f"the run ended unexpectedly ({outcome.status})"
        if outcome.mutated:
            names = ", ".join(f"`{name}`" for name in outcome.mutated)
            first = outcome.mutated[0]
            example = f" (e.g. `{first} = {first}.copy()` first)" if first.isidentifier() else ""
            return (f"the answer wrote into its argument{'s' if len(outcome.mutated) > 1 else ''}"
                    f" {names}: compute a new array{example}, leave what you are given "
                    f"unchanged")
        expected = self.expected(case)
        if self.kind == "value":
            return describe_wrong_value(outcome.value, expected, self.rtol)
        if self.labels is not None:
            if not isinstance(outcome.value, (tuple, list)) or len(outcome.value) != len(
                    self.labels):
                return (f"expected a tuple of {_items(len(self.labels))} "
                        f"({', '.join(self.labels)}), got {_kind(outcome.value)}")
            for label, got, want in zip(self.labels, outcome.value, expected, strict=True):
                problem = describe_difference(got, want, label, self.rtol, self.atol)
                if problem:
                    return problem
            return None
        return describe_difference(outcome.value, expected, "output", self.rtol, self.atol)

    def _mistake(self, case: Case, outcome: Outcome, passed: Sequence[Case]) -> Mistake | None:
        """The first mistake that fits the failing outcome and every passed case."""
        for mistake in self.mistakes:
            try:
                if mistake.fits is not None:
                    if mistake.fits(case, outcome):
                        return mistake
                    continue
                if outcome.status != "returned" or outcome.mutated:
                    continue
                replay = _plain_or_none(mistake.wrong(case))
                if replay is None or not matches(outcome.value, replay, self.rtol, self.atol):
                    continue
                if not any(self._rules_out(mistake, other) for other in passed):
                    return mistake
            except Exception:  # a mistake that cannot be evaluated here does not fit
                continue
        return None

    def _rules_out(self, mistake: Mistake, case: Case) -> bool:
        replay = _plain_or_none(mistake.wrong(case))
        return replay is not None and not matches(self.expected(case), replay, self.rtol,
                                                  self.atol)

    def check(self, answer, cases: Sequence[Case] | None = None,
              time_limit: float = DEFAULT_TIME_LIMIT) -> Verdict:
        """Run ``answer`` on each case (the public ones by default) in order; the verdict of
        the first that fails, or ``PASS`` with the number of cases."""
        cases = self.public_cases() if cases is None else list(cases)
        passed: list[Case] = []
        for case in cases:
            verdict = self.judge(case, self.run(answer, case, time_limit), passed)
            if not verdict:
                return verdict
            passed.append(case)
        if self.kind == "value" and len(cases) == 1:
            return verdict
        return Verdict(PASS, f"{PASS} {self.title}: all {len(cases)} cases match")


def _positional_names(function: Callable) -> tuple[str, ...]:
    try:
        return tuple(name for name, parameter in inspect.signature(function).parameters.items()
                     if parameter.kind in (parameter.POSITIONAL_ONLY,
                                           parameter.POSITIONAL_OR_KEYWORD))
    except (TypeError, ValueError):  # a builtin without a signature
        return ()


def _plain_or_none(value):
    """A mistake's replay as plain data; tuples keep their None items (not compared)."""
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        return type(value)(None if item is None else to_plain(item) for item in value)
    return to_plain(value)


def _first_lines(text: str, lines: int = 12, width: int = 160) -> str:
    """The start of what an answer printed, as a verdict shows it: a few short lines."""
    all_lines = text.splitlines()
    kept = [line if len(line) <= width else line[:width] + " ..." for line in all_lines[:lines]]
    if len(all_lines) > lines:  # a cut at MAX_OUTPUT_CHARS ends with its own note
        kept.append(f"... ({len(all_lines) - lines} more lines not shown)")
    return "\n".join(kept)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


# --------------------------------------------------------------------------------------------
# Hidden cases: grading data that the student edition does not ship


def load_hidden_cases(exercise_id: str, folder: Path) -> list[Case]:
    """The hidden cases of an exercise, read from ``folder / f"{exercise_id}.json"``.

    Raises
    ------
    FileNotFoundError
        If the exercise has no hidden-case file in ``folder``.
    """
    data = json.loads((Path(folder) / f"{exercise_id}.json").read_text(encoding="utf-8"))
    return [Case.from_json(item) for item in data["cases"]]


def hidden_cases_json(cases: Sequence[Case]) -> str:
    """The text of a hidden-case file: stable, so regenerating it changes no byte."""
    return json.dumps({"cases": [case.to_json() for case in cases]}, indent=1,
                      sort_keys=True) + "\n"


__all__ = ["FAIL", "PASS", "TODO", "Case", "Exercise", "Mistake", "Opaque", "Outcome",
           "Verdict", "copied", "decode", "describe_difference", "describe_wrong_value",
           "encode", "hidden_cases_json", "known_answer", "load_hidden_cases", "matches",
           "other_answer", "run_call",
           "to_plain", "tolerance"]
