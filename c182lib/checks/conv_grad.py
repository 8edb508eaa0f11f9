"""Self-checks for the convolution-gradient notebooks (04-05).

One check per exercise:

- `check_corr1d_backward`: ``my_corr1d_backward(dy, x, w)`` returning ``(dx, dw)`` for
  ``y = corr1d(x, w)`` (stride 1, no padding; notebook 04, Problem 3).
- `check_kernel_gradient`: ``my_kernel_gradient(X, dY)`` returning ``dw``, the gradient of a
  single-channel 2-D convolution with respect to its kernel (notebook 05, part (d)).
- `check_sgd_step`: ``my_sgd_step(w, dw, learning_rate)`` returning ``w - learning_rate * dw``
  (notebook 05).

Each prints ``PASS``, ``FAIL`` (the case, then what differs: which gradient, its shape, the
wrong entries, the relative error) or ``TODO`` (the stub still raises ``NotImplementedError``)
and returns a bool; none raises on a student's answer. After a ``FAIL``, a ``hint:`` line names
the classic mistake when the student's result on the failing case is exactly what that mistake
produces (the filter not flipped for ``dx``, the output ``y`` used instead of the upstream
gradient, a shared weight's gradient taken from one position only, the SGD step uphill, ...).
References come from `c182lib.conv` (`corr1d_backward`, `conv2d_backward`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from c182lib.checks._core import SEED, Case, Suspect, check_function, shape_of
from c182lib.conv import conv2d_backward, conv2d_forward, corr1d, corr1d_backward, corr2d

__all__ = ["check_corr1d_backward", "check_kernel_gradient", "check_sgd_step"]


# --------------------------------------------------------------------------------------------
# Backward pass of a 1-D correlation (notebook 04)
# --------------------------------------------------------------------------------------------

def _corr1d_backward_cases() -> list[Case]:
    def case(description, dy, x, w):
        return Case(description, tuple(np.asarray(a, dtype=float) for a in (dy, x, w)))

    cases = [
        case("Problem 3: n=4, k=3, so y and dy have 2 entries", [1.5, -2.0],
             [1.0, -2.0, 3.0, 0.5], [2.0, -1.0, 0.5]),
        case("k=2, n=6: every inner x_i feeds two outputs", [0.5, -1.0, 2.0, 1.5, -0.5],
             [3.0, 1.0, -2.0, 0.5, 4.0, -1.0], [1.0, -3.0]),
        case("k=4, n=7: long overlapping windows", [1.0, -0.5, 2.0, 0.25],
             [0.5, 2.0, -1.0, 3.0, 1.0, -2.0, 1.5], [1.0, 2.0, -1.0, 0.5]),
        case("k=1: dx = w[0] * dy and dw = sum(x * dy)", [2.0, -1.0, 0.5], [1.0, 4.0, -2.0],
             [3.0]),
        case("filter as long as the input (n=k=4): one output", [-1.5], [2.0, -1.0, 3.0, 1.0],
             [1.0, 2.0, 0.0, -1.0]),
    ]
    rng = np.random.default_rng(SEED)
    for _ in range(3):
        n = int(rng.integers(3, 11))
        k = int(rng.integers(2, n + 1))
        cases.append(case(f"random: n={n}, k={k}", rng.normal(size=n - k + 1).round(2),
                          rng.normal(size=n).round(2), rng.normal(size=k).round(2)))
    return cases


def _corr1d_backward_suspects() -> list[Suspect]:
    """Mistakes in dx, returning ``(dx, None)``, then in dw, returning ``(None, dw)``."""
    def dx_not_flipped(case):
        dy, _, w = case.args
        if np.allclose(w, w[::-1]):
            return None
        return corr1d(dy, w, padding=len(w) - 1), None

    def dw_from_output(case):
        _, x, w = case.args
        return None, corr1d(x, corr1d(x, w))

    def dw_dy_flipped(case):
        dy, x, _ = case.args
        return None if np.allclose(dy, dy[::-1]) else (None, corr1d(x, dy[::-1]))

    def dw_one_position(case):
        dy, x, w = case.args
        return None if len(dy) == 1 else (None, dy[0] * x[:len(w)])

    def dw_reversed(case):
        dw = corr1d_backward(*case.args)[1]
        return None if np.allclose(dw, dw[::-1]) else (None, dw[::-1])

    def swapped(index):
        def wrong(case):
            dx, dw = corr1d_backward(*case.args)
            return (dw, None) if index == 0 else (None, dx)
        return wrong

    return [
        ("dx is the FULL convolution of dy with w, i.e. the zero-padded dy correlated with the "
         "FLIPPED filter w[::-1]: dx[i] = sum_o dy[o] * w[i - o]. Your dx uses w unflipped.",
         dx_not_flipped),
        ("your first item is dw: return the gradients in the order (dx, dw).", swapped(0)),
        ("dw correlates x with the upstream gradient dy, not with the output y = x * w: "
         "dw[j] = sum_o dy[o] * x[o + j].", dw_from_output),
        ("w is used at every output position, so its gradient SUMS over all of them: "
         "dw[j] = sum_o dy[o] * x[o + j], not only the term of the first output.",
         dw_one_position),
        ("dw is a correlation of x with dy (dy slides along x unflipped); flipping dy computes a "
         "true convolution.", dw_dy_flipped),
        ("dw comes out reversed: dw[j] pairs dy[o] with x[o + j].", dw_reversed),
        ("your second item is dx: return the gradients in the order (dx, dw).", swapped(1)),
    ]


def _length_hint(name: str, symbol: str, length_of: Callable[[Case], int], rule: str):
    def hint(case: Case, got) -> str | None:
        expected = length_of(case)
        if shape_of(got) == (expected,):
            return None
        return f"{name} has one entry per {symbol}: length {expected} here. {rule}"
    return hint


_DX_LENGTH = _length_hint(
    "dx", "input x[i]", lambda case: len(case.args[1]),
    "A valid correlation of dy with w is too short: pad dy with k - 1 zeros at each end "
    "(a full convolution).")
_DW_LENGTH = _length_hint(
    "dw", "weight w[j]", lambda case: len(case.args[2]),
    "Correlating x (length n) with dy (length n - k + 1) gives exactly k values.")


def _corr1d_backward_fallback(case: Case, got) -> str | None:
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        return "return a tuple (dx, dw) of two 1-D arrays."
    return _DX_LENGTH(case, got[0]) or _DW_LENGTH(case, got[1])


def _corr1d_backward_error_hint(case: Case, err: Exception) -> str | None:
    if isinstance(err, ValueError) and "below 1" in str(err):
        return ("corr1d(a, b) slides the shorter b along a: dw = corr1d(x, dy), and dx "
                "correlates the zero-padded dy with w[::-1].")
    if isinstance(err, IndexError):
        return ("an index ran past an array's end: for n inputs and k taps, dy has n - k + 1 "
                "entries, dx has n and dw has k, and y[o] reads x[o:o + k].")
    return None


def check_corr1d_backward(student: Callable) -> bool:
    """Check ``student(dy, x, w)`` -> ``(dx, dw)``, the gradients of ``y = corr1d(x, w)``.

    Stride 1, no padding, as in Problem 3; the reference is
    ``c182lib.conv.corr1d_backward(dy, x, w)``. Cases: the worksheet's sizes (n = 4, k = 3),
    filters of 2 and 4 taps with overlapping windows, k = 1, a filter as long as the input
    (one output), and three seeded random settings. Every upstream gradient is random-looking
    (never all ones) and every filter of more than one tap is asymmetric, so a missing flip, the
    output used in place of ``dy`` and a gradient taken at one position only are all caught.

    Parameters
    ----------
    student : callable
        ``student(dy, x, w)`` with ``dy`` of shape (n - k + 1,), ``x`` of shape (n,) and ``w``
        of shape (k,), returning ``(dx, dw)`` of shapes (n,) and (k,).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_corr1d_backward", student, corr1d_backward,
                          _corr1d_backward_cases(), labels=("dx", "dw"),
                          suspects=_corr1d_backward_suspects(),
                          on_error=_corr1d_backward_error_hint,
                          fallback=_corr1d_backward_fallback)


