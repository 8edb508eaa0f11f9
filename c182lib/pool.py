"""Max and average pooling over the spatial axes of an (N, C, H, W) batch, forward and backward.

Each output cell summarises one ``KH x KW`` window of its channel; window ``(oh, ow)`` covers
input rows ``oh*SH - PH ... oh*SH - PH + KH - 1`` and columns ``ow*SW - PW ... ow*SW - PW + KW - 1``
(``SH, SW`` the stride, ``PH, PW`` the padding). The output size per axis is PyTorch's floor rule
(`c182lib.shapes.pool_output_size`)::

    H_out = floor((H + 2*PH - KH) / SH) + 1

A stride that does not tile the input drops the last rows/columns. Padding is at most half the
kernel, so every window holds at least one real input cell.

Conventions (as PyTorch's ``max_pool2d`` / ``avg_pool2d``):

- Max pooling pads with ``-inf``: a padding cell never wins, even against negative inputs.
- When several cells of a window tie for the maximum, the output's gradient goes to the *first*
  of them in row-major window order, as ``np.argmax`` does. A NaN in a window makes the output
  NaN and takes the gradient (the last NaN, if several, as in PyTorch's CPU kernel).
- Windows may overlap (stride < kernel): an input cell then receives the gradient of every
  window that uses it, summed.
- Average pooling pads with zeros and counts them in the divisor: every window is divided by
  ``KH * KW`` (PyTorch's ``count_include_pad=True``).

Both layers are computed with one loop over the ``KH * KW`` offsets inside a window: offset
``(i, j)`` contributes the strided slice ``x_padded[:, :, i::SH, j::SW]`` (cropped to the output
size), so each step is one vectorised operation on an output-sized array, whatever the stride.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_int_pair,
    check_cache,
    check_shape,
    check_size,
    check_steps,
)
from .shapes import bounded_stride, pool_output_size

__all__ = [
    "AvgPoolCache",
    "MaxPoolCache",
    "Pooling",
    "avgpool2d_backward",
    "avgpool2d_forward",
    "maxpool2d_argmax",
    "maxpool2d_backward",
    "maxpool2d_forward",
]


class Pooling(NamedTuple):
    """Checked pooling parameters, each a ``(rows, cols)`` pair."""

    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    out_hw: tuple[int, int]


class MaxPoolCache(NamedTuple):
    """What `maxpool2d_backward` needs from the forward pass.

    ``argmax[n, c, oh, ow]`` is the flat index ``row * W + col`` of the winning input cell of
    window ``(oh, ow)`` inside its ``(H, W)`` plane (the same numbers as PyTorch's
    ``max_pool2d(..., return_indices=True)``).
    """

    argmax: np.ndarray
    x_shape: tuple[int, int, int, int]
    x_dtype: np.dtype


class AvgPoolCache(NamedTuple):
    """What `avgpool2d_backward` needs from the forward pass."""

    pooling: Pooling
    x_shape: tuple[int, int, int, int]
    x_dtype: np.dtype


def _check_pooling(x, kernel_size, stride, padding) -> tuple[np.ndarray, Pooling]:
    """Validate the arguments shared by every pooling function."""
    x = as_float_array("x", x, ndim=4, layout="(N, C, H, W)")
    if x.shape[2] < 1 or x.shape[3] < 1:
        raise ValueError(f"x must have H >= 1 and W >= 1 (N, C, H, W); got shape {x.shape}")
    kernel = as_int_pair("kernel_size", kernel_size, 1)
    stride = kernel if stride is None else as_int_pair("stride", stride, 1)
    padding = as_int_pair("padding", padding, 0)
    out_hw = []
    for axis, n, k, s, p in zip(("height", "width"), x.shape[2:], kernel, stride, padding,
                                strict=True):
        try:
            out_hw.append(pool_output_size(n, k, s, p))
        except ValueError as err:  # say which axis: the pairs are checked per axis
            raise ValueError(f"{axis} of x is {n} and of the window {k}: {err}") from None
    (n, c, h, w), (kh, kw), (ph, pw), (ho, wo) = x.shape, kernel, padding, out_hw
    causes = {"kernel_size": kernel, "padding": padding, "x.shape": x.shape}
    check_size("a padded input", (n, c, h + 2 * ph, w + 2 * pw), **causes)
    check_size("window indices", (ho, wo, kh * kw), **causes)
    check_steps("a loop over window offsets", kh * kw, **causes)
    stride = tuple(bounded_stride(s, size + 2 * p)  # index arrays * stride within int64
                   for s, size, p in zip(stride, (h, w), padding, strict=True))
    return x, Pooling(kernel, stride, padding, tuple(out_hw))


def _pad(x: np.ndarray, padding: tuple[int, int], value: float) -> np.ndarray:
    """``x`` with ``padding`` rows/columns of ``value`` on each side of H and W (no copy if 0)."""
    ph, pw = padding
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _window_offsets(padded: np.ndarray, pooling: Pooling) -> Iterator[tuple[int, int, np.ndarray]]:
    """Yield ``(i, j, view)`` with ``view[n, c, oh, ow] = padded[n, c, oh*SH + i, ow*SW + j]``.

    ``view`` has the output's shape (N, C, H_out, W_out) and shares memory with ``padded``, so
    writing into it writes into ``padded``.
    """
    (kh, kw), (sh, sw), _, (ho, wo) = pooling
    for i in range(kh):
        for j in range(kw):
            yield i, j, padded[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw]


def _max_with_argmax(x: np.ndarray, pooling: Pooling) -> tuple[np.ndarray, np.ndarray]:
    """Max pooling of a checked ``x``: ``(out, argmax)`` as described in `MaxPoolCache`."""
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = pooling
    rows = np.arange(ho)[:, None, None, None] * sh - ph + np.arange(kh)[:, None]  # (Ho,1,KH,1)
    cols = np.arange(wo)[:, None, None] * sw - pw + np.arange(kw)                 # (Wo,1,KW)
    window_cells = (rows * x.shape[3] + cols).reshape(ho, wo, kh * kw)  # flat index in the plane

    out = np.full((*x.shape[:2], ho, wo), -np.inf, dtype=x.dtype)
    # Position k = i*KW + j of the running maximum inside each window, in a small integer type
    # (these arrays are as large as the output). It starts at the first *real* cell, which is
    # where PyTorch reports a window whose real cells are all -inf; -inf padding never replaces it.
    first_real_row = np.maximum(ph - np.arange(ho) * sh, 0)[:, None]
    first_real_col = np.maximum(pw - np.arange(wo) * sw, 0)
    window_argmax = np.empty(out.shape, dtype=np.min_scalar_type(kh * kw - 1))
    window_argmax[...] = first_real_row * kw + first_real_col
    for i, j, cell in _window_offsets(_pad(x, pooling.padding, -np.inf), pooling):
        # Strictly greater keeps the first of tied maxima; a NaN always takes over.
        takes_over = (cell > out) | np.isnan(cell)
        np.maximum(out, cell, out=out)
        # k only grows during the loop, so "set to k where takes_over" is a maximum, which
        # avoids slow masked writes.
        k = window_argmax.dtype.type(i * kw + j)
        np.maximum(window_argmax, takes_over * k, out=window_argmax)
    argmax = window_cells[np.arange(ho)[:, None], np.arange(wo), window_argmax]
    return out, argmax


def maxpool2d_argmax(x, kernel_size=2, stride=None, padding=0) -> tuple[np.ndarray, np.ndarray]:
    """Row and column of the input cell each max-pooling window selects.

    The gradient of output ``(n, c, oh, ow)`` flows to ``x[n, c, rows[n, c, oh, ow],
    cols[n, c, oh, ow]]`` and nowhere else: this is the routing that `maxpool2d_backward` applies.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size, stride, padding : int or (int, int)
        As in `maxpool2d_forward`.

    Returns
    -------
    rows, cols : ndarray of int, each shape (N, C, H_out, W_out)
        Indices into the *unpadded* input (padding cells never win). Ties go to the first
        maximum in row-major window order.
    """
    x, pooling = _check_pooling(x, kernel_size, stride, padding)
    _, argmax = _max_with_argmax(x, pooling)
    return np.divmod(argmax, x.shape[3])


def maxpool2d_forward(x, kernel_size=2, stride=None, padding=0) -> tuple[np.ndarray, MaxPoolCache]:
    """Max pooling: the largest value of each window, per channel.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Real numbers (integers become float64).
    kernel_size : int or (int, int)
        Window size ``(KH, KW)``; an int means a square window.
    stride : int or (int, int), optional
        Step between windows ``(SH, SW)``; defaults to ``kernel_size`` (non-overlapping windows).
    padding : int or (int, int)
        ``-inf`` rows/columns added on each side, at most ``KH // 2`` and ``KW // 2``.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``out[n, c, oh, ow] = max over i < KH, j < KW of x_pad[n, c, oh*SH + i, ow*SW + j]``,
        with ``H_out = floor((H + 2*PH - KH) / SH) + 1`` and likewise ``W_out``.
    cache : MaxPoolCache
        For `maxpool2d_backward`.

    Raises
    ------
    TypeError
        If ``x`` is not real-valued or a size is not an integer.
    ValueError
        If ``x`` is not 4-D, a kernel size or stride is below 1, padding is negative or more
        than half the kernel, or the window does not fit in the padded input.
    """
    x, pooling = _check_pooling(x, kernel_size, stride, padding)
    out, argmax = _max_with_argmax(x, pooling)
    return out, MaxPoolCache(argmax, x.shape, x.dtype)


def _check_dout(dout, expected_shape: tuple) -> np.ndarray:
    """Validate an upstream gradient against the forward output's shape."""
    dout = as_float_array("dout", dout, ndim=4, layout="(N, C, H_out, W_out)")
    check_shape("dout", dout, expected_shape, "(N, C, H_out, W_out), the forward output's shape")
    return dout


