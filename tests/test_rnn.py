"""Tests of c182lib.rnn against explicit loops, numerical gradients and PyTorch."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib.gradcheck import numerical_gradient_array, numerical_gradients, rel_error
from c182lib.rnn import (
    VanillaRNN,
    clip_grad_norm,
    global_norm,
    hidden_gradient_norms,
    hidden_jacobian_norms,
    many_to_many,
    many_to_one,
    one_to_many,
    one_to_one,
    random_upstream_gradient,
    rnn_backward,
    rnn_forward,
    rnn_step_backward,
    rnn_step_forward,
    scaled_recurrent_matrix,
    temporal_affine_backward,
    temporal_affine_forward,
)

TOL = 1e-7


def make_weights(rng, D, H, outputs=None, scale=0.5):
    """Random RNN weights; ``scale`` keeps tanh out of saturation so gradients are O(1)."""
    weights = {"W_xh": scale * rng.standard_normal((H, D)),
               "W_hh": scale * rng.standard_normal((H, H)),
               "b_h": scale * rng.standard_normal(H)}
    if outputs is not None:
        weights["W_hy"] = scale * rng.standard_normal((outputs, H))
        weights["b_y"] = scale * rng.standard_normal(outputs)
    return weights


def cell(w):
    return w["W_xh"], w["W_hh"], w["b_h"]


def random_sequence(rng, N, T, D, H, with_h0=True):
    """Weights, inputs x (N, T, D), h0 (N, H) or None, the forward pass and a random upstream
    gradient: ``(x, h0, (W_xh, W_hh, b_h), h, cache, dh)``."""
    weights = cell(make_weights(rng, D, H))
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) if with_h0 else None
    h, cache = rnn_forward(x, h0, *weights)
    return x, h0, weights, h, cache, rng.standard_normal(h.shape)


def loop_forward(x, h0, W_xh, W_hh, b_h):
    """The worksheet's equation with column vectors, one sequence and one step at a time."""
    N, T, _ = x.shape
    h = np.zeros((N, T, W_hh.shape[0]))
    for n in range(N):
        h_t = np.zeros(W_hh.shape[0]) if h0 is None else h0[n]
        for t in range(T):
            h_t = np.tanh(W_hh @ h_t + W_xh @ x[n, t] + b_h)
            h[n, t] = h_t
    return h


sizes = st.integers(1, 4)


# ---------------------------------------------------------------------------------------------
# Cell and sequence: forward
# ---------------------------------------------------------------------------------------------

@settings(max_examples=25, deadline=None)
@given(N=sizes, T=sizes, D=sizes, H=sizes, with_h0=st.booleans(), seed=st.integers(0, 2**16))
def test_rnn_forward_matches_column_vector_loops(N, T, D, H, with_h0, seed):
    rng = np.random.default_rng(seed)
    w = make_weights(rng, D, H)
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H)) if with_h0 else None
    h, _ = rnn_forward(x, h0, *cell(w))
    np.testing.assert_allclose(h, loop_forward(x, h0, *cell(w)), rtol=1e-12, atol=1e-14)


def test_rnn_forward_equals_repeated_step_forward():
    rng = np.random.default_rng(0)
    w = make_weights(rng, 3, 5)
    x = rng.standard_normal((2, 6, 3))
    h0 = rng.standard_normal((2, 5))
    h, _ = rnn_forward(x, h0, *cell(w))
    h_t = h0
    for t in range(6):
        h_t, _ = rnn_step_forward(x[:, t], h_t, *cell(w))
        np.testing.assert_allclose(h[:, t], h_t, rtol=1e-13, atol=1e-15)


def test_float32_stays_float32_without_h0():
    rng = np.random.default_rng(3)
    W_xh, W_hh, b_h = (a.astype(np.float32) for a in cell(make_weights(rng, 2, 3)))
    x = rng.standard_normal((4, 5, 2)).astype(np.float32)
    h_step, _ = rnn_step_forward(x[:, 0], None, W_xh, W_hh, b_h)
    h, cache = rnn_forward(x, None, W_xh, W_hh, b_h)
    assert h_step.dtype == h.dtype == np.float32
    assert all(g.dtype == np.float32 for g in rnn_backward(np.ones_like(h), cache))
    np.testing.assert_allclose(h[:, 0], h_step, rtol=1e-6)


# Which arguments are float32 in a mixed-dtype call; the others stay float64.
MIXED_FLOAT32 = [("x", "W_xh"), ("x", "W_xh", "h0"), ("W_hh", "b_h"), ("x",),
                 ("x", "W_xh", "W_hh", "b_h")]


def mixed_arguments(float32_names, with_outputs=False):
    """Random RNN arguments by name, float64, and a copy with ``float32_names`` in float32.

    The float64 set holds the float32 values exactly, so an implementation that casts to the
    common dtype first returns the float64 results to rounding of the float64 computation."""
    rng = np.random.default_rng(40)
    args = {"x": rng.standard_normal((3, 4, 2)), "h0": rng.standard_normal((3, 5)),
            **make_weights(rng, 2, 5, outputs=2 if with_outputs else None)}
    mixed = {k: v.astype(np.float32) if k in float32_names else v for k, v in args.items()}
    exact = {k: v.astype(np.float64) for k, v in mixed.items()}
    return mixed, exact


@pytest.mark.parametrize("float32_names", MIXED_FLOAT32)
def test_mixed_dtypes_compute_the_cell_in_float64(float32_names):
    mixed, exact = mixed_arguments(float32_names)
    cell_args = [mixed[k] for k in ("h0", "W_xh", "W_hh", "b_h")]
    exact_args = [exact[k] for k in ("h0", "W_xh", "W_hh", "b_h")]
    h, cache = rnn_forward(mixed["x"], *cell_args)
    h_exact, cache_exact = rnn_forward(exact["x"], *exact_args)
    assert h.dtype == np.float64
    np.testing.assert_allclose(h, h_exact, rtol=1e-14, atol=1e-15)
    for t in range(h.shape[1]):  # rnn_forward is T calls of rnn_step_forward, dtype included
        h_t, step_cache = rnn_step_forward(mixed["x"][:, t], h[:, t - 1] if t else mixed["h0"],
                                           *cell_args[1:])
        assert h_t.dtype == np.float64
        np.testing.assert_allclose(h_t, h[:, t], rtol=1e-14, atol=1e-15)
    dh = np.random.default_rng(41).standard_normal(h.shape).astype(np.float32)
    for grad, grad_exact in zip(rnn_backward(dh, cache), rnn_backward(dh, cache_exact),
                                strict=True):
        assert grad.dtype == np.float64
        np.testing.assert_allclose(grad, grad_exact, rtol=1e-13, atol=1e-14)
    for grad, grad_exact in zip(rnn_step_backward(dh[:, -1], step_cache),
                                rnn_step_backward(dh[:, -1], rnn_step_forward(
                                    exact["x"][:, -1], h_exact[:, -2], *exact_args[1:])[1]),
                                strict=True):
        assert grad.dtype == np.float64
        np.testing.assert_allclose(grad, grad_exact, rtol=1e-13, atol=1e-14)


