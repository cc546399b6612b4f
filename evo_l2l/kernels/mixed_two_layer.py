"""Numba kernel: two-layer nets whose learner is part of the genome.

As kernels/two_layer.py (I inputs + bias, H hidden + bias, 1 sigmoid output, the
16-term multilinear rule over (a, o, w, m) shared by every synapse, m = t - o), but
each rule lane r brings its own learner: n_epochs[r] (the lane stops updating after
them; its performance is held), clip[r] and an initial weight scale[r] (the task's
initial weights times scale). One call serves one learner *shape*: hidden units H
(the first H of the task's Hmax initial hidden units and output weights, plus the
hidden bias weight) and the hidden activation (0: sigmoid, 1: tanh). The learning
rate and the switched-off terms are folded into coef by the caller (effective
coefficients). With H = Hmax, sigmoid, scale 1 and every lane at n_epochs = E it
computes what train_two_layer_population computes (same sums in the same order).

Layout: one parallel job per (task, rule); each job writes only its own perf[r, t, :].
Shapes: coef (16, R); n_epochs (R,) int64; clip, scale (R,); X (T, P, I); Y (T, P, 1);
Wh0 (T, Hmax, I); Wo0 (T, 1, Hmax + 1); perf (R, T, E + 1): 1 - mean|t - o|, 0 for NaN.
"""
import numpy as np
from numba import njit, prange

from ._multilinear import clipped_update, factors16
from .fastexp import fast_exp

_FASTMATH = {"contract"}
HIDDEN_BIAS = -1.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _forward(Wh, Wo, x, n_i, H, act, h):
    for j in range(H):
        s = 0.0
        for i in range(n_i):
            s += Wh[j, i] * x[i]
        if act == 0:
            h[j] = 1.0 / (1.0 + fast_exp(-s))
        else:
            h[j] = np.tanh(s)
    o = Wo[H] * HIDDEN_BIAS
    for j in range(H):
        o += Wo[j] * h[j]
    return 1.0 / (1.0 + fast_exp(-o))


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _measure(Wh, Wo, X, Y, task, n_p, n_i, H, act, h):
    err = 0.0
    for p in range(n_p):
        o = _forward(Wh, Wo, X[task, p], n_i, H, act, h)
        err += abs(Y[task, p, 0] - o)
    v = 1.0 - err / n_p
    return v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_mixed_two_layer(coef, n_epochs, clip, scale, hidden, act, X, Y, Wh0, Wo0,
                          n_patterns, n_inputs, perf):
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    H = hidden
    h_max = Wh0.shape[1]
    max_i = X.shape[2]
    E = perf.shape[2] - 1
    for job in prange(n_tasks * n_rules):
        task = job // n_rules
        r = job - task * n_rules
        n_p = n_patterns[task]
        n_i = n_inputs[task]
        k = coef[:, r:r + 1]
        c = clip[r]
        Wh = np.zeros((H, max_i))
        Wo = np.zeros(H + 1)
        for j in range(H):
            for i in range(n_i):
                Wh[j, i] = scale[r] * Wh0[task, j, i]
            Wo[j] = scale[r] * Wo0[task, 0, j]
        Wo[H] = scale[r] * Wo0[task, 0, h_max]
        h = np.empty(H)
        v = _measure(Wh, Wo, X, Y, task, n_p, n_i, H, act, h)
        perf[r, task, 0] = v
        for epoch in range(E):
            if epoch < n_epochs[r]:
                for p in range(n_p):
                    x = X[task, p]
                    o = _forward(Wh, Wo, x, n_i, H, act, h)
                    m = Y[task, p, 0] - o
                    p0, p1, q0, q1 = factors16(k, 0, o, m)
                    for j in range(H):
                        Wo[j] = clipped_update(Wo[j], h[j], p0, p1, q0, q1, c)
                    Wo[H] = clipped_update(Wo[H], HIDDEN_BIAS, p0, p1, q0, q1, c)
                    for j in range(H):
                        p0, p1, q0, q1 = factors16(k, 0, h[j], m)
                        for i in range(n_i):
                            Wh[j, i] = clipped_update(Wh[j, i], x[i], p0, p1, q0, q1, c)
                v = _measure(Wh, Wo, X, Y, task, n_p, n_i, H, act, h)
            perf[r, task, epoch + 1] = v
