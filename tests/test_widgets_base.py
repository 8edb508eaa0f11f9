"""The explorer shell: status, PNG output, impossible settings, fallback without ipywidgets."""

import base64
import gc
import html
import io
import re
import weakref

import ipywidgets
import matplotlib
import pytest

from c182lib.figures import sliding_window_1d
from c182lib.figures._common import figure_png, new_figure
from c182lib.widgets import _base


def draw(k):
    if k > 3:
        raise ValueError(f"k must be at most 3; got {k}")
    figure = new_figure(2, 2)
    figure.add_subplot().plot(range(k + 1))
    return figure


def describe(k):
    return f"k = {k}"


def make():
    return _base.build_explorer("demo", {"k": ipywidgets.IntSlider(value=2, min=1, max=5)},
                                draw, describe)


def shown_image(explorer) -> tuple[bytes, str]:
    """The PNG and the alt text of the ``<img>`` the explorer shows."""
    (record,) = explorer.output.outputs
    assert record["output_type"] == "display_data"
    match = re.fullmatch(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)" alt="([^"]*)">',
                         record["data"]["text/html"])
    assert match, record["data"]["text/html"][:200]
    assert record["data"]["text/plain"] == html.unescape(match[2])
    return base64.b64decode(match[1]), html.unescape(match[2])


def shown_png(explorer) -> bytes:
    return shown_image(explorer)[0]


def test_figure_is_set_as_png_state_and_nothing_is_printed(capsys):
    explorer = make()
    assert explorer.status.value == "k = 2"
    first = shown_png(explorer)
    assert first.startswith(b"\x89PNG")
    explorer.controls["k"].value = 3
    assert explorer.status.value == "k = 3"
    assert shown_png(explorer) != first
    # Displaying through the kernel would put the figure into whichever cell moved the slider.
    assert capsys.readouterr().out == ""


def test_adjust_runs_before_each_redraw_and_its_changes_do_not_redraw():
    drawn = []

    def draw_k_and_top(k, top):
        drawn.append((k, top))
        return draw(min(k, 3))

    def adjust(controls):
        controls["top"].value = controls["k"].value + 1

    controls = {"k": ipywidgets.IntSlider(value=2, min=1, max=5),
                "top": ipywidgets.IntSlider(value=0, min=0, max=9)}
    explorer = _base.build_explorer("demo", controls, draw_k_and_top,
                                    lambda k, top: f"k = {k}", adjust=adjust)
    assert drawn == [(2, 3)]
    explorer.controls["k"].value = 4
    assert drawn == [(2, 3), (4, 5)]


class Node:
    """An object that can refer to itself."""


def test_objects_alive_when_an_explorer_is_built_leave_the_cycle_collector():
    _base.freeze_long_lived_objects.cache_clear()
    alive = {"a long-lived object": []}
    cycle = Node()
    cycle.me = cycle  # garbage once the name is gone: collected first, not frozen
    dead = weakref.ref(cycle)
    del cycle
    try:
        make()
        assert not any(obj is alive for obj in gc.get_objects())  # frozen: not scanned
        assert dead() is None
    finally:
        gc.unfreeze()


def test_impossible_setting_shows_the_message_then_recovers():
    explorer = make()
    explorer.controls["k"].value = 5
    assert explorer.figure is None and explorer.output.outputs == ()
    assert "k must be at most 3; got 5" in explorer.status.value
    assert explorer.status_text == "Not possible: k must be at most 3; got 5"
    assert explorer.error == "k must be at most 3; got 5"
    explorer.controls["k"].value = 1
    assert explorer.error is None and explorer.status.value == "k = 1"
    assert shown_png(explorer).startswith(b"\x89PNG")


def test_the_image_carries_the_figure_text_alternative_and_it_follows_the_figure():
    def described(k):
        figure = draw(k)
        figure.alt_text = f'A line through {k + 1} points ("k" = {k} & <more>)'
        return figure

    explorer = _base.build_explorer("demo", {"k": ipywidgets.IntSlider(value=2, max=3)},
                                    described, describe)
    assert shown_image(explorer)[1] == 'A line through 3 points ("k" = 2 & <more>)'
    explorer.controls["k"].value = 3
    assert shown_image(explorer)[1] == 'A line through 4 points ("k" = 3 & <more>)'


def test_css_classes_for_the_front_end():
    explorer = make()
    assert "c182-explorer" in explorer._dom_classes
    assert "c182-status" in explorer.status._dom_classes
    assert "c182-figure" in explorer.output._dom_classes


def test_extra_widgets_sit_between_controls_and_status():
    button = ipywidgets.Button(description="again")
    explorer = _base.build_explorer("demo", {"k": ipywidgets.IntSlider(value=1, max=3)},
                                    draw, describe, extra_widgets=[button])
    children = list(explorer.children)
    assert children.index(button) == children.index(explorer.status) - 1


def test_errors_other_than_valueerror_propagate():
    def broken(k):
        raise RuntimeError("bug in the drawing code")

    with pytest.raises(RuntimeError, match="bug in the drawing code"):
        _base.build_explorer("demo", {"k": ipywidgets.IntSlider(value=1)}, broken, describe)


def test_status_text_is_plain():
    explorer = make()
    explorer.status.value = ("‖h<sub>T</sub>‖ ≤ σ<sub>max</sub><sup>T−1</sup> = 2<sup>9</sup> "
                             "&amp; <b>ok</b>")
    assert explorer.status_text == "‖h_T‖ ≤ σ_max^(T−1) = 2^9 & ok"


def test_int_slider_redraws_on_release_and_widens_to_its_value():
    slider = _base.int_slider(9, 1, 7, "kernel size k")
    assert (slider.min, slider.max, slider.value) == (1, 9, 9)
    assert slider.continuous_update is False and slider.description == "kernel size k"
    assert (_base.int_slider(0, 1, 7, "k").min, _base.int_slider(3, 1, 7, "k").max) == (0, 7)


def test_seed_control_takes_any_non_negative_int32():
    seed = _base.seed_control(5)
    assert (seed.value, seed.min, seed.max, seed.description) == (5, 0, 2**31 - 1, "seed")


def test_figure_png_is_the_bytes_savefig_writes_unhinted_and_leaves_the_dpi():
    saved = io.BytesIO()
    with matplotlib.rc_context({"text.hinting": "no_hinting"}):
        sliding_window_1d(9, 3, 2).savefig(saved, format="png", dpi=100)
    figure = sliding_window_1d(9, 3, 2)
    dpi = figure.dpi
    assert figure_png(figure) == saved.getvalue()
    assert figure.dpi == dpi
    assert figure_png(figure, dpi=50).startswith(b"\x89PNG")


def counting_explorer(control, figure_for=draw) -> tuple[object, list]:
    """An explorer whose one control ``k`` is ``control``, drawing ``figure_for(k)``, and the
    list of the values it has drawn, in order."""
    drawn = []

    def counted(k):
        drawn.append(k)
        return figure_for(k)

    return _base.build_explorer("demo", {"k": control}, counted, describe), drawn


def test_a_setting_shown_before_is_shown_again_without_drawing():
    explorer, drawn = counting_explorer(ipywidgets.IntSlider(value=2, max=5))
    first = shown_png(explorer)
    explorer.controls["k"].value = 3
    explorer.controls["k"].value = 5  # impossible: not kept
    explorer.controls["k"].value = 2
    assert drawn == [2, 3, 5] and shown_png(explorer) == first
    assert explorer.status.value == "k = 2" and explorer.error is None
    # The figure of a kept setting is drawn again when asked for, once, for the current values.
    figure = explorer.figure
    assert drawn == [2, 3, 5, 2] and explorer.figure is figure
    assert figure_png(figure, compress_level=1) == first
    explorer.controls["k"].value = 5
    assert explorer.figure is None and drawn == [2, 3, 5, 2, 5]


def test_the_least_recently_shown_setting_is_dropped_first(monkeypatch):
    monkeypatch.setattr(_base, "KEPT_SETTINGS", 2)
    explorer, drawn = counting_explorer(ipywidgets.IntSlider(value=1, max=3))
    for k in (2, 1, 3):  # 1 was shown more recently than 2: 2 is dropped for 3
        explorer.controls["k"].value = k
    explorer.controls["k"].value = 1
    assert drawn == [1, 2, 3]
    explorer.controls["k"].value = 2
    assert drawn == [1, 2, 3, 2]


def test_a_setting_whose_value_cannot_be_a_key_is_drawn_every_time():
    menu = ipywidgets.Dropdown(options=[("one", 1), ("pair", [1, 2])], value=1)
    explorer, drawn = counting_explorer(menu, figure_for=lambda k: draw(2))
    for label in ("pair", "one", "pair", "one"):
        menu.label = label
    assert explorer.status.value == "k = 1" and explorer.error is None
    assert drawn == [1, [1, 2], [1, 2]]
