#!/usr/bin/env python
"""The whole fault campaign: each fault script in turn, one table of what went wrong.

    sudo nice -n 15 python scripts/fault_campaign.py            # the full campaign
    python scripts/fault_campaign.py --quick                    # a reduced one, minutes
    python scripts/fault_campaign.py --parts fuzz,flips         # some parts only

Parts (full size; --quick in brackets), each a subprocess of the script named:
- writers (scripts/fault_writers.py): two writers on one archive, 10 run races and 10
  resume races, 1000-generation chalmers1990 runs, and 3 runs killed before their archive
  existed [1 race of each, 30 generations];
- disk (scripts/fault_disk.py --flips 0): 10 GP runs on tmpfs mounts too small for them
  [2]; needs root on Linux (it mounts tmpfs), else the part is reported as not run;
- flips (scripts/fault_disk.py --disk-runs 0): one flipped bit in a random /state dataset
  (a state slot) of 20 copies of a GP archive, then verify and resume [3];
- dask (scripts/fault_dask.py): both workers of a Dask LocalCluster killed during a run,
  in 5 runs and three timings [1]; needs the 'distributed' extra;
- fuzz (scripts/fault_fuzz.py): 300 fuzzed command-line inputs [24].

The table has, per part, lost runs, silent divergences, tracebacks, hangs and other
failures each script counts (writers: temp files left behind; disk and flips: archives
unreadable after the fault; fuzz: refusals that are not one clear line). A part that does
not end within --part-timeout seconds counts a hang; one that ends without its line of
counts, a traceback. Exit 1 if any count is non-zero or a part was not run.

Full campaign, `nice -n 15 python scripts/fault_campaign.py` as root on an AMD EPYC (2
cores; load average near 2 as it started, then falling), Python 3.11.7, h5py 3.16.0,
numba 0.68.1, distributed 2026.8.0; 310 s in all:

    | part | lost runs | silent divergences | tracebacks | hangs | other | notes |
    |---|---|---|---|---|---|---|
    | two writers x 10 | 0 | 0 | 0 | 0 | 0 | 104 s |
    | full disk GP x 10 | 0 | 0 | 0 | 0 | 0 | 34 s |
    | state-slot flips x 20 | 0 | 0 | 0 | 0 | 0 | 30 s |
    | Dask double worker kill x 5 | 0 | 0 | 0 | 0 | 0 | 48 s |
    | fuzzed inputs x 300 | 0 | 0 | 0 | 0 | 0 | 94 s |
    | total | 0 | 0 | 0 | 0 | 0 | |
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
COLUMNS = ("lost_runs", "silent_divergences", "tracebacks", "hangs", "other")
PARTS = ("writers", "disk", "flips", "dask", "fuzz")


def commands(quick: bool, fuzz_inputs: int | None = None) -> dict:
    """part -> (what it does, the script's arguments)."""
    q = quick
    fuzz = fuzz_inputs or (24 if q else 300)
    return {
        "writers": ("two writers x %d" % (1 if q else 10),
                    ["fault_writers.py", "--rounds", "1" if q else "10",
                     "--generations", "30" if q else "1000"]),
        "disk": ("full disk GP x %d" % (2 if q else 10),
                 ["fault_disk.py", "--disk-runs", "2" if q else "10", "--flips", "0"]),
        "flips": ("state-slot flips x %d" % (3 if q else 20),
                  ["fault_disk.py", "--disk-runs", "0", "--flips", "3" if q else "20"]),
        "dask": ("Dask double worker kill x %d" % (1 if q else 5),
                 ["fault_dask.py", "--runs", "1" if q else "5"]),
        "fuzz": ("fuzzed inputs x %d" % fuzz, ["fault_fuzz.py", "--inputs", str(fuzz)]),
    }


def counts_of(part: str, found: dict) -> dict:
    """The table's columns from a script's line of counts."""
    row = {c: int(found.get(c, 0)) for c in COLUMNS[:-1]}
    if part == "dask":
        row["silent_divergences"] = int(found.get("divergences", 0))
    other = {"writers": ("stale_temps",), "disk": ("unreadable",), "flips": ("unreadable",),
             "fuzz": ("unclear_errors",)}.get(part, ())
    row["other"] = sum(int(found.get(k, 0)) for k in other)
    return row


def not_runnable(part: str) -> str | None:
    """Why a part cannot run on this machine, or None."""
    if part == "disk" and (sys.platform != "linux" or os.geteuid() != 0):
        return "needs root on Linux (it mounts tmpfs)"
    if part == "dask":
        try:
            import distributed  # noqa: F401
        except ImportError:
            return "needs the 'distributed' extra (pip install '.[distributed]')"
    return None


def run_part(part: str, args: list, timeout: float) -> tuple[dict, str]:
    """(row of counts, note) of one part."""
    t0 = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, os.path.join(HERE, args[0]), *args[1:]],
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        row = dict.fromkeys(COLUMNS, 0)
        row["hangs"] = 1
        return row, f"did not end within {timeout:.0f} s"
    seconds = time.perf_counter() - t0
    found = None
    for line in reversed(proc.stdout.strip().splitlines()):
        try:
            found = json.loads(line)
            break
        except ValueError:
            continue
    if not isinstance(found, dict):
        row = dict.fromkeys(COLUMNS, 0)
        row["tracebacks"] = 1
        tail = (proc.stderr.strip().splitlines() or ["(nothing on stderr)"])[-1]
        return row, f"exit {proc.returncode}, no line of counts: {tail}"
    row = counts_of(part, found)
    notes = [line for line in proc.stderr.splitlines() if line.strip()][:5]
    return row, f"{seconds:.0f} s" + ("; " + " | ".join(notes) if any(row.values()) and notes
                                       else "")


