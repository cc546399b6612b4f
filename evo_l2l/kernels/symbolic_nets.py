"""Symbolic rules (register code, see kernels/symbolic.py) on the two-layer nets and the
conditioning circuit of Bengio et al. (1991), the learners of kernels/two_layer.py and
kernels/conditioning.py.

Same networks, forward passes and measurements as those kernels; the rule is
a program instead of 16 coefficients, and w += eta * rule. Per rule (prange),
all tasks advance in lockstep: at step p every task still having a pattern p
runs its forward pass and writes its synapses' variables (register rows 0 w,
1 a, 2 o, 3 m or f); one run of the program covers every synapse of every
task; tasks without a pattern p (and, for conditioning, probe trials) do not
learn. perf is (R, T, E+1).
"""
import numpy as np
from numba import njit, prange

from .fastexp import fast_exp
from .symbolic import TEMP0, eta_step, register_program, run_registers
from .two_layer import HIDDEN_BIAS, forward

_FASTMATH = {"contract"}
_W, _A, _O, _MOD = 0, 1, 2, 3      # register rows of the variables


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _sigmoid(s):
    return 1.0 / (1.0 + fast_exp(-s))


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _forward(Mw, off, x, n_i, H, h, o):
    """kernels/two_layer.py's forward pass on one task's weights; returns the output.

    Mw (S, 1): register row _W as one rule lane. Synapses of a task from off:
    hidden (j, i) row-major, then output j = 0..H (H: the hidden bias); h (H, 1)
    and o (1,) receive the activities.
    """
    forward(Mw, off, n_i, Mw, off + H * n_i, x, n_i, H, 1, h, o)
    return o[0]


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _learn(M, out_row, off, n, eta, clip):
    for s in range(off, off + n):
        M[_W, s] = eta_step(M[_W, s], M[out_row, s], eta, clip)


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, parallel=True)
def train_programs_two_layer(ops, args, lengths, depth, X, Y, Wh0, Wo0, n_patterns, n_inputs,
                             n_epochs, clip, eta, var_kind, var_row, perf):
    """Two-layer nets (kernels/two_layer.py), m = t - o broadcast to every synapse."""
    R = ops.shape[0]
    T = X.shape[0]
    H = Wh0.shape[1]
    P = X.shape[1]
    off = np.zeros(T + 1, dtype=np.int64)
    for t in range(T):
        off[t + 1] = off[t] + H * n_inputs[t] + H + 1
    S = off[T]
    for r in prange(R):
        code, dst, src, src2, const, n_ins, out_row, _ = register_program(
            ops, args, lengths, r, var_kind, var_row)
        M = np.zeros((TEMP0 + 2 * depth, S))
        Mw = M[_W].reshape((S, 1))     # the weights, as two_layer.forward reads them
        h = np.empty((H, 1))
        o1 = np.empty(1)
        for t in range(T):
            n_i = n_inputs[t]
            for j in range(H):
                for i in range(n_i):
                    M[_W, off[t] + j * n_i + i] = Wh0[t, j, i]
            for j in range(H + 1):
                M[_W, off[t] + H * n_i + j] = Wo0[t, 0, j]
        for epoch in range(n_epochs + 1):
            if epoch > 0:
                for p in range(P):
                    for t in range(T):
                        if p >= n_patterns[t]:
                            continue
                        n_i = n_inputs[t]
                        x = X[t, p]
                        o = _forward(Mw, off[t], x, n_i, H, h, o1)
                        m = Y[t, p, 0] - o
                        for j in range(H):
                            for i in range(n_i):
                                s = off[t] + j * n_i + i
                                M[_A, s] = x[i]
                                M[_O, s] = h[j, 0]
                                M[_MOD, s] = m
                        o_off = off[t] + H * n_i
                        for j in range(H + 1):
                            M[_A, o_off + j] = h[j, 0] if j < H else HIDDEN_BIAS
                            M[_O, o_off + j] = o
                            M[_MOD, o_off + j] = m
                    run_registers(code, dst, src, src2, const, n_ins, M, S)
                    for t in range(T):
                        if p < n_patterns[t]:
                            _learn(M, out_row, off[t], off[t + 1] - off[t], eta, clip)
            for t in range(T):
                err = 0.0
                for p in range(n_patterns[t]):
                    err += abs(Y[t, p, 0] - _forward(Mw, off[t], X[t, p], n_inputs[t], H, h, o1))
                v = 1.0 - err / n_patterns[t]
                perf[r, t, epoch] = v if v == v else 0.0


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, parallel=True)
def train_programs_conditioning(ops, args, lengths, depth, X, Y, W0, n_patterns, n_epochs, clip,
                                eta, var_kind, var_row, perf):
    """The conditioning circuit (kernels/conditioning.py); f = US, w1 and w2 plastic."""
    R = ops.shape[0]
    T = X.shape[0]
    P = X.shape[1]
    S = 2 * T
    scale = np.empty(T)
    for t in range(T):
        n_probe = 0
        for p in range(n_patterns[t]):
            if X[t, p, 3] != 0.0:
                n_probe += 1
        scale[t] = 1.0 / max(n_probe, 1)
    for r in prange(R):
        code, dst, src, src2, const, n_ins, out_row, _ = register_program(
            ops, args, lengths, r, var_kind, var_row)
        M = np.zeros((TEMP0 + 2 * depth, S))
        err = np.zeros(T)
        for t in range(T):
            M[_W, 2 * t] = W0[t, 0, 0]
            M[_W, 2 * t + 1] = W0[t, 0, 1]
        for epoch in range(n_epochs + 1):
            for t in range(T):
                err[t] = 0.0
            for p in range(P):
                learning = False
                for t in range(T):
                    if p >= n_patterns[t]:
                        continue
                    c1 = X[t, p, 0]
                    c2 = X[t, p, 1]
                    us = X[t, p, 2]
                    if epoch == 0:     # measurement 0: every probe answered by W0
                        if X[t, p, 3] != 0.0:
                            s = W0[t, 0, 0] * c1 + W0[t, 0, 1] * c2 + W0[t, 0, 2] * us + W0[t, 0, 3]
                            err[t] += abs(Y[t, p, 0] - _sigmoid(s))
                        continue
                    o = _sigmoid(M[_W, 2 * t] * c1 + M[_W, 2 * t + 1] * c2
                                 + W0[t, 0, 2] * us + W0[t, 0, 3])
                    if X[t, p, 3] != 0.0:
                        err[t] += abs(Y[t, p, 0] - o)
                        continue
                    learning = True
                    for i in range(2):
                        M[_A, 2 * t + i] = X[t, p, i]
                        M[_O, 2 * t + i] = o
                        M[_MOD, 2 * t + i] = us
                if not learning:
                    continue
                run_registers(code, dst, src, src2, const, n_ins, M, S)
                for t in range(T):
                    if p < n_patterns[t] and X[t, p, 3] == 0.0:
                        _learn(M, out_row, 2 * t, 2, eta, clip)
            for t in range(T):
                v = 1.0 - err[t] * scale[t]
                perf[r, t, epoch] = v if v == v else 0.0
