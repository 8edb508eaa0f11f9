"""Tests of c182lib.checks.conv: each check passes correct code and explains wrong code.

The "student" functions below are written independently of c182lib (explicit loops), the way a
student would write them, and then broken the way students break them.
"""

from __future__ import annotations

import numpy as np
import pytest
from _checks_helpers import assert_fails, not_implemented, run

from c182lib.checks.conv import (
    DIMS_1A_PARTS,
    _conv_matrix_cases,
    _corr1d_cases,
    _length_hint,
    _matrix_shape_hint,
    _output_size_cases,
    check_conv_matrix_1d,
    check_corr1d,
    check_dims_1a,
    check_output_size,
)
from c182lib.conv import conv_matrix_1d, corr1d
from c182lib.shapes import conv_output_size

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


# --------------------------------------------------------------------------------------------
# check_corr1d


def test_corr1d_cases_cover_the_edge_cases():
    settings = [(len(c.args[0]), len(c.args[1]), c.kwargs["stride"], c.kwargs["padding"])
                for c in _corr1d_cases()]
    assert any((n + 2 * p - k) % s for n, k, s, p in settings)  # a stride that does not tile
    assert any(s > 1 and (n + 2 * p - k) % s == 0 for n, k, s, p in settings)  # one that tiles
    assert any(s > k for n, k, s, p in settings)  # cells skipped between windows
    assert any(p > 0 and s == 1 for n, k, s, p in settings)
    assert any(n == k and p == 0 for n, k, s, p in settings)
    assert any(k == 1 for n, k, s, p in settings)
    for case in _corr1d_cases()[:10]:  # the fixed cases: a flipped filter must change them
        w = case.args[1]
        assert len(w) == 1 or not np.allclose(w, w[::-1]), case.description


@pytest.mark.parametrize("student", [
    loops_corr1d,
    lambda x, w, stride=1, padding=0: corr1d(x, w, stride=stride, padding=padding),
    lambda x, w, stride=1, padding=0: list(loops_corr1d(x, w, stride, padding)),
], ids=["loops", "c182lib", "returns-a-list"])
def test_corr1d_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_corr1d, student)
    assert ok is True
    assert out.startswith("PASS my_corr1d: all 14 cases match")
    assert "hint" not in out


@pytest.mark.parametrize("mistake, case, detail, hint", [
    ({"flip": True}, "stride 1, no padding", "3 of 3 entries differ", "true convolution"),
    ({"step": "stride-1"}, "stride 2 that tiles", "wrong shape (5,), expected (3,)",
     "stride-1 outputs"),
    ({"pad_front": False, "pad_back": False}, "padding 1", "wrong shape (2,), expected (4,)",
     "padding seems to be ignored"),
    ({"pad_back": False}, "padding 1", "wrong shape (3,), expected (4,)", "front only"),
    ({"last_missing": True}, "stride 1, no padding", "wrong shape (2,), expected (3,)",
     "last window is missing"),
], ids=["flipped-kernel", "off-by-one-stride", "missing-padding", "padding-one-side",
        "wrong-output-length"])
def test_corr1d_fails_wrong_code_with_case_and_hint(capsys, mistake, case, detail, hint):
    def student(x, w, stride=1, padding=0):
        options = dict(mistake)
        if options.get("step") == "stride-1":  # "skip stride - 1 cells" read as the step
            options["step"] = max(stride - 1, 1)
        return loops_corr1d(x, w, stride, padding, **options)

    ok, out = run(capsys, check_corr1d, student)
    assert ok is False
    assert_fails(out, "my_corr1d", case, hint, detail)


def test_corr1d_lists_the_wrong_entries(capsys):
    def student(x, w, stride=1, padding=0):  # right length, last entry wrong
        y = loops_corr1d(x, w, stride, padding)
        y[-1] += 1.0
        return y

    ok, out = run(capsys, check_corr1d, student)
    assert ok is False
    assert "1 of 3 entries differ" in out
    assert "at (2,): got -6.75, expected -7.75" in out


def test_corr1d_reports_the_worksheets_short_window_as_an_exception_with_its_case(capsys):
    def student(x, w, stride=1, padding=0):  # the worksheet's slice x[s:k-1+s], taken literally
        return loops_corr1d(x, w, stride, padding, window=len(w) - 1)

    ok, out = run(capsys, check_corr1d, student)
    assert ok is False
    assert "case 'stride 1, no padding (n=5, k=3)' raised ValueError" in out
    assert "x_padded[start:start + k] holds k entries" in out


def test_corr1d_reports_any_exception_with_its_case(capsys):
    def student(x, w, stride=1, padding=0):
        if stride > 1:
            return x[[len(x) + 5]]  # IndexError, only on the stride cases
        return loops_corr1d(x, w, stride, padding)

    ok, out = run(capsys, check_corr1d, student)
    assert ok is False
    assert "case 'stride 2 that tiles the input (n=7, k=3)' raised IndexError" in out
    assert "hint: an index ran past the end" in out


