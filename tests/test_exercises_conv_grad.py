"""Tests of the convolution-gradient exercises (c182lib.exercises.conv_grad, notebooks 04-05):
each passes right answers, fails the classic mistakes with the right hint, catches writes into
its arguments, and grades its hidden cases.

The "student" functions below are written independently of c182lib (explicit loops over the
chain rule, the way a student would write them), and then broken the way students break them.
"""

from __future__ import annotations

import numpy as np
import pytest
from _exercise_helpers import hidden_cases, stub, verdict_of

from c182lib.checks import check_corr1d_backward, check_kernel_gradient, check_sgd_step
from c182lib.conv import corr1d, corr2d
from c182lib.exercises import EXERCISES

CORR1D_BACKWARD = EXERCISES["04-corr1d-backward"]
KERNEL_GRADIENT = EXERCISES["05-kernel-gradient"]
SGD_STEP = EXERCISES["05-sgd-step"]

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


def matrix_corr1d_backward(dy, x, w):
    """Another algorithm: dx = W.T @ dy with W the convolution matrix, dw = X_windows.T @ dy."""
    n, k = len(x), len(w)
    windows = np.array([x[o:o + k] for o in range(n - k + 1)])
    matrix = np.zeros((n - k + 1, n))
    for o in range(n - k + 1):
        matrix[o, o:o + k] = w
    return matrix.T @ dy, windows.T @ dy


def loops_kernel_gradient(X, dY, *, one_position=False, flip_dy=False, transpose=False,
                          average=False, square=False):
    """dw[h, l] = sum_{i, j} dY[i, j] X[i + h, j + l] with loops; keywords inject mistakes.

    ``square`` takes the kernel's side from the rows only (a square-kernel assumption).
    """
    X, dY = np.asarray(X, float), np.asarray(dY, float)
    m_h, m_w = dY.shape
    k_h, k_w = X.shape[0] - m_h + 1, X.shape[1] - m_w + 1
    if square:
        k_w = k_h
    upstream = dY[::-1, ::-1] if flip_dy else dY
    dw = np.zeros((k_h, k_w))
    for h in range(k_h):
        for ell in range(k_w):
            for i in range(1 if one_position else m_h):
                for j in range(1 if one_position else m_w):
                    if j + ell < X.shape[1]:
                        dw[h, ell] += upstream[i, j] * X[i + h, j + ell]
    if average:
        dw /= dY.size
    return dw.T if transpose else dw


def square_window_kernel_gradient(X, dY):
    """Slices a square window of side dY.shape[0]: breaks when dY is not square."""
    m = dY.shape[0]
    k_h, k_w = X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1
    return np.array([[np.sum(dY * X[h:h + m, ell:ell + m]) for ell in range(k_w)]
                     for h in range(k_h)])


def sgd_step(w, dw, learning_rate):
    return np.asarray(w, float) - learning_rate * np.asarray(dw, float)


# --------------------------------------------------------------------------------------------
# The cases hold the classic edge cases


def test_corr1d_backward_cases_cover_the_edge_cases():
    cases = CORR1D_BACKWARD.public_cases()
    assert [len(a) for a in cases[0].args] == [2, 4, 3]  # Problem 3: y in R^2, x in R^4, w in R^3
    sizes = [(len(c.args[1]), len(c.args[2])) for c in cases]
    assert any(k == 1 for _, k in sizes)
    assert any(n == k for n, k in sizes)  # one output
    for case in cases:
        dy, x, w = case.args
        assert len(dy) == len(x) - len(w) + 1, case.id
        assert not np.allclose(dy, 1.0), case.id  # all-ones dy hides bugs
        assert len(w) == 1 or not np.allclose(w, w[::-1]), case.id
    assert len({c.id for c in cases}) == len(cases)


def test_kernel_gradient_cases_have_non_square_kernels_and_images():
    cases = KERNEL_GRADIENT.public_cases()
    shapes = [(c.args[0].shape, c.args[1].shape) for c in cases]
    kernels = [tuple(n - m + 1 for n, m in zip(x, dy, strict=True)) for x, dy in shapes]
    assert shapes[0] == ((4, 4), (2, 2))
    assert any(kh != kw for kh, kw in kernels)                  # non-square kernel
    assert any(kh > kw for kh, kw in kernels) and any(kh < kw for kh, kw in kernels)
    assert any(x[0] != x[1] and kh == kw for (x, _), (kh, kw) in zip(shapes, kernels,
                                                                     strict=True))
    assert any(x == dy for x, dy in shapes)                     # 1 x 1 kernel
    assert any(dy == (1, 1) for _, dy in shapes)                # one position
    assert any(dy[0] == 1 and dy[1] > 1 for _, dy in shapes)    # one row of positions
    assert len({c.id for c in cases}) == len(cases)


