"""Argument checks shared by every c182lib module.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value) with a message that names the argument, what was expected and what was given, so a
student sees *which* argument is wrong instead of a broadcasting error ten lines deeper.
None of them modifies its argument.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np


def as_float_array(name: str, value, ndim: int | Sequence[int] | None = None,
                   layout: str = "") -> np.ndarray:
    """Return ``value`` as a floating-point ndarray after checking its kind and rank.

    Integer input becomes float64; float16/32/64 keep their dtype. Booleans, complex numbers,
    strings and objects are refused with ``TypeError``. The result may share memory with
    ``value``: callers must not write into it.

    Parameters
    ----------
    name : str
        Argument name used in error messages.
    value : array_like
    ndim : int or sequence of int, optional
        Allowed numbers of dimensions.
    layout : str, optional
        Human description of the expected axes, e.g. ``"(N, C, H, W)"``, for error messages.
    """
    arr = np.asarray(value)
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.kind != "f":
        raise TypeError(
            f"{name} must be an array of real numbers (integer or float dtype); "
            f"got dtype {arr.dtype}"
        )
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            dims = " or ".join(f"{d}-D" for d in allowed)
            where = f" {layout}" if layout else ""
            raise ValueError(f"{name} must be a {dims} array{where}; got shape {arr.shape}")
    return arr


def _unwrap_0d(value):
    """The NumPy scalar inside a 0-d array (``np.array(2)`` -> ``np.int64(2)``), else
    ``value`` unchanged: a 0-d array counts as the number it holds."""
    return value[()] if isinstance(value, np.ndarray) and value.ndim == 0 else value


def in_common_dtype(*arrays: np.ndarray) -> tuple[np.ndarray, ...]:
    """``arrays`` cast to the dtype they promote to (NumPy's rule), copying only those not
    already in it: with one float64 argument, float32 ones are computed in float64."""
    dtype = np.result_type(*arrays)
    return tuple(a.astype(dtype, copy=False) for a in arrays)


def as_int(name: str, value, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int, refusing bools, floats and values below ``minimum``.

    A NumPy integer scalar or 0-d integer array (``np.int64(2)``, ``np.array(2)``) counts as
    an int.
    """
    value = _unwrap_0d(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer; got {value!r} of type {type(value).__name__}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value}")
    return value


def as_int_pair(name: str, value, minimum: int | None = None) -> tuple[int, int]:
    """Return an int or a pair of ints as a ``(rows, cols)`` tuple, each checked by `as_int`.

    Anything `as_int` accepts (including a 0-d integer array) is one value for both axes; a
    tuple, list or 1-D array must hold exactly two.
    """
    value = _unwrap_0d(value)
    if isinstance(value, (tuple, list, np.ndarray)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an integer or a pair of integers; got {value!r}")
        return (as_int(f"{name}[0]", value[0], minimum), as_int(f"{name}[1]", value[1], minimum))
    v = as_int(name, value, minimum)
    return (v, v)


def as_bool(name: str, value) -> bool:
    """Return ``value`` if it is ``True`` or ``False``; refuse 0, 1 and other truthy values."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False; got {value!r}")
    return value


def as_positive_float(name: str, value) -> float:
    """Return ``value`` as a finite float > 0; a 0-d real array counts as a number."""
    value = _unwrap_0d(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number; got {value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def check_shape(name: str, arr: np.ndarray, expected: tuple, layout: str = "") -> None:
    """Raise ``ValueError`` unless ``arr.shape == expected``."""
    if arr.shape != tuple(expected):
        where = f" {layout}" if layout else ""
        raise ValueError(f"{name} must have shape {tuple(expected)}{where}; got {arr.shape}")


def check_cache(cache, cache_type: type, producer: str) -> None:
    """Raise ``TypeError`` unless ``cache`` is the ``cache_type`` a forward function returns.

    ``producer`` names that forward function (or functions) for the message.
    """
    if not isinstance(cache, cache_type):
        raise TypeError(f"cache must be the {cache_type.__name__} returned by {producer}; "
                        f"got {type(cache).__name__}")
