"""Hidden cases of the convolution-gradient exercises (04-05): other sizes and values than the
public ones, the same ideas (one output, k = 1, non-square kernels and images, one row)."""

import numpy as np

from c182lib.exercises.conv_grad import (
    corr1d_backward_case,
    kernel_gradient_case,
    sgd_step_case,
)


def corr1d_backward_hidden():
    rng = np.random.default_rng(1823)
    cases = [corr1d_backward_case("h-one-cell", "n=1, k=1", [0.5], [2.0], [-3.0]),
             corr1d_backward_case("h-k1-long", "k=1 on n=9", rng.normal(size=9),
                                  rng.normal(size=9), [1.75])]
    for i in range(6):
        n = int(rng.integers(2, 25))
        k = int(rng.integers(1, n + 1))
        cases.append(corr1d_backward_case(f"h-random-{i + 1}", f"n={n}, k={k}",
                                          rng.normal(size=n - k + 1), rng.normal(size=n),
                                          rng.normal(size=k)))
    return cases


def kernel_gradient_hidden():
    rng = np.random.default_rng(1824)
    cases = [kernel_gradient_case("h-one-cell", "a 1 x 1 image, a 1 x 1 kernel", (1, 1),
                                  (1, 1), rng),
             kernel_gradient_case("h-row-kernel", "a 1 x 5 kernel on a 4 x 9 image", (4, 9),
                                  (1, 5), rng),
             kernel_gradient_case("h-column-image", "a 2 x 1 kernel on a 6 x 1 image", (6, 1),
                                  (2, 1), rng),
             kernel_gradient_case("h-wide-image", "a 3 x 4 kernel on a 3 x 10 image: one row "
                                  "of positions", (3, 10), (3, 4), rng)]
    for i in range(6):
        h, w = int(rng.integers(2, 13)), int(rng.integers(2, 13))
        kh, kw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        cases.append(kernel_gradient_case(f"h-random-{i + 1}", f"a {h} x {w} image, a {kh} x "
                                          f"{kw} kernel", (h, w), (kh, kw), rng))
    return cases


def sgd_step_hidden():
    rng = np.random.default_rng(1825)
    shapes = [(5,), (3, 4), (4, 2, 3, 3), (1, 1), (7, 1)]
    return [sgd_step_case(f"h-shape-{i + 1}", f"weights of shape {shape}, learning rate "
                          f"{rate:g}", shape, rate, rng)
            for i, (shape, rate) in enumerate(zip(shapes, (0.3, 0.001, 0.05, 1.5, 0.7),
                                                  strict=True))]


HIDDEN_CASES = {"04-corr1d-backward": corr1d_backward_hidden,
                "05-kernel-gradient": kernel_gradient_hidden,
                "05-sgd-step": sgd_step_hidden}
