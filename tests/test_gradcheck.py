"""Tests of c182lib.gradcheck on functions whose gradients are known in closed form."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from c182lib.gradcheck import (
    numerical_gradient,
    numerical_gradient_array,
    numerical_gradients,
    rel_error,
)


def test_quadratic_form():
    # f(x) = x^T A x + b^T x  ->  grad = (A + A^T) x + b
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 4))
    b = rng.standard_normal(4)
    x = rng.standard_normal(4)
    grad = numerical_gradient(lambda z: z @ a @ z + b @ z, x)
    # Central differences are exact for quadratics, up to rounding.
    np.testing.assert_allclose(grad, (a + a.T) @ x + b, rtol=1e-8, atol=1e-9)


def test_sin_on_a_matrix():
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    grad = numerical_gradient(lambda z: np.sum(np.sin(z)), x)
    assert grad.shape == x.shape
    assert rel_error(grad, np.cos(x)) < 1e-8
    # truncation error of central differences: about h^2/6 * |f'''| = h^2/6 * |cos|
    h = 1e-3
    coarse = numerical_gradient(lambda z: np.sum(np.sin(z)), x, h=h)
    np.testing.assert_allclose(coarse - np.cos(x), -h**2 / 6 * np.cos(x), atol=1e-10)


def test_scalar_input():
    grad = numerical_gradient(lambda z: z**3, 2.0)
    assert grad.shape == ()
    assert abs(grad - 12.0) < 1e-8


@settings(max_examples=20, deadline=None)
@given(m=st.integers(1, 5), n=st.integers(1, 5), seed=st.integers(0, 2**32 - 1))
def test_array_gradient_is_the_vector_jacobian_product(m, n, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((m, n))
    x = rng.standard_normal((n, 3))
    dout = rng.standard_normal((m, 3))
    # linear map: d/dx sum(dout * (W x)) = W^T dout, exactly
    grad = numerical_gradient_array(lambda z: w @ z, x, dout)
    np.testing.assert_allclose(grad, w.T @ dout, rtol=1e-7, atol=1e-9)
    # elementwise: d/dx sum(dout * tanh(x)) = dout * (1 - tanh(x)^2)
    y = rng.standard_normal((m, 3))
    grad = numerical_gradient_array(np.tanh, y, dout)
    np.testing.assert_allclose(grad, dout * (1 - np.tanh(y) ** 2), rtol=1e-7, atol=1e-9)


def test_array_gradient_of_softmax():
    # Jacobian of softmax: diag(p) - p p^T, so the VJP is p * (dout - <dout, p>).
    rng = np.random.default_rng(1)
    x = rng.standard_normal(6)
    dout = rng.standard_normal(6)

    def softmax(z):
        e = np.exp(z - z.max())
        return e / e.sum()

    p = softmax(x)
    assert rel_error(numerical_gradient_array(softmax, x, dout), p * (dout - dout @ p)) < 1e-7


def test_x_is_never_modified():
    x = np.arange(6.0).reshape(2, 3)
    before = x.copy()
    seen = []

    def f(z):
        seen.append(z)
        out = np.sum(z**2)
        z += 100.0  # a careless f that writes into its argument
        return out

    grad = numerical_gradient(f, x)
    np.testing.assert_array_equal(x, before)
    np.testing.assert_allclose(grad, 2 * x, atol=1e-6)
    assert all(z is not x for z in seen)
    x.setflags(write=False)
    numerical_gradient_array(lambda z: 3 * z, x, np.ones((2, 3)))
    np.testing.assert_array_equal(x, before)


def test_integer_input_gives_float_gradient():
    grad = numerical_gradient(lambda z: np.sum(z**2), np.array([1, 2, 3]))
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, [2.0, 4.0, 6.0], rtol=1e-8)


def test_rel_error_values():
    assert rel_error(1.0, 1.0) == 0.0
    assert rel_error(np.zeros(3), np.zeros(3)) == 0.0
    assert rel_error(1.0, 1.1) == pytest.approx(0.1 / 2.1)
    assert rel_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)  # the largest entry
    assert rel_error([1.0, -1.0], [-1.0, 1.0]) == 1.0  # opposite signs: the worst possible
    assert rel_error([1e-30], [0.0]) == pytest.approx(1e-30 / 1e-12)  # floor of the denominator
    assert rel_error([1e-30], [0.0], eps=1e-40) == 1.0
    assert rel_error(np.empty((0, 3)), np.empty((0, 3))) == 0.0
    assert isinstance(rel_error([1.0], [2.0]), float)


def test_rel_error_is_computed_in_float64():
    big = np.float16(60000)
    assert rel_error(np.array([big]), np.array([-big])) == 1.0  # not nan from float16 overflow
    assert rel_error(np.float16([60000]), np.float16([30000])) == pytest.approx(1 / 3, rel=1e-15)
    assert rel_error(np.float32([1.0]), np.float32([1.0 + 2**-23])) == pytest.approx(
        2**-23 / (2 + 2**-23), rel=1e-15)


@pytest.mark.parametrize(("a", "b"), [([np.inf, 1.0], [np.inf, 1.0]), ([np.nan], [np.nan]),
                                      ([1.0, 2.0], [1.0, -np.inf]), ([0.0, 1.0], [0.0, np.nan])])
def test_rel_error_of_non_finite_entries_is_nan(a, b):
    assert np.isnan(rel_error(a, b))


@pytest.mark.parametrize(("eps", "error"), [(0, ValueError), (0.0, ValueError),
                                            (-1e-12, ValueError), (float("nan"), ValueError),
                                            (float("inf"), ValueError), ("a", TypeError),
                                            (None, TypeError), (True, TypeError)])
def test_rel_error_checks_eps(eps, error):
    with pytest.raises(error, match="^eps must be"):
        rel_error([0.0], [0.0], eps=eps)


def test_rel_error_accepts_tiny_eps():
    assert rel_error([0.0], [0.0], eps=5e-324) == 0.0
    assert rel_error([5e-324], [0.0], eps=5e-324) == 1.0
    assert rel_error([1e-30], [0.0], eps=np.array(1e-20)) == pytest.approx(1e-10)


def test_error_messages():
    with pytest.raises(ValueError, match="same shape"):
        rel_error(np.zeros(3), np.zeros(4))
    with pytest.raises(TypeError, match="a must be an array of real numbers"):
        rel_error(np.zeros(2, dtype=bool), np.zeros(2))
    with pytest.raises(TypeError, match="b must be"):
        rel_error(np.zeros(2), ["x", "y"])
    with pytest.raises(ValueError, match="h must be a finite number > 0"):
        numerical_gradient(np.sum, np.zeros(3), h=0.0)
    with pytest.raises(ValueError, match="h must be"):
        numerical_gradient_array(lambda z: z, np.zeros(3), np.ones(3), h=float("nan"))
    with pytest.raises(TypeError, match="x must be"):
        numerical_gradient(np.sum, np.array([True, False]))
    with pytest.raises(TypeError, match="dout must be"):
        numerical_gradient_array(lambda z: z, np.zeros(3), np.array(["a", "b", "c"]))
    with pytest.raises(ValueError, match=r"f\(x\) has shape \(3,\) but dout has shape \(2,\)"):
        numerical_gradient_array(lambda z: z, np.zeros(3), np.ones(2))


def test_numerical_gradient_says_f_must_return_a_scalar():
    with pytest.raises(ValueError, match="f must return a scalar"):
        numerical_gradient(lambda z: z * 2, np.ones(3))


def test_numerical_gradients_of_every_argument():
    rng = np.random.default_rng(3)
    a, b, dout = rng.standard_normal((3, 2, 4))
    a_before = a.copy()
    da, db = numerical_gradients(lambda u, v: u * v + 2 * u, (a, b), dout)
    np.testing.assert_allclose(da, (b + 2) * dout, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(db, a * dout, rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(a, a_before)


def _non_contiguous_layouts(a):
    """``a``'s values in layouts where ``reshape(-1)`` is a copy, not a view."""
    strided = np.zeros((a.shape[0], 2 * a.shape[1]))
    strided[:, ::2] = a
    return {"transposed": np.ascontiguousarray(a.T).T, "Fortran order": np.asfortranarray(a),
            "sliced": strided[:, ::2]}


