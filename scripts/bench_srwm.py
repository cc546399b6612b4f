#!/usr/bin/env python
"""Episodes per second of the SRWM kernel (kernels/srwm.py) against NumPy versions of the
same step, on rot_digits 2-way 1-shot episodes (15 queries per class, scored once, after
the support set: what a fitness evaluation with fitness_measure 'final' does).

    python scripts/bench_srwm.py [--rules 64] [--episodes 256] [--repeats 3]

NumPy batched: learners.srwm.srwm_step_numpy over all (rule, episode) pairs at once (einsum
on (R * T, heads, M, E) arrays) and the queries as one einsum; NumPy loop: the same
function one (rule, episode) at a time, as a plain Python learner would. The kernel runs
prange over (rule, episode) on the machine's cores (numba's default thread count). One
run, ratios printed; no assertion (benchmarks are scripts, not tests).
"""
import argparse
import os
import time

import numpy as np


def numpy_batched(W0, a, heads, slot, n_way):
    """(R, K) -> (R, T) query accuracy after the support set, every pair at once."""
    from evo_l2l.learners.srwm import _softmax, srwm_step_numpy
    from evo_l2l.rules import srwm as fam
    R, (T, P, E) = len(W0), a["Z"].shape
    W = np.broadcast_to(W0.reshape(R, 1, heads, fam.M, E), (R, T, heads, fam.M, E)).copy()
    ns = int(a["n_support"][0])                     # the same in every episode here
    for p in range(ns):
        x = np.broadcast_to(a["Z"][None, :, None, p], (R, T, heads, E))
        W = srwm_step_numpy(W, x)[0]
    q0, q1 = int(a["query_start"][0]), int(a["query_end"][0])
    phi = _softmax(a["Z"][:, q0:q1])                                    # (T, Q, E)
    logits = np.einsum("rthce,tqe->rtqc", W[:, :, :, slot:slot + n_way], phi)
    return (logits.argmax(-1) == a["label"][None, :, q0:q1]).mean(-1)


def numpy_loop(W0, a, heads, slot, n_way):
    from evo_l2l.learners.srwm import _softmax, srwm_step_numpy
    from evo_l2l.rules import srwm as fam
    R, (T, P, E) = len(W0), a["Z"].shape
    out = np.zeros((R, T))
    for r in range(R):
        for t in range(T):
            W = W0[r].reshape(heads, fam.M, E)
            for p in range(int(a["n_support"][t])):
                W = srwm_step_numpy(W, a["Z"][t, p])[0]
            q0, q1 = int(a["query_start"][t]), int(a["query_end"][t])
            logits = _softmax(a["Z"][t, q0:q1]) @ W[:, slot:slot + n_way].sum(0).T
            out[r, t] = (logits.argmax(-1) == a["label"][t, q0:q1]).mean()
    return out


def timed(fn, repeats):
    best = np.inf
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=int, default=64)
    ap.add_argument("--episodes", type=int, default=256)
    ap.add_argument("--loop-episodes", type=int, default=16,
                    help="episodes for the slow NumPy loop (its rate is per episode)")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    from evo_l2l.learners.srwm import embed, run_episodes
    from evo_l2l.rules import srwm as fam
    from evo_l2l.tasks.rot_digits import Settings, make_rot_digits
    tasks = make_rot_digits(np.random.default_rng(0), Settings(
        n_way=2, k_shot=1, n_query=15, n_train_episodes=args.episodes, n_heldout=1)).select("train")
    a = embed(tasks)
    W0 = fam.decode_real(np.random.default_rng(1).normal(0, 0.3, (args.rules, fam.N_COEF)))
    run_episodes(W0[:1], tasks.select(np.arange(1)), measure_all=False)       # compile
    pairs = args.rules * args.episodes
    t_k, (acc_k, _) = timed(lambda: run_episodes(W0, tasks, measure_all=False), args.repeats)
    t_b, acc_b = timed(lambda: numpy_batched(W0, a, fam.N_HEADS, fam.LABEL_SLOT, 2), args.repeats)
    small = tasks.select(np.arange(min(args.loop_episodes, len(tasks))))
    a_small = embed(small)
    n_loop = max(1, min(args.rules, 4))
    t_l, acc_l = timed(lambda: numpy_loop(W0[:n_loop], a_small, fam.N_HEADS, fam.LABEL_SLOT, 2),
                       1)
    # The three agree (ties aside) on the pairs they share.
    agree_b = float(np.mean(acc_b == acc_k[:, :, -1]))
    agree_l = float(np.mean(acc_l == acc_k[:n_loop, :len(small), -1]))
    rate_k, rate_b = pairs / t_k, pairs / t_b
    rate_l = n_loop * len(small) / t_l
    print(f"SRWM {fam.N_HEADS} heads, W {fam.M}x{fam.E} per head ({fam.N_COEF} entries); "
          f"2-way 1-shot, 30 queries; {args.rules} rules x {args.episodes} episodes; "
          f"cores {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    print(f"  kernel (numba, prange)  {rate_k:12.0f} episodes/s")
    print(f"  NumPy batched (einsum)  {rate_b:12.0f} episodes/s   kernel / batched {rate_k / rate_b:6.1f}x"
          f"   (same answers on {agree_b:.1%} of pairs)")
    print(f"  NumPy loop              {rate_l:12.0f} episodes/s   kernel / loop    {rate_k / rate_l:6.1f}x"
          f"   (same answers on {agree_l:.1%} of pairs)")


if __name__ == "__main__":
    main()