def test_corr1d_explains_a_wrong_length_it_has_no_name_for(capsys):
    def student(x, w, stride=1, padding=0):
        return loops_corr1d(x, w, stride, padding)[:1]

    ok, out = run(capsys, check_corr1d, student)
    assert ok is False
    assert "floor((n + 2p - k) / s) + 1 = 3 windows; you returned 1 value." in out


def test_corr1d_explains_a_row_vector_by_its_shape(capsys):
    ok, out = run(capsys, check_corr1d, lambda x, w, stride=1, padding=0:
                  loops_corr1d(x, w, stride, padding)[None, :])
    assert ok is False
    assert out.splitlines()[-1] == ("  hint: return a 1-D array of outputs, one per window "
                                    "position: shape (3,) here, not (1, 3).")
    assert "values" not in out


@pytest.mark.parametrize("returned, hint_end", [
    (None, "here."), ("abc", "here."), (2.5, "here, not a single number."),
])
def test_corr1d_hint_fits_what_came_back(capsys, returned, hint_end):
    ok, out = run(capsys, check_corr1d, lambda x, w, stride=1, padding=0: returned)
    assert ok is False
    assert out.startswith("FAIL my_corr1d")
    assert out.splitlines()[-1].endswith(hint_end)


def test_corr1d_todo(capsys):
    ok, out = run(capsys, check_corr1d, not_implemented)
    assert ok is False
    assert out.startswith("TODO my_corr1d")
    assert "hint" not in out


# --------------------------------------------------------------------------------------------
# check_output_size


def test_output_size_cases_cover_the_edge_cases():
    settings = [(*c.args, *c.kwargs.values()) for c in _output_size_cases()]
    assert any((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in settings)
    assert any(d > 1 for *_, d in settings)
    assert any(k == 1 for _, k, *_ in settings)


@pytest.mark.parametrize("student", [loops_output_size, conv_output_size])
def test_output_size_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_output_size, student)
    assert ok is True
    assert out.startswith("PASS my_output_size: all 16 cases match")


@pytest.mark.parametrize("student, case, hint", [
    (lambda n, k, stride=1, padding=0, dilation=1: n - k - 1,
     "stride 1, no padding", "n - k - 1 is an erratum"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     -(-(n + 2 * padding - dilation * (k - 1) - 1) // stride) + 1,
     "stride 2 that does not tile", "round DOWN"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - k) // stride + 1,
     "dilation 2", "spans d(k - 1) + 1 cells, not k"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     (n + padding - dilation * (k - 1) - 1) // stride + 1,
     "padding 2 keeps the size", "EACH end"),
    (lambda n, k, stride=1, padding=0, dilation=1:
     (n + 2 * padding - dilation * (k - 1) - 1) // stride,
     "stride 1, no padding", "floor(...) + 1"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n + 2 * padding - dilation * k) // stride + 1,
     "dilation 2", "not d * k"),
    (lambda n, k, stride=1, padding=0, dilation=1: (n - dilation * (k - 1) - 1) // stride + 1,
     "padding 2 keeps the size", "the padding is missing"),
], ids=["erratum", "ceil", "no-dilation", "padding-once", "no-plus-one", "span-d-times-k",
        "padding-ignored"])
def test_output_size_fails_wrong_code_with_case_and_hint(capsys, student, case, hint):
    ok, out = run(capsys, check_output_size, student)
    assert ok is False
    assert_fails(out, "my_output_size", case, hint)


