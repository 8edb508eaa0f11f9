"""The exercises of the convolution-gradient notebooks (04-05).

- ``04-corr1d-backward``: ``my_corr1d_backward(dy, x, w)`` returning ``(dx, dw)`` for
  ``y = corr1d(x, w)`` (stride 1, no padding; Problem 3).
- ``04-gradients-by-hand``: written answer (the seven partial derivatives of Problem 3).
- ``05-kernel-gradient``: ``my_kernel_gradient(X, dY)`` returning ``dw``, the gradient of a
  one-channel 2-D correlation with respect to its (KH, KW) kernel, which need not be square.
- ``05-kernel-gradient-formula``: written answer (dw as a sum over positions, a correlation).
- ``05-sgd-step``: ``my_sgd_step(w, dw, learning_rate)`` returning ``w - learning_rate * dw``.
- ``05-sgd-update``: written answer (the update of the kernel, part (a)).

References come from `c182lib.conv`. Every upstream gradient is random-looking (never all
ones) and every filter of more than one tap is asymmetric, so a missing flip, the output used
in place of the upstream gradient and a gradient taken at one position only are all caught.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from c182lib.conv import conv2d_backward, conv2d_forward, corr1d, corr1d_backward, corr2d
from c182lib.exercises._engine import Case, Exercise, Mistake, Outcome

SEED = 182  # the seeded random cases start from it


def _written(exercise_id: str, title: str, question: str) -> Exercise:
    """A markdown answer graded by hand (1 point)."""
    return Exercise(id=exercise_id, title=title, kind="written", answer_name="", points=1,
                    question=question)


def _raised(kind: str, *words: str) -> Callable[[Case, Outcome], bool]:
    """Whether an outcome is an exception of ``kind`` whose message has one of ``words``
    (any message when there are none)."""
    def fits(case: Case, outcome: Outcome) -> bool:
        return (outcome.status == "raised" and outcome.error.startswith(kind)
                and (not words or any(word in outcome.error for word in words)))
    return fits


# --------------------------------------------------------------------------------------------
# 04-corr1d-backward


def corr1d_backward_case(case_id: str, description: str, dy, x, w) -> Case:
    """A case of ``my_corr1d_backward(dy, x, w)``: dy (n - k + 1,), x (n,), w (k,)."""
    return Case(case_id, description, tuple(np.asarray(a, dtype=float) for a in (dy, x, w)))


def _corr1d_backward_cases() -> list[Case]:
    case = corr1d_backward_case
    cases = [
        case("problem3", "Problem 3: n=4, k=3, so y and dy have 2 entries", [1.5, -2.0],
             [1.0, -2.0, 3.0, 0.5], [2.0, -1.0, 0.5]),
        case("k2", "k=2, n=6: every inner x_i feeds two outputs", [0.5, -1.0, 2.0, 1.5, -0.5],
             [3.0, 1.0, -2.0, 0.5, 4.0, -1.0], [1.0, -3.0]),
        case("k4", "k=4, n=7: long overlapping windows", [1.0, -0.5, 2.0, 0.25],
             [0.5, 2.0, -1.0, 3.0, 1.0, -2.0, 1.5], [1.0, 2.0, -1.0, 0.5]),
        case("k1", "k=1: every input feeds one output", [2.0, -1.0, 0.5], [1.0, 4.0, -2.0],
             [3.0]),
        case("one-output", "filter as long as the input (n=k=4): one output", [-1.5],
             [2.0, -1.0, 3.0, 1.0], [1.0, 2.0, 0.0, -1.0]),
        case("k-n-minus-1", "k = n - 1 (n=5): two outputs, the outer inputs feed one each",
             [0.75, -2.5], [1.0, -3.0, 2.0, 0.5, -1.0], [2.0, 0.5, -1.0, 3.0]),
    ]
    rng = np.random.default_rng(SEED)
    for i in range(3):
        n = int(rng.integers(3, 11))
        k = int(rng.integers(2, n + 1))
        cases.append(case(f"random-{i + 1}", f"random: n={n}, k={k}",
                          rng.normal(size=n - k + 1).round(2), rng.normal(size=n).round(2),
                          rng.normal(size=k).round(2)))
    return cases


def _dx_not_flipped(case):
    dy, _, w = case.args
    if np.allclose(w, w[::-1]):
        return None
    return corr1d(dy, w, padding=len(w) - 1), None


def _dw_from_output(case):
    _, x, w = case.args
    return None, corr1d(x, corr1d(x, w))


def _dw_one_position(case):
    dy, x, w = case.args
    return None if len(dy) == 1 else (None, dy[0] * x[:len(w)])


def _dw_dy_flipped(case):
    dy, x, _ = case.args
    return None if np.allclose(dy, dy[::-1]) else (None, corr1d(x, dy[::-1]))


def _dw_reversed(case):
    dw = corr1d_backward(*case.args)[1]
    return None if np.allclose(dw, dw[::-1]) else (None, dw[::-1])


def _gradients_swapped(case):
    dx, dw = corr1d_backward(*case.args)
    return dw, dx


def _item_length_wrong(index: int, length_of: Callable[[Case], int]):
    """Whether item ``index`` of a returned pair is an array of another length."""
    def fits(case: Case, outcome: Outcome) -> bool:
        value = outcome.value
        return (outcome.status == "returned" and isinstance(value, (tuple, list))
                and len(value) == 2 and isinstance(value[index], (np.ndarray, list, tuple))
                and np.shape(value[index]) != (length_of(case),))
    return fits


def _not_a_pair(case: Case, outcome: Outcome) -> bool:
    value = outcome.value
    return (outcome.status == "returned" and value is not None
            and not (isinstance(value, (tuple, list)) and len(value) == 2))


def _corr1d_backward_solution(dy, x, w):
    dx = corr1d(np.pad(dy, len(w) - 1), w[::-1])  # the full convolution of dy with w
    return dx, corr1d(x, dy)


CORR1D_BACKWARD = Exercise(
    id="04-corr1d-backward", title="my_corr1d_backward", kind="function",
    answer_name="my_corr1d_backward", points=4, reference=corr1d_backward,
    cases=_corr1d_backward_cases, arg_names=("dy", "x", "w"), labels=("dx", "dw"),
    solution=_corr1d_backward_solution, forbidden=("corr1d_backward", "conv2d_backward"),
    mistakes=(
        Mistake("dx filter not flipped", (
            "dx is off: the filter meets dy in the wrong orientation.",
            "dx is a FULL convolution of dy with w: correlate the zero-padded dy with the "
            "filter read back to front (w[::-1]).",
            "dx[i] = sum_o dy[o] * w[i - o]: pad dy with k - 1 zeros at each end and "
            "correlate it with w[::-1]."), wrong=_dx_not_flipped),
        Mistake("gradients swapped", (
            "the two gradients are in swapped order.",
            "return the gradients in the order (dx, dw): dx has one entry per input, dw one "
            "per weight."), wrong=_gradients_swapped),
        Mistake("dw from the output", (
            "dw is built from the layer's output where the upstream gradient belongs.",
            "dw correlates x with the upstream gradient dy, not with the output y.",
            "dw[j] = sum_o dy[o] * x[o + j], i.e. corr1d(x, dy)."), wrong=_dw_from_output),
        Mistake("dw from one position", (
            "dw holds only the first output's contribution, but w is used in every window.",
            "w is used at every output position, so its gradient SUMS over all of them.",
            "dw[j] = sum_o dy[o] * x[o + j], over every output o."), wrong=_dw_one_position),
        Mistake("dw with dy flipped", (
            "dw: the upstream gradient is used back to front.",
            "dw is a correlation of x with dy (dy slides along x unflipped); flipping dy "
            "computes a true convolution."), wrong=_dw_dy_flipped),
        Mistake("dw reversed", (
            "dw comes out in reverse order.",
            "dw[j] pairs dy[o] with x[o + j]: the first weight meets the start of each "
            "window."), wrong=_dw_reversed),
        Mistake("not a pair", (
            "the answer is not a pair of gradients.",
            "return a tuple (dx, dw) of two 1-D arrays."), fits=_not_a_pair),
        Mistake("dx length", (
            "dx does not have one entry per input.",
            "dx has one entry per input x[i], n of them: a valid correlation of dy with w is "
            "too short, so pad dy with k - 1 zeros at each end (a full convolution)."),
            fits=_item_length_wrong(0, lambda case: len(case.args[1]))),
        Mistake("dw length", (
            "dw does not have one entry per weight.",
            "dw has one entry per weight w[j], k of them: correlating x (length n) with dy "
            "(length n - k + 1) gives exactly k values."),
            fits=_item_length_wrong(1, lambda case: len(case.args[2]))),
        Mistake("longer array slid along a shorter one", (
            "a correlation was asked to slide a longer array along a shorter one.",
            "corr1d(a, b) slides the shorter b along a: the longer array comes first.",
            "dw = corr1d(x, dy), and dx correlates the zero-padded dy with w[::-1]."),
            fits=_raised("ValueError", "below 1")),
        Mistake("index past the end", (
            "an index ran past the end of an array.",
            "for n inputs and k taps, dy has n - k + 1 entries, dx has n and dw has k, and "
            "y[o] reads x[o:o + k]."), fits=_raised("IndexError")),
    ),
)

GRADIENTS_BY_HAND = _written(
    "04-gradients-by-hand", "Problem 3: the partial derivatives",
    "Write dL/dx_1..dL/dx_4 and dL/dw_1..dL/dw_3 of y = x * w (n=4, k=3) in terms of dy, and "
    "say why.")


# --------------------------------------------------------------------------------------------
# 05-kernel-gradient


def kernel_shape(x_shape, dy_shape) -> tuple[int, int]:
    """``(KH, KW)`` of a stride-1, unpadded correlation: ``H - H_out + 1`` per axis."""
    return tuple(n - m + 1 for n, m in zip(x_shape, dy_shape, strict=True))


def kernel_gradient_reference(X, dY):
    """``dw`` (KH, KW) of ``Y = corr2d(X, w)`` for an image ``X`` (H, W) and ``dY = dL/dY``
    (H - KH + 1, W - KW + 1): the layer's ``dw`` for one image, one channel, one filter."""
    kernel = np.zeros((1, 1, *kernel_shape(X.shape, dY.shape)))  # dw does not depend on w
    _, cache = conv2d_forward(X[None, None], kernel, np.zeros(1))
    _, dw, _ = conv2d_backward(dY[None, None], cache)
    return dw[0, 0]


