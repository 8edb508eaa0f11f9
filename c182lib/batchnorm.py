"""Batch normalisation for fully connected (N, D) and convolutional (N, C, H, W) activations.

Training mode normalises each feature with the statistics of the current batch::

    mu = mean(x, axis=0)             var = mean((x - mu)**2, axis=0)     (biased, ddof=0)
    x_hat = (x - mu) / sqrt(var + eps)
    out = gamma * x_hat + beta

**CNN BatchNorm is ordinary BatchNorm on a reshaped matrix.** A convolution applies the same
filter at every position, so BatchNorm treats every position of every image as one more sample of
its channel: the statistics are per channel, over the N, H and W axes. The worksheet stores
images as (B, H, W, C) and takes ``np.mean(x, axis=(0, 1, 2))``; here images are NCHW, so the same
numbers are ``np.mean(x, axis=(0, 2, 3))``. Moving the channels last and flattening,
``x.transpose(0, 2, 3, 1).reshape(N*H*W, C)`` turns the batch into a matrix with one row per
(image, position) and one column per channel, and `spatial_batchnorm_forward` is exactly
`batchnorm_forward` on it (and likewise for the backward pass). For the worksheet's NHWC array
``x_nhwc``, ``x_nhwc.transpose(0, 3, 1, 2)`` is the NCHW input used here.

Inference mode uses running averages collected during training instead of batch statistics.
The convention is PyTorch's (see `update_running_stats`)::

    running_mean <- (1 - momentum) * running_mean + momentum * batch_mean
    running_var  <- (1 - momentum) * running_var  + momentum * batch_var * m / (m - 1)

with m values per feature in the batch: the running variance accumulates the *unbiased* batch
variance, while training-mode normalisation uses the biased one.

The functions are pure: they return new arrays and never modify their arguments. They compute
in the dtype their array arguments promote to (integers count as float64): float32 if all are
float32, float64 as soon as one is float64. `BatchNorm` is
a thin layer object (in the style of d2l) that keeps gamma, beta and the running statistics and
calls these functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_bool,
    as_float_array,
    as_int,
    as_positive_float,
    check_cache,
    check_shape,
    check_size,
    in_common_dtype,
)

__all__ = [
    "BatchNorm",
    "BatchNormCache",
    "LayoutBatchNorm",
    "SpatialBatchNormCache",
    "batchnorm_backward",
    "batchnorm_forward",
    "batchnorm_inference",
    "layout_batchnorm",
    "spatial_batchnorm_backward",
    "spatial_batchnorm_forward",
    "spatial_batchnorm_inference",
    "update_running_stats",
]


class BatchNormCache(NamedTuple):
    """What `batchnorm_backward` needs, plus the batch statistics for the running averages.

    Attributes
    ----------
    x_hat : ndarray, shape (M, D)
        Normalised input.
    gamma : ndarray, shape (D,)
    inv_std : ndarray, shape (D,)
        ``1 / sqrt(var + eps)``.
    mean, var : ndarray, shape (D,)
        Batch mean and biased batch variance.
    """

    x_hat: np.ndarray
    gamma: np.ndarray
    inv_std: np.ndarray
    mean: np.ndarray
    var: np.ndarray

    @property
    def count(self) -> int:
        """Number of values per feature the statistics were taken over (M)."""
        return self.x_hat.shape[0]


class SpatialBatchNormCache(NamedTuple):
    """Cache of `spatial_batchnorm_forward`: the (N*H*W, C) problem's cache and the input shape.

    ``mean``, ``var`` and ``count`` are those of the per-channel statistics (count = N*H*W).
    """

    rows: BatchNormCache
    x_shape: tuple[int, int, int, int]

    @property
    def mean(self) -> np.ndarray:
        return self.rows.mean

    @property
    def var(self) -> np.ndarray:
        return self.rows.var

    @property
    def count(self) -> int:
        return self.rows.count


def _check_features(name: str, value, size: int, layout: str) -> np.ndarray:
    """A per-feature vector (gamma, beta, running statistics) of shape ``(size,)``."""
    arr = as_float_array(name, value, ndim=1, layout=layout)
    check_shape(name, arr, (size,), layout)
    return arr


def _to_rows(x: np.ndarray) -> np.ndarray:
    """(N, C, H, W) -> (N*H*W, C): one row per (image, position), one column per channel."""
    return x.transpose(0, 2, 3, 1).reshape(-1, x.shape[1])


def _from_rows(rows: np.ndarray, x_shape: tuple) -> np.ndarray:
    """Inverse of `_to_rows`: (N*H*W, C) -> (N, C, H, W)."""
    n, c, h, w = x_shape
    return rows.reshape(n, h, w, c).transpose(0, 3, 1, 2)


def _check_image_batch(x) -> np.ndarray:
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    if x.shape[0] * x.shape[2] * x.shape[3] < 1:
        raise ValueError(f"x must hold at least one value per channel (N, H, W >= 1); "
                         f"got shape {x.shape}")
    return x


def batchnorm_forward(x, gamma, beta, eps: float = 1e-5) -> tuple[np.ndarray, BatchNormCache]:
    """BatchNorm of a fully connected layer's activations, training mode (batch statistics).

    Parameters
    ----------
    x : array_like, shape (N, D)
        N samples of D features, N >= 1.
    gamma, beta : array_like, shape (D,)
        Learnable scale and shift.
    eps : float
        Added to the variance before the square root (finite, > 0).

    Returns
    -------
    out : ndarray, shape (N, D)
        ``gamma * (x - mu) / sqrt(var + eps) + beta`` with ``mu``, ``var`` the per-feature
        mean and biased variance over the batch axis.
    cache : BatchNormCache
        For `batchnorm_backward`; ``cache.mean``, ``cache.var`` and ``cache.count`` feed
        `update_running_stats`.

    Raises
    ------
    TypeError
        If an array is not real-valued or ``eps`` is not a number.
    ValueError
        If shapes do not match, N is 0, or ``eps`` is not finite and positive.
    """
    x = as_float_array("x", x, ndim=2, layout="(N, D)")
    if x.shape[0] < 1:
        raise ValueError(f"x must hold at least one sample (N >= 1) (N, D); got shape {x.shape}")
    gamma = _check_features("gamma", gamma, x.shape[1], "(D,)")
    beta = _check_features("beta", beta, x.shape[1], "(D,)")
    eps = as_positive_float("eps", eps)
    x, gamma, beta = in_common_dtype(x, gamma, beta)  # the statistics too
    mean = x.mean(axis=0)
    var = x.var(axis=0)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (x - mean) * inv_std
    return gamma * x_hat + beta, BatchNormCache(x_hat, gamma, inv_std, mean, var)


def batchnorm_backward(dout, cache: BatchNormCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `batchnorm_forward` (training mode).

    Parameters
    ----------
    dout : array_like, shape (N, D)
        Upstream gradient.
    cache : BatchNormCache
        From `batchnorm_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dgamma, dbeta : ndarray, shape (D,)

    Notes
    -----
    With ``dx_hat = gamma * dout`` and sums over the batch axis (per feature)::

        dbeta  = sum(dout)
        dgamma = sum(dout * x_hat)
        dx     = (inv_std / N) * (N * dx_hat - sum(dx_hat) - x_hat * sum(dx_hat * x_hat))

    ``x`` reaches the loss through x_hat directly and through the batch mean and variance,
    which every sample shares; the two subtracted sums are those shared paths. They remove
    from ``dx_hat`` its mean and (up to a term of order eps / var) its component along
    ``x_hat``: ``sum(dx) = 0`` for each feature, because adding a constant to a feature over
    the whole batch does not change the output, and ``sum(dx * x_hat)`` is nearly 0, because
    scaling it changes the output only through eps.
    """
    check_cache(cache, BatchNormCache, "batchnorm_forward")
    x_hat, gamma, inv_std = cache.x_hat, cache.gamma, cache.inv_std
    dout = as_float_array("dout", dout, ndim=2, layout="(N, D)")
    check_shape("dout", dout, x_hat.shape, "(N, D), the forward output's shape")
    dout, x_hat, gamma, inv_std = in_common_dtype(dout, x_hat, gamma, inv_std)  # dbeta too
    n = x_hat.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (inv_std / n) * (n * dx_hat - dx_hat.sum(axis=0) - x_hat * (dx_hat * x_hat).sum(axis=0))
    return dx, dgamma, dbeta


