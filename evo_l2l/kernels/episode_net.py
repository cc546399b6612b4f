"""Numba kernel: two-layer nets that learn whole episodes (tasks/episodes.py) online, one
rule shared by every synapse, and are scored by argmax accuracy on test groups.

The net: I inputs (bias column included), H tanh hidden units plus a bias input of -1,
O sigmoid output units, one per class. The hidden units are centred (tanh, not the
sigmoid of two_layer.py): with sigmoid features, all near 0.5, every output unit's
Hebbian or delta update is dominated by their common mean (measured on rot_digits 5-way
1-shot: target-driven Hebb at the outputs 0.50 with sigmoid, 0.76 with tanh features). Only the rule changes the weights, once per
training pattern, in the order of the stream (one segment after another, n_epochs passes
over each segment; 1 is the online, one-pass protocol). The rule is the 16-term
multilinear form of rules/bengio.py over presynaptic activity a, postsynaptic activity o,
the weight w and a modulatory signal m:
  - output unit k's synapses get its own error m = t_k - o_k (the delta rule is a*m,
    target-driven Hebb a*t is a*m + a*o);
  - hidden unit j's synapses get the output errors sent back through fixed random
    feedback weights, m_j = sum_k B[k, j] (t_k - o_k), B = the episode's initial output
    weights (feedback alignment, Lillicrap et al. 2016): a broadcast signal, not a gradient.

Scoring a test group: the prediction is the argmax of the output pre-activations over the
group's allowed units (first one on ties); a NaN among them scores the pattern wrong.

Bengio et al. share one rule among all synapses (coef_hidden = coef); the bengio_layers
family gives each layer its own (coef: the output layer's, coef_hidden: the hidden layer's).

Layout: rules innermost, one parallel job per (episode, block of rules), as two_layer.py.
Shapes: coef, coef_hidden (16, R); X (T, P, I); Y (T, P, O) one-hot; Wh0 (T, H, I); Wo0 (T, O, H + 1)
(column H: the hidden bias's weight); segment_end (T, S); group_end (T, G);
group_mask (T, G, O); acc (R, T, S + 1, G): row 0 before training, row s + 1 after
segment s. measure_all False measures row S only (what a final-accuracy fitness needs;
the other rows are left as they are).

Evolved initial state (rules/bengio_init.py): Wh0_rule (R, H, >= I) gives every rule its own
initial hidden weights in place of the episode's Wh0 (shape (0, H, I): the episode's), and
out_gain (R,) multiplies the episode's initial output weights (shape (0,): gain 1; the
feedback weights B stay the episode's). With Wh0_rule rows equal to an episode's Wh0 and
gain 1 the result is bit-identical to the per-episode path. plastic_hidden False skips
the hidden layer's updates (frozen features: what a zero hidden rule does anyway, while
every weight is within the clip, at no cost).
"""
import numpy as np
from numba import njit, prange

from ._jobs import coef_block, job_rules, n_rule_blocks, weights_3d
from ._multilinear import clipped_update, factors16
from .fastexp import fast_exp

_FASTMATH = {"contract"}
HIDDEN_BIAS = -1.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _forward(Wh, Wo, x, n_i, H, O, nr, h, z):
    """Hidden activities (tanh) into h (H, nr), output pre-activations into z (O, nr)."""
    for j in range(H):
        for r in range(nr):
            h[j, r] = 0.0
        for i in range(n_i):
            xi = x[i]
            for r in range(nr):
                h[j, r] += Wh[j, i, r] * xi
        for r in range(nr):
            h[j, r] = 2.0 / (1.0 + fast_exp(-2.0 * h[j, r])) - 1.0
    for k in range(O):
        for r in range(nr):
            z[k, r] = Wo[k, H, r] * HIDDEN_BIAS
        for j in range(H):
            for r in range(nr):
                z[k, r] += Wo[k, j, r] * h[j, r]


