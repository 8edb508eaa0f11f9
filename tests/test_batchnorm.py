"""Tests of c182lib.batchnorm against explicit formulas, the worksheet's code and PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib.batchnorm import (
    BatchNorm,
    BatchNormCache,
    SpatialBatchNormCache,
    batchnorm_backward,
    batchnorm_forward,
    batchnorm_inference,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_batchnorm_inference,
    update_running_stats,
)
from c182lib.gradcheck import numerical_gradients, rel_error

# ---------------------------------------------------------------- references


def loop_batchnorm(x, gamma, beta, eps):
    """Training-mode BatchNorm of (N, D), one feature at a time, sums written out."""
    n, d = x.shape
    out = np.empty_like(x)
    for j in range(d):
        mean = sum(x[i, j] for i in range(n)) / n
        var = sum((x[i, j] - mean) ** 2 for i in range(n)) / n
        for i in range(n):
            out[i, j] = gamma[j] * (x[i, j] - mean) / np.sqrt(var + eps) + beta[j]
    return out


# The worksheet's code, verbatim apart from layout (it uses NHWC and epsilon=1e-8).
def worksheet_batchnorm(x, gamma, beta, epsilon=1e-8):
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(var + epsilon)
    return gamma * x_hat + beta


def worksheet_batchnorm_cnn(x, gamma, beta, epsilon=1e-8):
    mean = np.mean(x, axis=(0, 1, 2), keepdims=True)
    var = np.var(x, axis=(0, 1, 2), keepdims=True)
    x_hat = (x - mean) / np.sqrt(var + epsilon)
    return gamma * x_hat + beta


def worksheet_batchnorm_cnn_reshape(x, gamma, beta, epsilon=1e-8):
    b, h, w, c = x.shape
    y = worksheet_batchnorm(x.reshape(b * h * w, c), gamma, beta, epsilon)
    return y.reshape(b, h, w, c)


def random_params(rng, d):
    return rng.standard_normal(d) + 1.0, rng.standard_normal(d)


# ---------------------------------------------------------------- forward


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), d=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_forward_matches_loops(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * 3 + 1
    gamma, beta = random_params(rng, d)
    out, cache = batchnorm_forward(x, gamma, beta, eps=1e-5)
    np.testing.assert_allclose(out, loop_batchnorm(x, gamma, beta, 1e-5), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(cache.mean, x.mean(axis=0))
    np.testing.assert_allclose(cache.var, x.var(axis=0))
    assert cache.count == n


def test_forward_normalises_each_feature():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((50, 3)) * [1.0, 10.0, 0.1] + [5.0, -2.0, 0.0]
    out, _ = batchnorm_forward(x, np.ones(3), np.zeros(3))
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(axis=0), x.var(axis=0) / (x.var(axis=0) + 1e-5))


def test_spatial_is_batchnorm_on_channel_columns():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 5, 2))
    gamma, beta = random_params(rng, 4)
    out, cache = spatial_batchnorm_forward(x, gamma, beta)
    rows = np.moveaxis(x, 1, -1).reshape(-1, 4)
    out_rows, row_cache = batchnorm_forward(rows, gamma, beta)
    np.testing.assert_allclose(out, np.moveaxis(out_rows.reshape(3, 5, 2, 4), -1, 1), rtol=1e-13)
    np.testing.assert_allclose(cache.mean, x.mean(axis=(0, 2, 3)))
    np.testing.assert_allclose(cache.var, x.var(axis=(0, 2, 3)))
    assert cache.count == 3 * 5 * 2
    # and per channel, by hand
    for c in range(4):
        xc = x[:, c]
        np.testing.assert_allclose(
            out[:, c], gamma[c] * (xc - xc.mean()) / np.sqrt(xc.var() + 1e-5) + beta[c])


def test_worksheet_nhwc_code_agrees_after_transposes():
    rng = np.random.default_rng(2)
    x_nhwc = rng.standard_normal((4, 3, 5, 6))  # (B, H, W, C)
    gamma, beta = random_params(rng, 6)
    expected = worksheet_batchnorm_cnn(x_nhwc, gamma, beta)
    np.testing.assert_allclose(worksheet_batchnorm_cnn_reshape(x_nhwc, gamma, beta), expected,
                               rtol=1e-12, atol=1e-12)
    out, _ = spatial_batchnorm_forward(x_nhwc.transpose(0, 3, 1, 2), gamma, beta, eps=1e-8)
    np.testing.assert_allclose(out.transpose(0, 2, 3, 1), expected, rtol=1e-12, atol=1e-12)
    out_2d, _ = batchnorm_forward(x_nhwc[:, 0, 0, :], gamma, beta, eps=1e-8)
    np.testing.assert_allclose(out_2d, worksheet_batchnorm(x_nhwc[:, 0, 0, :], gamma, beta),
                               rtol=1e-12, atol=1e-12)


def test_single_value_per_channel_gives_beta():
    gamma, beta = np.array([2.0, 3.0]), np.array([0.5, -1.0])
    out, cache = spatial_batchnorm_forward(np.array([[[[4.0]], [[-7.0]]]]), gamma, beta)
    np.testing.assert_array_equal(out.reshape(2), beta)
    dx, dgamma, dbeta = spatial_batchnorm_backward(np.ones((1, 2, 1, 1)), cache)
    np.testing.assert_array_equal(dx, 0.0)
    np.testing.assert_array_equal(dbeta, [1.0, 1.0])


def test_dtypes():
    x32 = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    out, _ = batchnorm_forward(x32, np.ones(3, np.float32), np.zeros(3, np.float32))
    assert out.dtype == np.float32
    out, _ = batchnorm_forward(np.arange(6).reshape(3, 2), [1, 1], [0, 0])
    assert out.dtype == np.float64


@pytest.mark.parametrize("float32_names", [("x",), ("gamma", "beta"), ("x", "gamma")])
def test_mixed_dtypes_compute_in_float64(float32_names):
    rng = np.random.default_rng(60)
    args = {"x": 3 + rng.standard_normal((5, 4)), "gamma": rng.standard_normal(4),
            "beta": rng.standard_normal(4)}
    mixed = {k: v.astype(np.float32) if k in float32_names else v for k, v in args.items()}
    exact = {k: v.astype(np.float64) for k, v in mixed.items()}
    out, cache = batchnorm_forward(**mixed)
    out_exact, cache_exact = batchnorm_forward(**exact)
    assert out.dtype == cache.mean.dtype == np.float64
    np.testing.assert_allclose(out, out_exact, rtol=1e-13, atol=1e-14)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    for grad, grad_exact in zip(batchnorm_backward(dout, cache),
                                batchnorm_backward(dout, cache_exact), strict=True):
        assert grad.dtype == np.float64
        np.testing.assert_allclose(grad, grad_exact, rtol=1e-13, atol=1e-14)


# ---------------------------------------------------------------- backward


# Derandomised: an entry of dx that happens to be near 0 has a large *relative* error even when
# the gradient is right, so these examples are fixed (still many shapes), not drawn anew per run.
@settings(max_examples=15, deadline=None, derandomize=True)
@given(n=st.integers(3, 6), d=st.integers(1, 3), seed=st.integers(0, 2**32 - 1))
def test_backward_matches_numerical_gradients(n, d, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)) * 2 + 0.5
    gamma, beta = random_params(rng, d)
    out, cache = batchnorm_forward(x, gamma, beta)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = batchnorm_backward(dout, cache)
    numeric = numerical_gradients(lambda *args: batchnorm_forward(*args)[0], (x, gamma, beta), dout)
    for name, grad, expected in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta), numeric,
                                    strict=True):
        assert rel_error(grad, expected) < 1e-7, name


@settings(max_examples=15, deadline=None, derandomize=True)
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 4),
                       st.integers(1, 4)).filter(lambda s: s[0] * s[2] * s[3] >= 3),
       seed=st.integers(0, 2**32 - 1))
def test_spatial_backward_matches_numerical_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 2 + 0.5
    gamma, beta = random_params(rng, shape[1])
    out, cache = spatial_batchnorm_forward(x, gamma, beta)
    dout = rng.standard_normal(out.shape)
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    numeric = numerical_gradients(lambda *args: spatial_batchnorm_forward(*args)[0],
                                  (x, gamma, beta), dout)
    for name, grad, expected in zip(("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta), numeric,
                                    strict=True):
        assert rel_error(grad, expected) < 1e-7, name


def test_dx_is_orthogonal_to_shifts_and_scalings():
    # Adding a constant to a feature leaves the output unchanged, so dx sums to 0 per feature;
    # scaling it changes the output only through eps, so dx is orthogonal to x_hat as eps -> 0.
    rng = np.random.default_rng(3)
    x = rng.standard_normal((20, 4))
    gamma, beta = random_params(rng, 4)
    dout = rng.standard_normal(x.shape)
    for eps in (1e-5, 1e-14):
        out, cache = batchnorm_forward(x, gamma, beta, eps=eps)
        dx, _, _ = batchnorm_backward(dout, cache)
        np.testing.assert_allclose(dx.sum(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose((dx * cache.x_hat).sum(axis=0), 0, atol=1e-12)


def test_spatial_backward_is_backward_on_channel_columns():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 5))
    gamma, beta = random_params(rng, 3)
    dout = rng.standard_normal(x.shape)
    _, cache = spatial_batchnorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)
    _, row_cache = batchnorm_forward(np.moveaxis(x, 1, -1).reshape(-1, 3), gamma, beta)
    dx_rows, dgamma_rows, dbeta_rows = batchnorm_backward(np.moveaxis(dout, 1, -1).reshape(-1, 3),
                                                          row_cache)
    np.testing.assert_allclose(dx, np.moveaxis(dx_rows.reshape(2, 4, 5, 3), -1, 1), rtol=1e-13)
    np.testing.assert_allclose(dgamma, dgamma_rows, rtol=1e-13)
    np.testing.assert_allclose(dbeta, dbeta_rows, rtol=1e-13)


# ---------------------------------------------------------------- running statistics, inference


def test_update_running_stats_formula():
    new_mean, new_var = update_running_stats([0.0, 1.0], [1.0, 2.0], [2.0, 3.0], [4.0, 8.0],
                                             count=5, momentum=0.25)
    np.testing.assert_allclose(new_mean, [0.75 * 0 + 0.25 * 2, 0.75 * 1 + 0.25 * 3])
    np.testing.assert_allclose(new_var, [0.75 * 1 + 0.25 * 4 * 5 / 4, 0.75 * 2 + 0.25 * 8 * 5 / 4])


def test_inference_formula():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((7, 3))
    gamma, beta = random_params(rng, 3)
    mean, var = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    out = batchnorm_inference(x, gamma, beta, mean, var, eps=1e-3)
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta)
    # each sample on its own: the batch does not matter
    np.testing.assert_allclose(batchnorm_inference(x[:1], gamma, beta, mean, var, eps=1e-3),
                               out[:1])
    x4 = rng.standard_normal((2, 3, 4, 5))
    out4 = spatial_batchnorm_inference(x4, gamma, beta, mean, var, eps=1e-3)
    shape = (1, 3, 1, 1)
    np.testing.assert_allclose(out4, gamma.reshape(shape) * (x4 - mean.reshape(shape))
                               / np.sqrt(var.reshape(shape) + 1e-3) + beta.reshape(shape))


def test_inputs_not_modified():
    rng = np.random.default_rng(6)
    arrays = {"x": rng.standard_normal((4, 3)), "x4": rng.standard_normal((2, 3, 2, 2)),
              "gamma": rng.standard_normal(3), "beta": rng.standard_normal(3),
              "mean": rng.standard_normal(3), "var": rng.uniform(1, 2, 3),
              "dout": rng.standard_normal((4, 3)), "dout4": rng.standard_normal((2, 3, 2, 2))}
    copies = {k: v.copy() for k, v in arrays.items()}
    for v in arrays.values():
        v.setflags(write=False)
    a = arrays
    _, cache = batchnorm_forward(a["x"], a["gamma"], a["beta"])
    batchnorm_backward(a["dout"], cache)
    _, cache4 = spatial_batchnorm_forward(a["x4"], a["gamma"], a["beta"])
    spatial_batchnorm_backward(a["dout4"], cache4)
    update_running_stats(a["mean"], a["var"], cache.mean, cache.var, cache.count)
    batchnorm_inference(a["x"], a["gamma"], a["beta"], a["mean"], a["var"])
    spatial_batchnorm_inference(a["x4"], a["gamma"], a["beta"], a["mean"], a["var"])
    for k, v in arrays.items():
        np.testing.assert_array_equal(v, copies[k])


def test_layer_switches_between_batch_and_running_statistics():
    rng = np.random.default_rng(7)
    layer = BatchNorm(3, momentum=0.5)
    x = rng.standard_normal((6, 3)) + 2.0
    out = layer.forward(x)
    np.testing.assert_allclose(out, batchnorm_forward(x, np.ones(3), np.zeros(3))[0])
    np.testing.assert_allclose(layer.running_mean, 0.5 * x.mean(axis=0))
    np.testing.assert_allclose(layer.running_var, 0.5 + 0.5 * x.var(axis=0, ddof=1))
    dx, dgamma, dbeta = layer.backward(np.ones((6, 3)))
    np.testing.assert_allclose(dbeta, [6.0, 6.0, 6.0])
    layer.training = False
    running = (layer.running_mean.copy(), layer.running_var.copy())
    np.testing.assert_allclose(layer.forward(x), batchnorm_inference(
        x, layer.gamma, layer.beta, *running))
    np.testing.assert_array_equal(layer.running_mean, running[0])  # eval does not update
    with pytest.raises(RuntimeError, match="training-mode forward"):
        layer.backward(np.ones((6, 3)))


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("eps, error", [(0.0, ValueError), (-1e-5, ValueError),
                                        (float("nan"), ValueError), (float("inf"), ValueError),
                                        ("1e-5", TypeError), (True, TypeError)])
def test_bad_eps(eps, error):
    x = np.zeros((2, 3))
    with pytest.raises(error, match="eps"):
        batchnorm_forward(x, np.ones(3), np.zeros(3), eps=eps)
    with pytest.raises(error, match="eps"):
        spatial_batchnorm_forward(np.zeros((2, 3, 1, 1)), np.ones(3), np.zeros(3), eps=eps)
    with pytest.raises(error, match="eps"):
        batchnorm_inference(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(3), eps=eps)


def test_bad_shapes():
    x, x4 = np.zeros((2, 3)), np.zeros((2, 3, 2, 2))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\)"):
        batchnorm_forward(x, np.ones(4), np.zeros(3))
    with pytest.raises(ValueError, match=r"beta must have shape \(3,\)"):
        batchnorm_forward(x, np.ones(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"beta must be a 1-D"):
        batchnorm_forward(x, np.ones(3), np.zeros((3, 1)))
    with pytest.raises(ValueError, match=r"gamma must have shape \(3,\) \(C,\)"):
        spatial_batchnorm_forward(x4, np.ones(2), np.zeros(3))
    with pytest.raises(ValueError, match="x must be a 2-D"):
        batchnorm_forward(x4, np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="x must be a 4-D"):
        spatial_batchnorm_forward(x, np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="x must hold at least one"):
        batchnorm_forward(np.zeros((0, 3)), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="x must hold at least one"):
        spatial_batchnorm_forward(np.zeros((2, 3, 0, 2)), np.ones(3), np.zeros(3))
    with pytest.raises(TypeError, match="x must be"):
        batchnorm_forward(np.zeros((2, 3), dtype=bool), np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match="running_var must have shape"):
        batchnorm_inference(x, np.ones(3), np.zeros(3), np.zeros(3), np.ones(2))
    with pytest.raises(ValueError, match="running_var must be >= 0"):
        batchnorm_inference(x, np.ones(3), np.zeros(3), np.zeros(3), -np.ones(3))
    _, cache = batchnorm_forward(x, np.ones(3), np.zeros(3))
    _, cache4 = spatial_batchnorm_forward(x4, np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3\)"):
        batchnorm_backward(np.zeros((3, 2)), cache)
    with pytest.raises(ValueError, match=r"dout must have shape \(2, 3, 2, 2\)"):
        spatial_batchnorm_backward(np.zeros((2, 3, 2, 1)), cache4)
    with pytest.raises(TypeError, match="cache"):
        batchnorm_backward(np.zeros((2, 3)), cache4)
    with pytest.raises(TypeError, match="cache"):
        spatial_batchnorm_backward(np.zeros((2, 3, 2, 2)), cache)
    assert isinstance(cache, BatchNormCache) and isinstance(cache4, SpatialBatchNormCache)


@pytest.mark.parametrize("training", [True, False])
def test_layer_blames_x_for_the_wrong_number_of_features(training):
    for layer, x, what in [(BatchNorm(3), np.ones((4, 5)), "5 features"),
                           (BatchNorm(3, spatial=True), np.ones((2, 5, 3, 3)), "5 channels")]:
        layer.training = training
        with pytest.raises(ValueError, match=rf"^x has {what} .* built for num_features = 3$"
                           ) as error:
            layer.forward(x)
        assert "gamma" not in str(error.value) and "running" not in str(error.value)
    with pytest.raises(ValueError, match=r"x must be a 4-D array \(N, C, H, W\)"):
        BatchNorm(3, spatial=True).forward(np.ones((4, 3)))


def test_bad_running_stats_arguments():
    ones = np.ones(3)
    with pytest.raises(ValueError, match="count"):
        update_running_stats(ones, ones, ones, ones, count=1)
    with pytest.raises(TypeError, match="count"):
        update_running_stats(ones, ones, ones, ones, count=4.0)
    for momentum in (0.0, 1.5, float("nan")):
        with pytest.raises(ValueError, match="momentum"):
            update_running_stats(ones, ones, ones, ones, count=4, momentum=momentum)
    with pytest.raises(ValueError, match="batch_var must have shape"):
        update_running_stats(ones, ones, ones, np.ones(2), count=4)
    with pytest.raises(ValueError, match="num_features"):
        BatchNorm(0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm(3, momentum=2.0)
    # like PyTorch: one value per channel cannot give an unbiased running variance
    with pytest.raises(ValueError, match=r"x must hold at least 2 values .*N\*H\*W >= 2"):
        BatchNorm(3, spatial=True).forward(np.zeros((1, 3, 1, 1)))
    with pytest.raises(ValueError, match=r"x must hold at least 2 values .*\(N >= 2\)"):
        BatchNorm(3).forward(np.zeros((1, 3)))
    with pytest.raises(TypeError, match="spatial must be True or False"):
        BatchNorm(3, spatial=1)


# ---------------------------------------------------------------- PyTorch


@pytest.mark.parametrize("shape", [(5, 4), (1, 3, 1, 2), (4, 3, 5, 6), (2, 1, 3, 3)])
def test_matches_torch_training(shape):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.standard_normal(shape) * 2 + 1
    gamma, beta = random_params(rng, shape[1])
    dout = rng.standard_normal(shape)
    running_mean, running_var = rng.standard_normal(shape[1]), rng.uniform(0.5, 2, shape[1])

    xt, gt, bt = (torch.tensor(a, requires_grad=True) for a in (x, gamma, beta))
    rm_t, rv_t = torch.tensor(running_mean), torch.tensor(running_var)
    out_t = torch.nn.functional.batch_norm(xt, rm_t, rv_t, gt, bt, training=True, momentum=0.3,
                                           eps=1e-4)
    out_t.backward(torch.tensor(dout))

    spatial = len(shape) == 4
    forward = spatial_batchnorm_forward if spatial else batchnorm_forward
    backward = spatial_batchnorm_backward if spatial else batchnorm_backward
    out, cache = forward(x, gamma, beta, eps=1e-4)
    dx, dgamma, dbeta = backward(dout, cache)
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dgamma, gt.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dbeta, bt.grad.numpy(), rtol=1e-10, atol=1e-12)
    new_mean, new_var = update_running_stats(running_mean, running_var, cache.mean, cache.var,
                                             cache.count, momentum=0.3)
    np.testing.assert_allclose(new_mean, rm_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(new_var, rv_t.numpy(), rtol=1e-12)


@pytest.mark.parametrize("spatial", [False, True])
def test_layer_matches_torch_over_steps(spatial):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(9)
    shape = (4, 3, 2, 5) if spatial else (6, 3)
    ours = BatchNorm(3, spatial=spatial, momentum=0.2)
    theirs = (torch.nn.BatchNorm2d if spatial else torch.nn.BatchNorm1d)(
        3, momentum=0.2, dtype=torch.float64)
    for _ in range(3):
        x = rng.standard_normal(shape) * 3 - 1
        np.testing.assert_allclose(ours.forward(x), theirs(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.training = False
    theirs.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(ours.forward(x), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-10, atol=1e-12)


def test_a_layer_too_large_to_allocate_is_refused():
    with pytest.raises(ValueError, match="num_features=1000000000 implies"):
        BatchNorm(10**9)
    with pytest.raises(ValueError, match="eps must be a finite number"):
        BatchNorm(3, eps=10**400)