def test_the_testers_mixed_dtype_example():
    x = np.ones((2, 3, 4), np.float32)
    W_xh = np.ones((5, 4), np.float32) * 0.1
    W_hh, b_h = np.eye(5) * 0.5, np.zeros(5)
    h, _ = rnn_forward(x, None, W_xh, W_hh, b_h)
    h_step, _ = rnn_step_forward(x[:, 0], None, W_xh, W_hh, b_h)
    assert h.dtype == h_step.dtype == np.float64
    expected = np.tanh(float(np.float32(0.1)) * 4)  # 0.1 is rounded to float32 as given
    np.testing.assert_allclose(h[:, 0], expected, rtol=1e-15)
    np.testing.assert_array_equal(h[:, 0], h_step)


@pytest.mark.parametrize("float32_names", [("h", "W"), ("b",), ("h",)])
def test_temporal_affine_mixed_dtypes_compute_in_float64(float32_names):
    rng = np.random.default_rng(42)
    args = {"h": rng.standard_normal((3, 4, 5)), "W": rng.standard_normal((2, 5)),
            "b": rng.standard_normal(2)}
    mixed = [v.astype(np.float32) if k in float32_names else v for k, v in args.items()]
    exact = [v.astype(np.float64) for v in mixed]
    y, cache = temporal_affine_forward(*mixed)
    y_exact, cache_exact = temporal_affine_forward(*exact)
    assert y.dtype == np.float64
    np.testing.assert_allclose(y, y_exact, rtol=1e-14, atol=1e-15)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    for grad, grad_exact in zip(temporal_affine_backward(dy, cache),
                                temporal_affine_backward(dy, cache_exact), strict=True):
        assert grad.dtype == np.float64
        np.testing.assert_allclose(grad, grad_exact, rtol=1e-14, atol=1e-14)


@pytest.mark.parametrize("float32_names", [("x", "W_xh", "W_hh", "b_h", "h0"), ("W_hy", "b_y"),
                                           ("x", "W_xh", "W_hh", "b_h"),
                                           ("x", "W_xh", "W_hh", "b_h", "W_hy", "b_y", "h0")])
def test_problem_types_compute_in_the_common_dtype(float32_names):
    mixed, exact = mixed_arguments(float32_names, with_outputs=True)
    all_float32 = len(float32_names) == 7
    weights = {k: mixed[k] for k in ("W_xh", "W_hh", "b_h", "W_hy", "b_y")}
    exact_weights = {k: exact[k] for k in weights}
    calls = [
        (one_to_one, (mixed["x"][:, 0],), {}, (exact["x"][:, 0],), {}),
        (one_to_many, (mixed["x"][:, 0], 3), {"h0": mixed["h0"]},
         (exact["x"][:, 0], 3), {"h0": exact["h0"]}),
        (many_to_one, (mixed["x"],), {"h0": mixed["h0"]}, (exact["x"],), {"h0": exact["h0"]}),
        (many_to_many, (mixed["x"],), {"h0": mixed["h0"]}, (exact["x"],), {"h0": exact["h0"]}),
    ]
    for function, args, kwargs, exact_args, exact_kwargs in calls:
        y = function(*args, **kwargs, **weights)
        y_exact = function(*exact_args, **exact_kwargs, **exact_weights)
        assert y.dtype == (np.float32 if all_float32 else np.float64), function.__name__
        np.testing.assert_allclose(y, y_exact, rtol=1e-6 if all_float32 else 1e-14, atol=1e-7,
                                   err_msg=function.__name__)


def test_jacobian_norms_of_float32_states_are_computed_in_float64():
    rng = np.random.default_rng(43)
    h = np.tanh(rng.standard_normal((6, 4))).astype(np.float32)
    W_hh = rng.standard_normal((4, 4)).astype(np.float32)
    norms, bound = hidden_jacobian_norms(h, W_hh)
    exact_norms, exact_bound = hidden_jacobian_norms(h.astype(np.float64),
                                                     W_hh.astype(np.float64))
    assert norms.dtype == bound.dtype == np.float64
    np.testing.assert_allclose(norms, exact_norms, rtol=1e-13)
    np.testing.assert_allclose(bound, exact_bound, rtol=1e-13)


def test_rnn_forward_without_h0_starts_from_zeros():
    rng = np.random.default_rng(1)
    w = make_weights(rng, 2, 3)
    x = rng.standard_normal((4, 3, 2))
    np.testing.assert_array_equal(rnn_forward(x, None, *cell(w))[0],
                                  rnn_forward(x, np.zeros((4, 3)), *cell(w))[0])


# ---------------------------------------------------------------------------------------------
# Backward passes against numerical gradients (random upstream gradients)
# ---------------------------------------------------------------------------------------------

def check_rnn_backward(N, T, D, H, with_h0, seed):
    x, h0, (W_xh, W_hh, b_h), h, cache, dh = random_sequence(
        np.random.default_rng(seed), N, T, D, H, with_h0)
    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)
    h0_value = np.zeros((N, H)) if h0 is None else h0
    numeric = numerical_gradients(lambda *args: rnn_forward(*args)[0],
                                  (x, h0_value, W_xh, W_hh, b_h), dh)
    analytic = (dx, dh0, dW_xh, dW_hh, db_h)
    # Entries far below the largest gradient entry are compared relative to that largest one:
    # the numerical gradients' error (about 1e-11 here) is absolute, and 0.8 % of random
    # sequences have an entry near 1e-4 or below, where it exceeds 1e-7 of the entry.
    scale = max(max(np.abs(g).max() for g in numeric), 1e-12)
    for name, value, expected in zip(("dx", "dh0", "dW_xh", "dW_hh", "db_h"), analytic, numeric,
                                     strict=True):
        assert value.shape == expected.shape, name
        assert rel_error(value, expected, eps=scale) < TOL, name


