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

The kernel of kernels/conditioning.py before kernels/lanes.py, kept as an oracle:
tests/test_kernels.py checks that the current kernel gives bitwise its results, and
scripts/bench_inner.py times both.
"""
import numpy as np
from numba import njit, prange

from evo_l2l.kernels._jobs import weights_2d
from evo_l2l.kernels._multilinear import clipped_update, factors16
from evo_l2l.kernels.fastexp import fast_exp

_FASTMATH = {"contract"}


@njit(cache=True, fastmath=_FASTMATH, parallel=True)
def train_conditioning_population(coef, X, Y, W0, n_patterns, n_epochs, clip, perf):
    n_tasks = X.shape[0]
    R = coef.shape[1]
    for job in prange(n_tasks):
        task = job
        n_p = n_patterns[task]
        w_us = W0[task, 0, 2]
        bias = W0[task, 0, 3]
        o = np.empty(R)
        err = np.empty(R)
        p0 = np.empty(R); p1 = np.empty(R); q0 = np.empty(R); q1 = np.empty(R)
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
        w = weights_2d(W0[task, 0], 2, 2, R)     # w1, w2 on every rule lane
        for epoch in range(n_epochs):
            for r in range(R):
                err[r] = 0.0
            for p in range(n_p):
                c1 = X[task, p, 0]
                c2 = X[task, p, 1]
                us = X[task, p, 2]
                for r in range(R):
                    o[r] = 1.0 / (1.0 + fast_exp(-(w[0, r] * c1 + w[1, r] * c2 + w_us * us + bias)))
                if X[task, p, 3] != 0.0:
                    t = Y[task, p, 0]
                    for r in range(R):
                        err[r] += abs(t - o[r])
                    continue
                # The 16 terms in the order of rules/conditioning.py (a, o, w, f),
                # regrouped as (p0 + p1 a) + (q0 + q1 a) w.
                for r in range(R):
                    f0, f1, f2, f3 = factors16(coef, r, o[r], us)
                    p0[r] = f0
                    p1[r] = f1
                    q0[r] = f2
                    q1[r] = f3
                for i in range(2):
                    a = X[task, p, i]
                    for r in range(R):
                        w[i, r] = clipped_update(w[i, r], a, p0[r], p1[r], q0[r], q1[r], clip)
            for r in range(R):
                v = 1.0 - err[r] * scale
                perf[r, task, epoch + 1] = v if v == v else 0.0
