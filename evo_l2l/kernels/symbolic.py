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
from .simd import LANES, block_sums, spread_rows

_FASTMATH = {"contract"}

OP_VAR, OP_CONST, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQUARE, OP_TANH, OP_EXP = range(10)
# Fused "x op= leaf" forms (the second operand is a variable or a constant),
# made by the peephole pass in rules/symbolic.py: one pass over S instead of two.
OP_ADDV, OP_SUBV, OP_MULV, OP_DIVV, OP_ADDC, OP_SUBC, OP_MULC, OP_DIVC = range(10, 18)
PDIV_EPS = 1e-12
EXP_MAX = 50.0


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _var(k, V, PV_p, var_kind, var_row):
    """Variable k: a row of the state V, or of this pattern's PV_p."""
    if var_kind[k] == 0:
        return V[var_row[k]]
    return PV_p[var_row[k]]


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
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


# Learners (the `learner` argument of train_programs).
SIGMOID_SUPERVISED, LINEAR_STUDENT, REWARD_MODULATED = 0, 1, 2


# LANES segments per block of the synapse layout (learners/symbolic.synapse_views):
# one AVX-512 vector of doubles, two AVX2 ones (kernels/simd.py). Segment
# arrays are padded to SEG_PAD so loops over them are long enough for LLVM's
# vector loop body (vector width x unroll), not its scalar remainder.
SEG_PAD = 32


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _sums(W, a, block_start, rows, n_blocks, seg_s):
    """seg_s[g] = w.x of each segment of the first n_blocks blocks (inputs in order)."""
    for b in range(n_blocks):
        block_sums(W, a, block_start[b], rows[b], seg_s, b * LANES)


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _activate(seg_s, seg_o, linear):
    """seg_o = sigmoid(seg_s) or seg_s, over the whole (padded) arrays."""
    if linear:
        for g in range(seg_s.shape[0]):
            seg_o[g] = seg_s[g]
    else:
        for g in range(seg_s.shape[0]):
            seg_o[g] = 1.0 / (1.0 + fast_exp(-seg_s[g]))


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def _spread(seg_x, x, block_start, rows, n_blocks):
    """x[synapse] = seg_x[its segment], for the synapses of the first n_blocks blocks."""
    for b in range(n_blocks):
        spread_rows(seg_x, b * LANES, x, block_start[b], rows[b])


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def _measure_all(W, A, T_seg, live, block_start, rows, n_blocks_active, seg_task, scale,
                 SS, OO, err_seg, out, learner):
    """out[k]: performance of task k, 0 if its output is NaN.

    Sigmoid learners: 1 - mean|t - o| (for the reward learner, o is the
    probability of answering 1, so this is the expected accuracy). Linear
    student: 1 / (1 + mean (t - u)^2). SS, OO (P, G) are scratch: all
    patterns' sums first, then one long activation loop. Entries of blocks
    not computed at a pattern hold stale values, never counted (live).
    """
    linear = learner == LINEAR_STUDENT
    P, G = T_seg.shape
    for p in range(P):
        _sums(W, A[p], block_start, rows, n_blocks_active[p], SS[p])
    _activate(SS.ravel(), OO.ravel(), linear)
    for g in range(G):
        err_seg[g] = 0.0
    for p in range(P):
        for g in range(G):
            d = T_seg[p, g] - OO[p, g]
            e = d * d if linear else abs(d)
            err_seg[g] += e if live[p, g] else 0.0
    for k in range(out.shape[0]):
        out[k] = 0.0
    for g in range(seg_task.shape[0]):
        out[seg_task[g]] += err_seg[g]
    for k in range(out.shape[0]):
        e = out[k] * scale[k]
        v = 1.0 / (1.0 + e) if linear else 1.0 - e
        out[k] = v if v == v else 0.0


@njit(cache=True, inline="always")
def uniform_noise(seed, g, epoch, p):
    """A uniform [0, 1) draw from a counter (splitmix64): reproducible, no stored state."""
    x = np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(g) * np.uint64(0xBF58476D1CE4E5B9)
    x += np.uint64(epoch) * np.uint64(0x94D049BB133111EB) + np.uint64(p) + np.uint64(1)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return float(x >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, parallel=True)
