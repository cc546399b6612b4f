"""A numba interpreter for postfix rule programs, and the single-layer learner on it.

One compiled kernel serves every symbolic rule: programs arrive as arrays
(ops int32, args float64, lengths), see rules/symbolic.py for the opcodes.
Interpretation is vectorised: each opcode is applied to a whole vector of
synapses at once, here every synapse of every task (all tasks advance in
lockstep, pattern by pattern), so the cost of dispatching an opcode is
shared by all the synapses of all the tasks. prange runs over
programs; each writes only its own output slots.

Shapes: S synapses over all tasks (packed, no padding), P patterns.
"""
import numpy as np
from numba import njit, prange

from .fastexp import fast_exp

_FASTMATH = {"contract"}

OP_VAR, OP_CONST, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQUARE, OP_TANH, OP_EXP = range(10)
# Fused "x op= leaf" forms (the second operand is a variable or a constant),
# made by the peephole pass in rules/symbolic.py: one pass over S instead of two.
OP_ADDV, OP_SUBV, OP_MULV, OP_DIVV, OP_ADDC, OP_SUBC, OP_MULC, OP_DIVC = range(10, 18)
PDIV_EPS = 1e-12
EXP_MAX = 50.0


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _var(k, V, PV_p, var_kind, var_row):
    """Variable k: a row of the state V, or of this pattern's PV_p."""
    if var_kind[k] == 0:
        return V[var_row[k]]
    return PV_p[var_row[k]]


@njit(cache=True, fastmath=_FASTMATH)
def interpret(ops, args, n, V, PV_p, var_kind, var_row, stack, S):
    """Runs one postfix program over the first S synapses; returns stack[0][:S].

    Variables live in V (state such as weights and outputs, (n_state, S)) or
    PV_p (this pattern's inputs and targets, (n_pattern_vars, S)).
    """
    sp = 0
    for k in range(n):
        op = ops[k]
        if op == OP_VAR:
            src = _var(int(args[k]), V, PV_p, var_kind, var_row)
            dst = stack[sp]
            for s in range(S):
                dst[s] = src[s]
            sp += 1
        elif op == OP_CONST:
            c = args[k]
            dst = stack[sp]
            for s in range(S):
                dst[s] = c
            sp += 1
        elif op >= OP_ADDV:
            x = stack[sp - 1]
            if op <= OP_DIVV:
                y = _var(int(args[k]), V, PV_p, var_kind, var_row)
                if op == OP_ADDV:
                    for s in range(S):
                        x[s] = x[s] + y[s]
                elif op == OP_SUBV:
                    for s in range(S):
                        x[s] = x[s] - y[s]
                elif op == OP_MULV:
                    for s in range(S):
                        x[s] = x[s] * y[s]
                else:
                    for s in range(S):
                        d = y[s]
                        x[s] = x[s] / d if abs(d) > PDIV_EPS else 1.0
            else:
                c = args[k]
                if op == OP_ADDC:
                    for s in range(S):
                        x[s] = x[s] + c
                elif op == OP_SUBC:
                    for s in range(S):
                        x[s] = x[s] - c
                elif op == OP_MULC:
                    for s in range(S):
                        x[s] = x[s] * c
                else:
                    if abs(c) > PDIV_EPS:
                        for s in range(S):
                            x[s] = x[s] / c
                    else:
                        for s in range(S):
                            x[s] = 1.0
        elif op == OP_NEG:
            x = stack[sp - 1]
            for s in range(S):
                x[s] = -x[s]
        elif op == OP_SQUARE:
            x = stack[sp - 1]
            for s in range(S):
                x[s] = x[s] * x[s]
        elif op == OP_TANH:
            x = stack[sp - 1]
            for s in range(S):
                x[s] = np.tanh(x[s])
        elif op == OP_EXP:
            x = stack[sp - 1]
            for s in range(S):
                v = x[s]
                x[s] = np.exp(EXP_MAX if v > EXP_MAX else v)   # NaN stays NaN
        else:
            sp -= 1
            x = stack[sp - 1]
            y = stack[sp]
            if op == OP_ADD:
                for s in range(S):
                    x[s] = x[s] + y[s]
            elif op == OP_SUB:
                for s in range(S):
                    x[s] = x[s] - y[s]
            elif op == OP_MUL:
                for s in range(S):
                    x[s] = x[s] * y[s]
            else:  # OP_DIV, protected
                for s in range(S):
                    d = y[s]
                    x[s] = x[s] / d if abs(d) > PDIV_EPS else 1.0
    return stack[0]


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _outputs(W, a, seg_start, n_seg, seg_s, seg_o):
    """Sigmoid output of each of the first n_seg (task, output) segments."""
    for g in range(n_seg):
        acc = 0.0
        for s in range(seg_start[g], seg_start[g + 1]):
            acc += W[s] * a[s]
        seg_s[g] = acc
    for g in range(n_seg):     # separate loop: vectorises across segments
        seg_o[g] = 1.0 / (1.0 + fast_exp(-seg_s[g]))


