#!/usr/bin/env python
"""Digests of short AutoML-Zero runs' archives: to check that a faster search path gives
exactly what the slower one gave (same seed, same archive).

    python scripts/digest_automl_zero.py [--individuals 20000] [--out DIR]
    python scripts/digest_automl_zero.py --toy          # seconds (tests)

Runs, per preset (automl-zero-linear, automl-zero-linear-full, automl-zero-digits) and
strategy (evolution, random; evolution with FEC off), one short run of seed 0 and prints
a sha256 over its archived arrays (generations: populations, fitness, best so far, ...;
state: FEC lookups, optimizer state; not wall times). Run it on two commits and compare.
"""
import argparse
import hashlib
import os

import numpy as np

from evo_l2l.archive import open_run
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

CASES = [("automl-zero-linear", "evolution", True), ("automl-zero-linear", "random", True),
         ("automl-zero-linear", "evolution", False), ("automl-zero-linear-full", "evolution", True),
         ("automl-zero-digits", "evolution", True)]
SKIP_STATE = ("elapsed", "heartbeat", "writer", "optimizer", "slot")


def arrays_of(path: str) -> dict:
    run = open_run(path)
    out = {f"generations/{k}": v for k, v in run.generations.items() if k != "wall_time"}
    out.update({f"state/{k}": np.asarray(v) for k, v in run.state.items() if k not in SKIP_STATE})
    out.update({f"state/optimizer/{k}": np.asarray(v) for k, v in run.state["optimizer"].items()})
    return out


def digest(path: str) -> str:
    h = hashlib.sha256()
    for k, v in sorted(arrays_of(path).items()):
        v = np.asarray(v)
        h.update(k.encode())
        if v.dtype == object:
            h.update("\x00".join(x.decode() if isinstance(x, bytes) else str(x)
                                 for x in v.ravel()).encode())
        else:
            h.update(str(v.dtype).encode() + str(v.shape).encode())
            h.update(np.ascontiguousarray(v).tobytes())
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--individuals", type=int, default=20_000)
    ap.add_argument("--population", type=int, default=1000)
    ap.add_argument("--generation-size", type=int, default=5000)
    ap.add_argument("--toy", action="store_true")
    ap.add_argument("--out", default="runs/digest_automl_zero")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for name, strategy, fec in CASES:
        preset = PRESETS[name]
        over = dict(preset.toy) if args.toy else {}
        pop, every = (20, 20) if args.toy else (args.population, args.generation_size)
        n = 60 if args.toy else args.individuals
        over.update({"run.population": pop, "optimizer.strategy": strategy,
                     "optimizer.generation_size": every, "run.fitness_cache": fec,
                     "run.n_generations": max(2, 1 + (n - pop) // every)})
        path = os.path.join(args.out, f"{name}_{strategy}_{'fec' if fec else 'nofec'}.h5")
        start_run(preset.default_config(seed=0, **over), path, force=True)
        print(f"{name:24s} {strategy:9s} fec={'on ' if fec else 'off'} {digest(path)}")


if __name__ == "__main__":
    main()
