"""Hidden cases of the RNN exercises (10-11): other sizes, values and sequences than the public
ones, the same ideas (one array and several, above, below and at the threshold; T = 1, a reset
between sequences, saturated units; batch 1, H = 1, h_prev = 0)."""

import numpy as np

from c182lib.exercises.rnn import clip_case, random_clip_case, rnn_case, step_backward_case


def clip_grad_norm_hidden():
    rng = np.random.default_rng(1830)
    cases = [clip_case("h-one-number", "a single number -7 above max_norm=2", [[-7.0]], 2.0),
             clip_case("h-exactly-many", "three arrays of global norm exactly max_norm=3",
                       [[1.0, 2.0], [[2.0]], [0.0]], 3.0),
             clip_case("h-tiny-max", "max_norm=0.01 far below the norm 13", [[5.0, 12.0]], 0.01)]
    for i, max_norm in enumerate((0.7, 2.0, 100.0, 5.0)):
        cases.append(random_clip_case(f"h-random-{i + 1}", rng, max_norm, count=i + 1))
    return cases


def vanilla_rnn_hidden():
    rng = np.random.default_rng(1831)
    return [
        rnn_case("h-t1-wide", "T = 1 with D=6, H=2, O=4", (6, 2, 4), 1.0, (1,), rng),
        rnn_case("h-h1", "a single hidden unit, 4 steps (D=3, H=1, O=2)", (3, 1, 2), 1.0,
                 (4,), rng),
        rnn_case("h-three-sequences", "three sequences of 2, 1 and 4 steps, reset between "
                 "them (D=2, H=4, O=3)", (2, 4, 3), 1.5, (2, 1, 4), rng),
        rnn_case("h-saturated-long", "8 steps with weights x4 (D=3, H=5, O=2)", (3, 5, 2),
                 4.0, (8,), rng),
    ]


def rnn_step_backward_hidden():
    rng = np.random.default_rng(1832)
    case = step_backward_case
    cases = [case("h-batch1-h1", "batch 1 and one hidden unit (D=4)", 1, 4, 1, rng),
             case("h-first-step", "first step h_prev = 0, batch 4 (D=2, H=5)", 4, 2, 5, rng,
                  first_step=True),
             case("h-saturated", "saturated units (N=2, D=3, H=4)", 2, 3, 4, rng, scale=3.0)]
    for i in range(4):
        n, d, h = (int(v) for v in rng.integers(1, 7, size=3))
        cases.append(case(f"h-random-{i + 1}", f"random: N={n}, D={d}, H={h}", n, d, h, rng))
    return cases


HIDDEN_CASES = {
    "10-clip-grad-norm": clip_grad_norm_hidden,
    "11-vanilla-rnn": vanilla_rnn_hidden,
    "11-rnn-step-backward": rnn_step_backward_hidden,
}