def test_kernel_gradient_loops_agree_with_the_correlation_formula():
    for case in KERNEL_GRADIENT.public_cases():  # the test's student code is right
        assert np.allclose(loops_kernel_gradient(*case.args), corr2d(*case.args))


def test_sgd_step_cases_include_a_zero_gradient_and_several_shapes():
    cases = SGD_STEP.public_cases()
    assert any(not c.args[1].any() for c in cases)
    assert any(c.args[2] == 0 for c in cases)
    assert {c.args[0].ndim for c in cases} >= {1, 2, 4}


# --------------------------------------------------------------------------------------------
# (a) right answers pass


@pytest.mark.parametrize("student", [
    loops_corr1d_backward,
    matrix_corr1d_backward,
    lambda dy, x, w: [list(g) for g in loops_corr1d_backward(dy, x, w)],
    lambda dy, x, w: tuple(g.astype(np.float32) for g in loops_corr1d_backward(
        np.float32(dy), np.float32(x), np.float32(w))),
], ids=["loops", "matrix", "lists", "float32"])
def test_corr1d_backward_passes_right_answers(student):
    verdict = CORR1D_BACKWARD.check(student)
    assert verdict, verdict.text()


@pytest.mark.parametrize("student", [
    loops_kernel_gradient,
    corr2d,
    lambda X, dY: loops_kernel_gradient(X, dY).tolist(),
    lambda X, dY: corr2d(np.float32(X), np.float32(dY)).astype(np.float32),
], ids=["loops", "corr2d(X, dY)", "lists", "float32"])
def test_kernel_gradient_passes_right_answers(student):
    verdict = KERNEL_GRADIENT.check(student)
    assert verdict, verdict.text()


@pytest.mark.parametrize("student", [
    sgd_step,
    lambda w, dw, learning_rate: (np.asarray(w) - learning_rate * np.asarray(dw)).tolist(),
    lambda w, dw, learning_rate: np.float32(w) - np.float32(learning_rate) * np.float32(dw),
    lambda w, dw, learning_rate: np.subtract(w, np.multiply(dw, learning_rate)),
], ids=["plain", "lists", "float32", "ufuncs"])
def test_sgd_step_passes_right_answers(student):
    verdict = SGD_STEP.check(student)
    assert verdict, verdict.text()


# --------------------------------------------------------------------------------------------
# (b) classic mistakes fail, with the hint of that mistake


def _dw_dy_flipped(dy, x, w):
    dx, _ = loops_corr1d_backward(dy, x, w)
    return dx, loops_corr1d_backward(dy[::-1], x, w)[1]


def _dw_reversed(dy, x, w):
    dx, dw = loops_corr1d_backward(dy, x, w)
    return dx, dw[::-1]


def _dx_valid_only(dy, x, w):
    """A valid (not full) correlation of dy with the flipped filter: dx too short."""
    dx, dw = loops_corr1d_backward(dy, x, w)
    return dx[len(w) - 1:len(x) - len(w) + 1], dw


def _dw_index_error(dy, x, w):
    dw = [sum(x[j + i] * dy[i] for i in range(len(dy) + 1)) for j in range(len(w))]
    return np.zeros(len(x)), dw


@pytest.mark.parametrize("student, case_id, mistake", [
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w, unflipped=True), "problem3",
     "dx filter not flipped"),
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w, swap=True), "problem3",
     "gradients swapped"),
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w, use_output=True), "problem3",
     "dw from the output"),
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w, one_position=True), "problem3",
     "dw from one position"),
    (_dw_dy_flipped, "problem3", "dw with dy flipped"),
    (_dw_reversed, "problem3", "dw reversed"),
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w)[0], "problem3", "not a pair"),
    (lambda dy, x, w: loops_corr1d_backward(dy, x, w)[:1], "problem3", "not a pair"),
    (_dx_valid_only, "problem3", "dx length"),
    (lambda dy, x, w: (loops_corr1d_backward(dy, x, w)[0], x[:len(w) - 1]), "problem3",
     "dw length"),
    (lambda dy, x, w: (corr1d(np.pad(dy, len(w) - 1), w[::-1]), corr1d(dy, x)), "problem3",
     "longer array slid along a shorter one"),
    (_dw_index_error, "problem3", "index past the end"),
], ids=["dx-unflipped", "swapped", "dw-from-y", "dw-one-position", "dw-convolution",
        "dw-reversed", "dx-only", "one-item-tuple", "dx-valid-correlation", "dw-too-short",
        "corr1d-arguments-swapped", "index-error"])
