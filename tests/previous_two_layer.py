"""Numba kernel: a two-layer sigmoid net (I inputs + bias, H hidden + bias, 1 output)
trained only by one local rule shared by every synapse, plus a broadcast
modulatory signal m = t - o (the output error), as in Bengio, Bengio &
Cloutier (1991): the rule sees presynaptic activity a, postsynaptic
activity o, the weight w and m.

The rule is multilinear in (a, o, w, m) with 16 coefficients, one per subset
of the variables, in the order of rules/bengio.py (TERMS). It is regrouped
per (postsynaptic unit, rule) as dw = (p0 + p1 a) + (q0 + q1 a) w, where the
p's and q's depend on o and m only.

Layout: rules innermost, one parallel job per (task, block of rules).
Shapes: coef (16, R); X (T, P, I) with the bias as the last used column;
Y (T, P, 1); Wh0 (T, H, I); Wo0 (T, 1, H + 1) (last: the hidden bias weight);
perf (R, T, E+1): 1 - mean|t - o|, 0 for NaN.

The kernel of kernels/two_layer.py before kernels/lanes.py, kept as an oracle:
tests/test_kernels.py checks that the current kernel gives bitwise its results, and
scripts/bench_inner.py times both.
"""
import numpy as np
from numba import njit, prange

from evo_l2l.kernels._jobs import coef_block, job_rules, n_rule_blocks, store_perf, weights_2d, weights_3d
from evo_l2l.kernels._multilinear import clipped_update, factors16
from evo_l2l.kernels.fastexp import fast_exp

_FASTMATH = {"contract"}
HIDDEN_BIAS = -1.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def forward(Wh, hid, stride, Wo, out, x, n_i, H, nr, h, o):
    """The net's forward pass on rule lanes r < nr: hidden activities into h (H, nr), output into o.

    Weights (row, lane): hidden (j, i) in row hid + j * stride + i of Wh,
    output j in row out + j of Wo (j = H: the hidden bias's weight).
    train_two_layer_population passes its (H * I, nr) and (H + 1, nr) weight
    arrays, kernels/symbolic_nets.py its register row of weights as (S, 1), so
    both kernels compute the same sums in the same order. (numba caches
    symbolic_nets by its own file: after editing this, delete kernels/__pycache__.)
    """
    for j in range(H):
        row = hid + j * stride
        for r in range(nr):
            h[j, r] = 0.0
        for i in range(n_i):
            xi = x[i]
            for r in range(nr):
                h[j, r] += Wh[row + i, r] * xi
        for r in range(nr):
            h[j, r] = 1.0 / (1.0 + fast_exp(-h[j, r]))
    for r in range(nr):
        o[r] = Wo[out + H, r] * HIDDEN_BIAS
    for j in range(H):
        for r in range(nr):
            o[r] += Wo[out + j, r] * h[j, r]
    for r in range(nr):
        o[r] = 1.0 / (1.0 + fast_exp(-o[r]))


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _factors(k, o, m, nr, p0, p1, q0, q1):
    """p0 + p1 a + (q0 + q1 a) w for postsynaptic activity o and modulator m (per rule lane)."""
    for r in range(nr):
        f0, f1, f2, f3 = factors16(k, r, o[r], m[r])
        p0[r] = f0
        p1[r] = f1
        q0[r] = f2
        q1[r] = f3


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _measure(Wh2, Wo, X, Y, task, n_p, n_i, H, nr, h, o, out):
    max_i = X.shape[2]
    for r in range(nr):
        out[r] = 0.0
    for p in range(n_p):
        forward(Wh2, 0, max_i, Wo, 0, X[task, p], n_i, H, nr, h, o)
        t = Y[task, p, 0]
        for r in range(nr):
            out[r] += abs(t - o[r])
    for r in range(nr):
        v = 1.0 - out[r] / n_p
        out[r] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_two_layer_population(coef, X, Y, Wh0, Wo0, n_patterns, n_inputs, n_epochs, clip,
                               block, perf):
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    H = Wh0.shape[1]
    max_i = X.shape[2]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        n_p = n_patterns[task]
        n_i = n_inputs[task]
        k = coef_block(coef, r0, nr)
        Wh = weights_3d(Wh0[task], H, n_i, H, max_i, nr)
        Wh2 = Wh.reshape((H * max_i, nr))      # the same weights, as forward reads them
        Wo = weights_2d(Wo0[task, 0], H + 1, H + 1, nr)
        h = np.empty((H, nr))
        o = np.empty(nr)
        m = np.empty(nr)
        p0 = np.empty(nr); p1 = np.empty(nr); q0 = np.empty(nr); q1 = np.empty(nr)
        meas = np.empty(nr)
        _measure(Wh2, Wo, X, Y, task, n_p, n_i, H, nr, h, o, meas)
        store_perf(perf, task, 0, r0, nr, meas)
        for epoch in range(n_epochs):
            for p in range(n_p):
                x = X[task, p]
                forward(Wh2, 0, max_i, Wo, 0, x, n_i, H, nr, h, o)
                t = Y[task, p, 0]
                for r in range(nr):
                    m[r] = t - o[r]
                # Output synapses: pre = hidden activity (or the bias), post = o.
                _factors(k, o, m, nr, p0, p1, q0, q1)
                for j in range(H):
                    for r in range(nr):
                        Wo[j, r] = clipped_update(Wo[j, r], h[j, r], p0[r], p1[r], q0[r], q1[r],
                                                  clip)
                for r in range(nr):
                    Wo[H, r] = clipped_update(Wo[H, r], HIDDEN_BIAS, p0[r], p1[r], q0[r], q1[r],
                                              clip)
                # Hidden synapses: pre = input, post = that hidden unit, same m.
                for j in range(H):
                    _factors(k, h[j], m, nr, p0, p1, q0, q1)
                    for i in range(n_i):
                        a = x[i]
                        for r in range(nr):
                            Wh[j, i, r] = clipped_update(Wh[j, i, r], a, p0[r], p1[r], q0[r],
                                                         q1[r], clip)
            _measure(Wh2, Wo, X, Y, task, n_p, n_i, H, nr, h, o, meas)
            store_perf(perf, task, epoch + 1, r0, nr, meas)
