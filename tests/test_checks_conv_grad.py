"""Tests of c182lib.checks.conv_grad: each check passes correct code and explains wrong code.

The "student" functions below are written independently of c182lib (explicit loops over the
chain rule, the way a student would write them), and then broken the way students break them.
"""

from __future__ import annotations

import numpy as np
import pytest
from _checks_helpers import assert_fails, not_implemented, run

from c182lib.checks.conv_grad import (
    _corr1d_backward_cases,
    _corr1d_backward_fallback,
    _kernel_gradient_cases,
    _kernel_shape_hint,
    _sgd_shape_hint,
    _sgd_step_cases,
    check_corr1d_backward,
    check_kernel_gradient,
    check_sgd_step,
)
from c182lib.conv import corr1d_backward, corr2d

# --------------------------------------------------------------------------------------------
# Student-style implementations


def loops_corr1d_backward(dy, x, w, *, unflipped=False, use_output=False, one_position=False,
                          swap=False):
    """Gradients of y[o] = sum_j w[j] x[o + j] by the chain rule; keywords inject mistakes.

    ``unflipped`` computes dx as the correlation of the zero-padded dy with w itself (the
    filter not flipped), ``use_output`` puts y where dy belongs in dw, ``one_position`` keeps
    only the first output's term of dw, ``swap`` returns (dw, dx).
    """
    dy, x, w = (np.asarray(a, float) for a in (dy, x, w))
    n, k = len(x), len(w)
    y = np.array([sum(w[j] * x[o + j] for j in range(k)) for o in range(n - k + 1)])
    upstream = y if use_output else dy
    dx, dw = np.zeros(n), np.zeros(k)
    for o in range(len(dy)):
        for j in range(k):
            dx[o + j] += dy[o] * (w[k - 1 - j] if unflipped else w[j])
            if o == 0 or not one_position:
                dw[j] += upstream[o] * x[o + j]
    return (dw, dx) if swap else (dx, dw)


def loops_kernel_gradient(X, dY, *, one_position=False, flip_dy=False, transpose=False,
                          average=False):
    """dw[h, l] = sum_{i, j} dY[i, j] X[i + h, j + l] with loops; keywords inject mistakes."""
    X, dY = np.asarray(X, float), np.asarray(dY, float)
    m_h, m_w = dY.shape
    k_h, k_w = X.shape[0] - m_h + 1, X.shape[1] - m_w + 1
    upstream = dY[::-1, ::-1] if flip_dy else dY
    dw = np.zeros((k_h, k_w))
    for h in range(k_h):
        for ell in range(k_w):
            for i in range(1 if one_position else m_h):
                for j in range(1 if one_position else m_w):
                    dw[h, ell] += upstream[i, j] * X[i + h, j + ell]
    if average:
        dw /= dY.size
    return dw.T if transpose else dw


def sgd_step(w, dw, learning_rate):
    return np.asarray(w, float) - learning_rate * np.asarray(dw, float)


def sgd_step_in_place(w, dw, learning_rate):
    w -= learning_rate * dw
    return w


# --------------------------------------------------------------------------------------------
# check_corr1d_backward


def test_corr1d_backward_cases_cover_the_edge_cases():
    cases = _corr1d_backward_cases()
    first = cases[0]
    assert [len(a) for a in first.args] == [2, 4, 3]  # Problem 3: y in R^2, x in R^4, w in R^3
    sizes = [(len(c.args[1]), len(c.args[2])) for c in cases]
    assert any(k == 1 for _, k in sizes)
    assert any(n == k for n, k in sizes)
    for case in cases:
        dy, x, w = case.args
        assert len(dy) == len(x) - len(w) + 1, case.description
        assert not np.allclose(dy, 1.0), case.description  # all-ones dy hides bugs
    for case in cases[:5]:  # the fixed cases: a missing flip must change them
        w = case.args[2]
        assert len(w) == 1 or not np.allclose(w, w[::-1]), case.description


@pytest.mark.parametrize("student", [
    loops_corr1d_backward,
    corr1d_backward,
    lambda dy, x, w: [list(g) for g in loops_corr1d_backward(dy, x, w)],
], ids=["loops", "c182lib", "returns-lists"])
def test_corr1d_backward_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is True
    assert out.startswith("PASS my_corr1d_backward: all 8 cases match")
    assert "hint" not in out


@pytest.mark.parametrize("mistake, detail, hint", [
    ({"unflipped": True}, "dx: 4 of 4 entries differ", "FLIPPED filter"),
    ({"use_output": True}, "dw: 3 of 3 entries differ", "not with the output y"),
    ({"one_position": True}, "dw: 3 of 3 entries differ", "SUMS over all of them"),
    ({"swap": True}, "dx: wrong shape (3,), expected (4,)", "order (dx, dw)"),
], ids=["dx-without-flip", "dw-from-y", "dw-one-position", "swapped"])
def test_corr1d_backward_fails_wrong_code_with_case_and_hint(capsys, mistake, detail, hint):
    ok, out = run(capsys, check_corr1d_backward,
                  lambda dy, x, w: loops_corr1d_backward(dy, x, w, **mistake))
    assert ok is False
    assert_fails(out, "my_corr1d_backward", "Problem 3: n=4, k=3", hint, detail)


