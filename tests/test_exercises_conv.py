"""Tests of the convolution exercises (c182lib.exercises.conv, notebooks 01-03): each passes
right answers, fails the classic mistakes with the right hint, catches writes into its
arguments, and grades its hidden cases.

The "student" functions below are written independently of c182lib (explicit loops), the way a
student would write them, and then broken the way students break them.
"""

from __future__ import annotations

import numpy as np
import pytest
from _exercise_helpers import hidden_cases, stub, verdict_of

from c182lib.checks import (
    check_conv_matrix_1d,
    check_corr1d,
    check_dims_1a,
    check_output_size,
)
from c182lib.conv import corr1d
from c182lib.exercises import EXERCISES

CORR1D = EXERCISES["01-corr1d"]
DIMS_1A = EXERCISES["02-dims-1a"]
OUTPUT_SIZE = EXERCISES["02-output-size"]
CONV_MATRIX = EXERCISES["03-conv-matrix-1d"]

# --------------------------------------------------------------------------------------------
# Student-style implementations


def loops_corr1d(x, w, stride=1, padding=0, *, step=None, window=None, flip=False,
                 pad_front=True, pad_back=True, last_missing=False):
    """Cross-correlation with explicit loops; the keywords inject classic mistakes."""
    x, w = np.asarray(x, float), np.asarray(w, float)
    w = w[::-1] if flip else w
    front = np.zeros(padding if pad_front else 0)
    back = np.zeros(padding if pad_back else 0)
    x_padded = np.concatenate([front, x, back])
    k = len(w)
    window = k if window is None else window
    step = stride if step is None else step
    stop = len(x_padded) - k + (0 if last_missing else 1)
    return np.array([np.dot(w, x_padded[start:start + window])
                     for start in range(0, stop, step)])


def convolve_corr1d(x, w, stride=1, padding=0):
    """Another algorithm: np.convolve with the filter flipped back, every stride-th output."""
    x_padded = np.pad(np.asarray(x, float), padding)
    return np.convolve(x_padded, np.asarray(w, float)[::-1], mode="valid")[::stride]


def loops_output_size(n, k, stride=1, padding=0, dilation=1):
    span = dilation * (k - 1) + 1
    count, start = 0, 0
    while start + span <= n + 2 * padding:
        count, start = count + 1, start + stride
    return count


def loops_conv_matrix(n, w, stride=1, padding=0, *, flip=False):
    w = np.asarray(w, float)
    w = w[::-1] if flip else w
    k, padded = len(w), n + 2 * padding
    rows = []
    start = 0
    while start + k <= padded:
        row = np.zeros(padded)
        row[start:start + k] = w
        rows.append(row)
        start += stride
    return np.array(rows)


def identity_conv_matrix(n, w, stride=1, padding=0):
    """Another algorithm: the columns are the outputs of corr1d on the unit vectors of x_bar."""
    padded = n + 2 * padding
    return np.stack([corr1d(unit, w, stride=stride) for unit in np.eye(padded)], axis=1)


# --------------------------------------------------------------------------------------------
# The cases hold the classic edge cases


def test_corr1d_cases_cover_the_edge_cases():
    cases = CORR1D.public_cases()
    settings = [(len(c.args[0]), len(c.args[1]), c.kwargs["stride"], c.kwargs["padding"])
                for c in cases]
    assert any((n + 2 * p - k) % s for n, k, s, p in settings)  # a stride that does not tile
    assert any(s > 1 and (n + 2 * p - k) % s == 0 for n, k, s, p in settings)
    assert any(s > k for n, k, s, p in settings)
    assert any(p > 0 and s == 1 for n, k, s, p in settings)
    assert any(p > 0 and s > 1 for n, k, s, p in settings)
    assert any(n == k and p == 0 for n, k, s, p in settings)
    assert any(k == 1 for n, k, s, p in settings)
    for case in cases[:10]:  # the fixed cases: a flipped filter must change them
        w = case.args[1]
        assert len(w) == 1 or not np.allclose(w, w[::-1]), case.id
    assert len({c.id for c in cases}) == len(cases)


