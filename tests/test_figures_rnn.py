"""Tests of c182lib.figures.rnn: what the figures contain, not only that they draw."""

from __future__ import annotations

import io
from collections import Counter

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

from c182lib import rnn
from c182lib.figures import alt_text
from c182lib.figures import rnn as rnn_figures

# ------------------------------------------------------------------------------ diagrams


def _gids(ax, kind) -> Counter:
    return Counter(p.get_gid() for p in ax.patches if isinstance(p, kind))


@pytest.mark.parametrize("T", [1, 4, 7])
def test_unrolled_rnn_has_T_copies_of_each_shared_weight(T):
    fig = rnn_figures.unrolled_rnn_figure(T)
    (ax,) = fig.axes
    labels = Counter(t.get_text() for t in ax.texts)
    for name in ("W_xh", "W_hh", "W_hy"):
        assert labels[rnn_figures.WEIGHT_LABELS[name]] == T
    assert _gids(ax, FancyArrowPatch) == {"W_xh": T, "W_hh": T, "W_hy": T}
    assert _gids(ax, FancyBboxPatch) == {"input": T, "hidden": T + 1, "output": T}
    # Shared weights look shared: every arrow of one matrix has that matrix's colour.
    for patch in ax.patches:
        if isinstance(patch, FancyArrowPatch):
            expected = to_rgba(rnn_figures.WEIGHT_COLORS[patch.get_gid()])
            assert patch.get_edgecolor() == pytest.approx(expected)
    for t in range(1, T + 1):
        assert {f"$x_{{{t}}}$", f"$h_{{{t}}}$", f"$y_{{{t}}}$"} <= set(labels)
    assert "$h_0$" in labels
    assert f"T = {T}" in ax.get_title()
    (legend,) = fig.legends
    assert "shared across time" in legend.get_title().get_text()
    assert len(legend.get_texts()) == 3


def test_unrolled_rnn_h0_is_left_of_every_step():
    (ax,) = rnn_figures.unrolled_rnn_figure(3).axes
    h0 = next(t for t in ax.texts if t.get_text() == "$h_0$")
    steps = [t for t in ax.texts if t.get_text().startswith(("$x_", "$h_{", "$y_"))]
    assert len(steps) == 9
    assert all(h0.get_position()[0] < t.get_position()[0] for t in steps)


@pytest.mark.parametrize("T", [0, 11])
def test_unrolled_rnn_rejects_bad_T(T):
    with pytest.raises(ValueError, match="T must"):
        rnn_figures.unrolled_rnn_figure(T)


def test_unrolled_rnn_rejects_non_integer_T():
    with pytest.raises(TypeError, match="T must be an integer"):
        rnn_figures.unrolled_rnn_figure(2.5)


def test_problem_types_has_four_panels_with_the_right_structure():
    fig = rnn_figures.problem_types_figure()
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["one-to-one", "one-to-many", "many-to-one", "many-to-many"]
    # (inputs, hidden cells, outputs) per panel
    expected = {"one-to-one": (1, 1, 1), "one-to-many": (1, 3, 3),
                "many-to-one": (3, 3, 1), "many-to-many": (3, 3, 3)}
    for ax in fig.axes:
        boxes, arrows = _gids(ax, FancyBboxPatch), _gids(ax, FancyArrowPatch)
        n_in, n_h, n_out = expected[ax.get_title()]
        assert (boxes["input"], boxes["hidden"], boxes["output"]) == (n_in, n_h, n_out)
        assert (arrows["W_xh"], arrows["W_hh"], arrows["W_hy"]) == (n_in, n_h - 1, n_out)
    examples = " ".join(ax.get_xlabel() for ax in fig.axes)
    for task in ("image classification", "image captioning", "sentiment", "translation",
                 "frame labelling"):
        assert task in examples


def test_many_to_one_output_is_on_the_last_step():
    ax = rnn_figures.problem_types_figure().axes[2]
    (output,) = [p for p in ax.patches if p.get_gid() == "output"]
    rightmost_hidden = max(p.get_x() for p in ax.patches if p.get_gid() == "hidden")
    assert output.get_x() == pytest.approx(rightmost_hidden)