@njit(cache=True, fastmath=_FASTMATH)
def _measure_all(W, A_pat, T_seg, seg_start, seg_task, n_seg_active, scale, seg_s, seg_o,
                 err_seg, out):
    """out[k] = 1 - mean|t - o| of the k-th packed task (0 if its output is NaN)."""
    n_seg = seg_task.shape[0]
    for g in range(n_seg):
        err_seg[g] = 0.0
    for p in range(A_pat.shape[0]):
        n_g = n_seg_active[p]
        _outputs(W, A_pat[p], seg_start, n_g, seg_s, seg_o)
        for g in range(n_g):
            err_seg[g] += abs(T_seg[p, g] - seg_o[g])
    for k in range(out.shape[0]):
        out[k] = 0.0
    for g in range(n_seg):
        out[seg_task[g]] += err_seg[g]
    for k in range(out.shape[0]):
        v = 1.0 - out[k] * scale[k]
        out[k] = v if v == v else 0.0


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_programs_single_layer(ops, args, lengths, depth, W0_packed, A_pat, PV, T_seg,
                                seg_start, seg_of, seg_task, n_seg_active, scale, n_epochs,
                                clip, perf):
    """Every program trains a single-layer sigmoid net on every task; fills perf (R, K, E+1).

    Synapses are packed task after task (no padding; see learners/symbolic.py),
    tasks sorted by decreasing pattern count, so at pattern p the tasks still
    learning form a prefix: segments [0, n_seg_active[p]) of (task, output)
    pairs and their synapses [0, seg_start[n_seg_active[p]]). A_pat (P, S):
    input a of each synapse at pattern p; PV (P, 2, S): a and t, the pattern
    variables; T_seg (P, G): target of each segment. Variables w, a, o, t are
    V[0] (the live weights), PV[p, 0], V[1], PV[p, 1]. perf is in packed
    task order.
    """
    var_kind = np.array([0, 1, 0, 1])
    var_row = np.array([0, 0, 1, 1])
    R = ops.shape[0]
    K = scale.shape[0]
    P = A_pat.shape[0]
    S = W0_packed.shape[0]
    G = seg_task.shape[0]
    for r in prange(R):
        V = np.empty((2, S))
        for s in range(S):
            V[0, s] = W0_packed[s]
        stack = np.empty((depth, S))
        seg_s = np.empty(G)
        seg_o = np.empty(G)
        err_seg = np.empty(G)
        m = np.empty(K)
        _measure_all(V[0], A_pat, T_seg, seg_start, seg_task, n_seg_active, scale, seg_s,
                     seg_o, err_seg, m)
        for k in range(K):
            perf[r, k, 0] = m[k]
        for epoch in range(n_epochs):
            for p in range(P):
                n_g = n_seg_active[p]
                n_s = seg_start[n_g]
                _outputs(V[0], A_pat[p], seg_start, n_g, seg_s, seg_o)
                for s in range(n_s):
                    V[1, s] = seg_o[seg_of[s]]
                dw = interpret(ops[r], args[r], lengths[r], V, PV[p], var_kind, var_row,
                               stack, n_s)
                for s in range(n_s):
                    w = V[0, s] + dw[s]
                    if w > clip:
                        w = clip
                    elif w < -clip:
                        w = -clip
                    V[0, s] = w
            _measure_all(V[0], A_pat, T_seg, seg_start, seg_task, n_seg_active, scale, seg_s,
                         seg_o, err_seg, m)
            for k in range(K):
                perf[r, k, epoch + 1] = m[k]


@njit(cache=True, fastmath=_FASTMATH)
def probe_outputs(ops, args, lengths, depth, V, PV, var_kind, var_row, out):
    """out[r] = program r's output on the probe points (V, PV as in interpret)."""
    S = V.shape[1]
    stack = np.empty((depth, S))
    for r in range(ops.shape[0]):
        res = interpret(ops[r], args[r], lengths[r], V, PV, var_kind, var_row, stack, S)
        for s in range(S):
            out[r, s] = res[s]
