"""The single-layer population kernel over groups: each group's rules on its own tasks.

Why: a meta level's runs below (evolution/meta_batch.py) each score a small population
on their own task set once a generation; advanced together, one call takes every run's
rules, so the Python around a call is paid once a round, not once a run, and runs on the
same tasks share rule lanes. A job is one (task, block of one group's rules) pair, listed
by the caller, so no rule is trained on another group's tasks.

A job is train_chalmers_population's (single_layer.chalmers_job: the same lane steps,
padding and order of arithmetic), and a rule's lanes never mix with its neighbours', so
each rule's curve on a task is bitwise the one that kernel gives (tests/test_meta_batch.py).

Shapes as in single_layer.py, and:

    job_task   (J,) int64  the task (a row of X, Y, W0) of each job
    job_slot   (J,) int64  where the job's curves go on perf's task axis
    job_r0     (J,) int64  the job's first rule (a column of coef)
    job_nr     (J,) int64  its number of rules (>= 1)
    perf       (R, S, E+1) out: perf[job_r0 + r, job_slot, :] for each job's rules
"""
import numpy as np
from numba import njit, prange

from .single_layer import _FASTMATH, chalmers_job


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_chalmers_jobs(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
                        job_task, job_slot, job_r0, job_nr, perf):
    """Trains each job's rules on its task online; fills its slots of perf."""
    for job in prange(job_task.shape[0]):
        chalmers_job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
                     np.int64(job_task[job]), np.int64(job_slot[job]),
                     np.int64(job_r0[job]), np.int64(job_nr[job]), perf)


@njit(cache=True, fastmath=_FASTMATH)
def train_chalmers_jobs_serial(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs,
                               clip, job_task, job_slot, job_r0, job_nr, perf):
    """train_chalmers_jobs on the calling thread: for calls too small to pay for starting
    and joining numba's threads (the same curves)."""
    for job in range(job_task.shape[0]):
        chalmers_job(coef, X, Y, W0, n_patterns, n_inputs, n_outputs, n_epochs, clip,
                     np.int64(job_task[job]), np.int64(job_slot[job]),
                     np.int64(job_r0[job]), np.int64(job_nr[job]), perf)
