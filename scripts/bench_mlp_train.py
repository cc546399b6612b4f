#!/usr/bin/env python
"""Parameter updates per second of the MLP trainer (kernels/mlp_train.py) against its NumPy
reference (tests/naive_mlp.py) and PyTorch on the CPU, training the same nets with Adam.

    python scripts/bench_mlp_train.py [--quick] [--repeats 3] [--rules 16] [--tasks 8]

Rate = parameters x steps x jobs / seconds, a job being one optimizer training one net.
The kernel trains rules x tasks jobs in one `train` call (prange over the jobs, numba's
thread count: NUMBA_NUM_THREADS, default all cores), each with the Adam update program
(the rules differ in lr); it also takes the test loss before and after training (2 forward
passes over 32 rows, counted against it). NumPy and PyTorch train one job at a time
(fewer jobs: they are slow); PyTorch as its users would, an nn.Sequential and
torch.optim.Adam, in float32 and float64, on 1 thread and on its default threads.
Nets (random data of these shapes, batch 32): MNIST-1D-sized, 40 inputs -> 32 tanh -> 10,
and 40 -> 128 -> 128 tanh -> 10; softmax cross-entropy. Each measurement is repeated
(interleaved: one round times every method once) and the median rate is reported; the
ratios are numba's median over the other's, from this run. The kernel's losses are
checked against NumPy's and float64 PyTorch's on a shared job first. Without torch the
PyTorch rows are left out (a note says so).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

from machine import cpu_model  # scripts/ is on sys.path when this script runs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests"))

import naive_mlp  # noqa: E402  (tests/: the NumPy reference)
from evo_l2l.kernels import mlp_train as mt  # noqa: E402

try:
    import torch
except ImportError:
    torch = None

NETS = {"mnist1d 40-32-10": (40, (32,), 10), "wide 40-128-128-10": (40, (128, 128), 10)}
BATCH, N_TRAIN, N_TEST = 32, 256, 32
# Adam (betas 0.9, 0.999, eps 1e-8) as an update program; registers 0 g, 2-3 m1-m2,
# 5-6 r1-r2, 7 u; ops interp 9, square 8, debias 13, sqrt 6, shift 11, div 4.
ADAM = [(9, 2, 2, 0, 0.9), (8, 5, 0, 0, 0), (9, 3, 3, 5, 0.999), (13, 5, 2, 2, 0.9),
        (13, 6, 3, 3, 0.999), (6, 6, 6, 6, 0), (11, 6, 6, 6, 1e-8), (4, 7, 5, 6, 0)]


def adam_rows(lrs):
    rows = np.zeros((len(lrs), 1 + mt.N_SLOTS * mt.SLOT))
    rows[:, 0] = lrs
    for s, ins in enumerate(ADAM):
        rows[:, 1 + s * mt.SLOT:1 + (s + 1) * mt.SLOT] = ins
    return rows


def make_jobs(net, n_rules, n_tasks, steps, seed=0):
    """The kernel's arrays for n_rules Adam rows x n_tasks random tasks of one net."""
    d, hidden, o = net
    rng = np.random.default_rng(seed)
    P = N_TRAIN + N_TEST
    X = rng.normal(0, 1, (n_tasks, P, d))
    Y = np.eye(o)[rng.integers(0, o, (n_tasks, P))]
    arch = np.zeros((n_tasks, mt.ARCH_COLUMNS), dtype=np.int64)
    arch[:] = [len(hidden), *hidden, *[0] * (3 - len(hidden)), 0, 0, BATCH, steps]
    n = int(mt.n_params(d, arch[0], o))
    theta0 = np.empty((n_tasks, n))
    for t in range(n_tasks):
        parts, prev = [], d
        for width in (*hidden, o):
            parts += [rng.normal(0, 1 / np.sqrt(prev), width * prev), np.zeros(width)]
            prev = width
        theta0[t] = np.concatenate(parts)
    batches = np.stack([[rng.choice(N_TRAIN, BATCH, replace=False) for _ in range(steps)]
                        for _ in range(n_tasks)]).astype(np.int64)
    full = lambda v: np.full(n_tasks, v, dtype=np.int64)          # noqa: E731
    return dict(rows=adam_rows(np.geomspace(1e-3, 1e-2, n_rules)), X=X, Y=Y, n_in=full(d),
                n_out=full(o), arch=arch, n_train=full(N_TRAIN), n_pat=full(P),
                theta0=theta0, batches=batches, n=n, steps=steps, net=net)


def run_kernel(j):
    R, T = len(j["rows"]), len(j["X"])
    test_loss = np.zeros((R, T, 2))
    train_loss = np.zeros((R, T, j["steps"]))
    mt.train(mt.PROGRAM, j["rows"], j["X"], j["Y"], j["n_in"], j["n_out"], j["arch"],
             j["n_train"], j["n_pat"], np.ones(T), j["theta0"], j["batches"], test_loss,
             train_loss)
    return train_loss


