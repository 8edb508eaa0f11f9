"""Tests of the BatchNorm exercises (c182lib.exercises.batchnorm): the check passes right answers
(float32 too), fails the classic mistakes with the right hint, catches writes into its
arguments, and grades its hidden cases.

The "student" function is written independently of c182lib (one channel at a time, the fully
connected formulas spelled out), then broken the way students break it.
"""

from __future__ import annotations

import numpy as np
import pytest
from _exercise_helpers import hidden_cases, stub

from c182lib.batchnorm import batchnorm_backward, batchnorm_forward
from c182lib.checks import check_spatial_batchnorm_backward
from c182lib.exercises import EXERCISES
from c182lib.exercises._engine import describe_difference

EXERCISE = EXERCISES["08-spatial-batchnorm-backward"]


def per_channel_backward(dout, x, gamma, eps=1e-5, *, mean_path=True, variance_path=True,
                         use_gamma=True, eps_outside_sqrt=False, ddof=0):
    """Spatial BatchNorm backward, channel by channel; the keywords inject mistakes."""
    dx = np.zeros_like(x)
    dgamma = np.zeros(x.shape[1], dtype=x.dtype)
    dbeta = np.zeros(x.shape[1], dtype=x.dtype)
    for c in range(x.shape[1]):
        values, grads = x[:, c].ravel(), dout[:, c].ravel()
        m = values.size
        mu = values.sum() / m
        var = ((values - mu) ** 2).sum() / (m - ddof)
        std = np.sqrt(var) + eps if eps_outside_sqrt else np.sqrt(var + eps)
        x_hat = (values - mu) / std
        dx_hat = grads * (gamma[c] if use_gamma else 1.0)
        dvalues = m * dx_hat
        if mean_path:
            dvalues = dvalues - dx_hat.sum()
        if variance_path:
            dvalues = dvalues - x_hat * (dx_hat * x_hat).sum()
        dx[:, c] = (dvalues / (m * std)).reshape(x[:, c].shape)
        dgamma[c] = (grads * x_hat).sum()
        dbeta[c] = grads.sum()
    return dx, dgamma, dbeta


def through_rows(dout, x, gamma, eps=1e-5):
    """The notebook's way: the fully connected backward pass through the (N*H*W, C) reshape."""
    n, c, h, w = x.shape
    _, cache = batchnorm_forward(x.transpose(0, 2, 3, 1).reshape(-1, c), gamma, np.zeros(c), eps)
    dx_rows, dgamma, dbeta = batchnorm_backward(dout.transpose(0, 2, 3, 1).reshape(-1, c), cache)
    return dx_rows.reshape(n, h, w, c).transpose(0, 3, 1, 2), dgamma, dbeta


def in_float32(dout, x, gamma, eps=1e-5):
    """A right answer computed in float32 throughout (issue 12: it used to FAIL)."""
    return per_channel_backward(np.float32(dout), np.float32(x), np.float32(gamma),
                                np.float32(eps))


def reshaped_without_transpose(dout, x, gamma, eps=1e-5):
    """The (N*H*W, C) trick with the transpose forgotten: columns mix channels."""
    n, c, h, w = x.shape
    rows, drows = x.reshape(-1, c), dout.reshape(-1, c)
    dx, dgamma, dbeta = per_channel_backward(drows.T.reshape(1, c, -1, 1),
                                             rows.T.reshape(1, c, -1, 1), gamma, eps)
    return dx.reshape(c, -1).T.reshape(x.shape), dgamma, dbeta


def per_position_backward(dout, x, gamma, eps=1e-5):
    """Ordinary BatchNorm on (N, C*H*W): each position's statistics over the batch only."""
    n, c, h, w = x.shape
    dx, _, _ = per_channel_backward(dout.reshape(n, -1, 1, 1), x.reshape(n, -1, 1, 1),
                                    np.repeat(gamma, h * w), eps)
    return dx.reshape(x.shape), dout.sum(axis=(0, 2, 3)), dout.sum(axis=(0, 2, 3))


def dx_reshaped_back_without_transpose(dout, x, gamma, eps=1e-5):
    """Right in the (N*H*W, C) layout, then dx reshaped straight to (N, C, H, W)."""
    dx, dgamma, dbeta = per_channel_backward(dout, x, gamma, eps)
    return dx.transpose(0, 2, 3, 1).reshape(x.shape), dgamma, dbeta


