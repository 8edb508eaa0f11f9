"""Convolution (cross-correlation, as in PyTorch): 1-D and 2-D, naive and fast, and its matrix.

What the worksheet, PyTorch and this module call "convolution" is cross-correlation: the filter
is *not* flipped. For a 1-D input ``x`` (length ``n``), filter ``w`` (length ``k``), stride
``s``, zero padding ``p`` at each end and dilation ``d`` (spacing between filter taps; 1 means
no gaps, as in PyTorch)::

    y[o] = sum_j  w[j] * x_padded[o*s + j*d],      o = 0 .. n_out - 1
    n_out = floor((n + 2p - d(k-1) - 1) / s) + 1   (`c182lib.shapes.conv_output_size`)

A stride that does not tile the padded input drops the last cells: they are read by no window
and get zero gradient. The 2-D layer works per axis in the same way on NCHW batches with
``(F, C, KH, KW)`` filters and ``(F,)`` biases, PyTorch's layout:

    out[n, f, oh, ow] = b[f] + sum_{c, i, j} w[f, c, i, j] * x_padded[n, c, oh*SH + i*DH,
                                                                      ow*SW + j*DW]

Contents, from the worksheet's pencil-and-paper view to the fast layer:

- `corr1d`, `corr1d_backward`: the worksheet's 1-D procedure, step by step, and its gradients
  written as correlations/convolutions (Problem 3).
- `corr2d`: one channel, one filter, explicit loops.
- `conv_matrix_1d`, `conv_matrix_2d`: the explicit matrix of the linear map (Problem 2):
  Toeplitz in 1-D, doubly-block Toeplitz in 2-D.
- `im2col`, `col2im`: unroll every receptive field into a column, and the adjoint.
- `conv2d_forward_naive` (loops), `conv2d_forward` (im2col + one matrix product) and
  `conv2d_backward` (for either cache).

All functions check their arguments (`ValueError`/`TypeError` naming the argument), never modify
them, and return new arrays. Integer arrays become float64, and the result's dtype (the one the
work is done in) is NumPy's promotion of the array arguments' dtypes: float32 if all are float32,
float64 as soon as one is float64 or an integer array. Half precision follows the same rule:
all float16 gives float16, float16 with float32 gives float32. Booleans, complex numbers and
longdouble are refused (`c182lib._validate` decides the allowed dtypes for the whole library).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._validate import (
    as_bool,
    as_float_array,
    as_int,
    as_int_pair,
    check_cache,
    check_shape,
    check_size,
    check_steps,
    in_common_dtype,
)
from .shapes import conv_output_size

__all__ = [
    "Conv2dCache",
    "col2im",
    "conv2d_backward",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv_matrix_1d",
    "conv_matrix_2d",
    "corr1d",
    "corr1d_backward",
    "corr2d",
    "im2col",
]


# --------------------------------------------------------------------------- argument helpers


def _output_size(where: str, n: int, k: int, stride: int, padding: int, dilation: int) -> int:
    """`conv_output_size`, with ``where`` (which array, which axis) prefixed to its errors."""
    try:
        return conv_output_size(n, k, stride, padding, dilation)
    except ValueError as err:
        raise ValueError(f"{where}: {err}") from None


def _output_hw(x_hw, kernel_hw, stride, padding, dilation) -> tuple[int, int]:
    """``(H_out, W_out)`` for checked ``(rows, cols)`` pairs of every parameter."""
    return tuple(
        _output_size(f"{axis} of x is {n} and of the kernel {k}", n, k, s, p, d)
        for axis, n, k, s, p, d in zip(("height", "width"), x_hw, kernel_hw, stride, padding,
                                       dilation, strict=True)
    )


def _check_1d(x, w, stride, padding, dilation):
    """Checked ``x``, ``w`` (1-D float arrays), ``s``, ``p``, ``d`` and ``n_out``."""
    x = as_float_array("x", x, 1, "(n,)")
    w = as_float_array("w", w, 1, "(k,)")
    s = as_int("stride", stride, 1)
    p = as_int("padding", padding, 0)
    d = as_int("dilation", dilation, 1)
    n_out = _output_size(f"x has length {x.shape[0]} and w length {w.shape[0]}",
                         x.shape[0], w.shape[0], s, p, d)
    # Every loop of corr1d and corr1d_backward runs over at most the padded input.
    check_steps("a loop over the padded input", x.shape[0] + 2 * p, padding=p,
                **{"x.shape": x.shape})
    return x, w, s, p, d, n_out


def _check_kernel(w: np.ndarray, layout: str) -> None:
    """Blame ``w`` (not the input) for a kernel with no rows or no columns."""
    if min(w.shape[-2:]) < 1:
        raise ValueError(f"w must have KH >= 1 and KW >= 1 {layout}; got shape {w.shape}")


def _check_hyperparameters(stride, padding, dilation):
    return (as_int_pair("stride", stride, 1), as_int_pair("padding", padding, 0),
            as_int_pair("dilation", dilation, 1))


def _check_conv2d(x, w, b, stride, padding, dilation):
    """Checked arrays of a 2-D convolution layer, its ``(rows, cols)`` pairs and output size."""
    x = as_float_array("x", x, 4, "(N, C, H, W)")
    w = as_float_array("w", w, 4, "(F, C, KH, KW)")
    _check_kernel(w, "(F, C, KH, KW)")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"w has {w.shape[1]} input channels (w.shape[1]) but x has {x.shape[1]} "
            f"(x.shape[1]): x.shape={x.shape}, w.shape={w.shape}"
        )
    b = as_float_array("b", b, 1, "(F,)")
    check_shape("b", b, (w.shape[0],), "(F,), one bias per filter of w")
    stride, padding, dilation = _check_hyperparameters(stride, padding, dilation)
    out_hw = _output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    (n, c, h, width), (f, _, kh, kw) = x.shape, w.shape
    causes = {"padding": padding, "stride": stride, "x.shape": x.shape, "w.shape": w.shape}
    check_size("an output", (n, f, *out_hw), **causes)
    check_size("a padded input", (n, c, h + 2 * padding[0], width + 2 * padding[1]), **causes)
    check_size("the im2col columns", (n, c * kh * kw, out_hw[0] * out_hw[1]), **causes)
    return x, w, b, stride, padding, dilation, out_hw


# --------------------------------------------------------------------------- 1-D


def corr1d(x, w, stride=1, padding=0, dilation=1) -> np.ndarray:
    """1-D cross-correlation, computed as the worksheet describes it, one window at a time.

    1. Pad ``x`` with ``padding`` zeros at each end.
    2. Align the filter with the beginning of the padded input and take the dot product of ``w``
       with the cells under it (every ``dilation``-th cell): the first output entry.
    3. Shift the filter by ``stride`` cells and take the next dot product.
    4. Repeat while the filter still fits inside the padded input.

    Parameters
    ----------
    x : array_like, shape (n,)
        Input signal.
    w : array_like, shape (k,)
        Filter.
    stride : int, optional
        Step between consecutive windows (>= 1).
    padding : int, optional
        Zeros added at *each* end of ``x`` (>= 0).
    dilation : int, optional
        Spacing between filter taps (>= 1; 1 means adjacent cells).

    Returns
    -------
    y : ndarray, shape (n_out,)
        ``y[o] = sum_j w[j] * x_padded[o*stride + j*dilation]`` with
        ``n_out = floor((n + 2*padding - dilation*(k-1) - 1) / stride) + 1``.

    Raises
    ------
    ValueError
        If ``x`` or ``w`` is not 1-D, stride/dilation is below 1, padding is negative, or the
        (dilated) filter does not fit in the padded input.
    TypeError
        If ``x`` or ``w`` is boolean, complex or non-numeric, or a hyperparameter is not an int.

    Examples
    --------
    >>> corr1d([1, 2, 3, 4], [1, 0, -1])
    array([-2., -2.])
    >>> corr1d([1, 2, 3, 4], [1, 0, -1], padding=1)
    array([-2., -2., -2.,  3.])
    """
    x, w, s, p, d, n_out = _check_1d(x, w, stride, padding, dilation)
    zeros = np.zeros(p, dtype=x.dtype)
    x_padded = np.concatenate([zeros, x, zeros])               # step 1
    span = d * (w.shape[0] - 1) + 1                            # cells covered by the filter
    y = np.empty(n_out, dtype=np.result_type(x, w))
    o, start = 0, 0                                            # step 2: align at the beginning
    while start + span <= x_padded.shape[0]:                   # step 4: while the filter fits
        y[o] = np.dot(w, x_padded[start:start + span:d])       # step 2: dot product
        o, start = o + 1, start + s                            # step 3: shift by the stride
    return y


def corr1d_backward(dy, x, w, stride=1, padding=0, dilation=1) -> tuple[np.ndarray, np.ndarray]:
    """Gradients of ``y = corr1d(x, w, stride, padding, dilation)``, computed as correlations.

    This is Problem 3's answer: the backward pass of a correlation is made of correlations.
    Write ``dy_up`` for ``dy`` dilated by the stride (``stride - 1`` zeros between entries,
    length ``(n_out - 1)*stride + 1``), so that ``dy_up[o*stride] = dy[o]``. Then::

        dw[j]    = sum_o dy[o] * x_padded[o*stride + j*dilation]
                 = corr1d(x_padded, dy_up, stride=dilation)[j],          j = 0 .. k-1
                   (computed from the windows' cells only, so that a NaN in a cell no
                   window reads does not reach dw through a multiplication by 0)
        dx_padded[m] = sum_{o, j : o*stride + j*dilation = m} dy[o] * w[j]
                 = (full convolution of dy_up with w dilated by dilation)[m]
                 = corr1d(dy_up, w[::-1], padding=span-1, dilation=dilation)[m]

    with ``span = dilation*(k-1) + 1``: the gradient for ``w`` correlates the padded input with
    the (dilated) upstream gradient, and the gradient for ``x`` is the *full* convolution of the
    upstream gradient with the filter, i.e. a correlation with the flipped filter. Finally
    ``dx = dx_padded[padding : padding + n]`` drops the padding. Cells that no window reaches
    (when the stride does not tile the input) get zero gradient.

    Parameters
    ----------
    dy : array_like, shape (n_out,)
        Upstream gradient ``dL/dy``.
    x : array_like, shape (n,)
        Input of the forward pass.
    w : array_like, shape (k,)
        Filter of the forward pass.
    stride, padding, dilation : int, optional
        As in `corr1d`.

    Returns
    -------
    dx : ndarray, shape (n,)
        ``dL/dx``.
    dw : ndarray, shape (k,)
        ``dL/dw``. Both in the dtype ``dy``, ``x`` and ``w`` promote to.
    """
    x, w, s, p, d, n_out = _check_1d(x, w, stride, padding, dilation)
    dy = as_float_array("dy", dy, 1, "(n_out,)")
    check_shape("dy", dy, (n_out,), "(n_out,), the shape of corr1d(x, w, ...)")
    n, k = x.shape[0], w.shape[0]
    span = d * (k - 1) + 1
    dy, x, w = in_common_dtype(dy, x, w)  # both gradients, as in conv2d_backward

    dy_up = np.zeros((n_out - 1) * s + 1, dtype=dy.dtype)
    dy_up[::s] = dy
    x_padded = np.pad(x, p)

    # dw[j] = sum_o dy[o] * x_padded[o*s + j*d], summed over the cells the windows read only:
    # corr1d(x_padded, dy_up, stride=d)[:k] gives the same numbers but also multiplies the
    # cells no window reads by the zeros of dy_up, and 0 * NaN would put their NaN into dw.
    windows = x_padded[np.arange(n_out)[:, None] * s + np.arange(k) * d]   # (n_out, k)
    dw = dy @ windows
    # Full convolution: length (n_out - 1)*s + span, which is n + 2p minus the untiled remainder.
    dx_reached = corr1d(dy_up, w[::-1], padding=span - 1, dilation=d)
    dx_padded = np.zeros(n + 2 * p, dtype=dx_reached.dtype)
    dx_padded[:dx_reached.shape[0]] = dx_reached
    return dx_padded[p:p + n].copy(), dw


def conv_matrix_1d(n, w, stride=1, padding=0, on_padded=False, dilation=1) -> np.ndarray:
    """The matrix ``W`` of the linear map ``x -> corr1d(x, w, stride, padding, dilation)``.

    Row ``o`` holds the filter at the position of window ``o``: with padded-input coordinates,
    ``W_padded[o, o*stride + j*dilation] = w[j]`` and every other entry is 0 (a Toeplitz band,
    shifted by ``stride`` from one row to the next).

    Which input it acts on:

    - ``on_padded=False`` (default): the *unpadded* input, ``W @ x == corr1d(x, w, padding=p)``.
      The columns that would multiply the padding zeros are dropped, so ``W`` is
      ``(n_out, n)`` and ``W.T @ dy`` is the gradient with respect to ``x``.
    - ``on_padded=True``: the padded input ``x_bar`` (length ``n + 2p``), as in the worksheet's
      Problem 2 (``x`` in R^4, ``w`` in R^3, padding 1: a 4x6 matrix acting on ``x_bar`` in
      R^6). Then ``W @ x_bar == corr1d(x, w, padding=p)``.

    Parameters
    ----------
    n : int
        Length of the (unpadded) input.
    w : array_like, shape (k,)
        Filter.
    stride, padding, dilation : int, optional
        As in `corr1d`.
    on_padded : bool, optional
        Act on the padded input (``True``) or on the input itself (``False``).

    Returns
    -------
    W : ndarray, shape (n_out, n) or (n_out, n + 2*padding)
        Dtype of ``w`` (float64 for integer ``w``).

    Examples
    --------
    >>> conv_matrix_1d(4, [1, 2, 3], padding=1, on_padded=True)
    array([[1., 2., 3., 0., 0., 0.],
           [0., 1., 2., 3., 0., 0.],
           [0., 0., 1., 2., 3., 0.],
           [0., 0., 0., 1., 2., 3.]])
    """
    n = as_int("n", n, 1)
    w = as_float_array("w", w, 1, "(k,)")
    s = as_int("stride", stride, 1)
    p = as_int("padding", padding, 0)
    d = as_int("dilation", dilation, 1)
    on_padded = as_bool("on_padded", on_padded)
    k = w.shape[0]
    n_out = _output_size(f"n is {n} and w has length {k}", n, k, s, p, d)
    check_size("a matrix", (n_out, n + 2 * p), w.itemsize, n=n, padding=p, stride=s)
    matrix = np.zeros((n_out, n + 2 * p), dtype=w.dtype)
    for o in range(n_out):
        matrix[o, o * s:o * s + d * (k - 1) + 1:d] = w
    return matrix if on_padded else matrix[:, p:p + n].copy()


# --------------------------------------------------------------------------- 2-D, one channel


def corr2d(x, w, stride=1, padding=0) -> np.ndarray:
    """2-D cross-correlation of one channel with one filter, one window at a time.

    Parameters
    ----------
    x : array_like, shape (H, W)
        Input image.
    w : array_like, shape (KH, KW)
        Filter.
    stride : int or (int, int), optional
        Step between windows, one value or ``(rows, cols)`` (>= 1).
    padding : int or (int, int), optional
        Zeros added on each side, one value or ``(rows, cols)`` (>= 0).

    Returns
    -------
    y : ndarray, shape (H_out, W_out)
        ``y[r, c] = sum_{i, j} w[i, j] * x_padded[r*SH + i, c*SW + j]``, with
        ``H_out = floor((H + 2*PH - KH) / SH) + 1`` and likewise ``W_out``.
    """
    x = as_float_array("x", x, 2, "(H, W)")
    w = as_float_array("w", w, 2, "(KH, KW)")
    _check_kernel(w, "(KH, KW)")
    stride, padding, dilation = _check_hyperparameters(stride, padding, 1)
    (sh, sw), (ph, pw) = stride, padding
    kh, kw = w.shape
    h_out, w_out = _output_hw(x.shape, w.shape, stride, padding, dilation)
    causes = {"padding": padding, "x.shape": x.shape}
    check_size("a padded input", (x.shape[0] + 2 * ph, x.shape[1] + 2 * pw), **causes)
    check_steps("a loop over windows", h_out * w_out, **causes)
    x_padded = np.pad(x, ((ph, ph), (pw, pw)))
    y = np.empty((h_out, w_out), dtype=np.result_type(x, w))
    for r in range(h_out):
        for c in range(w_out):
            window = x_padded[r * sh:r * sh + kh, c * sw:c * sw + kw]
            y[r, c] = np.sum(window * w)
    return y


def conv_matrix_2d(input_hw, w, stride=1, padding=0, on_padded=False) -> np.ndarray:
    """The matrix of ``x -> corr2d(x, w, stride, padding)`` on row-major flattened images.

    ``W @ x.ravel() == corr2d(x, w, stride, padding).ravel()``. The matrix is *doubly-block
    Toeplitz*: cut into an ``H_out x (H + 2*PH)`` grid of ``W_out x (W + 2*PW)`` blocks (in
    padded-input coordinates), block ``(r, r*SH + i)`` is the 1-D matrix
    ``conv_matrix_1d(W, w[i], SW, PW, on_padded=True)`` of filter row ``i`` and every other block
    is zero: each output row correlates ``KH`` input rows with the ``KH`` filter rows.

    Which input it acts on, as in `conv_matrix_1d`:

    - ``on_padded=False`` (default): the unpadded image ``x.ravel()`` (length ``H*W``); the
      columns that would multiply padding zeros are dropped. ``W.T @ dy.ravel()`` is then the
      gradient with respect to ``x``.
    - ``on_padded=True``: the padded image ``x_padded.ravel()`` (length
      ``(H + 2*PH) * (W + 2*PW)``).

    Parameters
    ----------
    input_hw : int or (int, int)
        ``(H, W)`` of the unpadded input (one int for a square image).
    w : array_like, shape (KH, KW)
        Filter.
    stride, padding : int or (int, int), optional
        As in `corr2d`.
    on_padded : bool, optional
        Act on the padded image (``True``) or on the image itself (``False``).

    Returns
    -------
    W : ndarray, shape (H_out*W_out, H*W) or (H_out*W_out, (H + 2*PH)*(W + 2*PW))
    """
    h, width = as_int_pair("input_hw", input_hw, 1)
    w = as_float_array("w", w, 2, "(KH, KW)")
    _check_kernel(w, "(KH, KW)")
    stride, padding, dilation = _check_hyperparameters(stride, padding, 1)
    on_padded = as_bool("on_padded", on_padded)
    (sh, sw), (ph, pw) = stride, padding
    h_out, w_out = _output_hw((h, width), w.shape, stride, padding, dilation)
    hp, wp = h + 2 * ph, width + 2 * pw
    check_size("a matrix", (h_out * w_out, hp * wp), w.itemsize, input_hw=(h, width),
               padding=padding)
    check_steps("a loop over filter rows and output rows", w.shape[0] * h_out,
                input_hw=(h, width), padding=padding, **{"w.shape": w.shape})
    blocks = np.zeros((h_out, w_out, hp, wp), dtype=w.dtype)   # [r, :, row, :] is one block
    for i, filter_row in enumerate(w):
        row_matrix = conv_matrix_1d(width, filter_row, sw, pw, on_padded=True)  # (W_out, wp)
        for r in range(h_out):
            blocks[r, :, r * sh + i, :] = row_matrix
    if not on_padded:
        blocks = blocks[:, :, ph:ph + h, pw:pw + width]
    return blocks.reshape(h_out * w_out, -1)


# --------------------------------------------------------------------------- im2col / col2im


def _tap_window(offset: int, stride: int, n_out: int) -> slice:
    """The padded cells tap ``offset`` reads along one axis: ``offset + stride*o`` for every
    output position ``o = 0 .. n_out - 1``."""
    return slice(offset, offset + stride * (n_out - 1) + 1, stride)


def _check_columns(name: str, x_shape, kernel_size, stride, padding, dilation):
    """Checked parameters of `im2col` / `col2im` for an input of ``x_shape`` (N, C, H, W)."""
    kernel_hw = as_int_pair("kernel_size", kernel_size, 1)
    stride, padding, dilation = _check_hyperparameters(stride, padding, dilation)
    out_hw = _output_hw(x_shape[2:], kernel_hw, stride, padding, dilation)
    (n, c, h, w), (kh, kw), (ph, pw) = x_shape, kernel_hw, padding
    causes = {"kernel_size": kernel_hw, "padding": padding, name: x_shape}
    check_size("a padded input", (n, c, h + 2 * ph, w + 2 * pw), **causes)
    check_size("columns", (n, c * kh * kw, out_hw[0] * out_hw[1]), **causes)
    return kernel_hw, stride, padding, dilation, out_hw


def im2col(x, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Unroll every receptive field of every image into one column of that image's matrix.

    Column ``(oh, ow)`` of ``cols[n]`` holds the ``C*KH*KW`` input values that output position
    ``(oh, ow)`` of image ``n`` sees, so a convolution becomes one matrix product per image,
    all of them in one call (this is `conv2d_forward`)::

        out = w.reshape(F, C*KH*KW) @ im2col(x, (KH, KW), ...) + b[:, None]  # (N, F, H_out*W_out)

    Layout, exactly::

        cols[n, (c*KH + i)*KW + j, oh*W_out + ow] = x_padded[n, c, oh*SH + i*DH, ow*SW + j*DW]

    Rows follow ``w.reshape(F, -1)``'s column order ``(c, i, j)``; columns are ``(oh, ow)`` in
    row-major order. Every window of the padded input is first a view (no copy), from which
    the strided windows and the dilated taps are picked, then copied once into this layout.

    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
    kernel_size : int or (int, int)
        ``(KH, KW)`` (>= 1).
    stride, padding, dilation : int or (int, int), optional
        As in `conv2d_forward`.

    Returns
    -------
    cols : ndarray, shape (N, C*KH*KW, H_out*W_out)
        Same dtype as ``x`` (float64 for integer ``x``).

    See Also
    --------
    col2im : the adjoint (transpose) of this linear map.
    """
    x = as_float_array("x", x, 4, "(N, C, H, W)")
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_columns(
        "x.shape", x.shape, kernel_size, stride, padding, dilation)
    n, c = x.shape[:2]
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)                  # cells a dilated window covers
    windows = sliding_window_view(x_padded, span, axis=(2, 3))     # every window, stride 1
    windows = windows[:, :, ::sh, ::sw, ::dh, ::dw]                # (N, C, H_out, W_out, KH, KW)
    return windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, h_out * w_out)


