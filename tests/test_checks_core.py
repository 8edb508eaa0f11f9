"""Tests of c182lib.checks._core, the machinery every self-check runs on, and of the package's
re-exports.

The "student" functions below are written here, in a test file, so that their frames count as
student code (not c182lib, numpy or an installed package) in tracebacks.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from _checks_helpers import run

from c182lib.checks import _core
from c182lib.checks._core import (
    Case,
    check_function,
    check_part,
    check_value,
    describe_difference,
    describe_wrong_answer,
    matches,
    matching_suspect,
    report,
    shape_of,
    student_frame,
)
from c182lib.conv import corr1d


def line_of(function, text: str) -> int:
    """The line number of the line of ``function``'s source containing ``text``."""
    lines, start = inspect.getsourcelines(function)
    return start + next(i for i, line in enumerate(lines) if text in line)


def total(arrays):
    return sum(float(np.sum(a)) for a in arrays)


# --------------------------------------------------------------------------------------------
# Arguments are copied, inside tuples, lists and dicts


def test_a_student_writing_into_a_list_of_arrays_does_not_change_the_case(capsys):
    grads = [np.array([1.0, -2.0]), np.array([[3.0]])]
    case = Case("a list of arrays", (grads,), {"extra": [np.array([5.0])]})

    def student(arrays, extra):
        result = total(arrays)
        for a in (*arrays, *extra):
            a *= 10.0
        arrays.append(np.ones(4))
        return result

    ok, out = run(capsys, check_function, "f", student, lambda arrays, extra: total(arrays),
                  [case, case])  # the second run sees the case as it was
    assert ok is True, out
    assert len(grads) == 2
    assert np.array_equal(grads[0], [1.0, -2.0]) and np.array_equal(grads[1], [[3.0]])
    assert np.array_equal(case.kwargs["extra"][0], [5.0])


def test_the_reference_gets_its_own_copy():
    def reference(arrays):
        arrays[0][0] = 99.0
        return total(arrays)

    case = Case("a list", ([np.array([1.0, 2.0])],))
    assert check_function("f", lambda arrays: 3.0, reference, [case]) is False
    assert case.args[0][0][0] == 1.0


# --------------------------------------------------------------------------------------------
# An exception is reported at the deepest line of the student's code


def test_an_exception_inside_c182lib_cites_the_students_line(capsys):
    def student(x, w):
        return corr1d(w, x)  # arguments swapped: corr1d raises deep inside c182lib

    ok, out = run(capsys, check_function, "my_corr1d", student, lambda x, w: 0.0,
                  [Case("n=5, k=3", (np.ones(5), np.ones(3)))])
    assert ok is False
    assert out.startswith("FAIL my_corr1d: case 'n=5, k=3' raised ValueError: ")
    assert out.rstrip().endswith(f"(line {line_of(student, 'corr1d(w, x)')}: return corr1d(w, x)"
                                 "  # arguments swapped: corr1d raises deep inside c182lib)")


def test_an_exception_inside_numpy_cites_the_deepest_student_line(capsys):
    def pad(x):
        return np.pad(x, -1)  # numpy raises in its own Python code

    def student(x):
        return pad(x)

    ok, out = run(capsys, check_function, "f", student, lambda x: x, [Case("c", (np.ones(3),))])
    assert ok is False
    assert f"(line {line_of(pad, 'np.pad')}: return np.pad(x, -1)" in out


def test_student_frames_between_library_frames():
    def student():  # numpy calls the lambda, which calls numpy again
        return np.apply_along_axis(lambda row: np.pad(row, -1), 0, np.ones((2, 2)))

    with pytest.raises(ValueError) as info:
        student()
    frame = student_frame(info.value)
    assert (frame.filename, frame.name) == (__file__, "<lambda>")


def test_an_exception_with_no_student_frame_cites_the_last_frame(capsys):
    with pytest.raises(ValueError) as info:
        corr1d(np.ones(2), np.ones(3))
    last = info.traceback[-1]
    assert "c182lib" in str(last.path)
    ok, out = run(capsys, check_function, "corr1d", corr1d, lambda x, w: 0.0,
                  [Case("k > n", (np.ones(2), np.ones(3)))])  # c182lib itself as the student
    assert ok is False
    assert out.rstrip().endswith(f"(line {last.lineno + 1}: {last.statement.lines[0].strip()})")


