"""The child process of tests/test_fuzz.py: valid calls, bad values, limits and the counts.

``python tests/_fuzz_worker.py N`` fuzzes every public function with N examples each and prints
one JSON line: calls, outcomes (``result``, ``ValueError``, ``TypeError`` with a named
argument), failures by class (an unnamed error, another exception type, a changed input, a
call over `TIME_LIMIT` seconds or `MEMORY_LIMIT` bytes) and a few failing examples.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import functools
import inspect
import json
import re
import resource
import signal
import sys
import tracemalloc
import warnings

import numpy as np

from c182lib import batchnorm, conv, gradcheck, pool, rnn, shapes

FUZZED_MODULES = (shapes, conv, pool, batchnorm, rnn, gradcheck)
TIME_LIMIT = 3.0                 # seconds per call
MEMORY_LIMIT = 300 << 20         # bytes traced by tracemalloc per call
MEMORY_HEADROOM = 1 << 30        # address space the child may add after start-up


def _is_record(obj) -> bool:
    """Cache and parameter records (NamedTuples, dataclasses such as `WindowGeometry`, which
    `window_geometry` builds): data, fuzzed as arguments only."""
    return isinstance(obj, type) and (issubclass(obj, tuple) or dataclasses.is_dataclass(obj))


def public_callables() -> list[str]:
    """``module.name`` of every public function and class of `FUZZED_MODULES`, and
    ``module.Class.method`` of every public method of their classes."""
    names = []
    for module in FUZZED_MODULES:
        short = module.__name__.rsplit(".", 1)[1]
        public = getattr(module, "__all__", None) or [
            name for name, obj in vars(module).items()
            if not name.startswith("_") and callable(obj)
            and getattr(obj, "__module__", None) == module.__name__]
        for name in public:
            obj = getattr(module, name)
            if _is_record(obj):
                continue
            names.append(f"{short}.{name}")
            if isinstance(obj, type):
                names += [f"{short}.{name}.{method}" for method, value in vars(obj).items()
                          if not method.startswith("_") and callable(value)]
    return names


# ------------------------------------------------------------------------ valid calls

def _rng():
    return np.random.default_rng(0)


def _square_sum(z):
    return float(np.sum(z * z))


def _tanh(z):
    return np.tanh(z)


def _product(a, b):
    return a * b


def _conv_args():
    r = _rng()
    return dict(x=r.standard_normal((2, 3, 5, 5)), w=r.standard_normal((4, 3, 3, 3)),
                b=r.standard_normal(4), stride=2, padding=1, dilation=1)


def _conv_backward():
    args = _conv_args()
    out, cache = conv.conv2d_forward(**args)
    return conv.conv2d_backward, dict(dout=_rng().standard_normal(out.shape), cache=cache)


def _pool_args():
    return dict(x=_rng().standard_normal((2, 3, 6, 6)), kernel_size=2, stride=2, padding=1)


def _pool_backward(forward, backward):
    def make():
        out, cache = forward(**_pool_args())
        return backward, dict(dout=_rng().standard_normal(out.shape), cache=cache)
    return make


def _bn_backward(forward, backward, shape):
    def make():
        r = _rng()
        out, cache = forward(r.standard_normal(shape), np.ones(shape[1]), np.zeros(shape[1]))
        return backward, dict(dout=r.standard_normal(out.shape), cache=cache)
    return make


def _bn_inference(function, shape):
    def make():
        r, c = _rng(), shape[1]
        return function, dict(x=r.standard_normal(shape), gamma=r.standard_normal(c),
                              beta=r.standard_normal(c), running_mean=r.standard_normal(c),
                              running_var=r.uniform(0.5, 2, c), eps=1e-5)
    return make


def _weights(output_size=2):
    r = _rng()
    return dict(W_xh=r.standard_normal((4, 3)), W_hh=r.standard_normal((4, 4)) / 2,
                b_h=r.standard_normal(4), W_hy=r.standard_normal((output_size, 4)),
                b_y=r.standard_normal(output_size))


def _cell():
    w = _weights()
    return dict(x=_rng().standard_normal((2, 3)), h_prev=_rng().standard_normal((2, 4)),
                W_xh=w["W_xh"], W_hh=w["W_hh"], b_h=w["b_h"])


def _sequence():
    w = _weights()
    return dict(x=_rng().standard_normal((2, 5, 3)), h0=_rng().standard_normal((2, 4)),
                W_xh=w["W_xh"], W_hh=w["W_hh"], b_h=w["b_h"])


def _rnn_cache():
    return rnn.rnn_forward(**_sequence())


def _affine():
    r = _rng()
    return dict(h=r.standard_normal((2, 5, 4)), W=r.standard_normal((2, 4)),
                b=r.standard_normal(2))


def _trained_batchnorm():
    layer = batchnorm.BatchNorm(4)
    layer.forward(_rng().standard_normal((5, 4)))
    return layer


def _vanilla_rnn():
    return rnn.VanillaRNN(3, 4, 2, seed=0)


def _rnn_after_sequence():
    model = _vanilla_rnn()
    model.forward_sequence(_rng().standard_normal((2, 5, 3)))
    return model


VALID_CALLS = {
    "shapes.conv_output_size": lambda: (shapes.conv_output_size, dict(
        n=7, kernel_size=3, stride=2, padding=1, dilation=1)),
    "shapes.conv_output_shape": lambda: (shapes.conv_output_shape, dict(
        input_shape=(2, 3, 7, 7), weight_shape=(4, 3, 3, 3), stride=1, padding=1, dilation=1)),
    "shapes.pool_output_size": lambda: (shapes.pool_output_size, dict(
        n=6, kernel_size=2, stride=2, padding=1)),
    "shapes.conv_param_count": lambda: (shapes.conv_param_count, dict(
        in_channels=3, out_channels=4, kernel_size=3, bias=True)),
    "shapes.bounded_stride": lambda: (shapes.bounded_stride, dict(stride=3, padded_length=8)),
    "shapes.window_geometry": lambda: (shapes.window_geometry, dict(
        n=7, kernel_size=3, stride=2, padding=1, dilation=1)),
    "conv.corr1d": lambda: (conv.corr1d, dict(
        x=_rng().standard_normal(7), w=_rng().standard_normal(3), stride=2, padding=1,
        dilation=1)),
    "conv.corr1d_backward": lambda: (conv.corr1d_backward, dict(
        dy=_rng().standard_normal(4), x=_rng().standard_normal(7), w=_rng().standard_normal(3),
        stride=2, padding=1, dilation=1)),
    "conv.conv_matrix_1d": lambda: (conv.conv_matrix_1d, dict(
        n=5, w=_rng().standard_normal(3), stride=1, padding=1, on_padded=False, dilation=1)),
    "conv.corr2d": lambda: (conv.corr2d, dict(
        x=_rng().standard_normal((6, 5)), w=_rng().standard_normal((3, 2)), stride=1,
        padding=1)),
    "conv.conv_matrix_2d": lambda: (conv.conv_matrix_2d, dict(
        input_hw=(4, 5), w=_rng().standard_normal((2, 3)), stride=1, padding=1,
        on_padded=False)),
    "conv.im2col": lambda: (conv.im2col, dict(
        x=_rng().standard_normal((2, 3, 5, 5)), kernel_size=3, stride=1, padding=1,
        dilation=1)),
    "conv.col2im": lambda: (conv.col2im, dict(
        cols=conv.im2col(_rng().standard_normal((2, 3, 5, 5)), 3, 1, 1), x_shape=(2, 3, 5, 5),
        kernel_size=3, stride=1, padding=1, dilation=1)),
    "conv.conv2d_forward": lambda: (conv.conv2d_forward, _conv_args()),
    "conv.conv2d_forward_naive": lambda: (conv.conv2d_forward_naive, _conv_args()),
    "conv.conv2d_backward": _conv_backward,
    "pool.maxpool2d_forward": lambda: (pool.maxpool2d_forward, _pool_args()),
    "pool.maxpool2d_argmax": lambda: (pool.maxpool2d_argmax, _pool_args()),
    "pool.avgpool2d_forward": lambda: (pool.avgpool2d_forward, _pool_args()),
    "pool.maxpool2d_backward": _pool_backward(pool.maxpool2d_forward, pool.maxpool2d_backward),
    "pool.avgpool2d_backward": _pool_backward(pool.avgpool2d_forward, pool.avgpool2d_backward),
    "batchnorm.batchnorm_forward": lambda: (batchnorm.batchnorm_forward, dict(
        x=_rng().standard_normal((5, 4)), gamma=np.ones(4), beta=np.zeros(4), eps=1e-5)),
    "batchnorm.spatial_batchnorm_forward": lambda: (batchnorm.spatial_batchnorm_forward, dict(
        x=_rng().standard_normal((2, 3, 4, 4)), gamma=np.ones(3), beta=np.zeros(3), eps=1e-5)),
    "batchnorm.layout_batchnorm": lambda: (batchnorm.layout_batchnorm, dict(
        x=_rng().standard_normal((2, 3, 4, 4)), layout="wrong-axes", eps=1e-5)),
    "batchnorm.batchnorm_backward": _bn_backward(
        batchnorm.batchnorm_forward, batchnorm.batchnorm_backward, (5, 4)),
    "batchnorm.spatial_batchnorm_backward": _bn_backward(
        batchnorm.spatial_batchnorm_forward, batchnorm.spatial_batchnorm_backward, (2, 3, 4, 4)),
    "batchnorm.batchnorm_inference": _bn_inference(batchnorm.batchnorm_inference, (5, 4)),
    "batchnorm.spatial_batchnorm_inference": _bn_inference(
        batchnorm.spatial_batchnorm_inference, (2, 3, 4, 4)),
    "batchnorm.update_running_stats": lambda: (batchnorm.update_running_stats, dict(
        running_mean=np.zeros(4), running_var=np.ones(4), batch_mean=_rng().standard_normal(4),
        batch_var=_rng().uniform(0.5, 2, 4), count=5, momentum=0.1)),
    "batchnorm.BatchNorm": lambda: (batchnorm.BatchNorm, dict(
        num_features=4, spatial=False, eps=1e-5, momentum=0.1)),
    "batchnorm.BatchNorm.forward": lambda: (batchnorm.BatchNorm(4).forward, dict(
        x=_rng().standard_normal((5, 4)))),
    "batchnorm.BatchNorm.backward": lambda: (_trained_batchnorm().backward, dict(
        dout=_rng().standard_normal((5, 4)))),
    "rnn.rnn_step_forward": lambda: (rnn.rnn_step_forward, _cell()),
    "rnn.rnn_step_backward": lambda: (rnn.rnn_step_backward, dict(
        dh=_rng().standard_normal((2, 4)), cache=rnn.rnn_step_forward(**_cell())[1])),
    "rnn.rnn_forward": lambda: (rnn.rnn_forward, _sequence()),
    "rnn.rnn_backward": lambda: (rnn.rnn_backward, dict(
        dh=_rng().standard_normal((2, 5, 4)), cache=_rnn_cache()[1])),
    "rnn.hidden_gradient_norms": lambda: (rnn.hidden_gradient_norms, dict(
        dh=_rng().standard_normal((2, 5, 4)), cache=_rnn_cache()[1])),
    "rnn.temporal_affine_forward": lambda: (rnn.temporal_affine_forward, _affine()),
    "rnn.temporal_affine_backward": lambda: (rnn.temporal_affine_backward, dict(
        dy=_rng().standard_normal((2, 5, 2)), cache=rnn.temporal_affine_forward(**_affine())[1])),
    "rnn.one_to_one": lambda: (rnn.one_to_one, dict(
        x=_rng().standard_normal((2, 3)), **_weights())),
    "rnn.one_to_many": lambda: (rnn.one_to_many, dict(
        x=_rng().standard_normal((2, 3)), steps=4, **_weights(3),
        h0=_rng().standard_normal((2, 4)))),
    "rnn.many_to_one": lambda: (rnn.many_to_one, dict(
        x=_rng().standard_normal((2, 5, 3)), **_weights(), h0=_rng().standard_normal((2, 4)))),
    "rnn.many_to_many": lambda: (rnn.many_to_many, dict(
        x=_rng().standard_normal((2, 5, 3)), **_weights(), h0=_rng().standard_normal((2, 4)))),
    "rnn.random_upstream_gradient": lambda: (rnn.random_upstream_gradient, dict(
        shape=(2, 5, 4), loss="last", seed=0)),
    "rnn.hidden_jacobian_norms": lambda: (rnn.hidden_jacobian_norms, dict(
        h=np.tanh(_rng().standard_normal((5, 4))), W_hh=_rng().standard_normal((4, 4)))),
    "rnn.scaled_recurrent_matrix": lambda: (rnn.scaled_recurrent_matrix, dict(
        hidden_size=4, sigma_max=1.2, seed=0)),
    "rnn.gradient_experiment": lambda: (rnn.gradient_experiment, dict(
        sigma_max=1.1, T=5, hidden_size=4, seed=0, loss="every", input_scale=0.1)),
    "rnn.clipped_norm": lambda: (rnn.clipped_norm, dict(
        grads=[_rng().standard_normal((2, 3)), _rng().standard_normal(3)], max_norm=1.0)),
    "rnn.global_norm": lambda: (rnn.global_norm, dict(
        arrays=[_rng().standard_normal(3), _rng().standard_normal((2, 2))])),
    "rnn.clip_grad_norm": lambda: (rnn.clip_grad_norm, dict(
        grads={"W": _rng().standard_normal((2, 2)), "b": _rng().standard_normal(2)},
        max_norm=1.0)),
    "rnn.VanillaRNN": lambda: (rnn.VanillaRNN, dict(
        input_size=3, hidden_size=4, output_size=2, seed=0)),
    "rnn.VanillaRNN.parameters": lambda: (_vanilla_rnn().parameters, {}),
    "rnn.VanillaRNN.reset_state": lambda: (_vanilla_rnn().reset_state, {}),
    "rnn.VanillaRNN.forward": lambda: (_vanilla_rnn().forward, dict(
        x=_rng().standard_normal((2, 3)))),
    "rnn.VanillaRNN.forward_sequence": lambda: (_vanilla_rnn().forward_sequence, dict(
        x=_rng().standard_normal((2, 5, 3)), h0=_rng().standard_normal((2, 4)))),
    "rnn.VanillaRNN.backward_sequence": lambda: (_rnn_after_sequence().backward_sequence, dict(
        dy=_rng().standard_normal((2, 5, 2)))),
    "gradcheck.numerical_gradient": lambda: (gradcheck.numerical_gradient, dict(
        f=_square_sum, x=_rng().standard_normal((3, 2)), h=1e-5)),
    "gradcheck.numerical_gradient_array": lambda: (gradcheck.numerical_gradient_array, dict(
        f=_tanh, x=_rng().standard_normal((3, 2)), dout=_rng().standard_normal((3, 2)),
        h=1e-5)),
    "gradcheck.numerical_gradients": lambda: (gradcheck.numerical_gradients, dict(
        f=_product, args=(_rng().standard_normal(3), _rng().standard_normal(3)),
        dout=_rng().standard_normal(3), h=1e-5)),
    "gradcheck.rel_error": lambda: (gradcheck.rel_error, dict(
        a=_rng().standard_normal((3, 2)), b=_rng().standard_normal((3, 2)), eps=1e-12)),
}


# ------------------------------------------------------------------------ bad values

def _strided(a):
    """``a``'s values in a non-contiguous view."""
    big = np.zeros((*a.shape, 2), dtype=a.dtype)
    big[..., 0] = a
    return big[..., 0]


