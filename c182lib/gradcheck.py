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

from ._validate import as_float_array, as_positive_float, check_steps


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
    _check_callable(f)

    def scalar_f(z):
        value = _as_output(f(z))
        if value.shape != ():
            raise ValueError(f"f must return a scalar; got an array of shape {value.shape} "
                             "(use numerical_gradient_array for array-valued functions)")
        return value

    return numerical_gradient_array(scalar_f, x, 1.0, h)


def _check_callable(f) -> None:
    if not callable(f):
        raise TypeError(f"f must be a function of x; got {f!r} of type {type(f).__name__}")


def _as_output(value) -> np.ndarray:
    """What ``f`` returned, as a float64 array; a ``TypeError``/``ValueError`` naming ``f(x)``
    if it is not an array of real numbers."""
    return as_float_array("f(x)", value).astype(np.float64, copy=False)


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
    _check_callable(f)
    x = np.array(as_float_array("x", x), dtype=np.float64)  # a private copy we may perturb
    dout = as_float_array("dout", dout)
    h = as_positive_float("h", h)
    check_steps("a loop over the entries of x", x.size, **{"x.shape": x.shape})
    grad = np.zeros_like(x)
    # Index x itself (whatever its memory layout): a reshaped view of a non-contiguous array
    # would be a copy, and perturbing the copy would leave f's input, and the gradient, alone.
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + h
        plus = _as_output(f(x.copy()))
        x[i] = original - h
        minus = _as_output(f(x.copy()))
        x[i] = original
        if plus.shape != np.shape(dout):
            raise ValueError(f"f(x) has shape {plus.shape} but dout has shape {np.shape(dout)}")
        grad[i] = np.sum((plus - minus) * dout) / (2 * h)
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
    _check_callable(f)
    if isinstance(args, (str, bytes, np.ndarray)) or not isinstance(args, (list, tuple)):
        raise TypeError(f"args must be a list or tuple of arrays (wrap a single array in a "
                        f"list); got {type(args).__name__}")
    args = tuple(as_float_array(f"args[{i}]", arg) for i, arg in enumerate(args))

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
        empty arrays. Computed in float64 and, where ``max(|a|, |b|) >= eps``, on ``a`` and
        ``b`` divided by ``max(|a|, |b|)``, so that ``|a - b|`` and ``|a| + |b|`` cannot
        overflow (1e308 against -1e308 gives 1, 1.7e308 against 1e308 gives 0.7/2.7).
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
    largest = np.maximum(np.abs(a), np.abs(b))
    scaled = largest >= eps  # elsewhere |a| + |b| < 2*eps: no overflow, and the floor applies
    scale = np.where(scaled, largest, 1.0)
    a, b = a / scale, b / scale
    floor = np.where(scaled, eps / scale, eps)  # eps / scale <= 1 where scaled
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), floor)))
