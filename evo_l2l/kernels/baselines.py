"""Numba kernels for the baselines of `evaluate` on episodes (analysis/baselines.py): every
episode, and every learning rate tried, in one call instead of a scikit-learn fit or a
NumPy loop per episode.

Episodes are laid out as tasks/episodes.py packs them: X (T, P, I) with the bias column last,
labels (T, P) the class of each row, segment_end (T, S), group_end (T, G) (the test groups
follow the last segment), group_mask (T, G, O) the classes each group may answer. The
accuracies go to acc (R, T, S + 1, G), R the rates: row 0 before training (left as it is by
the kernels without an untrained prediction), row s + 1 after segment s.

sgd_logistic and nearest_centroid run on one thread: a call takes a fraction of a second on
1000 episodes, and parallel=True about doubled their compile time. backprop_mlp runs its
(rate, episode) jobs on numba's threads.

Scoring is that of analysis/baselines.masked_accuracy: the argmax of each row's scores over
the group's allowed classes, the first one on ties, a NaN score never chosen unless every
allowed score is NaN or -inf (then the first allowed class).

- sgd_logistic: scikit-learn's SGDClassifier(loss="log_loss", penalty="l2", alpha,
  shuffle=False) given one partial_fit per segment, step for step: one-vs-rest (one binary
  fit per class, or one for two classes), labels 0/1, the half binomial loss's gradient,
  L2 decay by a scale factor (wscale, folded back into the weights at the end of every
  partial_fit), the 'optimal' schedule eta = 1 / (alpha (optimal_init + t - 1)) with t
  counting samples across partial_fits, or a constant rate. Its weights are scikit-learn's
  to the bit (tests/test_baseline_kernels.py); the decision values are summed in feature
  order where scikit-learn calls BLAS, which can differ in the last bit.
- backprop_mlp: the episode's own net (tanh hidden units, sigmoid outputs, output bias
  input -1) trained by one gradient step of the cross-entropy per training row.
- nearest_centroid: scikit-learn's NearestCentroid (Euclidean, uniform priors) on every
  training row seen so far whose class the group allows; the class means are its to the
  bit (rows summed in stream order, then divided), the distances summed feature by
  feature (where two means tie to rounding, the choice can differ from its BLAS one).
"""
import math

import numpy as np
from numba import njit, prange

from .fastexp import fast_exp

# scikit-learn's WeightVector folds its scale factor back into the weights below this
# (utils/_weight_vector.pyx.tp, float64)
RESET_WSCALE = 1e-9
# and clips the loss's gradient at this (linear_model/_sgd_fast.pyx.tp)
MAX_DLOSS = 1e12
# training rows whose hidden updates backprop_mlp applies together
BLOCK = 8


@njit(cache=True, inline="always")
def _tanh(v):
    """tanh as 2 sigmoid(2 v) - 1 with fast_exp (within about 2e-16 of tanh, absolute):
    it vectorises, where libm's tanh, once per hidden unit and row, was most of backprop's
    time on the 4096-unit nets."""
    return 2.0 / (1.0 + fast_exp(-2.0 * v)) - 1.0


@njit(cache=True)
def _best_allowed(scores, allowed_row, n_classes):
    """The masked argmax of analysis/baselines.masked_accuracy (NaN as -inf)."""
    best = -1
    top = -np.inf
    for k in range(n_classes):
        if allowed_row[k] == 0.0:
            continue
        v = scores[k]
        if v != v:
            v = -np.inf
        if best < 0 or v > top:
            best = k
            top = v
    return best


@njit(cache=True)
def _half_binomial_gradient(y, p):
    """scikit-learn's cgradient_half_binomial(y_true, raw_prediction): expit(p) - y."""
    if p > -37.0:
        e = math.exp(-p)
        return ((1.0 - y) - y * e) / (1.0 + e)
    return math.exp(p) - y