def test_output_size_cases_cover_the_edge_cases():
    cases = OUTPUT_SIZE.public_cases()
    settings = [(*c.args, c.kwargs["stride"], c.kwargs["padding"], c.kwargs["dilation"])
                for c in cases]
    assert any((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in settings)
    assert any(s > k for n, k, s, p, d in settings)
    assert any(d > 1 for *_, d in settings)
    assert any(k == 1 for _, k, *_ in settings)
    assert any(n == k and p == 0 for n, k, s, p, d in settings)
    assert any(k > n for n, k, *_ in settings)  # padding makes room
    assert len({c.id for c in cases}) == len(cases)


def test_conv_matrix_cases_cover_the_edge_cases():
    cases = CONV_MATRIX.public_cases()
    first = cases[0]
    assert (first.args[0], len(first.args[1]), first.kwargs) == (4, 3, {"stride": 1,
                                                                        "padding": 1})
    settings = [(c.args[0], len(c.args[1]), c.kwargs["stride"], c.kwargs["padding"])
                for c in cases]
    assert any((n + 2 * p - k) % s for n, k, s, p in settings)
    assert any(s > k for n, k, s, p in settings)
    assert any(k == 1 for n, k, s, p in settings)
    assert any(n == k and p == 0 for n, k, s, p in settings)
    assert len({c.id for c in cases}) == len(cases)


# --------------------------------------------------------------------------------------------
# (a) right answers pass


@pytest.mark.parametrize("student", [
    loops_corr1d,
    convolve_corr1d,
    lambda x, w, stride=1, padding=0: list(loops_corr1d(x, w, stride, padding)),
    lambda x, w, stride=1, padding=0: loops_corr1d(np.float32(x), np.float32(w), stride,
                                                   padding).astype(np.float32),
], ids=["loops", "np-convolve", "a-list", "float32"])
def test_corr1d_passes_right_answers(student):
    verdict = CORR1D.check(student)
    assert verdict, verdict.text()


@pytest.mark.parametrize("student", [
    loops_output_size,
    lambda n, k, stride=1, padding=0, dilation=1: float(
        (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1),
    lambda n, k, stride=1, padding=0, dilation=1: np.int64(
        len(range(0, n + 2 * padding - dilation * (k - 1), stride))),
], ids=["loops", "a-float", "numpy-int"])
def test_output_size_passes_right_answers(student):
    verdict = OUTPUT_SIZE.check(student)
    assert verdict, verdict.text()


@pytest.mark.parametrize("student", [
    loops_conv_matrix,
    identity_conv_matrix,
    lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding).tolist(),
    lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding).astype(
        np.float32),
], ids=["loops", "unit-vectors", "lists", "float32"])
def test_conv_matrix_passes_right_answers(student):
    verdict = CONV_MATRIX.check(student)
    assert verdict, verdict.text()


RIGHT_1A = {"i": (28, 28, 1), "ii": (32, 32, 1), "iii-shape": (32, 32, 10),
            "iii-weights": 750, "iv": (32, 32)}  # worked by hand: 32 - 5 + 1, 10 * 5 * 5 * 3


@pytest.mark.parametrize("part", sorted(RIGHT_1A))
def test_dims_1a_passes_the_right_answer(part):
    [case] = [case for case in DIMS_1A.public_cases() if case.id == part]
    assert DIMS_1A.check(RIGHT_1A[part], [case])


def test_dims_1a_accepts_lists_arrays_floats_and_a_dict(capsys):
    for answer in ([28, 28, 1], np.array([28, 28, 1]), (28.0, 28.0, 1.0)):
        assert check_dims_1a("i", answer)
    assert check_dims_1a(RIGHT_1A)
    assert capsys.readouterr().out.count("PASS Problem 1(a)") == 3 + len(RIGHT_1A)


# --------------------------------------------------------------------------------------------
# (b) classic mistakes fail, with the hint of that mistake


def _stride_minus_one(x, w, stride=1, padding=0):
    """"Skip stride - 1 cells" read as the step."""
    return loops_corr1d(x, w, stride, padding, step=max(stride - 1, 1))


@pytest.mark.parametrize("student, case_id, mistake", [
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding, flip=True),
     "plain", "flipped filter"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, 0), "pad1",
     "padding ignored"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding, pad_back=False),
     "pad1", "padded at the front only"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding, pad_front=False),
     "pad1", "padded at the back only"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, 1, padding), "stride2-tiles",
     "stride ignored"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding,
                                                    last_missing=True),
     "plain", "last window missing"),
    (_stride_minus_one, "stride2-tiles", "stride ignored"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding)[:1], "plain",
     "window count"),
    (lambda x, w, stride=1, padding=0: loops_corr1d(x, w, stride, padding, window=len(w) - 1),
     "plain", "window one cell short"),
    (lambda x, w, stride=1, padding=0: x[[len(x) + 5]], "plain", "index past the end"),
], ids=["flipped", "padding-ignored", "front-only", "back-only", "stride-ignored",
        "last-missing", "step-stride-minus-one", "window-count", "short-window",
        "index-error"])