def test_corr1d_backward_hints_at_dw_when_only_dw_is_wrong(capsys):
    def student(dy, x, w):  # dx right, dw a convolution (dy flipped)
        dx, _ = loops_corr1d_backward(dy, x, w)
        return dx, loops_corr1d_backward(dy[::-1], x, w)[1]

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert "dw: " in out and "dx: " not in out
    assert out.splitlines()[-1].startswith("  hint: dw is a correlation of x with dy")


def test_corr1d_backward_explains_a_short_dx(capsys):
    def student(dy, x, w):  # a valid (not full) correlation of dy with the flipped filter
        dx, dw = loops_corr1d_backward(dy, x, w)
        return dx[len(w) - 1:len(x) - len(w) + 1], dw

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert "dx: wrong shape" in out
    assert "dx has one entry per input x[i]" in out and "k - 1 zeros at each end" in out


def test_corr1d_backward_lists_the_wrong_entry(capsys):
    def student(dy, x, w):
        dx, dw = loops_corr1d_backward(dy, x, w)
        dx[-1] = 0.0  # the last input's gradient forgotten
        return dx, dw

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert "dx: 1 of 4 entries differ" in out
    assert "at (3,): got 0, expected -1" in out  # dx[3] = dy[1] * w[2] = -2 * 0.5


def test_corr1d_backward_reports_an_exception_with_its_case(capsys):
    def student(dy, x, w):
        if len(w) == 1:
            raise ZeroDivisionError("k - 1 is zero")
        return loops_corr1d_backward(dy, x, w)

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert ("FAIL my_corr1d_backward: case 'k=1: dx = w[0] * dy and dw = sum(x * dy)' raised "
            "ZeroDivisionError: k - 1 is zero") in out


def test_corr1d_backward_survives_a_student_returning_none(capsys):
    ok, out = run(capsys, check_corr1d_backward, lambda dy, x, w: None)
    assert ok is False
    assert out.startswith("FAIL my_corr1d_backward")
    assert "expected a tuple of 2 items (dx, dw), got None" in out


def test_corr1d_backward_todo(capsys):
    ok, out = run(capsys, check_corr1d_backward, not_implemented)
    assert ok is False
    assert out.startswith("TODO my_corr1d_backward")
    assert "hint" not in out


# --------------------------------------------------------------------------------------------
# check_kernel_gradient


def test_kernel_gradient_cases_cover_the_edge_cases():
    shapes = [(c.args[0].shape, c.args[1].shape) for c in _kernel_gradient_cases()]
    assert shapes[0] == ((4, 4), (2, 2))
    assert any(x == dy for x, dy in shapes)  # 1 x 1 kernel
    assert any(dy == (1, 1) for _, dy in shapes)  # one position
    assert any(x[0] != x[1] for x, _ in shapes)  # not square


def test_kernel_gradient_loops_agree_with_the_correlation_formula():
    for case in _kernel_gradient_cases():  # the test's student code is right
        assert np.allclose(loops_kernel_gradient(*case.args), corr2d(*case.args))


@pytest.mark.parametrize("student", [loops_kernel_gradient, corr2d],
                         ids=["loops", "corr2d(X, dY)"])
def test_kernel_gradient_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_kernel_gradient, student)
    assert ok is True
    assert out.startswith("PASS my_kernel_gradient: all 9 cases match")


@pytest.mark.parametrize("mistake, hint", [
    ({"one_position": True}, "sums over every (i, j)"),
    ({"flip_dy": True}, "flipping dY computes a true convolution"),
    ({"transpose": True}, "rows and columns are swapped"),
    ({"average": True}, "SUM over positions, not the average"),
], ids=["one-position", "convolution", "transposed", "average"])
def test_kernel_gradient_fails_wrong_code_with_case_and_hint(capsys, mistake, hint):
    ok, out = run(capsys, check_kernel_gradient,
                  lambda X, dY: loops_kernel_gradient(X, dY, **mistake))
    assert ok is False
    assert_fails(out, "my_kernel_gradient", "n=4, k=3", hint, "of 9 entries differ")


def test_kernel_gradient_explains_a_wrong_shape(capsys):
    ok, out = run(capsys, check_kernel_gradient, lambda X, dY: loops_kernel_gradient(X, dY)[1:])
    assert ok is False
    assert "dw: wrong shape (2, 3), expected (3, 3)" in out
    assert "(n - m + 1) x (n - m + 1) = 3 x 3" in out


def test_kernel_gradient_reports_an_exception_with_its_case(capsys):
    ok, out = run(capsys, check_kernel_gradient, lambda X, dY: corr2d(dY, X))
    assert ok is False
    assert "case 'n=4, k=3: Y and dY are 2 x 2, each weight is used at 4 positions' raised " \
           "ValueError" in out
    assert "dw = corr2d(X, dY), X first" in out


def test_kernel_gradient_todo(capsys):
    ok, out = run(capsys, check_kernel_gradient, not_implemented)
    assert (ok, out.split()[0]) == (False, "TODO")


