#!/usr/bin/env python
"""Kill a chalmers1990 run with SIGKILL at random moments; check every archive survives.

    python scripts/crash_test.py [--kills 20] [--generations 3000] [--flush-interval 0.25]

For each kill: the archive opens, the work lost (kill time minus the last
flush's heartbeat) is at most about one flush interval, and `resume` carries
the run to the end with arrays identical to an uninterrupted run's.
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import chalmers1990

# Wall-clock values, and which of the two state slots holds the state (it depends
# on how many flushes the run made, not on the run).
SKIP = ("wall_time", "elapsed", "heartbeat", "writer", "slot")


def comparable(path):
    run = open_run(path)
    out = {f"g/{k}": v for k, v in run.generations.items() if k not in SKIP}
    out.update({f"s/{k}": np.asarray(v) for k, v in run.state.items()
                if k not in SKIP and k != "optimizer"})
    out.update({f"s/optimizer/{k}": v for k, v in run.state["optimizer"].items()})
    return out


def same_arrays(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--generations", type=int, default=3000)
    ap.add_argument("--flush-interval", type=float, default=0.25)
    ap.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    ap.add_argument("--keep", action="store_true",
                    help="keep the killed archives (kept anyway when a check fails)")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    tmp = tempfile.mkdtemp(prefix="evo_l2l_crash_")
    ref = os.path.join(tmp, "reference.h5")
    config = chalmers1990.PRESET.default_config(n_generations=args.generations,
                                         flush_interval=args.flush_interval)
    t0 = time.perf_counter()
    start_run(config, ref)
    run_seconds = time.perf_counter() - t0
    reference = comparable(ref)
    print(f"reference run: {args.generations} generations in {run_seconds:.2f} s; "
          f"flush interval {args.flush_interval} s")
    print(f"{'kill':>4} {'at (s)':>7} {'generations on disk':>20} {'lost (s)':>9} {'resumed == reference':>22}")
    lost_all, ok_all, n_empty = [], [], 0
    for k in range(args.kills):
        path = os.path.join(tmp, f"kill{k}.h5")
        cmd = [sys.executable, "-m", "evo_l2l", "run", "chalmers1990", "-q",
               "--generations", str(args.generations), "--flush-interval", str(args.flush_interval),
               "-o", path]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # Random moments over start-up (imports, compile-cache load) and the run.
        delay = rnd.uniform(0.2, 1.0 + run_seconds)
        time.sleep(delay)
        t_kill = time.time()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        try:
            run = open_run(path, populations=False)
        except ArchiveError as exc:
            if "no such file" in str(exc):
                n_empty += 1
                print(f"{k:>4} {delay:7.2f} {'(killed before the archive was created)':>20}")
                continue
            print(f"{k:>4} {delay:7.2f} UNREADABLE: {exc}")
            ok_all.append(False)
            continue
        done = run.n_generations_done
        lost = max(0.0, t_kill - run.heartbeat) if run.status == "running" else 0.0
        if done == args.generations and run.status == "complete":
            same = same_arrays(comparable(path), reference)
        elif done < 1:
            # Killed before the first flush: nothing to resume; the file must still open.
            same = True
        else:
            resume_run(path)
            same = same_arrays(comparable(path), reference)
        lost_all.append(lost)
        ok_all.append(same)
        print(f"{k:>4} {delay:7.2f} {done:>20d} {lost:9.3f} {str(same):>22}")
    leftovers = [f for f in os.listdir(tmp) if ".tmp" in f or ".resume" in f]
    print(f"\n{len(ok_all)} archives checked ({n_empty} kills came before the archive existed): "
          f"{sum(ok_all)} resumed to the reference result; max work lost {max(lost_all, default=0):.3f} s "
          f"(flush interval {args.flush_interval} s); leftover temp files: {len(leftovers)}")
    if not all(ok_all) or args.keep:
        print(f"archives kept in {tmp}")
        sys.exit(0 if all(ok_all) else 1)
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
