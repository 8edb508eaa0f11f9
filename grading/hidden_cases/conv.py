"""Hidden cases of the convolution exercises (01-03): other sizes and values than the public
ones, the same ideas (padding, strides that do not tile, one window, k = 1, dilation)."""

import numpy as np

from c182lib.exercises.conv import (
    conv_matrix_case,
    corr1d_case,
    output_size_case,
    random_output_size_settings,
    random_settings,
)


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


def output_size_hidden():
    rng = np.random.default_rng(1821)
    cases = [output_size_case("h-n1", "n=1, k=1", 1, 1),
             output_size_case("h-stride-beyond", "stride 7 beyond the input: n=5, k=2", 5, 2,
                              stride=7),
             output_size_case("h-dilation-fills", "a dilated kernel spanning the whole padded "
                              "input: n=6, k=4, dilation 3, padding 2", 6, 4, padding=2,
                              dilation=3)]
    for i, setting in enumerate(random_output_size_settings(rng, 8, max_n=300)):
        n, k, s, p, d = setting
        cases.append(output_size_case(f"h-random-{i + 1}", f"n={n}, k={k}, stride {s}, "
                                      f"padding {p}, dilation {d}", *setting))
    return cases


def conv_matrix_hidden():
    rng = np.random.default_rng(1822)
    cases = [conv_matrix_case("h-one-cell", "n=1, k=1", 1, [-2.0]),
             conv_matrix_case("h-pad3", "padding 3 around n=2, k=3", 2, [1, -1, 2], padding=3),
             conv_matrix_case("h-stride4", "stride 4 on n=10, k=3", 10, [2, 0.5, -1],
                              stride=4)]
    for i, (n, k, stride, padding) in enumerate(random_settings(rng, 6, max_n=15)):
        cases.append(conv_matrix_case(f"h-random-{i + 1}", f"n={n}, k={k}, stride {stride}, "
                                      f"padding {padding}", n, rng.normal(size=k), stride,
                                      padding))
    return cases


HIDDEN_CASES = {"01-corr1d": corr1d_hidden, "02-output-size": output_size_hidden,
                "03-conv-matrix-1d": conv_matrix_hidden}
