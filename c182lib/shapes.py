"""Output-size arithmetic and window geometry for convolution and pooling, parameter counts.

All sizes follow PyTorch's rule::

    out = floor((n + 2*padding - dilation*(kernel_size - 1) - 1) / stride) + 1

A stride that does not tile the padded input drops the remainder. With stride 1, no padding
and no dilation this is ``n - k + 1`` (the worksheet's ``n - k - 1`` is an erratum).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import as_bool, as_int, as_int_pair, check_size


def conv_output_size(n: int, kernel_size: int, stride: int = 1, padding: int = 0,
                     dilation: int = 1) -> int:
    """Length of a convolution's output along one spatial axis.

    Parameters
    ----------
    n : int
        Input length (>= 1), before padding.
    kernel_size : int
        Kernel length (>= 1).
    stride, padding, dilation : int
        Step between windows (>= 1), zeros added at *each* end (>= 0), spacing between kernel
        taps (>= 1; 1 means no gaps, as in PyTorch).

    Returns
    -------
    int
        ``floor((n + 2p - d(k-1) - 1) / s) + 1``.

    Raises
    ------
    ValueError
        If the dilated kernel does not fit in the padded input (output size below 1).
    """
    n = as_int("n", n, 1)
    k = as_int("kernel_size", kernel_size, 1)
    s = as_int("stride", stride, 1)
    p = as_int("padding", padding, 0)
    d = as_int("dilation", dilation, 1)
    span = d * (k - 1) + 1
    if n + 2 * p < span:
        dilated = f" with dilation={d}" if d != 1 else ""
        raise ValueError(
            f"kernel_size={k}{dilated} spans {span} cells but the padded input has only "
            f"n + 2*padding = {n} + 2*{p} = {n + 2 * p}: output size would be below 1"
        )
    return (n + 2 * p - span) // s + 1


def bounded_stride(stride: int, padded_length: int) -> int:
    """``stride``, or ``padded_length`` if that is smaller: the same windows, safe arithmetic.

    A stride at least as long as the padded input leaves one window on that axis, whatever
    its value, so window positions computed as ``np.arange(n_out) * stride`` are the same with
    ``padded_length``, which keeps them within int64 (a stride of 10**20 would overflow).
    """
    return min(as_int("stride", stride, 1), as_int("padded_length", padded_length, 1))


def _as_shape_tuple(name: str, value, lengths: tuple[int, ...], layout: str) -> tuple:
    """``value`` (a tuple, list or 1-D array, e.g. ``x.shape``) as a tuple of allowed length.

    The entries are checked by the caller, which knows each axis's name and minimum.
    """
    one_dimensional = isinstance(value, (tuple, list)) or (
        isinstance(value, np.ndarray) and value.ndim == 1)
    if not one_dimensional:
        raise TypeError(f"{name} must be a tuple of ints {layout}; got {value!r} of type "
                        f"{type(value).__name__}")
    if len(value) not in lengths:
        raise ValueError(f"{name} must be {layout}; got {tuple(value)}")
    return tuple(value)


def conv_output_shape(input_shape, weight_shape, stride=1, padding=0, dilation=1) -> tuple:
    """Shape of ``conv2d(x, w)`` for ``x.shape == input_shape`` and ``w.shape == weight_shape``.

    Parameters
    ----------
    input_shape : tuple
        ``(N, C, H, W)`` or ``(C, H, W)``.
    weight_shape : tuple
        ``(F, C, KH, KW)``.
    stride, padding, dilation : int or (int, int)
        Per axis ``(rows, cols)`` or one value for both.

    Returns
    -------
    tuple
        ``(N, F, H_out, W_out)``, or ``(F, H_out, W_out)`` for a 3-D input.
    """
    input_shape = _as_shape_tuple("input_shape", input_shape, (3, 4), "(N, C, H, W) or (C, H, W)")
    weight_shape = _as_shape_tuple("weight_shape", weight_shape, (4,), "(F, C, KH, KW)")
    input_shape = tuple(
        as_int(f"input_shape[{i}] ({axis})", size, 0 if axis == "N" else 1)
        for i, (axis, size) in enumerate(zip("NCHW"[-len(input_shape):], input_shape, strict=True))
    )
    weight_shape = tuple(
        as_int(f"weight_shape[{i}] ({axis})", size, 1)
        for i, (axis, size) in enumerate(zip(("F", "C", "KH", "KW"), weight_shape, strict=True))
    )
    c, h, w = input_shape[-3:]
    f, wc, kh, kw = weight_shape
    if wc != c:
        raise ValueError(
            f"weight_shape has {wc} input channels but input_shape has {c}: "
            f"input_shape={input_shape}, weight_shape={weight_shape}"
        )
    sh, sw = as_int_pair("stride", stride, 1)
    ph, pw = as_int_pair("padding", padding, 0)
    dh, dw = as_int_pair("dilation", dilation, 1)
    spatial = (conv_output_size(h, kh, sh, ph, dh), conv_output_size(w, kw, sw, pw, dw))
    return (*input_shape[:-3], f, *spatial)


def pool_output_size(n: int, kernel_size: int, stride: int | None = None,
                     padding: int = 0) -> int:
    """Length of a pooling layer's output along one axis.

    Parameters
    ----------
    n : int
        Input length (>= 1), before padding.
    kernel_size : int
        Window length (>= 1).
    stride : int, optional
        Step between windows (>= 1); defaults to ``kernel_size`` (non-overlapping windows), as
        in PyTorch.
    padding : int
        Cells added at each end, at most ``kernel_size // 2`` (PyTorch's rule: every window
        must see a real input cell).

    Returns
    -------
    int
        ``floor((n + 2*padding - kernel_size) / stride) + 1``.
    """
    k = as_int("kernel_size", kernel_size, 1)
    s = k if stride is None else as_int("stride", stride, 1)
    p = as_int("padding", padding, 0)
    if 2 * p > k:
        raise ValueError(f"padding must be at most kernel_size // 2 = {k // 2}; got {p}")
    return conv_output_size(n, k, s, p)


def conv_param_count(in_channels: int, out_channels: int, kernel_size, bias: bool = True) -> int:
    """Number of learnable parameters of a 2-D convolution layer.

    ``out_channels * in_channels * KH * KW`` weights, plus ``out_channels`` biases if ``bias``.
    ``kernel_size`` is an int (square) or a ``(KH, KW)`` pair.
    """
    c = as_int("in_channels", in_channels, 1)
    f = as_int("out_channels", out_channels, 1)
    kh, kw = as_int_pair("kernel_size", kernel_size, 1)
    bias = as_bool("bias", bias)
    return f * c * kh * kw + (f if bias else 0)


@dataclass(frozen=True)
class WindowGeometry:
    """Where the windows of a convolution fall along one axis, in padded coordinates.

    Padded coordinate ``i`` is input index ``i - padding`` (cells ``0..padding-1`` and
    ``padding+n..`` are zeros).

    Attributes
    ----------
    n, kernel_size, stride, padding, dilation : int
        The setting.
    n_out : int
        Number of windows, from `conv_output_size`.
    span : int
        Cells covered by one dilated window, ``dilation * (kernel_size - 1) + 1``.
    taps : ndarray of int, shape (n_out, kernel_size)
        ``taps[o, j] = o * stride + j * dilation``: the padded cell read by tap ``j`` of window
        ``o``.
    dropped : ndarray of int, shape (r,)
        The cells after the last tap of the last window, ``r = (n + 2p - span) mod stride``
        of them: the remainder dropped by the floor.
    skipped : ndarray of int
        Cells before that which no tap reads (stride larger than the window, or dilation gaps
        aligned with the stride).
    """

    n: int
    kernel_size: int
    stride: int
    padding: int
    dilation: int
    n_out: int
    span: int
    taps: np.ndarray
    dropped: np.ndarray
    skipped: np.ndarray

    @property
    def padded(self) -> int:
        """Length of the padded input, ``n + 2 * padding``."""
        return self.n + 2 * self.padding

    def is_padding(self) -> np.ndarray:
        """Boolean mask, shape (padded,): which padded cells are zeros added by the padding."""
        index = np.arange(self.padded)
        return (index < self.padding) | (index >= self.padding + self.n)

    @property
    def dropped_padding(self) -> int:
        """How many of the ``dropped`` cells are padding."""
        return int(self.is_padding()[self.dropped].sum())


def window_geometry(n: int, kernel_size: int, stride: int = 1, padding: int = 0,
                    dilation: int = 1) -> WindowGeometry:
    """Tap positions, dropped and skipped cells of a convolution along one axis.

    Parameters are those of `c182lib.shapes.conv_output_size` (which raises ``ValueError``
    for an impossible setting); see `WindowGeometry` for the result.
    """
    n_out = conv_output_size(n, kernel_size, stride, padding, dilation)
    k = as_int("kernel_size", kernel_size, 1)
    s = as_int("stride", stride, 1)
    d = as_int("dilation", dilation, 1)
    p = as_int("padding", padding, 0)
    check_size("the window taps", (n_out, k), n=n, kernel_size=k, stride=s, dilation=d)
    check_size("the padded input", (n + 2 * p,), n=n, padding=p)
    span = d * (k - 1) + 1
    s_safe = bounded_stride(s, n + 2 * p)  # a longer stride leaves one window: same taps
    taps = np.arange(n_out)[:, None] * s_safe + np.arange(k)[None, :] * d
    last_read = int(taps[-1, -1])
    dropped = np.arange(last_read + 1, n + 2 * p)
    skipped = np.setdiff1d(np.arange(last_read + 1), taps.ravel())
    return WindowGeometry(n, k, s, p, d, n_out, span, taps, dropped, skipped)
