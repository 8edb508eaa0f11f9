"""The vanilla RNN: one cell, backpropagation through time, gradient norms, gradient clipping.

The worksheet's equations, for one sequence and column vectors::

    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)        y_t = W_hy h_t + b_y

A batch stores one sequence per *row*, so the same equations read
``h_t = tanh(h_{t-1} @ W_hh.T + x_t @ W_xh.T + b_h)`` and ``y_t = h_t @ W_hy.T + b_y``.
Shapes (PyTorch's layout, batch first)::

    W_xh (H, D)   W_hh (H, H)   b_h (H,)   W_hy (O, H)   b_y (O,)
    x (N, T, D)   h0 (N, H)     h (N, T, H) = [h_1, ..., h_T]   y (N, T, O)

The mathematics lives in small functions that return ``(out, cache)`` and take
``(dout, cache)`` back (CS231n style); `VanillaRNN` is a thin class that keeps the weights and the
hidden state and calls them.

- Cell and sequence: `rnn_step_forward`, `rnn_step_backward`, `rnn_forward`, `rnn_backward`.
- Output layer at every timestep: `temporal_affine_forward`, `temporal_affine_backward`.
- Problem types with the same cell: `one_to_one`, `one_to_many`, `many_to_one`, `many_to_many`.
- Vanishing and exploding gradients: `hidden_gradient_norms`, `random_upstream_gradient`,
  `hidden_jacobian_norms`, `scaled_recurrent_matrix`.
- `gradient_experiment`: gradient norms through time of a toy RNN, with their bound.
- `global_norm`, `clip_grad_norm`, `clipped_norm`: the global norm of several gradients,
  rescaling them all together by it, and that norm before and after.

Dtypes: integer arrays become float64, and every function computes in the dtype its array
arguments promote to (NumPy's rule): float32 if all of them are float32, float64 as soon as one
is float64 or an integer array. All arguments are cast to that dtype first, so a float32 input
with float64 weights is computed entirely in float64, exactly as if it had been float64. The
gradient-norm diagnostics (`hidden_gradient_norms`, `hidden_jacobian_norms`, `clip_grad_norm`'s
total norm) are always float64.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple

import numpy as np

from ._validate import (
    as_float_array,
    as_int,
    as_positive_float,
    as_seed,
    check_cache,
    check_shape,
    check_size,
    check_steps,
    in_common_dtype,
)

# Added to the global norm before dividing, as PyTorch's clip_grad_norm_ does.
_CLIP_EPS = 1e-6


# --------------------------------------------------------------------------------------------
# Caches (tuples with names: unpacking them as plain tuples works too)
# --------------------------------------------------------------------------------------------

class RnnStepCache(NamedTuple):
    """What `rnn_step_backward` needs from `rnn_step_forward`: x (N, D), h_prev (N, H),
    W_xh (H, D), W_hh (H, H) and the new hidden state h (N, H)."""

    x: np.ndarray
    h_prev: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray
    h: np.ndarray


class RnnCache(NamedTuple):
    """What `rnn_backward` needs from `rnn_forward`: x (N, T, D), h0 (N, H), W_xh (H, D),
    W_hh (H, H) and every hidden state h (N, T, H)."""

    x: np.ndarray
    h0: np.ndarray
    W_xh: np.ndarray
    W_hh: np.ndarray
    h: np.ndarray


class TemporalAffineCache(NamedTuple):
    """What `temporal_affine_backward` needs: h (N, T, H) or (N, H), and W (O, H)."""

    h: np.ndarray
    W: np.ndarray


# --------------------------------------------------------------------------------------------
# Argument checks shared by the cell and the sequence
# --------------------------------------------------------------------------------------------

def _check_cell(x: np.ndarray, h_name: str, h_prev, W_xh, W_hh,
                b_h) -> tuple[np.ndarray, ...]:
    """Check the cell's arguments against the input ``x`` ((N, D) or (N, T, D)).

    Returns ``(x, h_prev, W_xh, W_hh, b_h)``, all cast to the dtype they promote to; an
    ``h_prev`` of ``None`` becomes zeros (N, H).
    """
    W_hh = as_float_array("W_hh", W_hh, ndim=2, layout="(H, H)")
    batch, hidden = x.shape[0], W_hh.shape[0]
    check_shape("W_hh", W_hh, (hidden, hidden), "(H, H)")
    W_xh = as_float_array("W_xh", W_xh, ndim=2, layout="(H, D)")
    check_shape("W_xh", W_xh, (hidden, x.shape[-1]), "(H, D) with H from W_hh and D from x")
    b_h = as_float_array("b_h", b_h, ndim=1, layout="(H,)")
    check_shape("b_h", b_h, (hidden,), "(H,) with H from W_hh")
    if h_prev is None:
        x, W_xh, W_hh, b_h = in_common_dtype(x, W_xh, W_hh, b_h)
        return x, np.zeros((batch, hidden), dtype=x.dtype), W_xh, W_hh, b_h
    h_prev = as_float_array(h_name, h_prev, ndim=2, layout="(N, H)")
    check_shape(h_name, h_prev, (batch, hidden), "(N, H) with N from x and H from W_hh")
    return in_common_dtype(x, h_prev, W_xh, W_hh, b_h)


def _check_sequence(x) -> np.ndarray:
    x = as_float_array("x", x, ndim=3, layout="(N, T, D)")
    if x.shape[0] < 1 or x.shape[1] < 1:
        raise ValueError(f"x must hold N >= 1 sequences of T >= 1 steps (N, T, D); "
                         f"got shape {x.shape}")
    return x


# --------------------------------------------------------------------------------------------
# One timestep
# --------------------------------------------------------------------------------------------

def rnn_step_forward(x, h_prev, W_xh, W_hh, b_h) -> tuple[np.ndarray, RnnStepCache]:
    """One timestep of the vanilla RNN for a batch.

    Parameters
    ----------
    x : array_like, shape (N, D)
        Inputs ``x_t``, one row per sequence.
    h_prev : array_like, shape (N, H), or None
        Previous hidden states ``h_{t-1}``; ``None`` means zeros.
    W_xh : array_like, shape (H, D)
    W_hh : array_like, shape (H, H)
    b_h : array_like, shape (H,)

    Returns
    -------
    h : ndarray, shape (N, H)
        ``h_t = tanh(h_{t-1} @ W_hh.T + x_t @ W_xh.T + b_h)``, the row form of
        ``tanh(W_hh h_{t-1} + W_xh x_t + b_h)``.
    cache : RnnStepCache
        ``(x, h_prev, W_xh, W_hh, h)`` for `rnn_step_backward`.
    """
    x = as_float_array("x", x, ndim=2, layout="(N, D)")
    x, h_prev, W_xh, W_hh, b_h = _check_cell(x, "h_prev", h_prev, W_xh, W_hh, b_h)
    h = np.tanh(h_prev @ W_hh.T + x @ W_xh.T + b_h)
    return h, RnnStepCache(x, h_prev, W_xh, W_hh, h)


def rnn_step_backward(dh, cache: RnnStepCache) -> tuple[np.ndarray, ...]:
    """Backward pass of `rnn_step_forward`.

    With ``da = dh * (1 - h**2)`` (``tanh' = 1 - tanh^2``)::

        dx = da @ W_xh    dh_prev = da @ W_hh    dW_xh = da.T @ x    dW_hh = da.T @ h_prev
        db_h = da.sum(axis=0)

    Parameters
    ----------
    dh : array_like, shape (N, H)
        Upstream gradient ``dL/dh_t``.
    cache : RnnStepCache
        From `rnn_step_forward`.

    Returns
    -------
    dx : ndarray, shape (N, D)
    dh_prev : ndarray, shape (N, H)
    dW_xh : ndarray, shape (H, D)
    dW_hh : ndarray, shape (H, H)
    db_h : ndarray, shape (H,)
    """
    check_cache(cache, RnnStepCache, "rnn_step_forward")
    x, h_prev, W_xh, W_hh, h = cache
    dh = as_float_array("dh", dh, ndim=2, layout="(N, H)")
    check_shape("dh", dh, h.shape, "(N, H), the shape of h")
    da = dh * (1.0 - h * h)
    return da @ W_xh, da @ W_hh, da.T @ x, da.T @ h_prev, da.sum(axis=0)


# --------------------------------------------------------------------------------------------
# A whole sequence
# --------------------------------------------------------------------------------------------

def rnn_forward(x, h0, W_xh, W_hh, b_h) -> tuple[np.ndarray, RnnCache]:
    """Run the vanilla RNN over whole sequences (batch first).

    Parameters
    ----------
    x : array_like, shape (N, T, D)
        ``x[n, t]`` is the input of sequence ``n`` at step ``t + 1``.
    h0 : array_like, shape (N, H), or None
        Initial hidden states; ``None`` means zeros. Each call starts afresh from ``h0``.
    W_xh : array_like, shape (H, D)
    W_hh : array_like, shape (H, H)
    b_h : array_like, shape (H,)

    Returns
    -------
    h : ndarray, shape (N, T, H)
        ``h[:, t]`` is ``h_{t+1} = tanh(h_t @ W_hh.T + x[:, t] @ W_xh.T + b_h)``
        (``h_0 = h0`` is not included).
    cache : RnnCache
        ``(x, h0, W_xh, W_hh, h)`` for `rnn_backward`.

    """
    x = _check_sequence(x)
    x, h0, W_xh, W_hh, b_h = _check_cell(x, "h0", h0, W_xh, W_hh, b_h)
    n, steps, _ = x.shape
    h = np.empty((n, steps, W_hh.shape[0]), dtype=x.dtype)
    h_t = h0
    for t in range(steps):
        h_t, _ = rnn_step_forward(x[:, t], h_t, W_xh, W_hh, b_h)
        h[:, t] = h_t
    return h, RnnCache(x, h0, W_xh, W_hh, h)


def _step_cache(cache: RnnCache, t: int) -> RnnStepCache:
    """The `rnn_step_forward` cache of step ``t`` (0-based), rebuilt from a sequence's cache."""
    x, h0, W_xh, W_hh, h = cache
    return RnnStepCache(x[:, t], h0 if t == 0 else h[:, t - 1], W_xh, W_hh, h[:, t])


def _check_upstream(dh, cache: RnnCache) -> np.ndarray:
    """``dh`` as a float array of ``cache.h``'s shape (N, T, H), for the backward passes."""
    check_cache(cache, RnnCache, "rnn_forward")
    dh = as_float_array("dh", dh, ndim=3, layout="(N, T, H)")
    check_shape("dh", dh, cache.h.shape, "(N, T, H), the shape of h")
    return dh


def _steps_backward(dh: np.ndarray, cache: RnnCache):
    """Backpropagation through time, one `rnn_step_backward` per step, from the last step.

    ``dh`` (N, T, H) is checked (`_check_upstream`). Yields ``(t, g, grads)`` for
    ``t = T-1, ..., 0``: ``g`` (N, H) is the total gradient on ``h[:, t]`` (its own
    ``dh[:, t]`` plus what flows back from step ``t + 1``) and ``grads`` is
    ``rnn_step_backward(g, cache of step t)``.
    """
    dh_from_later = np.zeros_like(cache.h0)
    for t in range(dh.shape[1] - 1, -1, -1):
        g = dh[:, t] + dh_from_later
        grads = rnn_step_backward(g, _step_cache(cache, t))
        dh_from_later = grads[1]
        yield t, g, grads


def rnn_backward(dh, cache: RnnCache) -> tuple[np.ndarray, ...]:
    """Backpropagation through time for `rnn_forward`.

    Parameters
    ----------
    dh : array_like, shape (N, T, H)
        Upstream gradient on every hidden state: ``dh[:, t] = ∂L/∂h_{t+1}`` through the
        outputs only (zeros where a step has no loss). The gradient that flows back through
        the recurrence is added here.
    cache : RnnCache
        From `rnn_forward`.

    Returns
    -------
    dx : ndarray, shape (N, T, D)
    dh0 : ndarray, shape (N, H)
    dW_xh : ndarray, shape (H, D)
    dW_hh : ndarray, shape (H, H)
    db_h : ndarray, shape (H,)

    Notes
    -----
    Going backwards from t = T, the total gradient on ``h_t`` is ``g_t = dh_t + dh_prev``, where
    ``dh_prev`` is what `rnn_step_backward` of step t + 1 returned (nothing at t = T). The
    weights are shared by all steps, so their gradients are the sums of the steps' gradients.
    """
    dh = _check_upstream(dh, cache)
    dx = np.empty(cache.x.shape, dtype=np.result_type(dh, cache.h))
    dW_xh, dW_hh, db_h = (np.zeros_like(a, dtype=dx.dtype)
                          for a in (cache.W_xh, cache.W_hh, cache.h0[0]))
    for t, _, (dx_t, dh_prev, dW_xh_t, dW_hh_t, db_h_t) in _steps_backward(dh, cache):
        dx[:, t] = dx_t
        dh0 = dh_prev  # after the last iteration (t = 0): the gradient on h0
        dW_xh += dW_xh_t
        dW_hh += dW_hh_t
        db_h += db_h_t
    return dx, dh0, dW_xh, dW_hh, db_h


# --------------------------------------------------------------------------------------------
# Output layer at every timestep
# --------------------------------------------------------------------------------------------

def temporal_affine_forward(h, W, b) -> tuple[np.ndarray, TemporalAffineCache]:
    """The output layer ``y_t = W h_t + b`` applied at every timestep (row form ``h @ W.T + b``).

    Parameters
    ----------
    h : array_like, shape (N, T, H), or (N, H) for a single step
    W : array_like, shape (O, H)
        E.g. ``W_hy``.
    b : array_like, shape (O,)
        E.g. ``b_y``.

    Returns
    -------
    y : ndarray, shape (N, T, O), or (N, O)
    cache : TemporalAffineCache
        ``(h, W)`` for `temporal_affine_backward`.
    """
    h = as_float_array("h", h, ndim=(2, 3), layout="(N, T, H) or (N, H)")
    W = as_float_array("W", W, ndim=2, layout="(O, H)")
    check_shape("W", W, (W.shape[0], h.shape[-1]), "(O, H) with H from h")
    b = as_float_array("b", b, ndim=1, layout="(O,)")
    check_shape("b", b, (W.shape[0],), "(O,) with O from W")
    h, W, b = in_common_dtype(h, W, b)
    return h @ W.T + b, TemporalAffineCache(h, W)


def temporal_affine_backward(dy, cache: TemporalAffineCache) -> tuple[np.ndarray, np.ndarray,
                                                                       np.ndarray]:
    """Backward pass of `temporal_affine_forward`.

    Parameters
    ----------
    dy : array_like, shape (N, T, O), or (N, O)
    cache : TemporalAffineCache
        From `temporal_affine_forward`.

    Returns
    -------
    dh : ndarray, shape of ``h``
        ``dy @ W``.
    dW : ndarray, shape (O, H)
        ``Σ_{n,t} dy[n, t]ᵀ h[n, t]`` (the weights are shared by all steps).
    db : ndarray, shape (O,)
        ``Σ_{n,t} dy[n, t]``.
    """
    check_cache(cache, TemporalAffineCache, "temporal_affine_forward")
    h, W = cache
    dy = as_float_array("dy", dy, ndim=h.ndim, layout="(N, T, O) or (N, O)")
    check_shape("dy", dy, h.shape[:-1] + (W.shape[0],), "the shape of y")
    dy, h, W = in_common_dtype(dy, h, W)  # db too is in the forward pass's dtype
    dy_rows = dy.reshape(-1, W.shape[0])
    return dy @ W, dy_rows.T @ h.reshape(-1, W.shape[1]), dy_rows.sum(axis=0)


# --------------------------------------------------------------------------------------------
# Problem types (worksheet section 0.2) with the same cell
# --------------------------------------------------------------------------------------------

def _check_problem(x: np.ndarray, **arrays) -> np.ndarray:
    """Check the weights of a problem type by their own names, and return ``x`` cast to the
    dtype that it and every array in ``arrays`` (an ``h0`` of ``None`` skipped) promote to, so
    that the cell computes in the same dtype as the output layer.

    The cell and the output layer check their arguments too, but under their own names
    (``W``, ``b``): checking ``W_hy`` and ``b_y`` here first blames the argument passed.
    """
    checked = {name: as_float_array(name, value) for name, value in arrays.items()
               if not (name == "h0" and value is None)}
    W_hh, W_hy, b_y = checked["W_hh"], checked["W_hy"], checked["b_y"]
    hidden = W_hh.shape[0] if W_hh.ndim == 2 else None
    if W_hy.ndim != 2 or (hidden is not None and W_hy.shape[1] != hidden):
        raise ValueError(f"W_hy must have shape (O, H) with H = W_hh.shape[0] = {hidden}; "
                         f"got {W_hy.shape}")
    check_shape("b_y", b_y, (W_hy.shape[0],), "(O,) with O from W_hy")
    if "h0" in checked:
        h0 = checked["h0"]
        if h0.ndim != 2 or (hidden is not None and h0.shape != (x.shape[0], hidden)):
            raise ValueError(f"h0 must have shape (N, H) = ({x.shape[0]}, {hidden}) with N from "
                             f"x and H from W_hh; got {h0.shape}")
    return x.astype(np.result_type(x, *(a.dtype for a in checked.values())), copy=False)


def one_to_one(x, *, W_xh, W_hh, b_h, W_hy, b_y) -> np.ndarray:
    """One input, one output: a single step from ``h_0 = 0``.

    ``y = W_hy tanh(W_xh x + b_h) + b_y`` is a one-hidden-layer network; ``W_hh`` multiplies
    ``h_0 = 0`` and has no effect (it is accepted so ``one_to_one(x, **rnn.parameters())`` works).

    Parameters
    ----------
    x : array_like, shape (N, D)
    W_xh, W_hh, b_h, W_hy, b_y : array_like
        Shapes (H, D), (H, H), (H,), (O, H), (O,).

    Returns
    -------
    y : ndarray, shape (N, O)
    """
    x = _check_problem(as_float_array("x", x, ndim=2, layout="(N, D)"),
                         W_xh=W_xh, W_hh=W_hh, b_h=b_h, W_hy=W_hy, b_y=b_y)
    h, _ = rnn_step_forward(x, None, W_xh, W_hh, b_h)
    return temporal_affine_forward(h, W_hy, b_y)[0]


def one_to_many(x, steps: int, *, W_xh, W_hh, b_h, W_hy, b_y, h0=None) -> np.ndarray:
    """One input, a sequence of outputs: each output is fed back as the next input.

    ``x_1 = x`` and ``x_{t+1} = y_t``, as a captioning model feeds back the word it just
    produced (a language model would feed back the embedding of a sampled token; here the
    output vector itself is fed back, so O must equal D).

    Parameters
    ----------
    x : array_like, shape (N, D)
        The single input, e.g. an image's features.
    steps : int
        Number of outputs T (>= 1).
    W_xh, W_hh, b_h, W_hy, b_y : array_like
        Shapes (H, D), (H, H), (H,), (D, H), (D,).
    h0 : array_like, shape (N, H), optional
        Initial hidden state (zeros by default).

    Returns
    -------
    y : ndarray, shape (N, steps, D)
    """
    x = as_float_array("x", x, ndim=2, layout="(N, D)")
    steps = as_int("steps", steps, minimum=1)
    check_steps("a loop", steps, steps=steps)
    check_size("an output", (x.shape[0], steps, x.shape[1]), steps=steps,
               **{"x.shape": x.shape})
    W_hy = as_float_array("W_hy", W_hy, ndim=2, layout="(O, H)")
    if W_hy.shape[0] != x.shape[1]:
        raise ValueError(f"W_hy must have O = D = {x.shape[1]} rows so that each output can be "
                         f"fed back as the next input; got shape {W_hy.shape}")
    h = h0
    x_t = _check_problem(x, W_xh=W_xh, W_hh=W_hh, b_h=b_h, W_hy=W_hy, b_y=b_y, h0=h0)
    outputs = []
    for _ in range(steps):
        h, _ = rnn_step_forward(x_t, h, W_xh, W_hh, b_h)
        x_t, _ = temporal_affine_forward(h, W_hy, b_y)
        outputs.append(x_t)
    return np.stack(outputs, axis=1)


def many_to_one(x, *, W_xh, W_hh, b_h, W_hy, b_y, h0=None) -> np.ndarray:
    """A sequence of inputs, one output read from the last hidden state (e.g. sentiment).

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    W_xh, W_hh, b_h, W_hy, b_y : array_like
        Shapes (H, D), (H, H), (H,), (O, H), (O,).
    h0 : array_like, shape (N, H), optional

    Returns
    -------
    y : ndarray, shape (N, O)
        ``y_T = W_hy h_T + b_y``.
    """
    x = _check_problem(as_float_array("x", x, ndim=3, layout="(N, T, D)"), W_xh=W_xh,
                       W_hh=W_hh, b_h=b_h, W_hy=W_hy, b_y=b_y, h0=h0)
    h, _ = rnn_forward(x, h0, W_xh, W_hh, b_h)
    return temporal_affine_forward(h[:, -1], W_hy, b_y)[0]


def many_to_many(x, *, W_xh, W_hh, b_h, W_hy, b_y, h0=None) -> np.ndarray:
    """A sequence of inputs, one output per input (e.g. labelling every frame of a video).

    Translation-style many-to-many, where the output sequence has its own length, chains two
    problem types: read the input with `rnn_forward`, then pass its last hidden state
    ``h[:, -1]`` as ``h0`` to `one_to_many` (usually with a second set of weights).

    Parameters
    ----------
    x : array_like, shape (N, T, D)
    W_xh, W_hh, b_h, W_hy, b_y : array_like
        Shapes (H, D), (H, H), (H,), (O, H), (O,).
    h0 : array_like, shape (N, H), optional

    Returns
    -------
    y : ndarray, shape (N, T, O)
    """
    x = _check_problem(as_float_array("x", x, ndim=3, layout="(N, T, D)"), W_xh=W_xh,
                       W_hh=W_hh, b_h=b_h, W_hy=W_hy, b_y=b_y, h0=h0)
    h, _ = rnn_forward(x, h0, W_xh, W_hh, b_h)
    return temporal_affine_forward(h, W_hy, b_y)[0]


# --------------------------------------------------------------------------------------------
# Vanishing and exploding gradients
# --------------------------------------------------------------------------------------------

def random_upstream_gradient(shape, loss: str = "last", seed=None) -> np.ndarray:
    """Upstream gradient ``dh`` of a linear loss on the last step or on every step.

    The loss is ``L = Σ_{t in S} <G_t, h_t>`` with fixed random directions ``G_t`` of unit
    norm, ``S = {T}`` (``loss="last"``) or all steps (``loss="every"``). Any smooth loss looks
    like this near a point, so the gradient norms it produces show how a signal injected at a
    step shrinks or grows on its way back.

    Parameters
    ----------
    shape : tuple of int
        ``(N, T, H)``, the shape of ``h``.
    loss : {"last", "every"}
    seed : int or None
        Seed for ``np.random.default_rng``.

    Returns
    -------
    dh : ndarray, shape (N, T, H)
        Zero except on the steps in ``S``, where each ``dh[:, t]`` has Frobenius norm 1.
    """
    if not isinstance(shape, (tuple, list)) or len(shape) != 3:
        raise ValueError(f"shape must be a tuple (N, T, H); got {shape!r}")
    n, steps, hidden = (as_int(f"shape[{i}]", s, minimum=1) for i, s in enumerate(shape))
    check_size("an upstream gradient", (n, steps, hidden), shape=tuple(shape))
    seed = as_seed("seed", seed)
    if loss not in ("last", "every"):
        raise ValueError(f"loss must be 'last' or 'every'; got {loss!r}")
    rng = np.random.default_rng(seed)
    dh = np.zeros((n, steps, hidden))
    loss_steps = [steps - 1] if loss == "last" else range(steps)
    for t in loss_steps:
        direction = rng.standard_normal((n, hidden))
        dh[:, t] = direction / np.linalg.norm(direction)
    return dh


def hidden_gradient_norms(dh, cache: RnnCache) -> np.ndarray:
    """Norm of the total gradient ``∂L/∂h_t`` at every step, by backpropagation through time.

    Parameters
    ----------
    dh : array_like, shape (N, T, H)
        Upstream gradient on the hidden states, as for `rnn_backward`; e.g. from
        `random_upstream_gradient`.
    cache : RnnCache
        From `rnn_forward`.

    Returns
    -------
    norms : ndarray, shape (T + 1,), float64
        ``norms[t] = ||∂L/∂h_t||`` (Frobenius norm over batch and hidden units) for
        ``t = 0, ..., T``; ``norms[0]`` belongs to ``h0``. For a loss on the last step only,
        ``norms[t] <= σ_max(W_hh)^(T-t) · norms[T]``.
    """
    dh = _check_upstream(dh, cache)
    norms = np.empty(cache.h.shape[1] + 1)
    for t, g, (_, dh_prev, *_) in _steps_backward(dh, cache):
        norms[t + 1] = np.linalg.norm(g.astype(np.float64, copy=False))
        dh0 = dh_prev  # after the last iteration (t = 0): the gradient on h0
    norms[0] = np.linalg.norm(dh0.astype(np.float64, copy=False))
    return norms


def hidden_jacobian_norms(h, W_hh) -> tuple[np.ndarray, np.ndarray]:
    """Spectral norms of ``∂h_T/∂h_t`` for one sequence, and their bound ``σ_max(W_hh)^(T-t)``.

    Parameters
    ----------
    h : array_like, shape (T, H)
        Hidden states ``h_1, ..., h_T`` of ONE sequence, e.g. ``rnn_forward(...)[0][n]``.
    W_hh : array_like, shape (H, H)

    Returns
    -------
    norms : ndarray, shape (T + 1,), float64
        ``norms[t] = ||∂h_T/∂h_t||_2`` (largest singular value) for ``t = 0, ..., T``;
        ``norms[T] = 1``. Computed in float64 whatever the input dtypes; inf where the
        product overflows float64.
    bound : ndarray, shape (T + 1,), float64
        ``σ_max(W_hh)^(T-t)``.

    Notes
    -----
    Each step's Jacobian is ``∂h_k/∂h_{k-1} = diag(1 - h_k²) W_hh``, so
    ``∂h_T/∂h_t = Π_{k=T}^{t+1} diag(1 - h_k²) W_hh``. As ``0 < tanh' <= 1``, every factor
    has spectral norm at most ``σ_max(W_hh)``, which gives the bound (Pascanu, Mikolov &
    Bengio 2013): ``σ_max < 1`` is sufficient for vanishing gradients, ``σ_max > 1`` is
    necessary for exploding ones. Very long sequences can underflow the norms to 0 or
    overflow the bound to inf in float64.
    """
    h = as_float_array("h", h, ndim=2, layout="(T, H) for one sequence; pass h[n] of (N, T, H)")
    W_hh = as_float_array("W_hh", W_hh, ndim=2, layout="(H, H)")
    steps, hidden = h.shape
    check_shape("W_hh", W_hh, (hidden, hidden), "(H, H) with H from h")
    if not (np.abs(h) <= 1).all():  # also catches NaN
        raise ValueError(f"h must hold tanh hidden states, in [-1, 1]; got entries from "
                         f"{np.min(h)} to {np.max(h)}")
    if not np.isfinite(W_hh).all():  # the singular values of NaN are undefined
        raise ValueError(f"W_hh must be finite; it has "
                         f"{np.count_nonzero(~np.isfinite(W_hh))} NaN or inf entries")
    check_size("Jacobians", (steps + 1, hidden, hidden), **{"h.shape": h.shape})
    h, W_hh = h.astype(np.float64, copy=False), W_hh.astype(np.float64, copy=False)
    products = np.empty((steps + 1, hidden, hidden))
    products[steps] = np.eye(hidden)
    tanh_slopes = 1.0 - h * h
    for t in range(steps - 1, -1, -1):
        # ∂h_T/∂h_t = ∂h_T/∂h_{t+1} · diag(1 - h_{t+1}²) W_hh, and h_{t+1} is h[t].
        products[t] = (products[t + 1] * tanh_slopes[t]) @ W_hh
    norms = np.full(steps + 1, np.inf)  # where a product overflowed
    finite = np.isfinite(products).all(axis=(1, 2))
    norms[finite] = np.linalg.norm(products[finite], ord=2, axis=(1, 2))
    sigma_max = np.linalg.norm(W_hh, ord=2)
    bound = sigma_max ** np.arange(steps, -1, -1, dtype=np.float64)
    return norms, bound


def scaled_recurrent_matrix(hidden_size: int, sigma_max: float, seed=None) -> np.ndarray:
    """A random (H, H) matrix whose singular values all equal ``sigma_max``.

    ``sigma_max * Q`` with ``Q`` a random orthogonal matrix (uniform over orthogonal matrices:
    QR of a Gaussian matrix with the signs of R's diagonal moved into Q). Its spectral norm and
    its spectral radius are both ``sigma_max``, so it turns "recurrent weight scale" into one
    number: below 1 gradients vanish, above 1 they can explode.

    Parameters
    ----------
    hidden_size : int
        H (>= 1).
    sigma_max : float
        Every singular value (> 0).
    seed : int or None
        Seed for ``np.random.default_rng``.

    Returns
    -------
    W_hh : ndarray, shape (H, H)
    """
    hidden_size = as_int("hidden_size", hidden_size, minimum=1)
    check_size("a matrix", (hidden_size, hidden_size), hidden_size=hidden_size)
    sigma_max = as_positive_float("sigma_max", sigma_max)
    seed = as_seed("seed", seed)
    gaussian = np.random.default_rng(seed).standard_normal((hidden_size, hidden_size))
    q, r = np.linalg.qr(gaussian)
    return sigma_max * (q * np.where(np.diag(r) < 0, -1.0, 1.0))


# The toy RNN of `gradient_experiment` has D = 8 inputs; only their scale matters for the norms.
EXPERIMENT_INPUT_SIZE = 8


class GradientExperiment(NamedTuple):
    """Gradients of one toy RNN (one sequence) with ``σ_max(W_hh)`` set; see
    `gradient_experiment`.

    Attributes
    ----------
    norms : ndarray, shape (T + 1,)
        ``norms[t] = ||∂L/∂h_t||`` for ``t = 0, ..., T`` (`c182lib.hidden_gradient_norms`).
    bound : ndarray, shape (T + 1,)
        Upper bound of ``norms``: ``σ_max^(T-t)`` for a loss on the last step (from
        `c182lib.hidden_jacobian_norms`, as ``||∂L/∂h_T|| = 1``); for a loss on every
        step, ``Σ_{s=max(t,1)..T} σ_max^(s-t)`` (one unit-norm gradient enters at every step
        s = 1..T; ``h_0`` has no loss).
    jacobian_norms : ndarray, shape (T + 1,)
        ``||∂h_T/∂h_t||_2`` (`c182lib.hidden_jacobian_norms`).
    grads : tuple of ndarray
        ``(dW_xh, dW_hh, db_h)`` from `c182lib.rnn_backward`, shapes (H, D), (H, H), (H,).
    """

    norms: np.ndarray
    bound: np.ndarray
    jacobian_norms: np.ndarray
    grads: tuple[np.ndarray, np.ndarray, np.ndarray]


def gradient_experiment(sigma_max: float, T: int = 50, hidden_size: int = 32, seed: int = 0,
                        loss: str = "last", input_scale: float = 0.01) -> GradientExperiment:
    r"""Backpropagate through a toy RNN whose recurrent matrix has spectral norm ``sigma_max``.

    The RNN has ``H = hidden_size`` units, ``D = 8`` inputs, ``b_h = 0`` and ``h_0 = 0``; it
    reads one random sequence ``x`` (T, D) with entries from N(0, 1) through
    ``W_xh = input_scale · N(0, 1/D)``, so small ``input_scale`` keeps the pre-activations
    small and ``tanh' ≈ 1``: the regime in which the bound is nearly tight. ``W_hh`` is
    ``sigma_max`` times a random orthogonal matrix (`c182lib.scaled_recurrent_matrix`),
    the same orthogonal matrix for every ``sigma_max`` at one ``seed``, so scales differ in
    nothing else. The loss is linear in the hidden states with unit-norm random directions
    (`c182lib.random_upstream_gradient`), on the last step or on every step.

    Parameters
    ----------
    sigma_max : float
        Every singular value of ``W_hh`` (> 0).
    T : int
        Sequence length (>= 1).
    hidden_size : int
        H (>= 1).
    seed : int
        Seeds the sequence, ``W_xh``, the orthogonal part of ``W_hh`` and the loss directions.
    loss : {"last", "every"}
        Where the loss is: on ``h_T`` only, or on every ``h_t``.
    input_scale : float
        Scale of ``W_xh`` (> 0).

    Returns
    -------
    GradientExperiment
        ``norms``, ``bound``, ``jacobian_norms`` (each shape (T + 1,), index t for ``h_t``) and
        the parameter gradients ``grads``.
    """
    T = as_int("T", T, minimum=1)
    hidden_size = as_int("hidden_size", hidden_size, minimum=1)
    input_scale = as_positive_float("input_scale", input_scale)
    seed = as_int("seed", seed, minimum=0)
    check_steps("a forward and a backward loop", T, T=T)
    check_size("W_hh", (hidden_size, hidden_size), hidden_size=hidden_size)
    data_seed, matrix_seed, loss_seed = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(data_seed)
    d = EXPERIMENT_INPUT_SIZE
    x = rng.standard_normal((1, T, d))
    W_xh = input_scale * rng.standard_normal((hidden_size, d)) / np.sqrt(d)
    W_hh = scaled_recurrent_matrix(hidden_size, sigma_max, seed=matrix_seed)
    h, cache = rnn_forward(x, None, W_xh, W_hh, np.zeros(hidden_size))
    dh = random_upstream_gradient(h.shape, loss=loss, seed=loss_seed)
    norms = hidden_gradient_norms(dh, cache)
    jacobian_norms, power_bound = hidden_jacobian_norms(h[0], W_hh)
    if loss == "last":
        bound = power_bound
    else:
        # power_bound[::-1][k] = σ^k, so the reversed cumulative sum is Σ_{k=0}^{T-t} σ^k,
        # i.e. Σ_{s=t}^{T} σ^(s-t). The loss steps are s = 1..T (h_0 has none): at t = 0 the
        # term s = 0 (σ^0 = 1) is not there.
        bound = np.cumsum(power_bound[::-1])[::-1]
        bound[0] -= 1.0
    _, _, dW_xh, dW_hh, db_h = rnn_backward(dh, cache)
    return GradientExperiment(norms, bound, jacobian_norms, (dW_xh, dW_hh, db_h))


# --------------------------------------------------------------------------------------------
# Gradient clipping
# --------------------------------------------------------------------------------------------

def global_norm(arrays) -> float:
    """``sqrt(Σ_i ||a_i||²)`` over every entry of every array, in float64, without overflow.

    The norm `clip_grad_norm` compares with ``max_norm``: the L2 norm of all the gradients
    flattened into one vector. Every entry is divided by the largest magnitude ``m`` first, so
    the squares lie in [0, 1] and ``m * sqrt(Σ (a/m)²)`` is finite and accurate for any finite
    entries (the squares of 1e200 or of 1e-200 would overflow to inf or underflow to 0), as
    LAPACK's ``dnrm2`` does.

    Parameters
    ----------
    arrays : iterable of array_like, or dict of array_like
        Arrays of any shapes (a dict's values), of real numbers.

    Returns
    -------
    float
        0.0 for no entries; NaN or inf if an entry is.

    Raises
    ------
    TypeError
        If ``arrays`` is not an iterable of arrays (a single array must be wrapped in a list)
        or an array is complex, boolean or non-numeric (`c182lib._validate`'s dtype rule).
    """
    if isinstance(arrays, Mapping):
        arrays = list(arrays.values())
    if isinstance(arrays, (str, bytes, np.ndarray)) or not isinstance(arrays, Iterable):
        raise TypeError(f"arrays must be a list, tuple or other iterable of arrays (wrap a "
                        f"single array in a list); got {type(arrays).__name__}")
    arrays = [as_float_array(f"arrays[{i}]", a).astype(np.float64, copy=False)
              for i, a in enumerate(arrays)]
    largest = max((float(np.max(np.abs(a))) for a in arrays if a.size), default=0.0)
    if largest == 0.0 or not np.isfinite(largest):
        return largest
    return largest * float(np.sqrt(sum(np.sum(np.square(a / largest)) for a in arrays)))


def clip_grad_norm(grads, max_norm: float):
    """Rescale all gradients together so that their global L2 norm is at most ``max_norm``.

    ``total_norm = sqrt(Σ_i ||g_i||²)`` over every entry of every array. When
    ``total_norm > max_norm``, every array is multiplied by ``max_norm / (total_norm + 1e-6)``;
    otherwise it is returned unchanged. One factor for all arrays keeps the direction of the
    full gradient (clipping each entry to ``[-c, c]`` would not). This is PyTorch's
    ``torch.nn.utils.clip_grad_norm_`` rule, except that PyTorch multiplies by
    ``min(1, max_norm / (total_norm + 1e-6))`` always, so it also shrinks by less than 1e-6
    when ``total_norm`` is within 1e-6 below ``max_norm``; here gradients at or below the
    threshold are never touched.

    Parameters
    ----------
    grads : dict of array_like, or list or tuple of array_like
        Gradients of any shapes, e.g. ``VanillaRNN.backward_sequence(dy)``.
    max_norm : float
        Largest allowed global norm (> 0).

    Returns
    -------
    clipped : dict, list or tuple (as ``grads``)
        New arrays; ``grads`` is not modified.
    total_norm : float
        The global norm before clipping, computed in float64 with scaling so that it is finite
        and accurate for any finite gradients (even when the squares of the entries would
        overflow or underflow).

    Raises
    ------
    ValueError
        When a gradient has a NaN or inf entry (it cannot be rescaled).

    Notes
    -----
    Each clipped array keeps its gradient's dtype (float64 for integer gradients).
    """
    max_norm = as_positive_float("max_norm", max_norm)
    if isinstance(grads, Mapping):
        keys = list(grads)
        names = [f"grads[{key!r}]" for key in keys]
        values = [grads[key] for key in keys]
    elif isinstance(grads, (list, tuple)):
        names = [f"grads[{i}]" for i in range(len(grads))]
        values = list(grads)
    else:
        raise TypeError(f"grads must be a dict, list or tuple of arrays (wrap a single array in "
                        f"a list); got {type(grads).__name__}")
    arrays = [as_float_array(name, g) for name, g in zip(names, values, strict=True)]
    for name, g in zip(names, arrays, strict=True):
        if not np.all(np.isfinite(g)):
            raise ValueError(f"{name} must be finite to be clipped; it has "
                             f"{np.count_nonzero(~np.isfinite(g))} NaN or inf entries")
    total_norm = global_norm(arrays)
    scale = max_norm / (total_norm + _CLIP_EPS) if total_norm > max_norm else 1.0
    clipped = [g * scale for g in arrays]
    if isinstance(grads, Mapping):
        return dict(zip(keys, clipped, strict=True)), total_norm
    return (clipped if isinstance(grads, list) else tuple(clipped)), total_norm


def clipped_norm(grads, max_norm: float) -> tuple[float, float]:
    """Global norm of ``grads`` before and after `c182lib.clip_grad_norm`.

    Parameters
    ----------
    grads : sequence of ndarray
        Gradients of any shapes.
    max_norm : float
        Clipping threshold (> 0).

    Returns
    -------
    before, after : float
        ``sqrt(Σ_i ||g_i||²)`` of the gradients and of the clipped gradients.
    """
    clipped, before = clip_grad_norm(list(grads), max_norm)
    return before, global_norm(clipped)


# --------------------------------------------------------------------------------------------
# The worksheet's class
# --------------------------------------------------------------------------------------------

class VanillaRNN:
    """The worksheet's ``VanillaRNN``, completed: weights, a hidden state, one step at a time.

    ``forward(x)`` processes ONE timestep, ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)``,
    ``y_t = W_hy h_t + b_y``, and keeps ``h_t`` in ``hidden_state`` for the next call;
    ``reset_state()`` zeroes it before an independent sequence. ``forward_sequence(x)`` runs
    whole sequences with `rnn_forward` and `temporal_affine_forward`, and
    ``backward_sequence(dy)`` backpropagates through time with their backward functions.

    Parameters
    ----------
    input_size : int
        D.
    hidden_size : int
        H.
    output_size : int
        O.
    seed : int or None
        Seed for ``np.random.default_rng``. Every weight and bias is drawn from
        ``uniform(-1/sqrt(H), 1/sqrt(H))``, PyTorch's initialisation of ``nn.RNN`` and of an
        ``nn.Linear`` with H inputs: pre-activations start O(1), so tanh starts unsaturated.

    Attributes
    ----------
    W_xh : ndarray, shape (H, D)
    W_hh : ndarray, shape (H, H)
    b_h : ndarray, shape (H,)
    W_hy : ndarray, shape (O, H)
    b_y : ndarray, shape (O,)
    hidden_state : ndarray, shape (H,), or (N, H) after a batch
    """

    def __init__(self, input_size: int, hidden_size: int, output_size: int, seed=None):
        self.input_size = as_int("input_size", input_size, minimum=1)
        self.hidden_size = as_int("hidden_size", hidden_size, minimum=1)
        self.output_size = as_int("output_size", output_size, minimum=1)
        sizes = {"input_size": self.input_size, "hidden_size": self.hidden_size,
                 "output_size": self.output_size}
        for shape in ((self.hidden_size, self.input_size), (self.hidden_size, self.hidden_size),
                      (self.output_size, self.hidden_size)):
            check_size("a weight matrix", shape, **sizes)
        rng = np.random.default_rng(as_seed("seed", seed))
        bound = 1.0 / np.sqrt(self.hidden_size)
        hidden = self.hidden_size
        self.W_xh = rng.uniform(-bound, bound, (hidden, self.input_size))
        self.W_hh = rng.uniform(-bound, bound, (hidden, hidden))
        self.b_h = rng.uniform(-bound, bound, hidden)
        self.W_hy = rng.uniform(-bound, bound, (self.output_size, hidden))
        self.b_y = rng.uniform(-bound, bound, self.output_size)
        self.hidden_state = np.zeros(hidden)
        self._cache = None

    def parameters(self) -> dict[str, np.ndarray]:
        """The weights by name (the arrays themselves, not copies).

        The names match the keyword arguments of `one_to_one`, `one_to_many`, `many_to_one`
        and `many_to_many`, so ``many_to_one(x, **rnn.parameters())`` runs this network.
        """
        return {"W_xh": self.W_xh, "W_hh": self.W_hh, "b_h": self.b_h,
                "W_hy": self.W_hy, "b_y": self.b_y}

    def reset_state(self) -> None:
        """Zero the hidden state, before processing an independent sequence."""
        self.hidden_state = np.zeros(self.hidden_size)

    def forward(self, x) -> np.ndarray:
        """Process one timestep and update ``hidden_state``.

        Parameters
        ----------
        x : array_like, shape (D,) or (N, D)
            The input ``x_t`` of one sequence, or of N sequences (one per row).

        Returns
        -------
        y : ndarray, shape (O,) or (N, O)
            ``y_t = W_hy h_t + b_y`` with ``h_t = tanh(W_hh h_{t-1} + W_xh x_t + b_h)``.
        """
        x = as_float_array("x", x, ndim=(1, 2), layout="(D,) or (N, D)")
        single = x.ndim == 1
        x_rows = x[np.newaxis] if single else x
        if x_rows.shape[1] != self.input_size:
            raise ValueError(f"x must have D = input_size = {self.input_size} entries per "
                             f"timestep; got shape {x.shape}")
        h_prev = self.hidden_state
        if h_prev.ndim == 1:
            h_prev = np.broadcast_to(h_prev, (x_rows.shape[0], self.hidden_size))
        elif single or h_prev.shape[0] != x_rows.shape[0]:
            raise ValueError(f"x has shape {x.shape} but hidden_state holds a batch of shape "
                             f"{h_prev.shape}; call reset_state() before a new sequence")
        h, _ = rnn_step_forward(x_rows, h_prev, self.W_xh, self.W_hh, self.b_h)
        y, _ = temporal_affine_forward(h, self.W_hy, self.b_y)
        self.hidden_state = h[0] if single else h
        return y[0] if single else y

    def forward_sequence(self, x, h0=None) -> np.ndarray:
        """Run whole sequences (many-to-many) and keep what `backward_sequence` needs.

        Every call is an independent sequence: it starts from ``h0`` (zeros by default), never
        from a state left by an earlier call. Afterwards ``hidden_state`` holds ``h_T``, so
        ``forward`` can continue the sequence (e.g. to generate).

        Parameters
        ----------
        x : array_like, shape (N, T, D), or (T, D) for one sequence
        h0 : array_like, shape (N, H) (or (H,) for one sequence), optional

        Returns
        -------
        y : ndarray, shape (N, T, O), or (T, O)
        """
        x = as_float_array("x", x, ndim=(2, 3), layout="(N, T, D) or (T, D)")
        single = x.ndim == 2
        if single:
            x = x[np.newaxis]
            if h0 is not None:
                h0 = as_float_array("h0", h0, ndim=1, layout="(H,) for one sequence")[np.newaxis]
        if x.shape[2] != self.input_size:
            raise ValueError(f"x must have D = input_size = {self.input_size} entries per "
                             f"timestep; got shape {x.shape[1:] if single else x.shape}")
        h, rnn_cache = rnn_forward(x, h0, self.W_xh, self.W_hh, self.b_h)
        y, output_cache = temporal_affine_forward(h, self.W_hy, self.b_y)
        self._cache = (single, rnn_cache, output_cache)
        self.hidden_state = h[0, -1].copy() if single else h[:, -1].copy()
        return y[0] if single else y

    def backward_sequence(self, dy) -> dict[str, np.ndarray]:
        """Backpropagation through time for the last `forward_sequence`.

        Parameters
        ----------
        dy : array_like, shape of the ``y`` it returned
            ``∂L/∂y``.

        Returns
        -------
        grads : dict
            ``∂L/∂W`` for each name of `parameters`.
        """
        if self._cache is None:
            raise RuntimeError("backward_sequence needs a forward_sequence call first")
        single, rnn_cache, output_cache = self._cache
        dy = as_float_array("dy", dy, ndim=2 if single else 3,
                            layout="(T, O)" if single else "(N, T, O)")
        dh, dW_hy, db_y = temporal_affine_backward(dy[np.newaxis] if single else dy,
                                                   output_cache)
        _, _, dW_xh, dW_hh, db_h = rnn_backward(dh, rnn_cache)
        return {"W_xh": dW_xh, "W_hh": dW_hh, "b_h": db_h, "W_hy": dW_hy, "b_y": db_y}
