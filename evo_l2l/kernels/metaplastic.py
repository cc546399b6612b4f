"""Numba kernel: the episode nets of episode_net.py with meta-plastic rules: each layer's
16 rule coefficients are state of the net, changed after every training pattern by a
second rule, driven by the net's own error.

After pattern t, with err = mean over output units of (t_k - o_k)^2 and ebar its running
mean (ebar starts at the first pattern's err; ebar += tau (err - ebar) after each pattern):

    s = err - ebar                       (surprise: > 0 when the error jumps, as at a
                                          task switch; < 0 as the net masters a task)
    c_i += A_i s + B_i ebar + lam (c0_i - c_i)     for the 16 + 16 coefficients

c0: the evolved initial coefficients (the fixed rule's), A, B: the second rule's gains,
lam: relaxation to c0, tau: the trace rate. With A = B = 0 the rule is fixed and the
kernel computes what train_episode_population does with (c0_out, c0_hid).

Layout as episode_net.py (rules innermost, one job per (episode, block of rules)). Shapes:
c0_out, c0_hid, A_out, A_hid, B_out, B_hid (16, R); lam, tau (R,); the rest as
train_episode_population; acc (R, T, S + 1, G); trace (R, T, S + 1, 32): the output
layer's and the hidden layer's coefficients before training and after each segment.
"""
import numpy as np
from numba import njit, prange

from ._jobs import coef_block, job_rules, n_rule_blocks, weights_3d
from ._multilinear import clipped_update, factors16
from .episode_net import HIDDEN_BIAS, _forward, _score_groups
from .fastexp import fast_exp

_FASTMATH = {"contract"}


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_metaplastic_population(c0_out, c0_hid, A_out, A_hid, B_out, B_hid, lam, tau, X, Y,
                                 Wh0, Wo0, n_inputs, n_outputs, segment_end, group_end,
                                 group_mask, n_epochs, clip, measure_all, block, acc, trace):
    n_tasks = X.shape[0]
    n_rules = c0_out.shape[1]
    H = Wh0.shape[1]
    max_i = X.shape[2]
    S = segment_end.shape[1]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        n_i = n_inputs[task]
        O = n_outputs[task]
        k = coef_block(c0_out, r0, nr)          # the state: changes within the lifetime
        kh = coef_block(c0_hid, r0, nr)
        k0 = coef_block(c0_out, r0, nr)
        kh0 = coef_block(c0_hid, r0, nr)
        ao = coef_block(A_out, r0, nr)
        ah = coef_block(A_hid, r0, nr)
        bo = coef_block(B_out, r0, nr)
        bh = coef_block(B_hid, r0, nr)
        Wh = weights_3d(Wh0[task], H, n_i, H, max_i, nr)
        Wo = weights_3d(Wo0[task], O, H + 1, O, H + 1, nr)
        B = Wo0[task]
        h = np.empty((H, nr))
        z = np.empty((O, nr))
        o = np.empty((O, nr))
        e = np.empty((O, nr))
        mh = np.empty(nr)
        ebar = np.empty(nr)
        p0 = np.empty(nr); p1 = np.empty(nr); q0 = np.empty(nr); q1 = np.empty(nr)
        meas = np.empty(nr)
        for i in range(16):
            for r in range(nr):
                trace[r0 + r, task, 0, i] = k[i, r]
                trace[r0 + r, task, 0, 16 + i] = kh[i, r]
        test_start = segment_end[task, S - 1]
        if measure_all:
            _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O, nr,
                          h, z, meas, acc, 0, r0)
        first = True
        start = 0
        for s in range(S):
            end = segment_end[task, s]
            for epoch in range(n_epochs):
                for p in range(start, end):
                    x = X[task, p]
                    _forward(Wh, Wo, x, n_i, H, O, nr, h, z)
                    for c in range(O):
                        t = Y[task, p, c]
                        for r in range(nr):
                            o[c, r] = 1.0 / (1.0 + fast_exp(-z[c, r]))
                            e[c, r] = t - o[c, r]
                    for c in range(O):
                        for r in range(nr):
                            p0[r], p1[r], q0[r], q1[r] = factors16(k, r, o[c, r], e[c, r])
                        for j in range(H):
                            for r in range(nr):
                                Wo[c, j, r] = clipped_update(Wo[c, j, r], h[j, r], p0[r], p1[r],
                                                             q0[r], q1[r], clip)
                        for r in range(nr):
                            Wo[c, H, r] = clipped_update(Wo[c, H, r], HIDDEN_BIAS, p0[r], p1[r],
                                                         q0[r], q1[r], clip)
                    for j in range(H):
                        for r in range(nr):
                            mh[r] = 0.0
                        for c in range(O):
                            b = B[c, j]
                            for r in range(nr):
                                mh[r] += b * e[c, r]
                        for r in range(nr):
                            p0[r], p1[r], q0[r], q1[r] = factors16(kh, r, h[j, r], mh[r])
                        for i in range(n_i):
                            a = x[i]
                            for r in range(nr):
                                Wh[j, i, r] = clipped_update(Wh[j, i, r], a, p0[r], p1[r], q0[r],
                                                             q1[r], clip)
                    # The second rule: the coefficients follow the error signal.
                    for r in range(nr):
                        err = 0.0
                        for c in range(O):
                            err += e[c, r] * e[c, r]
                        err /= O
                        if first:
                            ebar[r] = err
                        sig = err - ebar[r]
                        lv = ebar[r]
                        for i in range(16):
                            k[i, r] += ao[i, r] * sig + bo[i, r] * lv + lam[r0 + r] * (k0[i, r] - k[i, r])
                            kh[i, r] += ah[i, r] * sig + bh[i, r] * lv + lam[r0 + r] * (kh0[i, r] - kh[i, r])
                        ebar[r] += tau[r0 + r] * (err - ebar[r])
                    first = False
            start = end
            for i in range(16):
                for r in range(nr):
                    trace[r0 + r, task, s + 1, i] = k[i, r]
                    trace[r0 + r, task, s + 1, 16 + i] = kh[i, r]
            if measure_all or s == S - 1:
                _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O,
                              nr, h, z, meas, acc, s + 1, r0)