@pytest.mark.parametrize("N", [1, 3])
@pytest.mark.parametrize("T", [1, 5])
@pytest.mark.parametrize("with_h0", [True, False])
def test_rnn_backward_numerical(N, T, with_h0):
    check_rnn_backward(N, T, D=3, H=4, with_h0=with_h0, seed=10 * N + T)


@settings(max_examples=10, deadline=None)
@given(N=sizes, T=sizes, D=sizes, H=sizes, with_h0=st.booleans(), seed=st.integers(0, 2**16))
def test_rnn_backward_numerical_random_shapes(N, T, D, H, with_h0, seed):
    check_rnn_backward(N, T, D, H, with_h0, seed)


@pytest.mark.parametrize("N", [1, 3])
def test_rnn_step_backward_numerical(N):
    rng = np.random.default_rng(N)
    W_xh, W_hh, b_h = cell(make_weights(rng, 3, 4))
    x = rng.standard_normal((N, 3))
    h_prev = rng.standard_normal((N, 4))
    h, cache = rnn_step_forward(x, h_prev, W_xh, W_hh, b_h)
    dh = rng.standard_normal(h.shape)
    grads = rnn_step_backward(dh, cache)
    numeric = numerical_gradients(lambda *args: rnn_step_forward(*args)[0],
                                  (x, h_prev, W_xh, W_hh, b_h), dh)
    for i, (grad, expected) in enumerate(zip(grads, numeric, strict=True)):
        assert rel_error(grad, expected) < TOL, i


