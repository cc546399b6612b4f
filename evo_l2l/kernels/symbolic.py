"""A numba interpreter for rule programs, and the learners that run on it.

One compiled kernel serves every symbolic rule: programs arrive as postfix
arrays (ops int32, args float64, lengths; see rules/symbolic/primitives.py for the
opcodes) and each rule's program is translated to register code when its
turn comes (translate). Interpretation is vectorised: each instruction is
one pass over a whole vector of synapses, every synapse of every task (all
tasks advance in lockstep, pattern by pattern), so the cost of dispatching
an instruction is shared by all of them. prange runs over programs; each
writes only its own output slots.

Speed choices (scripts/bench_symbolic.py, docs/results/performance.md): register
code instead of a stack (a leaf costs no pass, constant subtrees fold);
segments in blocks of eight lanes summed by vector intrinsics
(kernels/simd.py); error_model="numpy" so no division carries a
ZeroDivisionError branch that stops LLVM vectorising the loop.
"""
import numpy as np
from numba import njit, prange

from .fastexp import fast_exp
from .simd import LANES, block_sums, spread_rows

_FASTMATH = {"contract"}

OP_VAR, OP_CONST, OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_NEG, OP_SQUARE, OP_TANH, OP_EXP = range(10)
# Fused "x op= leaf" forms (the second operand is a variable or a constant),
# made by the peephole pass in rules/symbolic/compiler.py; translate reads them as leaf + op.
OP_ADDV, OP_SUBV, OP_MULV, OP_DIVV, OP_ADDC, OP_SUBC, OP_MULC, OP_DIVC = range(10, 18)
PDIV_EPS = 1e-12
EXP_MAX = 50.0



# The kernel runs programs as register code, translated from the postfix
# program at the start of each rule: a leaf costs nothing (instructions read
# the variable's row, or take the constant as an operand), constant subtrees
# are folded, and each remaining instruction is one pass d = x op y over the
# synapses. Rows of the register file M: 0-3 the state (w, o, R, E), 4-5 this
# pattern's variables (inputs, targets), then two rows per stack slot, so an
# instruction never writes a row it reads (the loops vectorise).
R_ADD, R_SUB, R_MUL, R_DIV = range(4)                          # d = x op y
R_ADDC, R_SUBC, R_MULC, R_DIVC, R_RSUBC, R_RDIVC = range(4, 10)  # d = x op c, c - x, c / x
R_NEG, R_SQUARE, R_TANH, R_EXP = range(10, 14)                   # d = f(x)
R_FILL = 14                                                      # d = c
N_STATE, N_PATTERN = 4, 2
TEMP0 = N_STATE + N_PATTERN


@njit(cache=True, error_model="numpy", inline="always")
def _fold_binary(op, x, y):
    """op (OP_ADD..OP_DIV) on two constants, as the vector loops compute it."""
    if op == OP_ADD:
        return x + y
    if op == OP_SUB:
        return x - y
    if op == OP_MUL:
        return x * y
    return x / y if abs(y) > PDIV_EPS else 1.0


@njit(cache=True, error_model="numpy", inline="always")
def _fold_unary(op, x):
    if op == OP_NEG:
        return -x
    if op == OP_SQUARE:
        return x * x
    if op == OP_TANH:
        return np.tanh(x)
    return np.exp(EXP_MAX if x > EXP_MAX else x)