# --------------------------------------------------------------------------------------------
# Hints after a FAIL


SQUARE_CASES = [Case("x = 1", (1.0,)), Case("x = 3", (3.0,)), Case("x = -2", (-2.0,))]


def square(x):
    return x * x


SQUARE_SUSPECTS = [
    ("x + x doubles, it does not square.", lambda case: 2 * case.args[0]),
    ("never matches", lambda case: None),
    ("x ** 3 cubes.", lambda case: case.args[0] ** 3),
    ("also x ** 3, listed later: never reached.", lambda case: case.args[0] ** 3),
]


@pytest.mark.parametrize("student, case, hint", [
    (lambda x: 2 * x, "x = 1", "x + x doubles, it does not square."),
    (lambda x: x ** 3, "x = 3", "x ** 3 cubes."),
    (lambda x: x * x if x > 0 else 0.0, "x = -2", "the fallback: got 0.0"),
], ids=["first-suspect", "third-suspect", "fallback"])
def test_the_hint_names_the_suspect_that_explains_the_failing_case(capsys, student, case, hint):
    calls = []

    def counted(x):
        calls.append(x)
        return student(x)

    ok, out = run(capsys, check_function, "my_square", counted, square, SQUARE_CASES,
                  suspects=SQUARE_SUSPECTS, fallback=lambda c, got: f"the fallback: got {got}")
    assert ok is False
    assert out.splitlines()[0] == f"FAIL my_square: case '{case}'"
    assert out.splitlines()[-1] == f"  hint: {hint}"
    assert calls == [c.args[0] for c in SQUARE_CASES][:len(calls)]  # each case run once
    assert len(calls) == [c.description for c in SQUARE_CASES].index(case) + 1


def test_no_hint_when_nothing_explains_the_failure(capsys):
    ok, out = run(capsys, check_function, "my_square", lambda x: x + 100.0, square,
                  SQUARE_CASES, suspects=SQUARE_SUSPECTS, fallback=lambda case, got: None)
    assert ok is False
    assert "hint" not in out


def test_on_error_gives_the_hint_after_an_exception(capsys):
    def student(x):
        return [x][1]

    seen = []

    def on_error(case, err):
        seen.append((case.description, type(err)))
        return "an index ran past the end."

    ok, out = run(capsys, check_function, "my_square", student, square, SQUARE_CASES,
                  suspects=SQUARE_SUSPECTS, on_error=on_error)
    assert ok is False
    assert seen == [("x = 1", IndexError)]
    assert out.splitlines()[0].startswith("FAIL my_square: case 'x = 1' raised IndexError: ")
    assert out.splitlines()[-1] == "  hint: an index ran past the end."


def test_no_hint_on_pass_or_todo(capsys):
    def todo(x):
        raise NotImplementedError

    def unexpected(*args):
        raise AssertionError("no hint is looked for")

    for student, verdict in ((square, "PASS my_square: all 3 cases match"),
                             (todo, "TODO my_square: not implemented yet (remove the raise and "
                                    "write it)")):
        ok, out = run(capsys, check_function, "my_square", student, square, SQUARE_CASES,
                      suspects=[("never", unexpected)], on_error=unexpected,
                      fallback=unexpected)
        assert ok is (student is square)
        assert out == verdict + "\n"


def test_label_names_a_single_output(capsys):
    ok, out = run(capsys, check_function, "my_kernel_gradient", lambda x: np.zeros(2),
                  lambda x: np.zeros(3), [Case("c", (0,))], label="dw")
    assert ok is False
    assert "  dw: wrong shape (2,), expected (3,)" in out
    ok, out = run(capsys, check_function, "f", lambda x: np.zeros(2), lambda x: np.zeros(3),
                  [Case("c", (0,))])
    assert "  output: wrong shape (2,), expected (3,)" in out


# --------------------------------------------------------------------------------------------
# Tuple outputs


def two_gradients(x, w):
    return x * w.sum(), w * x.sum()


TUPLE_CASES = [Case("n=2", (np.array([1.0, 2.0]), np.array([3.0, -1.0]))),
               Case("n=3", (np.array([1.0, -2.0, 0.5]), np.array([2.0, 1.0, 4.0])))]
TUPLE_SUSPECTS = [
    ("dx: forgot the sum over w.", lambda case: (case.args[0], None)),
    ("dw: forgot the sum over x.", lambda case: (None, case.args[1])),
    ("swapped.", lambda case: two_gradients(*case.args)[::-1]),
]


