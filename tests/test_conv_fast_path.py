"""Internals of the fast conv layer: the bias trick and the chunking of the batch."""

from __future__ import annotations

import inspect
import threading
from unittest import mock

import numpy as np
import pytest
from _conv_helpers import conv_arrays, geometry_2d, hyper
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib import conv
from c182lib.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive

GEOMETRIES = [
    # x shape, w shape, stride, padding, dilation
    ((3, 3, 11, 11), (5, 3, 3, 3), 2, 1, 1),          # the first benchmark shape, smaller
    ((1, 2, 8, 7), (4, 2, 3, 2), (2, 3), (1, 0), (1, 2)),  # stride does not tile, batch 1
    ((2, 1, 5, 6), (3, 1, 5, 5), 1, 2, 1),            # taps wholly in the padding
    ((2, 4, 6, 6), (1, 4, 1, 1), 1, 0, 1),            # 1x1 kernel, one filter
    ((2, 3, 8, 7), (4, 3, 3, 2), (2, 3), (1, 0), (1, 2)),  # non-square, untiled, dilated
]


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), GEOMETRIES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_bias_folded_into_the_product_equals_adding_it(x_shape, w_shape, stride, padding,
                                                        dilation, dtype):
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal(x_shape).astype(dtype), rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(w_shape[0]).astype(dtype)
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out, _ = conv2d_forward(x, w, b, **kwargs)
    without_bias, _ = conv2d_forward(x, w, np.zeros_like(b), **kwargs)
    assert out.dtype == dtype
    tolerance = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(out, without_bias + b[:, None, None], rtol=tolerance,
                               atol=tolerance)


@pytest.mark.parametrize(("x_shape", "w_shape", "stride", "padding", "dilation"), GEOMETRIES)
def test_backward_from_fast_and_naive_caches_agree(x_shape, w_shape, stride, padding, dilation):
    rng = np.random.default_rng(1)
    x, w, b = (rng.standard_normal(x_shape), rng.standard_normal(w_shape),
               rng.standard_normal(w_shape[0]))
    kwargs = dict(stride=stride, padding=padding, dilation=dilation)
    out, fast_cache = conv2d_forward(x, w, b, **kwargs)
    naive_out, naive_cache = conv2d_forward_naive(x, w, b, **kwargs)
    np.testing.assert_allclose(out, naive_out, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for fast, naive in zip(conv2d_backward(dout, fast_cache), conv2d_backward(dout, naive_cache),
                           strict=True):
        np.testing.assert_allclose(fast, naive, rtol=1e-13, atol=1e-13)


def test_the_cache_holds_the_arguments_not_the_columns():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 3, 6, 6)), rng.standard_normal((4, 3, 3, 3)), np.zeros(4)
    for x_dtype in (np.float64, np.float32):  # a float32 x is not converted in the cache
        x = x.astype(x_dtype)
        _, cache = conv2d_forward(x, w, b, padding=1)
        _, naive_cache = conv2d_forward_naive(x, w, b, padding=1)
        for fast, naive, argument in zip(cache[:3], naive_cache[:3], (x, w, b), strict=True):
            assert fast is naive is argument                      # references, no copies
        assert cache[3:] == naive_cache[3:] == ((1, 1), (1, 1), (1, 1))


@given(geometry=geometry_2d(max_batch=7), seed=st.integers(0, 2**16),
       chunk_images=st.integers(1, 4))