def kernel_gradient_case(case_id: str, description: str, x_shape: tuple[int, int],
                         k_shape: tuple[int, int], rng: np.random.Generator) -> Case:
    """A case of ``my_kernel_gradient(X, dY)``: a random image of ``x_shape`` and a random
    upstream gradient for a kernel of ``k_shape`` (two decimals, either sign)."""
    dy_shape = tuple(n - k + 1 for n, k in zip(x_shape, k_shape, strict=True))
    return Case(case_id, description, (rng.normal(size=x_shape).round(2),
                                       rng.normal(size=dy_shape).round(2)))


def _kernel_gradient_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(case_id, description, x_shape, k_shape):
        return kernel_gradient_case(case_id, description, x_shape, k_shape, rng)

    cases = [
        case("n4-k3", "n=4, k=3: Y and dY are 2 x 2, each weight is used at 4 positions",
             (4, 4), (3, 3)),
        case("n5-k3", "n=5, k=3: each weight is used at 9 positions", (5, 5), (3, 3)),
        case("n6-k2", "n=6, k=2: Y and dY are 5 x 5", (6, 6), (2, 2)),
        case("k1", "a 1 x 1 kernel (k=1): dY has the image's shape", (3, 3), (1, 1)),
        case("one-position", "kernel as large as the image (k=n=3): one position", (3, 3),
             (3, 3)),
        case("non-square-image", "a non-square image (5 x 7) with a 3 x 3 kernel: rows and "
             "columns are separate", (5, 7), (3, 3)),
        case("wide-kernel", "a non-square kernel 2 x 3 on a 4 x 5 image", (4, 5), (2, 3)),
        case("tall-kernel", "a non-square kernel 3 x 1 on a 5 x 4 image", (5, 4), (3, 1)),
        case("one-row", "a 3 x 2 kernel as tall as the 3 x 6 image: dY is one row", (3, 6),
             (3, 2)),
    ]
    for i in range(3):
        h, w = int(rng.integers(3, 9)), int(rng.integers(3, 9))
        kh, kw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        cases.append(case(f"random-{i + 1}", f"random: a {h} x {w} image, a {kh} x {kw} "
                          "kernel", (h, w), (kh, kw)))
    return cases


