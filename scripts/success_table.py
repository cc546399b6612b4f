#!/usr/bin/env python
"""Success per preset, faithful vs modern vs paper, with the evaluations spent.

Reads the summary.json that the reproduction scripts write into their --out folders
(scripts/reproduce_chalmers1990.py, reproduce_confavreux2020.py, reproduce_gp.py) and
prints one markdown row per folder; run those first, e.g.

    python scripts/reproduce_chalmers1990.py --preset chalmers1990 --out runs/st/chalmers1990
    python scripts/reproduce_chalmers1990.py --preset chalmers1990-modern --out runs/st/chalmers1990-modern
    python scripts/reproduce_chalmers1990.py --preset chalmers1990-modern --first-seed 100 \\
        --out runs/st/chalmers1990-modern-100
    python scripts/success_table.py runs/st/*

or let it run them (--run: every preset named in --presets, seeds 0-9 and --untuned
seeds; minutes to an hour: the GP and CMA-ES presets are the slow ones):

    python scripts/success_table.py --run --root runs/st [--presets chalmers1990,...] [--seeds 10]

Evaluations per run are population x generations: what the search asks for (each on every
training task; the fitness cache's savings aside). A modern preset that evolves on more
tasks says so in the task column.
"""
import argparse
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = {"chalmers1990": "reproduce_chalmers1990.py", "confavreux2020-oja": "reproduce_confavreux2020.py"}
DEFAULT = ("chalmers1990,chalmers1990-modern,confavreux2020-oja,confavreux2020-oja-modern,"
           "jordan2021-reward,jordan2021-reward-modern")


def script_for(preset: str) -> str:
    base = preset.replace("-modern", "")
    return SCRIPT.get(base, "reproduce_gp.py")


def run_preset(preset: str, seeds: int, first: int, out: str, extra: list) -> None:
    args = [sys.executable, os.path.join(HERE, script_for(preset)), "--preset", preset,
            "--seeds", str(seeds), "--first-seed", str(first), "--out", out, *extra]
    print("$", " ".join(args[1:]), flush=True)
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def row(summary: dict) -> str:
    seeds = summary["seeds"]
    span = f"{seeds[0]}-{seeds[-1]}" if len(seeds) > 1 else f"{seeds[0]}"
    tasks = summary.get("training_tasks", 20)
    ae = (f" (+{summary['successes_ae']} a.e.)"
          if summary.get("successes_ae") and "known form" in summary["criterion"] else "")
    return (f"| {summary['preset']} | {span} | {summary['successes']} of {summary['runs']}{ae} "
            f"| {summary['evaluations_per_run']:,} x {tasks} tasks | {summary['wall_seconds']:.0f} s "
            f"| {summary['paper']} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folders", nargs="*", help="--out folders of the reproduction scripts")
    ap.add_argument("--run", action="store_true", help="run the presets first (into --root)")
    ap.add_argument("--root", default="runs/success_table")
    ap.add_argument("--presets", default=DEFAULT)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--untuned", type=int, default=100,
                    help="first seed of the untuned set run for modern presets (-1: none)")
    ap.add_argument("--generations", type=int, default=None, help="override (quick checks only)")
    args = ap.parse_args()
    folders = list(args.folders)
    if args.run:
        extra = ["--generations", str(args.generations)] if args.generations else []
        for preset in args.presets.split(","):
            firsts = [0] + ([args.untuned] if preset.endswith("-modern") and args.untuned >= 0 else [])
            for first in firsts:
                out = os.path.join(args.root, f"{preset}-seeds{first}")
                run_preset(preset, args.seeds, first, out, extra)
                folders.append(out)
    summaries = []
    for folder in folders:
        for path in sorted(glob.glob(os.path.join(folder, "summary.json"))):
            with open(path) as f:
                summaries.append(json.load(f))
    if not summaries:
        sys.exit("no summary.json in the folders given; run the reproduction scripts first")
    print("| preset | seeds | known rule found | evaluations per run | wall | paper |")
    print("|---|---|---|---|---|---|")
    for s in summaries:
        print(row(s))
    crit = {s["preset"].replace("-modern", ""): s["criterion"] for s in summaries}
    print()
    for name, c in crit.items():
        print(f"- {name}: {c}")


if __name__ == "__main__":
    main()