def maxpool2d_backward(dout, cache: MaxPoolCache) -> np.ndarray:
    """Gradient of max pooling with respect to its input.

    Each output's upstream gradient goes to the one input cell that won its window (see
    `maxpool2d_argmax`); every other cell gets 0. A cell that wins several overlapping
    windows receives the sum of their gradients.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
        Upstream gradient.
    cache : MaxPoolCache
        From `maxpool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), dtype of the forward input
        ``dx[n, c, r, s] = sum of dout[n, c, oh, ow] over windows (oh, ow) won by (r, s)``.
    """
    check_cache(cache, MaxPoolCache, "maxpool2d_forward")
    dout = _check_dout(dout, cache.argmax.shape)
    n, c, h, w = cache.x_shape
    # Flat index into x of every output's winner; bincount sums the gradients landing on a cell.
    plane_start = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    winners = (cache.argmax + plane_start).ravel()
    dx = np.bincount(winners, weights=dout.ravel(), minlength=n * c * h * w)
    return dx.reshape(cache.x_shape).astype(cache.x_dtype, copy=False)


def avgpool2d_forward(x, kernel_size=2, stride=None, padding=0) -> tuple[np.ndarray, AvgPoolCache]:
    """Average pooling: the mean of each window, per channel, zero padding included.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Real numbers (integers become float64).
    kernel_size, stride, padding : int or (int, int)
        As in `maxpool2d_forward`, except that the padding is zeros.

    Returns
    -------
    out : ndarray, shape (N, C, H_out, W_out)
        ``out[n, c, oh, ow] = (1 / (KH*KW)) * sum over i < KH, j < KW of
        x_pad[n, c, oh*SH + i, ow*SW + j]``. Padding cells count in the divisor, so a window
        half in the padding averages to half its real cells' mean (PyTorch's
        ``count_include_pad=True``).
    cache : AvgPoolCache
        For `avgpool2d_backward`.

    Raises
    ------
    TypeError, ValueError
        As `maxpool2d_forward`.
    """
    x, pooling = _check_pooling(x, kernel_size, stride, padding)
    out = np.zeros((*x.shape[:2], *pooling.out_hw), dtype=x.dtype)
    for _, _, cell in _window_offsets(_pad(x, pooling.padding, 0.0), pooling):
        out += cell
    out /= pooling.kernel[0] * pooling.kernel[1]
    return out, AvgPoolCache(pooling, x.shape, x.dtype)