@njit(cache=True, fastmath=_FASTMATH)
def _score(Wh, Wo, X, Y, task, start, end, mask, n_i, H, O, nr, h, z, out):
    """out[r] = accuracy of rule lane r on patterns start .. end - 1 (argmax over mask)."""
    for r in range(nr):
        out[r] = 0.0
    for p in range(start, end):
        _forward(Wh, Wo, X[task, p], n_i, H, O, nr, h, z)
        label = 0
        for k in range(O):
            if Y[task, p, k] > Y[task, p, label]:
                label = k
        for r in range(nr):
            arg = -1
            best = 0.0
            bad = False
            for k in range(O):
                if mask[k] > 0.0:
                    v = z[k, r]
                    if v != v:
                        bad = True
                    elif arg == -1 or v > best:
                        arg = k
                        best = v
            if arg == label and not bad:
                out[r] += 1.0
    for r in range(nr):
        out[r] /= end - start


@njit(cache=True, fastmath=_FASTMATH)
def _score_groups(Wh, Wo, X, Y, task, group_start, group_end, group_mask, n_i, H, O, nr, h, z,
                  meas, acc, row, r0):
    start = group_start
    for g in range(group_end.shape[1]):
        end = group_end[task, g]
        _score(Wh, Wo, X, Y, task, start, end, group_mask[task, g], n_i, H, O, nr, h, z, meas)
        for r in range(nr):
            acc[r0 + r, task, row, g] = meas[r]
        start = end


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_episode_population(coef, coef_hidden, X, Y, Wh0, Wo0, n_inputs, n_outputs, segment_end, group_end,
                             group_mask, n_epochs, clip, measure_all, block, acc, Wh0_rule,
                             out_gain, plastic_hidden):
    n_tasks = X.shape[0]
    n_rules = coef.shape[1]
    H = Wh0.shape[1]
    max_i = X.shape[2]
    S = segment_end.shape[1]
    n_blocks = n_rule_blocks(n_rules, block)
    for job in prange(n_tasks * n_blocks):
        task, r0, nr = job_rules(job, n_blocks, block, n_rules)
        n_i = n_inputs[task]
        O = n_outputs[task]
        k = coef_block(coef, r0, nr)           # output layer's rule
        kh = coef_block(coef_hidden, r0, nr)   # hidden layer's (the same for a shared rule)
        if Wh0_rule.shape[0] > 0:            # evolved initial hidden weights, one per rule
            Wh = np.empty((H, max_i, nr))
            for j in range(H):
                for i in range(n_i):
                    for r in range(nr):
                        Wh[j, i, r] = Wh0_rule[r0 + r, j, i]
        else:
            Wh = weights_3d(Wh0[task], H, n_i, H, max_i, nr)
        Wo = weights_3d(Wo0[task], O, H + 1, O, H + 1, nr)
        if out_gain.shape[0] > 0:             # evolved gain on the episode's output weights
            for c in range(O):
                for j in range(H + 1):
                    for r in range(nr):
                        Wo[c, j, r] *= out_gain[r0 + r]
        B = Wo0[task]                       # fixed feedback weights (O, H + 1)
        h = np.empty((H, nr))
        z = np.empty((O, nr))
        o = np.empty((O, nr))
        e = np.empty((O, nr))
        mh = np.empty(nr)
        p0 = np.empty(nr); p1 = np.empty(nr); q0 = np.empty(nr); q1 = np.empty(nr)
        meas = np.empty(nr)
        test_start = segment_end[task, S - 1]
        if measure_all:
            _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O, nr,
                          h, z, meas, acc, 0, r0)
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
                    # Output synapses of unit c: pre = hidden activity (or the bias), m = e_c.
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
                    # Hidden synapses of unit j: pre = input, m = the fed-back errors.
                    if not plastic_hidden:
                        continue
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
            start = end
            if measure_all or s == S - 1:
                _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O,
                              nr, h, z, meas, acc, s + 1, r0)