def spatial_batchnorm_forward(x, gamma, beta,
                              eps: float = 1e-5) -> tuple[np.ndarray, SpatialBatchNormCache]:
    """BatchNorm of a convolutional layer's activations: per channel, over N, H and W.

    Computed as `batchnorm_forward` on ``x.transpose(0, 2, 3, 1).reshape(N*H*W, C)`` (see the
    module docstring for why this is the same thing).

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    gamma, beta : array_like, shape (C,)
    eps : float
        Finite, > 0.

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
        ``gamma[c] * (x[:, c] - mu[c]) / sqrt(var[c] + eps) + beta[c]``, with ``mu[c]``,
        ``var[c]`` the mean and biased variance of ``x[:, c, :, :]``.
    cache : SpatialBatchNormCache
        For `spatial_batchnorm_backward`; ``mean``, ``var`` and ``count`` (= N*H*W) feed
        `update_running_stats`. With N*H*W = 1 the variance is 0 and the output is ``beta``.
    """
    x = _check_image_batch(x)
    gamma = _check_features("gamma", gamma, x.shape[1], "(C,)")
    beta = _check_features("beta", beta, x.shape[1], "(C,)")
    out_rows, cache = batchnorm_forward(_to_rows(x), gamma, beta, eps)
    return _from_rows(out_rows, x.shape), SpatialBatchNormCache(cache, x.shape)


