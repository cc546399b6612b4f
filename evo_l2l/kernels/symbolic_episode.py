"""Numba kernel: symbolic (GP) rules on the episode nets of kernels/episode_net.py.

The net, its variables and its scoring are episode_net's: I inputs (bias column included),
H hidden units plus a bias input of -1, O sigmoid output units; the rule sees, per synapse,
the presynaptic activity a, the postsynaptic activity o, the weight w and a modulator m:
  - output unit c's synapses: a = hidden activity (or the bias -1), o = sigmoid(z_c),
    m = t_c - o_c (its own error);
  - hidden unit j's synapses (plastic hidden layer only): a = input, o = h_j,
    m = sum_c B[c, j] (t_c - o_c), B = the episode's initial output weights (feedback
    alignment), as in episode_net.
Each training pattern (online, one pass per segment and epoch) runs the forward pass, then
the rule once over every synapse that learns (register code, kernels/symbolic.py), then
w += eta * rule, clipped to [-clip, clip] (NaN stays NaN). Scoring: argmax of the output
pre-activations over the test group's allowed units (first one on ties); a NaN among them
scores the pattern wrong.

Two hidden layers:
  - plastic (plastic_hidden True): tanh units, hidden synapses learn by the same rule (the
    Bengio et al. shared rule; with the delta rule it is episode_net's kernel exactly when
    the rate is a power of two, tests/test_symbolic_episode.py);
  - fixed (plastic_hidden False): the hidden code of each pattern is given (hidden_codes:
    dense tanh units, or a wide layer of k-winners-take-all binary units, the FlyModel of
    Shen, Dasgupta & Navlakha 2021), only the output synapses learn. The code of pattern p
    is its listed units code_idx[t, p, :K] (ascending) with activities code_val[t, p, :K],
    every other unit 0; z_c = -Wo[c, H] + sum over listed units. active_only: only the
    synapses from listed units (and the bias) learn, the others do not change whatever the
    rule says (a sparse code then touches few synapses per pattern).

Layout: one parallel job per (rule, episode); inside it the rule's register code runs over
the synapses that learn at this pattern, gathered into the register file and scattered back.
Shapes: X (T, P, I); Y (T, P, O) one-hot; Wh0 (T, H, I); Wo0 (T, O, H + 1); segment_end
(T, S); group_end (T, G); group_mask (T, G, O); code_idx, code_val (T, P, K) (ignored with a
plastic hidden layer); acc (R, T, S + 1, G): row 0 before training, row s + 1 after segment
s (measure_all False: row S only, the others left as they are).
"""
import numpy as np
from numba import njit, prange

from .fastexp import fast_exp
from .symbolic import TEMP0, eta_step, register_program, run_registers

_FASTMATH = {"contract"}
HIDDEN_BIAS = -1.0
_W, _A, _O, _MOD = 0, 1, 2, 3      # register rows of the variables (learners/symbolic.NET_LAYOUT)


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _tanh(v):
    """episode_net's tanh (2 sigmoid(2 v) - 1 with fast_exp)."""
    return 2.0 / (1.0 + fast_exp(-2.0 * v)) - 1.0


CODE_ROWS = 256    # patterns per job of hidden_codes: one transposed copy of Wh0 per job
CODE_BLOCK = 8     # patterns whose sums share each read of a tile of that copy
CODE_TILE = 512    # units per tile: a block's sums over a tile stay in the core's cache


