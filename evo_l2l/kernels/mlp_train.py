"""Numba kernel: small MLPs trained by minibatch backprop, each parameter moved by an
optimizer under test (learning to optimize: Chen et al. 2023 "Symbolic discovery of
optimization algorithms" (Lion); Metz et al. 2022 VeLO; Lange et al. 2023 LES).

One call trains R optimizers x T tasks (one parallel job per pair, each writing only its own
output slots). A task is a dataset (rows 0..n_train-1 train, n_train..n_patterns-1 test), an
MLP (1-3 hidden layers with biases, tanh or ReLU; a linear output layer), a loss (softmax
cross-entropy on one-hot targets, or squared error averaged over batch and outputs as
torch.nn.MSELoss), a minibatch sequence and an initial parameter vector. Per step: the loss
and gradient on the step's minibatch, then every parameter moves by w -= lr * u where u is
the optimizer's update from that parameter's local state.

Optimizers reach the kernel as float64 rows (R, K); `mode` says how to read them:

PROGRAM (rules/update_programs.py): row = [lr, then N_SLOTS instructions of
    (op, dst, a, b, c)]. Per parameter a register file: 0 g (gradient), 1 w (weight), 2-4
    state slots (persist across steps, start at 0), 5-6 temporaries and 7 u (the update),
    both zeroed before each step. Instructions run in order; t is the step count from 1.
    Ops: nop, add, sub, mul, div (0 where the divisor is 0), sign, sqrt(|a|), abs, square,
    interp (c*a + (1-c)*b, c clipped to [0, 1]), scale (c*a), shift (a + c),
    clip (to [-|c|, |c|]), debias (a / (1 - c^t), c clipped to [0, 0.9999]), const (c).

FEATURES (rules/learned_optimizers.py): row = [lr, c_0..c_11]; u = sum c_i f_i over
    per-parameter features from accumulators m_b = interp(m_b, g, b) for b in (0.5, 0.9,
    0.99) and v = interp(v, g^2, 0.999), each divided by (1 - b^t); rms = sqrt(v^) + 1e-8:
    g, m.5, m.9, m.99, g/rms, m.5/rms, m.9/rms, m.99/rms, sign(g), sign(m.9), sign(m.99), w.

Shapes (T tasks, P rows, D inputs, O outputs, R optimizers, S steps, B batch, E checkpoints):

    rows        (R, K)       optimizers
    X, Y        (T, P, D), (T, P, O) data, zero padded
    n_in, n_out (T,)         inputs and outputs of each task
    arch        (T, 8) i8    n_hidden, h1, h2, h3, activation (0 tanh, 1 relu),
                             loss (0 cross-entropy, 1 squared), batch size, steps
    n_train, n_pat (T,)      training rows, all rows
    loss_scale  (T,)         each task's loss is its mean loss times this factor (so are
                             its gradients: the same problem, gradients of another size)
    theta0      (T, Q)       initial parameters: per layer W (out x in, row-major) then b
    batches     (T, S, B) i8 each step's training rows
    test_loss   (R, T, E+1)  out: mean loss on the test rows before training and after
                             each of E equal parts of the steps; inf once diverged
    train_loss  (R, T, S)    out: each step's minibatch loss (before its update); inf once
                             diverged
A run diverges when a loss or a parameter is not finite; it then stops. Every division is
guarded (or by a positive number), so error_model="numpy" changes no result and lets the
loops with divisions vectorise.
The obvious NumPy reference is tests/naive_mlp.py.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

PROGRAM, FEATURES = 0, 1
N_REGISTERS, N_STATE, FIRST_STATE, FIRST_TEMP, U = 8, 3, 2, 5, 7
N_SLOTS, SLOT = 10, 5
N_FEATURES = 12
N_OPS = 15
ARCH_COLUMNS = 8


@njit(cache=True, error_model="numpy")
def n_params(n_in, arch_row, n_out):
    """Parameters of a task's MLP."""
    n = 0
    prev = n_in
    for layer in range(arch_row[0] + 1):
        width = arch_row[1 + layer] if layer < arch_row[0] else n_out
        n += width * prev + width
        prev = width
    return n