@pytest.mark.parametrize("student, detail, hint", [
    (lambda x, w: (x, w * x.sum()), "dx: 2 of 2 entries differ", "dx: forgot the sum over w."),
    (lambda x, w: [x * w.sum(), list(w)], "dw: 2 of 2 entries differ",
     "dw: forgot the sum over x."),
    (lambda x, w: (x, w), "dx: 2 of 2 entries differ", "dx: forgot the sum over w."),
    (lambda x, w: two_gradients(x, w)[::-1], "dx: 2 of 2 entries differ", "swapped."),
], ids=["dx-only", "dw-only-as-lists", "both", "swapped"])
def test_suspects_of_tuple_outputs_compare_only_their_items(capsys, student, detail, hint):
    ok, out = run(capsys, check_function, "my_gradients", student, two_gradients, TUPLE_CASES,
                  labels=("dx", "dw"), suspects=TUPLE_SUSPECTS)
    assert ok is False
    assert detail in out
    assert out.splitlines()[-1] == f"  hint: {hint}"


@pytest.mark.parametrize("student", [lambda x, w: None, lambda x, w: x,
                                     lambda x, w: (x,), lambda x, w: ("a", None)],
                         ids=["none", "array", "one-item", "garbage"])
def test_malformed_tuple_outputs_match_no_suspect_and_reach_the_fallback(capsys, student):
    ok, out = run(capsys, check_function, "my_gradients", student, two_gradients, TUPLE_CASES,
                  labels=("dx", "dw"), suspects=TUPLE_SUSPECTS,
                  fallback=lambda case, got: "return (dx, dw).")
    assert ok is False
    assert out.startswith("FAIL my_gradients: case 'n=2'")
    assert out.splitlines()[-1] == "  hint: return (dx, dw)."


def test_matches():
    a = np.array([1.0, 2.0])
    assert matches([1, 2], a) and matches(a.tolist(), a)
    assert not matches(a, [1.0, 2.0])  # a list is a sequence of items, as in a tuple
    assert not matches(a, a + 1e-3) and matches(a, a + 1e-3, rtol=1e-2)
    assert matches((a, "anything"), (a, None)) and matches([a, 3.0], (a, 3.0))
    assert not matches((a,), (a, None)) and not matches(a, (a, None))
    assert matches([(a, a), (a, 2.0)], [(a, a), (a, 2.0)])  # nested, like an RNN's record
    assert not matches(object(), a) and not matches("ab", 3) and not matches(None, 3)


def test_matching_suspect_skips_suspects_that_do_not_apply():
    case = Case("c", (2.0,))
    assert matching_suspect(8.0, case, SQUARE_SUSPECTS) == "x ** 3 cubes."
    assert matching_suspect(7.0, case, SQUARE_SUSPECTS) is None
    assert matching_suspect(None, case, [("never", lambda c: None)]) is None


# --------------------------------------------------------------------------------------------
# Comparisons and written answers never raise


@pytest.mark.parametrize("got, message", [
    (None, "output: got None (does the function end without `return`?)"),
    ("3", "output: expected a number, got '3'"),
    (3.5, "output: got 3.5, expected 3"),
    (np.array([3]), "output: wrong shape (1,), expected ()"),
])
def test_describe_difference_of_an_integer_explains_any_answer(got, message):
    assert describe_difference(got, 3) == message
    assert describe_difference(got, np.arange(2)) is not None


def test_an_int_check_survives_none_and_strings(capsys):
    for bad, problem in ((None, "got None (does the function end without `return`?)"),
                         ("3", "expected a number, got '3'")):
        ok, out = run(capsys, check_function, "my_size", lambda n, bad=bad: bad,
                      lambda n: n - 1, [Case("n=4", (4,))])
        assert ok is False
        assert out == f"FAIL my_size: case 'n=4'\n  output: {problem}\n"


