"""Tests of the RNN gradient explorer: drive the controls from Python, check what it shows."""

from __future__ import annotations

import re

import numpy as np
import pytest
from matplotlib.figure import Figure

from c182lib import rnn
from c182lib.rnn import gradient_experiment
from c182lib.widgets import _base
from c182lib.widgets import rnn as rnn_widgets

pytest.importorskip("ipywidgets")


def _curve(explorer, gid):
    ax = explorer.figure.axes[0]
    (line,) = [line for line in ax.get_lines() if line.get_gid() == gid]
    return line.get_xdata(), line.get_ydata()


def test_defaults_show_the_norms_and_bound_of_the_chosen_scale():
    explorer = rnn_widgets.rnn_gradient_explorer()
    assert explorer.error is None
    assert set(explorer.controls) == {"sigma_max", "T", "clip", "max_norm", "seed"}
    expected = gradient_experiment(1.0, 50, rnn_widgets.HIDDEN_SIZE, 0)
    steps, norms = _curve(explorer, "norms")
    np.testing.assert_array_equal(steps, np.arange(51))
    np.testing.assert_array_equal(norms, expected.norms)
    np.testing.assert_allclose(_curve(explorer, "bound")[1], np.ones(51), rtol=1e-12)
    assert explorer.figure.axes[0].get_yscale() == "log"
    ratio = expected.norms[1] / expected.norms[50]
    assert f"= {ratio:.2g} → <b>stable</b>" in explorer.status.value


def test_status_changes_when_sigma_max_crosses_one():
    explorer = rnn_widgets.rnn_gradient_explorer()
    explorer.controls["sigma_max"].value = 0.9
    assert "<b>vanishing</b>" in explorer.status.value
    below = _curve(explorer, "norms")[1]
    np.testing.assert_allclose(_curve(explorer, "bound")[1], 0.9 ** (50 - np.arange(51.0)),
                               rtol=1e-12)
    explorer.controls["sigma_max"].value = 1.1
    assert "<b>exploding</b>" in explorer.status.value
    above = _curve(explorer, "norms")[1]
    assert below[1] < below[50] and above[1] > above[50]
    ratio = re.search(r"= ([0-9.e+-]+) → <b>exploding", explorer.status.value).group(1)
    assert float(ratio) > rnn_widgets.VERDICT_FACTOR
    assert "1.1<sup>49</sup>" in explorer.status.value


def test_status_ratio_is_step_one_over_step_T():
    explorer = rnn_widgets.rnn_gradient_explorer(sigma_max=0.5, T=20)
    norms = gradient_experiment(0.5, 20, rnn_widgets.HIDDEN_SIZE, 0).norms
    ratio = float(re.search(r"‖ = ([0-9.e+-]+) →", explorer.status.value).group(1))
    assert ratio == pytest.approx(norms[1] / norms[20], rel=0.05)  # printed to 2 digits
    assert f"{0.5**19:.2g}" in explorer.status.value  # the bound σ^(T-1)


def test_sequence_length_slider_redraws_with_T_plus_one_points():
    explorer = rnn_widgets.rnn_gradient_explorer(sigma_max=0.8)
    explorer.controls["T"].value = 120
    steps, norms = _curve(explorer, "norms")
    np.testing.assert_array_equal(steps, np.arange(121))
    np.testing.assert_array_equal(norms, gradient_experiment(0.8, 120, 32, 0).norms)
    assert "T = 120" in explorer.figure.axes[0].get_title()


def test_clipping_reports_the_global_norm_before_and_after():
    explorer = rnn_widgets.rnn_gradient_explorer(sigma_max=1.5)
    assert len(explorer.figure.axes) == 1
    assert "clipping" not in explorer.status.value
    explorer.controls["clip"].value = True
    explorer.controls["max_norm"].value = 2.0
    grads = gradient_experiment(1.5, 50, 32, 0).grads
    _, total = rnn.clip_grad_norm(list(grads), 2.0)
    assert total > 2.0
    assert f"Global gradient norm {total:.3g} → 2 after clipping" in explorer.status.value
    assert len(explorer.figure.axes) == 2
    clip_ax = explorer.figure.axes[1]
    (after,) = [p.get_height() for p in clip_ax.patches if p.get_gid() == "after"]
    assert after <= 2.0
    explorer.controls["max_norm"].value = 1000.0
    assert "unchanged: already below" in explorer.status.value
    explorer.controls["clip"].value = False
    assert len(explorer.figure.axes) == 1