def dgamma_from_x(dout, x, gamma, eps=1e-5):
    dx, _, dbeta = per_channel_backward(dout, x, gamma, eps)
    return dx, (dout * x).sum(axis=(0, 2, 3)), dbeta


def swapped(dout, x, gamma, eps=1e-5):
    dx, dgamma, dbeta = per_channel_backward(dout, x, gamma, eps)
    return dx, dbeta, dgamma


def summed_over_n_only(dout, x, gamma, eps=1e-5):
    dx, _, _ = per_channel_backward(dout, x, gamma, eps)
    x_hat = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(0, 2, 3), keepdims=True) + eps)
    return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)


def with_options(**options):
    return lambda *args, **kwargs: per_channel_backward(*args, **kwargs, **options)


# --------------------------------------------------------------------------------------------
# The cases


def test_cases_cover_the_edge_cases():
    cases = EXERCISE.public_cases()
    shapes = [c.args[1].shape for c in cases]
    assert any(n == 1 and h * w > 1 for n, _, h, w in shapes)      # batch of one image
    assert any(h == w == 1 for _, _, h, w in shapes)                # ordinary BatchNorm
    assert any(c == 1 for _, c, _, _ in shapes)
    assert any(h != w for _, _, h, w in shapes)                     # non-square images
    assert any(np.any(c.args[2] < 0) and np.any(c.args[2] == 0) for c in cases)
    assert any(c.kwargs["eps"] >= 0.1 for c in cases)
    for case in cases:  # every dout random: not constant over any channel
        dout = case.args[0]
        assert np.all(dout.std(axis=(0, 2, 3)) > 1e-3)


# --------------------------------------------------------------------------------------------
# (a) right answers pass, float32 included


@pytest.mark.parametrize("student", [
    per_channel_backward,
    through_rows,
    lambda *args, **kwargs: list(per_channel_backward(*args, **kwargs)),
    lambda *args, **kwargs: [item.tolist() for item in per_channel_backward(*args, **kwargs)],
    in_float32,
], ids=["per-channel", "through-rows", "a-list", "nested-lists", "float32"])
def test_passes_right_answers(student):
    verdict = EXERCISE.check(student)
    assert verdict, verdict.text()


def test_float32_rounding_is_not_a_failure_but_a_float32_slip_is():
    """Issue 12: a right float32 answer differed by a relative 7e-07 and FAILed."""
    case = [case for case in EXERCISE.public_cases() if case.id == "batch1"][0]
    dx, _, _ = in_float32(*case.args, **case.kwargs)
    assert dx.dtype == np.float32
    # held to float64's tolerance, its rounding would be a difference ...
    assert describe_difference(dx.astype(float), EXERCISE.expected(case)[0], "dx",
                               EXERCISE.rtol, EXERCISE.atol)
    # ... but the check allows for float32 rounding
    assert EXERCISE.check(in_float32)

    def float32_without_gamma(dout, x, gamma, eps=1e-5):
        return per_channel_backward(np.float32(dout), np.float32(x), np.float32(gamma), eps,
                                    use_gamma=False)

    verdict = EXERCISE.check(float32_without_gamma)
    assert verdict.status == "FAIL" and "float32" in verdict.text()


# --------------------------------------------------------------------------------------------
# (b) classic mistakes fail, with the hint of that mistake


