"""Numba kernels for a single-layer sigmoid learner trained by a local rule.

Layout ("structure of arrays"): the rule index is the innermost axis of every
per-rule array, so the loop over rules is a contiguous, branch-free loop that
LLVM vectorises without reordering any sum across rules. One parallel job is
one (task, block of rules) pair; each job writes only its own output slots.

Speed choices (measured by scripts/bench_inner.py, see docs/results/performance.md):
the sigmoid uses fast_exp (vectorisable, ~1 ulp) instead of libm's scalar
exp, and the update is regrouped per (pattern, output) so each synapse costs
three FMAs. Both change last bits only; the tests bound the difference to the
slow reference. The population kernel runs each (pattern, output) step on
groups of 4 to 28 rule lanes at once (kernels/lanes.py: several
independent FMA chains in flight, sums and factors in registers, lanes padded
instead of a scalar remainder); its results are bitwise those of the plain
rules-innermost loops it replaced (tests/previous_single_layer.py).

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
"""
import numpy as np
from numba import njit, prange

from ._jobs import (job_rules, n_rule_blocks, ordered_task, padded_coef_block, padded_lanes,
                    step_chunks, store_perf, weights_3d)
from .alloc import empty
from .lanes import (MAX_CHUNKS, measure4, measure8, measure12, measure16, measure20, measure24,
                    measure28, train4, train8, train12, train16, train20, train24, train28)

# Contraction (FMA) only: full fastmath reorders sums and drops the NaN
# guards that give diverging rules a defined fitness.
_FASTMATH = {"contract"}


@njit(cache=True, inline="always")
def _train_step(c, W, w0, NRP, X, x0, n_i, k, g, t, clip):
    """lanes.train_step of c groups of 4 lanes (c = 1 .. MAX_CHUNKS)."""
    if c == 7:
        train28(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    elif c == 6:
        train24(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    elif c == 5:
        train20(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    elif c == 4:
        train16(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    elif c == 3:
        train12(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    elif c == 2:
        train8(W, w0, NRP, X, x0, n_i, k, g, t, clip)
    else:
        train4(W, w0, NRP, X, x0, n_i, k, g, t, clip)


@njit(cache=True, inline="always")
def _measure_step(c, W, w0, NRP, X, x0, n_i, t, out, g):
    """lanes.measure_step of c groups of 4 lanes."""
    if c == 7:
        measure28(W, w0, NRP, X, x0, n_i, t, out, g)
    elif c == 6:
        measure24(W, w0, NRP, X, x0, n_i, t, out, g)
    elif c == 5:
        measure20(W, w0, NRP, X, x0, n_i, t, out, g)
    elif c == 4:
        measure16(W, w0, NRP, X, x0, n_i, t, out, g)
    elif c == 3:
        measure12(W, w0, NRP, X, x0, n_i, t, out, g)
    elif c == 2:
        measure8(W, w0, NRP, X, x0, n_i, t, out, g)
    else:
        measure4(W, w0, NRP, X, x0, n_i, t, out, g)


@njit(cache=True, inline="always")
def _measure(W, NRP, X, xt0, y_t, n_p, n_i, n_o, max_i, out):
    """Writes 1 - mean|t - o| over the task's patterns into out[:NRP]."""
    for r in range(NRP):
        out[r] = 0.0
    n_steps, base, extra = step_chunks(NRP // 4, MAX_CHUNKS)
    for p in range(n_p):
        x0 = xt0 + p * max_i
        for j in range(n_o):
            t = y_t[p, j]
            w0 = j * max_i * NRP
            g = 0
            for s in range(n_steps):
                c = base + 1 if s < extra else base
                _measure_step(c, W, w0 + g, NRP, X, x0, n_i, t, out, g)
                g += 4 * c
    scale = 1.0 / (n_p * n_o)
    for r in range(NRP):
        v = 1.0 - out[r] * scale
        # NaN weights stay NaN forever (0 * NaN is NaN), so a diverged net
        # scores the worst performance at every later measurement too.
        out[r] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def chalmers_job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
         task, slot, r0, nr, perf):
    """One job of train_chalmers_population: rules r0 .. r0 + nr - 1 on one task, their
    curves into perf[r0:r0 + nr, slot] (single_layer_groups.py shares it)."""
    max_i = X.shape[2]
    max_o = Y.shape[2]
    max_p = X.shape[1]
    NRP = padded_lanes(nr)
    n_p = n_patterns[task]
    n_i = n_inputs[task]
    n_o = n_outputs[task]
    y_t = Y[task]
    xt0 = task * max_p * max_i
    k = padded_coef_block(coef, r0, nr, NRP)
    W = weights_3d(W0[task], n_o, n_i, max_o, max_i, NRP)
    m = empty(NRP)
    n_steps, base, extra = step_chunks(NRP // 4, MAX_CHUNKS)
    _measure(W, NRP, X, xt0, y_t, n_p, n_i, n_o, max_i, m)
    store_perf(perf, slot, 0, r0, nr, m)
    for epoch in range(n_epochs):
        for p in range(n_p):
            x0 = xt0 + p * max_i
            for j in range(n_o):
                t = y_t[p, j]
                w0 = j * max_i * NRP
                g = 0
                for s in range(n_steps):
                    c = base + 1 if s < extra else base
                    _train_step(c, W, w0 + g, NRP, X, x0, n_i, k, g, t, clip)
                    g += 4 * c
        _measure(W, NRP, X, xt0, y_t, n_p, n_i, n_o, max_i, m)
        store_perf(perf, slot, epoch + 1, r0, nr, m)


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_chalmers_population(coef, X, Y, W0, n_patterns, n_inputs, n_outputs,
                              n_epochs, clip, block, perf, order=None):
    """Trains every rule on every task online; fills perf (R, T, E+1).

    A job's rule lanes are padded to NRP, a multiple of 4, with k = 0 (their
    weights never move; their results are not stored), and run in groups of
    4 to 28 lanes by the steps of kernels/lanes.py, as few steps as possible, of
    nearly equal size (lanes.MAX_CHUNKS, _jobs.step_chunks). Per pattern, each
    output's forward pass is fused with its update: o_j reads only W[j, :],
    which the updates of other outputs never touch, so this is the same
    arithmetic as forward passes first (train_chalmers_reference).

    order: the tasks in the order the jobs take them (_jobs.balanced_task_order, so the
    threads' stretches of jobs weigh alike), or None for 0..T-1; perf is the same.
    """
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        position, r0, nr = job_rules(job, n_blocks, block, n_rules)
        task = ordered_task(position, order)
        chalmers_job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
                     task, task, r0, nr, perf)


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
