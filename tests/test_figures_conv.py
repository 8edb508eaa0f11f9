"""Tests of c182lib.figures.conv: the figures contain the right cells, sizes and values.

References are independent of the code under test: window positions are enumerated by brute
force, convolutions come from ``np.correlate`` / ``scipy.signal.correlate2d``.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from _conv_helpers import brute_dropped, brute_windows, settings_1d
from _figure_helpers import artists_with_gid
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.image import AxesImage
from matplotlib.patches import Rectangle
from scipy.signal import correlate2d

from c182lib.conv import conv_matrix_1d, conv_matrix_2d
from c182lib.figures.conv import (
    conv_explorer_figure,
    conv_matrix_2d_figure,
    conv_matrix_figure,
    im2col_figure,
    matrix_density_figure,
    output_size_formula,
    sliding_window_1d,
    sliding_window_2d,
)

SETTINGS = settings(max_examples=20, deadline=None)
SETTINGS_2D = settings(max_examples=10, deadline=None)  # 2-D figures have many cells


# ---------------------------------------------------------------- independent references

def reference_corr1d(x, w, s, p, d):
    dilated = np.zeros(d * (len(w) - 1) + 1)
    dilated[::d] = w
    return np.correlate(np.pad(x, p), dilated, mode="valid")[::s]


# ---------------------------------------------------------------- helpers

def patches(fig, gid):
    return [a for ax in fig.axes for a in ax.patches if a.get_gid() == gid]


def lines(fig, gid):
    return [a for ax in fig.axes for a in ax.lines if a.get_gid() == gid]


def cell_positions(fig, gid):
    """Sorted (x, y) of the top-left corners of the cells with this gid."""
    return sorted((r.get_x(), r.get_y()) for r in patches(fig, gid))


def axes_texts(fig, gid=None):
    """The texts inside the axes: those with ``gid``, or (None) all but the row and column names."""
    names = ("row-name", "column-name")
    return [t.get_text() for ax in fig.axes for t in ax.texts
            if t.get_gid() == gid or (gid is None and t.get_gid() not in names)]


def png_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


# ---------------------------------------------------------------- output size and geometry

def test_output_size_formula_fills_in_the_numbers():
    assert output_size_formula(7, 3, 2, 1, 1) == "n_out = ⌊(7 + 2·1 − 1·(3 − 1) − 1) / 2⌋ + 1 = 4"
    assert output_size_formula(4, 3, name="H_out").endswith("= 2")


@SETTINGS
@given(settings_1d())
def test_output_size_formula_result_counts_the_windows(setting):
    text = output_size_formula(*setting)
    assert int(text.rsplit("= ", 1)[1]) == len(brute_windows(*setting))


def test_output_size_formula_impossible_setting_names_the_kernel():
    with pytest.raises(ValueError, match="kernel_size"):
        output_size_formula(2, 5)


# ---------------------------------------------------------------- sliding window, 1-D

@SETTINGS
@given(settings_1d(), st.data())
def test_sliding_window_1d_cells(setting, data):
    n, k, s, p, d = setting
    windows = brute_windows(*setting)
    position = data.draw(st.none() | st.integers(0, len(windows) - 1))
    fig = sliding_window_1d(n, k, s, p, d, position=position)
    dropped = brute_dropped(*setting)
    assert len(patches(fig, "dropped")) == dropped
    outputs = sorted(patches(fig, "output"), key=Rectangle.get_x)
    assert len(outputs) == len(windows)
    for cell, window in zip(outputs, windows, strict=True):  # centred under its window
        assert cell.get_x() + 0.5 == pytest.approx((window[0] + window[-1]) / 2 + 0.5)
    n_cells = sum(len(patches(fig, g)) for g in ("input", "padding", "window", "dropped",
                                                  "skipped"))
    assert n_cells == n + 2 * p
    if position is None:
        window_lines = lines(fig, "window")
        assert len(window_lines) == len(windows)
        for line, window in zip(window_lines, windows, strict=True):
            np.testing.assert_array_equal(line.get_xdata(), np.array(window) + 0.5)
    else:
        assert [x for x, _ in cell_positions(fig, "window")] == windows[position]
    title = fig.get_suptitle()
    assert output_size_formula(n, k, s, p, d) in title
    assert (f"{dropped} cell" in title) == (dropped > 0)


def test_sliding_window_1d_example_7_3_2_1():
    # n=7, k=3, s=2, p=1: padded length 9, windows start at 0, 2, 4, 6 and tile exactly.
    fig = sliding_window_1d(7, 3, stride=2, padding=1, position=1)
    assert fig.get_suptitle().endswith("/ 2⌋ + 1 = 4")
    assert len(patches(fig, "dropped")) == 0
    assert [x for x, _ in cell_positions(fig, "window")] == [2, 3, 4]
    assert len(patches(fig, "padding")) == 2
    widths = [r.get_linewidth() for r in patches(fig, "output")]
    assert widths.index(max(widths)) == 1  # the highlighted output is y₂
    assert axes_texts(fig, "row-name") == ["input (n = 7, p = 1)", "output (n_out = 4)"]
    ax = fig.axes[0]
    rows = [ax.transData.inverted().transform(t.get_transform().transform(t.get_position()))[1]
            for t in ax.texts if t.get_gid() == "row-name"]
    assert rows == pytest.approx([0.5, 2.7 + 0.5])  # beside the input and the output row


def test_sliding_window_1d_dropped_padding_cell():
    # n=4, k=3, s=2, p=1: padded 6, windows at 0 and 2 read up to index 4: the last zero of
    # the padding is dropped, every real cell is read.
    fig = sliding_window_1d(4, 3, stride=2, padding=1)
    dropped = patches(fig, "dropped")
    assert [r.get_x() for r in dropped] == [5]
    assert dropped[0].get_hatch()  # still drawn as padding
    assert "1 of them padding" in fig.get_suptitle()


def test_sliding_window_1d_skipped_between_windows():
    # k=2, s=3: cells 2 and 5 lie between windows; 8, 9 are the dropped remainder.
    fig = sliding_window_1d(10, 2, stride=3)
    assert [r.get_x() for r in patches(fig, "skipped")] == [2, 5]
    assert [r.get_x() for r in patches(fig, "dropped")] == [8, 9]


@SETTINGS
@given(settings_1d(), st.integers(0, 2**31 - 1))
def test_sliding_window_1d_output_values(setting, seed):
    n, k, s, p, d = setting
    rng = np.random.default_rng(seed)
    x, w = rng.integers(-5, 6, n), rng.integers(-3, 4, k)
    x_before, w_before = x.copy(), w.copy()
    fig = sliding_window_1d(n, k, s, p, d, x=x, w=w, position=0)
    outputs = sorted(patches(fig, "output"), key=Rectangle.get_x)
    texts = {(t.get_position()[0], t.get_position()[1]): t.get_text()
             for t in fig.axes[0].texts}
    shown = [texts[(r.get_x() + 0.5, r.get_y() + 0.5)] for r in outputs]
    expected = reference_corr1d(x.astype(float), w.astype(float), s, p, d)
    assert shown == [f"{v:.0f}" for v in expected]
    np.testing.assert_array_equal(x, x_before)
    np.testing.assert_array_equal(w, w_before)


def test_sliding_window_1d_default_values_and_symbols():
    fig = sliding_window_1d(5, 3)
    texts = axes_texts(fig)
    for i in range(1, 6):
        assert str(i) in texts
    assert {"y₁", "y₂", "y₃"} <= set(texts)


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"position": 5}, "position"),
    ({"position": -1}, "position"),
    ({"x": np.ones(6)}, "x"),
    ({"w": np.ones(2)}, "w"),
    ({"kernel_size": 9}, "kernel_size"),
    ({"stride": 0}, "stride"),
])
def test_sliding_window_1d_bad_input(kwargs, name):
    args = {"n": 7, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        sliding_window_1d(**args)


def test_sliding_window_1d_x_of_wrong_kind():
    with pytest.raises(TypeError, match="^x must be an array of real numbers"):
        sliding_window_1d(3, 2, x=np.array(["a", "b", "c"]))


# ---------------------------------------------------------------- sliding window, 2-D

@st.composite
def settings_2d(draw):
    axes = [draw(settings_1d(max_n=7)) for _ in range(2)]
    return tuple(zip(*axes, strict=True))  # ((H, W), (KH, KW), (SH, SW), (PH, PW), (DH, DW))


@SETTINGS_2D
@given(settings_2d(), st.booleans())
def test_sliding_window_2d_cells(setting, with_position):
    hw, kernel, stride, padding, dilation = setting
    per_axis = [tuple(v[a] for v in setting) for a in (0, 1)]
    rows, cols = (brute_windows(*axis) for axis in per_axis)
    padded = [hw[a] + 2 * padding[a] for a in (0, 1)]
    position = (len(rows) - 1, 0) if with_position else None
    fig = sliding_window_2d(hw, kernel, stride, padding, dilation, position=position)
    r_drop, c_drop = (brute_dropped(*axis) for axis in per_axis)
    expected_dropped = r_drop * padded[1] + c_drop * padded[0] - r_drop * c_drop
    assert len(patches(fig, "dropped")) == expected_dropped
    assert len(patches(fig, "output")) == len(rows) * len(cols)
    assert len(lines(fig, "anchors")[0].get_xdata()) == len(rows) * len(cols)
    if with_position:
        expected = sorted((c, r) for r in rows[-1] for c in cols[0])
        assert cell_positions(fig, "window") == expected
    else:
        assert patches(fig, "window") == []
    for name, axis in zip(("H_out", "W_out"), per_axis, strict=True):
        if per_axis[0] != per_axis[1]:
            assert output_size_formula(*axis, name=name) in fig.get_suptitle()
    if per_axis[0] == per_axis[1]:
        assert output_size_formula(*per_axis[0], name="H_out = W_out") in fig.get_suptitle()


def test_sliding_window_2d_padding_ring():
    fig = sliding_window_2d(4, 3, padding=1, position=(1, 1))
    # 6 x 6 padded grid, 20 ring cells, none of them in the window of y₂,₂ (rows/cols 1-3).
    assert len(patches(fig, "padding")) == 20
    assert all(r.get_hatch() for r in patches(fig, "padding"))
    assert cell_positions(fig, "window") == sorted((c, r) for r in (1, 2, 3) for c in (1, 2, 3))


def test_sliding_window_2d_bad_position():
    with pytest.raises(ValueError, match="position"):
        sliding_window_2d(5, 3, position=(3, 0))


# ---------------------------------------------------------------- convolution as a matrix

def matrix_from_figure(fig, w):
    """Rebuild W from the drawn image: tap index -> weight, masked cells -> 0."""
    (image,) = [im for ax in fig.axes for im in ax.images if im.get_gid() == "matrix"]
    assert isinstance(image, AxesImage)
    data = image.get_array()
    mask = np.ma.getmaskarray(data)
    taps = np.where(mask, 0, np.ma.getdata(data)).astype(int)
    return np.where(mask, 0.0, np.ravel(w)[taps])


def test_conv_matrix_figure_worksheet_4x6():
    w = np.array([1.0, 2.0, 3.0])
    fig = conv_matrix_figure(4, w, padding=1, on_padded=True)
    matrix = matrix_from_figure(fig, w)
    assert matrix.shape == (4, 6)
    expected = np.array([[1, 2, 3, 0, 0, 0], [0, 1, 2, 3, 0, 0],
                         [0, 0, 1, 2, 3, 0], [0, 0, 0, 1, 2, 3]], dtype=float)
    np.testing.assert_array_equal(matrix, expected)
    title = fig.get_suptitle()
    assert "4 × 6" in title and "12 of 24" in title and "density 0.5" in title
    assert sorted(axes_texts(fig)) == sorted(["w₁", "w₂", "w₃"] * 4)
    assert axes_texts(fig, "column-name") == ["0", "x₁", "x₂", "x₃", "x₄", "0"]
    assert axes_texts(fig, "row-name") == ["y₁", "y₂", "y₃", "y₄"]


@SETTINGS
@given(settings_1d(), st.booleans(), st.integers(0, 2**31 - 1))
def test_conv_matrix_figure_is_the_convolution(setting, on_padded, seed):
    n, k, s, p, d = setting
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, k) * rng.choice([-1, 1], k)  # no zero weights
    x = rng.standard_normal(n)
    w_before = w.copy()
    fig = conv_matrix_figure(n, w, stride=s, padding=p, on_padded=on_padded, dilation=d)
    matrix = matrix_from_figure(fig, w)
    x_in = np.pad(x, p) if on_padded else x
    np.testing.assert_allclose(matrix @ x_in, reference_corr1d(x, w, s, p, d), atol=1e-12)
    nnz = np.count_nonzero(matrix)
    assert f"{nnz} of {matrix.size} entries" in fig.get_suptitle()
    np.testing.assert_array_equal(w, w_before)


def test_conv_matrix_figure_equals_library_matrix():
    w = np.array([0.5, -1.0, 2.0])
    fig = conv_matrix_figure(9, w, stride=2, padding=1)
    np.testing.assert_array_equal(matrix_from_figure(fig, w),
                                  conv_matrix_1d(9, w, stride=2, padding=1))


@SETTINGS_2D
@given(settings_2d(), st.booleans(), st.integers(0, 2**31 - 1))
def test_conv_matrix_2d_figure_is_the_convolution(setting, on_padded, seed):
    hw, kernel, stride, padding, dilation = setting
    rng = np.random.default_rng(seed)
    w = rng.uniform(0.5, 2.0, kernel) * rng.choice([-1, 1], kernel)
    x = rng.standard_normal(hw)
    fig = conv_matrix_2d_figure(hw, w, stride, padding, on_padded=on_padded,
                                dilation=dilation)
    matrix = matrix_from_figure(fig, w)
    dilated = np.zeros([dl * (k - 1) + 1 for k, dl in zip(kernel, dilation, strict=True)])
    dilated[:: dilation[0], :: dilation[1]] = w
    x_padded = np.pad(x, [(padding[0],) * 2, (padding[1],) * 2])
    expected = correlate2d(x_padded, dilated, mode="valid")[:: stride[0], :: stride[1]]
    x_in = x_padded if on_padded else x
    np.testing.assert_allclose(matrix @ x_in.ravel(), expected.ravel(), atol=1e-12)


def test_conv_matrix_2d_figure_equals_library_matrix_and_states_sharing():
    w = np.arange(1.0, 10.0).reshape(3, 3)
    fig = conv_matrix_2d_figure(4, w)
    np.testing.assert_array_equal(matrix_from_figure(fig, w), conv_matrix_2d((4, 4), w))
    title = fig.get_suptitle()
    assert "4 × 16" in title and "36 of 64" in title
    assert "each of the 9 weights appears 4 times" in title


def test_conv_matrix_figure_bad_input():
    with pytest.raises(ValueError, match="^w must be a 1-D array"):
        conv_matrix_figure(5, np.ones((2, 2)))
    with pytest.raises(ValueError, match="kernel_size"):
        conv_matrix_figure(2, np.ones(4))


def test_matrix_density_figure_follows_k_over_n():
    fig = matrix_density_figure(max_n=20, kernel_size=3)
    (one_d,) = lines(fig, "measured_1d")
    (two_d,) = lines(fig, "measured_2d")
    ns = one_d.get_xdata()
    assert ns[0] == 3 and ns[-1] == 20
    np.testing.assert_allclose(one_d.get_ydata(), 3 / ns)
    np.testing.assert_allclose(two_d.get_ydata(), (3 / two_d.get_xdata()) ** 2)
    assert fig.axes[0].get_yscale() == "log"


# ---------------------------------------------------------------- explorer figure

def test_conv_explorer_figure_with_matrix():
    fig = conv_explorer_figure(1, 8, 3, 2, 0, 1, show_matrix=True)
    assert len(fig.subfigs) == 2
    assert len(patches(fig.subfigs[0], "dropped")) == 1
    w = np.arange(1.0, 4.0)
    np.testing.assert_array_equal(matrix_from_figure(fig.subfigs[1], w),
                                  conv_matrix_1d(8, w, stride=2))


def test_conv_explorer_figure_2d():
    fig = conv_explorer_figure(2, 5, 3, 2, 1, 1)
    assert len(patches(fig, "output")) == 9
    assert len(patches(fig, "window")) == 9
    fig = conv_explorer_figure(2, 4, 2, 1, 0, 1, show_matrix=True)
    w = np.arange(1.0, 5.0).reshape(2, 2)
    np.testing.assert_array_equal(matrix_from_figure(fig.subfigs[1], w),
                                  conv_matrix_2d((4, 4), w))


def test_conv_explorer_figure_rejects_bad_dims_and_impossible_settings():
    with pytest.raises(ValueError, match="dims"):
        conv_explorer_figure(3)
    with pytest.raises(ValueError, match="kernel_size"):
        conv_explorer_figure(2, 3, 7)


def test_figures_are_deterministic():
    first = png_bytes(sliding_window_1d(7, 3, 2, 1, 2, x=np.arange(7) - 3, w=[1, 0, -1]))
    second = png_bytes(sliding_window_1d(7, 3, 2, 1, 2, x=np.arange(7) - 3, w=[1, 0, -1]))
    assert first == second


# ---------------------------------------------------------------- im2col

def reference_im2col(x, k, s, p):
    """Explicit loops: column (oh, ow) is the window at (oh*s, ow*s) of the padded image,
    read row-major; also the (row, col) source of every entry, or None for padding."""
    h, w = x.shape
    x_padded = np.pad(x, p)
    h_out, w_out = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    cols = np.zeros((k * k, h_out * w_out))
    sources = {}
    for oh in range(h_out):
        for ow in range(w_out):
            for i in range(k):
                for j in range(k):
                    r, c = oh * s + i, ow * s + j
                    cols[i * k + j, oh * w_out + ow] = x_padded[r, c]
                    inside = p <= r < p + h and p <= c < p + w
                    sources[(i * k + j, oh * w_out + ow)] = (r, c) if inside else None
    return cols, sources


def cells_by_position(ax):
    return {(int(r.get_y()), int(r.get_x())): r for r in ax.patches
            if r.get_gid() in ("input", "padding")}


@pytest.mark.parametrize(("shape", "k", "s", "p"), [((4, 4), 3, 1, 0), ((4, 4), 3, 1, 1),
                                                    ((5, 4), 2, 2, 1), ((3, 5), 3, 2, 0)])
def test_im2col_figure_values_and_colours(shape, k, s, p):
    rng = np.random.default_rng(sum(shape) + k + s + p)
    x = rng.integers(-9, 10, shape).astype(float)
    x_before = x.copy()
    fig = im2col_figure(x, kernel_size=k, stride=s, padding=p)
    ax_img, ax_cols = fig.axes
    expected, sources = reference_im2col(x, k, s, p)
    texts = {(t.get_position()[1], t.get_position()[0]): t.get_text() for t in ax_cols.texts}
    image_cells = cells_by_position(ax_img)
    matrix_cells = cells_by_position(ax_cols)
    assert len(matrix_cells) == expected.size
    for (r, c), value in np.ndenumerate(expected):
        assert texts[(r + 0.45, c + 0.5)] == f"{value + 0.0:.0f}"
        cell, source = matrix_cells[(r, c)], sources[(r, c)]
        if source is None:
            assert cell.get_gid() == "padding" and cell.get_hatch()
        else:
            assert cell.get_gid() == "input"
            assert cell.get_facecolor() == image_cells[source].get_facecolor()
    image_faces = {r.get_facecolor() for r in image_cells.values() if r.get_gid() == "input"}
    assert len(image_faces) == x.size  # one colour per input position
    n_padding = sum(source is None for source in sources.values())
    assert sum(r.get_gid() == "padding" for r in matrix_cells.values()) == n_padding
    np.testing.assert_array_equal(x, x_before)


def test_im2col_figure_counts_repeats():
    fig = im2col_figure((4, 4), kernel_size=3, padding=1)
    assert "144 entries copied from 16 inputs (each 4–9 times)" in fig.get_suptitle()
    copies = sorted(t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("×"))
    # corners 4, edges 6, inner 9 windows
    assert copies == sorted(["×4"] * 4 + ["×6"] * 8 + ["×9"] * 4)


def test_im2col_figure_bad_input():
    with pytest.raises(ValueError, match="^x must be a 2-D array"):
        im2col_figure(np.ones(5))
    with pytest.raises(ValueError, match="^kernel_size=3"):
        im2col_figure((2, 2), kernel_size=3)


def test_artists_with_gid_finds_every_role_across_axes():
    fig = sliding_window_1d(8, 3, stride=2)
    assert artists_with_gid(fig, "dropped") == patches(fig, "dropped")
    assert len(artists_with_gid(fig, "dropped")) == 1
    fig = conv_explorer_figure(n=7, kernel_size=3, show_matrix=True)
    (image,) = artists_with_gid(fig, "matrix")
    np.testing.assert_array_equal(image.get_array().filled(-1) + 1, conv_matrix_1d(7, [1, 2, 3]))
    assert artists_with_gid(fig, "no such role") == []


def test_sliding_window_1d_reserves_one_bracket_level_per_window_at_most():
    """k=7, dilation 3, padding 3 on n=16: a window spans 19 cells, so 19 windows at stride 1
    could overlap; there are only 4, and the output row sits right above their 4 levels."""
    fig = sliding_window_1d(16, 7, 1, 3, 3)
    windows = lines(fig, "window")
    assert len(windows) == 4
    assert len({line.get_ydata()[0] for line in windows}) == 4
    output_top = min(r.get_y() for r in patches(fig, "output"))
    assert output_top - max(line.get_ydata()[0] for line in windows) < 1.0
