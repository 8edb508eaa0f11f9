"""Tests of c182lib.checks.batchnorm: the check passes correct code and explains wrong code.

The "student" function is written independently of c182lib (one channel at a time, the
fully connected formulas spelled out), then broken the way students break it.
"""

from __future__ import annotations

import numpy as np
import pytest
from _checks_helpers import not_implemented, run

from c182lib.checks.batchnorm import _cases, _structure_hint, check_spatial_batchnorm_backward


def per_channel_backward(dout, x, gamma, eps=1e-5, *, mean_path=True, variance_path=True,
                         use_gamma=True, eps_outside_sqrt=False, ddof=0):
    """Spatial BatchNorm backward, channel by channel; the keywords inject mistakes."""
    dx = np.zeros_like(x)
    dgamma = np.zeros(x.shape[1])
    dbeta = np.zeros(x.shape[1])
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


def test_cases_cover_the_edge_cases():
    cases = _cases()
    shapes = [c.args[1].shape for c in cases]
    assert any(n == 1 and h * w > 1 for n, _, h, w in shapes)      # batch of one image
    assert any(h == w == 1 for _, _, h, w in shapes)                # ordinary BatchNorm
    assert any(c == 1 for _, c, _, _ in shapes)
    assert any(h != w for _, _, h, w in shapes)
    assert any(np.any(c.args[2] < 0) and np.any(c.args[2] == 0) for c in cases)
    assert any(c.kwargs["eps"] >= 0.1 for c in cases)
    for case in cases:  # every dout random: not constant over any channel
        dout = case.args[0]
        assert np.all(dout.std(axis=(0, 2, 3)) > 1e-3)


def test_passes_correct_code(capsys):
    ok, out = run(capsys, check_spatial_batchnorm_backward, per_channel_backward)
    assert ok is True
    assert out.startswith("PASS my_spatial_batchnorm_backward: all 10 cases match")


def dx_reshaped_back_without_transpose(dout, x, gamma, eps=1e-5):
    """Right in the (N*H*W, C) layout, then dx reshaped straight to (N, C, H, W)."""
    dx, dgamma, dbeta = per_channel_backward(dout, x, gamma, eps)
    return dx.transpose(0, 2, 3, 1).reshape(x.shape), dgamma, dbeta


FIRST_CASE = "(N, C, H, W) = (2, 3, 4, 5)"


@pytest.mark.parametrize("student, case, hint", [
    (reshaped_without_transpose, FIRST_CASE, "DIFFERENT channels in one column"),
    (lambda *a, **k: per_channel_backward(*a, **k, mean_path=False, variance_path=False),
     FIRST_CASE, "only the direct path"),
    (lambda *a, **k: per_channel_backward(*a, **k, variance_path=False), FIRST_CASE,
     "misses the path through the variance"),
    (lambda *a, **k: per_channel_backward(*a, **k, mean_path=False), FIRST_CASE,
     "misses the path through the mean"),
    (lambda *a, **k: per_channel_backward(*a, **k, use_gamma=False), FIRST_CASE,
     "gamma is missing"),
    (lambda *a, **k: per_channel_backward(*a, **k, ddof=1), FIRST_CASE, "the biased variance"),
    (lambda dout, x, gamma, eps=1e-5: per_channel_backward(dout, x, gamma),
     "eps = 0.5, not the default 1e-5", "the eps you were given was not used"),
    (dx_reshaped_back_without_transpose, FIRST_CASE,
     "reshape it to (N, H, W, C) and then transpose(0, 3, 1, 2)"),
], ids=["no-transpose", "direct-path-only", "no-variance-path", "no-mean-path", "no-gamma",
        "unbiased-variance", "eps-not-passed", "dx-not-transposed-back"])
def test_fails_wrong_dx_naming_dx_and_the_mistake(capsys, student, case, hint):
    ok, out = run(capsys, check_spatial_batchnorm_backward, student)
    assert ok is False
    first, second, *rest = out.splitlines()
    assert first.startswith(f"FAIL my_spatial_batchnorm_backward: case '{case}")
    assert second.startswith("  dx: ") and "entries differ" in second
    assert rest[-1].startswith("  hint:") and hint in rest[-1]


