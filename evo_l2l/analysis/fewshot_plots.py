"""Figures of a few-shot meta-training run: its validation curve, its training fitness, and
the first-layer filters before and after evolution."""
from __future__ import annotations

import numpy as np


def fewshot_figure(run, path: str) -> None:
    """Three panels written to `path` (PNG, PDF or SVG by its extension)."""
    import matplotlib
    matplotlib.use("Agg")                          # a file, never a window
    import matplotlib.pyplot as plt
    s, st = run.settings, run.state
    net = s.net()
    fig = plt.figure(figsize=(12, 3.8), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.2, 1.2, 1.3])
    ax = fig.add_subplot(grid[0])
    ax.plot(st.val_generation, np.asarray(st.val_accuracy) * 100, marker="o", ms=3,
            label="evolved mean")
    ax.axhline(st.val_accuracy[0] * 100, color="grey", ls="--", label="start (generation 0)")
    ax.plot([st.best_generation], [st.best_accuracy * 100], "r*", ms=10, label="chosen")
    ax.set_xlabel("generation")
    ax.set_ylabel(f"validation accuracy, % ({s.n_validation} episodes)")
    ax.set_title(f"{s.n_way}-way {s.k_shot}-shot on validation alphabets")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax = fig.add_subplot(grid[1])
    f = np.asarray(st.train_fitness)
    ax.plot(np.arange(1, len(f) + 1), f, lw=0.5, alpha=0.5, color="C0")
    if len(f) >= 25:
        smooth = np.convolve(f, np.ones(25) / 25, mode="valid")
        ax.plot(np.arange(25, len(f) + 1), smooth, color="C0", label="mean of 25")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlabel("generation")
    ax.set_ylabel("query log-likelihood")
    ax.set_title(f"fitness on fresh {s.train_way}-way episodes")
    ax.grid(alpha=0.3)
    cols = (net.c1 + 1) // 2
    sub = grid[2].subgridspec(4, cols)
    for block, (label, genome) in enumerate((("start", run.start), ("evolved", st.best_theta))):
        W1 = net.unpack(genome[None])[1][0]                      # (k1, k1, c1)
        for c in range(net.c1):
            a = fig.add_subplot(sub[2 * block + c // cols, c % cols])
            w = W1[:, :, c]
            lim = float(np.abs(w).max()) or 1.0
            a.imshow(w, cmap="RdBu_r", vmin=-lim, vmax=lim)
            a.set_xticks([]); a.set_yticks([])
            if c % cols == 0:
                a.set_ylabel(label, fontsize=8)
    fig.suptitle(f"{run.attrs.get('preset') or 'few-shot run'}: first-layer filters "
                 f"(right), seed {s.seed}", fontsize=10)
    fig.savefig(path, dpi=100)
    plt.close(fig)