def col2im(cols, x_shape, kernel_size, stride=1, padding=0, dilation=1) -> np.ndarray:
    """Fold columns back into an image batch, *summing* where receptive fields overlap.

    The adjoint (transpose) of `im2col`: for all ``x`` and ``cols``,
    ``sum(im2col(x) * cols) == sum(x * col2im(cols, x.shape))``. Every entry of ``cols`` is
    added to the input cell it was copied from; entries that came from the padding are
    dropped. This is how ``dx`` is assembled from the per-window gradients ``w.T @ dout``.

    Parameters
    ----------
    cols : array_like, shape (N, C*KH*KW, H_out*W_out)
        Layout as returned by `im2col`.
    x_shape : tuple of 4 ints
        ``(N, C, H, W)``, the shape of the image batch to rebuild.
    kernel_size : int or (int, int)
    stride, padding, dilation : int or (int, int), optional
        The parameters ``cols`` was made with.

    Returns
    -------
    x : ndarray, shape x_shape
        ``x[n, c, r, q] = sum of cols[n, (c, i, j), (oh, ow)]`` over every ``(i, j, oh, ow)``
        with ``oh*SH + i*DH - PH == r`` and ``ow*SW + j*DW - PW == q``.
    """
    cols = as_float_array("cols", cols, 3, "(N, C*KH*KW, H_out*W_out)")
    if not isinstance(x_shape, (tuple, list)) or len(x_shape) != 4:
        raise ValueError(f"x_shape must be a tuple (N, C, H, W); got {x_shape!r}")
    x_shape = (as_int("x_shape[0]", x_shape[0], 0), as_int("x_shape[1]", x_shape[1], 1),
               as_int("x_shape[2]", x_shape[2], 1), as_int("x_shape[3]", x_shape[3], 1))
    (kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out) = _check_columns(
        "x_shape", x_shape, kernel_size, stride, padding, dilation)
    n, c, h, w = x_shape
    check_shape("cols", cols, (n, c * kh * kw, h_out * w_out),
                f"(N, C*KH*KW, H_out*W_out) for x_shape={x_shape}")
    cols = cols.reshape(n, c, kh, kw, h_out, w_out)
    x_padded = np.zeros((n, c, h + 2 * ph, w + 2 * pw), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            # One tap reads distinct cells, so += adds each entry once; overlapping windows
            # meet across taps, where the sums accumulate.
            x_padded[:, :, _tap_window(i * dh, sh, h_out), _tap_window(j * dw, sw, w_out)] += (
                cols[:, :, i, j])
    return x_padded[:, :, ph:ph + h, pw:pw + w].copy()


# --------------------------------------------------------------------------- 2-D layer


class Conv2dCache(NamedTuple):
    """What `conv2d_backward` needs from a forward pass (either one).

    The arguments, by reference (like any reference, they see later in-place changes: do not
    modify ``x`` or ``w`` between the forward and the backward pass); ``stride``, ``padding``,
    ``dilation`` as ``(rows, cols)`` pairs; and ``cols``, the `im2col` matrix
    (N, C*KH*KW, H_out*W_out) that `conv2d_forward` multiplied, or ``None`` from
    `conv2d_forward_naive` (then the backward pass builds it).
    """

    x: np.ndarray
    w: np.ndarray
    b: np.ndarray
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    cols: np.ndarray | None


# The Parameters, Returns and Raises sections of both 2-D layers (`_with_layer_sections`).
_LAYER_SECTIONS = """
    Parameters
    ----------
    x : array_like, shape (N, C, H, W)
        Input batch.
    w : array_like, shape (F, C, KH, KW)
        ``F`` filters.
    b : array_like, shape (F,)
        One bias per filter. Required: pass ``np.zeros(F)`` for a layer without bias (the
        backward pass always returns ``db``, as in the CS231n layers).
    stride : int or (int, int), optional
        Step between windows, one value or ``(rows, cols)`` (>= 1).
    padding : int or (int, int), optional
        Zeros added on each side of each spatial axis (>= 0).
    dilation : int or (int, int), optional
        Spacing between kernel taps (>= 1; 1 means adjacent, as in PyTorch).

    Returns
    -------
    out : ndarray, shape (N, F, H_out, W_out)
        ``out[n, f, oh, ow] = b[f] + sum_{c,i,j} w[f,c,i,j] * x_padded[n, c, oh*SH + i*DH,
        ow*SW + j*DW]``, with ``H_out = floor((H + 2*PH - DH*(KH-1) - 1) / SH) + 1`` and
        likewise ``W_out``. Dtype: the promotion of the dtypes of ``x``, ``w`` and ``b``
        (integers count as float64; see the module docstring), e.g. float32 if all three are
        float32 and float64 if one is float64.
    cache : Conv2dCache
        For `conv2d_backward`.

    Raises
    ------
    ValueError
        Wrong number of dimensions, channel mismatch between ``x`` and ``w``, ``b`` not of
        shape (F,), stride/kernel below 1, negative padding, or output size below 1.
    TypeError
        Boolean, complex or non-numeric arrays; non-integer stride/padding/dilation.
"""


def _with_layer_sections(function):
    """Append `_LAYER_SECTIONS` to the docstring of a 2-D layer, so `help` shows them."""
    if function.__doc__ is not None:  # None under python -OO
        function.__doc__ = function.__doc__.rstrip() + "\n" + _LAYER_SECTIONS
    return function


@_with_layer_sections
def conv2d_forward_naive(x, w, b, stride=1, padding=0, dilation=1) -> tuple[np.ndarray,
                                                                             Conv2dCache]:
    """2-D convolution layer, one output value at a time (the textbook loops).

    Slow (four nested Python loops), but the formula is visible in the code. Use
    `conv2d_forward` for anything but tiny inputs; both give the same result.
    """
    x, w, b, stride, padding, dilation, (h_out, w_out) = _check_conv2d(
        x, w, b, stride, padding, dilation)
    check_steps("a loop over output values", x.shape[0] * w.shape[0] * h_out * w_out,
                padding=padding, stride=stride, **{"x.shape": x.shape, "w.shape": w.shape})
    n_images, _, _, _ = x.shape
    n_filters, _, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    x_padded = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    out = np.empty((n_images, n_filters, h_out, w_out), dtype=np.result_type(x, w, b))
    for n in range(n_images):
        for f in range(n_filters):
            for oh in range(h_out):
                for ow in range(w_out):
                    window = x_padded[n, :, oh * sh:oh * sh + dh * (kh - 1) + 1:dh,
                                      ow * sw:ow * sw + dw * (kw - 1) + 1:dw]  # (C, KH, KW)
                    out[n, f, oh, ow] = np.sum(window * w[f]) + b[f]
    return out, Conv2dCache(x, w, b, stride, padding, dilation, None)


@_with_layer_sections
def conv2d_forward(x, w, b, stride=1, padding=0, dilation=1) -> tuple[np.ndarray, Conv2dCache]:
    """2-D convolution layer, fast: `im2col`, one matrix product and a reshape.

    With ``cols = im2col(x)`` (for each image, one column per receptive field) every output
    of every image is one entry of a matrix product, broadcast over the batch::

        out = w.reshape(F, C*KH*KW) @ cols + b[:, None]           (N, F, H_out*W_out)

    whose last axis is ``(oh, ow)`` in row-major order: reshaping it gives
    ``(N, F, H_out, W_out)``.
    """
    x, w, b, stride, padding, dilation, out_hw = _check_conv2d(
        x, w, b, stride, padding, dilation)
    x_work, w_work, b_work = in_common_dtype(x, w, b)
    cols = im2col(x_work, w.shape[2:], stride, padding, dilation)   # (N, C*KH*KW, H_out*W_out)
    out = w_work.reshape(w.shape[0], cols.shape[1]) @ cols
    out += b_work[:, None]  # in place: a second output-sized array would cost as much as the add
    out = out.reshape(x.shape[0], w.shape[0], *out_hw)
    return out, Conv2dCache(x, w, b, stride, padding, dilation, cols)


def conv2d_backward(dout, cache: Conv2dCache) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of a 2-D convolution layer, from the cache of either forward function.

    The forward pass computed ``out = W @ cols + b`` with ``W = w.reshape(F, C*KH*KW)`` and
    ``cols = im2col(x)`` (N, C*KH*KW, H_out*W_out). With ``dout`` as ``dout_rows`` of shape
    ``(N, F, H_out*W_out)`` (a reshape), the gradients are those of a matrix product, summed
    over the images where the weights are shared::

        db = dout_rows.sum(axis=(0, 2))                         (F,)
        dw = sum_n dout_rows[n] @ cols[n].T                     (F, C*KH*KW) -> (F, C, KH, KW)
        dx = col2im(W.T @ dout_rows)                            (N, C, H, W)

    ``dw`` correlates the input with the upstream gradient (weight sharing: every position
    adds to the same filter), and ``dx`` spreads each output's gradient back over its
    receptive field, summing where windows overlap: the 2-D version of `corr1d_backward` (a
    full convolution of ``dout`` with the filters). Input cells that no window reads (a
    stride that does not tile the input) get zero gradient.

    Parameters
    ----------
    dout : array_like, shape (N, F, H_out, W_out)
        Upstream gradient ``dL/dout``.
    cache : Conv2dCache
        From `conv2d_forward` or `conv2d_forward_naive`.

    Returns
    -------
    dx : ndarray, shape (N, C, H, W)
    dw : ndarray, shape (F, C, KH, KW)
    db : ndarray, shape (F,)
        All three in the dtype that ``dout``, ``x``, ``w`` and ``b`` promote to.
    """
    check_cache(cache, Conv2dCache, "conv2d_forward or conv2d_forward_naive")
    x, w, b, stride, padding, dilation, cols = cache
    n_images, n_filters = x.shape[0], w.shape[0]
    out_hw = _output_hw(x.shape[2:], w.shape[2:], stride, padding, dilation)
    dout = as_float_array("dout", dout, 4, "(N, F, H_out, W_out)")
    check_shape("dout", dout, (n_images, n_filters, *out_hw),
                "(N, F, H_out, W_out), the shape of the forward output")
    if cols is None:
        cols = im2col(x, w.shape[2:], stride, padding, dilation)
    dout, cols, w, _ = in_common_dtype(dout, cols, w, b)
    dout_rows = dout.reshape(n_images, n_filters, out_hw[0] * out_hw[1])
    db = dout_rows.sum(axis=(0, 2))
    dw = (dout_rows @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)
    dcols = w.reshape(n_filters, cols.shape[1]).T @ dout_rows   # (N, C*KH*KW, H_out*W_out)
    dx = col2im(dcols, x.shape, w.shape[2:], stride, padding, dilation)
    return dx, dw, db