def _kernel_one_position(case):
    X, dY = case.args
    if dY.size == 1:
        return None
    kh, kw = kernel_shape(X.shape, dY.shape)
    return dY[0, 0] * X[:kh, :kw]


def _kernel_dy_flipped(case):
    X, dY = case.args
    return None if np.allclose(dY, dY[::-1, ::-1]) else corr2d(X, dY[::-1, ::-1])


def _kernel_rotated(case):
    dw = kernel_gradient_reference(*case.args)
    return None if np.allclose(dw, dw[::-1, ::-1]) else dw[::-1, ::-1]


def _kernel_transposed(case):
    dw = kernel_gradient_reference(*case.args)
    return None if dw.shape == dw.T.shape and np.allclose(dw, dw.T) else dw.T


def _kernel_averaged(case):
    X, dY = case.args
    return None if dY.size == 1 else kernel_gradient_reference(X, dY) / dY.size


def _square_kernel_assumed(case: Case, outcome: Outcome) -> bool:
    """A square array where the kernel is not square (its side from one axis only)."""
    X, dY = case.args
    kh, kw = kernel_shape(X.shape, dY.shape)
    shape = np.shape(outcome.value) if outcome.status == "returned" else ()
    return kh != kw and shape in ((kh, kh), (kw, kw))


