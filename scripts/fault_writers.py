#!/usr/bin/env python
"""Two writers on one archive, and runs killed before their archive existed: count what goes wrong.

    python scripts/fault_writers.py [--rounds 10] [--generations 1000] [--seed 0]

Run race (--rounds times): two `evo-l2l run chalmers1990 -o X.h5` with different seeds,
the second started 0-0.6 s after the first. Exactly one may write X.h5; the other must
exit 2 with one line (refused by the writer lock, or: X.h5 exists).
Resume race (--rounds times): an archive of 5 generations, then two `evo-l2l resume X.h5
--generations G` 0-0.6 s apart: one continues it, the other is refused (or, if it comes
after the first is done, finds nothing to resume).
Killed before its archive existed (3 times, once left unreaped): a run killed while it
writes its temp file; then `resume` must say so in one line, and the temp file must go.

Every archive is compared, array by array, with an uninterrupted run of the same seed and
length. Prints one JSON line of counts, all of which should be 0:
lost_runs (a writer said "complete", or exited 0, and its run is not what the archive
holds), silent_divergences (an archive that differs from its reference or fails verify,
or a refusal that is not one clear line), tracebacks, hangs (a command that did not end
in 300 s), stale_temps (temp files left after the next writer).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError, verify_archive
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

TIMEOUT = 300
SKIP = ("wall_time", "elapsed", "heartbeat", "writer", "slot", "n_generations_target")

# Dies by SIGKILL while writing the archive's static part (before it is published).
KILLED_IN_CREATE = """
import os, signal, sys
import evo_l2l.archive.writer as a
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
a._seal = lambda f: os.kill(os.getpid(), signal.SIGKILL)
start_run(PRESETS["chalmers1990"].default_config(n_generations=3, population=4), sys.argv[1])
"""


def comparable(path: str) -> dict:
    run = open_run(path)
    out = {f"g/{k}": v for k, v in run.generations.items() if k not in SKIP}
    out.update({f"s/{k}": np.asarray(v) for k, v in run.state.items()
                if k not in SKIP and k != "optimizer"})
    out.update({f"s/optimizer/{k}": v for k, v in run.state["optimizer"].items()})
    return out


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k], b[k], equal_nan=a[k].dtype.kind == "f") for k in a)


def config(seed: int, n: int):
    return PRESETS["chalmers1990"].default_config(seed=seed, n_generations=n,
                                                  flush_interval=0.05)


def cli(*args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "evo_l2l", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


class Counts(dict):
    def __init__(self):
        super().__init__(lost_runs=0, silent_divergences=0, tracebacks=0, hangs=0,
                         stale_temps=0)
        self.notes: list[str] = []

    def bad(self, key: str, note: str) -> None:
        self[key] += 1
        self.notes.append(f"{key}: {note}")


def finish(procs: list, counts: Counts) -> list:
    """(returncode, stdout, stderr) of each process; None for one that hung (killed)."""
    out = []
    for p in procs:
        try:
            o, e = p.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
            counts.bad("hangs", " ".join(p.args[2:]))
            out.append(None)
            continue
        if "Traceback" in e:
            counts.bad("tracebacks", e.strip().splitlines()[-1])
        out.append((p.returncode, o, e))
    return out


def one_clear_line(err: str, *phrases: str) -> bool:
    return err.count("\n") == 1 and any(p in err for p in phrases) and ".tmp-" not in err \
        and ".resume-" not in err


def temps_left(folder: str, name: str) -> list:
    return [f for f in os.listdir(folder) if f.startswith(name + ".") and
            (".tmp-" in f or ".resume-" in f)]


def run_race(folder: str, k: int, gens: int, delay: float, refs: dict, counts: Counts) -> None:
    path = os.path.join(folder, f"run{k}.h5")
    seeds = (1, 2)
    procs = [cli("run", "chalmers1990", "-q", "--seed", str(seeds[0]), "--generations",
                 str(gens), "--flush-interval", "0.05", "-o", path)]
    time.sleep(delay)
    procs.append(cli("run", "chalmers1990", "-q", "--seed", str(seeds[1]), "--generations",
                     str(gens), "--flush-interval", "0.05", "-o", path))
    results = finish(procs, counts)
    try:
        held = open_run(path, populations=False)
        verify_archive(path)
        held_seed = int(held.config.run.seed)
    except ArchiveError as exc:
        counts.bad("silent_divergences", f"run race {k}: {exc}")
        return
    for seed, res in zip(seeds, results):
        if res is None:
            continue
        code, _, err = res
        if code == 0 and seed != held_seed:
            counts.bad("lost_runs", f"run race {k}: seed {seed} exited 0, the archive holds "
                                    f"seed {held_seed}")
        elif code != 0 and not one_clear_line(err, "being written by a live run",
                                              "exists; pass --force"):
            counts.bad("silent_divergences", f"run race {k}: seed {seed}: exit {code}: {err!r}")
    if not same(comparable(path), refs[(held_seed, gens)]):
        counts.bad("silent_divergences", f"run race {k}: the archive differs from seed "
                                         f"{held_seed}'s reference")
    if temps_left(folder, os.path.basename(path)):
        counts.bad("stale_temps", f"run race {k}: {temps_left(folder, os.path.basename(path))}")


def resume_race(folder: str, k: int, gens: int, delay: float, refs: dict,
                counts: Counts) -> None:
    path = os.path.join(folder, f"resume{k}.h5")
    start_run(config(1, 5), path)
    procs = [cli("resume", path, "-q", "--generations", str(gens))]
    time.sleep(delay)
    procs.append(cli("resume", path, "-q", "--generations", str(gens)))
    results = finish(procs, counts)
    try:
        held = open_run(path, populations=False)
        verify_archive(path)
    except ArchiveError as exc:
        counts.bad("silent_divergences", f"resume race {k}: {exc}")
        return
    done = held.n_generations_done
    for res in results:
        if res is None:
            continue
        code, out, err = res
        if code == 0 and done != gens:
            counts.bad("lost_runs", f"resume race {k}: a resume exited 0, the archive holds "
                                    f"{done} of {gens} generations")
        elif code != 0 and not one_clear_line(err, "being written by a live run"):
            counts.bad("silent_divergences", f"resume race {k}: exit {code}: {err!r}")
    if list(held.generations["generation"]) != list(range(done)) or held.status != "complete":
        counts.bad("lost_runs", f"resume race {k}: {held.status}, generations not 0..{done - 1}")
    elif not same(comparable(path), refs[(1, gens)]):
        counts.bad("silent_divergences", f"resume race {k}: the archive differs from the "
                                         "uninterrupted run")
    if temps_left(folder, os.path.basename(path)):
        counts.bad("stale_temps", f"resume race {k}: {temps_left(folder, os.path.basename(path))}")


def killed_before_archive(folder: str, k: int, reap: bool, counts: Counts) -> None:
    """A run killed in its temp-file phase; resume says so and the temp file goes; a run
    after it (with the killed process still unreaped when reap=False) writes the archive."""
    path = os.path.join(folder, f"killed{k}.h5")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IN_CREATE, path])
    if reap:
        proc.wait()
    else:           # a zombie: killed, its parent has not waited for it yet
        t0 = time.time()
        while not temps_left(folder, os.path.basename(path)) or _running(proc.pid):
            if time.time() - t0 > TIMEOUT:
                counts.bad("hangs", "killed run")
                break
            time.sleep(0.05)
    name = os.path.basename(path)
    if reap:
        res = finish([cli("resume", path)], counts)[0]
        if res is not None and not (res[0] == 2 and one_clear_line(
                res[2].replace(f"{name}.tmp-{proc.pid}", "its temp file"), "died before")):
            counts.bad("silent_divergences", f"killed {k}: resume said {res!r}")
    else:
        res = finish([cli("run", "chalmers1990", "-q", "--generations", "5", "-o", path)],
                     counts)[0]
        if res is not None and res[0] != 0:
            counts.bad("lost_runs", f"killed {k}: the next run exited {res[0]}: {res[2]!r}")
    if temps_left(folder, name):
        counts.bad("stale_temps", f"killed {k}: {temps_left(folder, name)}")
    proc.wait()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] != b"Z"
    except OSError:
        return False


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--generations", type=int, default=1000,
                    help="generations of each run (the resumes go to three times this)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the start delays")
    ap.add_argument("--keep", action="store_true", help="keep the archives")
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    folder = tempfile.mkdtemp(prefix="evo_l2l_writers_")
    counts = Counts()
    t0 = time.perf_counter()
    refs = {}
    for seed, n in ((1, args.generations), (2, args.generations), (1, 3 * args.generations)):
        ref = os.path.join(folder, f"reference-{seed}-{n}.h5")
        start_run(config(seed, n), ref)
        refs[(seed, n)] = comparable(ref)
    for k in range(args.rounds):
        run_race(folder, k, args.generations, rnd.uniform(0, 0.6), refs, counts)
    for k in range(args.rounds):
        resume_race(folder, k, 3 * args.generations, rnd.uniform(0, 0.6), refs, counts)
    for k, reap in enumerate((True, True, False)):
        killed_before_archive(folder, k, reap, counts)
    for note in counts.notes:
        print(note, file=sys.stderr)
    print(json.dumps({**counts, "run_races": args.rounds, "resume_races": args.rounds,
                      "killed_before_archive": 3,
                      "seconds": round(time.perf_counter() - t0, 1)}))
    if not args.keep and not counts.notes:
        shutil.rmtree(folder)
    elif counts.notes:
        print(f"archives kept in {folder}", file=sys.stderr)
    sys.exit(1 if counts.notes else 0)


if __name__ == "__main__":
    main()