@settings(max_examples=60, deadline=None)
def test_any_chunking_of_the_batch_gives_the_same_results(geometry, seed, chunk_images):
    """The fast layer works on a few images at a time (to stay in the CPU cache). Forcing
    chunks of 1-4 images, usually with a shorter last chunk, must not change any result: the
    zeros on the padding survive from one chunk to the next and no chunk sees another's
    values."""
    x, w, b, dout = conv_arrays(geometry, seed)
    whole_out, cache = conv2d_forward(x, w, b, **hyper(geometry))
    whole_grads = conv2d_backward(dout, cache)
    n_taps, n_positions = np.prod(geometry["w_shape"][1:]), np.prod(dout.shape[2:])
    # Bytes per image as the forward pass counts them; the backward pass counts more per
    # image, so its chunks are at most as large.
    chunk_bytes = chunk_images * (n_taps + 1) * n_positions * x.itemsize
    with mock.patch.object(conv, "_CHUNK_BYTES", int(chunk_bytes)):
        out, cache = conv2d_forward(x, w, b, **hyper(geometry))
        grads = conv2d_backward(dout, cache)
    np.testing.assert_allclose(out, whole_out, rtol=1e-12, atol=1e-12)
    for chunked, whole in zip(grads, whole_grads, strict=True):
        np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-12)


def test_chunk_size_follows_the_byte_budget():
    per_image = conv._CHUNK_BYTES // 10                # 10 images fit in a chunk
    assert conv._images_per_chunk(100, per_image) == 10
    assert conv._images_per_chunk(100, per_image + 1) == 9
    assert conv._images_per_chunk(3, per_image) == 3    # never more images than the batch
    assert conv._images_per_chunk(5, 10 << 30) == 1     # at least one image
    assert conv._images_per_chunk(0, 100) == 1


def test_kept_buffers_never_carry_values_from_another_geometry():
    """Each call reuses the previous call's chunk buffers, relying on the padding entries of
    the columns still being zero. Two geometries with buffers of the same shape but padding
    in different places (and float32 after float64) must each give the naive result."""
    rng = np.random.default_rng(3)
    w = rng.standard_normal((2, 3, 3, 3))
    b = rng.standard_normal(2)
    calls = [((2, 3, 7, 7), 0), ((2, 3, 5, 5), 1), ((2, 3, 7, 7), 0), ((2, 3, 5, 5), 1)]
    for dtype in (np.float64, np.float32, np.float64):
        for x_shape, padding in calls:  # both give 3x3 outputs with stride 2
            x = rng.standard_normal(x_shape).astype(dtype)
            out, cache = conv2d_forward(x, w.astype(dtype), b.astype(dtype), stride=2,
                                        padding=padding)
            expected, naive_cache = conv2d_forward_naive(x, w, b, stride=2, padding=padding)
            tolerance = 1e-12 if dtype == np.float64 else 1e-4
            np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
            dout = rng.standard_normal(out.shape)
            for fast, naive in zip(conv2d_backward(dout.astype(dtype), cache),
                                   conv2d_backward(dout, naive_cache), strict=True):
                np.testing.assert_allclose(fast, naive, rtol=tolerance, atol=tolerance)


def test_scratch_buffers_are_per_thread_and_bounded():
    main = conv._scratch.zeros("test", (4,), np.float64)
    main[:] = 7
    assert conv._scratch.zeros("test", (4,), np.float64) is main       # kept
    assert conv._scratch.zeros("test", (4,), np.float32) is not main   # another dtype
    seen = []
    thread = threading.Thread(target=lambda: seen.append(conv._scratch.zeros("test", (4,),
                                                                              np.float64)))
    thread.start()
    thread.join()
    assert seen[0] is not main and not seen[0].any()                   # its own, zeroed
    huge = (4 * conv._CHUNK_BYTES // 8 + 1,)
    assert conv._scratch.zeros("test huge", huge, np.float64) is not conv._scratch.zeros(
        "test huge", huge, np.float64)                                  # too large to keep


@pytest.mark.parametrize("layer", [conv2d_forward, conv2d_forward_naive])
def test_both_layers_document_their_parameters(layer):
    doc = inspect.getdoc(layer)
    for section in ("Parameters", "Returns", "Raises", "dilation : int or (int, int)"):
        assert doc.count(section) == 1, section
    assert "\n\n\n" not in doc