@njit(cache=True, error_model="numpy")
def _forward(theta, X, rows, n_rows, d, arch_row, n_out, actsT, preT, offs):
    """Activations of every layer for the given rows, feature-major: actsT[offs[l] + k, i] is
    unit k of layer l (layer 0: the inputs) on row i; preT the hidden pre-activations. Each
    unit's sum is its bias, then weight x input in input order (the loops over rows are
    elementwise, so they vectorise without reordering any sum)."""
    L = arch_row[0] + 1
    relu = arch_row[4] == 1
    for j in range(d):
        for i in range(n_rows):
            actsT[j, i] = X[rows[i], j]
    p = 0
    prev = d
    for layer in range(L):
        width = arch_row[1 + layer] if layer < L - 1 else n_out
        a_in, a_out = offs[layer], offs[layer + 1]
        for k in range(width):
            bias = theta[p + width * prev + k]
            z = actsT[a_out + k]
            for i in range(n_rows):
                z[i] = bias
            base = p + k * prev
            for j in range(prev):
                w = theta[base + j]
                x = actsT[a_in + j]
                for i in range(n_rows):
                    z[i] += w * x[i]
            if layer < L - 1:
                pz = preT[a_out + k]
                for i in range(n_rows):
                    pz[i] = z[i]
                    if relu:
                        z[i] = z[i] if z[i] > 0.0 else 0.0
                    else:
                        z[i] = math.tanh(z[i])
        p += width * prev + width
        prev = width


@njit(cache=True, error_model="numpy")
def _loss_and_delta(Y, rows, n_rows, n_out, loss_kind, actsT, out_off, delta, want_delta):
    """Mean loss over the rows; delta[k, i] = d loss / d output pre-activation k of row i."""
    total = 0.0
    for i in range(n_rows):
        r = rows[i]
        if loss_kind == 0:
            mx = actsT[out_off, i]
            for k in range(1, n_out):
                if actsT[out_off + k, i] > mx:
                    mx = actsT[out_off + k, i]
            z = 0.0
            for k in range(n_out):
                z += math.exp(actsT[out_off + k, i] - mx)
            # log-softmax as (a - max) - log z: with mx + log z a huge logit would absorb
            # log z and the loss of any output read 0
            logz = math.log(z)
            for k in range(n_out):
                logp = (actsT[out_off + k, i] - mx) - logz
                total -= Y[r, k] * logp
                if want_delta:
                    delta[k, i] = (math.exp(logp) - Y[r, k]) / n_rows
        else:
            for k in range(n_out):
                e = actsT[out_off + k, i] - Y[r, k]
                total += e * e / n_out
                if want_delta:
                    delta[k, i] = 2.0 * e / (n_rows * n_out)
    return total / n_rows


@njit(cache=True, error_model="numpy")
def _backward(theta, grad, arch_row, d, n_out, n_rows, actsT, preT, acts, offs, delta, dprev):
    """grad = d loss / d theta, from the output deltas (delta is overwritten). Every sum
    runs over rows (weights, biases) or units (deltas) in order, in loops that vectorise
    elementwise; acts is a row-major copy of a layer's inputs for the weights' sums."""
    L = arch_row[0] + 1
    relu = arch_row[4] == 1
    starts = np.empty(L + 1, dtype=np.int64)
    starts[0] = 0
    prev = d
    for layer in range(L):
        width = arch_row[1 + layer] if layer < L - 1 else n_out
        starts[layer + 1] = starts[layer] + width * prev + width
        prev = width
    for layer in range(L - 1, -1, -1):
        width = arch_row[1 + layer] if layer < L - 1 else n_out
        fan_in = arch_row[layer] if layer > 0 else d
        p = starts[layer]
        a_in = offs[layer]
        for i in range(n_rows):
            for j in range(fan_in):
                acts[i, j] = actsT[a_in + j, i]
        for k in range(width):
            dk = delta[k]
            gb = 0.0
            for i in range(n_rows):
                gb += dk[i]
            grad[p + width * fan_in + k] = gb
            base = p + k * fan_in
            for j in range(fan_in):
                grad[base + j] = 0.0
            for i in range(n_rows):
                di = dk[i]
                a = acts[i]
                for j in range(fan_in):
                    grad[base + j] += di * a[j]
        if layer > 0:
            for j in range(fan_in):
                dj = dprev[j]
                for i in range(n_rows):
                    dj[i] = 0.0
            for k in range(width):
                dk = delta[k]
                base = p + k * fan_in
                for j in range(fan_in):
                    w = theta[base + j]
                    dj = dprev[j]
                    for i in range(n_rows):
                        dj[i] += dk[i] * w
            for j in range(fan_in):
                dj = dprev[j]
                h = actsT[a_in + j]
                z = preT[a_in + j]
                out = delta[j]
                for i in range(n_rows):
                    if relu:
                        out[i] = dj[i] if z[i] > 0.0 else 0.0
                    else:
                        out[i] = dj[i] * (1.0 - h[i] * h[i])