@pytest.mark.parametrize("answer, verdict, hint", [
    ((4, 4, 1), "PASS", None),
    (np.array([4, 4, 1]), "PASS", None),
    ([4.0, 4.0, 1.0], "PASS", None),
    (None, "TODO", None),
    ((5, 5, 1), "FAIL", "an off-by-one."),
    (np.array([5, 5, 1]), "FAIL", "an off-by-one."),
    ((1, 4, 4), "FAIL", "the default hint."),
    ("4x4", "FAIL", "the default hint."),
])
def test_check_value_uses_known_wrong_answers(capsys, answer, verdict, hint):
    ok, out = run(capsys, check_value, "shape", answer, (4, 4, 1), hint="the default hint.",
                  known={(5, 5, 1): "an off-by-one."})
    assert ok is (verdict == "PASS")
    assert out.startswith(f"{verdict} shape")
    assert (out.splitlines()[-1] == f"  hint: {hint}") if hint else ("hint" not in out)


PARTS = {"a": ("side of the output", 3, {4: "one too many."}, "n - k + 1."),
         "b": ("number of filters", 10, None, "count them.")}


@pytest.mark.parametrize("part, answer, ok, printed", [
    ("a", 3, True, "PASS Problem 1 a: side of the output: 3\n"),
    ("a", 4, False, "FAIL Problem 1 a: side of the output: answer: 4 is not right\n"
                    "  hint: one too many.\n"),
    ("a", 5, False, "FAIL Problem 1 a: side of the output: answer: 5 is not right\n"
                    "  hint: n - k + 1.\n"),
    ("b", None, False, "TODO Problem 1 b: number of filters: no answer yet\n"),
])
def test_check_part_titles_the_part_and_gives_its_hints(capsys, part, answer, ok, printed):
    assert run(capsys, check_part, "Problem 1", PARTS, part, answer) == (ok, printed)


def test_check_part_refuses_an_unknown_part_naming_the_parts():
    with pytest.raises(ValueError, match=r"^part must be one of 'a', 'b'; got 'c'$"):
        check_part("Problem 1", PARTS, "c", 3)


def test_check_value_of_a_number_accepts_a_zero_dimensional_array(capsys):
    assert run(capsys, check_value, "count", np.array(750), 750)[0] is True


@pytest.mark.parametrize("answer, expected, problem", [
    (760, 750, "answer: 760 is not right"),
    (760.5, 750, "answer: 760.5 is not right"),
    ((26, 28, 1), (28, 28, 1), "answer[0] = 26 is not right"),
    ((26, 26, 3), (28, 28, 1), "answer[0] = 26 and answer[1] = 26 and answer[2] = 3 are not right"),
    ((112, 112), (112, 112, 64), "answer: expected a tuple of 3 numbers, got (112, 112)"),
    (np.array([[1, 2], [3, 4]]), np.array([[1, 2], [3, 5]]),
     "answer: the entries at (1, 1) are not right"),
    (np.arange(3), np.arange(4), "answer: expected an array of shape (4,), got array([0, 1, 2])"),
    (False, 0, "answer: write numbers, not True or False; got False"),
    ((True, 2), (1, 2), "answer: write numbers, not True or False; got (True, 2)"),
    (np.array(28), (28, 28, 3), "answer: expected a tuple of 3 numbers, got array(28)"),
    (10**400, 28, "answer: expected a number, got " + str(10**400)),
    ("28", 28, "answer: write numbers, not text; got '28'"),
    (("28", 28, 3), (28, 28, 3), "answer: write numbers, not text; got ('28', 28, 3)"),
])
def test_a_wrong_written_answer_is_located_but_not_revealed(capsys, answer, expected, problem):
    ok, out = run(capsys, check_value, "q", answer, expected)
    assert (ok, out) == (False, f"FAIL q: {problem}\n")
    assert describe_wrong_answer(answer, expected) == problem


def test_a_right_written_answer_in_any_form_passes():
    for answer in ((28, 28, 3), [28.0, 28.0, 3.0], np.array([28, 28, 3])):
        assert describe_wrong_answer(answer, (28, 28, 3)) is None
    assert describe_wrong_answer(np.float64(750.0), 750) is None


def test_report(capsys):
    assert run(capsys, report, "x", "PASS", "fine") == (True, "PASS x: fine\n")
    assert run(capsys, report, "x", "TODO") == (False, "TODO x\n")
    assert run(capsys, report, "x", "FAIL", "a\n  hint: b") == (False, "FAIL x: a\n  hint: b\n")


