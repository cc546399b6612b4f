#!/usr/bin/env python
"""Few-shot on glyphs: the dataset's generation time and size, and episodes per second of the
evolved learner and the baselines, measured in one process (ratios are the figures to compare;
this machine's speed drifts).

    python scripts/bench_fewshot.py [--size 28] [--episodes 500] [--busy] [--render]

--render times a fresh rendering of the glyph set into a temporary cache (about 25-60 s).
--busy runs a busy process on one core throughout (we never own every core).
The learner's conv kernel is also timed against the same features computed by NumPy
(im2col and BLAS matrix products, float32): the ratio says what the kernel gains.
"""
import argparse
import multiprocessing as mp
import os
import tempfile
import time

import numpy as np

from machine import cpu_model


def _spin(stop):
    while not stop.is_set():
        sum(range(10000))


def numpy_features(net, genome, images):
    """The kernel's features by im2col + matmul (float32), one genome."""
    from numpy.lib.stride_tricks import sliding_window_view as windows
    _, W1, b1, W2, b2 = (a[0] for a in net.unpack(genome[None]))
    n = len(images)
    p = windows(images, (net.k1, net.k1), axis=(1, 2))          # n, H1, H1, k1, k1
    H1 = p.shape[1]
    a = np.maximum(p.reshape(-1, net.k1 * net.k1) @ W1.reshape(-1, net.c1) + b1, 0)
    a = a.reshape(n, H1, H1, net.c1)
    P1 = net.pool1
    a = a[:, :2 * P1, :2 * P1].reshape(n, P1, 2, P1, 2, net.c1).max(axis=(2, 4))
    p = windows(a, (net.k2, net.k2), axis=(1, 2))               # n, H2, H2, c1, k2, k2
    H2 = p.shape[1]
    p = p.transpose(0, 1, 2, 4, 5, 3).reshape(-1, net.k2 * net.k2 * net.c1)
    a = np.maximum(p @ W2.reshape(-1, net.c2) + b2, 0).reshape(n, H2, H2, net.c2)
    P2 = net.pool2
    return a[:, :2 * P2, :2 * P2].reshape(n, P2, 2, P2, 2, net.c2).max(axis=(2, 4)).reshape(n, -1)


def best_of(fn, repeats=3):
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); times.append(time.perf_counter() - t)
    return min(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", type=int, default=28)
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--busy", action="store_true")
    ap.add_argument("--render", action="store_true")
    args = ap.parse_args()
    from evo_l2l.analysis import fewshot_baselines as fb
    from evo_l2l.learners import conv_prototype as cp
    from evo_l2l.tasks import class_data as cd
    from evo_l2l.tasks import glyphs
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; busy process: {args.busy}")
    stop = mp.Event()
    busy = mp.Process(target=_spin, args=(stop,), daemon=True) if args.busy else None
    if busy:
        busy.start()
    try:
        if args.render:
            with tempfile.TemporaryDirectory() as tmp:
                os.environ["EVO_L2L_DATA"] = tmp
                t = time.perf_counter()
                data = glyphs.load(args.size, progress=False)
                took = time.perf_counter() - t
                size = sum(f.stat().st_size for f in glyphs.cache_dir().iterdir())
                t = time.perf_counter(); glyphs.load(args.size, progress=False)
                read = time.perf_counter() - t
            del os.environ["EVO_L2L_DATA"]
            print(f"glyphs {args.size}px: rendered in {took:.1f} s, cache {size / 2**20:.1f} MiB, "
                  f"read back in {read:.2f} s; {data.n_classes} classes, {data.n_groups} "
                  f"alphabets, {len(data.x)} images, sha256 {data.identity['sha256'][:16]}")
        data = glyphs.load(args.size)
        splits = cd.split_classes(data)
        print("split (classes / alphabets): " + ", ".join(
            f"{k} {len(v)} / {len(set(data.group[v].tolist()))}" for k, v in splits.items()))
        net = cp.ConvNet(size=args.size) if args.size >= 20 else cp.ConvNet(size=args.size, k1=3)
        genome = net.start(0)
        images = data.x.astype(np.float32) / 255.0
        sample = images[:480]
        t_kernel = best_of(lambda: cp.features(net, genome[None], sample))
        t_numpy = best_of(lambda: numpy_features(net, genome, sample))
        same = np.allclose(cp.features(net, genome[None], sample)[0],
                           numpy_features(net, genome, sample), rtol=1e-4, atol=1e-5)
        print(f"conv features of 480 images, one genome: kernel {1e3 * t_kernel:.1f} ms, "
              f"NumPy im2col+BLAS {1e3 * t_numpy:.1f} ms: kernel / NumPy speed "
              f"{t_numpy / t_kernel:.2f}x (same features: {same})")
        pop = np.stack([genome] * 64)
        t_pop = best_of(lambda: cp.features(net, pop, sample), repeats=2)
        print(f"a generation's features (64 genomes x 480 images): {t_pop:.2f} s, "
              f"{64 * 480 / t_pop:.0f} image-genomes/s")
        feats = data.flat()
        bg = fb.background_rows(data, splits)
        for way in (5, 20):
            val, ev = fb.protocol_episodes(data, splits, way, 1, 15, 10, args.episodes, 0)
            t = best_of(lambda: cp.episode_scores(net, genome[None], images, ev), repeats=1)
            line = [f"{way}-way 1-shot, {args.episodes} episodes: evolved learner "
                    f"{args.episodes / t:.0f} episodes/s"]
            for name, knob in (("pixel_1nn", None), ("cosine_centroid", None),
                               ("lda_centroid", 16), ("logistic_support", 10)):
                m = fb.METHODS[name]
                tr = m.fit(data, bg, knob)
                n = args.episodes if name != "logistic_support" else min(args.episodes, 200)
                sub = ev.take(slice(0, n))
                tb = best_of(lambda: m.accuracy(tr, feats, sub), repeats=1)
                line.append(f"{name} {n / tb:.0f}")
            print(", ".join(line))
    finally:
        if busy:
            stop.set()
            busy.join()


if __name__ == "__main__":
    main()
