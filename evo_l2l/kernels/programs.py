"""The AutoML-Zero interpreter: Setup / Predict / Learn programs over many tasks in one call.

Real, Liang, So & Le (2020), "AutoML-Zero: evolving machine learning algorithms from
scratch" (ICML). A program is three component functions, each a list of instructions over a
memory of `n_scalar` scalars, `n_vector` vectors of dimension F and `n_matrix` F x F
matrices. Instructions are rows of an int64 array (op, in1, in2, out) and a float64
array (c0, c1) of immediates; OPS below lists the op codes. Fixed addresses: s0 the label
(written before Learn), s1 the prediction (read after Predict), v0 the features (written
before Predict).

Per task: memory zeroed; Setup once; for each training example v0 = x, s0 = 0, Predict,
(classification: s1 = sigmoid(s1)), s0 = y, Learn; then for each validation example v0 = x,
s0 = 0, Predict, (sigmoid). Predict never sees the label (the paper's code zeroes it too). A
non-finite prediction, or a training prediction further than max_abs_error from its label,
ends the task with score 0 (early stop, as the paper's executor). Score: regression, from
the RMS error over the validation examples, squash: the paper's code's 1 - (2/pi) atan(RMS)
("FlipAndSquash"), else 1 - RMS clipped to [0, 1]; classification the accuracy (s1 > 0.5 is
class 1).

Initialisers draw from a counter-based RNG: draw k of a task is splitmix64(seed + k * golden)
with the task's seed (from its data), so results do not depend on the program's position in
a batch, the batch or the thread. The plain Python reference is tests/naive_programs.py.
"""
from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
from numba import njit

# (name, output kind, argument kinds): s scalar, v vector, m matrix address; f a float
# immediate (c0, c1 in order).
OPS = (
    ("add", "s", "ss"), ("sub", "s", "ss"), ("mul", "s", "ss"), ("div", "s", "ss"),   # 0-3
    ("abs", "s", "s"), ("recip", "s", "s"), ("sin", "s", "s"), ("cos", "s", "s"),       # 4-7
    ("tan", "s", "s"), ("arcsin", "s", "s"), ("arccos", "s", "s"), ("arctan", "s", "s"),  # 8-11
    ("exp", "s", "s"), ("log", "s", "s"), ("heaviside", "s", "s"),                       # 12-14
    ("heaviside", "v", "v"), ("heaviside", "m", "m"), ("mul", "v", "sv"),               # 15-17
    ("broadcast", "v", "s"), ("recip", "v", "v"), ("norm", "s", "v"), ("norm", "s", "m"),  # 18-21
    ("transpose", "m", "m"), ("abs", "v", "v"), ("add", "v", "vv"), ("sub", "v", "vv"),  # 22-25
    ("mul", "v", "vv"), ("div", "v", "vv"), ("dot", "s", "vv"), ("outer", "m", "vv"),   # 26-29
    ("mul", "m", "sm"), ("recip", "m", "m"), ("matmul", "v", "mv"), ("columns", "m", "v"),  # 30-33
    ("rows", "m", "v"), ("abs", "m", "m"), ("add", "m", "mm"), ("sub", "m", "mm"),       # 34-37
    ("mul", "m", "mm"), ("div", "m", "mm"), ("matmul", "m", "mm"), ("min", "s", "ss"),   # 38-41
    ("min", "v", "vv"), ("min", "m", "mm"), ("max", "s", "ss"), ("max", "v", "vv"),      # 42-45
    ("max", "m", "mm"), ("mean", "s", "v"), ("mean", "s", "m"), ("row_mean", "v", "m"),  # 46-49
    ("std", "s", "v"), ("std", "s", "m"), ("const", "s", "f"),                           # 50-52
    ("uniform", "s", "ff"), ("uniform", "v", "ff"), ("uniform", "m", "ff"),              # 53-55
    ("gaussian", "s", "ff"), ("gaussian", "v", "ff"), ("gaussian", "m", "ff"),           # 56-58
)
N_OPS = len(OPS)
# Op codes that draw from the RNG (allowed anywhere, but the search puts them in Setup).
RANDOM_OPS = tuple(i for i, (name, _, _) in enumerate(OPS) if name in ("uniform", "gaussian"))
GOLDEN = np.uint64(0x9E3779B97F4A7C15)
M1 = np.uint64(0xBF58476D1CE4E5B9)
M2 = np.uint64(0x94D049BB133111EB)
SETUP, PREDICT, LEARN = 0, 1, 2
# Tasks a program runs on at once (a job of program_predictions): the search's tasks in one,
# and enough jobs for every core when one program is scored on many tasks.
TASK_CHUNK = 16
# Example steps (programs x tasks x examples) from which a call runs in several threads.
PARALLEL_STEPS = 500_000