# --------------------------------------------------------------------------------------------
# check_sgd_step


def test_sgd_step_cases_include_a_zero_gradient_and_several_shapes():
    cases = _sgd_step_cases()
    assert any(not c.args[1].any() for c in cases)
    assert {c.args[0].ndim for c in cases} >= {1, 2, 4}


@pytest.mark.parametrize("student", [sgd_step, sgd_step_in_place], ids=["new", "in-place"])
def test_sgd_step_passes_correct_code(capsys, student):
    ok, out = run(capsys, check_sgd_step, student)
    assert ok is True
    assert out.startswith("PASS my_sgd_step: all 6 cases match")


@pytest.mark.parametrize("student, hint", [
    (lambda w, dw, lr: w + lr * dw, "AGAINST the gradient"),
    (lambda w, dw, lr: w - dw, "multiply the gradient by the learning rate: "),
    (lambda w, dw, lr: w - dw / lr, "do not divide"),
    (lambda w, dw, lr: -lr * dw, "not only the change"),
    (lambda w, dw, lr: w.copy(), "w unchanged"),
], ids=["wrong-sign", "no-learning-rate", "divided", "change-only", "unchanged"])
def test_sgd_step_fails_wrong_code_with_case_and_hint(capsys, student, hint):
    ok, out = run(capsys, check_sgd_step, student)
    assert ok is False
    assert_fails(out, "my_sgd_step", "a 3 x 3 kernel, learning rate 0.1", hint,
                 "9 of 9 entries differ")


def test_sgd_step_explains_a_wrong_shape(capsys):
    ok, out = run(capsys, check_sgd_step, lambda w, dw, lr: (w - lr * dw).ravel())
    assert ok is False
    assert "wrong shape (9,), expected (3, 3)" in out
    assert "hint: the new weights have the shape of w, (3, 3) here." in out


def test_sgd_step_todo(capsys):
    ok, out = run(capsys, check_sgd_step, not_implemented)
    assert (ok, out.split()[0]) == (False, "TODO")


@pytest.mark.parametrize("student", [
    lambda dy, x, w: loops_corr1d_backward(dy, x, w)[0],
    lambda dy, x, w: loops_corr1d_backward(dy, x, w)[:1],
    lambda dy, x, w: None,
], ids=["dx-only", "one-item-tuple", "none"])
def test_corr1d_backward_asks_for_the_tuple_when_it_is_missing(capsys, student):
    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert "expected a tuple of 2 items (dx, dw), got " in out
    assert out.splitlines()[-1] == "  hint: return a tuple (dx, dw) of two 1-D arrays."


def test_corr1d_backward_index_error_gets_an_index_hint(capsys):
    def student(dy, x, w):
        dw = [sum(x[j + i] * dy[i] for i in range(len(dy) + 1)) for j in range(len(w))]  # +1: bug
        return np.zeros(len(x)), dw

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert out.splitlines()[-1].startswith("  hint: an index ran past an array's end")


def test_corr1d_backward_hint_is_about_the_reported_case(capsys):
    def student(dy, x, w):  # dw from one position everywhere; dx unflipped only when k = 4
        dx, dw = loops_corr1d_backward(dy, x, w, one_position=True)
        if len(w) == 4:
            dx = loops_corr1d_backward(dy, x, w, unflipped=True)[0]
        return dx, dw

    ok, out = run(capsys, check_corr1d_backward, student)
    assert ok is False
    assert out.startswith("FAIL my_corr1d_backward: case 'Problem 3: n=4, k=3")
    assert "dw: 3 of 3 entries differ" in out
    assert out.splitlines()[-1].startswith("  hint: w is used at every output position")


# --------------------------------------------------------------------------------------------
# Malformed results


RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("check, name, result, detail", [
    (check_corr1d_backward, "my_corr1d_backward", RAGGED, "dx: wrong shape (2,)"),
    (check_corr1d_backward, "my_corr1d_backward", (RAGGED, RAGGED), str(RAGGED)),
    (check_kernel_gradient, "my_kernel_gradient", RAGGED, str(RAGGED)),
    (check_sgd_step, "my_sgd_step", RAGGED, str(RAGGED)),
], ids=["corr1d-backward", "corr1d-backward-tuple", "kernel-gradient", "sgd-step"])
def test_a_ragged_list_is_a_fail_not_an_exception(capsys, check, name, result, detail):
    ok, out = run(capsys, check, lambda *args: result)
    assert ok is False
    assert out.startswith(f"FAIL {name}: case '") and detail in out


@pytest.mark.parametrize("hint, case, says", [
    (_corr1d_backward_fallback, _corr1d_backward_cases()[0], "dx has one entry per input"),
    (_kernel_shape_hint, _kernel_gradient_cases()[0], "dw has the kernel's shape"),
    (_sgd_shape_hint, _sgd_step_cases()[0], "the new weights have the shape of w"),
])
def test_the_shape_hints_survive_a_ragged_list(hint, case, says):
    got = (RAGGED, RAGGED) if hint is _corr1d_backward_fallback else RAGGED
    assert hint(case, got).startswith(says)
