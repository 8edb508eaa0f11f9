"""Helpers for the figure and widget tests."""

from __future__ import annotations

from matplotlib.figure import Figure


def artists_with_gid(figure: Figure, gid: str) -> list:
    """Every artist (cell, line, image, text) of ``figure`` whose gid is ``gid``, in drawing order.

    The figure functions tag each role (``"window"``, ``"dropped"``, ``"matrix"``, ...) with a
    gid, so a test can check what a picture shows without reading pixels.
    """
    return [artist for ax in figure.axes for artist in ax.get_children()
            if artist.get_gid() == gid]
