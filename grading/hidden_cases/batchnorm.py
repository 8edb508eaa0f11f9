"""Hidden cases of the BatchNorm exercise (08): other shapes and values than the public ones,
the same ideas (a batch of one, H = W = 1, one channel, negative and zero gamma, a large eps)."""

import numpy as np

from c182lib.exercises.batchnorm import batchnorm_case, random_batchnorm_shape


def spatial_batchnorm_backward_hidden():
    rng = np.random.default_rng(1829)
    case = batchnorm_case
    cases = [case("h-batch1-wide", "one image (1, 3, 2, 7)", (1, 3, 2, 7), rng),
             case("h-hw1", "H = W = 1 (9, 2, 1, 1)", (9, 2, 1, 1), rng),
             case("h-gamma", "gamma of both signs, eps = 0.1 (2, 3, 3, 2)", (2, 3, 3, 2), rng,
                  gamma=[-1.0, 0.0, 2.5], eps=0.1)]
    for i in range(5):
        shape = random_batchnorm_shape(rng, max_n=4, max_side=6)
        cases.append(case(f"h-random-{i + 1}", f"shape {shape}", shape, rng))
    return cases


HIDDEN_CASES = {"08-spatial-batchnorm-backward": spatial_batchnorm_backward_hidden}