@njit(cache=True, error_model="numpy")
def translate(ops, args, n, var_kind, var_row, code, dst, src, src2, const):
    """Postfix program -> register code; returns (n_instructions, result row, pattern rows used).

    var_kind/var_row place variable k in M: row var_row[k] of the state if
    var_kind[k] == 0, else row N_STATE + var_row[k]. The bit j of the third
    result says the program reads pattern row j.
    """
    depth = n + 1
    kind = np.empty(depth, dtype=np.int64)     # per stack slot: 0 a row, 1 a constant
    row = np.empty(depth, dtype=np.int64)
    val = np.empty(depth)
    sp = 0
    m = 0
    uses = 0
    for k in range(n):
        op = ops[k]
        if op == OP_VAR or (op >= OP_ADDV and op <= OP_DIVV):
            v = int(args[k])
            if var_kind[v] == 0:
                row[sp] = var_row[v]
            else:
                row[sp] = N_STATE + var_row[v]
                uses |= 1 << var_row[v]
            kind[sp] = 0
            sp += 1
            if op == OP_VAR:
                continue
            bop = op - OP_ADDV + OP_ADD
        elif op == OP_CONST or op >= OP_ADDC:
            kind[sp] = 1
            val[sp] = args[k]
            sp += 1
            if op == OP_CONST:
                continue
            bop = op - OP_ADDC + OP_ADD
        elif op >= OP_NEG:
            i = sp - 1
            if kind[i] == 1:
                val[i] = _fold_unary(op, val[i])
                continue
            d = TEMP0 + 2 * i
            d = d + 1 if row[i] == d else d
            code[m] = R_NEG + (op - OP_NEG)
            dst[m] = d
            src[m] = row[i]
            m += 1
            row[i] = d
            continue
        else:
            bop = op
        sp -= 1
        i = sp - 1
        if kind[i] == 1 and kind[sp] == 1:
            val[i] = _fold_binary(bop, val[i], val[sp])
            continue
        d = TEMP0 + 2 * i
        if kind[i] == 0 and row[i] == d:
            d += 1
        dst[m] = d
        if kind[i] == 0 and kind[sp] == 0:
            code[m] = R_ADD + (bop - OP_ADD)
            src[m] = row[i]
            src2[m] = row[sp]
        elif kind[i] == 0:
            code[m] = R_ADDC + (bop - OP_ADD)
            src[m] = row[i]
            const[m] = val[sp]
        else:    # constant first: add and mul commute exactly in IEEE arithmetic
            code[m] = (R_ADDC if bop == OP_ADD else R_RSUBC if bop == OP_SUB
                       else R_MULC if bop == OP_MUL else R_RDIVC)
            src[m] = row[sp]
            const[m] = val[i]
        m += 1
        kind[i] = 0
        row[i] = d
    if kind[0] == 1:
        code[m] = R_FILL
        dst[m] = TEMP0
        const[m] = val[0]
        return m + 1, TEMP0, uses
    return m, row[0], uses


@njit(cache=True, error_model="numpy", inline="always")
def register_program(ops, args, lengths, r, var_kind, var_row):
    """Program r of a packed batch as register code: (code, dst, src, src2, const, n, out_row, uses)."""
    L = ops.shape[1]
    code = np.empty(L, dtype=np.int64)
    dst = np.empty(L, dtype=np.int64)
    src = np.empty(L, dtype=np.int64)
    src2 = np.empty(L, dtype=np.int64)
    const = np.empty(L)
    n, out_row, uses = translate(ops[r], args[r], lengths[r], var_kind, var_row, code, dst, src,
                                 src2, const)
    return code, dst, src, src2, const, n, out_row, uses


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def run_registers(code, dst, src, src2, const, n, M, S):
    """Runs n register instructions over the first S synapses of the register file M."""
    for k in range(n):
        op = code[k]
        d = dst[k]
        x = src[k]
        if op <= R_DIV:
            y = src2[k]
            if op == R_ADD:
                for s in range(S):
                    M[d, s] = M[x, s] + M[y, s]
            elif op == R_SUB:
                for s in range(S):
                    M[d, s] = M[x, s] - M[y, s]
            elif op == R_MUL:
                for s in range(S):
                    M[d, s] = M[x, s] * M[y, s]
            else:
                for s in range(S):
                    v = M[y, s]
                    M[d, s] = M[x, s] / v if abs(v) > PDIV_EPS else 1.0
        elif op <= R_RDIVC:
            c = const[k]
            if op == R_ADDC:
                for s in range(S):
                    M[d, s] = M[x, s] + c
            elif op == R_SUBC:
                for s in range(S):
                    M[d, s] = M[x, s] - c
            elif op == R_MULC:
                for s in range(S):
                    M[d, s] = M[x, s] * c
            elif op == R_DIVC:
                if abs(c) > PDIV_EPS:
                    for s in range(S):
                        M[d, s] = M[x, s] / c
                else:
                    for s in range(S):
                        M[d, s] = 1.0
            elif op == R_RSUBC:
                for s in range(S):
                    M[d, s] = c - M[x, s]
            else:
                for s in range(S):
                    v = M[x, s]
                    M[d, s] = c / v if abs(v) > PDIV_EPS else 1.0
        elif op == R_NEG:
            for s in range(S):
                M[d, s] = -M[x, s]
        elif op == R_SQUARE:
            for s in range(S):
                v = M[x, s]
                M[d, s] = v * v
        elif op == R_TANH:
            for s in range(S):
                M[d, s] = np.tanh(M[x, s])
        elif op == R_EXP:
            for s in range(S):
                v = M[x, s]
                M[d, s] = np.exp(EXP_MAX if v > EXP_MAX else v)   # NaN stays NaN
        else:
            c = const[k]
            for s in range(S):
                M[d, s] = c