def _square_window_assumed(case: Case, outcome: Outcome) -> bool:
    """Arrays of different shapes multiplied, on a case where dY or the kernel is not square."""
    X, dY = case.args
    kh, kw = kernel_shape(X.shape, dY.shape)
    return (_raised("ValueError", "broadcast", "shapes")(case, outcome)
            and (kh != kw or dY.shape[0] != dY.shape[1]))


def _kernel_shape_wrong(case: Case, outcome: Outcome) -> bool:
    X, dY = case.args
    return (outcome.status == "returned" and isinstance(outcome.value, (np.ndarray, list, tuple))
            and np.shape(outcome.value) != kernel_shape(X.shape, dY.shape))


def _kernel_gradient_solution(X, dY):
    k_rows, k_cols = X.shape[0] - dY.shape[0] + 1, X.shape[1] - dY.shape[1] + 1
    return np.array([[np.sum(dY * X[h:h + dY.shape[0], ell:ell + dY.shape[1]])
                      for ell in range(k_cols)] for h in range(k_rows)])


KERNEL_GRADIENT = Exercise(
    id="05-kernel-gradient", title="my_kernel_gradient", kind="function",
    answer_name="my_kernel_gradient", points=4, reference=kernel_gradient_reference,
    cases=_kernel_gradient_cases, arg_names=("X", "dY"), forbidden=("conv2d_backward",),
    solution=_kernel_gradient_solution,
    mistakes=(
        Mistake("one position", (
            "dw holds the contribution of one output position only, but every weight is used "
            "at all of them.",
            "w[h, l] is shared by ALL output positions, so its gradient sums over every "
            "(i, j), not only the position (0, 0).",
            "dw[h, l] = sum_{i,j} dY[i, j] * X[i + h, j + l]."), wrong=_kernel_one_position),
        Mistake("dY flipped", (
            "the upstream gradient is used rotated by 180 degrees.",
            "dw is a correlation of X with dY (dY slides over X unflipped); flipping dY "
            "computes a true convolution."), wrong=_kernel_dy_flipped),
        Mistake("rotated", (
            "dw comes out rotated by 180 degrees.",
            "dw[h, l] pairs dY[i, j] with X[i + h, j + l]: the top-left weight meets the "
            "top-left cell of each window."), wrong=_kernel_rotated),
        Mistake("transposed", (
            "dw comes out with its rows and columns swapped.",
            "dw[h, l] pairs dY[i, j] with X[i + h, j + l] (h moves down the rows, l along "
            "the columns)."), wrong=_kernel_transposed),
        Mistake("averaged", (
            "dw is smaller than it should be by a constant factor: the positions are "
            "averaged.",
            "the gradient of a shared weight is the SUM over positions, not the average."),
            wrong=_kernel_averaged),
        Mistake("square kernel assumed", (
            "dw is square, but this kernel is not: its height and width differ.",
            "take the kernel's height from the rows (X.shape[0] - dY.shape[0] + 1) and its "
            "width from the columns (X.shape[1] - dY.shape[1] + 1)."),
            fits=_square_kernel_assumed),
        Mistake("square window assumed", (
            "arrays of different shapes were multiplied on a case where the kernel or dY is "
            "not square: a window of X does not have the shape of dY.",
            "the window of X that meets dY has dY's shape, dY.shape[0] rows and dY.shape[1] "
            "columns: X[h:h + dY.shape[0], l:l + dY.shape[1]]."),
            fits=_square_window_assumed),
        Mistake("shape", (
            "dw does not have the kernel's shape.",
            "dw has the kernel's shape: (H - H_out + 1, W - W_out + 1) for X of shape (H, W) "
            "and dY of shape (H_out, W_out)."), fits=_kernel_shape_wrong),
        Mistake("arrays of different shapes", (
            "arrays of different shapes were combined: a window of X does not match dY.",
            "dw[h, l] sums dY times the block of X the size of dY that starts at (h, l). As a "
            "correlation: X comes first, dY slides over it."),
            fits=_raised("ValueError", "below 1", "broadcast", "shapes")),
        Mistake("index past the edge", (
            "an index ran past the edge of X.",
            "with 0-based indices h and l run over the kernel's rows and columns and i, j over "
            "dY's, and X[i + h, j + l] stays inside X."), fits=_raised("IndexError")),
    ),
)