def table(rows: dict) -> str:
    """A markdown table: a row per part, a total row."""
    head = "| part | " + " | ".join(c.replace("_", " ") for c in COLUMNS) + " | notes |"
    lines = [head, "|" + "---|" * (len(COLUMNS) + 2)]
    total = dict.fromkeys(COLUMNS, 0)
    for what, (row, note) in rows.items():
        if row is None:
            lines.append(f"| {what} | " + " | ".join("-" for _ in COLUMNS) + f" | not run: {note} |")
            continue
        for c in COLUMNS:
            total[c] += row[c]
        lines.append(f"| {what} | " + " | ".join(str(row[c]) for c in COLUMNS) + f" | {note} |")
    lines.append("| total | " + " | ".join(str(total[c]) for c in COLUMNS) + " | |")
    return "\n".join(lines)


def verdict(rows: dict) -> int:
    """0 if every part ran and counted nothing wrong, else 1."""
    return 0 if all(row is not None and not any(row.values()) for row, _ in rows.values()) else 1


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a reduced campaign (minutes)")
    ap.add_argument("--parts", default=",".join(PARTS),
                    help=f"comma-separated parts to run, of {', '.join(PARTS)} (default all)")
    ap.add_argument("--part-timeout", type=float, default=4 * 3600.0,
                    help="seconds a part may take before it counts as a hang")
    ap.add_argument("--fuzz-inputs", type=int, help="fuzzed inputs (default 300, --quick 24)")
    args = ap.parse_args(argv)
    chosen = [p.strip() for p in args.parts.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in PARTS]
    if unknown or not chosen:
        ap.error(f"--parts: unknown part {', '.join(unknown) or '(none given)'}; "
                 f"parts: {', '.join(PARTS)}")
    plan = commands(args.quick, args.fuzz_inputs)
    rows = {}
    t0 = time.perf_counter()
    for part in chosen:
        what, script_args = plan[part]
        why = not_runnable(part)
        if why:
            rows[what] = (None, why)
        else:
            rows[what] = run_part(part, script_args, args.part_timeout)
        print(f"{what}: {'not run' if why else 'done'} ({time.perf_counter() - t0:.0f} s)",
              file=sys.stderr, flush=True)
    print(table(rows))
    return verdict(rows)


if __name__ == "__main__":
    sys.exit(main())