# --------------------------------------------------------------------------------------------
# Gradient of a 2-D kernel (notebook 05)
# --------------------------------------------------------------------------------------------

def _kernel_shape(x_shape, dy_shape) -> tuple[int, int]:
    """``(KH, KW)`` of a stride-1, unpadded correlation: ``H - H_out + 1`` per axis."""
    return tuple(n - m + 1 for n, m in zip(x_shape, dy_shape, strict=True))


def _kernel_gradient_reference(X, dY):
    kernel = np.zeros((1, 1, *_kernel_shape(X.shape, dY.shape)))  # dw does not depend on w
    _, cache = conv2d_forward(X[None, None], kernel, np.zeros(1))
    _, dw, _ = conv2d_backward(dY[None, None], cache)
    return dw[0, 0]


def _kernel_gradient_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(description, x_shape, k):
        dy_shape = tuple(n - k + 1 for n in x_shape)
        return Case(description, (rng.normal(size=x_shape).round(2),
                                  rng.normal(size=dy_shape).round(2)))

    cases = [
        case("n=4, k=3: Y and dY are 2 x 2, each weight is used at 4 positions", (4, 4), 3),
        case("n=5, k=3: each weight is used at 9 positions", (5, 5), 3),
        case("n=6, k=2: Y and dY are 5 x 5", (6, 6), 2),
        case("a 1 x 1 kernel (k=1): dw = sum of dY * X", (3, 3), 1),
        case("kernel as large as the image (k=n=3): one position, dw = dy * X", (3, 3), 3),
        case("a non-square image (5 x 7) with k=3: rows and columns are separate", (5, 7), 3),
    ]
    for _ in range(3):
        n = int(rng.integers(3, 9))
        k = int(rng.integers(1, n + 1))
        cases.append(case(f"random: n={n}, k={k}", (n, n), k))
    return cases