def avgpool2d_backward(dout, cache: AvgPoolCache) -> np.ndarray:
    """Gradient of average pooling with respect to its input.

    Every cell of window ``(oh, ow)`` receives ``dout[n, c, oh, ow] / (KH*KW)``; a cell in
    several overlapping windows receives the sum. Gradient reaching padding cells is dropped.

    Parameters
    ----------
    dout : array_like, shape (N, C, H_out, W_out)
        Upstream gradient.
    cache : AvgPoolCache
        From `avgpool2d_forward`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W), dtype of the forward input
    """
    check_cache(cache, AvgPoolCache, "avgpool2d_forward")
    pooling = cache.pooling
    n, c, h, w = cache.x_shape
    dout = _check_dout(dout, (n, c, *pooling.out_hw))
    (kh, kw), _, (ph, pw), _ = pooling
    dx_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cache.x_dtype)
    share = dout / (kh * kw)
    windows_overlap = kh > pooling.stride[0] or kw > pooling.stride[1]
    for _, _, cell in _window_offsets(dx_padded, pooling):
        if windows_overlap:
            cell += share
        else:  # every cell is in one window at most: writing is enough (half the memory traffic)
            np.copyto(cell, share)
    return dx_padded[:, :, ph:ph + h, pw:pw + w]