def test_corr1d_fails_each_mistake_with_its_hint(student, case_id, mistake):
    assert verdict_of(CORR1D, student) == ("FAIL", case_id, mistake)


def test_corr1d_names_the_wrong_entry():
    def student(x, w, stride=1, padding=0):  # right length, last entry wrong
        y = loops_corr1d(x, w, stride, padding)
        y[-1] += 1.0
        return y

    verdict = CORR1D.check(student)
    assert (verdict.case_id, verdict.mistake) == ("plain", None)
    assert "1 of 3 entries differ" in verdict.text()
    assert "at (2,): got -6.75, expected -7.75" in verdict.text()


@pytest.mark.parametrize("student, case_id, mistake", [
    (lambda n, k, stride=1, padding=0, dilation=1: n - k - 1, "plain", "worksheet erratum"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     -(-(n + 2 * padding - dilation * (k - 1) - 1) // stride) + 1, "stride2-no-tile",
     "rounded up"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     (n + 2 * padding - dilation * (k - 1) - 1) / stride + 1, "stride2-no-tile",
     "not rounded"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     (n + 2 * padding - dilation * (k - 1) - 1) // stride, "plain",
     "first window not counted"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     (n + padding - dilation * (k - 1) - 1) // stride + 1, "pad-same", "padding at one end"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n - dilation * (k - 1) - 1) // stride + 1,
     "pad-same", "padding ignored"),
    (lambda n, k, stride=1, padding=0, dilation=1: n + 2 * padding - dilation * (k - 1),
     "stride2-tiles", "stride ignored"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - k) // stride + 1,
     "dilation2", "dilation ignored"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - dilation * k) // stride
     + 1, "dilation2", "dilated span too long"),
], ids=["erratum", "ceil", "no-floor", "no-plus-one", "padding-once", "padding-ignored",
        "stride-ignored", "no-dilation", "span-d-times-k"])
def test_output_size_fails_each_mistake_with_its_hint(student, case_id, mistake):
    assert verdict_of(OUTPUT_SIZE, student) == ("FAIL", case_id, mistake)


def test_output_size_hint_is_not_contradicted_by_a_passed_case():
    """(n + 2p - d*k) // s + 1 also fits "first window not counted" on the dilation case, but
    the cases without dilation, which passed, rule that out."""
    verdict = OUTPUT_SIZE.check(lambda n, k, stride=1, padding=0, dilation=1:
                                (n + 2 * padding - dilation * k) // stride + 1)
    assert verdict.mistake == "dilated span too long"


@pytest.mark.parametrize("part, answer, mistake", [
    ("i", (26, 26, 1), "i: (26, 26, 1)"),
    ("i", (27, 27, 1), "i: (27, 27, 1)"),
    ("i", (28, 28, 3), "i: (28, 28, 3)"),
    ("i", (1, 28, 28), "i: (1, 28, 28)"),
    ("ii", (36, 36, 1), "ii: (36, 36, 1)"),
    ("ii", (34, 34, 1), "ii: (34, 34, 1)"),
    ("iii-shape", (32, 32, 1), "iii-shape: (32, 32, 1)"),
    ("iii-shape", (10, 32, 32), "iii-shape: (10, 32, 32)"),
    ("iii-weights", 760, "iii-weights: 760"),
    ("iii-weights", 75, "iii-weights: 75"),
    ("iv", (32, 32, 4), "iv: (32, 32, 4)"),
    ("iv", (32, 32, 10), "iv: other"),
    ("ii", (31, 31, 1), "ii: other"),
])
def test_dims_1a_fails_known_wrong_answers_with_their_hint(part, answer, mistake):
    [case] = [case for case in DIMS_1A.public_cases() if case.id == part]
    verdict = DIMS_1A.check(answer, [case])
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", part, mistake)
    assert str(RIGHT_1A[part]) not in verdict.text(2)  # what is wrong, not the answer


def test_dims_1a_says_which_entry_is_wrong_without_the_answer():
    [case] = [case for case in DIMS_1A.public_cases() if case.id == "iii-shape"]
    text = DIMS_1A.check((32, 32, 3), [case]).text()
    assert "answer[2] = 3 is not right" in text and "10" not in text.split("hint")[0][-20:]


def test_dims_1a_todo_and_bad_part(capsys):
    assert not check_dims_1a("ii", None)
    assert capsys.readouterr().out.startswith("TODO Problem 1(a) ii")
    with pytest.raises(ValueError, match=r"part must be one of .*'iii-weights'.*got 'v'"):
        check_dims_1a("v", (32, 32))


@pytest.mark.parametrize("student, case_id, mistake", [
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding, flip=True),
     "problem2", "flipped filter"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding).T,
     "problem2", "transposed"),
    (lambda n, w, stride=1, padding=0:
     loops_conv_matrix(n, w, stride, padding)[:, padding:padding + n],
     "problem2", "acts on the unpadded input"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, 1, padding), "stride2-pad1",
     "stride ignored"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, 0), "problem2",
     "shape"),
], ids=["flipped", "transposed", "acts-on-x", "stride-ignored", "padding-ignored"])
def test_conv_matrix_fails_each_mistake_with_its_hint(student, case_id, mistake):
    assert verdict_of(CONV_MATRIX, student) == ("FAIL", case_id, mistake)