@njit(cache=True, error_model="numpy")
def _program_update(row, theta, grad, regs, n, t):
    """theta -= lr * u of the update program `row` (registers regs (N_REGISTERS, n)); one
    loop over the parameters per instruction."""
    lr = row[0]
    for k in range(FIRST_TEMP, N_REGISTERS):
        regs[k, :n] = 0.0
    regs[0, :n] = grad[:n]
    regs[1, :n] = theta[:n]
    for s in range(N_SLOTS):
        base = 1 + s * SLOT
        op = int(row[base])
        if op == 0:
            continue
        out = regs[int(row[base + 1])]
        x = regs[int(row[base + 2])]
        y = regs[int(row[base + 3])]
        c = row[base + 4]
        # out may be x or y: each element is read before it is written
        if op == 1:
            for j in range(n):
                out[j] = x[j] + y[j]
        elif op == 2:
            for j in range(n):
                out[j] = x[j] - y[j]
        elif op == 3:
            for j in range(n):
                out[j] = x[j] * y[j]
        elif op == 4:
            for j in range(n):
                out[j] = x[j] / y[j] if y[j] != 0.0 else 0.0
        elif op == 5:
            for j in range(n):
                out[j] = 1.0 if x[j] > 0.0 else (-1.0 if x[j] < 0.0 else 0.0)
        elif op == 6:
            for j in range(n):
                out[j] = math.sqrt(abs(x[j]))
        elif op == 7:
            for j in range(n):
                out[j] = abs(x[j])
        elif op == 8:
            for j in range(n):
                out[j] = x[j] * x[j]
        elif op == 9:
            cc = min(1.0, max(0.0, c))
            for j in range(n):
                out[j] = cc * x[j] + (1.0 - cc) * y[j]
        elif op == 10:
            for j in range(n):
                out[j] = c * x[j]
        elif op == 11:
            for j in range(n):
                out[j] = x[j] + c
        elif op == 12:
            m = abs(c)
            for j in range(n):
                out[j] = min(m, max(-m, x[j]))
        elif op == 13:
            cc = min(0.9999, max(0.0, c))
            scale = 1.0 - cc ** t
            for j in range(n):
                out[j] = x[j] / scale
        elif op == 14:
            for j in range(n):
                out[j] = c
    u = regs[U]
    for j in range(n):
        theta[j] -= lr * u[j]


@njit(cache=True, error_model="numpy")
def _feature_update(row, theta, grad, acc, n, t):
    """theta -= lr * sum c_i f_i (see the module docstring); acc (4, n) accumulators."""
    lr = row[0]
    c1 = 1.0 - 0.5 ** t
    c2 = 1.0 - 0.9 ** t
    c3 = 1.0 - 0.99 ** t
    c4 = 1.0 - 0.999 ** t
    for j in range(n):
        g = grad[j]
        acc[0, j] = 0.5 * acc[0, j] + 0.5 * g
        acc[1, j] = 0.9 * acc[1, j] + 0.1 * g
        acc[2, j] = 0.99 * acc[2, j] + 0.01 * g
        acc[3, j] = 0.999 * acc[3, j] + 0.001 * (g * g)
        m1 = acc[0, j] / c1
        m2 = acc[1, j] / c2
        m3 = acc[2, j] / c3
        rms = math.sqrt(acc[3, j] / c4) + 1e-8
        u = (row[1] * g + row[2] * m1 + row[3] * m2 + row[4] * m3
             + row[5] * (g / rms) + row[6] * (m1 / rms) + row[7] * (m2 / rms)
             + row[8] * (m3 / rms)
             + row[9] * (1.0 if g > 0.0 else (-1.0 if g < 0.0 else 0.0))
             + row[10] * (1.0 if m2 > 0.0 else (-1.0 if m2 < 0.0 else 0.0))
             + row[11] * (1.0 if m3 > 0.0 else (-1.0 if m3 < 0.0 else 0.0))
             + row[12] * theta[j])
        theta[j] -= lr * u


