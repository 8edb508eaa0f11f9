"""Argument checks shared by every c182lib module.

Each check raises ``TypeError`` (wrong kind of value) or ``ValueError`` (right kind, wrong
value) with a message that names the argument, what was expected and what was given, so a
student sees *which* argument is wrong instead of a broadcasting error ten lines deeper.
None of them modifies its argument.

Allowed array dtypes, for every array argument of the library (`as_float_array`): integers
(signed or unsigned, converted to float64) and float16, float32, float64 (kept). Refused with
``TypeError``: booleans (a mask is not a number), complex numbers (the library is real-valued),
longdouble (its precision differs between platforms, and NumPy's linear algebra and ``bincount``
do not support it), objects and strings. Nested lists must be rectangular.

Sizes (`check_size`, `check_steps`): an argument that implies an array of more than
`MAX_ARRAY_BYTES` bytes, or a Python loop of more than `MAX_LOOP_STEPS` steps, is refused with a
``ValueError`` naming it and the size it implies, before anything is allocated: the workbook's
inputs are small, and such a setting is a typo (``padding=1000000``), not an experiment.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np

# The largest array a call may imply (1 GiB: a quarter of a small laptop's memory) and the
# longest Python loop (a naive loop step costs microseconds: 10**5 steps take about a second).
MAX_ARRAY_BYTES = 1 << 30
MAX_LOOP_STEPS = 10**5

# The array dtypes the library computes in; integers are converted to float64.
FLOAT_DTYPES = (np.float16, np.float32, np.float64)


def as_float_array(name: str, value, ndim: int | Sequence[int] | None = None,
                   layout: str = "") -> np.ndarray:
    """Return ``value`` as a floating-point ndarray after checking its kind and rank.

    Integer input becomes float64; float16/32/64 keep their dtype. Booleans, complex numbers,
    longdouble, strings and objects are refused with ``TypeError`` (see the module docstring),
    ragged nested lists with ``ValueError``. The result may share memory with ``value``:
    callers must not write into it.

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
    try:
        arr = np.asarray(value)
    except (ValueError, TypeError) as err:  # ragged nested lists, objects NumPy cannot read
        raise ValueError(f"{name} must be an array of numbers (nested lists of equal lengths); "
                         f"got a {type(value).__name__} NumPy cannot read as one: {err}") from None
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.float64)
    elif arr.dtype.type not in FLOAT_DTYPES:
        raise TypeError(
            f"{name} must be an array of real numbers (an integer dtype, float16, float32 or "
            f"float64); got dtype {arr.dtype}"
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
    try:
        value = float(value)
    except OverflowError:  # an int beyond the float range
        raise ValueError(f"{name} must be a finite number > 0; got an integer of "
                         f"{len(str(abs(value)))} digits, beyond the float range") from None
    if not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value}")
    return value


def as_seed(name: str, value):
    """``value`` if ``np.random.default_rng`` can take it as a seed: None, an int >= 0 (a NumPy
    integer or 0-d integer array counts), a ``Generator`` or a ``SeedSequence``."""
    if value is None or isinstance(value, (np.random.Generator, np.random.SeedSequence)):
        return value
    return as_int(name, value, 0)


def _format_bytes(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n < 1024 or unit == "EiB":
            return f"{n:.3g} {unit}" if unit != "bytes" else f"{n} bytes"
        n /= 1024
    raise AssertionError("unreachable")


def _causes(causes: dict) -> str:
    """``"padding=1000000, x.shape=(2, 3, 5, 5)"``: the arguments that imply a size."""
    return ", ".join(f"{name}={value!r}" for name, value in causes.items())


def check_size(what: str, shape: Sequence[int], itemsize: int = 8, /, **causes) -> None:
    """Refuse an array of ``shape`` that the arguments ``causes`` imply, before it exists.

    Raises ``ValueError`` naming the arguments, the shape and its size in bytes when the array
    would hold more than `MAX_ARRAY_BYTES` bytes (entries of ``itemsize`` bytes). The size is
    computed with Python integers, so it cannot overflow. Pass argument names that are not
    identifiers (``x.shape``) with ``**{"x.shape": x.shape}``.

    Example message: ``padding=1000000, x.shape=(2, 3, 5, 5) implies an input of 2 x 3 x
    2000005 x 2000005 entries (179 TiB); the limit is 1 GiB per array``.
    """
    shape = tuple(int(n) for n in shape)
    nbytes = math.prod(shape) * itemsize
    if nbytes > MAX_ARRAY_BYTES:
        dims = " x ".join(str(n) for n in shape)
        raise ValueError(f"{_causes(causes)} implies {what} of {dims} entries "
                         f"({_format_bytes(nbytes)}); the limit is "
                         f"{_format_bytes(MAX_ARRAY_BYTES)} per array "
                         f"(c182lib._validate.MAX_ARRAY_BYTES)")


def check_steps(what: str, steps: int, /, **causes) -> None:
    """Refuse a Python loop of ``steps`` steps over `MAX_LOOP_STEPS` that ``causes`` imply
    (``ValueError`` naming them): it would run for minutes or hours."""
    if steps > MAX_LOOP_STEPS:
        raise ValueError(f"{_causes(causes)} implies {what} of {steps:,} steps; the limit is "
                         f"{MAX_LOOP_STEPS:,} (c182lib._validate.MAX_LOOP_STEPS)")


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
