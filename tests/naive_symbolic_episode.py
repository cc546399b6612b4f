"""Slow, obvious NumPy/Python reference of kernels/symbolic_episode.py: one rule, one
episode, one synapse at a time, the rule as a Python function of (a, o, w, m)."""
import numpy as np


def sigmoid(s):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-s))


def hidden_codes(X, Wh0, n_inputs, k):
    """(T, P, K) listed units and activities: all units with tanh, or the k largest
    pre-activations (stable order) as 1, listed in ascending order."""
    T, P = X.shape[:2]
    H = Wh0.shape[1]
    K = H if k == 0 else k
    idx = np.zeros((T, P, K), np.int64)
    val = np.zeros((T, P, K))
    for t in range(T):
        for p in range(P):
            pre = np.array([sum(Wh0[t, j, i] * X[t, p, i] for i in range(n_inputs[t]))
                            for j in range(H)])
            if k == 0:
                idx[t, p], val[t, p] = np.arange(H), np.tanh(pre)
            else:
                idx[t, p] = np.sort(np.argsort(-pre, kind="stable")[:k])
                val[t, p] = 1.0
    return idx, val


def symbolic_episode_accuracy(funcs, tasks, n_epochs, clip, eta, hidden="plastic", k=0,
                              active_only=False):
    """(R, T, S + 1, G) accuracies and (R, T, S + 1, G) near-tie counts (as naive.episode_accuracy)."""
    R, T = len(funcs), len(tasks)
    S, G = tasks.segment_end.shape[1], tasks.group_end.shape[1]
    out = np.zeros((R, T, S + 1, G))
    ties = np.zeros((R, T, S + 1, G), dtype=np.int64)
    if hidden == "fixed":
        idx, val = hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, k)

    def step(w, d):
        with np.errstate(all="ignore"):
            w = w + eta * d
        return w if np.isnan(w) else min(max(w, -clip), clip)

    for r, f in enumerate(funcs):
        def rule(a, o, w, m):
            with np.errstate(all="ignore"):
                return f(a, o, w, m)
        for t in range(T):
            n_i, O = tasks.n_inputs[t], tasks.n_outputs[t]
            Wh = tasks.W0_hidden[t, :, :n_i].copy()
            Wo = tasks.W0[t, :O].copy()
            B = tasks.W0[t, :O].copy()
            H = Wh.shape[0]

            def forward(p):
                with np.errstate(all="ignore"):
                    if hidden == "plastic":
                        h = np.tanh(Wh @ tasks.X[t, p, :n_i])
                        return h, Wo[:, :H] @ h - Wo[:, H]
                    h = np.zeros(H)
                    h[idx[t, p]] = val[t, p]
                    units = idx[t, p]
                    return h, Wo[:, units] @ val[t, p] - Wo[:, H]

            def score(row):
                start = tasks.segment_end[t, -1]
                for g in range(G):
                    end = tasks.group_end[t, g]
                    allowed = np.flatnonzero(tasks.group_mask[t, g, :O] > 0)
                    right = 0
                    for p in range(start, end):
                        z = forward(p)[1][allowed]
                        label = int(np.argmax(tasks.Y[t, p, :O]))
                        if not np.any(np.isnan(z)) and allowed[int(np.argmax(z))] == label:
                            right += 1
                        if len(z) > 1 and not np.any(np.isnan(z)):
                            top = np.sort(z)[-2:]
                            ties[r, t, row, g] += top[1] - top[0] <= 1e-9 * (1 + abs(top[1]))
                    out[r, t, row, g] = right / (end - start)
                    start = end

            score(0)
            start = 0
            for s in range(S):
                end = tasks.segment_end[t, s]
                for _ in range(n_epochs):
                    for p in range(start, end):
                        x = tasks.X[t, p, :n_i]
                        h, z = forward(p)
                        o = sigmoid(z)
                        e = tasks.Y[t, p, :O] - o
                        pre = np.append(h, -1.0)
                        learns = (np.append(np.isin(np.arange(H), idx[t, p]), True)
                                  if active_only else np.ones(H + 1, bool))
                        new_o = np.array([[step(Wo[c, j], rule(pre[j], o[c], Wo[c, j], e[c]))
                                           if learns[j] else Wo[c, j]
                                           for j in range(H + 1)] for c in range(O)])
                        if hidden == "plastic":
                            m_h = B[:, :H].T @ e
                            Wh = np.array([[step(Wh[j, i], rule(x[i], h[j], Wh[j, i], m_h[j]))
                                            for i in range(n_i)] for j in range(H)])
                        Wo = new_o
                start = end
                score(s + 1)
    return out, ties
