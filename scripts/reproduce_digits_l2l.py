#!/usr/bin/env python
"""Learning to learn on real data: the tables of docs/results/digits.md.

    python scripts/reproduce_digits_l2l.py [--generations G] [--out runs/digits]
        [--episodes 1000] [--sequences 20] [--presets fewshot-digits continual-digits ...]
        [--shots 1 5] [--ways 5 2] [--toy]

For each preset, meta-trains a rule with the preset's settings (seed 0; an archive already
at OUT/PRESET.h5 with the same config is reused), then evaluates on held-out episodes the
evolved rule, the delta rule (best rate on the training episodes) and the baselines, all on
the same episodes (what `evo-l2l evaluate OUT/PRESET.h5 --n-tasks N --json` prints), and
prints one Markdown table per preset with the meta-training wall time. --shots/--ways add
baseline-only rows for other few-shot settings (accuracy against shots).
"""
import argparse
import dataclasses
import json
import os
import time

import numpy as np

from machine import cpu_model


def train(preset_name: str, generations: int | None, out: str, toy: bool = False
          ) -> tuple[str, float]:
    from evo_l2l import open_run
    from evo_l2l.errors import ArchiveError
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    kw = {"seed": 0} if generations is None else {"seed": 0, "n_generations": generations}
    if toy:
        kw.update(PRESETS[preset_name].toy)
    config = PRESETS[preset_name].default_config(**kw)
    path = os.path.join(out, f"{preset_name}.h5")
    if os.path.exists(path):
        try:
            run = open_run(path, populations=False)
            if run.config.to_json() == config.to_json() and run.status == "complete":
                return path, float(run.generations["wall_time"][-1])
        except ArchiveError:
            pass
    result = start_run(config, path, force=True)
    return path, result.wall_seconds


def evaluate(path: str, n: int) -> dict:
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.analysis.episode_eval import evaluate_episodes
    from evo_l2l.analysis.episode_eval import protocol
    run = open_run(path)
    problem = problem_for(run)
    # The family's reference rule at its best rate on the training episodes (the delta rule;
    # bengio_init: at the outputs only, on the random start weights); continual runs get it
    # as evaluate_episodes' ablation row, with the paired differences.
    specs = ("best",) if protocol(run.tasks) == "continual" else ("best", problem.reference_rule)
    chosen = [(spec, *rule_from_spec(run, problem, spec)) for spec in specs]
    if run.config.rule.name == "bengio_init":
        # Evolved initial weights: where the search started (genome 0: the start rule on the
        # start weights) and where its mean ended (ES's theta), beside the best individual.
        chosen += [("start", "genome 0 (the start rule on the start weights, not evolved)",
                    problem.rule_of_genome(np.zeros(problem.genome.length)))]
        theta = run.state.get("optimizer", {}).get("theta")
        if theta is not None:
            chosen.append(("es_mean", "the ES mean (theta) at the end",
                           problem.rule_of_genome(np.asarray(theta))))
    return evaluate_episodes(run, problem, chosen, "heldout", n)


