"""Numba kernels for a single-layer sigmoid learner trained by a local rule.

Layout ("structure of arrays"): the rule index is the innermost axis of every
per-rule array, so the loop over rules is a contiguous, branch-free loop that
LLVM vectorises without reordering any sum across rules. One parallel job is
one (task, block of rules) pair; each job writes only its own output slots.

Speed choices (measured by scripts/bench_inner.py, see docs/results/performance.md):
the sigmoid uses fast_exp (vectorisable, ~1 ulp) instead of libm's scalar
exp, and the update is regrouped per (pattern, output) so each synapse costs
three FMAs. Both change last bits only; the tests bound the difference to the
slow reference.

Kernels see arrays and scalars only. Shapes (T tasks, P patterns, I inputs
including the bias column, O outputs, R rules, E epochs):

    coef        (11, R)   k0 (scale) then k1..k10 of the Chalmers terms
    X           (T, P, I) inputs, padded with zeros
    Y           (T, P, O) targets, padded with zeros
    W0          (T, O, I) initial weights, padded with zeros
    n_patterns  (T,)      patterns actually used by each task
    n_inputs    (T,)      inputs actually used by each task (bias included)
    n_outputs   (T,)      outputs actually used by each task
    perf        (R, T, E+1) out: 1 - mean |t - o| before training and after
                          each epoch; 0 where the net diverged (NaN weights)

The kernel of kernels/single_layer.py before kernels/lanes.py, kept as an oracle:
tests/test_kernels.py checks that the current kernel gives bitwise its results, and
scripts/bench_inner.py times both.
"""
import numpy as np
from numba import njit, prange

from evo_l2l.kernels._jobs import coef_block, job_rules, n_rule_blocks, store_perf, weights_3d
from evo_l2l.kernels._multilinear import clipped_update
from evo_l2l.kernels.fastexp import fast_exp

# Contraction (FMA) only: full fastmath reorders sums and drops the NaN
# guards that give diverging rules a defined fitness.
_FASTMATH = {"contract"}


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _measure(W, x_t, y_t, n_p, n_i, n_o, out, s, nr):
    """Writes 1 - mean|t - o| over the task's patterns into out[:nr]."""
    for r in range(nr):
        out[r] = 0.0
    for p in range(n_p):
        for j in range(n_o):
            for r in range(nr):
                s[r] = 0.0
            for i in range(n_i):
                a = x_t[p, i]
                for r in range(nr):
                    s[r] += W[j, i, r] * a
            t = y_t[p, j]
            for r in range(nr):
                o = 1.0 / (1.0 + fast_exp(-s[r]))
                out[r] += abs(t - o)
    scale = 1.0 / (n_p * n_o)
    for r in range(nr):
        v = 1.0 - out[r] * scale
        # NaN weights stay NaN forever (0 * NaN is NaN), so a diverged net
        # scores the worst performance at every later measurement too.
        out[r] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_chalmers_population(coef, X, Y, W0, n_patterns, n_inputs, n_outputs,
                              n_epochs, clip, block, perf):
    """Trains every rule on every task online; fills perf (R, T, E+1)."""
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    max_i = X.shape[2]
    max_o = Y.shape[2]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        n_p = n_patterns[task]
        n_i = n_inputs[task]
        n_o = n_outputs[task]
        x_t = X[task]
        y_t = Y[task]
        k = coef_block(coef, r0, nr)
        W = weights_3d(W0[task], n_o, n_i, max_o, max_i, nr)
        o = np.empty((max_o, nr))
        s = np.empty(nr)
        m = np.empty(nr)
        c0 = np.empty(nr)
        c1 = np.empty(nr)
        c2 = np.empty(nr)
        c3 = np.empty(nr)
        _measure(W, x_t, y_t, n_p, n_i, n_o, m, s, nr)
        store_perf(perf, task, 0, r0, nr, m)
        for epoch in range(n_epochs):
            for p in range(n_p):
                # Forward pass first: every synapse of this pattern sees the
                # same post-synaptic output o.
                for j in range(n_o):
                    for r in range(nr):
                        s[r] = 0.0
                    for i in range(n_i):
                        a = x_t[p, i]
                        for r in range(nr):
                            s[r] += W[j, i, r] * a
                    for r in range(nr):
                        o[j, r] = 1.0 / (1.0 + fast_exp(-s[r]))
                for j in range(n_o):
                    t = y_t[p, j]
                    # dw = k0 (k1 w + ... + k10 o t) regrouped as
                    # (c0 + c1 a) + (c2 + c3 a) w: the per-rule factors depend
                    # only on (o, t), so each synapse costs three FMAs.
                    for r in range(nr):
                        oj = o[j, r]
                        c0[r] = k[0, r] * (k[3, r] * oj + k[4, r] * t + k[10, r] * oj * t)
                        c1[r] = k[0, r] * (k[2, r] + k[8, r] * oj + k[9, r] * t)
                        c2[r] = k[0, r] * (k[1, r] + k[6, r] * oj + k[7, r] * t)
                        c3[r] = k[0, r] * k[5, r]
                    for i in range(n_i):
                        a = x_t[p, i]
                        for r in range(nr):
                            # NaN survives the clip and is scored by _measure.
                            W[j, i, r] = clipped_update(W[j, i, r], a, c0[r], c1[r], c2[r], c3[r],
                                                        clip)
            _measure(W, x_t, y_t, n_p, n_i, n_o, m, s, nr)
            store_perf(perf, task, epoch + 1, r0, nr, m)


@njit(cache=True, fastmath=_FASTMATH)
def train_chalmers_serial(coef, X, Y, W0, n_patterns, n_inputs, n_outputs,
                          n_epochs, clip, perf):
    """Plain serial loop, rule outermost: the baseline the benchmark compares to."""
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    max_i = X.shape[2]
    max_o = Y.shape[2]
    W = np.empty((max_o, max_i))
    o = np.empty(max_o)
    for r in range(n_rules):
        k0 = coef[0, r]
        for task in range(n_tasks):
            n_p = n_patterns[task]
            n_i = n_inputs[task]
            n_o = n_outputs[task]
            for j in range(n_o):
                for i in range(n_i):
                    W[j, i] = W0[task, j, i]
            for epoch in range(n_epochs + 1):
                if epoch > 0:
                    for p in range(n_p):
                        for j in range(n_o):
                            s = 0.0
                            for i in range(n_i):
                                s += W[j, i] * X[task, p, i]
                            o[j] = 1.0 / (1.0 + np.exp(-s))
                        for j in range(n_o):
                            t = Y[task, p, j]
                            for i in range(n_i):
                                a = X[task, p, i]
                                w = W[j, i]
                                oj = o[j]
                                dw = k0 * (coef[1, r] * w + coef[2, r] * a
                                           + coef[3, r] * oj + coef[4, r] * t
                                           + coef[5, r] * w * a + coef[6, r] * w * oj
                                           + coef[7, r] * w * t + coef[8, r] * a * oj
                                           + coef[9, r] * a * t + coef[10, r] * oj * t)
                                w = w + dw
                                if w > clip:
                                    w = clip
                                elif w < -clip:
                                    w = -clip
                                W[j, i] = w
                err = 0.0
                for p in range(n_p):
                    for j in range(n_o):
                        s = 0.0
                        for i in range(n_i):
                            s += W[j, i] * X[task, p, i]
                        err += abs(Y[task, p, j] - 1.0 / (1.0 + np.exp(-s)))
                v = 1.0 - err / (n_p * n_o)
                perf[r, task, epoch] = v if v == v else 0.0
