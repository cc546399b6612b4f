"""The slow, obvious NumPy reference of kernels/mlp_train.py: one optimizer, one task, whole
matrices, the update written out per op."""
import numpy as np


def _sign(x):
    return np.sign(x)


def program_update(row, theta, g, regs, t):
    """One step of an update program (kernels/mlp_train.py's PROGRAM rows)."""
    regs[5:] = 0.0
    regs[0] = g
    regs[1] = theta
    for s in range(10):
        op, dst, a, b, c = row[1 + 5 * s: 6 + 5 * s]
        op, dst, a, b = int(op), int(dst), int(a), int(b)
        x, y = regs[a].copy(), regs[b].copy()
        with np.errstate(all="ignore"):
            if op == 0:
                continue
            elif op == 1:
                r = x + y
            elif op == 2:
                r = x - y
            elif op == 3:
                r = x * y
            elif op == 4:
                r = np.where(y != 0, x / np.where(y != 0, y, 1.0), 0.0)
            elif op == 5:
                r = _sign(x)
            elif op == 6:
                r = np.sqrt(np.abs(x))
            elif op == 7:
                r = np.abs(x)
            elif op == 8:
                r = x * x
            elif op == 9:
                cc = min(1.0, max(0.0, c))
                r = cc * x + (1 - cc) * y
            elif op == 10:
                r = c * x
            elif op == 11:
                r = x + c
            elif op == 12:
                r = np.clip(x, -abs(c), abs(c))
            elif op == 13:
                cc = min(0.9999, max(0.0, c))
                r = x / (1 - cc ** t)
            elif op == 14:
                r = np.full_like(x, c)
        regs[dst] = r
    return theta - row[0] * regs[7]


def feature_update(row, theta, g, acc, t):
    acc[0] = 0.5 * acc[0] + 0.5 * g
    acc[1] = 0.9 * acc[1] + 0.1 * g
    acc[2] = 0.99 * acc[2] + 0.01 * g
    acc[3] = 0.999 * acc[3] + 0.001 * g * g
    m1, m2, m3 = acc[0] / (1 - 0.5 ** t), acc[1] / (1 - 0.9 ** t), acc[2] / (1 - 0.99 ** t)
    rms = np.sqrt(acc[3] / (1 - 0.999 ** t)) + 1e-8
    feats = [g, m1, m2, m3, g / rms, m1 / rms, m2 / rms, m3 / rms, _sign(g), _sign(m2),
             _sign(m3), theta]
    u = sum(c * f for c, f in zip(row[1:], feats))
    return theta - row[0] * u


def unpack(theta, d, widths):
    """Flat parameters -> [(W (out, in), b (out,)), ...]."""
    layers, p, prev = [], 0, d
    for w in widths:
        W = theta[p:p + w * prev].reshape(w, prev)
        b = theta[p + w * prev:p + w * prev + w]
        layers.append((W, b))
        p += w * prev + w
        prev = w
    return layers


def loss_and_grad(theta, X, Y, d, widths, relu, loss_kind):
    layers = unpack(theta, d, widths)
    hs, zs = [X], []
    for i, (W, b) in enumerate(layers):
        z = hs[-1] @ W.T + b
        zs.append(z)
        if i < len(layers) - 1:
            hs.append(np.maximum(z, 0.0) if relu else np.tanh(z))
    out = zs[-1]
    n, o = out.shape
    if loss_kind == 0:
        shifted = out - out.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -(Y * logp).sum() / n
        delta = (np.exp(logp) - Y) / n
    else:
        loss = ((out - Y) ** 2).sum() / (n * o)
        delta = 2 * (out - Y) / (n * o)
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        W, b = layers[i]
        grads.append((delta.T @ hs[i], delta.sum(axis=0)))
        if i > 0:
            dh = delta @ W
            delta = dh * ((zs[i - 1] > 0) if relu else (1 - hs[i] ** 2))
    grads.reverse()
    return loss, np.concatenate([np.concatenate([gW.ravel(), gb]) for gW, gb in grads])


def train(mode, row, X, Y, d, n_out, arch_row, n_train, n_pat, theta0, batches, E, scale=1.0):
    """(test losses (E+1,), train losses (S,)) of one optimizer on one task whose loss is
    multiplied by `scale`."""
    n_hidden, relu, loss_kind = int(arch_row[0]), arch_row[4] == 1, int(arch_row[5])
    B, S = int(arch_row[6]), int(arch_row[7])
    widths = [int(w) for w in arch_row[1:1 + n_hidden]] + [int(n_out)]
    n = sum(w * p + w for w, p in zip(widths, [d] + widths[:-1]))
    theta = theta0[:n].copy()
    Xd, Yd = X[:, :d], Y[:, :n_out]
    test = slice(n_train, n_pat)
    test_loss = np.full(E + 1, np.inf)
    train_loss = np.full(S, np.inf)
    state = np.zeros((8, n)) if mode == 0 else np.zeros((4, n))

    def measure():
        with np.errstate(all="ignore"):
            return scale * loss_and_grad(theta, Xd[test], Yd[test], d, widths, relu,
                                         loss_kind)[0]

    test_loss[0] = measure()
    if not np.isfinite(test_loss[0]):
        return test_loss, train_loss
    checkpoint = 1
    for s in range(S):
        rows = batches[s, :B]
        with np.errstate(all="ignore"):
            loss, g = loss_and_grad(theta, Xd[rows], Yd[rows], d, widths, relu, loss_kind)
            loss, g = scale * loss, scale * g
        if not np.isfinite(loss):
            return test_loss, train_loss
        train_loss[s] = loss
        with np.errstate(all="ignore"):
            if mode == 0:
                theta = program_update(row, theta, g, state, s + 1.0)
            else:
                theta = feature_update(row, theta, g, state, s + 1.0)
        if not np.all(np.isfinite(theta)):
            train_loss[s] = np.inf
            return test_loss, train_loss
        while checkpoint <= E and (s + 1) * E >= checkpoint * S:
            v = measure()
            if not np.isfinite(v):
                return test_loss, train_loss
            test_loss[checkpoint] = v
            checkpoint += 1
    return test_loss, train_loss
