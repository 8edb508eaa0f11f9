"""Tests of c182lib.widgets.conv: driving the explorer's controls from Python changes its
status text, its figure and its error message as it should."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

pytest.importorskip("ipywidgets")

from c182lib.conv import conv_matrix_1d, conv_matrix_2d
from c182lib.widgets import _base
from c182lib.widgets.conv import conv_explorer, describe_conv


def patches(fig, gid):
    return [a for ax in fig.axes for a in ax.patches if a.get_gid() == gid]


def matrix_image(fig):
    (image,) = [im for ax in fig.axes for im in ax.images if im.get_gid() == "matrix"]
    return image.get_array()


@pytest.fixture
def explorer():
    return conv_explorer()


def test_controls_and_defaults(explorer):
    assert set(explorer.controls) == {"dims", "n", "kernel_size", "stride", "padding",
                                      "dilation", "show_matrix"}
    assert explorer.values == {"dims": 1, "n": 7, "kernel_size": 3, "stride": 1,
                               "padding": 0, "dilation": 1, "show_matrix": False}
    for name in ("n", "kernel_size", "stride", "padding", "dilation"):
        assert explorer.controls[name].continuous_update is False
    assert explorer.error is None
    assert "n_out = ⌊(7 + 2·0 − 1·(3 − 1) − 1) / 1⌋ + 1 = 5" in explorer.status.value
    assert len(patches(explorer.figure, "output")) == 5


def test_stride_and_padding_change_size_and_figure(explorer):
    explorer.controls["stride"].value = 2
    explorer.controls["padding"].value = 1
    assert "n_out = ⌊(7 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 4" in explorer.status.value
    assert "dropped" not in explorer.status.value
    assert len(patches(explorer.figure, "output")) == 4
    assert len(patches(explorer.figure, "padding")) == 2


def test_dropped_cells_are_reported_and_drawn(explorer):
    explorer.controls["n"].value = 8
    explorer.controls["stride"].value = 2
    # (8 - 3) mod 2 = 1 cell after the last window.
    assert "1 input cell dropped" in explorer.status.value
    assert [r.get_x() for r in patches(explorer.figure, "dropped")] == [7]
    explorer.controls["stride"].value = 3
    # windows at 0 and 3 read cells 0..5: cells 6, 7 dropped
    assert "2 input cells dropped" in explorer.status.value
    assert len(patches(explorer.figure, "dropped")) == 2


def test_dilation_moves_the_taps(explorer):
    explorer.controls["dilation"].value = 2
    assert "2·(3 − 1)" in explorer.status.value and explorer.status.value.endswith("= 3")
    windows = [line.get_xdata() for ax in explorer.figure.axes for line in ax.lines
               if line.get_gid() == "window"]
    np.testing.assert_array_equal(windows[1], [1.5, 3.5, 5.5])


def test_impossible_setting_shows_message_then_recovers(explorer):
    explorer.controls["n"].value = 2
    explorer.controls["kernel_size"].value = 5
    assert explorer.figure is None
    assert "kernel_size=5" in explorer.error
    assert "Not possible" in explorer.status.value and "kernel_size=5" in explorer.status.value
    explorer.controls["padding"].value = 2  # 2 + 2*2 = 6 >= 5: possible again
    assert explorer.error is None
    assert isinstance(explorer.figure, Figure)
    assert "n_out = ⌊(2 + 2·2 − 1·(5 − 1) − 1) / 1⌋ + 1 = 2" in explorer.status.value


def test_two_dimensional_mode(explorer):
    explorer.controls["dims"].value = 2
    explorer.controls["n"].value = 6
    explorer.controls["stride"].value = 2
    assert "H_out = W_out = ⌊(6 + 2·0 − 1·(3 − 1) − 1) / 2⌋ + 1 = 2" in explorer.status.value
    assert "(output 2 × 2)" in explorer.status.value
    assert "1 row and 1 column dropped" in explorer.status.value
    assert len(patches(explorer.figure, "output")) == 4
    assert len(patches(explorer.figure, "dropped")) == 6 + 6 - 1
    explorer.controls["kernel_size"].value = 1  # 1x1 windows at 0, 2, 4: rows 1 and 3 skipped
    assert "2 rows and 2 columns skipped" in explorer.status.value
    assert len(patches(explorer.figure, "skipped")) == 6 * 6 - 3 * 3 - (6 + 6 - 1)


def test_show_matrix_draws_the_library_matrix(explorer):
    explorer.controls["stride"].value = 2
    explorer.controls["padding"].value = 1
    explorer.controls["show_matrix"].value = True
    image = matrix_image(explorer.figure)
    w = np.arange(1.0, 4.0)
    drawn = np.where(np.ma.getmaskarray(image), 0.0, w[np.ma.getdata(image).astype(int)])
    np.testing.assert_array_equal(drawn, conv_matrix_1d(7, w, stride=2, padding=1))
    explorer.controls["dims"].value = 2
    explorer.controls["n"].value = 4
    image = matrix_image(explorer.figure)
    w2 = np.arange(1.0, 10.0).reshape(3, 3)
    drawn = np.where(np.ma.getmaskarray(image), 0.0, w2.ravel()[np.ma.getdata(image).astype(int)])
    np.testing.assert_array_equal(drawn, conv_matrix_2d((4, 4), w2, stride=2, padding=1))
    explorer.controls["show_matrix"].value = False
    assert not [im for ax in explorer.figure.axes for im in ax.images]


def test_starting_values_are_used():
    explorer = conv_explorer(dims=2, n=5, kernel_size=2, stride=2, padding=1, dilation=2,
                             show_matrix=True)
    assert explorer.values["dims"] == 2 and explorer.values["dilation"] == 2
    assert "= 3" in explorer.status.value
    assert len(explorer.figure.subfigs) == 2


def test_describe_conv_plain_call():
    text = describe_conv(1, 10, 2, 3, 0, 1)
    assert text.startswith("n_out = ⌊(10 + 2·0 − 1·(2 − 1) − 1) / 3⌋ + 1 = 3")
    assert "2 input cells dropped" in text  # windows at 0, 3, 6 read cells up to 7
    assert "2 input cells skipped" in text  # cells 2 and 5 lie between windows
    assert "skipped" not in describe_conv(1, 7, 3, 2, 0, 1)
    assert ("1 input cell dropped: the stride does not tile the padded input (1 of them padding)"
            in describe_conv(1, 4, 3, 2, 1, 1))
    with pytest.raises(ValueError, match="kernel_size"):
        describe_conv(1, 3, 7, 1, 0, 1)


def test_without_ipywidgets_returns_the_static_figure(monkeypatch):
    monkeypatch.setattr(_base, "ipywidgets", None)
    fig = conv_explorer(n=8, stride=2)
    assert isinstance(fig, Figure)
    assert len(patches(fig, "output")) == 3
    assert len(patches(fig, "dropped")) == 1


@pytest.mark.parametrize(("settings", "error", "named"), [
    ({"stride": 1.5}, TypeError, "stride"), ({"dims": 3}, ValueError, "dims"),
    ({"n": 17}, ValueError, "n"), ({"padding": -1}, ValueError, "padding"),
    ({"kernel_size": 8}, ValueError, "kernel_size"), ({"show_matrix": 1}, TypeError, "show_matrix"),
    ({"dilation": True}, TypeError, "dilation"),
])
def test_starting_values_are_checked_like_the_library(settings, error, named):
    # stride=1.5 used to become 1 silently, dims=3 raised a traitlets error, a large n with
    # the matrix view took over a minute to draw: the sliders' ranges bound every redraw.
    with pytest.raises(error, match=rf"^{named} must"):
        conv_explorer(**settings)