KERNEL_GRADIENT_FORMULA = _written(
    "05-kernel-gradient-formula", "Part (d): dw as a sum over positions",
    "Derive dL/dw_{h,l} as a sum over the output positions and write it as a correlation of "
    "X with dY.")


# --------------------------------------------------------------------------------------------
# 05-sgd-step


def sgd_step_reference(w, dw, learning_rate):
    """The weights after one SGD step: ``w - learning_rate * dw`` (the shape of ``w``)."""
    return w - learning_rate * dw


def sgd_step_case(case_id: str, description: str, shape: tuple[int, ...],
                  learning_rate: float, rng: np.random.Generator,
                  zero_gradient: bool = False) -> Case:
    """A case of ``my_sgd_step(w, dw, learning_rate)`` with random weights and gradient."""
    w = rng.normal(size=shape).round(2)
    dw = np.zeros(shape) if zero_gradient else rng.normal(size=shape).round(2)
    return Case(case_id, description, (w, dw, learning_rate))


def _sgd_step_cases() -> list[Case]:
    rng = np.random.default_rng(SEED)

    def case(case_id, description, shape, learning_rate, zero_gradient=False):
        return sgd_step_case(case_id, description, shape, learning_rate, rng, zero_gradient)

    return [
        case("kernel-3x3", "a 3 x 3 kernel, learning rate 0.1", (3, 3), 0.1),
        case("filter-1d", "a 1-D filter (k=4), learning rate 0.5", (4,), 0.5),
        case("layer", "a layer's filters (F, C, KH, KW) = (2, 3, 3, 3), learning rate 0.01",
             (2, 3, 3, 3), 0.01),
        case("non-square", "a non-square 2 x 3 kernel, learning rate 0.2", (2, 3), 0.2),
        case("one-weight", "a single weight, shape (1,), learning rate 0.05", (1,), 0.05),
        case("large-rate", "learning rate 2 (a large step is still a step)", (2, 2), 2.0),
        case("zero-gradient", "a zero gradient leaves w unchanged", (3, 3), 0.3,
             zero_gradient=True),
        case("zero-rate", "learning rate 0: nothing moves", (3, 3), 0.0),
    ]


