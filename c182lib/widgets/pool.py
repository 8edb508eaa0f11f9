"""Pooling explorer: vary the window, stride, padding and input; watch the gradient routing.

A thin shell over `c182lib.figures.pool.pool_gradient_routing`. The random input is a function
of the ``seed`` control, so the "new random input" button only increments the seed and every
picture can be reproduced by setting the controls from Python.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from c182lib._validate import as_bool, as_int, as_int_pair
from c182lib.figures.pool import MODES, gradient_source_counts, pool_gradient_routing
from c182lib.shapes import pool_output_size
from c182lib.widgets import _base

MAX_SIZE = 8
MAX_KERNEL = 4
MAX_STRIDE = 4
MAX_PADDING = 2
MAX_SEED = 2**31 - 1  # the range of the explorer's seed box
TIE_LEVELS = 3  # with ties on, inputs take the values 0, 1, 2 only


def random_pool_input(size: int, ties: bool, seed: int) -> np.ndarray:
    """The explorer's input: a ``size`` x ``size`` array of small integers.

    Parameters
    ----------
    size : int
        Side of the input.
    ties : bool
        If True, every entry is drawn from ``{0, 1, ..., TIE_LEVELS - 1}``, so most windows
        contain tied maxima. If False, the entries are ``1, ..., size²`` in random order (no ties).
    seed : int
        Seed of ``np.random.default_rng``.

    Returns
    -------
    ndarray, shape (size, size), float64
    """
    size = as_int("size", size, 1)
    rng = np.random.default_rng(as_int("seed", seed, 0))
    if ties:
        return rng.integers(0, TIE_LEVELS, size=(size, size)).astype(float)
    return (rng.permutation(size * size) + 1.0).reshape(size, size)


ALL_WINDOWS = "all"  # the window control's choice for drawing every window


def _output_side(size: int, kernel_size: int, stride: int, padding: int) -> int:
    """The output's side, or 0 for an impossible setting."""
    try:
        return pool_output_size(size, kernel_size, stride, padding)
    except ValueError:
        return 0


def window_options(size: int, kernel_size: int, stride: int, padding: int) -> list:
    """Choices of the explorer's window control: ``("all", "all")``, then one ``(label, (i,
    j))`` per output cell in row-major order; only "all" for an impossible setting."""
    n_out = _output_side(size, kernel_size, stride, padding)
    return [(ALL_WINDOWS, ALL_WINDOWS)] + [(f"({i}, {j})", (i, j)) for i in range(n_out)
                                           for j in range(n_out)]


def _follow_output_size(controls: dict) -> None:
    """Give the window control one choice per output cell of the current setting; a chosen
    cell outside the new output moves to the nearest one that is inside.

    An impossible setting leaves the choices as they are (the explorer shows a message)."""
    window = controls["output_cell"]
    options = window_options(*(controls[name].value
                               for name in ("size", "kernel_size", "stride", "padding")))
    if len(options) == 1 or list(window.options) == options:
        return
    chosen = window.value
    window.options = options
    if chosen != ALL_WINDOWS:
        last_i, last_j = options[-1][1]
        chosen = (min(chosen[0], last_i), min(chosen[1], last_j))
    window.value = chosen


def _cell(output_cell):
    """The figure's ``output_cell`` for a value of the window control."""
    return None if output_cell == ALL_WINDOWS else output_cell


def _draw(size, kernel_size, stride, padding, mode, ties, seed,
          output_cell=ALL_WINDOWS) -> Figure:
    """The explorer's figure for these control values (default upstream gradient 1, 2, ...)."""
    return pool_gradient_routing(random_pool_input(size, ties, seed), kernel_size=kernel_size,
                                 stride=stride, padding=padding, mode=mode,
                                 output_cell=_cell(output_cell))


def describe_pooling(size, kernel_size, stride, padding, mode, ties, seed,
                     output_cell=ALL_WINDOWS) -> str:
    """Status line: the output size with the formula filled in, and how the gradient spreads.

    For max pooling it counts the input cells that receive gradient (the windows' arg-max cells)
    and those receiving it from more than one window; for average pooling, the cells lying in
    more than one window and in none. The counts are the ones the figure draws
    (`c182lib.figures.pool.gradient_source_counts`), then which windows are drawn
    (``output_cell``: ``"all"`` or one output cell ``(i, j)``). Raises ``ValueError`` for
    impossible settings (e.g. padding larger than ``kernel_size // 2``).
    """
    n_out = pool_output_size(size, kernel_size, stride, padding)
    text = (f"<b>Output {n_out}×{n_out}</b>: per axis ⌊(n + 2p − k) / s⌋ + 1 = "
            f"⌊({size} + 2·{padding} − {kernel_size}) / {stride}⌋ + 1 = {n_out}.")
    counts = gradient_source_counts(random_pool_input(size, ties, seed), kernel_size, stride,
                                    padding, mode)
    if mode == "max":
        text += (f" Gradient reaches <b>{np.count_nonzero(counts)}</b> of {size * size} input"
                 f" cells; <b>{np.count_nonzero(counts > 1)}</b> receive it from more than one"
                 f" window (overlap: summed).")
    else:
        share = kernel_size * kernel_size
        text += (f" Each window spreads dout / {share} over its {share} cells;"
                 f" <b>{np.count_nonzero(counts > 1)}</b> of {size * size} input cells lie in"
                 f" more than one window (shares summed),"
                 f" <b>{np.count_nonzero(counts == 0)}</b> in none.")
    if output_cell == ALL_WINDOWS:
        return text + " Shown: all windows."
    i, j = output_cell
    return text + f" Shown: window ({i}, {j}) only, with its dout and the dx cells it reaches."


