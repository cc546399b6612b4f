"""Slow, obviously correct NumPy references the numba kernels are tested against."""
import numpy as np


def sigmoid(s):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-s))


def chalmers_curves(coef, tasks, n_epochs, clip):
    """(R, 11) rules x TaskSet -> (R, T, E+1), one rule and one task at a time."""
    R, T = len(coef), len(tasks)
    out = np.zeros((R, T, n_epochs + 1))
    for r in range(R):
        k = coef[r]
        for task in range(T):
            p_n, i_n, o_n = tasks.n_patterns[task], tasks.n_inputs[task], tasks.n_outputs[task]
            X = tasks.X[task, :p_n, :i_n]
            Y = tasks.Y[task, :p_n, :o_n]
            W = tasks.W0[task, :o_n, :i_n].copy()

            def perf():
                err = np.abs(Y - sigmoid(X @ W.T)).mean()
                return 0.0 if np.isnan(err) else 1.0 - err

            out[r, task, 0] = perf()
            for e in range(n_epochs):
                for p in range(p_n):
                    a = X[p][None, :]          # (1, I)
                    with np.errstate(invalid="ignore"):
                        o = sigmoid(W @ X[p])[:, None]  # (O, 1)
                    t = Y[p][:, None]
                    with np.errstate(all="ignore"):
                        dw = k[0] * (k[1] * W + k[2] * a + k[3] * o + k[4] * t
                                     + k[5] * W * a + k[6] * W * o + k[7] * W * t
                                     + k[8] * a * o + k[9] * a * t + k[10] * o * t)
                        W = np.clip(W + dw, -clip, clip)
                out[r, task, e + 1] = perf()
    return out


def symbolic_curves(funcs, tasks, n_epochs, clip):
    """Rules as Python functions f(w, a, o, t) -> dw, applied synapse by synapse."""
    R, T = len(funcs), len(tasks)
    out = np.zeros((R, T, n_epochs + 1))
    for r, f in enumerate(funcs):
        for task in range(T):
            p_n, i_n, o_n = tasks.n_patterns[task], tasks.n_inputs[task], tasks.n_outputs[task]
            X = tasks.X[task, :p_n, :i_n]
            Y = tasks.Y[task, :p_n, :o_n]
            W = tasks.W0[task, :o_n, :i_n].copy()

            def perf():
                with np.errstate(all="ignore"):
                    err = np.abs(Y - sigmoid(X @ W.T)).mean()
                return 0.0 if np.isnan(err) else 1.0 - err

            out[r, task, 0] = perf()
            for e in range(n_epochs):
                for p in range(p_n):
                    with np.errstate(all="ignore"):
                        o = sigmoid(W @ X[p])
                    new = W.copy()
                    for j in range(o_n):
                        for i in range(i_n):
                            with np.errstate(all="ignore"):
                                dw = f(W[j, i], X[p, i], o[j], Y[p, j])
                                w = W[j, i] + dw
                            new[j, i] = w if np.isnan(w) else min(max(w, -clip), clip)
                    W = new
                out[r, task, e + 1] = perf()
    return out