def test_corr1d_backward_fails_each_mistake_with_its_hint(student, case_id, mistake):
    assert verdict_of(CORR1D_BACKWARD, student) == ("FAIL", case_id, mistake)


def test_corr1d_backward_names_the_gradient_that_differs():
    verdict = CORR1D_BACKWARD.check(_dw_dy_flipped)
    assert "dw: " in verdict.summary and "dx: " not in verdict.summary

    def last_input_forgotten(dy, x, w):
        dx, dw = loops_corr1d_backward(dy, x, w)
        dx[-1] = 0.0
        return dx, dw

    verdict = CORR1D_BACKWARD.check(last_input_forgotten)
    assert (verdict.case_id, verdict.mistake) == ("problem3", None)
    assert "dx: 1 of 4 entries differ" in verdict.text()
    assert "at (3,): got 0, expected -1" in verdict.text()  # dx[3] = dy[1] * w[2] = -2 * 0.5


def test_corr1d_backward_a_missing_return_gets_no_tuple_hint():
    verdict = CORR1D_BACKWARD.check(lambda dy, x, w: None)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert "without `return`" in verdict.text()


def test_corr1d_backward_hint_is_about_the_reported_case():
    def student(dy, x, w):  # dw from one position everywhere; dx unflipped only when k = 4
        dx, dw = loops_corr1d_backward(dy, x, w, one_position=True)
        if len(w) == 4:
            dx = loops_corr1d_backward(dy, x, w, unflipped=True)[0]
        return dx, dw

    assert verdict_of(CORR1D_BACKWARD, student) == ("FAIL", "problem3", "dw from one position")


def test_corr1d_backward_first_hint_does_not_spell_out_the_gradients():
    """Issue 12: after one slip the hint spelled out both gradient formulas."""
    for mistake in CORR1D_BACKWARD.mistakes:
        first = mistake.hints[0]
        assert "sum" not in first and "corr1d(" not in first and "dy[o]" not in first, first


def test_kernel_gradient_square_kernel_assumption_fails():
    """Issue 12: a square-kernel assumption passed, because no case had a non-square kernel."""
    verdict = KERNEL_GRADIENT.check(lambda X, dY: loops_kernel_gradient(X, dY, square=True))
    assert (verdict.status, verdict.case_id, verdict.mistake) == (
        "FAIL", "wide-kernel", "square kernel assumed")
    verdict = KERNEL_GRADIENT.check(square_window_kernel_gradient)  # dY is 3 x 5 there
    assert (verdict.status, verdict.case_id, verdict.mistake) == (
        "FAIL", "non-square-image", "square window assumed")


@pytest.mark.parametrize("student, case_id, mistake", [
    (lambda X, dY: loops_kernel_gradient(X, dY, one_position=True), "n4-k3", "one position"),
    (lambda X, dY: loops_kernel_gradient(X, dY, flip_dy=True), "n4-k3", "dY flipped"),
    (lambda X, dY: corr2d(X, dY)[::-1, ::-1], "n4-k3", "rotated"),
    (lambda X, dY: loops_kernel_gradient(X, dY, transpose=True), "n4-k3", "transposed"),
    (lambda X, dY: loops_kernel_gradient(X, dY, average=True), "n4-k3", "averaged"),
    (lambda X, dY: loops_kernel_gradient(X, dY)[1:], "n4-k3", "shape"),
    (lambda X, dY: corr2d(dY, X), "n4-k3", "arrays of different shapes"),
    (lambda X, dY: X[X.shape[0] + 1], "n4-k3", "index past the edge"),
], ids=["one-position", "convolution", "rotated", "transposed", "average", "shape",
        "corr2d-arguments-swapped", "index-error"])
def test_kernel_gradient_fails_each_mistake_with_its_hint(student, case_id, mistake):
    assert verdict_of(KERNEL_GRADIENT, student) == ("FAIL", case_id, mistake)


def test_kernel_gradient_transposed_on_a_non_square_kernel_is_called_transposed():
    non_square = [c for c in KERNEL_GRADIENT.public_cases() if c.id == "wide-kernel"]
    verdict = KERNEL_GRADIENT.check(lambda X, dY: corr2d(X, dY).T, non_square)
    assert verdict.mistake == "transposed"
    assert "wrong shape (3, 2), expected (2, 3)" in verdict.text()