@njit(cache=True)
def _select(values, r):
    """The r-th smallest (from 0) of values (no NaN), which it reorders: the value
    np.partition(values, r)[r] has, by Hoare's selection with the middle element as
    pivot. np.partition, and the sorts the NaN case of _top_k used, were two thirds of
    hidden_codes' cold compile."""
    lo = 0
    hi = values.shape[0] - 1
    while lo < hi:
        pivot = values[(lo + hi) // 2]
        i = lo
        j = hi
        while i <= j:
            while values[i] < pivot:
                i += 1
            while values[j] > pivot:
                j -= 1
            if i <= j:
                x = values[i]
                values[i] = values[j]
                values[j] = x
                i += 1
                j -= 1
        if r <= j:
            hi = j
        elif r >= i:
            lo = i
        else:
            return values[r]
    return values[r]


@njit(cache=True)
def _kth_largest(pre, K):
    """The K-th largest of pre (H,) (no NaN; 1 <= K <= H): the value np.partition(pre,
    H - K)[H - K] has, found among a few candidates. Of n >= K segments of pre, the least
    of their maxima, m, is reached by n units, so the K-th largest is at least m and is the
    K-th largest of the units at or above m (about 2% of a 4096-unit layer for K = 64,
    where selecting among all of them was half of hidden_codes' time)."""
    H = pre.shape[0]
    width = H // K                      # K segments of this width, and the remainder
    m = np.inf
    for s0 in range(0, H - width + 1, width):
        top = pre[s0]
        for j in range(s0 + 1, s0 + width):
            if pre[j] > top:
                top = pre[j]
        if top < m:
            m = top
    n = 0
    for j in range(H):
        if pre[j] >= m:
            n += 1
    candidates = np.empty(n)
    n = 0
    for j in range(H):
        if pre[j] >= m:
            candidates[n] = pre[j]
            n += 1
    return _select(candidates, n - K)


@njit(cache=True, fastmath=_FASTMATH)
def _top_k(pre, K, chosen):
    """The K units of largest pre-activation, lower index first among equals, into chosen
    (K,) in ascending order: the first K of a stable argsort of -pre, sorted, found by one
    selection of the K-th largest value instead of a sort. The sort puts NaNs last, in
    order: with fewer than K numbers, every number and the first NaNs; else the K-th
    largest is selected among the numbers (a NaN is never above or equal to it)."""
    H = pre.shape[0]
    n_num = 0
    for j in range(H):
        if pre[j] == pre[j]:
            n_num += 1
    if n_num < K:
        extra = K - n_num
        q = 0
        for j in range(H):
            if pre[j] == pre[j] or extra > 0:
                if pre[j] != pre[j]:
                    extra -= 1
                chosen[q] = j
                q += 1
        return
    if n_num < H:
        numbers = np.empty(n_num)
        q = 0
        for j in range(H):
            if pre[j] == pre[j]:
                numbers[q] = pre[j]
                q += 1
        v = _select(numbers, n_num - K)
    else:
        v = _kth_largest(pre, K)
    ties = K
    for j in range(H):
        if pre[j] > v:
            ties -= 1
    q = 0
    for j in range(H):
        if pre[j] > v or (pre[j] == v and ties > 0):
            if pre[j] == v:
                ties -= 1
            chosen[q] = j
            q += 1


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, parallel=True)
def hidden_codes(X, Wh0, n_inputs, k_active):
    """Fixed hidden codes of every pattern: (code_idx (T, P, K) int64, code_val (T, P, K)).

    k_active 0: every unit (K = H), activity tanh(Wh0 x); k_active k > 0: the k units of
    largest pre-activation Wh0 x (lower index first among equals), activity 1, listed in
    ascending order (K = k).

    Each pre-activation sums its inputs in order; the loop over units is innermost, over
    a transposed copy of Wh0, so it vectorises (4096 units: a unit at a time, with a sort
    per pattern, took most of `evaluate`'s time on the wide continual GP nets). The sums of
    CODE_BLOCK patterns go tile by tile of CODE_TILE units, input by input, so each part of
    the copy (2 MB for 4096 units, beyond the core's cache) is read once for all of them and
    their sums stay in cache; each sum is the same, in the same order.
    error_model "numpy": the dense units' tanh vectorises (its divisor 1 + exp(...) is
    never checked for zero, which it cannot be).
    """
    T, P = X.shape[0], X.shape[1]
    H = Wh0.shape[1]
    K = H if k_active == 0 else k_active
    idx = np.zeros((T, P, K), dtype=np.int64)
    val = np.zeros((T, P, K))
    n_chunks = (P + CODE_ROWS - 1) // CODE_ROWS
    for job in prange(T * n_chunks):
        t = job // n_chunks
        p0 = (job % n_chunks) * CODE_ROWS
        p1 = min(p0 + CODE_ROWS, P)
        n_i = n_inputs[t]
        WT = np.empty((n_i, H))
        for j in range(H):
            for i in range(n_i):
                WT[i, j] = Wh0[t, j, i]
        pre = np.empty((CODE_BLOCK, H))
        chosen = np.empty(K, dtype=np.int64)
        for b0 in range(p0, p1, CODE_BLOCK):
            nb = min(CODE_BLOCK, p1 - b0)
            pre[:nb] = 0.0
            for j0 in range(0, H, CODE_TILE):
                j1 = min(j0 + CODE_TILE, H)
                for i in range(n_i):
                    w = WT[i, j0:j1]
                    for b in range(nb):
                        xi = X[t, b0 + b, i]
                        sums = pre[b, j0:j1]
                        for j in range(j1 - j0):
                            sums[j] += w[j] * xi
            for b in range(nb):
                p = b0 + b
                if k_active == 0:
                    for j in range(H):
                        idx[t, p, j] = j
                        val[t, p, j] = _tanh(pre[b, j])
                else:
                    _top_k(pre[b], K, chosen)
                    for q in range(K):
                        idx[t, p, q] = chosen[q]
                        val[t, p, q] = 1.0
    return idx, val


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _forward(Wh, Wo, x, n_i, H, O, plastic, idx, val, h, z):
    """Hidden activities into h (H,) and output pre-activations into z (O,)."""
    if plastic:
        for j in range(H):
            s = 0.0
            for i in range(n_i):
                s += Wh[j, i] * x[i]
            h[j] = _tanh(s)
        for c in range(O):
            s = Wo[c, H] * HIDDEN_BIAS
            for j in range(H):
                s += Wo[c, j] * h[j]
            z[c] = s
    else:
        for c in range(O):
            s = Wo[c, H] * HIDDEN_BIAS
            for q in range(idx.shape[0]):
                s += Wo[c, idx[q]] * val[q]
            z[c] = s


