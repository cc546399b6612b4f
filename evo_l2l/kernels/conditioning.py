"""Numba kernel: a conditioning circuit in the spirit of Aplysia (Bengio et al. 1991).

A motor neuron o = sigmoid(w1 CS1 + w2 CS2 + w_us US + bias) receives two
conditioned stimuli through plastic synapses and the unconditioned stimulus
through a fixed strong one; a facilitatory neuron fires with the US (f = US).
One rule, multilinear in the synapse's local variables (a: its CS, o, w, f),
16 coefficients in the order of rules/conditioning.py, changes w1 and w2
after every training trial. Probe trials (X[..., 3] = 1) present stimuli
without learning and record o, which is compared with the desired response Y.

Shapes: coef (16, R); X (T, P, 4) = CS1, CS2, US, probe flag; Y (T, P, 1)
desired responses at probe trials; W0 (T, 1, 4): w1, w2, w_us, bias (only
w1, w2 plastic); perf (R, T, E+1): 1 - mean over probe trials |Y - o|, with
the probes of measurement 0 answered by the initial weights.
"""
from numba import njit, prange

from .alloc import empty
from ._jobs import ordered_task, padded_coef_block, padded_lanes, step_chunks, weights_2d
from .fastexp import fast_exp
from .lanes import (CONDITIONING_MAX_CHUNKS, conditioning_step4, conditioning_step8,
                    conditioning_step12, conditioning_step16)

_FASTMATH = {"contract"}


@njit(cache=True, inline="always")
def _step(c, w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip):
    """lanes.conditioning_step on c groups of 4 lanes (c = 1 .. CONDITIONING_MAX_CHUNKS)."""
    if c == 4:
        conditioning_step16(w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip)
    elif c == 3:
        conditioning_step12(w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip)
    elif c == 2:
        conditioning_step8(w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip)
    else:
        conditioning_step4(w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip)


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_conditioning_population(coef, X, Y, W0, n_patterns, n_epochs, clip, perf,
                                  order=None):
    """order: the tasks in the order the jobs take them (_jobs.balanced_task_order), or
    None for 0..T-1; perf is the same."""
    n_tasks = X.shape[0]
    R = coef.shape[1]
    for job in prange(n_tasks):
        task = ordered_task(job, order)
        n_p = n_patterns[task]
        w_us = W0[task, 0, 2]
        bias = W0[task, 0, 3]
        err = empty(R)
        n_probe = 0
        for p in range(n_p):
            if X[task, p, 3] != 0.0:
                n_probe += 1
        scale = 1.0 / max(n_probe, 1)
        # Measurement 0: every probe answered by the initial weights.
        for r in range(R):
            err[r] = 0.0
        for p in range(n_p):
            if X[task, p, 3] != 0.0:
                s = W0[task, 0, 0] * X[task, p, 0] + W0[task, 0, 1] * X[task, p, 1] \
                    + w_us * X[task, p, 2] + bias
                d = abs(Y[task, p, 0] - 1.0 / (1.0 + fast_exp(-s)))
                for r in range(R):
                    err[r] += d
        for r in range(R):
            v = 1.0 - err[r] * scale
            perf[r, task, 0] = v if v == v else 0.0
        RP = padded_lanes(R)
        k = padded_coef_block(coef, 0, R, RP)
        w = weights_2d(W0[task, 0], 2, 2, RP)     # w1, w2 on every rule lane
        errp = empty(RP)
        n_steps, base, extra = step_chunks(RP // 4, CONDITIONING_MAX_CHUNKS)
        for epoch in range(n_epochs):
            for r in range(RP):
                errp[r] = 0.0
            for p in range(n_p):
                c1 = X[task, p, 0]
                c2 = X[task, p, 1]
                us = X[task, p, 2]
                inv = w_us * us
                probe = X[task, p, 3]
                t = Y[task, p, 0]
                g = 0
                for s in range(n_steps):
                    c = base + 1 if s < extra else base
                    _step(c, w, RP, k, g, c1, c2, inv, bias, us, probe, t, errp, clip)
                    g += 4 * c
            for r in range(R):
                v = 1.0 - errp[r] * scale
                perf[r, task, epoch + 1] = v if v == v else 0.0