def test_rnn_backward_equals_textbook_step_loop():
    """The hoisted matrix products after the loop equal summing rnn_step_backward per step."""
    x, h0, (W_xh, W_hh, b_h), h, cache, dh = random_sequence(np.random.default_rng(2),
                                                             2, 7, 3, 4)
    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)

    h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)
    dh_next = np.zeros_like(h0)
    grads = [np.zeros_like(W_xh), np.zeros_like(W_hh), np.zeros_like(b_h)]
    for t in reversed(range(7)):
        _, step_cache = rnn_step_forward(x[:, t], h_prev[:, t], W_xh, W_hh, b_h)
        dx_t, dh_next, *step_grads = rnn_step_backward(dh[:, t] + dh_next, step_cache)
        np.testing.assert_allclose(dx[:, t], dx_t, rtol=1e-12, atol=1e-14)
        grads = [g + s for g, s in zip(grads, step_grads, strict=True)]
    np.testing.assert_allclose(dh0, dh_next, rtol=1e-12, atol=1e-14)
    for mine, textbook in zip([dW_xh, dW_hh, db_h], grads, strict=True):
        np.testing.assert_allclose(mine, textbook, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("shape", [(2, 3, 4), (1, 1, 4), (3, 4)])
def test_temporal_affine_forward_and_backward(shape):
    rng = np.random.default_rng(len(shape))
    h = rng.standard_normal(shape)
    W = rng.standard_normal((5, 4))
    b = rng.standard_normal(5)
    y, cache = temporal_affine_forward(h, W, b)
    rows = h.reshape(-1, 4)
    expected = np.array([W @ row + b for row in rows]).reshape(shape[:-1] + (5,))
    np.testing.assert_allclose(y, expected, rtol=1e-13)
    dy = rng.standard_normal(y.shape)
    grads = temporal_affine_backward(dy, cache)
    numeric = numerical_gradients(lambda *args: temporal_affine_forward(*args)[0], (h, W, b), dy)
    for name, grad, expected in zip(("dh", "dW", "db"), grads, numeric, strict=True):
        assert rel_error(grad, expected) < TOL, name


@pytest.mark.parametrize("sequence_shape", [(2, 4, 3), (4, 3)])
def test_class_backward_sequence_end_to_end_numerical(sequence_shape):
    """A many-to-many loss backpropagated through the output layer and time."""
    rnn = VanillaRNN(3, 5, 2, seed=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal(sequence_shape)
    y = rnn.forward_sequence(x)
    dy = rng.standard_normal(y.shape)
    grads = rnn.backward_sequence(dy)
    assert set(grads) == set(rnn.parameters())
    for name, value in rnn.parameters().items():
        def f(v, name=name):
            params = {**rnn.parameters(), name: v}
            probe = VanillaRNN(3, 5, 2)
            for key, array in params.items():
                setattr(probe, key, array)
            return probe.forward_sequence(x)
        assert grads[name].shape == value.shape
        assert rel_error(grads[name], numerical_gradient_array(f, value, dy)) < TOL, name


# ---------------------------------------------------------------------------------------------
# The class: worksheet semantics, agreement with the functions, no leaking state
# ---------------------------------------------------------------------------------------------

def test_class_init_shapes_seed_and_scale():
    rnn = VanillaRNN(3, 16, 2, seed=0)
    shapes = {name: p.shape for name, p in rnn.parameters().items()}
    assert shapes == {"W_xh": (16, 3), "W_hh": (16, 16), "b_h": (16,), "W_hy": (2, 16),
                      "b_y": (2,)}
    assert rnn.hidden_state.shape == (16,) and not rnn.hidden_state.any()
    for p in rnn.parameters().values():
        assert np.all(np.abs(p) <= 1 / np.sqrt(16))
    again = VanillaRNN(3, 16, 2, seed=0)
    for name, p in rnn.parameters().items():
        np.testing.assert_array_equal(p, getattr(again, name))
    assert not np.array_equal(VanillaRNN(3, 16, 2, seed=1).W_hh, rnn.W_hh)


def test_class_forward_one_vector_is_the_worksheet_formula():
    rnn = VanillaRNN(3, 4, 2, seed=1)
    rng = np.random.default_rng(1)
    h = np.zeros(4)
    for _ in range(3):
        x = rng.standard_normal(3)
        h = np.tanh(rnn.W_hh @ h + rnn.W_xh @ x + rnn.b_h)
        y = rnn.forward(x)
        assert y.shape == (2,) and rnn.hidden_state.shape == (4,)
        np.testing.assert_allclose(rnn.hidden_state, h, rtol=1e-13)
        np.testing.assert_allclose(y, rnn.W_hy @ h + rnn.b_y, rtol=1e-13)


@pytest.mark.parametrize("N", [1, 3])
def test_step_by_step_equals_sequence_and_functional(N):
    rnn = VanillaRNN(3, 4, 2, seed=2)
    x = np.random.default_rng(2).standard_normal((N, 6, 3))
    steps = np.stack([rnn.forward(x[:, t]) for t in range(6)], axis=1)
    last_state = rnn.hidden_state
    y_sequence = rnn.forward_sequence(x)
    h, _ = rnn_forward(x, None, rnn.W_xh, rnn.W_hh, rnn.b_h)
    y_functional = h @ rnn.W_hy.T + rnn.b_y
    np.testing.assert_allclose(steps, y_sequence, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(y_sequence, y_functional, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(rnn.hidden_state, last_state, rtol=1e-13)
    np.testing.assert_allclose(many_to_many(x, **rnn.parameters()), y_sequence, rtol=1e-13)


def test_single_sequence_path_equals_batch_of_one():
    rnn = VanillaRNN(3, 4, 2, seed=4)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3))
    h0 = rng.standard_normal(4)
    y = rnn.forward_sequence(x, h0)
    assert y.shape == (5, 2) and rnn.hidden_state.shape == (4,)
    np.testing.assert_allclose(y, rnn.forward_sequence(x[None], h0[None])[0], rtol=1e-14)


def test_no_hidden_state_leaks_between_sequences():
    rnn = VanillaRNN(2, 4, 3, seed=5)
    rng = np.random.default_rng(5)
    first, second = rng.standard_normal((2, 4, 2))
    fresh = [rnn.forward(x_t) for x_t in second]
    rnn.reset_state()
    for x_t in first:
        rnn.forward(x_t)
    rnn.reset_state()
    after_reset = [rnn.forward(x_t) for x_t in second]
    np.testing.assert_array_equal(fresh, after_reset)

    # Without a reset the state carries over: the test above could fail.
    continued = [rnn.forward(x_t) for x_t in second]
    assert not np.allclose(continued, fresh)
    # forward_sequence starts from zeros (or h0) whatever forward left behind.
    np.testing.assert_allclose(rnn.forward_sequence(second), fresh, rtol=1e-13)


def test_forward_continues_after_forward_sequence():
    rnn = VanillaRNN(2, 4, 3, seed=6)
    x = np.random.default_rng(6).standard_normal((2, 7, 2))
    whole = rnn.forward_sequence(x)
    rnn.forward_sequence(x[:, :4])
    continued = np.stack([rnn.forward(x[:, t]) for t in range(4, 7)], axis=1)
    np.testing.assert_allclose(continued, whole[:, 4:], rtol=1e-13)


def test_independent_sequences_in_a_batch_do_not_interact():
    rnn = VanillaRNN(2, 4, 3, seed=7)
    x = np.random.default_rng(7).standard_normal((3, 5, 2))
    batch = rnn.forward_sequence(x)
    for n in range(3):
        np.testing.assert_allclose(batch[n], rnn.forward_sequence(x[n]), rtol=1e-13)


def test_class_errors():
    rnn = VanillaRNN(3, 4, 2, seed=0)
    with pytest.raises(ValueError, match="x must have D = input_size = 3"):
        rnn.forward(np.zeros(5))
    with pytest.raises(ValueError, match="x must be a 1-D or 2-D"):
        rnn.forward(np.zeros((2, 2, 3)))
    rnn.forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="reset_state"):
        rnn.forward(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="hidden_state"):
        rnn.forward(np.zeros(3))
    with pytest.raises(RuntimeError, match="forward_sequence"):
        VanillaRNN(3, 4, 2).backward_sequence(np.zeros((1, 1, 2)))
    rnn.forward_sequence(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="dy"):
        rnn.backward_sequence(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="h0"):
        rnn.forward_sequence(np.zeros((5, 3)), h0=np.zeros(3))
    with pytest.raises(ValueError, match="hidden_size"):
        VanillaRNN(3, 0, 2)
    with pytest.raises(TypeError, match="input_size"):
        VanillaRNN(3.0, 4, 2)


# ---------------------------------------------------------------------------------------------
# Problem types
# ---------------------------------------------------------------------------------------------

def test_one_to_one_is_a_one_hidden_layer_network():
    rng = np.random.default_rng(8)
    w = make_weights(rng, 3, 4, outputs=2)
    x = rng.standard_normal((5, 3))
    expected = np.tanh(x @ w["W_xh"].T + w["b_h"]) @ w["W_hy"].T + w["b_y"]
    np.testing.assert_allclose(one_to_one(x, **w), expected, rtol=1e-13)


@pytest.mark.parametrize("with_h0", [True, False])
def test_one_to_many_feeds_each_output_back(with_h0):
    rng = np.random.default_rng(9)
    w = make_weights(rng, 3, 4, outputs=3)
    x = rng.standard_normal((2, 3))
    h0 = rng.standard_normal((2, 4)) if with_h0 else None
    y = one_to_many(x, 5, h0=h0, **w)
    assert y.shape == (2, 5, 3)
    for n in range(2):
        h = np.zeros(4) if h0 is None else h0[n]
        x_t = x[n]
        for t in range(5):
            h = np.tanh(w["W_hh"] @ h + w["W_xh"] @ x_t + w["b_h"])
            x_t = w["W_hy"] @ h + w["b_y"]
            np.testing.assert_allclose(y[n, t], x_t, rtol=1e-12)
    with pytest.raises(ValueError, match="W_hy"):
        one_to_many(x, 5, **make_weights(rng, 3, 4, outputs=2))
    with pytest.raises(ValueError, match="steps"):
        one_to_many(x, 0, **w)


def test_many_to_one_is_the_last_output_of_many_to_many():
    rng = np.random.default_rng(10)
    w = make_weights(rng, 3, 4, outputs=2)
    x = rng.standard_normal((2, 6, 3))
    h0 = rng.standard_normal((2, 4))
    np.testing.assert_array_equal(many_to_one(x, h0=h0, **w), many_to_many(x, h0=h0, **w)[:, -1])
    h = loop_forward(x, h0, *cell(w))
    np.testing.assert_allclose(many_to_many(x, h0=h0, **w), h @ w["W_hy"].T + w["b_y"],
                               rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# Gradients through time
# ---------------------------------------------------------------------------------------------

def test_hidden_gradient_norms_match_numerical_gradients_of_every_state():
    """||dL/dh_t|| by perturbing h_t and re-running the recurrence from step t + 1."""
    x, h0, (W_xh, W_hh, b_h), h, cache, dh = random_sequence(np.random.default_rng(11),
                                                             2, 5, 2, 3)
    norms = hidden_gradient_norms(dh, cache)
    assert norms.shape == (6,)
    states = np.concatenate([h0[:, None], h], axis=1)  # h_0, ..., h_T
    for t in range(6):
        def states_depending_on(h_t, t=t):
            """h_t itself and h_{t+1..T}, aligned with dh; the other states are constants."""
            out = np.zeros_like(h)
            if t >= 1:
                out[:, t - 1] = h_t
            if t < 5:
                out[:, t:] = rnn_forward(x[:, t:], h_t, W_xh, W_hh, b_h)[0]
            return out
        grad = numerical_gradient_array(states_depending_on, states[:, t], dh)
        assert abs(np.linalg.norm(grad) - norms[t]) < 1e-8 * norms[t], t
    np.testing.assert_allclose(norms[0], np.linalg.norm(rnn_backward(dh, cache)[1]), rtol=1e-13)


def test_hidden_jacobian_norms_match_numerical_jacobians():
    rng = np.random.default_rng(12)
    W_xh, W_hh, b_h = cell(make_weights(rng, 2, 3, scale=0.8))
    x = rng.standard_normal((1, 6, 2))
    h0 = rng.standard_normal((1, 3))
    h, _ = rnn_forward(x, h0, W_xh, W_hh, b_h)
    norms, bound = hidden_jacobian_norms(h[0], W_hh)
    assert norms.shape == bound.shape == (7,)
    states = np.concatenate([h0, h[0]])  # h_0, ..., h_T
    eps = 1e-6
    for t in range(7):
        def h_last(h_t, t=t):
            return h_t if t == 6 else rnn_forward(x[:, t:], h_t[None], W_xh, W_hh, b_h)[0][0, -1]
        jacobian = np.column_stack([(h_last(states[t] + eps * e) - h_last(states[t] - eps * e))
                                    / (2 * eps) for e in np.eye(3)])
        assert abs(np.linalg.norm(jacobian, 2) - norms[t]) < 1e-8 * norms[t], t
    sigma = np.linalg.svd(W_hh, compute_uv=False)[0]
    np.testing.assert_allclose(bound, sigma ** np.arange(6, -1, -1), rtol=1e-13)


@settings(max_examples=25, deadline=None)
@given(T=st.integers(1, 30), H=st.integers(1, 8), scale=st.floats(0.1, 3.0),
       seed=st.integers(0, 2**16))
def test_jacobian_bound_holds_on_random_recurrent_weights(T, H, scale, seed):
    rng = np.random.default_rng(seed)
    W_hh = scale * rng.standard_normal((H, H)) / np.sqrt(H)
    W_xh = rng.standard_normal((H, 2))
    h, cache = rnn_forward(rng.standard_normal((1, T, 2)), None, W_xh, W_hh, np.zeros(H))
    norms, bound = hidden_jacobian_norms(h[0], W_hh)
    assert np.all(norms <= bound * (1 + 1e-10))
    assert norms[T] == pytest.approx(1.0)
    grad_norms = hidden_gradient_norms(random_upstream_gradient(h.shape, "last", seed), cache)
    assert np.all(grad_norms <= bound * grad_norms[T] * (1 + 1e-10))


@pytest.mark.parametrize("sigma", [0.5, 0.9])
def test_sigma_below_one_makes_gradients_decay_geometrically(sigma):
    rng = np.random.default_rng(13)
    H, T = 16, 40
    W_hh = scaled_recurrent_matrix(H, sigma, seed=13)
    x = rng.standard_normal((2, T, 3))
    h, cache = rnn_forward(x, None, rng.standard_normal((H, 3)), W_hh, np.zeros(H))
    norms, bound = hidden_jacobian_norms(h[0], W_hh)
    grad_norms = hidden_gradient_norms(random_upstream_gradient(h.shape, "last", 0), cache)
    for values in (norms, grad_norms):
        assert np.all(values[:-1] <= sigma * values[1:] * (1 + 1e-12))  # each step back: <= σ
        assert values[0] <= sigma**T * values[T] * (1 + 1e-12)
    assert norms[0] < 1e-4


def test_sigma_above_one_with_small_preactivations_makes_gradients_grow():
    rng = np.random.default_rng(14)
    H, T, sigma = 16, 30, 1.3
    W_hh = scaled_recurrent_matrix(H, sigma, seed=14)
    x = 1e-9 * rng.standard_normal((1, T, 3))  # tanh' ≈ 1 all along
    h, cache = rnn_forward(x, None, rng.standard_normal((H, 3)), W_hh, np.zeros(H))
    assert np.abs(h).max() < 1e-4
    norms, bound = hidden_jacobian_norms(h[0], W_hh)
    grad_norms = hidden_gradient_norms(random_upstream_gradient(h.shape, "last", 1), cache)
    for values in (norms, grad_norms):
        assert np.all(values[:-1] > values[1:])
        np.testing.assert_allclose(values, bound * values[T], rtol=1e-6)
    assert norms[0] > 1e3


def test_zero_input_makes_the_bound_exact():
    """h stays 0, tanh' = 1, and σ·Q raised to any power has spectral norm σ^k."""
    H, T = 8, 12
    W_hh = scaled_recurrent_matrix(H, 1.1, seed=0)
    h, _ = rnn_forward(np.zeros((1, T, 2)), None, np.ones((H, 2)), W_hh, np.zeros(H))
    norms, bound = hidden_jacobian_norms(h[0], W_hh)
    np.testing.assert_allclose(norms, bound, rtol=1e-12)


@pytest.mark.parametrize("H", [1, 5, 32])
def test_scaled_recurrent_matrix(H):
    W = scaled_recurrent_matrix(H, 1.7, seed=3)
    assert W.shape == (H, H)
    np.testing.assert_allclose(np.linalg.svd(W, compute_uv=False), 1.7, rtol=1e-12)
    np.testing.assert_allclose(np.abs(np.linalg.eigvals(W)), 1.7, rtol=1e-10)
    np.testing.assert_array_equal(W, scaled_recurrent_matrix(H, 1.7, seed=3))
    if H > 1:
        assert not np.array_equal(W, scaled_recurrent_matrix(H, 1.7, seed=4))


def test_random_upstream_gradient():
    last = random_upstream_gradient((2, 5, 3), "last", seed=0)
    assert last.shape == (2, 5, 3)
    assert not last[:, :-1].any()
    assert np.linalg.norm(last[:, -1]) == pytest.approx(1.0)
    every = random_upstream_gradient((2, 5, 3), "every", seed=0)
    np.testing.assert_allclose(np.linalg.norm(every, axis=(0, 2)), 1.0)
    np.testing.assert_array_equal(every, random_upstream_gradient((2, 5, 3), "every", seed=0))
    with pytest.raises(ValueError, match="loss"):
        random_upstream_gradient((2, 5, 3), "first")
    with pytest.raises(ValueError, match="shape"):
        random_upstream_gradient((5, 3))
    with pytest.raises(ValueError, match=r"shape\[1\]"):
        random_upstream_gradient((2, 0, 3))


def test_loss_on_every_step_gives_larger_gradients_at_early_steps_than_last_step_only():
    rng = np.random.default_rng(15)
    W_hh = scaled_recurrent_matrix(8, 0.5, seed=15)
    h, cache = rnn_forward(rng.standard_normal((1, 20, 2)), None,
                           rng.standard_normal((8, 2)), W_hh, np.zeros(8))
    last = hidden_gradient_norms(random_upstream_gradient(h.shape, "last", 0), cache)
    every = hidden_gradient_norms(random_upstream_gradient(h.shape, "every", 0), cache)
    assert every[1] > 1e3 * last[1]  # early steps still get their own, nearby losses


# ---------------------------------------------------------------------------------------------
# Gradient clipping
# ---------------------------------------------------------------------------------------------

def random_grads(rng, scale):
    return {"W": scale * rng.standard_normal((3, 4)), "b": scale * rng.standard_normal(4)}


def reference_global_norm(arrays):
    """The reference: the square root of the sum of every squared entry, unscaled."""
    return np.sqrt(sum(np.sum(a * a) for a in arrays))


def test_clip_keeps_direction_and_reaches_max_norm():
    grads = random_grads(np.random.default_rng(16), 10.0)
    clipped, total = clip_grad_norm(grads, 2.0)
    assert total == pytest.approx(reference_global_norm(grads.values()), rel=1e-14)
    assert reference_global_norm(clipped.values()) == pytest.approx(2.0, rel=1e-6)
    factor = clipped["W"][0, 0] / grads["W"][0, 0]
    for name in grads:  # one factor for every entry of every array: direction kept
        np.testing.assert_allclose(clipped[name], factor * grads[name], rtol=1e-14)
    assert factor == pytest.approx(2.0 / (total + 1e-6), rel=1e-14)


def test_clip_is_not_elementwise():
    grads = [np.array([100.0, 1.0])]
    (clipped,), _ = clip_grad_norm(grads, 1.0)
    np.testing.assert_allclose(clipped / np.linalg.norm(clipped), grads[0] / np.hypot(100, 1))
    assert clipped[1] < 0.1  # elementwise clipping to [-1, 1] would have kept 1.0


@pytest.mark.parametrize("max_norm", [5.0, None])
def test_clip_leaves_gradients_at_or_below_threshold_unchanged(max_norm):
    grads = random_grads(np.random.default_rng(17), 0.1)
    total = reference_global_norm(grads.values())
    clipped, reported = clip_grad_norm(grads, max_norm or total)
    assert reported == pytest.approx(total)
    for name in grads:
        np.testing.assert_array_equal(clipped[name], grads[name])
        assert clipped[name] is not grads[name]


def test_clip_returns_the_same_container_type_and_does_not_mutate():
    rng = np.random.default_rng(18)
    arrays = list(random_grads(rng, 10.0).values())
    copies = [a.copy() for a in arrays]
    for container in (list, tuple):
        clipped, _ = clip_grad_norm(container(arrays), 1.0)
        assert type(clipped) is container and len(clipped) == 2
    clipped, _ = clip_grad_norm({"a": arrays[0], "b": arrays[1]}, 1.0)
    assert type(clipped) is dict and list(clipped) == ["a", "b"]
    clipped["a"] *= 0  # the result does not alias the input
    for a, c in zip(arrays, copies, strict=True):
        np.testing.assert_array_equal(a, c)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("power", [-1000, -600, -100, 0, 100, 600, 1000])
def test_clip_global_norm_neither_overflows_nor_underflows(dtype, power):
    """Scaling by a power of two is exact, so the norm must scale exactly with it."""
    grads = random_grads(np.random.default_rng(19), 1.0)
    reference = reference_global_norm(grads.values())
    if dtype is np.float32:
        power = int(np.clip(power, -120, 120))  # stay within float32's normal range
    scaled = {k: np.ldexp(v, power).astype(dtype) for k, v in grads.items()}
    assert all(np.all(np.isfinite(v)) and np.all(v != 0) for v in scaled.values())
    clipped, total = clip_grad_norm(scaled, 1.0)
    exact = reference_global_norm(np.ldexp(v.astype(np.float64), -power) for v in scaled.values())
    assert total == pytest.approx(np.ldexp(exact, power), rel=1e-14, abs=0)
    assert exact == pytest.approx(reference, rel=1e-6 if dtype is np.float32 else 1e-15)
    assert all(c.dtype == dtype for c in clipped.values())
    if total > 1.0:
        clipped_norm = reference_global_norm(c.astype(np.float64) for c in clipped.values())
        assert clipped_norm == pytest.approx(1.0, rel=1e-6)


def test_clip_the_testers_examples():
    (clipped,), total = clip_grad_norm([np.array([1e20, 1e20], np.float32)], 1.0)
    assert total == pytest.approx(np.sqrt(2) * float(np.float32(1e20)), rel=1e-15)
    assert clipped.dtype == np.float32
    np.testing.assert_allclose(clipped, [np.sqrt(0.5)] * 2, rtol=1e-6)
    (clipped,), total = clip_grad_norm([np.array([1e-200, 1e-200])], 1.0)
    assert total == pytest.approx(np.sqrt(2) * 1e-200, rel=1e-15, abs=0)
    np.testing.assert_array_equal(clipped, [1e-200, 1e-200])
    _, total = clip_grad_norm([np.array([1e308, 1e308]), np.array([-1e308])], 1.0)
    assert total == pytest.approx(np.sqrt(3) * 1e308, rel=1e-15)
    (clipped,), total = clip_grad_norm([np.array([3, 4])], 1.0)  # integers become float64
    assert total == 5.0 and clipped.dtype == np.float64


def test_hidden_gradient_norms_of_float32_are_taken_in_float64():
    x, h0, (W_xh, W_hh, b_h), h, cache, dh = random_sequence(np.random.default_rng(44),
                                                             2, 5, 2, 3)
    norms = hidden_gradient_norms(dh, cache)
    # Squares of 2**70 overflow in float32 (but not in float64, where the norm is taken).
    for scale, dtype in [(2.0**300, np.float64), (2.0**70, np.float32)]:
        cache_in_dtype = rnn_forward(x.astype(dtype), h0.astype(dtype),
                                     *(w.astype(dtype) for w in (W_xh, W_hh, b_h)))[1]
        huge = hidden_gradient_norms((dh * scale).astype(dtype), cache_in_dtype)
        assert huge.dtype == np.float64
        np.testing.assert_allclose(huge / scale, norms,
                                   rtol=1e-13 if dtype is np.float64 else 1e-5)


def test_clip_errors():
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm([np.ones(3)], 0.0)
    with pytest.raises(ValueError, match="max_norm"):
        clip_grad_norm([np.ones(3)], -1.0)
    with pytest.raises(TypeError, match="max_norm"):
        clip_grad_norm([np.ones(3)], "1")
    with pytest.raises(TypeError, match="grads"):
        clip_grad_norm(np.ones(3), 1.0)
    with pytest.raises(TypeError, match=r"grads\['b'\]"):
        clip_grad_norm({"a": np.ones(3), "b": np.array(["x"])}, 1.0)
    with pytest.raises(ValueError, match=r"grads\[0\] must be finite"):
        clip_grad_norm([np.array([np.inf, 1.0])], 1.0)
    with pytest.raises(ValueError, match=r"grads\['b'\] must be finite.* 1 NaN or inf"):
        clip_grad_norm({"a": np.ones(2), "b": np.array([np.nan, 1.0])}, 1.0)


# ---------------------------------------------------------------------------------------------
# Bad input and mutation
# ---------------------------------------------------------------------------------------------

def good_args():
    rng = np.random.default_rng(19)
    return (rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5)),
            rng.standard_normal((5, 4)), rng.standard_normal((5, 5)), rng.standard_normal(5))


