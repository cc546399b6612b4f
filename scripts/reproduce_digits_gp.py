#!/usr/bin/env python
"""GP rules on episode nets (the GP family; continual goals): the tables of
docs/results/digits.md, section "GP rules on episode nets".

    python scripts/reproduce_digits_gp.py [--presets continual-digits-gp ...]
        [--generations G] [--sequences 20] [--episodes 1000] [--out runs/digits-gp]
        [--no-ablation] [--sweep H:K ...] [--rate R] [--toy]

For each preset: meta-trains (seed 0; an archive already at OUT/PRESET.h5 with the same
config is reused), prints the best rule's formula, then the held-out table of
scripts/reproduce_digits_l2l.py (the evolved rule, the delta rule at its best rate on the
training episodes and the baselines, all on the same episodes: what `evo-l2l evaluate
OUT/PRESET.h5 --n-tasks N` prints) with the meta-training wall time. For the continual
presets an ablation follows: the evolved rule and the delta rule on the same held-out
sequences with the learner's hidden layer changed (episode_net's plastic 32 tanh units; a
fixed wide layer, dense; k-WTA with every output synapse learning; k-WTA with only the
active ones learning, the preset's), to show what each part of the learner does.
--sweep H:K ... instead measures the delta rule (w += rate * a * m, --rate) on the first
preset's held-out sequences with H hidden units of which K are active (k-WTA, active
synapses learn): how the presets' width and k were chosen.
"""
import argparse
import dataclasses
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reproduce_digits_l2l import cpu_model, evaluate, table, train  # noqa: E402

DEFAULT_PRESETS = ["continual-digits-gp", "continual-split-digits-gp", "fewshot-digits-gp"]


def ablation(path: str, n: int, toy: bool = False) -> list[dict]:
    """ACC, BWT of the best rule and the delta rule on held-out sequences, per hidden layer."""
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.analysis.episode_eval import episodes_for
    from evo_l2l.analysis.episode_metrics import continual_summary
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.rules import symbolic as sym
    run = open_run(path)
    problem = problem_for(run)
    ls = run.config.learner.settings
    wide = run.config.tasks.settings.n_hidden
    narrow = min(32, wide)
    variants = [(f"plastic, {narrow} tanh units (episode_net's net)", narrow,
                 dict(hidden="plastic", k_active=0, active_only=False)),
                (f"fixed, {wide} dense tanh units", wide,
                 dict(hidden="fixed", k_active=0, active_only=False)),
                (f"fixed, {wide} units, k-WTA k={ls.k_active}, every synapse learns", wide,
                 dict(hidden="fixed", k_active=ls.k_active, active_only=False)),
                (f"fixed, {wide} units, k-WTA k={ls.k_active}, active synapses learn", wide,
                 dict(hidden="fixed", k_active=ls.k_active, active_only=True))]
    chosen = [rule_from_spec(run, problem, spec) for spec in ("best", "delta")]
    out = []
    for label, H, changes in variants:
        if H == wide:
            tasks = episodes_for(run, "heldout", n)
        else:
            s = dataclasses.replace(run.config.tasks.settings, n_hidden=H, n_heldout=n,
                                    n_train_episodes=1)
            tasks = build_tasks(run.config, s).select("heldout")
        settings = dataclasses.replace(ls, **changes)
        for rule_label, rule in chosen:
            t0 = time.perf_counter()
            progs = sym.compile_programs([problem.tree(rule)], problem.pset)
            acc = problem.learner.program_accuracy(progs, tasks, settings,
                                                   problem.rule_settings.eta)[0]
            m = continual_summary(acc)
            out.append({"hidden": label, "rule": rule_label, "ACC": m["ACC"],
                        "ACC_ci95": m["ACC_ci95"], "BWT": m["BWT"],
                        "seconds": time.perf_counter() - t0})
    return out


def other_shots(path: str, shots, n: int) -> list[tuple]:
    """(k_shot, rows): the evolved rule (evolved for the preset's shots), the delta rule at
    its preset rate and the baselines on n held-out episodes with k_shot support images."""
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.analysis.episode_eval import _row, baseline_rows, rule_accuracy
    from evo_l2l.evolution.problem import build_tasks
    run = open_run(path)
    problem = problem_for(run)
    chosen = [(spec, *rule_from_spec(run, problem, spec)) for spec in ("best", "delta")]
    out = []
    for k in shots:
        s = dataclasses.replace(run.config.tasks.settings, k_shot=k, n_heldout=n)
        tasks = build_tasks(run.config, s)
        held = tasks.select("heldout")
        rows = [_row(spec, label, rule_accuracy(problem, rule, held, run.config.learner.settings))
                for spec, label, rule in chosen]
        out.append((k, rows + baseline_rows(held, tasks.select("train"))))
    return out


