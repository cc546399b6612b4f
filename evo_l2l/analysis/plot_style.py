"""What every figure's panels share: legends below the axes, integer generation ticks."""
from __future__ import annotations


def legend(ax, ncol: int = 1) -> None:
    """The legend below the axes, outside them, so that it hides no curve."""
    ax.legend(fontsize=7, ncol=ncol, loc="upper left", bbox_to_anchor=(0.0, -0.16),
              borderaxespad=0.0, frameon=False)


def generation_axis(ax) -> None:
    """x is the generation: integer ticks only (2 generations drew ticks at 0.2, 0.4...)."""
    from matplotlib.ticker import MaxNLocator
    ax.set_xlabel("generation")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def distinct_colours(n: int) -> list:
    """n colours no two alike: tab10 up to 10 lines, tab20 up to 20, tab20 then tab20b up
    to 40 (the 16-32 coefficients of the larger rule families), then evenly spaced hues."""
    from matplotlib import colormaps
    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    if n <= 40:
        both = ([colormaps["tab20"](i) for i in range(20)]
                + [colormaps["tab20b"](i) for i in range(20)])
        return both[:n]
    return [colormaps["hsv"](i / n) for i in range(n)]