def _read_only(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _with(a, value):
    a = a.copy()
    if a.size:
        a.flat[a.size // 2] = value
    return a


def _ragged(a):
    rows = a.tolist() if a.ndim else [1.0]
    if a.ndim == 1:
        return [rows, rows[:-1]]
    rows[-1] = rows[-1][:-1] if isinstance(rows[-1], list) else [rows[-1], 1.0]
    return rows


def _constant(value):
    return lambda _: value


ARRAY_POOL = [
    ("None", lambda a: None), ("str", lambda a: "abc"), ("object", lambda a: object()),
    ("float", lambda a: 1.5), ("nested list", lambda a: a.tolist()), ("ragged", _ragged),
    ("0-d", lambda a: np.array(1.0)), ("flattened", lambda a: a.reshape(-1)),
    ("extra axis", lambda a: a[..., None]), ("empty", lambda a: a[:0]),
    ("one more on the last axis", lambda a: np.concatenate([a, a[..., :1]], axis=-1)
     if a.ndim else a),
    ("NaN", lambda a: _with(a, np.nan)), ("inf", lambda a: _with(a, np.inf)),
    ("-inf", lambda a: _with(a, -np.inf)), ("huge", lambda a: a * 1e308),
    ("subnormal", lambda a: a * 5e-324), ("zeros", lambda a: np.zeros_like(a)),
    ("float32", lambda a: a.astype(np.float32)), ("float16", lambda a: a.astype(np.float16)),
    ("int64", lambda a: np.round(a).astype(np.int64)), ("uint8", lambda a: a.astype(np.uint8)),
    ("bool", lambda a: a > 0), ("complex", lambda a: a + 1j),
    ("longdouble", lambda a: a.astype(np.longdouble)), ("object dtype", lambda a: a.astype(object)),
    ("str dtype", lambda a: a.astype(str)),
    ("read-only", _read_only), ("Fortran order", np.asfortranarray), ("strided", _strided),
    ("transposed copy", lambda a: np.ascontiguousarray(a.T).T),
    ("broadcast view", lambda a: np.broadcast_to(a.flat[0], a.shape)),
]

INT_POOL = [(repr(v), _constant(v)) for v in (
    0, -1, 1, 2, 3, -(10**20), 10**6, 10**9, 10**20, 2**63, 1.5, 2.0, True, False, None, "2",
    float("nan"), float("inf"), 1 + 0j, (2, 2), (1, 2, 3), ())] + [
    ("np.int64(2)", lambda _: np.int64(2)), ("np.array(2)", lambda _: np.array(2)),
    ("np.array([2, 2])", lambda _: np.array([2, 2])), ("np.uint8(255)", lambda _: np.uint8(255)),
    ("np.float64(2)", lambda _: np.float64(2.0)), ("np.array(10**18)", lambda _: np.array(10**18)),
]

FLOAT_POOL = [(repr(v), _constant(v)) for v in (
    0.0, -1.0, float("nan"), float("inf"), -float("inf"), 1e308, 1e-308, 5e-324, 1, 2, True,
    None, "1e-5", 1j, 10**400, (1e-5,))] + [
    ("np.float32", lambda b: np.float32(b)), ("np.array(b)", lambda b: np.array(b)),
    ("np.array([b])", lambda b: np.array([b])),
]

BOOL_POOL = [(repr(v), _constant(v)) for v in (
    0, 1, None, "True", 2.0)] + [("np.bool_", lambda _: np.bool_(True)),
                                 ("np.array(True)", lambda _: np.array(True))]

STR_POOL = [(repr(v), _constant(v)) for v in ("", "LAST", None, 1, b"last")]

SHAPE_POOL = [(repr(v), _constant(v)) for v in (
    (), (0, 0, 0, 0), (-1, 3, 5, 5), (10**6,) * 4, (10**20, 1, 1, 1), (2.5, 3, 5, 5), "abc",
    None, 5, (2, 3), (2, 3, 5, 5, 1), (2, 5, 10**9), (10**6, 10**6, 10**6))] + [
    ("as list", lambda s: list(s)), ("as array", lambda s: np.array(s)),
    ("0-d array", lambda s: np.array(s[0])),
]


def _returns(value):
    return lambda *args: value


CALLABLE_POOL = [
    ("None", lambda f: None), ("int", lambda f: 3), ("wrong shape", lambda f: _returns(np.ones(7))),
    ("returns None", lambda f: _returns(None)), ("returns str", lambda f: _returns("x")),
    ("returns complex", lambda f: _returns(1j)), ("returns NaN", lambda f: _returns(np.nan)),
    ("returns list", lambda f: _returns([1.0, 2.0])),
]

CACHE_POOL = [
    ("None", lambda c: None), ("plain tuple", lambda c: tuple(c)), ("str", lambda c: "cache"),
    ("another layer's cache", lambda c: rnn.temporal_affine_forward(**_affine())[1]
     if not isinstance(c, rnn.TemporalAffineCache) else _rnn_cache()[1]),
]


def _sequence_pool(kind):
    def rebuild(items, transform):
        if isinstance(items, dict):
            return {key: transform(value) for key, value in items.items()}
        return type(items)(transform(value) for value in items)

    pool = [("empty", lambda s: type(s)()), ("None", lambda s: None), ("str", lambda s: "ab"),
            ("one array, not a sequence", lambda s: next(iter(
                s.values() if isinstance(s, dict) else s))),
            ("generator", lambda s: (v for v in (s.values() if isinstance(s, dict) else s))),
            ("with None", lambda s: rebuild(s, lambda v: None))]
    for label, make in ARRAY_POOL:
        if label not in ("None",):
            pool.append((f"each {label}", functools.partial(rebuild, transform=make)))
    return pool


POOLS = {
    "array": ARRAY_POOL, "int": INT_POOL, "float": FLOAT_POOL, "bool": BOOL_POOL,
    "str": STR_POOL, "shape": SHAPE_POOL, "callable": CALLABLE_POOL, "cache": CACHE_POOL,
    "sequence": _sequence_pool("sequence"),
}


def kind_of(value) -> str | None:
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return "cache"
    if isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        return "shape"
    if isinstance(value, (list, tuple, dict)):
        return "sequence"
    if callable(value):
        return "callable"
    return None


def pool_for(value) -> list:
    return POOLS.get(kind_of(value), [])


# ------------------------------------------------------------------------ one call

class CallTimeout(BaseException):
    """Raised by the alarm: a BaseException, so the library's handlers cannot swallow it."""


def _alarm(signum, frame):
    raise CallTimeout


def _same(before, after) -> bool:
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or before.dtype != after.dtype \
                or before.shape != after.shape:
            return False
        try:
            return bool(np.array_equal(before, after, equal_nan=before.dtype.kind in "fc"))
        except TypeError:
            return bool(np.array_equal(before, after))
    if isinstance(before, dict):
        return isinstance(after, dict) and before.keys() == after.keys() and all(
            _same(before[k], after[k]) for k in before)
    if isinstance(before, (list, tuple)):
        return type(before) is type(after) and len(before) == len(after) and all(
            _same(b, a) for b, a in zip(before, after, strict=True))
    if isinstance(before, float) and np.isnan(before):
        return isinstance(after, float) and np.isnan(after)
    return True  # scalars, callables, objects: immutable or not ours to compare


def _names_a_parameter(message: str, parameters) -> bool:
    for name in parameters:
        pattern = rf"(?<![\w.]){re.escape(name)}(?!\w)"
        if len(name) == 1:  # "a", "b", "h", "n": not the article or a bare letter
            pattern += r"(?=\s*(must|has|is|=|\.|\[|\(|,|:| and| of| with|$))"
        if re.search(pattern, message):
            return True
    return False


def run_call(name: str, function, kwargs: dict) -> tuple[str, str]:
    """``(outcome, detail)``: outcome is ``result``, ``ValueError``, ``TypeError`` or a failure
    class starting with ``FAIL``."""
    parameters = list(inspect.signature(function).parameters)
    try:
        before = copy.deepcopy(kwargs)
    except TypeError:  # generators
        before = dict(kwargs)
    tracemalloc.reset_peak()
    traced_before = tracemalloc.get_traced_memory()[0]
    signal.setitimer(signal.ITIMER_REAL, TIME_LIMIT)
    try:
        function(**kwargs)
        outcome, detail = "result", ""
    except CallTimeout:
        outcome, detail = "FAIL timeout", f"over {TIME_LIMIT} s"
    except (ValueError, TypeError) as err:
        kind = type(err).__name__ if type(err) in (ValueError, TypeError) else (
            "ValueError" if isinstance(err, ValueError) else "TypeError")
        if _names_a_parameter(str(err), parameters):
            outcome, detail = kind, ""
        else:
            outcome, detail = f"FAIL {kind} naming no argument", f"{type(err).__name__}: {err}"
    except Exception as err:  # every other type breaks the promise
        outcome, detail = f"FAIL {type(err).__name__}", f"{type(err).__name__}: {err}"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    peak = tracemalloc.get_traced_memory()[1] - traced_before
    if peak > MEMORY_LIMIT and not outcome.startswith("FAIL"):
        outcome, detail = "FAIL memory", f"{peak / 2**20:.0f} MiB traced"
    if not outcome.startswith("FAIL") and not all(
            _same(before[k], kwargs[k]) for k in before):
        outcome, detail = "FAIL input changed", ""
    return outcome, detail[:300]


# ------------------------------------------------------------------------ the run

def main(max_examples: int) -> dict:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    warnings.simplefilter("ignore")
    signal.signal(signal.SIGALRM, _alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/status") as status:
        vm_size = next(int(line.split()[1]) * 1024 for line in status
                       if line.startswith("VmSize"))
    resource.setrlimit(resource.RLIMIT_AS, (vm_size + MEMORY_HEADROOM, hard))
    tracemalloc.start()

    counts = collections.Counter()
    failures = collections.Counter()
    by_function = collections.defaultdict(collections.Counter)
    examples = []

    def fuzzer(name, make):
        @settings(max_examples=max_examples, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(st.data())
        def fuzz(data):
            function, kwargs = make()
            if kwargs and data.draw(st.integers(0, 9), label="mutate") > 0:
                arg = data.draw(st.sampled_from(sorted(kwargs)), label="argument")
                label, bad = data.draw(st.sampled_from(pool_for(kwargs[arg])), label="value")
                kwargs[arg] = bad(kwargs[arg])
                what = f"{name}({arg}={label})"
            else:
                what = f"{name}(valid)"
            outcome, detail = run_call(name, function, kwargs)
            if what.endswith("(valid)") and outcome in ("ValueError", "TypeError"):
                outcome = f"FAIL {outcome} from a valid call"
            counts[outcome if not outcome.startswith("FAIL") else "failure"] += 1
            by_function[name][outcome] += 1
            if outcome.startswith("FAIL"):
                failures[outcome] += 1
                if len(examples) < 400 and what not in seen:
                    seen.add(what)
                    examples.append(f"{outcome}: {what}: {detail}")
        return fuzz

    seen = set()
    for name in public_callables():
        if name in VALID_CALLS:
            fuzzer(name, VALID_CALLS[name])()

    return {
        "calls": sum(counts.values()),
        "outcomes": dict(counts),
        "failures": dict(failures),
        "functions": sorted(by_function),
        "failing_functions": {
            name: {k: v for k, v in c.items() if k.startswith("FAIL")}
            for name, c in sorted(by_function.items())
            if any(k.startswith("FAIL") for k in c)},
        "examples": examples,
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