def symbolic_curves_learner(funcs, tasks, n_epochs, clip, learner, eta, seed=0):
    """Student (linear, 1/(1+MSE)) and reward (stochastic sigmoid) learners, one synapse at a time.

    funcs take the learner's variables: student f(u_target, u, psp),
    reward f(R, E). The reward learner's coin flips come from the kernel's
    counter-based noise (the thing under test is the learning, not the RNG),
    indexed like the kernel: tasks by decreasing pattern count, then outputs.
    """
    from evo_l2l.kernels.symbolic import uniform_noise
    R, T = len(funcs), len(tasks)
    out = np.zeros((R, T, n_epochs + 1))
    order = np.argsort(-tasks.n_patterns, kind="stable")
    seg_base = {}
    g = 0
    for task in order:
        seg_base[task] = g
        g += tasks.n_outputs[task]
    for r, f in enumerate(funcs):
        for task in range(T):
            p_n, i_n, o_n = tasks.n_patterns[task], tasks.n_inputs[task], tasks.n_outputs[task]
            X = tasks.X[task, :p_n, :i_n]
            Y = tasks.Y[task, :p_n, :o_n]
            W = tasks.W0[task, :o_n, :i_n].copy()

            def perf():
                with np.errstate(all="ignore"):
                    if learner == "student":
                        v = 1.0 / (1.0 + ((Y - X @ W.T) ** 2).mean())
                    else:
                        v = 1.0 - np.abs(Y - sigmoid(X @ W.T)).mean()
                return 0.0 if np.isnan(v) else v

            out[r, task, 0] = perf()
            for e in range(n_epochs):
                for p in range(p_n):
                    with np.errstate(all="ignore"):
                        s = W @ X[p]
                    o = s if learner == "student" else sigmoid(s)
                    new = W.copy()
                    for j in range(o_n):
                        if learner == "reward":
                            y = 1.0 if uniform_noise(seed, seg_base[task] + j, e, p) < o[j] else 0.0
                            reward = 1.0 if y == Y[p, j] else 0.0
                        for i in range(i_n):
                            with np.errstate(all="ignore"):
                                if learner == "student":
                                    dw = f(Y[p, j], o[j], X[p, i])
                                else:
                                    dw = f(reward, (y - o[j]) * X[p, i])
                                w = W[j, i] + eta * dw
                            new[j, i] = w if np.isnan(w) else min(max(w, -clip), clip)
                    W = new
                out[r, task, e + 1] = perf()
    return out


def volterra_curves(coef, tasks, n_epochs, clip, eta):
    """dw_i = eta * sum_abc A_abc x_i^a y^b w_i^c for a linear neuron, one rule at a time."""
    R, T = len(coef), len(tasks)
    out = np.zeros((R, T, n_epochs + 1))
    for r in range(R):
        A = coef[r].reshape(3, 3, 3)
        for task in range(T):
            n_p, n_i = tasks.n_patterns[task], tasks.n_inputs[task]
            X = tasks.X[task, :n_p, :n_i]
            d = tasks.direction[task, :n_i]
            w = tasks.W0[task, 0, :n_i].copy()

            def perf():
                with np.errstate(all="ignore"):
                    norm = np.linalg.norm(w)
                    v = abs(w @ d) / norm * np.exp(-(norm - 1) ** 2) if norm > 0 else 0.0
                return 0.0 if np.isnan(v) else v

            out[r, task, 0] = perf()
            for e in range(n_epochs):
                for p in range(n_p):
                    with np.errstate(all="ignore"):
                        y = w @ X[p]
                        dw = np.zeros(n_i)
                        for a in range(3):
                            for b in range(3):
                                for c in range(3):
                                    dw += A[a, b, c] * X[p] ** a * y ** b * w ** c
                        w = w + eta * dw
                    w = np.where(np.isnan(w), w, np.clip(w, -clip, clip))
                out[r, task, e + 1] = perf()
    return out


BENGIO_TERMS = ((), ("a",), ("o",), ("w",), ("m",), ("a", "o"), ("a", "w"), ("a", "m"),
                ("o", "w"), ("o", "m"), ("w", "m"), ("a", "o", "w"), ("a", "o", "m"),
                ("a", "w", "m"), ("o", "w", "m"), ("a", "o", "w", "m"))


def bengio_curves(coef, X, Y, Wh0, Wo0, n_patterns, n_inputs, n_epochs, clip):
    """Two-layer nets, one shared local rule sum_k c_k prod(vars_k), all synapses one by one."""
    def rule(c):
        def dw(a, o, w, m):
            v = {"a": a, "o": o, "w": w, "m": m}
            return sum(ck * np.prod([v[n] for n in term]) for ck, term in zip(c, BENGIO_TERMS))
        return dw
    return two_layer_rule_curves([rule(c) for c in coef], X, Y, Wh0, Wo0, n_patterns, n_inputs,
                                 n_epochs, clip)