@njit(cache=True, fastmath=_FASTMATH)
def _score_groups(Wh, Wo, X, Y, task, start, group_end, group_mask, n_i, H, O, plastic,
                  code_idx, code_val, h, z, acc, r, row):
    for g in range(group_end.shape[1]):
        end = group_end[task, g]
        right = 0.0
        for p in range(start, end):
            _forward(Wh, Wo, X[task, p], n_i, H, O, plastic, code_idx[task, p],
                     code_val[task, p], h, z)
            label = 0
            for k in range(O):
                if Y[task, p, k] > Y[task, p, label]:
                    label = k
            arg = -1
            best = 0.0
            bad = False
            for k in range(O):
                if group_mask[task, g, k] > 0.0:
                    v = z[k]
                    if v != v:
                        bad = True
                    elif arg == -1 or v > best:
                        arg = k
                        best = v
            if arg == label and not bad:
                right += 1.0
        acc[r, task, row, g] = right / (end - start)
        start = end


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, parallel=True)
def train_programs_episodes(ops, args, lengths, depth, X, Y, Wh0, Wo0, n_inputs, n_outputs,
                            segment_end, group_end, group_mask, code_idx, code_val,
                            plastic_hidden, active_only, n_epochs, clip, eta, var_kind, var_row,
                            measure_all, acc):
    R = ops.shape[0]
    T = X.shape[0]
    H = Wh0.shape[1]
    S = segment_end.shape[1]
    K = code_idx.shape[2]
    O_max = Wo0.shape[1]
    n_syn = O_max * (H + 1)
    if plastic_hidden:
        n_syn += H * X.shape[2]
    for job in prange(R * T):
        r = job // T
        task = job % T
        code, dst, src, src2, const, n_ins, out_row, _ = register_program(
            ops, args, lengths, r, var_kind, var_row)
        M = np.zeros((TEMP0 + 2 * depth, n_syn))
        n_i = n_inputs[task]
        O = n_outputs[task]
        Wh = Wh0[task].copy()
        Wo = Wo0[task].copy()
        B = Wo0[task]
        h = np.zeros(H)
        z = np.empty(O)
        o = np.empty(O)
        e = np.empty(O)
        test_start = segment_end[task, S - 1]
        if measure_all:
            _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O,
                          plastic_hidden, code_idx, code_val, h, z, acc, r, np.int64(0))
        start = 0
        for s in range(S):
            end = segment_end[task, s]
            for epoch in range(n_epochs):
                for p in range(start, end):
                    x = X[task, p]
                    idx = code_idx[task, p]
                    val = code_val[task, p]
                    _forward(Wh, Wo, x, n_i, H, O, plastic_hidden, idx, val, h, z)
                    for c in range(O):
                        o[c] = 1.0 / (1.0 + fast_exp(-z[c]))
                        e[c] = Y[task, p, c] - o[c]
                    if not plastic_hidden:      # the fixed code as a dense vector
                        for j in range(H):
                            h[j] = 0.0
                        for q in range(K):
                            h[idx[q]] = val[q]
                    # Gather: output synapses (c, j) then the bias, then hidden (j, i).
                    # (n and row 0 above are int64, not literal 0s: a literal compiled
                    # run_registers and _score_groups a second time.)
                    n = np.int64(0)
                    for c in range(O):
                        if active_only:
                            for q in range(K):
                                j = idx[q]
                                M[_W, n] = Wo[c, j]
                                M[_A, n] = h[j]
                                M[_O, n] = o[c]
                                M[_MOD, n] = e[c]
                                n += 1
                        else:
                            for j in range(H):
                                M[_W, n] = Wo[c, j]
                                M[_A, n] = h[j]
                                M[_O, n] = o[c]
                                M[_MOD, n] = e[c]
                                n += 1
                        M[_W, n] = Wo[c, H]
                        M[_A, n] = HIDDEN_BIAS
                        M[_O, n] = o[c]
                        M[_MOD, n] = e[c]
                        n += 1
                    if plastic_hidden:
                        for j in range(H):
                            mh = 0.0
                            for c in range(O):
                                mh += B[c, j] * e[c]
                            for i in range(n_i):
                                M[_W, n] = Wh[j, i]
                                M[_A, n] = x[i]
                                M[_O, n] = h[j]
                                M[_MOD, n] = mh
                                n += 1
                    run_registers(code, dst, src, src2, const, n_ins, M, n)
                    # Scatter, in the same order.
                    n = 0
                    for c in range(O):
                        if active_only:
                            for q in range(K):
                                j = idx[q]
                                Wo[c, j] = eta_step(Wo[c, j], M[out_row, n], eta, clip)
                                n += 1
                        else:
                            for j in range(H):
                                Wo[c, j] = eta_step(Wo[c, j], M[out_row, n], eta, clip)
                                n += 1
                        Wo[c, H] = eta_step(Wo[c, H], M[out_row, n], eta, clip)
                        n += 1
                    if plastic_hidden:
                        for j in range(H):
                            for i in range(n_i):
                                Wh[j, i] = eta_step(Wh[j, i], M[out_row, n], eta, clip)
                                n += 1
            start = end
            if measure_all or s == S - 1:
                _score_groups(Wh, Wo, X, Y, task, test_start, group_end, group_mask, n_i, H, O,
                              plastic_hidden, code_idx, code_val, h, z, acc, r, s + 1)