@njit(cache=True)
def sgd_logistic(X, labels, n_inputs, n_outputs, segment_end, group_end, group_mask, rates,
                 alpha, optimal_init, measure_all, acc, weights):
    """rates (R,): a constant rate each, NaN for the 'optimal' schedule. The bias column is
    left out (the intercept stands for it), as analysis/baselines.parts leaves it out.
    weights (R, T, K, I) or (0, 0, 0, 0): the final coef_ of each fit (K rows: one for two
    classes, else one per class), its intercept_ in column I - 1."""
    T = X.shape[0]
    R = rates.shape[0]
    S = segment_end.shape[1]
    G = group_end.shape[1]
    for job in range(R * T):
        r = job // T
        t = job % T
        rate = rates[r]
        optimal = rate != rate
        n_f = n_inputs[t] - 1
        O = n_outputs[t]
        K = 1 if O == 2 else O            # binary: one weight vector for class 1
        w = np.zeros((K, n_f))
        b = np.zeros(K)
        wscale = np.ones(K)
        scores = np.empty(O)
        count = 1.0                        # scikit-learn's t_
        start = 0
        for s in range(S):
            end = segment_end[t, s]
            for k in range(K):
                wscale[k] = 1.0
            tt = count
            for p in range(start, end):
                x = X[t, p]
                label = labels[t, p]
                if optimal:
                    eta = 1.0 / (alpha * (optimal_init + tt - 1.0))
                else:
                    eta = rate
                decay = max(0.0, 1.0 - eta * alpha)
                for k in range(K):
                    positive = (1 if O == 2 else k) == label
                    y = 1.0 if positive else 0.0
                    dot = 0.0
                    for j in range(n_f):
                        dot += w[k, j] * x[j]
                    dot *= wscale[k]
                    dloss = _half_binomial_gradient(y, dot + b[k])
                    if dloss < -MAX_DLOSS:
                        dloss = -MAX_DLOSS
                    elif dloss > MAX_DLOSS:
                        dloss = MAX_DLOSS
                    update = -eta * dloss
                    wscale[k] *= decay
                    if wscale[k] < RESET_WSCALE:
                        for j in range(n_f):
                            w[k, j] *= wscale[k]
                        wscale[k] = 1.0
                    if update != 0.0:
                        c = update / wscale[k]
                        for j in range(n_f):
                            w[k, j] += x[j] * c
                        b[k] += update
                tt += 1.0
            for k in range(K):
                for j in range(n_f):
                    w[k, j] *= wscale[k]
            count += end - start
            start = end
            if not (measure_all or s == S - 1):
                continue
            # score every test group with the weights after segment s
            a = segment_end[t, S - 1]
            for g in range(G):
                e = group_end[t, g]
                right = 0
                for p in range(a, e):
                    x = X[t, p]
                    if O == 2:
                        dot = 0.0
                        for j in range(n_f):
                            dot += x[j] * w[0, j]
                        d = dot + b[0]
                        scores[0] = -d
                        scores[1] = d
                    else:
                        for k in range(O):
                            dot = 0.0
                            for j in range(n_f):
                                dot += x[j] * w[k, j]
                            scores[k] = dot + b[k]
                    if _best_allowed(scores, group_mask[t, g], O) == labels[t, p]:
                        right += 1
                acc[r, t, s + 1, g] = right / (e - a) if e > a else np.nan
                a = e
        if weights.shape[0] > 0:
            for k in range(K):
                for j in range(n_f):
                    weights[r, t, k, j] = w[k, j]
                weights[r, t, k, n_f] = b[k]


@njit(cache=True, inline="always")
def _add_rows(sums, W, x, n, H):
    """sums (H,) += W[i] x[i] for i = 0..n-1 in order, four rows of W a pass over sums: each
    sum gets the same terms in the same order as one row a pass, with a quarter of the loads
    and stores of sums (the wide nets' hidden layer spent its time there)."""
    i = 0
    while i + 4 <= n:
        w0, w1, w2, w3 = W[i], W[i + 1], W[i + 2], W[i + 3]
        x0, x1, x2, x3 = x[i], x[i + 1], x[i + 2], x[i + 3]
        for j in range(H):
            s = sums[j]
            s += w0[j] * x0
            s += w1[j] * x1
            s += w2[j] * x2
            s += w3[j] * x3
            sums[j] = s
        i += 4
    while i < n:
        w0 = W[i]
        x0 = x[i]
        for j in range(H):
            sums[j] += w0[j] * x0
        i += 1


@njit(cache=True, inline="always")
def _add_updates(w, D, x, rate, nb, H):
    """w (H,) += rate (D[b] x[b]) for b = 0..nb-1 in order, four rows of D a pass over w
    (as _add_rows: the same updates in the same order)."""
    b = 0
    while b + 4 <= nb:
        d0, d1, d2, d3 = D[b], D[b + 1], D[b + 2], D[b + 3]
        x0, x1, x2, x3 = x[b], x[b + 1], x[b + 2], x[b + 3]
        for j in range(H):
            v = w[j]
            v += rate * (d0[j] * x0)
            v += rate * (d1[j] * x1)
            v += rate * (d2[j] * x2)
            v += rate * (d3[j] * x3)
            w[j] = v
        b += 4
    while b < nb:
        d0 = D[b]
        x0 = x[b]
        for j in range(H):
            w[j] += rate * (d0[j] * x0)
        b += 1