def test_seed_control_changes_the_experiment():
    explorer = rnn_widgets.rnn_gradient_explorer(sigma_max=1.2)
    first = _curve(explorer, "norms")[1]
    explorer.controls["seed"].value = 1
    assert not np.allclose(first, _curve(explorer, "norms")[1])


def test_sliders_cover_the_documented_ranges_and_do_not_redraw_while_dragging():
    controls = rnn_widgets.rnn_gradient_explorer().controls
    assert (controls["sigma_max"].min, controls["sigma_max"].max) == rnn_widgets.SIGMA_RANGE
    assert (controls["T"].min, controls["T"].max) == rnn_widgets.T_RANGE
    for name in ("sigma_max", "T", "max_norm"):
        assert controls[name].continuous_update is False
        assert controls[name].description


@pytest.mark.parametrize(("kwargs", "error", "name"), [
    ({"sigma_max": 5.0}, ValueError, "sigma_max"),
    ({"sigma_max": 0}, ValueError, "sigma_max"),
    ({"T": 1}, ValueError, "T"),
    ({"T": 500}, ValueError, "T"),
    ({"T": 10.0}, TypeError, "T"),
    ({"max_norm": -1.0}, ValueError, "max_norm"),
    ({"seed": -1}, ValueError, "seed"),
    ({"clip": 1}, TypeError, "clip"),
])
def test_bad_initial_values_name_the_argument(kwargs, error, name):
    with pytest.raises(error, match=rf"^{name} must"):
        rnn_widgets.rnn_gradient_explorer(**kwargs)


def test_verdict_thresholds():
    assert rnn_widgets.gradient_verdict(0.05) == "vanishing"
    assert rnn_widgets.gradient_verdict(1.0) == "stable"
    assert rnn_widgets.gradient_verdict(20.0) == "exploding"
    # The boundaries: a factor of 10 either way is still stable.
    assert rnn_widgets.gradient_verdict(0.099) == "vanishing"
    assert rnn_widgets.gradient_verdict(0.1) == "stable"
    assert rnn_widgets.gradient_verdict(10.0) == "stable"
    assert rnn_widgets.gradient_verdict(10.1) == "exploding"


def test_benchmark_moves_the_log_slider_by_one_step_of_its_exponent():
    from benchmarks.bench_widgets import _slider_moves

    for start, expected in ((1.0, 10**0.1), (1000.0, 10**2.9)):  # at the top: one step down
        explorer = rnn_widgets.rnn_gradient_explorer(max_norm=start)
        moves = dict(_slider_moves(explorer)[::2])  # every control's move away from its default
        assert moves["max_norm"] == pytest.approx(expected, rel=1e-12)
        assert moves["T"] == 51 and moves["sigma_max"] == pytest.approx(1.05)


@pytest.mark.parametrize("clip", [False, True])
def test_without_ipywidgets_the_call_returns_the_static_figure(monkeypatch, clip):
    monkeypatch.setattr(_base, "ipywidgets", None)
    fig = rnn_widgets.rnn_gradient_explorer(sigma_max=0.7, T=30, clip=clip)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == (2 if clip else 1)
    (line,) = [line for line in fig.axes[0].get_lines() if line.get_gid() == "norms"]
    np.testing.assert_array_equal(line.get_ydata(), gradient_experiment(0.7, 30, 32, 0).norms)


def test_max_norm_slider_is_enabled_only_while_clipping():
    explorer = rnn_widgets.rnn_gradient_explorer()
    assert explorer.controls["max_norm"].disabled
    explorer.controls["clip"].value = True
    assert not explorer.controls["max_norm"].disabled
    explorer.controls["clip"].value = False
    assert explorer.controls["max_norm"].disabled
    assert not rnn_widgets.rnn_gradient_explorer(clip=True).controls["max_norm"].disabled


def test_one_change_runs_the_experiment_once(monkeypatch):
    calls = []

    def counting(*args):
        calls.append(args)
        return gradient_experiment(*args)

    monkeypatch.setattr(rnn_widgets, "gradient_experiment", counting)
    rnn_widgets._experiment.cache_clear()
    explorer = rnn_widgets.rnn_gradient_explorer(sigma_max=0.7, seed=3)
    explorer.controls["T"].value = 60
    assert calls == [(0.7, 50, rnn_widgets.HIDDEN_SIZE, 3), (0.7, 60, rnn_widgets.HIDDEN_SIZE, 3)]
    rnn_widgets._experiment.cache_clear()