@pytest.mark.parametrize("exercise", [CORR1D, OUTPUT_SIZE, CONV_MATRIX], ids=lambda e: e.id)
def test_a_ragged_list_or_none_is_a_fail_not_an_exception(exercise):
    for returned in ([[1.0, 2.0], [3.0]], None, "abc"):
        verdict = exercise.check(lambda *args, returned=returned, **kwargs: returned)
        assert verdict.status == "FAIL", returned


# --------------------------------------------------------------------------------------------
# (c) writes into an argument are caught and named


def test_corr1d_write_into_an_argument_fails_naming_it():
    for argument in ("x", "w"):
        def writes(x, w, stride=1, padding=0, argument=argument):
            y = loops_corr1d(x, w, stride, padding)
            {"x": x, "w": w}[argument][...] = 0
            return y

        verdict = CORR1D.check(writes)
        assert verdict.status == "FAIL" and verdict.mistake is None
        assert f"`{argument}`" in verdict.text()


def test_conv_matrix_write_into_w_fails_naming_it():
    def writes(n, w, stride=1, padding=0):
        matrix = loops_conv_matrix(n, w, stride, padding)
        w *= 2
        return matrix

    verdict = CONV_MATRIX.check(writes)
    assert verdict.status == "FAIL" and "`w`" in verdict.text()


# --------------------------------------------------------------------------------------------
# (d) hidden cases


@pytest.mark.parametrize("exercise, student", [
    (CORR1D, loops_corr1d), (OUTPUT_SIZE, loops_output_size),
    (CONV_MATRIX, loops_conv_matrix)], ids=lambda value: getattr(value, "id", ""))
def test_hidden_cases_pass_a_right_answer_written_independently(exercise, student):
    cases = hidden_cases(exercise.id)
    assert len(cases) >= 5 and all(case.id.startswith("h-") for case in cases)
    assert exercise.check(student, cases)


# --------------------------------------------------------------------------------------------
# The student-facing checks and the notebooks


def test_the_printed_check_gives_the_next_tier_when_the_same_mistake_repeats(capsys):
    def flipped(x, w, stride=1, padding=0):
        return loops_corr1d(x, w, stride, padding, flip=True)

    assert not check_corr1d(flipped)
    first = capsys.readouterr().out
    assert not check_corr1d(flipped)
    second = capsys.readouterr().out
    assert first.startswith("FAIL my_corr1d: case 'stride 1, no padding (n=5, k=3)'")
    [first_hint] = [line for line in first.splitlines() if line.startswith("  hint:")]
    [second_hint] = [line for line in second.splitlines() if line.startswith("  hint:")]
    assert first_hint != second_hint
    assert check_corr1d(loops_corr1d)
    assert capsys.readouterr().out.startswith("PASS my_corr1d: all 14 cases match")


def test_the_printed_checks_say_todo_for_the_stub(capsys):
    for check in (check_corr1d, check_output_size, check_conv_matrix_1d):
        assert not check(stub)
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["TODO"] * 3