def two_layer_rule_curves(funcs, X, Y, Wh0, Wo0, n_patterns, n_inputs, n_epochs, clip):
    """Two-layer nets trained by dw = f(a, o, w, m) for each f in funcs, synapse by synapse."""
    R, T = len(funcs), len(X)
    out = np.zeros((R, T, n_epochs + 1))
    for r in range(R):
        rule = funcs[r]
        for task in range(T):
            n_p, n_i = n_patterns[task], n_inputs[task]
            Wh = Wh0[task, :, :n_i].copy()
            Wo = Wo0[task, 0].copy()

            def forward(x):
                with np.errstate(all="ignore"):
                    h = sigmoid(Wh @ x)
                    return h, sigmoid(Wo[:-1] @ h - Wo[-1])

            def perf():
                err = np.mean([abs(Y[task, p, 0] - forward(X[task, p, :n_i])[1]) for p in range(n_p)])
                return 0.0 if np.isnan(err) else 1.0 - err

            out[r, task, 0] = perf()
            for e in range(n_epochs):
                for p in range(n_p):
                    x = X[task, p, :n_i]
                    h, o = forward(x)
                    m = Y[task, p, 0] - o
                    with np.errstate(all="ignore"):
                        pre = np.append(h, -1.0)
                        new_o = np.array([Wo[j] + rule(pre[j], o, Wo[j], m)
                                          for j in range(len(Wo))])
                        new_h = np.array([[Wh[j, i] + rule(x[i], h[j], Wh[j, i], m)
                                           for i in range(n_i)] for j in range(len(h))])
                    Wo = np.where(np.isnan(new_o), new_o, np.clip(new_o, -clip, clip))
                    Wh = np.where(np.isnan(new_h), new_h, np.clip(new_h, -clip, clip))
                out[r, task, e + 1] = perf()
    return out


def conditioning_curves(coef, tasks, n_epochs, clip):
    """The conditioning circuit trial by trial, one rule and one protocol at a time."""
    terms = ((), ("a",), ("o",), ("w",), ("f",), ("a", "o"), ("a", "w"), ("a", "f"),
             ("o", "w"), ("o", "f"), ("w", "f"), ("a", "o", "w"), ("a", "o", "f"),
             ("a", "w", "f"), ("o", "w", "f"), ("a", "o", "w", "f"))

    def rule(c):
        def dw(a, o, w, f):
            v = {"a": a, "o": o, "w": w, "f": f}
            return sum(ck * np.prod([v[n] for n in t]) for ck, t in zip(c, terms))
        return dw
    return conditioning_rule_curves([rule(c) for c in coef], tasks, n_epochs, clip)


def conditioning_rule_curves(funcs, tasks, n_epochs, clip):
    """The conditioning circuit trained by dw = f(a, o, w, f) for each f in funcs."""
    R, T = len(funcs), len(tasks)
    out = np.zeros((R, T, n_epochs + 1))
    for r in range(R):
        for k in range(T):
            X, Y, P = tasks.X[k], tasks.Y[k, :, 0], tasks.n_patterns[k]
            w1, w2, w_us, bias = tasks.W0[k, 0]
            probes = [p for p in range(P) if X[p, 3]]
            resp = lambda a, b, p: sigmoid(a * X[p, 0] + b * X[p, 1] + w_us * X[p, 2] + bias)
            out[r, k, 0] = 1 - np.mean([abs(Y[p] - resp(w1, w2, p)) for p in probes])
            w = [w1, w2]
            for e in range(n_epochs):
                errs = []
                for p in range(P):
                    with np.errstate(all="ignore"):
                        o = resp(w[0], w[1], p)
                    if X[p, 3]:
                        errs.append(abs(Y[p] - o))
                        continue
                    f = X[p, 2]
                    new = []
                    for i in range(2):
                        with np.errstate(all="ignore"):
                            wi = w[i] + funcs[r](X[p, i], o, w[i], f)
                        new.append(wi if np.isnan(wi) else min(max(wi, -clip), clip))
                    w = new
                m = np.mean(errs)
                out[r, k, e + 1] = 0.0 if np.isnan(m) else 1 - m
    return out