@pytest.mark.parametrize(("position", "bad", "name"), [
    (0, np.zeros((2, 4)), "x"),
    (0, np.zeros((0, 3, 4)), "x"),
    (0, np.zeros((2, 0, 4)), "x"),
    (1, np.zeros((3, 5)), "h0"),
    (1, np.zeros((2, 4)), "h0"),
    (2, np.zeros((5, 3)), "W_xh"),
    (2, np.zeros((4, 4)), "W_xh"),
    (3, np.zeros((5, 4)), "W_hh"),
    (3, np.zeros(5), "W_hh"),
    (4, np.zeros(4), "b_h"),
])
def test_rnn_forward_bad_shapes_name_the_argument(position, bad, name):
    args = list(good_args())
    args[position] = bad
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        rnn_forward(*args)


def test_other_bad_inputs_name_the_argument():
    x, h0, W_xh, W_hh, b_h = good_args()
    with pytest.raises(TypeError, match="x must be"):
        rnn_forward(x.astype(complex), h0, W_xh, W_hh, b_h)
    with pytest.raises(ValueError, match="h_prev"):
        rnn_step_forward(x[:, 0], h0[:1], W_xh, W_hh, b_h)
    h, cache = rnn_forward(x, h0, W_xh, W_hh, b_h)
    with pytest.raises(ValueError, match="dh"):
        rnn_backward(h[:, :-1], cache)
    with pytest.raises(ValueError, match="dh"):
        rnn_step_backward(h[:, 0, :-1], rnn_step_forward(x[:, 0], h0, W_xh, W_hh, b_h)[1])
    with pytest.raises(ValueError, match=r"\bW\b"):
        temporal_affine_forward(h, np.zeros((2, 4)), np.zeros(2))
    with pytest.raises(ValueError, match=r"\bb\b"):
        temporal_affine_forward(h, np.zeros((2, 5)), np.zeros(3))
    y, affine_cache = temporal_affine_forward(h, np.zeros((2, 5)), np.zeros(2))
    with pytest.raises(ValueError, match="dy"):
        temporal_affine_backward(y[..., :1], affine_cache)
    with pytest.raises(ValueError, match=r"\bh\b"):
        hidden_jacobian_norms(h, W_hh)
    with pytest.raises(ValueError, match="W_hh"):
        hidden_jacobian_norms(h[0], W_hh[:4, :4])
    with pytest.raises(ValueError, match="sigma_max"):
        scaled_recurrent_matrix(4, 0.0)
    with pytest.raises(TypeError, match="hidden_size"):
        scaled_recurrent_matrix(4.0, 1.0)


