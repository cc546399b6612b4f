"""Pieces every rules-innermost kernel shares: the job decomposition and the copy-in.

The population kernels (single_layer.py, two_layer.py, linear_neuron.py) run
one prange job per (task, block of rules); a job copies its rules'
coefficients into a local (K, nr) array and broadcasts the task's initial
weights over its nr rule lanes, rule index last so the loops over rules are
contiguous and vectorise, and stores its measurements into its own slots of
perf (R, T, E+1), the layout every learner kernel fills and every wrapper
returns. All inline="always": they cost nothing over the
code they replace.

numba's on-disk cache is keyed on each kernel's own source file, so after
editing this module delete evo_l2l/kernels/__pycache__ (or the kernels that
inline it keep their old machine code).
"""
import numpy as np
from numba import njit

from .alloc import empty


def balanced_task_order(sizes) -> np.ndarray:
    """An order of the tasks for a kernel's jobs: by size, largest and smallest in turn.

    Why: numba's prange hands each thread one contiguous run of jobs, so the first half
    of the tasks went to one thread and the second to the other; chalmers1990's task set
    lists its shapes smallest first, and one thread had twice the other's work (332 vs 664
    pattern x input x output units). Pairing the largest left with the smallest left
    makes every stretch of jobs about equally heavy, for any number of threads (500 vs
    496). A kernel writes each task's results to its own slots, so the order changes
    only the time. sizes: (T,) work per task; returns a permutation of 0..T-1."""
    by_size = np.argsort(-np.asarray(sizes, dtype=np.int64), kind="stable")
    order = np.empty_like(by_size)
    half = (len(by_size) + 1) // 2
    order[0::2] = by_size[:half]
    order[1::2] = by_size[half:][::-1]
    return order


@njit(cache=True, inline="always")
def n_rule_blocks(n_rules, block):
    """Blocks of at most `block` rules covering n_rules."""
    return (n_rules + block - 1) // block


@njit(cache=True, inline="always")
def job_rules(job, n_blocks, block, n_rules):
    """Job -> (task, r0, nr): the job's task and its rules r0 .. r0 + nr - 1."""
    task = job // n_blocks
    r0 = (job % n_blocks) * block
    return task, r0, min(r0 + block, n_rules) - r0


@njit(cache=True, inline="always")
def ordered_task(position, order):
    """The task at `position` of the jobs' task order (balanced_task_order), or the
    position itself when there is no order (None)."""
    # int64 on both paths: a prange index is unsigned, and an unsigned and a signed integer
    # unify to float64 in numba
    p = np.int64(position)
    if order is None:
        return p
    return np.int64(order[p])


@njit(cache=True, inline="always")
def coef_block(coef, r0, nr):
    """The (K, nr) local copy of coefficient columns r0 .. r0 + nr - 1 of coef (K, R)."""
    K = coef.shape[0]
    k = empty((K, nr))
    for c in range(K):
        for r in range(nr):
            k[c, r] = coef[c, r0 + r]
    return k


@njit(cache=True, inline="always")
def padded_lanes(nr):
    """nr rule lanes rounded up to a multiple of 4: the lane-group kernels' width."""
    return (nr + 3) // 4 * 4


@njit(cache=True, inline="always")
def step_chunks(n_chunks, max_chunks):
    """n_chunks groups of 4 lanes cut into as few steps of at most max_chunks groups as
    possible, as equal as possible: (steps, base, extra), the first `extra` steps of
    base + 1 groups, the others of base (n_chunks >= 1)."""
    n = (n_chunks + max_chunks - 1) // max_chunks
    return n, n_chunks // n, n_chunks % n


@njit(cache=True, inline="always")
def padded_coef_block(coef, r0, nr, width):
    """coef_block widened to `width` lanes, the extra lanes 0 (a rule that never learns)."""
    K = coef.shape[0]
    k = empty((K, width))
    for c in range(K):
        for r in range(nr):
            k[c, r] = coef[c, r0 + r]
        for r in range(nr, width):
            k[c, r] = 0.0
    return k


@njit(cache=True, inline="always")
def broadcast_row(w0, n, nr, out):
    """out[i, r] = w0[i] for i < n, r < nr (rows past n are left as they are)."""
    for i in range(n):
        v = w0[i]
        for r in range(nr):
            out[i, r] = v


@njit(cache=True, inline="always")
def weights_2d(w0, n, rows, nr):
    """A new (rows, nr) weight array: w0[:n] on every rule lane, rows past n unset."""
    W = empty((rows, nr))
    broadcast_row(w0, n, nr, W)
    return W


@njit(cache=True, inline="always")
def weights_3d(w0, n_j, n_i, rows, cols, nr):
    """A new (rows, cols, nr) weight array: w0[:n_j, :n_i] on every rule lane, the rest unset."""
    W = empty((rows, cols, nr))
    for j in range(n_j):
        broadcast_row(w0[j], n_i, nr, W[j])
    return W


@njit(cache=True, inline="always")
def store_perf(perf, task, epoch, r0, nr, m):
    """perf[r0 + r, task, epoch] = m[r] for r < nr: a job's measurement into perf (R, T, E+1)."""
    for r in range(nr):
        perf[r0 + r, task, epoch] = m[r]
