#!/usr/bin/env python
"""Wall and CPU time of `evo-l2l evaluate ARCHIVE -q` on the episode presets (few-shot and
continual), the numbers of docs/results/performance.md's section on evaluate.

    python scripts/bench_evaluate.py [PRESET ...] [--dir DIR] [--out DIR] [--code PATH]
                                     [--compare DIR]

For each preset it makes a small evolved archive once (DIR/PRESET.h5: `evo-l2l run PRESET
--generations 2 --population 6`, the preset's own task set), runs `evaluate` once to fill
numba's cache (--n-tasks 2: the rules and baselines on 2 held-out episodes, so what is
timed never compiles), then times one
`evaluate ARCHIVE -q` (its 1000 few-shot or 20 continual held-out episodes, the rules and
every baseline) and prints a row: preset, wall s, CPU s (user + system of the process and
its children: less sensitive to other jobs than the wall time), the load average before
and after. Its printed table goes to OUT/PRESET.txt (--out, default DIR/out).

--code PATH times the evo_l2l package under PATH instead (e.g. an export of an older
commit: `git archive COMMIT | tar -x -C /tmp/old`); --compare OUT says whether each table
equals OUT/PRESET.txt of an earlier invocation (its --out), byte for byte. --set KEY=VALUE
(repeatable) goes to `run`, --n-tasks N to the timed `evaluate` (a quick check).
--profile K runs the timed `evaluate` in one Python process under cProfile instead (the
command line itself ends with os._exit, which would lose the profile) and prints the K
functions of evo_l2l with the most cumulative time, after the row. The profile counts CPU
seconds of the process (every thread's; other jobs on the machine do not inflate them as
they do wall time), and they include cProfile's overhead, which weighs most on Python
with many small calls (scikit-learn's fits, sympy), not on a kernel called once.
Run it with `nice -n 15` beside other work; other jobs' load still shows in the wall time.
"""
import argparse
import os
import resource
import subprocess
import sys
import time

from machine import cpu_model

PRESETS = ("fewshot-digits", "fewshot-digits-gp", "fewshot-glyphs-rule", "continual-digits",
           "continual-split-digits", "continual-mnist1d", "continual-split-mnist1d",
           "continual-digits-gp", "continual-glyphs-gp")


def load() -> float:
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def cli(args: list, env: dict, out=subprocess.DEVNULL) -> tuple[int, str]:
    """(exit code, last line on stderr) of `evo-l2l ARGS`."""
    proc = subprocess.run([sys.executable, "-m", "evo_l2l", *args], env=env, stdout=out,
                          stderr=subprocess.PIPE, text=True)
    return proc.returncode, (proc.stderr.strip().splitlines() or [""])[-1]


PROFILE = """
import cProfile, pstats, sys, time
from evo_l2l._process import configure_process
configure_process()
from evo_l2l.cli import main
profile = cProfile.Profile(time.process_time)
profile.enable()
try:
    main(sys.argv[2:], standalone_mode=False)
finally:
    profile.disable()
    stats = pstats.Stats(profile, stream=sys.stderr).sort_stats("cumulative")
    stats.print_stats(r"evo_l2l.*\\.py", int(sys.argv[1]))
"""


def profiled(args: list, env: dict, out, k: int) -> tuple[int, str]:
    """(exit code, cProfile's table) of `evo-l2l ARGS` run in this Python, profiled."""
    proc = subprocess.run([sys.executable, "-c", PROFILE, str(k), *args], env=env,
                          stdout=out, stderr=subprocess.PIPE, text=True)
    return proc.returncode, proc.stderr


def children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("presets", nargs="*", default=list(PRESETS))
    ap.add_argument("--dir", default="bench_evaluate", help="where the archives are kept")
    ap.add_argument("--out", help="where the printed tables go (default DIR/out)")
    ap.add_argument("--code", help="folder holding the evo_l2l package to time")
    ap.add_argument("--compare", help="a --dir of an earlier invocation")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    ap.add_argument("--n-tasks", type=int)
    ap.add_argument("--profile", type=int, metavar="K")
    a = ap.parse_args()
    env = dict(os.environ)
    if a.code:
        env["PYTHONPATH"] = os.pathsep.join([os.path.abspath(a.code),
                                             env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    out_dir = a.out or os.path.join(a.dir, "out")
    os.makedirs(out_dir, exist_ok=True)
    os.makedirs(a.dir, exist_ok=True)
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; code: "
          f"{os.path.abspath(a.code) if a.code else 'installed evo_l2l'}")
    print(f"{'preset':<26} {'wall s':>7} {'CPU s':>7} {'load':>11}  output")
    for preset in a.presets:
        archive = os.path.join(a.dir, f"{preset}.h5")
        if not os.path.exists(archive):
            sets = [x for s in a.sets for x in ("--set", s)]
            code, why = cli(["run", preset, "--generations", "2", "--population", "6", "-q",
                             "-o", archive, *sets], dict(os.environ))
            if code:
                sys.exit(f"could not make {archive}: {why}")
        cli(["evaluate", archive, "-q", "--n-tasks", "2"], env)
        args = ["evaluate", archive, "-q"] + (["--n-tasks", str(a.n_tasks)] if a.n_tasks else [])
        table = os.path.join(out_dir, f"{preset}.txt")
        l0, c0, t0 = load(), children_cpu(), time.perf_counter()
        profile = ""
        with open(table, "w") as out:
            if a.profile:
                code, profile = profiled(args, env, out, a.profile)
                why = profile.strip().splitlines()[-1] if code and profile.strip() else ""
            else:
                code, why = cli(args, env, out)
        wall, cpu, l1 = time.perf_counter() - t0, children_cpu() - c0, load()
        same = ""
        earlier = os.path.join(a.compare, f"{preset}.txt") if a.compare else None
        if earlier and not os.path.exists(earlier):
            same = "no table in --compare"
        elif earlier:
            with open(table) as f, open(earlier) as g:
                same = "same as --compare" if f.read() == g.read() else "DIFFERS from --compare"
        if code:
            same = f"exit {code}: {why}"
        print(f"{preset:<26} {wall:7.1f} {cpu:7.1f} {l0:5.1f}-{l1:<5.1f}  {same}", flush=True)
        if profile:
            lines = profile.splitlines()
            start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
            print("    profile in CPU seconds (the process's, every thread's)")
            print("\n".join("    " + line for line in lines[start:] if line.strip()), flush=True)


if __name__ == "__main__":
    main()