def test_a_cache_from_the_wrong_forward_function_is_a_type_error():
    x, h0, W_xh, W_hh, b_h = good_args()
    h, cache = rnn_forward(x, h0, W_xh, W_hh, b_h)
    step_h, step_cache = rnn_step_forward(x[:, 0], h0, W_xh, W_hh, b_h)
    _, affine_cache = temporal_affine_forward(h, np.zeros((2, 5)), np.zeros(2))
    with pytest.raises(TypeError, match="cache must be the RnnCache returned by rnn_forward; "
                                        "got RnnStepCache"):
        rnn_backward(h, step_cache)
    with pytest.raises(TypeError, match="cache must be the RnnCache"):
        hidden_gradient_norms(h, tuple(cache))  # a plain tuple of the right arrays
    with pytest.raises(TypeError, match="RnnStepCache returned by rnn_step_forward"):
        rnn_step_backward(step_h, cache)
    with pytest.raises(TypeError, match="TemporalAffineCache returned by "
                                        "temporal_affine_forward"):
        temporal_affine_backward(h, cache)
    x_, h0_, *_ = cache  # still unpacks as a tuple, as CS231n-style code expects
    assert x_ is x and h0_ is h0 and affine_cache.W.shape == (2, 5)


def test_nothing_modifies_its_arguments():
    args = good_args()
    copies = [a.copy() for a in args]
    x, h0, W_xh, W_hh, b_h = args
    h, cache = rnn_forward(*args)
    dh = np.random.default_rng(20).standard_normal(h.shape)
    dh_copy = dh.copy()
    rnn_backward(dh, cache)
    hidden_gradient_norms(dh, cache)
    step_h, step_cache = rnn_step_forward(x[:, 0], h0, W_xh, W_hh, b_h)
    rnn_step_backward(dh[:, 0], step_cache)
    W_hy, b_y = np.ones((4, 5)), np.ones(4)
    weights = {"W_xh": W_xh, "W_hh": W_hh, "b_h": b_h, "W_hy": W_hy, "b_y": b_y}
    one_to_one(x[:, 0], **weights)
    one_to_many(x[:, 0], 3, h0=h0, **weights)
    many_to_one(x, h0=h0, **weights)
    many_to_many(x, h0=h0, **weights)
    hidden_jacobian_norms(h[0], W_hh)
    for original, copy in zip(args, copies, strict=True):
        np.testing.assert_array_equal(original, copy)
    np.testing.assert_array_equal(dh, dh_copy)
    assert not W_hy[W_hy != 1].size and not b_y[b_y != 1].size