def test_diagrams_render():
    for fig in (rnn_figures.unrolled_rnn_figure(), rnn_figures.problem_types_figure()):
        fig.savefig(io.BytesIO(), format="png")


# -------------------------------------------------------------------- gradient norms

def _reference_norms(sigma_max, T, hidden_size, seed, input_scale, loss="last"):
    """||dL/dh_t|| for t = 0..T, by explicit Jacobian products.

    Rebuilds the toy RNN of `gradient_experiment` from its documented recipe, runs the forward
    pass one step at a time and multiplies dL/dh_T by ∂h_k/∂h_{k-1} = diag(1 - h_k²) W_hh,
    adding at every h_{k-1} (k - 1 >= 1) its own upstream gradient for a loss on every step.
    """
    data_seed, matrix_seed, loss_seed = np.random.SeedSequence(seed).spawn(3)
    rng = np.random.default_rng(data_seed)
    d = rnn.EXPERIMENT_INPUT_SIZE
    x = rng.standard_normal((T, d))
    W_xh = input_scale * rng.standard_normal((hidden_size, d)) / np.sqrt(d)
    W_hh = rnn.scaled_recurrent_matrix(hidden_size, sigma_max, seed=matrix_seed)
    h = [np.zeros(hidden_size)]
    for t in range(T):
        h.append(np.tanh(W_hh @ h[-1] + W_xh @ x[t]))
    upstream = rnn.random_upstream_gradient((1, T, hidden_size), loss, seed=loss_seed)[0]
    g = upstream[T - 1]  # upstream[t - 1] is the loss's gradient on h_t
    norms = np.empty(T + 1)
    norms[T] = np.linalg.norm(g)
    for t in range(T, 0, -1):
        g = (g * (1 - h[t] ** 2)) @ W_hh  # row vector times diag(1 - h_t²) W_hh
        if t >= 2:
            g = g + upstream[t - 2]
        norms[t - 1] = np.linalg.norm(g)
    return norms


def _lines(ax, gid):
    return [line for line in ax.get_lines() if line.get_gid() == gid]


def test_plotted_norms_and_bounds_equal_the_computed_ones():
    scales, T, hidden = (0.5, 1.0, 1.3), 30, 12
    fig = rnn_figures.gradient_norms_figure(scales, T=T, hidden_size=hidden, seed=3)
    (ax,) = fig.axes
    norm_lines, bound_lines = _lines(ax, "norms"), _lines(ax, "bound")
    assert len(norm_lines) == len(bound_lines) == len(scales)
    for sigma, norm_line, bound_line in zip(scales, norm_lines, bound_lines, strict=True):
        np.testing.assert_array_equal(norm_line.get_xdata(), np.arange(T + 1))
        np.testing.assert_allclose(norm_line.get_ydata(),
                                   _reference_norms(sigma, T, hidden, 3, 0.01), rtol=1e-10)
        np.testing.assert_allclose(bound_line.get_ydata(),
                                   sigma ** (T - np.arange(T + 1.0)), rtol=1e-12)
        assert norm_line.get_color() == bound_line.get_color()
        assert bound_line.get_linestyle() == "--"
        assert f"{sigma:g}" in norm_line.get_label()
    assert ax.get_yscale() == "log"
    assert ax.get_xlabel() == "time step t"
    assert "‖∂L/∂hₜ‖" in ax.get_ylabel() and "log" in ax.get_ylabel()
    (legend,) = fig.legends
    assert any("bound" in text.get_text() for text in legend.get_texts())


def test_plotted_norms_for_a_loss_on_every_step():
    scales, T, hidden = (0.7, 1.2), 20, 6
    (ax,) = rnn_figures.gradient_norms_figure(scales, T=T, hidden_size=hidden, seed=4,
                                              loss="every", input_scale=0.5).axes
    for sigma, line in zip(scales, _lines(ax, "norms"), strict=True):
        np.testing.assert_allclose(line.get_ydata(),
                                   _reference_norms(sigma, T, hidden, 4, 0.5, "every"),
                                   rtol=1e-10)


