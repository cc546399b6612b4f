"""Numba kernel: the self-referential weight matrix (SRWM) of Irie, Schlag, Csordas &
Schmidhuber (ICML 2022) run over few-shot episodes, batched over initial matrices x episodes.

One head h holds a matrix W_h of M = 3E + 4 rows and E columns (E: the input size): rows
0..E-1 produce the output y, rows E..2E-1 the query q, rows 2E..3E-1 the key k, the last 4
rows the four learning rates beta (one per block of rows: y, q, k, beta), as in the
authors' code (IDSIA/modern-srwm, self_ref_v0). Per step, from input x_t:

    (y, q~, k~, b) = W phi(x_t)            phi = softmax (over the E inputs)
    q = softmax(q~), k = softmax(k~), beta = sigmoid(b)
    v = W q,  v_bar = W k                  (no softmax on these)
    W[block] += beta[block] * (v - v_bar)[block] outer k

y uses W before the step's update. No gradient at run time: W changes itself.

Episodes: support positions 0..n_support-1 are fed in order (the label one-hot is part of
their input: Irie et al.'s synchronous-label few-shot setup); the queries are then scored
one at a time from the W reached, without updating it (so queries do not see each other).
A query's logits for class c: sum over heads of y_h[label_slot + c], c < n_way.

self_modification: 0 full; 1 none (sigmoid(beta) := 0, W never changes: the ablation with
no self-modification); 2 fixed rate (beta := 0, i.e. every block's rate is sigmoid(0) =
0.5: W still changes, but not at rates it sets itself).

Shapes: W0 (R, H * M * E) initial matrices (head after head, rows C-ordered); Z (T, P, E)
embedded inputs; n_support (T,); query_start, query_end (T,); label (T, P) class of each
position; n_way (T,); acc, prob (R, T, L + 1): query accuracy (argmax, first on ties, NaN
logits score wrong) and mean softmax probability of the right class over the n_way logits,
measured before the support set (column 0) and after each support position l (column l);
columns past an episode's support repeat its last value. measure_all False measures only
each episode's last column (others left as they are).
"""
import numpy as np
from numba import njit, prange

FULL, NO_UPDATE, FIXED_RATE = 0, 1, 2


@njit(cache=True, inline="always")
def _softmax(z, n, out):
    m = z[0]
    for i in range(1, n):
        if z[i] > m:
            m = z[i]
    s = 0.0
    for i in range(n):
        out[i] = np.exp(z[i] - m)
        s += out[i]
    for i in range(n):
        out[i] /= s


@njit(cache=True)
def srwm_step(W, x, E, mode, phi, main, q, k, v, vb):
    """One step of one head in place. W (M, E); x (E,) raw input; scratch phi, q, k (E,),
    main, v, vb (M,). Returns nothing; main[:E] holds y (from W before the update)."""
    M = 3 * E + 4
    _softmax(x, E, phi)
    for m in range(M):
        s = 0.0
        for e in range(E):
            s += W[m, e] * phi[e]
        main[m] = s
    if mode == NO_UPDATE:
        return
    _softmax(main[E:2 * E], E, q)
    _softmax(main[2 * E:3 * E], E, k)
    for m in range(M):
        s1 = 0.0
        s2 = 0.0
        for e in range(E):
            s1 += W[m, e] * q[e]
            s2 += W[m, e] * k[e]
        v[m] = s1
        vb[m] = s2
    for blk in range(4):
        if mode == FIXED_RATE:
            beta = 0.5
        else:
            beta = 1.0 / (1.0 + np.exp(-main[3 * E + blk]))
        lo = blk * E
        hi = lo + E if blk < 3 else M
        for m in range(lo, hi):
            d = beta * (v[m] - vb[m])
            for e in range(E):
                W[m, e] += d * k[e]


@njit(cache=True)
def _score(W, Z, t, q0, q1, label, nw, E, H, slot, phi, logits, pr):
    """(accuracy, mean probability of the right class) of the queries q0..q1-1."""
    n = q1 - q0
    if n <= 0:
        return np.nan, np.nan
    hits = 0.0
    ptot = 0.0
    for p in range(q0, q1):
        for c in range(nw):
            logits[c] = 0.0
        _softmax(Z[t, p], E, phi)
        for h in range(H):
            for c in range(nw):
                s = 0.0
                for e in range(E):
                    s += W[h, slot + c, e] * phi[e]
                logits[c] += s
        best = 0
        ok = True
        for c in range(nw):
            if not np.isfinite(logits[c]):
                ok = False
            elif logits[c] > logits[best]:
                best = c
        y = label[t, p]
        if ok and best == y:
            hits += 1.0
        if ok:
            _softmax(logits, nw, pr)
            ptot += pr[y]
    return hits / n, ptot / n


@njit(cache=True, parallel=True)
def srwm_episodes(W0, Z, n_support, query_start, query_end, label, n_way, n_heads, slot,
                  mode, measure_all, acc, prob):
    R = W0.shape[0]
    T, P, E = Z.shape
    M = 3 * E + 4
    L = acc.shape[2] - 1
    for job in prange(R * T):
        r = job // T
        t = job - r * T
        W = W0[r].copy().reshape((n_heads, M, E))
        phi = np.empty(E)
        q = np.empty(E)
        k = np.empty(E)
        main = np.empty(M)
        v = np.empty(M)
        vb = np.empty(M)
        logits = np.empty(n_way[t])
        pr = np.empty(n_way[t])
        ns = n_support[t]
        q0, q1, nw = query_start[t], query_end[t], n_way[t]
        a, b = np.nan, np.nan
        if measure_all or ns == 0:
            a, b = _score(W, Z, t, q0, q1, label, nw, E, n_heads, slot, phi, logits, pr)
            acc[r, t, 0] = a
            prob[r, t, 0] = b
        for p in range(ns):
            for h in range(n_heads):
                srwm_step(W[h], Z[t, p], E, mode, phi, main, q, k, v, vb)
            if measure_all or p == ns - 1:
                a, b = _score(W, Z, t, q0, q1, label, nw, E, n_heads, slot, phi, logits, pr)
                acc[r, t, p + 1] = a
                prob[r, t, p + 1] = b
        for col in range(ns + 1, L + 1):
            acc[r, t, col] = a
            prob[r, t, col] = b