@njit(cache=True, error_model="numpy")
def _test_loss(theta, X, Y, test_rows, d, arch_row, n_out, actsT, preT, offs, delta):
    _forward(theta, X, test_rows, len(test_rows), d, arch_row, n_out, actsT, preT, offs)
    return _loss_and_delta(Y, test_rows, len(test_rows), n_out, arch_row[5], actsT,
                           offs[arch_row[0] + 1], delta, False)


@njit(cache=True, error_model="numpy")
def _train_one(mode, row, X, Y, d, n_out, arch_row, n_train, n_pat, scale, theta0, batches,
               test_loss, train_loss):
    """One optimizer on one task: fills test_loss (E+1,) and train_loss (S,)."""
    L = arch_row[0] + 1
    B, S = arch_row[6], arch_row[7]
    E = test_loss.shape[0] - 1
    n = n_params(d, arch_row, n_out)
    offs = np.empty(L + 2, dtype=np.int64)
    offs[0] = 0
    offs[1] = d
    widest = max(d, n_out)
    for layer in range(L):
        width = arch_row[1 + layer] if layer < L - 1 else n_out
        offs[layer + 2] = offs[layer + 1] + width
        widest = max(widest, width)
    n_test = n_pat - n_train
    rows_max = max(B, n_test)
    actsT = np.empty((offs[L + 1], rows_max))
    preT = np.empty((offs[L + 1], rows_max))
    acts = np.empty((B, widest))
    delta = np.empty((widest, rows_max))
    dprev = np.empty((widest, B))
    theta = theta0[:n].copy()
    grad = np.empty(n)
    if mode == PROGRAM:
        state = np.zeros((N_REGISTERS, n))
    else:
        state = np.zeros((4, n))
    test_rows = np.arange(n_train, n_pat)
    for k in range(E + 1):
        test_loss[k] = np.inf
    for s in range(S):
        train_loss[s] = np.inf

    test_loss[0] = scale * _test_loss(theta, X, Y, test_rows, d, arch_row, n_out, actsT,
                                      preT, offs, delta)
    if not math.isfinite(test_loss[0]):
        return
    checkpoint = 1
    for s in range(S):
        rows = batches[s]
        _forward(theta, X, rows, B, d, arch_row, n_out, actsT, preT, offs)
        loss = scale * _loss_and_delta(Y, rows, B, n_out, arch_row[5], actsT, offs[L], delta,
                                       True)
        if not math.isfinite(loss):
            return
        train_loss[s] = loss
        _backward(theta, grad, arch_row, d, n_out, B, actsT, preT, acts, offs, delta, dprev)
        if scale != 1.0:
            for j in range(n):
                grad[j] *= scale
        if mode == PROGRAM:
            _program_update(row, theta, grad, state, n, s + 1.0)
        else:
            _feature_update(row, theta, grad, state, n, s + 1.0)
        for j in range(n):
            if not math.isfinite(theta[j]):
                train_loss[s] = np.inf
                return
        while checkpoint <= E and (s + 1) * E >= checkpoint * S:
            value = scale * _test_loss(theta, X, Y, test_rows, d, arch_row, n_out, actsT, preT,
                                       offs, delta)
            if not math.isfinite(value):
                return
            test_loss[checkpoint] = value
            checkpoint += 1


@njit(cache=True, parallel=True, error_model="numpy")
def train(mode, rows, X, Y, n_in, n_out, arch, n_train, n_pat, loss_scale, theta0, batches,
          test_loss, train_loss):
    """Every optimizer on every task (see the module docstring)."""
    R = rows.shape[0]
    T = X.shape[0]
    for job in prange(R * T):
        r = job // T
        t = job - r * T
        _train_one(mode, rows[r], X[t], Y[t], n_in[t], n_out[t], arch[t], n_train[t],
                   n_pat[t], loss_scale[t], theta0[t], batches[t], test_loss[r, t],
                   train_loss[r, t])