def spatial_batchnorm_backward(dout, cache: SpatialBatchNormCache
                               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of `spatial_batchnorm_forward`: `batchnorm_backward` on the (N*H*W, C) rows.

    Parameters
    ----------
    dout : array_like, shape (N, C, H, W)
    cache : SpatialBatchNormCache

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dgamma, dbeta : ndarray, shape (C,)
    """
    check_cache(cache, SpatialBatchNormCache, "spatial_batchnorm_forward")
    dout = as_float_array("dout", dout, ndim=4, layout="(N, C, H, W)")
    check_shape("dout", dout, cache.x_shape, "(N, C, H, W), the forward output's shape")
    dx_rows, dgamma, dbeta = batchnorm_backward(_to_rows(dout), cache.rows)
    return _from_rows(dx_rows, cache.x_shape), dgamma, dbeta


def _check_momentum(momentum) -> float:
    momentum = as_positive_float("momentum", momentum)
    if momentum > 1:
        raise ValueError(f"momentum must be in (0, 1]; got {momentum}")
    return momentum


def update_running_stats(running_mean, running_var, batch_mean, batch_var, count: int,
                         momentum: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Exponential moving averages of the batch statistics, PyTorch's convention.

    Parameters
    ----------
    running_mean, running_var : array_like, shape (D,)
        Current running statistics (PyTorch starts them at 0 and 1).
    batch_mean, batch_var : array_like, shape (D,)
        The batch's mean and *biased* variance, as in ``cache.mean`` and ``cache.var``.
    count : int
        Values per feature in the batch (N, or N*H*W for spatial BatchNorm), at least 2: the
        unbiased variance of a single value is undefined (PyTorch refuses such a batch too).
    momentum : float
        Weight of the new batch, in (0, 1]. PyTorch's default 0.1. (Keras and d2l call
        ``1 - momentum`` the momentum.)

    Returns
    -------
    new_mean, new_var : ndarray, shape (D,)
        ``(1 - momentum) * running_mean + momentum * batch_mean`` and
        ``(1 - momentum) * running_var + momentum * batch_var * count / (count - 1)``.
        The running variance tracks the *unbiased* variance, as PyTorch stores it; training
        normalises with the biased one. The inputs are not modified.
    """
    running_mean = as_float_array("running_mean", running_mean, ndim=1, layout="(D,)")
    size = running_mean.shape[0]
    running_var = _check_features("running_var", running_var, size, "(D,)")
    batch_mean = _check_features("batch_mean", batch_mean, size, "(D,)")
    batch_var = _check_features("batch_var", batch_var, size, "(D,)")
    count = as_int("count", count, 2)
    momentum = _check_momentum(momentum)
    unbiased_var = batch_var * (count / (count - 1))
    new_mean = (1 - momentum) * running_mean + momentum * batch_mean
    new_var = (1 - momentum) * running_var + momentum * unbiased_var
    return new_mean, new_var


def _check_inference_args(size, gamma, beta, running_mean, running_var, eps, layout):
    gamma = _check_features("gamma", gamma, size, layout)
    beta = _check_features("beta", beta, size, layout)
    running_mean = _check_features("running_mean", running_mean, size, layout)
    running_var = _check_features("running_var", running_var, size, layout)
    if np.any(running_var < 0):
        raise ValueError(f"running_var must be >= 0; got minimum {running_var.min()}")
    return gamma, beta, running_mean, running_var, as_positive_float("eps", eps)


def batchnorm_inference(x, gamma, beta, running_mean, running_var,
                        eps: float = 1e-5) -> np.ndarray:
    """BatchNorm in inference mode: normalise with running statistics, not the batch's.

    Parameters
    ----------
    x : array_like, shape (N, D)
    gamma, beta, running_mean, running_var : array_like, shape (D,)
    eps : float
        Finite, > 0.

    Returns
    -------
    out : ndarray, shape (N, D)
        ``gamma * (x - running_mean) / sqrt(running_var + eps) + beta``: each sample is
        transformed independently of the rest of the batch.
    """
    x = as_float_array("x", x, ndim=2, layout="(N, D)")
    gamma, beta, running_mean, running_var, eps = _check_inference_args(
        x.shape[1], gamma, beta, running_mean, running_var, eps, "(D,)")
    return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta


def spatial_batchnorm_inference(x, gamma, beta, running_mean, running_var,
                                eps: float = 1e-5) -> np.ndarray:
    """`batchnorm_inference` per channel of an (N, C, H, W) batch.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    gamma, beta, running_mean, running_var : array_like, shape (C,)
    eps : float

    Returns
    -------
    out : ndarray, shape (N, C, H, W)
    """
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    gamma, beta, running_mean, running_var, eps = _check_inference_args(
        x.shape[1], gamma, beta, running_mean, running_var, eps, "(C,)")
    return _from_rows(batchnorm_inference(_to_rows(x), gamma, beta, running_mean, running_var,
                                          eps), x.shape)


class BatchNorm:
    """A BatchNorm layer: parameters, running statistics and a train/eval switch.

    The arithmetic lives in the functions of this module; this class only keeps state, like
    ``torch.nn.BatchNorm1d`` (``spatial=False``, input (N, D)) or ``BatchNorm2d``
    (``spatial=True``, input (N, C, H, W)).

    Parameters
    ----------
    num_features : int
        D, or C for spatial BatchNorm.
    spatial : bool
        Normalise per channel of (N, C, H, W) input instead of per feature of (N, D) input.
    eps : float
    momentum : float
        As in `update_running_stats`.

    Attributes
    ----------
    num_features : int
    gamma, beta : ndarray, shape (num_features,)
        Start at ones and zeros.
    running_mean, running_var : ndarray, shape (num_features,)
        Start at zeros and ones; replaced by new arrays at each training-mode `forward`.
    training : bool
        True (the default) uses batch statistics and updates the running ones; False uses the
        running statistics.
    """

    def __init__(self, num_features: int, spatial: bool = False, eps: float = 1e-5,
                 momentum: float = 0.1):
        size = self.num_features = as_int("num_features", num_features, 1)
        check_size("each of gamma, beta and the running statistics", (size,),
                   num_features=size)
        self.spatial = as_bool("spatial", spatial)
        self.eps = as_positive_float("eps", eps)
        self.momentum = _check_momentum(momentum)
        self.gamma = np.ones(size)
        self.beta = np.zeros(size)
        self.running_mean = np.zeros(size)
        self.running_var = np.ones(size)
        self.training = True
        self._cache = None

    def forward(self, x) -> np.ndarray:
        """Normalise ``x``; in training mode also update the running statistics.

        Parameters
        ----------
        x : array_like, shape (N, D), or (N, C, H, W) if ``spatial``

        Returns
        -------
        out : ndarray, shape of ``x``
        """
        x = self._check_input(x)
        if not self.training:
            self._cache = None
            inference = spatial_batchnorm_inference if self.spatial else batchnorm_inference
            return inference(x, self.gamma, self.beta, self.running_mean, self.running_var,
                             self.eps)
        forward = spatial_batchnorm_forward if self.spatial else batchnorm_forward
        out, cache = forward(x, self.gamma, self.beta, self.eps)
        if cache.count < 2:  # as PyTorch: the running (unbiased) variance needs 2 values
            where = "N*H*W" if self.spatial else "N"
            raise ValueError(f"x must hold at least 2 values per feature in training mode "
                             f"({where} >= 2) to update the running variance; got shape "
                             f"{np.shape(x)}")
        self.running_mean, self.running_var = update_running_stats(
            self.running_mean, self.running_var, cache.mean, cache.var, cache.count,
            self.momentum)
        self._cache = cache
        return out

    def _check_input(self, x) -> np.ndarray:
        """``x`` as an array of this layer's rank whose feature (or channel) axis has
        ``num_features`` entries, blamed on ``x`` rather than on gamma."""
        if self.spatial:
            x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
            what, axis = "channels", "C = x.shape[1]"
        else:
            x = as_float_array("x", x, ndim=2, layout="(N, D)")
            what, axis = "features", "D = x.shape[1]"
        if x.shape[1] != self.num_features:
            raise ValueError(f"x has {x.shape[1]} {what} ({axis}; x.shape = {x.shape}) but "
                             f"this BatchNorm was built for num_features = {self.num_features}")
        return x

    def backward(self, dout) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(dx, dgamma, dbeta)`` for the last training-mode `forward`.

        ``dout`` and ``dx`` have the shape of that call's ``x``; ``dgamma`` and ``dbeta`` are
        ``(num_features,)``.
        """
        if self._cache is None:
            raise RuntimeError("backward needs a training-mode forward pass first")
        backward = spatial_batchnorm_backward if self.spatial else batchnorm_backward
        return backward(dout, self._cache)


# The layouts of the BatchNorm explorer: key -> (label, how the statistics are taken). The first
# three are the same computation written three ways; the last two are the usual wrong axes.
LAYOUTS = {
    "NCHW": ("NCHW", "x of shape (N, C, H, W), statistics over axes (0, 2, 3)"),
    "NHWC": ("NHWC", "x stored as (N, H, W, C), statistics over axes (0, 1, 2)"),
    "rows": ("(N·H·W, C) reshape",
             "x.transpose(0, 2, 3, 1).reshape(-1, C), fully connected BatchNorm over axis 0"),
    "wrong-reshape": ("wrong: NCHW .reshape(-1, C)",
                      "x of shape (N, C, H, W) reshaped to (-1, C) without moving the channels "
                      "last, fully connected BatchNorm over axis 0"),
    "wrong-axes": ("wrong: NHWC with NCHW's axes",
                   "x stored as (N, H, W, C), statistics over axes (0, 2, 3), i.e. over "
                   "N, W and C: one statistic per row h"),
}


def _layout_rows(x: np.ndarray, layout: str) -> tuple[np.ndarray, Callable]:
    """The matrix whose columns ``layout`` normalises, and the map from that matrix back to NCHW.

    x : (N, C, H, W). Returns ``rows`` of shape (M, K): column k holds the M values statistic k
    is taken over, and ``back(rows) -> (N, C, H, W)``.
    """
    n, c, h, w = x.shape
    if layout in ("NCHW", "NHWC", "rows"):
        # Axes (0, 2, 3) of NCHW, axes (0, 1, 2) of NHWC and axis 0 of the (N·H·W, C) matrix are
        # the same values: one column per channel.
        return _to_rows(x), lambda rows: _from_rows(rows, x.shape)
    if layout == "wrong-reshape":
        return x.reshape(-1, c), lambda rows: rows.reshape(n, c, h, w)
    # "wrong-axes": NHWC = (N, H, W, C); reducing axes (0, 2, 3) keeps axis 1, H, last.
    nhwc = x.transpose(0, 2, 3, 1)
    return (nhwc.transpose(0, 2, 3, 1).reshape(-1, h),
            lambda rows: rows.reshape(n, w, c, h).transpose(0, 2, 3, 1))


class LayoutBatchNorm(NamedTuple):
    """What BatchNorm computes on a batch under one layout (see `layout_batchnorm`).

    Attributes
    ----------
    out : ndarray, shape (N, C, H, W)
        The normalised batch, back in NCHW (gamma = 1, beta = 0).
    mean, var : ndarray, shape (K,)
        The K statistics the layout takes (K = C for the right layouts, H for "wrong-axes").
    sources : ndarray of int, shape (K, C)
        ``sources[k, c]``: how many of statistic k's values come from channel c.
    """

    out: np.ndarray
    mean: np.ndarray
    var: np.ndarray
    sources: np.ndarray


def layout_batchnorm(x, layout: str = "NCHW", eps: float = 1e-5) -> LayoutBatchNorm:
    """Normalise ``x`` (N, C, H, W) as BatchNorm does when it is given ``layout`` (`LAYOUTS`).

    "NCHW" is `spatial_batchnorm_forward`; the other layouts rearrange the
    batch into a matrix and call the fully connected `batchnorm_forward` on
    it (gamma = 1, beta = 0), then undo the rearrangement. Every value is labelled with its
    channel and rearranged the same way, which gives ``sources``.
    """
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {tuple(LAYOUTS)}; got {layout!r}")
    n_channels = x.shape[1]
    if layout == "NCHW":
        out, cache = spatial_batchnorm_forward(
            x, np.ones(n_channels), np.zeros(n_channels), eps)
    else:
        rows, back = _layout_rows(x, layout)
        out_rows, cache = batchnorm_forward(
            rows, np.ones(rows.shape[1]), np.zeros(rows.shape[1]), eps)
        out = back(out_rows)
    channel_of = np.broadcast_to(np.arange(n_channels).reshape(1, -1, 1, 1), x.shape)
    labels, _ = _layout_rows(channel_of, layout)
    sources = np.stack([np.bincount(column, minlength=n_channels) for column in labels.T])
    return LayoutBatchNorm(out, cache.mean, cache.var, sources)