@pytest.mark.parametrize("layout", ["transposed", "Fortran order", "sliced"])
def test_non_contiguous_inputs_get_their_true_gradient(layout):
    # A perturbation written into a reshaped copy would leave f's input alone: zero gradient.
    rng = np.random.default_rng(11)
    a, dout = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    x = _non_contiguous_layouts(rng.standard_normal((3, 4)))[layout]
    assert not x.flags.c_contiguous
    grad = numerical_gradient(lambda z: np.sum(a * z**2), x)
    assert rel_error(grad, 2 * a * x) < 1e-8
    grad = numerical_gradient_array(np.sin, x, dout)
    assert rel_error(grad, np.cos(x) * dout) < 1e-8
    (grad_x, grad_a) = numerical_gradients(lambda z, w: z * w, (x, a), dout)
    assert rel_error(grad_x, a * dout) < 1e-8
    assert rel_error(grad_a, x * dout) < 1e-8


def test_rel_error_near_the_float_limit_is_what_the_docstring_promises():
    # |a - b| and |a| + |b| overflow here: the entries are scaled first.
    assert rel_error([1e308], [-1e308]) == 1.0
    assert rel_error([1.7e308], [1e308]) == pytest.approx(0.7 / 2.7, rel=1e-14)
    assert rel_error([np.finfo(float).max], [-np.finfo(float).max]) == 1.0
    assert rel_error([1e308, 1.0], [1e308, 1.0]) == 0.0
    # The floor eps still applies to tiny entries, scaled or not.
    assert rel_error([5e-324], [0.0]) == pytest.approx(5e-324 / 1e-12)
    assert rel_error([3e-12], [1e-12]) == pytest.approx(0.5, rel=1e-14)


def test_f_that_is_not_a_function_or_returns_no_numbers_is_named():
    x = np.ones(3)
    with pytest.raises(TypeError, match="f must be a function"):
        numerical_gradient(None, x)
    for returned in ("abc", 1j, None):
        with pytest.raises((TypeError, ValueError), match=r"f\(x\)"):
            numerical_gradient(lambda z, r=returned: r, x)
    with pytest.raises(TypeError, match=r"args\[1\]"):
        numerical_gradients(lambda a, b: a * b, (x, x + 1j), x)