# Learners (the `learner` argument of train_programs).
SIGMOID_SUPERVISED, LINEAR_STUDENT, REWARD_MODULATED = 0, 1, 2


# LANES segments per block of the synapse layout (learners/symbolic.synapse_views):
# one AVX-512 vector of doubles, two AVX2 ones (kernels/simd.py). Segment
# arrays are padded to SEG_PAD so loops over them are long enough for LLVM's
# vector loop body (vector width x unroll), not its scalar remainder.
SEG_PAD = 32


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH, inline="always")
def eta_step(w, dw, eta, clip):
    """w + eta * dw clipped to [-clip, clip]: every GP learner's weight update."""
    w = w + eta * dw
    w = clip if w > clip else w
    return -clip if w < -clip else w     # NaN fails both: it stays NaN


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

    Register file M (see translate): state rows 0 w, 1 o (the output), 2 R
    (reward), 3 E (eligibility); then this pattern's PV rows. A rule's
    variable k is state row var_row[k] if var_kind[k] == 0, else
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
        code, dst, src, src2, const, n_ins, out_row, uses = register_program(
            ops, args, lengths, r, var_kind, var_row)
        M = np.zeros((TEMP0 + 2 * depth, S))
        for s in range(S):
            M[0, s] = W0[s]
        W = M[0]
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
                _spread(seg_o, M[1], block_start, rows, n_b)
                if learner == REWARD_MODULATED:
                    for g in range(n_b * LANES):
                        y = 1.0 if uniform_noise(noise_seed, seg_noise[g], epoch, p) < seg_o[g] else 0.0
                        seg_s[g] = 1.0 if y == T_seg[p, g] else 0.0    # the reward
                        seg_y[g] = y - seg_o[g]
                    _spread(seg_s, M[2], block_start, rows, n_b)
                    _spread(seg_y, M[3], block_start, rows, n_b)
                    for s in range(n_s):
                        M[3, s] = M[3, s] * A[p, s]
                for j in range(N_PATTERN):
                    if (uses >> j) & 1:
                        for s in range(n_s):
                            M[N_STATE + j, s] = PV[p, j, s]
                run_registers(code, dst, src, src2, const, n_ins, M, n_s)
                dw = M[out_row]
                mp = mask[p]
                for s in range(n_s):
                    w = eta_step(W[s], dw[s], eta, clip)
                    W[s] = w if mp[s] else W[s]
            _measure_all(W, A, T_seg, live, block_start, rows, n_blocks_active, seg_task,
                         scale, SS, OO, err_seg, m, learner)
            for k in range(K):
                perf[r, k, epoch + 1] = m[k]


@njit(cache=True, error_model="numpy", fastmath=_FASTMATH)
def probe_outputs(ops, args, lengths, depth, V, PV, var_kind, var_row, out):
    """out[r] = program r's output at the probe points: state rows V (4, S), pattern rows PV (2, S)."""
    S = V.shape[1]
    M = np.zeros((TEMP0 + 2 * depth, S))
    # Element by element: an array assigned to a slice compiles numba's shape-mismatch
    # message (string formatting), which tripled this kernel's compile time.
    for s in range(S):
        for k in range(N_STATE):
            M[k, s] = V[k, s]
        for k in range(N_PATTERN):
            M[N_STATE + k, s] = PV[k, s]
    for r in range(ops.shape[0]):
        code, dst, src, src2, const, n_ins, out_row, _ = register_program(
            ops, args, lengths, r, var_kind, var_row)
        run_registers(code, dst, src, src2, const, n_ins, M, S)
        for s in range(S):
            out[r, s] = M[out_row, s]
