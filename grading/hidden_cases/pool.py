"""Hidden cases of the pooling exercises (06-07): other sizes and values than the public ones,
the same ideas (strides that do not tile, overlapping windows, ties, non-square inputs, one
window, K = 1, padding)."""

import numpy as np

from c182lib.exercises.pool import (
    backward_case,
    distinct_values,
    output_size_case,
    random_pool_settings,
)


def pool_output_size_hidden():
    rng = np.random.default_rng(1826)
    cases = [output_size_case("h-n1", "n=1, K=1, S=1", 1, 1, 1),
             output_size_case("h-s-gt-n", "stride 5 beyond the input: n=4, K=2, S=5", 4, 2, 5),
             output_size_case("h-pad-overlap", "padding 2, K=4, S=3 on n=13", 13, 4, 3, 2)]
    for i, (n, k, s, p) in enumerate(random_pool_settings(rng, 8, max_n=300)):
        cases.append(output_size_case(f"h-random-{i + 1}", f"n={n}, K={k}, S={s}, padding {p}",
                                      n, k, s, p))
    return cases


def _backward_hidden(seed: int, with_ties: bool):
    rng = np.random.default_rng(seed)
    cases = [backward_case("h-one-cell", "a 1x1 input, K=1", [[2.5]], 1, 1, rng),
             backward_case("h-wide", "a 3x11 input, K=3, S=2 (overlapping, one row of windows)",
                           distinct_values(rng, 3, 11), 3, 2, rng),
             backward_case("h-tall", "a 9x4 input, K=2, S=3 (does not tile)",
                           distinct_values(rng, 9, 4), 2, 3, rng)]
    if with_ties:
        cases.append(backward_case("h-constant", "a constant 4x5 input, K=2, S=1: every window "
                                   "is a tie", np.full((4, 5), -1.0), 2, 1, rng))
    for i in range(6):
        k, s = int(rng.integers(1, 5)), int(rng.integers(1, 4))
        h, w = int(rng.integers(k, 12)), int(rng.integers(k, 12))
        values = (rng.integers(0, 3, (h, w)) if with_ties and i % 2
                  else rng.normal(size=(h, w)))
        cases.append(backward_case(f"h-random-{i + 1}", f"{h}x{w}, K={k}, S={s}", values, k, s,
                                   rng))
    return cases


HIDDEN_CASES = {
    "06-pool-output-size": pool_output_size_hidden,
    "07-maxpool-backward": lambda: _backward_hidden(1827, with_ties=True),
    "07-avgpool-backward": lambda: _backward_hidden(1828, with_ties=False),
}