@pytest.mark.parametrize("student, mistake", [
    (lambda w, dw, lr: w + lr * dw, "uphill"),
    (lambda w, dw, lr: w - dw, "no learning rate"),
    (lambda w, dw, lr: w - dw / lr, "divided by the learning rate"),
    (lambda w, dw, lr: -lr * dw, "only the change"),
    (lambda w, dw, lr: w.copy(), "unchanged"),
    (lambda w, dw, lr: (w - lr * dw).ravel(), "shape"),
], ids=["wrong-sign", "no-learning-rate", "divided", "change-only", "unchanged", "flattened"])
def test_sgd_step_fails_each_mistake_with_its_hint(student, mistake):
    assert verdict_of(SGD_STEP, student) == ("FAIL", "kernel-3x3", mistake)


@pytest.mark.parametrize("exercise", [CORR1D_BACKWARD, KERNEL_GRADIENT, SGD_STEP],
                         ids=lambda e: e.id)
def test_a_ragged_list_is_a_fail_not_an_exception(exercise):
    ragged = [[1.0, 2.0], [3.0]]
    for returned in (ragged, (ragged, ragged), "abc"):
        verdict = exercise.check(lambda *args, returned=returned: returned)
        assert verdict.status == "FAIL", returned


# --------------------------------------------------------------------------------------------
# (c) writes into an argument are caught and named


@pytest.mark.parametrize("argument", ["dy", "x", "w"])
def test_corr1d_backward_write_into_an_argument_fails_naming_it(argument):
    def writes(dy, x, w):
        gradients = loops_corr1d_backward(dy, x, w)
        {"dy": dy, "x": x, "w": w}[argument][...] = 0
        return gradients

    verdict = CORR1D_BACKWARD.check(writes)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert f"`{argument}`" in verdict.text()


@pytest.mark.parametrize("argument", ["X", "dY"])
def test_kernel_gradient_write_into_an_argument_fails_naming_it(argument):
    def writes(X, dY):
        dw = loops_kernel_gradient(X, dY)
        {"X": X, "dY": dY}[argument] *= 2
        return dw

    verdict = KERNEL_GRADIENT.check(writes)
    assert verdict.status == "FAIL" and f"`{argument}`" in verdict.text()


def test_sgd_step_in_place_update_of_w_fails_naming_w():
    def in_place(w, dw, learning_rate):
        w -= learning_rate * dw
        return w

    verdict = SGD_STEP.check(in_place)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert "`w`" in verdict.text() and "`dw`" not in verdict.text()


# --------------------------------------------------------------------------------------------
# (d) hidden cases


@pytest.mark.parametrize("exercise, student", [
    (CORR1D_BACKWARD, loops_corr1d_backward), (KERNEL_GRADIENT, loops_kernel_gradient),
    (SGD_STEP, sgd_step)], ids=lambda value: getattr(value, "id", ""))
def test_hidden_cases_pass_a_right_answer_written_independently(exercise, student):
    cases = hidden_cases(exercise.id)
    assert len(cases) >= 5 and all(case.id.startswith("h-") for case in cases)
    assert exercise.check(student, cases)


def test_hidden_kernel_gradient_cases_have_non_square_kernels():
    cases = hidden_cases("05-kernel-gradient")
    kernels = [tuple(n - m + 1 for n, m in zip(c.args[0].shape, c.args[1].shape, strict=True))
               for c in cases]
    assert any(kh != kw for kh, kw in kernels)
    assert not KERNEL_GRADIENT.check(lambda X, dY: loops_kernel_gradient(X, dY, square=True),
                                     cases)


# --------------------------------------------------------------------------------------------
# The student-facing checks and the notebooks


def test_the_printed_check_gives_the_next_tier_when_the_same_mistake_repeats(capsys):
    def unflipped(dy, x, w):
        return loops_corr1d_backward(dy, x, w, unflipped=True)

    hints = []
    for _ in range(3):
        assert not check_corr1d_backward(unflipped)
        out = capsys.readouterr().out
        assert out.startswith("FAIL my_corr1d_backward: case 'Problem 3: n=4, k=3")
        [hint] = [line for line in out.splitlines() if line.startswith("  hint:")]
        hints.append(hint)
    assert len(set(hints)) == 3  # tiers 1, 2, 3
    assert "sum" not in hints[0] and "w[::-1]" in hints[1] + hints[2]
    assert check_corr1d_backward(loops_corr1d_backward)
    assert capsys.readouterr().out.startswith("PASS my_corr1d_backward: all ")


def test_the_printed_checks_say_todo_for_the_stub(capsys):
    for check in (check_corr1d_backward, check_kernel_gradient, check_sgd_step):
        assert not check(stub)
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["TODO"] * 3