@njit(cache=True, inline="always")
def _mix(z):
    z = z + GOLDEN
    z = (z ^ (z >> np.uint64(30))) * M1
    z = (z ^ (z >> np.uint64(27))) * M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _uniform01(seed, k):
    """Draw k of a task: a double in [0, 1)."""
    z = _mix(seed + np.uint64(k) * GOLDEN)
    return float(z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _gauss(seed, k):
    """Box-Muller from draws k and k + 1."""
    u1 = 1.0 - _uniform01(seed, k)
    u2 = _uniform01(seed, k + 1)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True, inline="always")
def _fmin(x, y):
    """min propagating NaN (as np.minimum); ties give x."""
    if x != x or y != y:
        return np.nan
    return x if x <= y else y


@njit(cache=True, inline="always")
def _fmax(x, y):
    if x != x or y != y:
        return np.nan
    return x if x >= y else y


# Ops program_jobs runs in functions compiled on their own: the matrix ops, min and max, the
# reductions the linear search spaces do not use, and the drawing initialisers.
OUT_OF_LINE = np.zeros(N_OPS, dtype=np.bool_)
OUT_OF_LINE[[16, 21, 22, 29, *range(30, 47), *range(48, 52), *range(53, 59)]] = True


@njit(cache=True, error_model="numpy")
def _matrix_ops(op, a, b, o, S, V, M, tv, tm):
    """The ops that read or write a matrix (OUT_OF_LINE), on T tasks at once as in program_jobs."""
    F = V.shape[1]
    T = S.shape[1]
    if op == 16:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = 1.0 if M[a, j, k, t] > 0.0 else 0.0
    elif op == 21:
        for t in range(T):
            acc = 0.0
            for j in range(F):
                for k in range(F):
                    acc += M[a, j, k, t] * M[a, j, k, t]
            S[o, t] = math.sqrt(acc)
    elif op == 22:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    tm[j, k, t] = M[a, k, j, t]
        M[o] = tm
    elif op == 29:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = V[a, j, t] * V[b, k, t]
    elif op == 30:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = S[a, t] * M[b, j, k, t]
    elif op == 31:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = 1.0 / M[a, j, k, t]
    elif op == 32:
        for t in range(T):
            for j in range(F):
                acc = 0.0
                for k in range(F):
                    acc += M[a, j, k, t] * V[b, k, t]
                tv[j, t] = acc
        V[o] = tv
    elif op == 33:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = V[a, j, t]
    elif op == 34:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = V[a, k, t]
    elif op == 35:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = abs(M[a, j, k, t])
    elif op == 36:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = M[a, j, k, t] + M[b, j, k, t]
    elif op == 37:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = M[a, j, k, t] - M[b, j, k, t]
    elif op == 38:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = M[a, j, k, t] * M[b, j, k, t]
    elif op == 39:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = M[a, j, k, t] / M[b, j, k, t]
    else:  # 40
        for t in range(T):
            for j in range(F):
                for k in range(F):
                    acc = 0.0
                    for q in range(F):
                        acc += M[a, j, q, t] * M[b, q, k, t]
                    tm[j, k, t] = acc
        M[o] = tm


