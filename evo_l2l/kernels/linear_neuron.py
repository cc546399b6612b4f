"""Numba kernel: a linear neuron y = w.x trained by a Volterra-expansion rule.

    dw_i = eta * sum_{a,b,c in 0..2} A_abc x_i^a y^b w_i^c        (27 terms)

Layout as in single_layer.py: rules innermost (structure of arrays), one
parallel job per (task, block of rules). The sum is regrouped per pattern:
B_ac = sum_b A_abc y^b per rule (9 FMAs), then per synapse
C_c = sum_a B_ac x^a and dw = C_0 + C_1 w + C_2 w^2 (about 8 FMAs).

Shapes: coef (27, R) with row a*9 + b*3 + c; X (T, P, I); W0 (T, 1, I);
direction (T, I) unit vectors; perf (R, T, E+1) out.
Performance: |cos(w, direction)| * exp(-(|w| - 1)^2), in [0, 1]; 0 for NaN.
"""
import numpy as np
from numba import njit, prange

from .alloc import empty
from ._jobs import coef_block, job_rules, n_rule_blocks, store_perf, weights_2d

_FASTMATH = {"contract"}


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _measure(W, d, n_i, nr, out):
    for r in range(nr):
        dot = 0.0
        nn = 0.0
        for i in range(n_i):
            w = W[i, r]
            dot += w * d[i]
            nn += w * w
        norm = np.sqrt(nn)
        v = abs(dot) / norm * np.exp(-(norm - 1.0) * (norm - 1.0)) if norm > 0.0 else 0.0
        out[r] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_volterra_population(coef, X, W0, n_patterns, n_inputs, direction, n_epochs, clip,
                              eta, block, perf):
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    max_i = X.shape[2]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        n_p = n_patterns[task]
        n_i = n_inputs[task]
        A = coef_block(coef, r0, nr)
        W = weights_2d(W0[task, 0], n_i, max_i, nr)
        y = empty(nr)
        B = empty((9, nr))
        m = empty(nr)
        d = direction[task]
        _measure(W, d, n_i, nr, m)
        store_perf(perf, task, 0, r0, nr, m)
        for epoch in range(n_epochs):
            for p in range(n_p):
                for r in range(nr):
                    y[r] = 0.0
                for i in range(n_i):
                    x = X[task, p, i]
                    for r in range(nr):
                        y[r] += W[i, r] * x
                for a in range(3):
                    for c in range(3):
                        k = a * 9 + c
                        for r in range(nr):
                            yr = y[r]
                            B[a * 3 + c, r] = A[k, r] + A[k + 3, r] * yr + A[k + 6, r] * yr * yr
                for i in range(n_i):
                    x = X[task, p, i]
                    x2 = x * x
                    for r in range(nr):
                        w = W[i, r]
                        c0 = B[0, r] + B[3, r] * x + B[6, r] * x2
                        c1 = B[1, r] + B[4, r] * x + B[7, r] * x2
                        c2 = B[2, r] + B[5, r] * x + B[8, r] * x2
                        w = w + eta * (c0 + c1 * w + c2 * w * w)
                        if w > clip:
                            w = clip
                        elif w < -clip:
                            w = -clip
                        W[i, r] = w
            _measure(W, d, n_i, nr, m)
            store_perf(perf, task, epoch + 1, r0, nr, m)