def _kernel_gradient_suspects() -> list[Suspect]:
    def one_position(case):
        X, dY = case.args
        if dY.size == 1:
            return None
        kh, kw = _kernel_shape(X.shape, dY.shape)
        return dY[0, 0] * X[:kh, :kw]

    def dy_flipped(case):
        X, dY = case.args
        return None if dY.size == 1 else corr2d(X, dY[::-1, ::-1])

    def rotated(case):
        dw = _kernel_gradient_reference(*case.args)
        return None if np.allclose(dw, dw[::-1, ::-1]) else dw[::-1, ::-1]

    def transposed(case):
        dw = _kernel_gradient_reference(*case.args)
        return None if dw.shape[0] != dw.shape[1] or np.allclose(dw, dw.T) else dw.T

    def averaged(case):
        X, dY = case.args
        return None if dY.size == 1 else _kernel_gradient_reference(X, dY) / dY.size

    return [
        ("w[h, l] is shared by ALL m x m output positions, so its gradient sums over every "
         "(i, j): dw[h, l] = sum_{i,j} dY[i, j] * X[i + h, j + l], not only the position "
         "(0, 0).", one_position),
        ("dw is a correlation of X with dY (dY slides over X unflipped); flipping dY computes a "
         "true convolution.", dy_flipped),
        ("dw came out rotated by 180 degrees: dw[h, l] pairs dY[i, j] with X[i + h, j + l].",
         rotated),
        ("rows and columns are swapped: dw[h, l] pairs dY[i, j] with X[i + h, j + l] (h moves "
         "down the rows, l along the columns).", transposed),
        ("the gradient of a shared weight is the SUM over positions, not the average.",
         averaged),
    ]


def _kernel_shape_hint(case: Case, got) -> str | None:
    X, dY = case.args
    expected = _kernel_shape(X.shape, dY.shape)
    if shape_of(got) == expected:
        return None
    return (f"dw has the kernel's shape: here X is {X.shape[0]} x {X.shape[1]} and dY "
            f"{dY.shape[0]} x {dY.shape[1]}, so the kernel is (n - m + 1) x (n - m + 1) = "
            f"{expected[0]} x {expected[1]}.")


def _kernel_gradient_error_hint(case: Case, err: Exception) -> str | None:
    if isinstance(err, ValueError) and re.search(r"below 1|broadcast|shapes", str(err)):
        return ("dw[h, l] = sum(dY * X[h:h + m, l:l + m]): the block of X the size of dY that "
                "starts at (h, l). As a correlation: dw = corr2d(X, dY), X first.")
    if isinstance(err, IndexError):
        return ("an index ran past the edge of X: with 0-based indices h and l run over "
                "0 .. k - 1 and i, j over 0 .. m - 1, and X[i + h, j + l] stays inside X.")
    return None