@pytest.mark.parametrize("student, mistake, case_id", [
    (reshaped_without_transpose, "reshaped without transpose", "nchw"),
    (per_position_backward, "per-position statistics", "nchw"),
    (with_options(mean_path=False, variance_path=False), "direct path only", "nchw"),
    (with_options(variance_path=False), "no variance path", "nchw"),
    (with_options(mean_path=False), "no mean path", "nchw"),
    (with_options(use_gamma=False), "gamma missing", "nchw"),
    (with_options(eps_outside_sqrt=True), "eps outside the square root", "nchw"),
    (lambda dout, x, gamma, eps=1e-5: per_channel_backward(dout, x, gamma), "eps not passed on",
     "eps"),
    (dx_reshaped_back_without_transpose, "dx not transposed back", "nchw"),
    (with_options(ddof=1), "unbiased variance", "nchw"),
    (dgamma_from_x, "dgamma from x", "nchw"),
    (swapped, "dgamma and dbeta swapped", "nchw"),
    (summed_over_n_only, "per-channel shape", "nchw"),
    (lambda *args, **kwargs: per_channel_backward(*args, **kwargs)[0], "not the three gradients",
     "nchw"),
    (lambda dout, x, gamma, eps=1e-5: (dout[0], gamma, gamma), "dx shape", "nchw"),
], ids=["no-transpose", "per-position", "direct-path-only", "no-variance-path", "no-mean-path",
        "no-gamma", "eps-outside-sqrt", "eps-not-passed", "dx-not-transposed-back",
        "unbiased-variance", "dgamma-from-x", "swapped", "dgamma-summed-over-n",
        "only-dx", "dx-shape"])
def test_fails_each_mistake_with_its_hint(student, mistake, case_id):
    verdict = EXERCISE.check(student)
    assert (verdict.status, verdict.case_id, verdict.mistake) == ("FAIL", case_id, mistake)
    assert verdict.hints


@pytest.mark.parametrize("student, label", [
    (with_options(use_gamma=False), "dx"), (dgamma_from_x, "dgamma"), (swapped, "dgamma")],
    ids=["dx", "dgamma", "swapped"])
def test_the_failure_names_the_gradient_that_differs(student, label):
    assert EXERCISE.check(student).summary.splitlines()[1].startswith(f"  {label}: ")


def test_a_bug_an_all_ones_dout_would_hide_is_caught():
    """Without the variance path, dx is still exactly right for a constant dout."""
    no_variance_path = with_options(variance_path=False)
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4))
    gamma, ones = np.array([1.0, 2.0, -0.5]), np.ones_like(x)
    for got, expected in zip(no_variance_path(ones, x, gamma), per_channel_backward(ones, x, gamma),
                             strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-12)
    assert EXERCISE.check(no_variance_path).status == "FAIL"


def test_an_exception_is_reported_with_its_case():
    def student(dout, x, gamma, eps=1e-5):
        if x.shape[0] == 1:
            raise ZeroDivisionError("no batch")
        return per_channel_backward(dout, x, gamma, eps)

    verdict = EXERCISE.check(student)
    assert verdict.case_id == "batch1" and "raised ZeroDivisionError: no batch" in verdict.text()


# --------------------------------------------------------------------------------------------
# (c) writes into an argument are caught and named


@pytest.mark.parametrize("argument", ["dout", "x", "gamma"])
def test_a_write_into_an_argument_fails_naming_it(argument):
    def writes(dout, x, gamma, eps=1e-5):
        grads = per_channel_backward(dout, x, gamma, eps)
        {"dout": dout, "x": x, "gamma": gamma}[argument] *= 2
        return grads

    verdict = EXERCISE.check(writes)
    assert verdict.status == "FAIL" and verdict.mistake is None
    assert f"`{argument}`" in verdict.text()


# --------------------------------------------------------------------------------------------
# (d) hidden cases


def test_hidden_cases_pass_a_right_answer_written_independently():
    cases = hidden_cases(EXERCISE.id)
    assert len(cases) >= 5 and all(case.id.startswith("h-") for case in cases)
    for student in (per_channel_backward, through_rows, in_float32):
        verdict = EXERCISE.check(student, cases)
        assert verdict, verdict.text()


# --------------------------------------------------------------------------------------------
# The student-facing check and the notebook


def test_the_printed_check(capsys):
    assert check_spatial_batchnorm_backward(per_channel_backward)
    assert capsys.readouterr().out == (
        f"PASS my_spatial_batchnorm_backward: all {len(EXERCISE.public_cases())} cases match\n")
    assert not check_spatial_batchnorm_backward(swapped, hint=2)
    out = capsys.readouterr().out
    assert out.startswith("FAIL my_spatial_batchnorm_backward: case '(N, C, H, W) = (2, 3, 4, 5)")
    assert "  hint: " in out

    assert not check_spatial_batchnorm_backward(stub)
    assert capsys.readouterr().out.startswith("TODO my_spatial_batchnorm_backward")