def _sgd_variant(step: Callable) -> Callable[[Case], object]:
    """A mistaken step, where it differs from the right one."""
    def wrong(case):
        w, dw, learning_rate = case.args
        result = step(w, dw, learning_rate)
        if result is None or np.allclose(result, sgd_step_reference(*case.args)):
            return None
        return result
    return wrong


def _sgd_shape_wrong(case: Case, outcome: Outcome) -> bool:
    return (outcome.status == "returned" and isinstance(outcome.value, (np.ndarray, list, tuple))
            and np.shape(outcome.value) != case.args[0].shape)


SGD_STEP = Exercise(
    id="05-sgd-step", title="my_sgd_step", kind="function", answer_name="my_sgd_step",
    points=2, reference=sgd_step_reference, cases=_sgd_step_cases,
    arg_names=("w", "dw", "learning_rate"),
    mistakes=(
        Mistake("uphill", (
            "the step goes in the wrong direction: uphill, along the gradient.",
            "SGD steps AGAINST the gradient (downhill): subtract the scaled gradient."),
            wrong=_sgd_variant(lambda w, dw, lr: w + lr * dw)),
        Mistake("no learning rate", (
            "the size of the step does not depend on the learning rate.",
            "multiply the gradient by the learning rate before you subtract it."),
            wrong=_sgd_variant(lambda w, dw, lr: w - dw)),
        Mistake("divided by the learning rate", (
            "the learning rate scales the step the wrong way.",
            "multiply the gradient by the learning rate, do not divide by it."),
            wrong=_sgd_variant(lambda w, dw, lr: w - dw / lr if lr else None)),
        Mistake("only the change", (
            "the answer is only the change of the weights, not the new weights.",
            "return the new weights: the old ones with the step applied."),
            wrong=_sgd_variant(lambda w, dw, lr: -lr * dw)),
        Mistake("unchanged", (
            "these are the weights as they were: no step was taken.",
            "return the updated weights."), wrong=_sgd_variant(lambda w, dw, lr: w)),
        Mistake("shape", (
            "the new weights do not have the shape of w.",
            "the new weights have the shape of w: every weight moves by its own gradient."),
            fits=_sgd_shape_wrong),
    ),
)

SGD_UPDATE = _written(
    "05-sgd-update", "Part (a): the SGD update of the kernel",
    "Write the SGD update of each kernel weight w_{h,l} with learning rate eta, and say what "
    "changes with a batch of images.")

EXERCISES = (CORR1D_BACKWARD, GRADIENTS_BY_HAND, KERNEL_GRADIENT, KERNEL_GRADIENT_FORMULA,
             SGD_STEP, SGD_UPDATE)