def check_kernel_gradient(student: Callable) -> bool:
    """Check ``student(X, dY)`` -> ``dw``, the gradient of a 2-D kernel (worksheet part (d)).

    ``Y = corr2d(X, w)`` (one channel, stride 1, no padding) and ``dY = dL/dY``; then
    ``dw[h, l] = sum_{i, j} dY[i, j] * X[i + h, j + l]`` (0-based). The reference is the
    ``dw`` of ``c182lib.conv.conv2d_backward`` for one image with one channel and one filter.
    Cases: 2 x 2, 3 x 3 and 5 x 5 upstream gradients (each weight shared by that many
    positions), a 1 x 1 kernel, a kernel as large as the image (one position), a non-square
    image, and three seeded random settings.

    Parameters
    ----------
    student : callable
        ``student(X, dY)`` with ``X`` of shape (H, W) and ``dY`` of shape (H - KH + 1,
        W - KW + 1), returning ``dw`` of shape (KH, KW).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_kernel_gradient", student, _kernel_gradient_reference,
                          _kernel_gradient_cases(), label="dw",
                          suspects=_kernel_gradient_suspects(),
                          on_error=_kernel_gradient_error_hint, fallback=_kernel_shape_hint)


# --------------------------------------------------------------------------------------------
# One SGD step (notebook 05)
# --------------------------------------------------------------------------------------------

def _sgd_step_reference(w, dw, learning_rate):
    return w - learning_rate * dw


def _sgd_step_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(description, shape, learning_rate, zero_gradient=False):
        w = rng.normal(size=shape).round(2)
        dw = np.zeros(shape) if zero_gradient else rng.normal(size=shape).round(2)
        return Case(description, (w, dw, learning_rate))

    return [
        case("a 3 x 3 kernel, learning rate 0.1", (3, 3), 0.1),
        case("a 1-D filter (k=4), learning rate 0.5", (4,), 0.5),
        case("a layer's filters (F, C, KH, KW) = (2, 3, 3, 3), learning rate 0.01",
             (2, 3, 3, 3), 0.01),
        case("learning rate 2 (a large step is still w - lr * dw)", (2, 2), 2.0),
        case("a zero gradient leaves w unchanged", (3, 3), 0.3, zero_gradient=True),
        case("learning rate 0: nothing moves", (3, 3), 0.0),
    ]


def _sgd_step_suspects() -> list[Suspect]:
    def changed(function):
        def wrong(case):
            w, dw, learning_rate = case.args
            result = function(w, dw, learning_rate)
            if result is None or np.allclose(result, _sgd_step_reference(*case.args)):
                return None
            return result
        return wrong

    return [
        ("SGD steps AGAINST the gradient (downhill): w_new = w - learning_rate * dw, not "
         "w + learning_rate * dw.", changed(lambda w, dw, lr: w + lr * dw)),
        ("multiply the gradient by the learning rate: w - learning_rate * dw.",
         changed(lambda w, dw, lr: w - dw)),
        ("multiply the gradient by the learning rate, do not divide by it.",
         changed(lambda w, dw, lr: w - dw / lr if lr else None)),
        ("return the new weights w - learning_rate * dw, not only the change.",
         changed(lambda w, dw, lr: -lr * dw)),
        ("this is w unchanged: return the updated weights.", changed(lambda w, dw, lr: w)),
    ]


def _sgd_shape_hint(case: Case, got) -> str | None:
    w = case.args[0]
    if shape_of(got) == w.shape:
        return None
    return f"the new weights have the shape of w, {w.shape} here."


def check_sgd_step(student: Callable) -> bool:
    """Check ``student(w, dw, learning_rate)`` -> ``w - learning_rate * dw``: one SGD step.

    Cases: a 3 x 3 kernel, a 1-D filter, a layer's (F, C, KH, KW) filters, a large learning
    rate, a zero gradient and a zero learning rate. The arguments are copies, so a student
    function that updates ``w`` in place and returns it passes too.

    Parameters
    ----------
    student : callable
        ``student(w, dw, learning_rate)`` with ``w`` and ``dw`` of the same shape and
        ``learning_rate`` a float, returning the updated weights (same shape).

    Returns
    -------
    bool
        True when every case matches (``PASS`` printed).
    """
    return check_function("my_sgd_step", student, _sgd_step_reference, _sgd_step_cases(),
                          suspects=_sgd_step_suspects(), fallback=_sgd_shape_hint)
