"""Hidden cases of the convolution exercises (01-03): other sizes and values than the public
ones, the same ideas (padding, strides that do not tile, one window, k = 1)."""

import numpy as np

from c182lib.exercises.conv import corr1d_case, random_settings


def corr1d_hidden():
    rng = np.random.default_rng(1820)
    cases = [corr1d_case("h-one-cell", "n=1, k=1", [2.5], [-1.5]),
             corr1d_case("h-pad3", "padding 3 around n=2, k=4", [1, -2], [1, 2, 3, 4],
                         padding=3),
             corr1d_case("h-stride5", "stride 5 on n=11, k=2", np.arange(11.0), [1, -1],
                         stride=5)]
    for i, (n, k, stride, padding) in enumerate(random_settings(rng, 8, max_n=30)):
        cases.append(corr1d_case(f"h-random-{i + 1}", f"n={n}, k={k}, stride {stride}, "
                                 f"padding {padding}", rng.normal(size=n), rng.normal(size=k),
                                 stride, padding))
    return cases


HIDDEN_CASES = {"01-corr1d": corr1d_hidden}