def sweep(preset: str, pairs, rate: float, n: int, toy: bool = False) -> list[dict]:
    """ACC, BWT of the delta rule on n held-out sequences per (hidden units, k)."""
    from evo_l2l.analysis.episode_metrics import continual_summary
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.experiments import PRESETS
    from evo_l2l.learners import LEARNERS
    from evo_l2l.rules import symbolic as sym
    config = PRESETS[preset].default_config(seed=0, **(PRESETS[preset].toy if toy else {}))
    learner = LEARNERS.get("symbolic_episode")
    pset = sym.make_pset(learner.variables, (), learner.name)
    progs = sym.compile_programs([sym.parse_tree("mul(a, m)", pset)], pset)
    out = []
    for H, k in pairs:
        s = dataclasses.replace(config.tasks.settings, n_hidden=H, n_heldout=n,
                                n_train_episodes=1)
        tasks = build_tasks(config, s).select("heldout")
        settings = dataclasses.replace(config.learner.settings, hidden="fixed", k_active=k,
                                       active_only=True)
        m = continual_summary(learner.program_accuracy(progs, tasks, settings, rate)[0])
        out.append({"H": H, "k": k, "ACC": m["ACC"], "ACC_ci95": m["ACC_ci95"],
                    "BWT": m["BWT"]})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+", default=DEFAULT_PRESETS)
    ap.add_argument("--generations", type=int, default=None,
                    help="meta-training generations (default: the preset's)")
    ap.add_argument("--episodes", type=int, default=1000, help="held-out few-shot episodes")
    ap.add_argument("--sequences", type=int, default=20, help="held-out continual sequences")
    ap.add_argument("--out", default="runs/digits-gp")
    ap.add_argument("--no-ablation", action="store_true", help="skip the hidden-layer ablation")
    ap.add_argument("--shots", type=int, nargs="*", default=[],
                    help="few-shot presets: also these shots (the rules as evolved)")
    ap.add_argument("--sweep", nargs="+", default=None, metavar="H:K",
                    help="only the delta rule for these hidden units:active units")
    ap.add_argument("--rate", type=float, default=0.1, help="the delta rule's rate (--sweep)")
    ap.add_argument("--toy", action="store_true",
                    help="the presets' toy sizes (what the test suite runs); not for tables")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__}")
    if args.sweep:
        pairs = [tuple(int(v) for v in p.split(":")) for p in args.sweep]
        print(f"\nThe delta rule (rate {args.rate:g}) on {args.sequences} held-out sequences of "
              f"{args.presets[0]}, k-WTA layers:\n")
        print("| hidden units | k active | ACC | BWT |")
        print("|---|---|---|---|")
        for r in sweep(args.presets[0], pairs, args.rate, args.sequences, args.toy):
            print(f"| {r['H']} | {r['k']} | {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} | "
                  f"{r['BWT']:.3f} |")
        return
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    for preset in args.presets:
        path, wall = train(preset, args.generations, args.out, args.toy)
        run = open_run(path)
        problem = problem_for(run)
        label, rule = rule_from_spec(run, problem, "best")
        print(f"\n{preset}: {label}: {problem.formula(rule)}   (tree: {rule})")
        n = args.episodes if preset.startswith("fewshot") else args.sequences
        result = evaluate(path, n)
        print()
        print(table(preset, result, wall, f"evo-l2l evaluate {path} --n-tasks {n}"))
        if preset.startswith("fewshot") and args.shots:
            extra = other_shots(path, args.shots, n)
            print(f"\nOther shots ({n} held-out episodes each; the rules as evolved for the "
                  "preset's shots, the baselines' rates tuned for each):\n")
            print("| shots | " + " | ".join(r["label"] for r in extra[0][1]) + " |")
            print("|---|" + "---|" * len(extra[0][1]))
            for k, rows in extra:
                print(f"| {k} | " + " | ".join(f"{r['accuracy']:.3f} +- {r['ci95']:.3f}"
                                              for r in rows) + " |")
        if preset.startswith("continual") and not args.no_ablation:
            print(f"\nHidden layer ablation ({n} held-out sequences; the same rules):\n")
            print("| hidden layer | rule | ACC | BWT | seconds |")
            print("|---|---|---|---|---|")
            for r in ablation(path, n, args.toy):
                print(f"| {r['hidden']} | {r['rule']} | {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} "
                      f"| {r['BWT']:.3f} | {r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