@pytest.mark.parametrize("loss", ["last", "every"])
@pytest.mark.parametrize("sigma", [0.6, 1.0, 1.4])
def test_norms_respect_the_bound(loss, sigma):
    experiment = rnn.gradient_experiment(sigma, T=25, hidden_size=10, seed=1,
                                                 loss=loss, input_scale=0.5)
    assert np.all(experiment.norms <= experiment.bound * (1 + 1e-10))
    if loss == "last":
        # ‖u·J‖ <= ‖J‖₂ for a unit row u, and ‖J‖₂ <= σ^(T-t)
        assert np.all(experiment.norms <= experiment.jacobian_norms * (1 + 1e-10))
        assert np.all(experiment.jacobian_norms <= experiment.bound * (1 + 1e-10))
    else:  # a unit-norm gradient enters at every loss step s = 1..T: Σ_{s>=max(t,1)} σ^(s-t)
        expected = [sum(sigma ** (s - t) for s in range(max(t, 1), 26)) for t in range(26)]
        np.testing.assert_allclose(experiment.bound, expected, rtol=1e-12)
        assert experiment.bound[0] == pytest.approx(sigma * experiment.bound[1], rel=1e-12)


@pytest.mark.parametrize("sigma", [0.5, 0.9])
def test_contracting_recurrence_makes_early_gradients_vanish(sigma):
    norms = rnn.gradient_experiment(sigma, T=40, hidden_size=16, seed=2).norms
    assert np.all(np.diff(norms) > 0)  # smaller the further back from T
    assert 0.5 * sigma**40 < norms[0] <= sigma**40  # geometric, close to the bound σ^T


@pytest.mark.parametrize("sigma", [1.1, 1.5])
def test_expanding_recurrence_with_small_inputs_makes_early_gradients_grow(sigma):
    norms = rnn.gradient_experiment(sigma, T=40, hidden_size=16, seed=2,
                                            input_scale=1e-9).norms
    assert np.all(np.diff(norms) < 0)
    # Inputs this small keep tanh' ≈ 1, so the bound σ^(T-t) is nearly reached.
    np.testing.assert_allclose(norms, sigma ** (40 - np.arange(41.0)), rtol=1e-3)


def test_clip_panel_shows_clip_grad_norm_before_and_after():
    scales, max_norm = (0.5, 1.0, 1.5), 2.0
    fig = rnn_figures.gradient_norms_figure(scales, T=30, hidden_size=12, clip=max_norm)
    assert len(fig.axes) == 2
    clip_ax = fig.axes[1]
    before = [p.get_height() for p in clip_ax.patches if p.get_gid() == "before"]
    after = [p.get_height() for p in clip_ax.patches if p.get_gid() == "after"]
    assert len(before) == len(after) == len(scales)
    for sigma, total, clipped_total in zip(scales, before, after, strict=True):
        grads = rnn.gradient_experiment(sigma, 30, 12).grads
        reference = np.sqrt(sum(np.sum(g**2) for g in grads))  # the global norm, by hand
        assert total == pytest.approx(reference, rel=1e-12)
        assert clipped_total <= max_norm
        assert clipped_total == pytest.approx(min(total, max_norm), rel=1e-5)
    assert max(before) > max_norm  # the test would be vacuous otherwise
    (threshold,) = _lines(clip_ax, "max_norm")
    np.testing.assert_array_equal(threshold.get_ydata(), [max_norm, max_norm])
    assert clip_ax.get_yscale() == "log"
    assert "max_norm = 2" in clip_ax.get_title()


def test_clipping_leaves_small_gradients_alone():
    fig = rnn_figures.gradient_norms_figure((0.5,), T=10, hidden_size=8, clip=1e6)
    clip_ax = fig.axes[1]
    (before,) = [p.get_height() for p in clip_ax.patches if p.get_gid() == "before"]
    (after,) = [p.get_height() for p in clip_ax.patches if p.get_gid() == "after"]
    assert after == before


