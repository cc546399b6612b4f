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