@njit(cache=True, error_model="numpy")
def _minmax_stat_ops(op, a, b, o, S, V, M, tv):
    """min, max, and the matrix mean, row means and standard deviations (OUT_OF_LINE)."""
    F = V.shape[1]
    T = S.shape[1]
    if op == 41:
        for t in range(T):
            S[o, t] = _fmin(S[a, t], S[b, t])
    elif op == 42:
        for j in range(F):
            for t in range(T):
                V[o, j, t] = _fmin(V[a, j, t], V[b, j, t])
    elif op == 43:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = _fmin(M[a, j, k, t], M[b, j, k, t])
    elif op == 44:
        for t in range(T):
            S[o, t] = _fmax(S[a, t], S[b, t])
    elif op == 45:
        for j in range(F):
            for t in range(T):
                V[o, j, t] = _fmax(V[a, j, t], V[b, j, t])
    elif op == 46:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = _fmax(M[a, j, k, t], M[b, j, k, t])
    elif op == 48:
        for t in range(T):
            acc = 0.0
            for j in range(F):
                for k in range(F):
                    acc += M[a, j, k, t]
            S[o, t] = acc / (F * F)
    elif op == 49:
        for t in range(T):
            for j in range(F):
                acc = 0.0
                for k in range(F):
                    acc += M[a, j, k, t]
                tv[j, t] = acc / F
        V[o] = tv
    elif op == 50:
        for t in range(T):
            acc = 0.0
            for j in range(F):
                acc += V[a, j, t]
            mu = acc / F
            acc = 0.0
            for j in range(F):
                acc += (V[a, j, t] - mu) * (V[a, j, t] - mu)
            S[o, t] = math.sqrt(acc / F)
    else:  # 51
        for t in range(T):
            acc = 0.0
            for j in range(F):
                for k in range(F):
                    acc += M[a, j, k, t]
            mu = acc / (F * F)
            acc = 0.0
            for j in range(F):
                for k in range(F):
                    acc += (M[a, j, k, t] - mu) * (M[a, j, k, t] - mu)
            S[o, t] = math.sqrt(acc / (F * F))


@njit(cache=True, error_model="numpy")
def _random_ops(op, c0, c1, o, S, V, M, seeds, counter):
    """The initialisers that draw (OUT_OF_LINE): returns the RNG counter after them."""
    F = V.shape[1]
    T = S.shape[1]
    if op == 53:
        for t in range(T):
            S[o, t] = c0 + (c1 - c0) * _uniform01(seeds[t], counter)
        counter += 1
    elif op == 54:
        for j in range(F):
            for t in range(T):
                V[o, j, t] = c0 + (c1 - c0) * _uniform01(seeds[t], counter)
            counter += 1
    elif op == 55:
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = c0 + (c1 - c0) * _uniform01(seeds[t], counter)
                counter += 1
    elif op == 56:
        for t in range(T):
            S[o, t] = c0 + c1 * _gauss(seeds[t], counter)
        counter += 2
    elif op == 57:
        for j in range(F):
            for t in range(T):
                V[o, j, t] = c0 + c1 * _gauss(seeds[t], counter)
            counter += 2
    else:  # 58
        for j in range(F):
            for k in range(F):
                for t in range(T):
                    M[o, j, k, t] = c0 + c1 * _gauss(seeds[t], counter)
                counter += 2
    return counter




def program_scores(code, imm, bounds, X, Y, n_train, n_valid, seeds, n_scalar, n_vector,
                   n_matrix, classify, squash, max_abs_error, out):
    """Scores of P programs on T tasks: out (P, T).

    code (I, 4) int64 and imm (I, 2) float64: the instructions of all programs; bounds (P, 4)
    int64: program p's Setup is rows bounds[p, 0]..bounds[p, 1]-1, Predict up to bounds[p, 2],
    Learn up to bounds[p, 3]. X (T, n_train + n_valid, F), Y (T, n_train + n_valid) float64
    (training examples first); seeds (T,) uint64 the tasks' RNG seeds.

    program_predictions with no room for predictions: one compiled kernel serves both (a
    second parallel kernel around the interpreter doubled its cold compile time).
    """
    program_predictions(code, imm, bounds, X, Y, n_train, n_valid, seeds, n_scalar, n_vector,
                        n_matrix, classify, squash, max_abs_error,
                        np.zeros((bounds.shape[0], X.shape[0], 0)), out)


