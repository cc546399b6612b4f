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
"""
from numba import njit, prange

from .alloc import empty
from ._jobs import (job_rules, n_rule_blocks, padded_coef_block, padded_lanes, step_chunks,
                    store_perf, weights_2d, weights_3d)
from .fastexp import fast_exp
from .lanes import (TWO_LAYER_MAX_CHUNKS, two_layer_measure4, two_layer_measure8,
                    two_layer_measure12, two_layer_measure16, two_layer_measure20,
                    two_layer_train4, two_layer_train8, two_layer_train12, two_layer_train16,
                    two_layer_train20)

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


@njit(cache=True, inline="always")
def _train_step(c, Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip):
    """lanes.two_layer_train on c groups of 4 lanes (c = 1 .. TWO_LAYER_MAX_CHUNKS)."""
    if c == 5:
        two_layer_train20(Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)
    elif c == 4:
        two_layer_train16(Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)
    elif c == 3:
        two_layer_train12(Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)
    elif c == 2:
        two_layer_train8(Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)
    else:
        two_layer_train4(Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)


@njit(cache=True, inline="always")
def _measure_step(c, Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out):
    if c == 5:
        two_layer_measure20(Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)
    elif c == 4:
        two_layer_measure16(Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)
    elif c == 3:
        two_layer_measure12(Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)
    elif c == 2:
        two_layer_measure8(Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)
    else:
        two_layer_measure4(Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)


@njit(cache=True, inline="always")
def _measure_lanes(Wh, Wo, NRP, max_i, X, xt0, y_t, n_p, n_i, H, hbuf, out):
    for r in range(NRP):
        out[r] = 0.0
    n_steps, base, extra = step_chunks(NRP // 4, TWO_LAYER_MAX_CHUNKS)
    for p in range(n_p):
        x0 = xt0 + p * max_i
        t = y_t[p, 0]
        g = 0
        for s in range(n_steps):
            c = base + 1 if s < extra else base
            _measure_step(c, Wh, Wo, NRP, max_i, X, x0, n_i, H, hbuf, g, t, out)
            g += 4 * c
    for r in range(NRP):
        v = 1.0 - out[r] / n_p
        out[r] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_two_layer_population(coef, X, Y, Wh0, Wo0, n_patterns, n_inputs, n_epochs, clip,
                               block, perf):
    """Every rule on every task, online; fills perf (R, T, E+1).

    A job's rule lanes are padded to NRP, a multiple of 4, with k = 0 (the
    padded nets never change; their results are not stored), and each pattern
    runs on groups of 4 to 20 lanes by the steps of kernels/lanes.py (as few as possible), the
    whole net of a group in registers: bitwise the plain rules-innermost loops
    (tests/previous_two_layer.py, tests/test_two_layer.py).
    """
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    H = Wh0.shape[1]
    max_p = X.shape[1]
    max_i = X.shape[2]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        NRP = padded_lanes(nr)
        n_p = n_patterns[task]
        n_i = n_inputs[task]
        y_t = Y[task]
        xt0 = task * max_p * max_i
        k = padded_coef_block(coef, r0, nr, NRP)
        Wh = weights_3d(Wh0[task], H, n_i, H, max_i, NRP)
        Wo = weights_2d(Wo0[task, 0], H + 1, H + 1, NRP)
        hbuf = empty((H, NRP))
        meas = empty(NRP)
        n_steps, base, extra = step_chunks(NRP // 4, TWO_LAYER_MAX_CHUNKS)
        _measure_lanes(Wh, Wo, NRP, max_i, X, xt0, y_t, n_p, n_i, H, hbuf, meas)
        store_perf(perf, task, 0, r0, nr, meas)
        for epoch in range(n_epochs):
            for p in range(n_p):
                x0 = xt0 + p * max_i
                t = y_t[p, 0]
                g = 0
                for s in range(n_steps):
                    c = base + 1 if s < extra else base
                    _train_step(c, Wh, Wo, NRP, max_i, X, x0, n_i, H, k, hbuf, g, t, clip)
                    g += 4 * c
            _measure_lanes(Wh, Wo, NRP, max_i, X, xt0, y_t, n_p, n_i, H, hbuf, meas)
            store_perf(perf, task, epoch + 1, r0, nr, meas)