# error_model "numpy": a division does not check its divisor for zero (numba's default raises
# ZeroDivisionError), so the tanh and sigmoid loops over units vectorise; each divisor here is
# 1 + exp(...) >= 1 or NaN, or checked before, so nothing raised before and every value is the
# same (docs/results/performance.md, evaluate: the wide continual GP presets).
_NO_ZERO_CHECK = "numpy"


@njit(cache=True, error_model=_NO_ZERO_CHECK)
def _mlp_score(Wh, WoT, bias, Xtest, labels, t, test_start, group_end, group_mask, H, O, acc,
               r, row):
    """Test-group accuracies of the net (Wh (n_i, H), WoT (H, O): the layers' weights
    transposed, bias (O,) the output bias's weights) on the episode's test rows Xtest (n,
    n_i): two BLAS products for all of them, as the NumPy code scored a group (a product
    streams Wh once for many rows, where a row at a time streamed it once a row: 4096-unit
    nets spent most of their time there)."""
    hidden = np.dot(Xtest, Wh)
    for n in range(hidden.shape[0]):
        for j in range(H):
            hidden[n, j] = _tanh(hidden[n, j])
    z = np.dot(hidden, WoT)
    for n in range(z.shape[0]):
        for k in range(O):
            z[n, k] -= bias[k]
    a = test_start
    for g in range(group_end.shape[1]):
        e = group_end[t, g]
        right = 0
        for p in range(a, e):
            if _best_allowed(z[p - test_start], group_mask[t, g], O) == labels[t, p]:
                right += 1
        acc[r, t, row, g] = right / (e - a) if e > a else np.nan
        a = e


@njit(cache=True, parallel=True, error_model=_NO_ZERO_CHECK)
def backprop_mlp(X, Y, labels, Wh0, Wo0, n_inputs, n_outputs, segment_end, group_end,
                 group_mask, rates, measure_all, acc, weights):
    """Online backprop at each of rates (R,): h = tanh(Wh x), o = sigmoid(Wo[:, :H] h -
    Wo[:, H]), e = y - o; Wo += rate (e outer (h, -1)), Wh += rate ((Wo[:, :H]^T e)
    (1 - h^2) outer x), the feedback through the output weights before their update.
    Wh0 (T, H, I), Wo0 (T, O, H + 1), Y (T, P, O) one-hot. measure_all False: row S only
    (what choosing a rate reads). weights (R, T, H + O, I + H + 1) or (0, 0, 0, 0): the final
    Wh in rows :H, columns :I, and Wo in rows H:, columns I:.

    The hidden weights are read and written in blocks of BLOCK training rows, twice a block
    instead of twice a row (the 4096-unit nets' weights do not stay in cache): a row's
    forward sums are those with the block's first Wh plus the pending updates of the
    block's earlier rows, rate D_c (x_c . x_p), and the block's updates are added at its end,
    row by row in order. The same arithmetic as updating after every row, in another order
    of the sums, so the weights agree to rounding (tests/test_baseline_kernels.py)."""
    T = X.shape[0]
    R = rates.shape[0]
    S = segment_end.shape[1]
    H = Wh0.shape[1]
    for job in prange(R * T):
        r = job // T
        t = job % T
        rate = rates[r]
        n_i = n_inputs[t]
        O = n_outputs[t]
        Wh = np.empty((n_i, H))             # transposed: the loops over units vectorise
        for j in range(H):
            for i in range(n_i):
                Wh[i, j] = Wh0[t, j, i]
        WoT = np.empty((H, O))              # output weights transposed, as Wh
        bias = np.empty(O)
        for k in range(O):
            for j in range(H):
                WoT[j, k] = Wo0[t, k, j]
            bias[k] = Wo0[t, k, H]
        test_start = segment_end[t, S - 1]
        Xtest = np.empty((group_end[t, group_end.shape[1] - 1] - test_start, n_i))
        for p in range(Xtest.shape[0]):
            for i in range(n_i):
                Xtest[p, i] = X[t, test_start + p, i]
        h = np.empty(H)
        e = np.empty(O)
        z = np.empty(O)
        if measure_all:
            _mlp_score(Wh, WoT, bias, Xtest, labels, t, test_start, group_end, group_mask, H,
                       O, acc, r, 0)
        base = np.empty((BLOCK, H))         # a block's forward sums with the block's Wh
        D = np.empty((BLOCK, H))            # the block's hidden deltas, applied at its end
        gram = np.empty((BLOCK, BLOCK))
        start = 0
        for s in range(S):
            end = segment_end[t, s]
            for q0 in range(start, end, BLOCK):
                nb = min(BLOCK, end - q0)
                # one pass over Wh: every row's sums with Wh as the block found it
                for b in range(nb):
                    for j in range(H):
                        base[b, j] = 0.0
                for b in range(nb):
                    _add_rows(base[b], Wh, X[t, q0 + b], n_i, H)
                for b in range(nb):
                    for c in range(b):
                        v = 0.0
                        for i in range(n_i):
                            v += X[t, q0 + c, i] * X[t, q0 + b, i]
                        gram[c, b] = v
                for b in range(nb):
                    p = q0 + b
                    # Wh of row p = the block's Wh + rate * sum over rows c < b of x_c D_c
                    for j in range(H):
                        h[j] = base[b, j]
                    for c in range(b):
                        g = gram[c, b]
                        for j in range(H):
                            h[j] += rate * (D[c, j] * g)
                    for j in range(H):
                        h[j] = _tanh(h[j])
                    # the output units' sums side by side: each still unit by unit in order
                    for k in range(O):
                        z[k] = 0.0
                    for j in range(H):
                        hj = h[j]
                        for k in range(O):
                            z[k] += WoT[j, k] * hj
                    for k in range(O):
                        e[k] = Y[t, p, k] - 1.0 / (1.0 + fast_exp(-(z[k] - bias[k])))
                    for j in range(H):
                        v = 0.0
                        for k in range(O):
                            v += WoT[j, k] * e[k]
                        D[b, j] = v * (1.0 - h[j] * h[j])
                    for j in range(H):
                        hj = h[j]
                        for k in range(O):
                            WoT[j, k] += rate * (e[k] * hj)
                    for k in range(O):
                        bias[k] += rate * (e[k] * -1.0)
                # one pass over Wh: the block's updates, row by row in order
                for i in range(n_i):
                    _add_updates(Wh[i], D, X[t, q0:q0 + nb, i], rate, nb, H)
            start = end
            if measure_all or s == S - 1:
                _mlp_score(Wh, WoT, bias, Xtest, labels, t, test_start, group_end, group_mask,
                           H, O, acc, r, s + 1)
        if weights.shape[0] > 0:
            I = X.shape[2]
            for j in range(H):
                for i in range(n_i):
                    weights[r, t, j, i] = Wh[i, j]
            for k in range(O):
                for j in range(H):
                    weights[r, t, H + k, I + j] = WoT[j, k]
                weights[r, t, H + k, I + H] = bias[k]