# ---------------------------------------------------------------------------------------------
# PyTorch cross-checks (skipped when PyTorch is not installed)
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("N", "T", "with_h0"), [(1, 1, False), (3, 7, True), (2, 5, False)])
def test_matches_torch_rnn_forward_and_backward(N, T, with_h0):
    torch = pytest.importorskip("torch")
    D, H = 3, 5
    x, h0, (W_xh, W_hh, b_h), h, cache, dh = random_sequence(np.random.default_rng(21),
                                                             N, T, D, H, with_h0)
    dx, dh0, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)

    rnn = torch.nn.RNN(D, H, nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    with torch.no_grad():
        rnn.weight_ih_l0.copy_(torch.from_numpy(W_xh))
        rnn.weight_hh_l0.copy_(torch.from_numpy(W_hh))
        rnn.bias_ih_l0.copy_(torch.from_numpy(b_h))
        rnn.bias_hh_l0.zero_()
    x_t = torch.tensor(x, requires_grad=True)
    h0_t = torch.tensor(np.zeros((N, H)) if h0 is None else h0, requires_grad=True)
    out, h_last = rnn(x_t, h0_t[None])
    out.backward(torch.from_numpy(dh))
    np.testing.assert_allclose(h, out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h[:, -1], h_last[0].detach().numpy(), rtol=1e-12, atol=1e-14)
    pairs = [(dx, x_t.grad), (dh0, h0_t.grad), (dW_xh, rnn.weight_ih_l0.grad),
             (dW_hh, rnn.weight_hh_l0.grad), (db_h, rnn.bias_ih_l0.grad),
             (db_h, rnn.bias_hh_l0.grad)]
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine, theirs.numpy(), rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("scale", [0.01, 10.0])
def test_clip_matches_torch(scale):
    torch = pytest.importorskip("torch")
    grads = list(random_grads(np.random.default_rng(22), scale).values())
    clipped, total = clip_grad_norm(grads, 1.0)
    params = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g)
    torch_total = torch.nn.utils.clip_grad_norm_(params, 1.0)
    assert total == pytest.approx(float(torch_total), rel=1e-13)
    for mine, p in zip(clipped, params, strict=True):
        np.testing.assert_allclose(mine, p.grad.numpy(), rtol=1e-13)