def meta_overfitting(path: str) -> list[tuple]:
    """(generation, best-so-far training fitness, its held-out fitness on the run's stored
    held-out episodes) at a few generations: does what is learned carry over?"""
    from evo_l2l import open_run
    g = open_run(path, populations=False).generations
    n = len(g["best_so_far_fitness"])
    gens = sorted({0, n // 10, n // 4, n // 2, n - 1})
    return [(k, float(g["best_so_far_fitness"][k]), float(g["best_so_far_heldout_fitness"][k]))
            for k in gens]


def fewshot_baselines(path: str, ways, shots, n: int) -> list[tuple]:
    """(n_way, k_shot, rows) for other few-shot settings: the evolved rule (evolved for the
    preset's setting), the delta rule (its rate from the preset's) and the baselines."""
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.analysis.episode_eval import _row, baseline_rows
    from evo_l2l.evolution.problem import build_tasks
    run = open_run(path)
    problem = problem_for(run)
    chosen = [rule_from_spec(run, problem, spec) for spec in ("best", "delta")]
    out = []
    for w in ways:
        for k in shots:
            s = dataclasses.replace(run.config.tasks.settings, n_way=w, k_shot=k,
                                    n_heldout=n)
            tasks = build_tasks(run.config, s)
            held = tasks.select("heldout")
            rows = [_row(spec, label, problem.learner.accuracy(
                        np.asarray(rule)[None], held, run.config.learner.settings)[0])
                    for spec, (label, rule) in zip(("best", "delta"), chosen)]
            out.append((w, k, rows + baseline_rows(held, tasks.select("train"))))
    return out


def table(preset: str, result: dict, wall: float, command: str) -> str:
    rows, t = result["rows"], result["tasks"]
    lines = [f"### {preset}", "", f"`{command}`; meta-training {wall:.0f} s "
             f"(`evo-l2l run {preset} --seed 0`)", ""]
    if t["protocol"] == "fewshot":
        lines += [f"{t['n']} held-out episodes; query accuracy, 95% CI", "",
                  "| method | accuracy |", "|---|---|"]
        lines += [f"| {r['label']} | {r['accuracy']:.3f} +- {r['ci95']:.3f} |" for r in rows]
    else:
        lines += [f"{t['n']} held-out sequences; mean over sequences (ACC +- 95% CI)", "",
                  "| method | ACC | BWT | FWT | forgetting |", "|---|---|---|---|---|"]
        for r in rows:
            if r["kind"] == "final":
                lines.append(f"| {r['label']} | {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} | | | |")
            else:
                fwt = f"{r['FWT']:.3f}" if np.isfinite(r["FWT"]) else "n/a"
                lines.append(f"| {r['label']} | {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} | "
                             f"{r['BWT']:.3f} | {fwt} | {r['forgetting']:.3f} |")
        from evo_l2l.analysis.episode_eval import paired_lines
        paired = paired_lines(result)
        if paired:
            lines += ["", paired[0].strip() + ":", ""]
            lines += [f"- {p.strip()}" for p in paired[1:]]
        for r in rows[:1] + [r for r in rows if r["method"] == "sgd"]:
            lines += ["", f"R[i, j] of {r['label']}:", "```"]
            lines += [" ".join(f"{v:5.2f}" for v in row) for row in r["R"]]
            lines.append("```")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--presets", nargs="+",
                    default=["fewshot-digits", "continual-digits", "continual-split-digits"])
    ap.add_argument("--generations", type=int, default=None,
                    help="meta-training generations (default: the preset's)")
    ap.add_argument("--episodes", type=int, default=1000, help="held-out few-shot episodes")
    ap.add_argument("--sequences", type=int, default=20, help="held-out continual sequences")
    ap.add_argument("--ways", type=int, nargs="*", default=[], help="extra few-shot ways")
    ap.add_argument("--shots", type=int, nargs="*", default=[], help="extra few-shot shots")
    ap.add_argument("--out", default="runs/digits")
    ap.add_argument("--json", help="also write every result to this JSON file")
    ap.add_argument("--toy", action="store_true",
                    help="the presets' toy sizes (what the test suite runs); not for tables")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; numpy {np.__version__}")
    everything = {}
    for preset in args.presets:
        t0 = time.perf_counter()
        path, wall = train(preset, args.generations, args.out, args.toy)
        n = args.episodes if preset.startswith("fewshot") else args.sequences
        result = evaluate(path, n)
        command = f"evo-l2l evaluate {path} --n-tasks {n}"
        print()
        print(table(preset, result, wall, command))
        if result["rows"] and any(r["method"] == "start" for r in result["rows"]):
            curve = meta_overfitting(path)
            print("\nBest so far by training fitness, and its held-out fitness on the run's "
                  "stored held-out episodes:\n")
            print("| generation | training episodes | held-out episodes |\n|---|---|---|")
            print("\n".join(f"| {k} | {a:.3f} | {b:.3f} |" for k, a, b in curve))
            result["meta_overfitting"] = curve
        if preset.startswith("fewshot") and args.ways and args.shots:
            extra = fewshot_baselines(path, args.ways, args.shots, n)
            print(f"\nAgainst ways and shots ({n} held-out episodes each; the rules as "
                  "evolved or tuned for the preset's setting, the baselines' rates tuned for "
                  "each):\n")
            print("| ways | shots | " + " | ".join(r["label"] for r in extra[0][2]) + " |")
            print("|---|---|" + "---|" * len(extra[0][2]))
            for w, k, rows in extra:
                print(f"| {w} | {k} | " + " | ".join(f"{r['accuracy']:.3f} +- {r['ci95']:.3f}"
                                                     for r in rows) + " |")
            result["baselines_by_shots"] = [{"n_way": w, "k_shot": k, "rows": rows}
                                            for w, k, rows in extra]
        result["wall_seconds"] = wall
        everything[preset] = result
        print(f"\n({preset}: {time.perf_counter() - t0:.0f} s for this script)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(everything, fh, indent=1)


if __name__ == "__main__":
    main()
