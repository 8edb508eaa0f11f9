"""Numerical gradients and relative error: check any backward pass, including your own.

Usage, for a layer ``out = f(x)`` with upstream gradient ``dout``::

    dx_num = numerical_gradient_array(lambda x: f(x), x, dout)
    print(rel_error(dx_num, dx_analytic))   # ~1e-8 or smaller in float64 when dx is right

`numerical_gradients` does the same for every argument of a function at once. Central
differences have error O(h^2); with h = 1e-5 in float64 a correct gradient usually shows a
relative error below 1e-7, a wrong one above 1e-3.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._validate import as_float_array, as_positive_float


def numerical_gradient(f: Callable[[np.ndarray], float], x, h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of a scalar function.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``. Called with perturbed copies of ``x``; ``x`` itself is never changed.
    x : array_like, any shape
    h : float
        Step size (> 0).

    Returns
    -------
    ndarray, same shape as ``x``
        ``(f(x + h e_i) - f(x - h e_i)) / (2h)`` for every entry ``i``.
    """
    def scalar_f(z):
        value = np.asarray(f(z), dtype=np.float64)
        if value.shape != ():
            raise ValueError(f"f must return a scalar; got an array of shape {value.shape} "
                             "(use numerical_gradient_array for array-valued functions)")
        return value

    return numerical_gradient_array(scalar_f, x, 1.0, h)


def numerical_gradient_array(f: Callable[[np.ndarray], np.ndarray], x, dout,
                             h: float = 1e-5) -> np.ndarray:
    """Central-difference gradient of ``sum(f(x) * dout)``: the vector-Jacobian product.

    Parameters
    ----------
    f : callable
        ``f(x) -> ndarray`` of the same shape as ``dout``.
    x : array_like, any shape
    dout : array_like, shape of ``f(x)``
        Upstream gradient. Use a random one: an all-ones ``dout`` hides some bugs.
    h : float
        Step size (> 0).

    Returns
    -------
    ndarray, same shape as ``x``
    """
    x = np.array(as_float_array("x", x), dtype=np.float64)  # a private copy we may perturb
    dout = as_float_array("dout", dout)
    h = as_positive_float("h", h)
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        plus = np.array(f(x.copy()), dtype=np.float64)
        flat_x[i] = original - h
        minus = np.array(f(x.copy()), dtype=np.float64)
        flat_x[i] = original
        if plus.shape != np.shape(dout):
            raise ValueError(f"f(x) has shape {plus.shape} but dout has shape {np.shape(dout)}")
        flat_grad[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def numerical_gradients(f: Callable[..., np.ndarray], args, dout,
                        h: float = 1e-5) -> tuple[np.ndarray, ...]:
    """Central-difference gradients of ``sum(f(*args) * dout)`` with respect to every argument.

    Check a whole backward pass at once, e.g.
    ``numerical_gradients(lambda *a: conv2d_forward(*a)[0], (x, w, b), dout)`` against
    ``conv2d_backward(dout, cache)``.

    Parameters
    ----------
    f : callable
        ``f(*args) -> ndarray`` of the same shape as ``dout``.
    args : sequence of array_like
        The arguments; each gets its own gradient, the others held fixed.
    dout : array_like, shape of ``f(*args)``
        Upstream gradient (use a random one).
    h : float
        Step size (> 0).

    Returns
    -------
    tuple of ndarray
        One gradient per argument, each of that argument's shape.
    """
    args = tuple(args)

    def with_argument(i: int) -> Callable[[np.ndarray], np.ndarray]:
        return lambda value: f(*args[:i], value, *args[i + 1:])

    return tuple(numerical_gradient_array(with_argument(i), arg, dout, h)
                 for i, arg in enumerate(args))


def rel_error(a, b, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|a - b| / max(|a| + |b|, eps)``.

    Parameters
    ----------
    a, b : array_like, same shape
    eps : float
        Floor of the denominator (finite, > 0), so two zeros compare as equal.

    Returns
    -------
    float
        In [0, 1]: 0 where the entries are equal, 1 where they have opposite signs; 0.0 for
        empty arrays. Computed in float64 (so float16 and float32 inputs do not overflow).
        NaN if an entry is NaN or infinite: a gradient check has failed anyway then.
    """
    a = as_float_array("a", a).astype(np.float64)
    b = as_float_array("b", b).astype(np.float64)
    eps = as_positive_float("eps", eps)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape; got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        return float("nan")
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps)))
