"""Every figure function gives its figure a text alternative built from its data, and every
text in a figure keeps WCAG 2.1 AA contrast (4.5:1) against the colour under it."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.legend import Legend
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.text import Text

import c182lib.figures as figures
from c182lib import pool, rnn
from c182lib.figures import alt_text
from c182lib.figures._common import DescribedFigure, contrast_ratio
from c182lib.figures.pool import STACKED_TIE_INPUT

RNG = np.random.default_rng(7)
H_STATES = np.tanh(RNG.normal(size=(10, 6)))
NOT_FIGURES = {"describe", "new_figure"}  # helpers that make or label a figure


def figure_functions() -> list[str]:
    """Every public function of c182lib.figures that returns a Figure (by its annotation)."""
    names = []
    for name in figures.__all__:
        obj = getattr(figures, name)
        if inspect.isfunction(obj) and name not in NOT_FIGURES:
            returns = inspect.signature(obj).return_annotation
            if returns in (Figure, "Figure"):
                names.append(name)
    return sorted(names)


# Two settings per figure function whose pictures differ.
CASES = {
    "batchnorm_channel_stats_figure": (
        {"x": RNG.normal(size=(2, 3, 2, 2))}, {"x": 5 + RNG.normal(size=(4, 2, 3, 3))}),
    "batchnorm_layout_figure": ({"x": RNG.normal(size=(2, 3, 2, 2))},
                                {"x": RNG.normal(size=(3, 2, 4, 2)), "layout": "wrong-axes",
                                 "eps": 1.0}),
    "conv_explorer_figure": ({"n": 7}, {"dims": 2, "n": 8, "kernel_size": 3, "stride": 2,
                                        "show_matrix": True}),
    "conv_matrix_2d_figure": ({"input_hw": 3, "w": np.ones((2, 2))},
                              {"input_hw": (4, 5), "w": np.arange(9.0).reshape(3, 3),
                               "stride": 2}),
    "conv_matrix_figure": ({"n": 4, "w": [1.0, 2.0, 3.0]},
                           {"n": 6, "w": [1.0, -1.0], "stride": 2, "padding": 1}),
    "gradient_check_figure": ({"errors": {"x": 1e-10, "W_hh": 3e-11}},
                              {"errors": {"x": 1e-10, "W_hh": 0.2, "b_h": 1e-9}}),
    "gradient_norms_figure": ({"scales": (0.9,), "T": 10, "hidden_size": 4},
                              {"scales": (0.5, 1.5), "T": 12, "hidden_size": 4, "clip": 1.0}),
    "hidden_state_figure": ({"h": H_STATES}, {"h": H_STATES[:7] * 0.5, "x": np.ones(7)}),
    "im2col_figure": ({"x": (4, 4)}, {"x": (5, 4), "kernel_size": 2, "stride": 2,
                                      "padding": 1}),
    "matrix_density_figure": ({"max_n": 12}, {"max_n": 16, "kernel_size": 5}),
    "pool_gradient_routing": ({}, {"x": STACKED_TIE_INPUT, "kernel_size": 3, "stride": 1,
                                   "output_cell": (1, 0)}),
    "pooling_figure": ({}, {"x": STACKED_TIE_INPUT, "kernel_size": 3, "stride": 1,
                            "mode": "average"}),
    "problem_types_figure": None,  # no data: one picture
    "sliding_window_1d": ({"n": 9, "kernel_size": 3, "stride": 4},
                          {"n": 8, "kernel_size": 3, "stride": 2, "padding": 1,
                           "position": 1, "w": [1.0, 0.0, -1.0]}),
    "sliding_window_2d": ({"input_hw": 8, "kernel_size": 3, "stride": 2},
                          {"input_hw": 7, "kernel_size": 3, "padding": 1,
                           "position": (2, 3)}),
    "stacked_pooling_figure": ({}, {"x": np.arange(16.0).reshape(4, 4)}),
    "training_loss_figure": ({"losses": {0: 1.2, 50: 0.04, 100: 0.01}},
                             {"losses": [2.0, 1.0, 0.5], "baseline": 1.5}),
    "unrolled_rnn_figure": ({"T": 3}, {"T": 5}),
    "vanishing_exploding_figure": ({"scales": (0.9, 1.1), "T": 10, "hidden_size": 4,
                                    "sweep": (0.5, 1.0, 1.5)},
                                   {"scales": (0.5,), "T": 20, "hidden_size": 4,
                                    "sweep": (0.8, 1.2)}),
}
def test_every_figure_function_has_cases():
    """A new figure function fails here until it is given two settings in CASES."""
    assert set(figure_functions()) == set(CASES)


@pytest.mark.parametrize("name", figure_functions())
def test_text_alternative_is_set_and_follows_the_data(name):
    function = getattr(figures, name)
    cases = CASES[name] or ({},)
    texts = []
    for kwargs in cases:
        fig = function(**kwargs)
        assert isinstance(fig, DescribedFigure)
        text = alt_text(fig)
        assert len(text.split()) >= 8, text  # a sentence, not a label
        bundle, metadata = fig._repr_mimebundle_()
        assert bundle["text/plain"] == text and metadata["image/png"]["alt"] == text
        texts.append(text)
    assert len(set(texts)) == len(texts), texts


# ------------------------------------------------------------- key numbers, spot-checked
def test_sliding_window_1d_names_outputs_and_unused_cells():
    # n = 9, k = 3, stride 4: windows start at 0 and 4 (2 outputs), x₄ lies between them,
    # x₈, x₉ after the last one.
    text = alt_text(figures.sliding_window_1d(9, 3, stride=4))
    assert "2 outputs" in text
    dropped = text.split("Dropped")[1]
    assert "x₈" in dropped and "x₉" in dropped
    assert "x₄" in text.split("skipped")[1]
    assert "3 outputs" in alt_text(figures.sliding_window_1d(9, 3, stride=3))


def test_sliding_window_1d_lists_the_computed_outputs():
    x, w = np.arange(1.0, 7.0), np.array([1.0, -1.0])
    expected = [x[i] - x[i + 1] for i in range(0, 5, 2)]  # stride 2, by hand
    text = alt_text(figures.sliding_window_1d(6, 2, stride=2, x=x, w=w))
    assert "Outputs y = " + ", ".join(f"{v:g}" for v in expected) in text


def test_pool_routing_counts_the_cells_reached():
    x = np.array([[1.0, 5.0, 2.0], [3.0, 4.0, 0.0], [6.0, 0.0, 7.0]])
    # 2x2 windows, stride 1: maxima 5 (window 0,0), 5 (0,1), 6 (1,0), 7 (1,1), so 3 cells
    # receive gradient and the 5 at (0, 1) receives it twice.
    text = alt_text(figures.pool_gradient_routing(x, kernel_size=2, stride=1))
    assert "Gradient reaches 3 of 9 input cells; 1 receive" in text
    one = alt_text(figures.pool_gradient_routing(x, kernel_size=2, stride=1,
                                                 output_cell=(1, 0)))
    assert "window (1, 0) only" in one and "input cell (2, 0)" in one


def test_stacked_pooling_names_both_landing_cells():
    x = STACKED_TIE_INPUT
    flat = np.argmax(x)  # the single 4x4 pool: first maximum in row-major order
    single = divmod(int(flat), 4)
    blocks = [x[r:r + 2, c:c + 2] for r in (0, 2) for c in (0, 2)]
    first_block = int(np.argmax([b.max() for b in blocks]))  # first block holding the max
    br, bc = divmod(first_block, 2)
    r, c = divmod(int(np.argmax(blocks[first_block])), 2)
    stacked = (2 * br + r, 2 * bc + c)
    assert stacked != single  # the input is a counterexample
    text = alt_text(figures.stacked_pooling_figure())
    assert f"{stacked} through the stacked pools and at {single}" in text
    assert "different routing in 1 of 1 window" in text
    # Without ties the two agree, as pool.maxpool2d_* says.
    distinct = np.arange(64.0).reshape(8, 8)
    assert "the same routing in every window" in alt_text(
        figures.stacked_pooling_figure(distinct))
    _, cache = pool.maxpool2d_forward(distinct[None, None], kernel_size=4, stride=4)
    assert np.count_nonzero(pool.maxpool2d_backward(np.ones((1, 1, 2, 2)), cache)) == 4


def test_gradient_norms_text_gives_each_ratio_and_verdict():
    scales = (0.5, 1.5)
    text = alt_text(figures.gradient_norms_figure(scales, T=20, hidden_size=6, seed=1))
    for sigma in scales:
        norms = rnn.gradient_experiment(sigma, 20, 6, 1).norms
        assert f"σ = {sigma:g}: ‖∂L/∂h_1‖ / ‖∂L/∂h_T‖ = {norms[1] / norms[20]:.2g}" in text
    assert "→ vanishing" in text and "→ exploding" in text


def test_gradient_check_text_names_what_fails_without_digits():
    text = alt_text(figures.gradient_check_figure({"x": 3.2e-10, "W_hh": 0.25}, 1e-7))
    assert "1 above it: dW_hh" in text
    assert "3.2" not in text and "0.25" not in text
    assert "all below it" in alt_text(figures.gradient_check_figure({"x": 3e-10}))


# ------------------------------------------------------------------------ contrast
def _over(top, bottom) -> tuple:
    """RGBA ``top`` composited over the opaque RGB ``bottom``."""
    r, g, b, a = to_rgba(top)
    return tuple(a * t + (1 - a) * u for t, u in zip((r, g, b), bottom[:3], strict=True))


def _image_color(image: AxesImage, ax: Axes, xy_display):
    """The colour ``image`` shows at a display point, or None outside it or where masked."""
    x, y = ax.transData.inverted().transform(xy_display)
    left, right, bottom, top = image.get_extent()
    data = image.get_array()
    rows, cols = data.shape[:2]
    col = (x - left) / (right - left) * cols
    row = (y - top) / (bottom - top) * rows if image.origin == "upper" else \
        (y - bottom) / (top - bottom) * rows
    if not (0 <= col < cols and 0 <= row < rows):
        return None
    value = data[int(row), int(col)]
    if np.ma.is_masked(value):
        return None
    return image.to_rgba(value)


def _background(fig: Figure, text: Text):
    """The opaque colour under the anchor point of ``text``: its own box if it has one, else
    the patches and images drawn below it in its axes, over the axes and figure faces."""
    point = text.get_transform().transform(text.get_position())
    color = fig.get_facecolor()
    ax = next((a for a in fig.axes if a.contains_point(point)), None)
    if ax is not None:
        color = _over(ax.get_facecolor(), color)
        under = []
        for artist in ax.get_children():
            # Arrows are strokes beside their labels, not a background.
            if isinstance(artist, Patch) and not isinstance(artist, FancyArrowPatch) \
                    and artist is not ax.patch and artist.get_fill() \
                    and artist.get_visible() and artist.contains_point(point):
                under.append((artist.get_zorder(), artist.get_facecolor()))
            elif isinstance(artist, AxesImage):
                face = _image_color(artist, ax, point)
                if face is not None:
                    under.append((artist.get_zorder(), face))
        for zorder, face in sorted(under, key=lambda item: item[0]):
            if zorder <= text.get_zorder():
                color = _over(face, color)
    legend = next((lg for lg in fig.legends + [a.get_legend() for a in fig.axes]
                   if lg is not None and text in lg.get_texts()), None)
    if isinstance(legend, Legend) and legend.get_frame_on():
        color = _over(legend.get_frame().get_facecolor(), color)
    box = text.get_bbox_patch()
    if box is not None and box.get_fill():
        color = _over(box.get_facecolor(), color)
    return color


def _texts(fig: Figure) -> list[Text]:
    found = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
    return [t for t in found if t.get_figure() is not None]


@pytest.mark.parametrize("name", figure_functions())
def test_text_keeps_wcag_aa_contrast(name):
    cases = CASES[name] or ({},)
    for kwargs in cases:
        fig = getattr(figures, name)(**kwargs)
        fig.canvas.draw()  # final positions (layout engine, tick labels)
        poor = []
        for text in _texts(fig):
            ratio = contrast_ratio(text.get_color(), _background(fig, text))
            if ratio < 4.5:
                poor.append((text.get_text(), text.get_color(), round(ratio, 2)))
        assert not poor, poor


def test_contrast_ratio_matches_wcag_examples():
    assert contrast_ratio("black", "white") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "white") == pytest.approx(4.48, abs=0.01)
    assert contrast_ratio("white", "white") == pytest.approx(1.0)
    assert contrast_ratio("#0072B2", "white") == contrast_ratio("white", "#0072B2")


def test_batchnorm_channel_stats_text_gives_each_channel_before_and_after():
    x = np.stack([np.full((2, 2), 3.0), np.array([[0.0, 2.0], [4.0, 6.0]])])[None]  # (1, 2, 2, 2)
    text = alt_text(figures.batchnorm_channel_stats_figure(x, gamma=[2.0, 1.0], beta=[1.0, 0.0],
                                                           histograms=False))
    # channel 0 is constant (std 0: normalised to beta exactly), channel 1 has mean 3, std sqrt(5)
    assert "N = 1, C = 2, H = 2, W = 2" in text and "its 4 values" in text
    assert "c = 0: 3 ± 0 → 1 ± 0 (target 1 ± 2)" in text
    assert "c = 1: 3 ± 2.24 → 0 ± 1.00 (target 0 ± 1)" in text
    assert "histogram" not in text