def test_output_size_hint_is_not_contradicted_by_a_passed_case(capsys):
    """(n + 2p - d*k) // s + 1 has its + 1: the "+ 1 missing" mistake also explains the
    failing dilation case, but the cases without dilation, which passed, rule it out."""
    ok, out = run(capsys, check_output_size, lambda n, k, stride=1, padding=0, dilation=1:
                  (n + 2 * padding - dilation * k) // stride + 1)
    assert ok is False
    assert "floor(...) + 1" not in out and "not d * k" in out


def test_output_size_todo(capsys):
    ok, out = run(capsys, check_output_size, not_implemented)
    assert (ok, out.split()[0]) == (False, "TODO")


# --------------------------------------------------------------------------------------------
# check_dims_1a (expected answers worked by hand: 32 - 5 + 1 = 28, 32 + 4 - 5 + 1 = 32,
# 10 * 5 * 5 * 3 = 750)

CORRECT_1A = {"i": (28, 28, 1), "ii": (32, 32, 1), "iii-shape": (32, 32, 10),
              "iii-weights": 750, "iv": (32, 32)}


def test_dims_1a_parts():
    assert set(DIMS_1A_PARTS) == set(CORRECT_1A)


@pytest.mark.parametrize("part", list(CORRECT_1A))
def test_dims_1a_passes_correct_answers(capsys, part):
    ok, out = run(capsys, check_dims_1a, part, CORRECT_1A[part])
    assert ok is True
    assert out.startswith(f"PASS Problem 1(a) {part}:")


@pytest.mark.parametrize("answer", [[28, 28, 1], np.array([28, 28, 1]), (28.0, 28.0, 1.0)])
def test_dims_1a_accepts_lists_arrays_and_floats(capsys, answer):
    assert run(capsys, check_dims_1a, "i", answer)[0] is True


@pytest.mark.parametrize("part, answer, hint", [
    ("i", (26, 26, 1), "n - k - 1 is an erratum"),
    ("i", (27, 27, 1), "undercounts by one"),
    ("i", (28, 28, 3), "ONE output channel"),
    ("i", (1, 28, 28), "(height, width, channels)"),
    ("ii", (36, 36, 1), "padded input's size"),
    ("ii", (34, 34, 1), "EACH side"),
    ("iii-shape", (32, 32, 1), "its own output channel"),
    ("iii-shape", (10, 32, 32), "(height, width, channels)"),
    ("iii-weights", 760, "does not count the 10 biases"),
    ("iii-weights", 75, "there are 10"),
    ("iv", (32, 32, 10), "n - 1 + 1"),
    ("iv", (32, 32, 3), "only the spatial dimensions"),
    ("iv", (32, 32, 4), "4 is the number of filters in w_1x1"),
    ("ii", "32x32", "n + 2p - k + 1"),
])
def test_dims_1a_fails_wrong_answers_with_a_hint(capsys, part, answer, hint):
    ok, out = run(capsys, check_dims_1a, part, answer)
    assert ok is False
    assert out.startswith(f"FAIL Problem 1(a) {part}:")
    assert out.splitlines()[-1].startswith("  hint:") and hint in out


def test_dims_1a_says_which_entry_is_wrong(capsys):
    ok, out = run(capsys, check_dims_1a, "iii-shape", (32, 32, 3))
    assert ok is False
    # which entry, but not what it should be (10 would give the answer away)
    assert out.splitlines()[0].endswith("padding 2: answer[2] = 3 is not right")


def test_dims_1a_todo(capsys):
    ok, out = run(capsys, check_dims_1a, "ii", None)
    assert (ok, out.split()[0]) == (False, "TODO")


def test_dims_1a_unknown_part_names_the_argument():
    with pytest.raises(ValueError, match=r"part must be one of .*'iii-weights'.*got 'v'"):
        check_dims_1a("v", (32, 32))


# --------------------------------------------------------------------------------------------
# check_conv_matrix_1d


def test_conv_matrix_cases_include_the_worksheets_4_by_6():
    first = _conv_matrix_cases()[0]
    assert (first.args[0], len(first.args[1]), first.kwargs) == (4, 3, {"stride": 1,
                                                                        "padding": 1})


@pytest.mark.parametrize("student", [
    loops_conv_matrix,
    lambda n, w, stride=1, padding=0: conv_matrix_1d(n, w, stride, padding, on_padded=True),
], ids=["loops", "c182lib"])
def test_conv_matrix_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_conv_matrix_1d, student)
    assert ok is True
    assert out.startswith("PASS my_conv_matrix_1d: all 9 cases match")


@pytest.mark.parametrize("student, case, detail, hint", [
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding, flip=True),
     "Problem 2", "8 of 24 entries differ", "flipped filter"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, padding).T,
     "Problem 2", "wrong shape (6, 4), expected (4, 6)", "W transposed"),
    (lambda n, w, stride=1, padding=0:
     loops_conv_matrix(n, w, stride, padding)[:, padding:padding + n],
     "Problem 2", "wrong shape (4, 4), expected (4, 6)", "acts on x;"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, 1, padding),
     "stride 2 with padding 1", "wrong shape (5, 7), expected (3, 7)", "stride-1 rows"),
    (lambda n, w, stride=1, padding=0: loops_conv_matrix(n, w, stride, 0),
     "Problem 2", "wrong shape (2, 4), expected (4, 6)", "W must be (n_out, n + 2p) = (4, 6)"),
], ids=["flipped-kernel", "transposed", "acts-on-x", "stride-ignored", "missing-padding"])
def test_conv_matrix_fails_wrong_code_with_case_and_hint(capsys, student, case, detail, hint):
    ok, out = run(capsys, check_conv_matrix_1d, student)
    assert ok is False
    assert_fails(out, "my_conv_matrix_1d", case, hint, detail)


def test_conv_matrix_todo(capsys):
    ok, out = run(capsys, check_conv_matrix_1d, not_implemented)
    assert (ok, out.split()[0]) == (False, "TODO")


# --------------------------------------------------------------------------------------------
# Malformed results


RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("check, name", [
    (check_corr1d, "my_corr1d"), (check_output_size, "my_output_size"),
    (check_conv_matrix_1d, "my_conv_matrix_1d"),
])
def test_a_ragged_list_is_a_fail_not_an_exception(capsys, check, name):
    ok, out = run(capsys, check, lambda *args, **kwargs: RAGGED)
    assert ok is False
    assert out.startswith(f"FAIL {name}: case '") and str(RAGGED) in out


@pytest.mark.parametrize("hint, case, says", [
    (_length_hint, _corr1d_cases()[0], "return a 1-D array"),
    (_matrix_shape_hint, _conv_matrix_cases()[0], "W must be (n_out, n + 2p) = (4, 6)"),
])
def test_the_shape_hints_survive_a_ragged_list(hint, case, says):
    assert hint(case, RAGGED).startswith(says)
