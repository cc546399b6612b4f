"""The single-layer population kernel over groups: each group's rules on its own tasks.

Why: a meta level's runs below (evolution/meta_batch.py) each score a small population
on their own task set once a generation; advanced together, one call takes every run's
rules, so the Python around a call is paid once a round, not once a run, and runs on the
same tasks share rule lanes. A job is one (task, block of one group's rules) pair, listed
by the caller, so no rule is trained on another group's tasks.

A job's body is train_chalmers_population's (the same lane steps, padding and order of
arithmetic), and a rule's lanes never mix with its neighbours', so each rule's curve on
a task is bitwise the one that kernel gives (tests/test_meta_batch.py).

Shapes as in single_layer.py, and:

    job_task   (J,) int64  the task (a row of X, Y, W0) of each job
    job_slot   (J,) int64  where the job's curves go on perf's task axis
    job_r0     (J,) int64  the job's first rule (a column of coef)
    job_nr     (J,) int64  its number of rules (>= 1)
    perf       (R, S, E+1) out: perf[job_r0 + r, job_slot, :] for each job's rules
"""
import numpy as np
from numba import njit, prange

from ._jobs import padded_coef_block, padded_lanes, step_chunks, store_perf, weights_3d
from .alloc import empty
from .lanes import MAX_CHUNKS
from .single_layer import _FASTMATH, _measure, _train_step


@njit(cache=True, fastmath=_FASTMATH, inline="always")
def _job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
         task, slot, r0, nr, perf):
    """One job: rules r0 .. r0 + nr - 1 on one task, curves into perf[:, slot]."""
    max_i = X.shape[2]
    max_o = Y.shape[2]
    max_p = X.shape[1]
    NRP = padded_lanes(nr)
    n_p = n_patterns[task]
    n_i = n_inputs[task]
    n_o = n_outputs[task]
    y_t = Y[task]
    xt0 = task * max_p * max_i
    k = padded_coef_block(coef, r0, nr, NRP)
    W = weights_3d(W0[task], n_o, n_i, max_o, max_i, NRP)
    m = empty(NRP)
    n_steps, base, extra = step_chunks(NRP // 4, MAX_CHUNKS)
    _measure(W, NRP, X, xt0, y_t, n_p, n_i, n_o, max_i, m)
    store_perf(perf, slot, 0, r0, nr, m)
    for epoch in range(n_epochs):
        for p in range(n_p):
            x0 = xt0 + p * max_i
            for j in range(n_o):
                t = y_t[p, j]
                w0 = j * max_i * NRP
                g = 0
                for s in range(n_steps):
                    c = base + 1 if s < extra else base
                    _train_step(c, W, w0 + g, NRP, X, x0, n_i, k, g, t, clip)
                    g += 4 * c
        _measure(W, NRP, X, xt0, y_t, n_p, n_i, n_o, max_i, m)
        store_perf(perf, slot, epoch + 1, r0, nr, m)


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_chalmers_jobs(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
                        job_task, job_slot, job_r0, job_nr, perf):
    """Trains each job's rules on its task online; fills its slots of perf."""
    for job in prange(job_task.shape[0]):
        _job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
             np.int64(job_task[job]), np.int64(job_slot[job]), np.int64(job_r0[job]),
             np.int64(job_nr[job]), perf)


@njit(cache=True, fastmath=_FASTMATH)
def train_chalmers_jobs_serial(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs,
                               clip, job_task, job_slot, job_r0, job_nr, perf):
    """train_chalmers_jobs on the calling thread: for calls too small to pay for starting
    and joining numba's threads (the same curves)."""
    for job in range(job_task.shape[0]):
        _job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
             np.int64(job_task[job]), np.int64(job_slot[job]), np.int64(job_r0[job]),
             np.int64(job_nr[job]), perf)