def episode_accuracy(coef, tasks, n_epochs, clip, meta=None, W0_rule=None, gain=None):
    """Episode nets (kernels/episode_net.py), one rule, one episode, one synapse at a time:
    (R, T, S + 1, G) argmax accuracy of each test group before training and after each
    segment (coef rows: 16 shared or 32 = output layer's then hidden layer's), and
    (R, T, S + 1, G) the number of its patterns whose two best allowed outputs
    are within 1e-9 (relative) of each other, where rounding may pick either (saturated
    hidden units and clipped weights make exact ties).

    meta: [(A (32,), B (32,), lam, tau)] per rule: the meta-plastic second rule
    (kernels/metaplastic.py) changes the 32 coefficients after every pattern; the
    coefficients after each segment are then returned too (R, T, S + 1, 32).

    W0_rule (R, H, >= I): each rule's own initial hidden weights (evolved initial state,
    rules/bengio_init.py) in place of the episode's; gain (R,): each rule's factor on the
    episode's initial output weights (the feedback weights stay the episode's)."""
    R, T = len(coef), len(tasks)
    S, G = tasks.segment_end.shape[1], tasks.group_end.shape[1]
    out = np.zeros((R, T, S + 1, G))
    ties = np.zeros((R, T, S + 1, G), dtype=np.int64)

    def dw(c, a, o, w, m):
        v = {"a": a, "o": o, "w": w, "m": m}
        return sum(ck * np.prod([v[n] for n in term]) for ck, term in zip(c, BENGIO_TERMS))

    def clipped(w):
        return w if np.isnan(w) else min(max(w, -clip), clip)

    trace = np.zeros((R, T, S + 1, 32))
    for r in range(R):
        for t in range(T):
            cur = np.concatenate([coef[r][:16], coef[r][-16:]])
            c0 = cur.copy()
            ebar = None
            trace[r, t, 0] = cur
            n_i, O = tasks.n_inputs[t], tasks.n_outputs[t]
            Wh = (tasks.W0_hidden[t] if W0_rule is None else W0_rule[r])[:, :n_i].copy()
            Wo = tasks.W0[t, :O] * (1.0 if gain is None else gain[r])
            B = tasks.W0[t, :O].copy()
            H = Wh.shape[0]

            def forward(x):
                with np.errstate(all="ignore"):
                    h = np.tanh(Wh @ x)
                    return h, Wo[:, :H] @ h - Wo[:, H]

            def score(row):
                start = tasks.segment_end[t, -1]
                for g in range(G):
                    end = tasks.group_end[t, g]
                    allowed = np.flatnonzero(tasks.group_mask[t, g, :O] > 0)
                    right = 0
                    for p in range(start, end):
                        z = forward(tasks.X[t, p, :n_i])[1][allowed]
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
                        h, z = forward(x)
                        with np.errstate(all="ignore"):
                            o = sigmoid(z)
                            e = tasks.Y[t, p, :O] - o
                            pre = np.append(h, -1.0)
                            new_o = np.array([[clipped(Wo[c, j] + dw(cur[:16], pre[j], o[c], Wo[c, j], e[c]))
                                               for j in range(H + 1)] for c in range(O)])
                            m_h = B[:, :H].T @ e
                            new_h = np.array([[clipped(Wh[j, i] + dw(cur[16:], x[i], h[j], Wh[j, i], m_h[j]))
                                               for i in range(n_i)] for j in range(H)])
                        Wo, Wh = new_o, new_h
                        if meta is not None:
                            A, Bm, lam, tau = meta[r]
                            err = np.mean(e ** 2)
                            ebar = err if ebar is None else ebar
                            cur = cur + A * (err - ebar) + Bm * ebar + lam * (c0 - cur)
                            ebar = ebar + tau * (err - ebar)
                start = end
                trace[r, t, s + 1] = cur
                score(s + 1)
    if meta is not None:
        return out, ties, trace
    return out, ties


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def srwm_step(W, x, mode="full"):
    """One SRWM step of one head (Irie et al. 2022), W (3E + 4, E) -> (new W, y)."""
    E = W.shape[1]
    main = W @ softmax(x)
    y = main[:E]
    if mode == "none":
        return W, y
    q, k = softmax(main[E:2 * E]), softmax(main[2 * E:3 * E])
    beta = np.full(4, 0.5) if mode == "fixed_rate" else sigmoid(main[3 * E:])
    rate = np.repeat(beta, [E, E, E, 4])
    return W + np.outer(rate * (W @ q - W @ k), k), y