def program_predictions(code, imm, bounds, X, Y, n_train, n_valid, seeds, n_scalar, n_vector,
                        n_matrix, classify, squash, max_abs_error, preds, out):
    """As program_scores, also writing the predictions: preds (P, T, n_train + n_valid)
    (made before each training example's Learn, then on the validation examples; NaN after
    an early stop). A program runs on up to TASK_CHUNK tasks at once: an instruction is
    decoded once for all of them, their numbers side by side.

    The jobs (program, chunk of tasks) run in one compiled loop (program_jobs, which
    releases the GIL); a call with work enough for several threads (PARALLEL_STEPS example
    steps or more) spreads them over numba's thread count in Python threads. Compiled with
    numba's parallel=True instead, the interpreter took half as long again to compile."""
    P, T = bounds.shape[0], X.shape[0]
    jobs = P * ((T + TASK_CHUNK - 1) // TASK_CHUNK)
    args = (code, imm, bounds, X, Y, n_train, n_valid, seeds, n_scalar, n_vector, n_matrix,
            classify, squash, max_abs_error, preds, out)
    threads = min(numba.get_num_threads(), jobs)
    if threads <= 1 or P * T * X.shape[1] < PARALLEL_STEPS:
        program_jobs(*args, 0, jobs)
        return
    # Several small ranges a thread: the jobs' costs differ (early stops).
    step = max(1, jobs // (4 * threads))
    with ThreadPoolExecutor(threads) as pool:
        for f in [pool.submit(program_jobs, *args, i, min(jobs, i + step))
                  for i in range(0, jobs, step)]:
            f.result()


@njit(cache=True, nogil=True, error_model="numpy")
def program_jobs(code, imm, bounds, X, Y, n_train, n_valid, seeds, n_scalar, n_vector,
                 n_matrix, classify, squash, max_abs_error, preds, out, first, last):
    """program_predictions' jobs first..last-1: job j is program j // chunks on its chunk
    j % chunks of TASK_CHUNK tasks, run on their memories side by side (each array's last
    axis is the task: S (n_scalar, T), V (n_vector, F, T), M (n_matrix, F, F, T); tv, tm
    scratch of a vector's and a matrix's shape). Each task's numbers are computed by the
    same operations in the same order as one task alone would be. A task stopped early runs
    on with the others (its numbers are never read) until every task has stopped.

    The whole job is this one function, its scalar and vector ops in place (the linear
    search spaces use no others), the other ops (OUT_OF_LINE) calls to three functions
    compiled apart: numba inlines a function by copying its IR, slowly for a large one, and
    links each called function into its caller's module to optimise it there again, so a
    chain of large functions is optimised once per level. With every op in a function
    inlined into a second one that this one called, it took twice as long to compile, at
    the same speed on the linear search spaces (docs/results/performance.md, cold start)."""
    chunks = (X.shape[0] + TASK_CHUNK - 1) // TASK_CHUNK
    for job in range(first, last):
        prog = job // chunks
        t0 = (job % chunks) * TASK_CHUNK
        t1 = min(X.shape[0], t0 + TASK_CHUNK)
        pb = bounds[prog]
        Xj = X[t0:t1]
        Yj = Y[t0:t1]
        sj = seeds[t0:t1]
        pj = preds[prog, t0:t1]
        oj = out[prog, t0:t1]
        T, n, F = Xj.shape[0], Xj.shape[1], Xj.shape[2]
        S = np.zeros((n_scalar, T))
        V = np.zeros((n_vector, F, T))
        M = np.zeros((n_matrix, F, F, T))
        tv = np.zeros((F, T))
        tm = np.zeros((F, F, T))
        record = pj.shape[1] > 0
        total = np.zeros(T)
        alive = np.ones(T, dtype=np.bool_)
        n_alive = T
        counter = np.int64(0)      # not a literal 0: _random_ops is compiled for one type
        # One loop over the instructions for all three components: phase 0 is Setup, then
        # Predict (1) and, on training examples, Learn (2), example by example.
        e = -1
        phase = 0
        while True:
            if phase == 1:
                for j in range(F):
                    for t in range(T):
                        V[0, j, t] = Xj[t, e, j]
                for t in range(T):
                    S[0, t] = 0.0
            elif phase == 2:
                for t in range(T):
                    S[0, t] = Yj[t, e]
            for i in range(pb[phase], pb[phase + 1]):
                op = code[i, 0]
                a = code[i, 1]
                b = code[i, 2]
                o = code[i, 3]
                if OUT_OF_LINE[op]:
                    if op < 41:
                        _matrix_ops(op, a, b, o, S, V, M, tv, tm)
                    elif op < 52:
                        _minmax_stat_ops(op, a, b, o, S, V, M, tv)
                    else:
                        counter = _random_ops(op, imm[i, 0], imm[i, 1], o, S, V, M, sj, counter)
                elif op < 15:
                    if op == 0:
                        for t in range(T):
                            S[o, t] = S[a, t] + S[b, t]
                    elif op == 1:
                        for t in range(T):
                            S[o, t] = S[a, t] - S[b, t]
                    elif op == 2:
                        for t in range(T):
                            S[o, t] = S[a, t] * S[b, t]
                    elif op == 3:
                        for t in range(T):
                            S[o, t] = S[a, t] / S[b, t]
                    elif op == 4:
                        for t in range(T):
                            S[o, t] = abs(S[a, t])
                    elif op == 5:
                        for t in range(T):
                            S[o, t] = 1.0 / S[a, t]
                    elif op == 6:
                        for t in range(T):
                            S[o, t] = math.sin(S[a, t])
                    elif op == 7:
                        for t in range(T):
                            S[o, t] = math.cos(S[a, t])
                    elif op == 8:
                        for t in range(T):
                            S[o, t] = math.tan(S[a, t])
                    elif op == 9:
                        for t in range(T):
                            x = S[a, t]
                            S[o, t] = math.asin(x) if -1.0 <= x <= 1.0 else np.nan
                    elif op == 10:
                        for t in range(T):
                            x = S[a, t]
                            S[o, t] = math.acos(x) if -1.0 <= x <= 1.0 else np.nan
                    elif op == 11:
                        for t in range(T):
                            S[o, t] = math.atan(S[a, t])
                    elif op == 12:
                        for t in range(T):
                            S[o, t] = math.exp(S[a, t])
                    elif op == 13:
                        for t in range(T):
                            x = S[a, t]
                            S[o, t] = math.log(x) if x > 0.0 else (-np.inf if x == 0.0 else np.nan)
                    else:  # 14
                        for t in range(T):
                            S[o, t] = 1.0 if S[a, t] > 0.0 else 0.0
                elif op < 30:
                    if op == 15:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = 1.0 if V[a, j, t] > 0.0 else 0.0
                    elif op == 17:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = S[a, t] * V[b, j, t]
                    elif op == 18:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = S[a, t]
                    elif op == 19:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = 1.0 / V[a, j, t]
                    elif op == 20:
                        for t in range(T):
                            acc = 0.0
                            for j in range(F):
                                acc += V[a, j, t] * V[a, j, t]
                            S[o, t] = math.sqrt(acc)
                    elif op == 23:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = abs(V[a, j, t])
                    elif op == 24:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = V[a, j, t] + V[b, j, t]
                    elif op == 25:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = V[a, j, t] - V[b, j, t]
                    elif op == 26:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = V[a, j, t] * V[b, j, t]
                    elif op == 27:
                        for j in range(F):
                            for t in range(T):
                                V[o, j, t] = V[a, j, t] / V[b, j, t]
                    else:  # 28
                        for t in range(T):
                            acc = 0.0
                            for j in range(F):
                                acc += V[a, j, t] * V[b, j, t]
                            S[o, t] = acc
                elif op == 47:
                    for t in range(T):
                        acc = 0.0
                        for j in range(F):
                            acc += V[a, j, t]
                        S[o, t] = acc / F
                else:  # 52
                    c0 = imm[i, 0]
                    for t in range(T):
                        S[o, t] = c0
            if phase == 1:
                for t in range(T):
                    if not alive[t]:
                        continue
                    p = S[1, t]
                    if classify:
                        p = 1.0 / (1.0 + math.exp(-p)) if p > -700.0 else 0.0
                        S[1, t] = p
                    if not math.isfinite(p) or (e < n_train and abs(p - Yj[t, e]) > max_abs_error):
                        alive[t] = False
                        n_alive -= 1
                        if record:
                            for q in range(e, n):
                                pj[t, q] = np.nan
                        continue
                    if record:
                        pj[t, e] = p
                    if e >= n_train:
                        if classify:
                            total[t] += 1.0 if (p > 0.5) == (Yj[t, e] > 0.5) else 0.0
                        else:
                            d = p - Yj[t, e]
                            total[t] += d * d
                if n_alive == 0:
                    break
                if e < n_train:
                    phase = 2
                    continue
            e += 1
            if e == n:
                break
            phase = 1
        for t in range(T):
            if not alive[t] or n_valid == 0:
                oj[t] = 0.0
            elif classify:
                oj[t] = total[t] / n_valid
            else:
                rms = math.sqrt(total[t] / n_valid)
                if not math.isfinite(rms):
                    oj[t] = 0.0
                elif squash:
                    oj[t] = 1.0 - 0.63661977236758138243 * math.atan(rms)
                else:
                    oj[t] = min(1.0, max(0.0, 1.0 - rms))


# -- dead-code removal before a run (the interpreter's fast path) --------------------------
# Per op: the kind written (0 scalar, 1 vector, 2 matrix), the kinds read (-1: none).
_KIND = {"s": 0, "v": 1, "m": 2}
OUT_KIND = np.array([_KIND[out] for _, out, _ in OPS], dtype=np.int64)
IN_KIND = np.array([[_KIND[k] for k in args.replace("f", "")] + [-1] * (2 - len(args.replace("f", "")))
                    for _, _, args in OPS], dtype=np.int64)
IS_RANDOM = np.array([i in RANDOM_OPS for i in range(N_OPS)], dtype=np.bool_)


@njit(cache=True)
def _live_in(code, start, stop, live, keep):
    """Backward liveness over rows start..stop-1: live (3, A) bool, updated in place from
    the live-out set to the live-in set; keep[i] = row i writes a live address."""
    for i in range(stop - 1, start - 1, -1):
        op = code[i, 0]
        k = OUT_KIND[op]
        o = code[i, 3]
        if live[k, o]:
            keep[i] = True
            live[k, o] = False
            for r in range(2):
                kr = IN_KIND[op, r]
                if kr >= 0:
                    live[kr, code[i, 1 + r]] = True
        else:
            keep[i] = False


@njit(cache=True)
def live_rows(code, bounds, n_addr):
    """(I,) bool: the rows of each program that reach its prediction s1, exactly as
    rules.programs.prune decides (backward liveness from s1 through Setup;
    (Predict; Learn)*; Predict*, with v0 written before Predict and s0 before Learn; when a
    live row draws from the RNG, every drawing row is kept)."""
    keep = np.zeros(code.shape[0], dtype=np.bool_)
    for p in range(bounds.shape[0]):
        s0, s1, s2, s3 = bounds[p, 0], bounds[p, 1], bounds[p, 2], bounds[p, 3]
        pred_in = np.zeros((3, n_addr), dtype=np.bool_)
        learn_in = np.zeros((3, n_addr), dtype=np.bool_)
        while True:
            learn_live = pred_in.copy()
            learn_live[1, 0] = False                       # v0 is written before Predict
            _live_in(code, s2, s3, learn_live, keep)
            pred_live = learn_live.copy()
            pred_live[0, 0] = False                        # s0 is written before Learn
            for k in range(3):
                for a in range(n_addr):
                    if pred_in[k, a] and not (k == 1 and a == 0):
                        pred_live[k, a] = True
            pred_live[0, 1] = True                         # s1, the prediction
            _live_in(code, s1, s2, pred_live, keep)
            same = True
            for k in range(3):
                for a in range(n_addr):
                    if pred_live[k, a] != pred_in[k, a] or learn_live[k, a] != learn_in[k, a]:
                        same = False
            if same:
                break
            pred_in = pred_live
            learn_in = learn_live
        out = pred_in.copy()
        out[1, 0] = False
        _live_in(code, s2, s3, out, keep)
        out = learn_in.copy()
        out[0, 0] = False
        for k in range(3):
            for a in range(n_addr):
                if pred_in[k, a] and not (k == 1 and a == 0):
                    out[k, a] = True
        out[0, 1] = True
        _live_in(code, s1, s2, out, keep)
        out = pred_in.copy()
        out[1, 0] = False
        _live_in(code, s0, s1, out, keep)
        any_random = False
        for i in range(s0, s3):
            if keep[i] and IS_RANDOM[code[i, 0]]:
                any_random = True
        if any_random:
            for i in range(s0, s3):
                if IS_RANDOM[code[i, 0]]:
                    keep[i] = True
    return keep


def live_pack(code, imm, bounds, n_addr: int):
    """The packed programs with their dead rows removed (live_rows): the same predictions
    bit for bit, fewer instructions to run."""
    if len(code) == 0:
        return code, imm, bounds
    keep = live_rows(code, bounds, n_addr)
    kept = np.concatenate([[0], np.cumsum(keep)])
    return (np.ascontiguousarray(code[keep]), np.ascontiguousarray(imm[keep]),
            kept[bounds].astype(np.int64))


@njit(cache=True)
def live_pack_rows(rows, n_addr):
    """live_pack of the programs given as fixed-size rows (rules.programs.encode_fixed: the
    three sizes, then six numbers per instruction): packed and pruned in one call, the same
    three arrays as live_pack(*rules.programs.pack_rows(rows), n_addr)."""
    P = rows.shape[0]
    total = 0
    for p in range(P):
        total += int(rows[p, 0]) + int(rows[p, 1]) + int(rows[p, 2])
    code = np.empty((total, 4), dtype=np.int64)
    imm = np.empty((total, 2))
    bounds = np.zeros((P, 4), dtype=np.int64)
    at = 0
    for p in range(P):
        bounds[p, 0] = at
        j = 3
        for c in range(3):
            for _ in range(int(rows[p, c])):
                for f in range(4):
                    code[at, f] = int(rows[p, j + f])
                imm[at, 0] = rows[p, j + 4]
                imm[at, 1] = rows[p, j + 5]
                at += 1
                j += 6
            bounds[p, c + 1] = at
    if total == 0:
        return code, imm, bounds
    keep = live_rows(code, bounds, n_addr)
    kept = np.zeros(total + 1, dtype=np.int64)
    for i in range(total):
        kept[i + 1] = kept[i] + (1 if keep[i] else 0)
    code2 = np.empty((kept[total], 4), dtype=np.int64)
    imm2 = np.empty((kept[total], 2))
    for i in range(total):
        if keep[i]:
            code2[kept[i]] = code[i]
            imm2[kept[i]] = imm[i]
    for p in range(P):
        for c in range(4):
            bounds[p, c] = kept[bounds[p, c]]
    return code2, imm2, bounds