@njit(cache=True)
def nearest_centroid(X, labels, n_inputs, n_outputs, segment_end, group_end, group_mask, acc):
    """Row s + 1: each test row's class is that of the nearest (Euclidean) mean of the
    training rows of segments 0..s of each allowed class seen (the first class on ties);
    a group none of whose classes was seen scores 0. acc (1, T, S + 1, G)."""
    T = X.shape[0]
    S = segment_end.shape[1]
    G = group_end.shape[1]
    for t in range(T):
        n_f = n_inputs[t] - 1
        O = n_outputs[t]
        sums = np.zeros((O, n_f))
        counts = np.zeros(O, np.int64)
        centroid = np.empty((O, n_f))
        test_start = segment_end[t, S - 1]
        start = 0
        for s in range(S):
            end = segment_end[t, s]
            for p in range(start, end):        # rows in stream order, as NumPy's mean sums
                c = labels[t, p]
                counts[c] += 1
                for j in range(n_f):
                    sums[c, j] += X[t, p, j]
            for c in range(O):
                if counts[c] > 0:
                    for j in range(n_f):
                        centroid[c, j] = sums[c, j] / counts[c]
            a = test_start
            for g in range(G):
                e = group_end[t, g]
                seen = False
                for c in range(O):
                    if group_mask[t, g, c] != 0.0 and counts[c] > 0:
                        seen = True
                if not seen:
                    acc[0, t, s + 1, g] = 0.0
                    a = e
                    continue
                right = 0
                for p in range(a, e):
                    best = -1
                    top = np.inf
                    for c in range(O):
                        if group_mask[t, g, c] == 0.0 or counts[c] == 0:
                            continue
                        d2 = 0.0
                        for j in range(n_f):
                            u = X[t, p, j] - centroid[c, j]
                            d2 += u * u
                        if best < 0 or d2 < top:
                            best = c
                            top = d2
                    if best == labels[t, p]:
                        right += 1
                acc[0, t, s + 1, g] = right / (e - a) if e > a else np.nan
                a = e
            start = end