def test_arguments_are_copied_and_caches_keep_their_type():
    from c182lib.rnn import RnnStepCache

    cache = RnnStepCache(*(np.arange(3.0) + i for i in range(5)))
    args = (np.ones(2), [cache], {"cache": cache})
    copied = _core._copied(args)
    assert type(copied[1][0]) is RnnStepCache and type(copied[2]["cache"]) is RnnStepCache
    for original, copy in zip(cache, copied[1][0], strict=True):
        assert copy is not original and np.array_equal(copy, original)
    assert copied[0] is not args[0] and isinstance(copied[1], list)


def test_a_hint_that_raises_on_a_malformed_output_is_dropped_not_raised(capsys):
    def crashing_hint(case, got):
        return f"you returned {np.shape(got)}"  # raises on a ragged list

    ok, out = run(capsys, check_function, "my_pool", lambda x: [[1.0, 2.0], [3.0]],
                  lambda x: np.zeros((2, 2)), [Case("2x2", (0,))],
                  suspects=[("never", lambda case: np.shape([[1], []]))],
                  fallback=crashing_hint)
    assert ok is False
    assert out == ("FAIL my_pool: case '2x2'\n  output: expected an array of shape (2, 2), got "
                   "[[1.0, 2.0], [3.0]]\n")


def test_an_on_error_hint_that_raises_is_dropped(capsys):
    def broken(x):
        raise ZeroDivisionError("boom")

    ok, out = run(capsys, check_function, "f", broken, lambda x: x, [Case("c", (1,))],
                  on_error=lambda case, err: 1 / 0)
    assert ok is False and "raised ZeroDivisionError: boom" in out and "hint" not in out


def test_a_suspect_ruled_out_by_a_passed_case_gives_no_hint(capsys):
    """The student's x + 1 agrees with the reference x ** 2 - 1 at x = 2 (3) but not at x = 3.
    The suspect "x ** 2 forgot the - 1" explains the failing case only by coincidence
    (x ** 2 = 9 is not 4 either); a suspect that gives x + 1 on the failing case but would have
    got x = 2 wrong is not the student's mistake."""
    reference = lambda x: x ** 2 - 1  # noqa: E731
    suspects = [("ruled out: would have failed x=2", lambda case: {2: 4, 3: 4}[case.args[0]]),
                ("consistent: x + 1", lambda case: case.args[0] + 1)]
    ok, out = run(capsys, check_function, "f", lambda x: x + 1, reference,
                  [Case("x=2", (2,)), Case("x=3", (3,))], suspects=suspects)
    assert ok is False
    assert out.splitlines()[-1] == "  hint: consistent: x + 1"
    assert matching_suspect(4, Case("x=3", (3,)), suspects[:1],
                            passed=[(Case("x=2", (2,)), 3)]) is None
    assert matching_suspect(4, Case("x=3", (3,)), suspects[:1]) == suspects[0][0]


@pytest.mark.parametrize("got, detail", [
    (None, "None (does the function end without `return`?)"),
    (np.zeros(3), "an array of shape (3,)"),
    ((np.zeros(3),), "a tuple of 1 item"),
    ([1, 2, 3], "a list of 3 items"),
    (7, "an int"),
    (7.5, "a float"),
])
def test_a_missing_tuple_says_what_came_back(capsys, got, detail):
    ok, out = run(capsys, check_function, "f", lambda: got, lambda: (1.0, 2.0), [Case("c")],
                  labels=("dx", "dw"))
    assert out == f"FAIL f: case 'c'\n  expected a tuple of 2 items (dx, dw), got {detail}\n"


def test_shape_of_never_raises():
    assert shape_of(np.zeros((2, 3))) == (2, 3)
    assert shape_of([[1.0, 2.0], [3.0, 4.0]]) == (2, 2)
    assert shape_of(None) == ()
    assert shape_of([[1.0, 2.0], [3.0]]) is None  # ragged


def test_a_suspect_of_nones_matches_nothing():
    assert not matches((np.zeros(2), np.zeros(3)), (None, None))
    assert matches((np.zeros(2), np.zeros(3)), (None, np.zeros(3)))


def test_a_call_that_fails_on_its_parameters_says_so(capsys):
    def my_layer(x):  # the exercise's signature is (x, eps)
        return x

    ok, out = run(capsys, check_function, "my_layer", my_layer, lambda x, eps: x,
                  [Case("c", (1.0,), {"eps": 0.5})])
    assert ok is False
    assert out.startswith("FAIL my_layer: case 'c' raised TypeError: ")
    assert out.rstrip().endswith("(in the call itself, before its first line ran: check the "
                                 "parameters)")