def train_programs(ops, args, lengths, depth, W0, A, PV, mask, T_seg, live, block_start, rows,
                   n_blocks_active, seg_task, seg_noise, scale, n_epochs, clip, learner, eta,
                   var_kind, var_row, noise_seed, perf):
    """Every program trains every task's neuron(s) online; fills perf (R, T, E+1).

    Layout (learners/symbolic.synapse_views): segments ((task, output) pairs)
    in blocks of LANES, block b's synapses input-major from block_start[b],
    rows[b] inputs deep. At pattern p the first n_blocks_active[p] blocks are
    computed, and synapses with mask[p] learn. A (P, S): input of each
    synapse; PV (P, 2, S): input and target, the pattern variables; T_seg
    (P, G): target of each segment, counted where live[p, g]; seg_task: the
    task of each real segment; seg_noise: a segment's index for the reward
    learner's noise. Each update is w += eta * rule, then clipped to
    [-clip, clip].

    State rows V: 0 w, 1 o (the output), 2 R (reward), 3 E (eligibility).
    A rule's variable k is V[var_row[k]] if var_kind[k] == 0, else
    PV[p, var_row[k]]. Learners:
      SIGMOID_SUPERVISED  o = sigmoid(w.x)
      LINEAR_STUDENT      o = w.x (the target is a teacher's output)
      REWARD_MODULATED    o = p = sigmoid(w.x); the neuron answers y = 1 with
                          probability p (counter-based noise), R = 1 if y equals
                          the target else 0, E = (y - p) * x (REINFORCE's
                          eligibility)
    """
    R = ops.shape[0]
    K = scale.shape[0]
    P = A.shape[0]
    S = W0.shape[0]
    G = T_seg.shape[1]
    linear = learner == LINEAR_STUDENT
    for r in prange(R):
        V = np.zeros((4, S))
        for s in range(S):
            V[0, s] = W0[s]
        W = V[0]
        stack = np.empty((depth, S))
        seg_s = np.zeros(G)
        seg_o = np.empty(G)
        seg_y = np.empty(G)
        err_seg = np.empty(G)
        SS = np.zeros((P, G))
        OO = np.empty((P, G))
        m = np.empty(K)
        _measure_all(W, A, T_seg, live, block_start, rows, n_blocks_active, seg_task, scale,
                     SS, OO, err_seg, m, learner)
        for k in range(K):
            perf[r, k, 0] = m[k]
        for epoch in range(n_epochs):
            for p in range(P):
                n_b = n_blocks_active[p]
                n_s = block_start[n_b]
                _sums(W, A[p], block_start, rows, n_b, seg_s)
                _activate(seg_s, seg_o, linear)
                _spread(seg_o, V[1], block_start, rows, n_b)
                if learner == REWARD_MODULATED:
                    for g in range(n_b * LANES):
                        y = 1.0 if uniform_noise(noise_seed, seg_noise[g], epoch, p) < seg_o[g] else 0.0
                        seg_s[g] = 1.0 if y == T_seg[p, g] else 0.0    # the reward
                        seg_y[g] = y - seg_o[g]
                    _spread(seg_s, V[2], block_start, rows, n_b)
                    _spread(seg_y, V[3], block_start, rows, n_b)
                    for s in range(n_s):
                        V[3, s] = V[3, s] * A[p, s]
                dw = interpret(ops[r], args[r], lengths[r], V, PV[p], var_kind, var_row,
                               stack, n_s)
                mp = mask[p]
                for s in range(n_s):
                    w = W[s] + eta * dw[s]
                    w = clip if w > clip else w
                    w = -clip if w < -clip else w   # NaN fails both: it stays NaN
                    W[s] = w if mp[s] else W[s]
            _measure_all(W, A, T_seg, live, block_start, rows, n_blocks_active, seg_task,
                         scale, SS, OO, err_seg, m, learner)
            for k in range(K):
                perf[r, k, epoch + 1] = m[k]


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def probe_outputs(ops, args, lengths, depth, V, PV, var_kind, var_row, out):
    """out[r] = program r's output on the probe points (V, PV as in interpret)."""
    S = V.shape[1]
    stack = np.empty((depth, S))
    for r in range(ops.shape[0]):
        res = interpret(ops[r], args[r], lengths[r], V, PV, var_kind, var_row, stack, S)
        for s in range(S):
            out[r, s] = res[s]