def test_gradient_figure_is_deterministic_and_seeded():
    def data(seed):
        (ax,) = rnn_figures.gradient_norms_figure((0.9, 1.2), T=20, hidden_size=8,
                                                  seed=seed).axes
        return np.concatenate([line.get_ydata() for line in _lines(ax, "norms")])

    np.testing.assert_array_equal(data(5), data(5))
    assert not np.allclose(data(5), data(6))


def test_gradient_figure_does_not_modify_scales():
    scales = [0.5, 1.5]
    rnn_figures.gradient_norms_figure(scales, T=5, hidden_size=4)
    assert scales == [0.5, 1.5]


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"scales": ()}, TypeError, "scales"),
    ({"scales": 1.0}, TypeError, "scales"),
    ({"scales": (0.5, -1.0)}, ValueError, r"scales\[1\]"),
    ({"scales": (1.0,) * 8}, ValueError, "scales"),
    ({"clip": 0.0}, ValueError, "clip"),
    ({"T": 0}, ValueError, "T"),
    ({"hidden_size": 2.5}, TypeError, "hidden_size"),
    ({"loss": "first"}, ValueError, "loss"),
    ({"input_scale": -1}, ValueError, "input_scale"),
])
def test_gradient_figure_rejects_bad_arguments(kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must"):
        rnn_figures.gradient_norms_figure(**kwargs)


def test_gradient_figures_render():
    rnn_figures.gradient_norms_figure(clip=1.0).savefig(io.BytesIO(), format="png")
    rnn_figures.gradient_norms_figure(loss="every", T=200).savefig(io.BytesIO(), format="png")


# ------------------------------------------------------ the static stand-in of 10's explorer
def test_vanishing_exploding_figure_plots_the_ratio_over_sigma():
    sweep, T, hidden = (0.6, 1.0, 1.4), 12, 5
    fig = rnn_figures.vanishing_exploding_figure(scales=(0.6, 1.4), T=T, hidden_size=hidden,
                                                 sweep=sweep, seed=2)
    ax_time, ax_sweep = fig.axes[:2]
    (ratio_line,) = _lines(ax_sweep, "ratio")
    (bound_line,) = _lines(ax_sweep, "ratio-bound")
    expected = []
    for sigma in sweep:
        norms = _reference_norms(sigma, T, hidden, 2, 0.01)
        expected.append(norms[1] / norms[T])
    np.testing.assert_allclose(ratio_line.get_xdata(), sweep)
    np.testing.assert_allclose(ratio_line.get_ydata(), expected, rtol=1e-10)
    np.testing.assert_allclose(bound_line.get_ydata(), np.array(sweep) ** (T - 1),
                               rtol=1e-12)
    assert np.all(ratio_line.get_ydata() <= bound_line.get_ydata() * (1 + 1e-10))
    assert len(_lines(ax_time, "norms")) == 2 == len(_lines(ax_time, "bound"))
    bands = {p.get_gid() for p in ax_sweep.patches}
    assert {"vanishing", "exploding"} <= bands
    assert all(p.get_hatch() for p in ax_sweep.patches if p.get_gid() in bands)


def test_vanishing_exploding_figure_bad_sweep():
    with pytest.raises(ValueError, match="sweep"):
        rnn_figures.vanishing_exploding_figure(sweep=(1.0,))
    with pytest.raises(ValueError, match="sweep"):
        rnn_figures.vanishing_exploding_figure(sweep=(1.0, -2.0))


def test_gradient_norm_lines_have_a_marker_each():
    fig = rnn_figures.gradient_norms_figure((0.5, 0.9, 1.1), T=10, hidden_size=4)
    markers = [line.get_marker() for line in _lines(fig.axes[0], "norms")]
    assert len(set(markers)) == 3


# ------------------------------------------------------------------- 11's figures
def test_hidden_state_figure_shows_h_as_units_by_steps():
    rng = np.random.default_rng(3)
    h = np.tanh(rng.normal(size=(2, 7, 4)))
    x, y = rng.normal(size=(2, 7, 1)), rng.normal(size=(2, 7, 1))
    fig = rnn_figures.hidden_state_figure(h, x=x, y=y, sequence=1)
    (image,) = [im for ax in fig.axes for im in ax.get_images() if im.get_gid() == "hidden"]
    np.testing.assert_array_equal(image.get_array(), h[1].T)
    assert image.get_clim() == (-1, 1)
    seq_ax = fig.axes[0]
    (input_line,) = _lines(seq_ax, "input")
    (output_line,) = _lines(seq_ax, "output")
    np.testing.assert_array_equal(input_line.get_xdata(), np.arange(1, 8))
    np.testing.assert_array_equal(input_line.get_ydata(), x[1, :, 0])
    np.testing.assert_array_equal(output_line.get_ydata(), y[1, :, 0])
    assert input_line.get_marker() != output_line.get_marker()
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert len(labels) == 28 and labels[0] == f"{h[1, 0, 0]:.1f}"


def test_hidden_state_figure_bad_input():
    with pytest.raises(ValueError, match="h must"):
        rnn_figures.hidden_state_figure(np.zeros(5))
    with pytest.raises(ValueError, match="x must"):
        rnn_figures.hidden_state_figure(np.zeros((5, 3)), x=np.zeros(4))
    with pytest.raises(ValueError, match="sequence"):
        rnn_figures.hidden_state_figure(np.zeros((2, 5, 3)), sequence=2)


def test_training_loss_figure_plots_the_history_in_step_order():
    history = {100: 0.02, 0: 1.5, 50: 0.1}
    fig = rnn_figures.training_loss_figure(history, baseline=1.1)
    (ax,) = fig.axes
    (line,) = _lines(ax, "loss")
    np.testing.assert_array_equal(line.get_xdata(), [0, 50, 100])
    np.testing.assert_array_equal(line.get_ydata(), [1.5, 0.1, 0.02])
    (baseline,) = _lines(ax, "baseline")
    assert baseline.get_ydata()[0] == 1.1 and baseline.get_linestyle() == "--"
    assert ax.get_yscale() == "log"
    with pytest.raises(ValueError, match="losses"):
        rnn_figures.training_loss_figure([1.0, 0.0])


def test_gradient_check_figure_marks_failures_by_hatch_and_label():
    errors = {"x": 1e-10, "W_hh": 0.3, "b_h": 0.0}
    fig = rnn_figures.gradient_check_figure(errors, tolerance=1e-7)
    (ax,) = fig.axes
    gids = [bar.get_gid() for bar in ax.patches if bar.get_gid() in ("pass", "fail")]
    assert gids == ["pass", "fail", "pass"]
    fail = next(bar for bar in ax.patches if bar.get_gid() == "fail")
    assert fail.get_hatch() and fail.get_height() == pytest.approx(0.3)
    assert [t.get_text() for t in ax.texts if t.get_text() in ("pass", "FAIL")] == [
        "pass", "FAIL", "pass"]
    (tolerance,) = _lines(ax, "tolerance")
    assert tolerance.get_ydata()[0] == 1e-7
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dx", "dW_hh", "db_h"]
    with pytest.raises(TypeError, match="errors"):
        rnn_figures.gradient_check_figure({})


def test_gradient_norms_figure_draws_given_experiments_as_computed_ones():
    scales = (0.6, 1.3)
    given = [rnn.gradient_experiment(s, 30, 16, 2) for s in scales]
    drawn = rnn_figures.gradient_norms_figure(scales, T=30, hidden_size=16, seed=2,
                                              experiments=given)
    computed = rnn_figures.gradient_norms_figure(scales, T=30, hidden_size=16, seed=2)
    assert alt_text(drawn) == alt_text(computed)
    for a, b in zip(drawn.axes[0].get_lines(), computed.axes[0].get_lines(), strict=True):
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    with pytest.raises(ValueError, match="experiments"):
        rnn_figures.gradient_norms_figure(scales, experiments=given[:1])