def srwm_episodes(W0, Z, n_support, query_end, label, n_way, n_heads, slot, mode="full"):
    """(R, K) initial matrices -> (acc, prob) (R, T, L + 1), one head, step and query at a
    time; columns past an episode's support repeat its last value."""
    R, T, E = len(W0), len(Z), Z.shape[2]
    L = int(n_support.max())
    acc, prob = np.zeros((R, T, L + 1)), np.zeros((R, T, L + 1))
    for r in range(R):
        for t in range(T):
            Ws = list(W0[r].reshape(n_heads, 3 * E + 4, E))

            def score():
                hits, ptot = [], []
                for p in range(n_support[t], query_end[t]):
                    z = sum(W[slot:slot + n_way[t]] @ softmax(Z[t, p]) for W in Ws)
                    hits.append(np.argmax(z) == label[t, p])
                    ptot.append(softmax(z)[label[t, p]])
                return np.mean(hits), np.mean(ptot)

            acc[r, t, 0], prob[r, t, 0] = score()
            for p in range(n_support[t]):
                Ws = [srwm_step(W, Z[t, p], mode)[0] for W in Ws]
                acc[r, t, p + 1], prob[r, t, p + 1] = score()
            acc[r, t, n_support[t] + 1:] = acc[r, t, n_support[t]]
            prob[r, t, n_support[t] + 1:] = prob[r, t, n_support[t]]
    return acc, prob


def mixed_two_layer_curves(rows, X, Y, Wh0, Wo0, n_patterns, n_inputs, n_epochs, budget):
    """Two-layer nets whose learner comes with each rule (rules/bengio_automl.py rows), one
    net at a time: the first H initial hidden units (and the hidden bias weight, Wo0's last)
    times init_scale, hidden activation sigmoid or tanh, dw = eta * sum on_k c_k prod(vars_k),
    clip, epochs cut to the budget (synapse updates per task), performance held after."""
    R, T = len(rows), len(X)
    out = np.zeros((R, T, n_epochs + 1))
    for r, row in enumerate(rows):
        c = np.asarray(row[:16]) * np.asarray(row[22:38]) * row[18]
        H, act, clip, scale = int(row[16]), int(row[17]), row[21], row[20]
        f = sigmoid if act == 0 else np.tanh

        def rule(a, o, w, m):
            v = {"a": a, "o": o, "w": w, "m": m}
            return sum(ck * np.prod([v[n] for n in term]) for ck, term in zip(c, BENGIO_TERMS))

        for task in range(T):
            n_p, n_i = n_patterns[task], n_inputs[task]
            epochs = min(int(row[19]), n_epochs, budget // (n_p * (H * n_i + H + 1)))
            epochs = max(1, epochs)
            Wh = scale * Wh0[task, :H, :n_i]
            Wo = scale * np.append(Wo0[task, 0, :H], Wo0[task, 0, -1])

            def forward(x):
                with np.errstate(all="ignore"):
                    h = f(Wh @ x)
                    return h, sigmoid(Wo[:-1] @ h - Wo[-1])

            def perf():
                err = np.mean([abs(Y[task, p, 0] - forward(X[task, p, :n_i])[1]) for p in range(n_p)])
                return 0.0 if np.isnan(err) else 1.0 - err

            out[r, task, 0] = last = perf()
            for e in range(n_epochs):
                if e < epochs:
                    for p in range(n_p):
                        x = X[task, p, :n_i]
                        h, o = forward(x)
                        m = Y[task, p, 0] - o
                        with np.errstate(all="ignore"):
                            pre = np.append(h, -1.0)
                            new_o = np.array([Wo[j] + rule(pre[j], o, Wo[j], m) for j in range(H + 1)])
                            new_h = np.array([[Wh[j, i] + rule(x[i], h[j], Wh[j, i], m)
                                               for i in range(n_i)] for j in range(H)])
                        Wo = np.where(np.isnan(new_o), new_o, np.clip(new_o, -clip, clip))
                        Wh = np.where(np.isnan(new_h), new_h, np.clip(new_h, -clip, clip))
                    last = perf()
                out[r, task, e + 1] = last
    return out