@pytest.mark.parametrize("student, item, hint", [
    (per_position_backward, "dx", "these are per-position statistics"),
    (lambda *a, **k: per_channel_backward(*a, **k, eps_outside_sqrt=True), "dx",
     "eps goes INSIDE the square root"),
    (lambda *a, **k: (lambda dx, dgamma, dbeta: (dx, dbeta, dgamma))(
        *per_channel_backward(*a, **k)), "dgamma", "dgamma and dbeta are swapped"),
], ids=["per-position", "eps-outside-sqrt", "dgamma-dbeta-swapped"])
def test_other_mistakes_get_their_hint(capsys, student, item, hint):
    ok, out = run(capsys, check_spatial_batchnorm_backward, student)
    assert ok is False
    lines = out.splitlines()
    assert lines[1].startswith(f"  {item}: ")
    assert lines[-1].startswith(f"  hint: {hint}")


def test_a_bug_an_all_ones_dout_would_hide_is_caught(capsys):
    """Without the variance path, dx is still exactly right for a constant dout."""
    def no_variance_path(*args, **kwargs):
        return per_channel_backward(*args, **kwargs, variance_path=False)

    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4))
    gamma, ones = np.array([1.0, 2.0, -0.5]), np.ones_like(x)
    for got, expected in zip(no_variance_path(ones, x, gamma), per_channel_backward(ones, x, gamma),
                             strict=True):
        np.testing.assert_allclose(got, expected, atol=1e-12)
    ok, out = run(capsys, check_spatial_batchnorm_backward, no_variance_path)
    assert ok is False and "dx: " in out


def test_names_dgamma_when_it_is_wrong(capsys):
    def dgamma_from_x(dout, x, gamma, eps=1e-5):
        dx, _, dbeta = per_channel_backward(dout, x, gamma, eps)
        return dx, (dout * x).sum(axis=(0, 2, 3)), dbeta

    ok, out = run(capsys, check_spatial_batchnorm_backward, dgamma_from_x)
    assert ok is False
    assert out.splitlines()[1].startswith("  dgamma: 3 of 3 entries differ")
    assert "hint: dgamma = sum of dout * x_hat" in out


def test_dgamma_not_summed_over_h_and_w_gets_a_shape_hint(capsys):
    def summed_over_n_only(dout, x, gamma, eps=1e-5):
        dx, _, _ = per_channel_backward(dout, x, gamma, eps)
        x_hat = (x - x.mean(axis=(0, 2, 3), keepdims=True)) / np.sqrt(
            x.var(axis=(0, 2, 3), keepdims=True) + eps)
        return dx, (dout * x_hat).sum(axis=0), dout.sum(axis=0)

    ok, out = run(capsys, check_spatial_batchnorm_backward, summed_over_n_only)
    assert ok is False
    assert "dgamma: wrong shape (3, 4, 5), expected (3,)" in out
    assert "hint: dgamma and dbeta hold one number per channel" in out


def test_returning_only_dx_is_explained(capsys):
    ok, out = run(capsys, check_spatial_batchnorm_backward,
                  lambda *a, **k: per_channel_backward(*a, **k)[0])
    assert ok is False
    assert ("expected a tuple of 3 items (dx, dgamma, dbeta), got an array of shape "
            "(2, 3, 4, 5)") in out
    assert "hint: return the tuple (dx, dgamma, dbeta)" in out


def test_reports_an_exception_with_its_case(capsys):
    def student(dout, x, gamma, eps=1e-5):
        if x.shape[0] == 1:
            raise ZeroDivisionError("no batch")
        return per_channel_backward(dout, x, gamma, eps)

    ok, out = run(capsys, check_spatial_batchnorm_backward, student)
    assert ok is False
    assert "case 'a batch of ONE image (1, 2, 3, 4)" in out
    assert "raised ZeroDivisionError: no batch" in out


def test_todo(capsys):
    ok, out = run(capsys, check_spatial_batchnorm_backward, not_implemented)
    assert ok is False and out.startswith("TODO my_spatial_batchnorm_backward")
    assert "hint" not in out


RAGGED = [[1.0, 2.0], [3.0]]


@pytest.mark.parametrize("result, detail", [
    (RAGGED, "got a list of 2 items"),
    ((RAGGED, RAGGED, RAGGED), f"dx: expected an array of shape (2, 3, 4, 5), got {RAGGED}"),
], ids=["ragged", "tuple-of-ragged"])
def test_a_ragged_list_is_a_fail_not_an_exception(capsys, result, detail):
    ok, out = run(capsys, check_spatial_batchnorm_backward, lambda *a, **k: result)
    assert ok is False
    assert out.startswith("FAIL my_spatial_batchnorm_backward: case '") and detail in out


def test_the_structure_hint_survives_a_ragged_list():
    case = _cases()[0]
    assert _structure_hint(case, (RAGGED, RAGGED, RAGGED)).startswith("dx has the shape of x")
    assert _structure_hint(case, (case.args[1], RAGGED, RAGGED)).startswith("dgamma and dbeta")