def pool_explorer(size: int = 6, kernel_size: int = 2, stride: int = 2, padding: int = 0,
                  mode: str = "max", ties: bool = False, seed: int = 0, output_cell=None):
    """Explorer of pooling and its gradient routing (`pool_gradient_routing` with sliders).

    Parameters
    ----------
    size : int
        Side of the square random input (2 to `MAX_SIZE`).
    kernel_size, stride, padding : int
        Initial window side (1 to `MAX_KERNEL`), stride (1 to `MAX_STRIDE`) and padding
        (0 to `MAX_PADDING`; more than ``kernel_size // 2`` is refused with a message).
    mode : {"max", "average"}
        Initial pooling.
    ties : bool
        Start with the "make ties" input (few integer levels, see `random_pool_input`).
    seed : int
        Initial seed; the "new random input" button increments it.
    output_cell : (int, int) or None
        Draw only the window of this output cell (and outline its ``dout`` and ``dx`` cells);
        None draws every window. Its control ("window") offers "all" and every cell of the
        current output; when the output shrinks, a chosen cell moves to the nearest one left.

    Returns
    -------
    Explorer or Figure
        The widget (controls ``size``, ``kernel_size``, ``stride``, ``padding``, ``mode``,
        ``ties``, ``seed``, ``output_cell``; the button is ``explorer.new_input_button``), or
        the static figure for the initial values when ipywidgets is not installed.
    """
    values = {
        "size": as_int("size", size, 2),
        "kernel_size": as_int("kernel_size", kernel_size, 1),
        "stride": as_int("stride", stride, 1),
        "padding": as_int("padding", padding, 0),
        "mode": mode,
        "ties": as_bool("ties", ties),
        "seed": as_int("seed", seed, 0),
    }
    if not isinstance(mode, str) or mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}; got {mode!r}")
    if values["seed"] > MAX_SEED:
        raise ValueError(f"seed must be at most {MAX_SEED} (the seed box's range); "
                         f"got {values['seed']}")
    for name, top in (("size", MAX_SIZE), ("kernel_size", MAX_KERNEL), ("stride", MAX_STRIDE),
                      ("padding", MAX_PADDING)):
        if values[name] > top:
            raise ValueError(f"{name} must be at most {top} in the explorer; got {values[name]}")
    geometry = [values[name] for name in ("size", "kernel_size", "stride", "padding")]
    if output_cell is None:
        values["output_cell"] = ALL_WINDOWS
    else:
        values["output_cell"] = as_int_pair("output_cell", output_cell, 0)
        n_out = _output_side(*geometry)
        if max(values["output_cell"]) >= n_out:
            raise ValueError(f"output_cell must lie in the {n_out}×{n_out} output; "
                             f"got {values['output_cell']}")
    title = "Pooling: windows, output and gradient routing"
    widgets = _base.ipywidgets
    if widgets is None:
        return _draw(**values)

    slider = _base.int_slider
    controls = {
        "size": slider(values["size"], 2, MAX_SIZE, "input size"),
        "kernel_size": slider(values["kernel_size"], 1, MAX_KERNEL, "kernel"),
        "stride": slider(values["stride"], 1, MAX_STRIDE, "stride"),
        "padding": slider(values["padding"], 0, MAX_PADDING, "padding"),
        "mode": widgets.ToggleButtons(options=list(MODES), value=mode, description="pooling"),
        "ties": widgets.Checkbox(value=values["ties"], description="make ties"),
        "seed": _base.seed_control(values["seed"]),
        "output_cell": widgets.Dropdown(options=window_options(*geometry),
                                        value=values["output_cell"],
                                        description="window"),
    }
    button = widgets.Button(description="new random input", icon="refresh",
                            layout=widgets.Layout(width="auto"))

    def next_seed(_button) -> None:
        controls["seed"].value += 1

    button.on_click(next_seed)
    explorer = _base.build_explorer(title, controls, _draw, describe_pooling,
                                    extra_widgets=[button], adjust=_follow_output_size)
    explorer.new_input_button = button
    return explorer