def test_global_norm_is_the_norm_of_all_entries_in_one_vector():
    rng = np.random.default_rng(61)
    arrays = [rng.standard_normal((3, 4)), rng.standard_normal(5), np.float32([[2.0]])]
    flat = np.concatenate([np.ravel(a).astype(np.float64) for a in arrays])
    assert global_norm(arrays) == pytest.approx(np.linalg.norm(flat), rel=1e-15)
    assert global_norm([]) == global_norm([np.zeros(3)]) == 0.0
    assert np.isnan(global_norm([np.array([1.0, np.nan])]))


@pytest.mark.parametrize("bad", [np.ones(3) + 1j, np.ones(3, dtype=bool), np.ones(3, np.longdouble),
                                 ["a", "b"], [[1.0, 2.0], [3.0]]])
def test_global_norm_refuses_what_is_not_real_naming_the_array(bad):
    # Converting with dtype=float64 used to drop the imaginary part of complex gradients.
    with pytest.raises((TypeError, ValueError), match=r"arrays\[1\]"):
        global_norm([np.ones(2), bad])
    with pytest.raises(TypeError, match="arrays"):
        global_norm(np.ones(3))  # a single array: wrap it in a list
    assert global_norm({"a": np.full(4, 0.5), "b": np.ones(0)}) == pytest.approx(1.0)


def test_problem_types_blame_the_output_weights_they_were_given():
    rng = np.random.default_rng(5)
    x, x_seq = rng.standard_normal((2, 3)), rng.standard_normal((2, 4, 3))
    weights = dict(W_xh=rng.standard_normal((4, 3)), W_hh=rng.standard_normal((4, 4)),
                   b_h=rng.standard_normal(4), W_hy=rng.standard_normal((3, 4)),
                   b_y=rng.standard_normal(3))
    for call in (lambda **w: one_to_one(x, **w), lambda **w: one_to_many(x, 2, **w),
                 lambda **w: many_to_one(x_seq, **w), lambda **w: many_to_many(x_seq, **w)):
        with pytest.raises(ValueError, match=r"^b_y must have shape \(3,\)"):
            call(**{**weights, "b_y": np.ones(4)})
        with pytest.raises(ValueError, match=r"^W_hy must have shape \(O, H\)"):
            call(**{**weights, "W_hy": np.ones((3, 5))})
    with pytest.raises(ValueError, match=r"^h0 must have shape \(N, H\)"):
        one_to_many(x, 2, **weights, h0=np.ones(8))  # not "h_prev", the cell's name for it


def test_sizes_and_seeds_that_cannot_work_are_refused_naming_the_argument():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((2, 3))
    weights = dict(W_xh=rng.standard_normal((4, 3)), W_hh=rng.standard_normal((4, 4)),
                   b_h=rng.standard_normal(4), W_hy=rng.standard_normal((3, 4)),
                   b_y=rng.standard_normal(3))
    with pytest.raises(ValueError, match="steps=100000000000000000000 implies"):
        one_to_many(x, 10**20, **weights)
    with pytest.raises(ValueError, match="hidden_size=1000000 implies a matrix of 1000000 x"):
        scaled_recurrent_matrix(10**6, 1.0)
    with pytest.raises(ValueError, match="hidden_size"):
        VanillaRNN(3, 10**6, 2)
    with pytest.raises(ValueError, match=r"shape=\(2, 5, 1000000000\) implies"):
        random_upstream_gradient((2, 5, 10**9))
    for bad_seed, error in ((-1, ValueError), (1.5, TypeError), (np.float64(2), TypeError)):
        with pytest.raises(error, match="seed"):
            scaled_recurrent_matrix(4, 1.0, seed=bad_seed)
    with pytest.raises(ValueError, match="h must hold tanh hidden states"):
        hidden_jacobian_norms(np.full((3, 4), np.nan), np.eye(4))