def job_of(j, k):
    """Job k's (row, task) in the kernel's order (job = r * T + t)."""
    T = len(j["X"])
    return j["rows"][k // T], k % T


def run_numpy(j, n_jobs):
    out = []
    for k in range(n_jobs):
        row, t = job_of(j, k)
        d, o = j["n_in"][t], j["n_out"][t]
        out.append(naive_mlp.train(mt.PROGRAM, row, j["X"][t], j["Y"][t], d, o, j["arch"][t],
                                   N_TRAIN, N_TRAIN + N_TEST, j["theta0"][t],
                                   j["batches"][t], 1)[1])
    return out


def torch_model(j, t, dtype):
    d, hidden, o = j["net"]
    layers, prev = [], d
    for width in hidden:
        layers += [torch.nn.Linear(prev, width, dtype=dtype), torch.nn.Tanh()]
        prev = width
    model = torch.nn.Sequential(*layers, torch.nn.Linear(prev, o, dtype=dtype))
    theta, p = torch.tensor(j["theta0"][t], dtype=dtype), 0
    with torch.no_grad():                 # the kernel's order: per layer W (out x in), b
        for lin in (m for m in model if isinstance(m, torch.nn.Linear)):
            for par in (lin.weight, lin.bias):
                par.copy_(theta[p:p + par.numel()].view_as(par))
                p += par.numel()
    return model


def run_torch(j, n_jobs, dtype, threads):
    """One model and optimizer at a time, as a PyTorch user trains them."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        out = []
        for k in range(n_jobs):
            row, t = job_of(j, k)
            model = torch_model(j, t, dtype)
            opt = torch.optim.Adam(model.parameters(), lr=float(row[0]), betas=(0.9, 0.999),
                                   eps=1e-8)
            X = torch.tensor(j["X"][t], dtype=dtype)
            y = torch.tensor(j["Y"][t].argmax(1))
            batches = torch.tensor(j["batches"][t])
            losses = torch.empty(j["steps"], dtype=dtype)
            for s in range(j["steps"]):
                idx = batches[s]
                loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                losses[s] = loss.detach()
            out.append(losses.numpy())
        return out
    finally:
        torch.set_num_threads(before)


def blas_threads():
    """NumPy's BLAS threads (the reference's matrix products use them), if knowable."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "?"
    counts = {i["num_threads"] for i in threadpool_info() if i.get("user_api") == "blas"}
    return ",".join(map(str, sorted(counts))) or "?"


def timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="a few-second smoke run: 10 steps, 2 x 2 kernel jobs, 1 round")
    ap.add_argument("--repeats", type=int, default=3, help="interleaved rounds (median)")
    ap.add_argument("--steps", type=int, default=100)
    ap.add_argument("--rules", type=int, default=16, help="kernel: Adam rows per call")
    ap.add_argument("--tasks", type=int, default=8, help="kernel: tasks per call")
    ap.add_argument("--numpy-jobs", type=int, default=2)
    ap.add_argument("--torch-jobs", type=int, default=8)
    args = ap.parse_args()
    if args.quick:
        args.steps, args.rules, args.tasks, args.repeats = 10, 2, 2, 1
        args.numpy_jobs, args.torch_jobs = 1, 1
    import numba
    numba_threads = numba.get_num_threads()
    torch_default = torch.get_num_threads() if torch is not None else 0

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, load "
          f"{os.getloadavg()[0]:.1f}; numba threads {numba_threads} (NUMBA_NUM_THREADS="
          f"{os.environ.get('NUMBA_NUM_THREADS', 'unset')}); NumPy BLAS threads "
          f"{blas_threads()}" +
          (f"; torch {torch.__version__}, default threads {torch_default}" if torch else ""))
    if torch is None:
        print("note: torch is not installed (pip install 'evo_l2l[bench]'): numba against "
              "NumPy only")
    print(f"Adam, batch {BATCH}, {args.steps} steps, softmax cross-entropy, random data; "
          f"median of {args.repeats} interleaved rounds\n")

    header = (f"{'net':20} {'params':>7}  {'method':28} {'jobs':>5} {'updates/s':>12} "
              f"{'numba/this':>11}")
    lines = [header, "-" * len(header)]
    for name, net in NETS.items():
        j = make_jobs(net, args.rules, args.tasks, args.steps)
        n_jobs = args.rules * args.tasks
        # warm up (compile or load numba's cache; torch's first call) and check agreement
        kernel_loss = run_kernel(j)
        ref = run_numpy(j, 1)[0]
        agree = [f"NumPy {np.max(np.abs(kernel_loss[0, 0] - ref) / ref):.1e}"]
        methods = {"numba kernel (batched)": (lambda: run_kernel(j), n_jobs),
                   "NumPy reference": (lambda: run_numpy(j, args.numpy_jobs),
                                       args.numpy_jobs)}
        if torch is not None:
            ref = run_torch(j, 1, torch.float64, 1)[0]
            agree.append(f"PyTorch float64 {np.max(np.abs(kernel_loss[0, 0] - ref) / ref):.1e}")
            for dtype, bits in ((torch.float32, 32), (torch.float64, 64)):
                for threads in sorted({1, torch_default}):
                    label = f"PyTorch float{bits}, {threads} thread{'s' * (threads > 1)}"
                    methods[label] = ((lambda dt=dtype, th=threads:
                                       run_torch(j, args.torch_jobs, dt, th)), args.torch_jobs)
        rates = {m: [] for m in methods}
        for _ in range(args.repeats):
            for m, (fn, jobs) in methods.items():
                rates[m].append(j["n"] * args.steps * jobs / timed(fn))
        ours = statistics.median(rates["numba kernel (batched)"])
        for m, (_, jobs) in methods.items():
            rate = statistics.median(rates[m])
            lines.append(f"{name:20} {j['n']:7d}  {m:28} {jobs:5d} {rate:12.4g} "
                         f"{ours / rate:10.2f}x")
        lines.append(f"{'':20} {'':7}  max relative loss difference of the kernel, job 0: "
                     + ", ".join(agree))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
