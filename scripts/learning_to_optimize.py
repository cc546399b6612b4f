"""Evolved optimizers against tuned baselines on held-out task families (learning to optimize).

For each archive (an l2o-programs or l2o-learned run) its best optimizer, and the baselines
SGD, momentum, Nesterov, Adam, AdamW and Lion with their learning rates tuned on that run's
meta-training tasks (10^-5..1 in quarter decades, by mean final / initial test loss), are
trained on N fresh tasks of each held-out family of tasks/net_training.py (wide, deep, long,
another dataset, regression, relu), each task its own data sample, net, initialisation and
minibatches, the same for every optimizer. Reported per family: mean final test loss,
the paired difference from tuned Adam with its 95% t interval, the tasks won, and Adam
tuned on each task's own test loss (an oracle). A family counts as won when the whole
interval lies below 0 and the evolved optimizer diverged on none of its tasks.

    python scripts/learning_to_optimize.py runs/l2o/*.h5 --n-tasks 20 [--json out.json]

Before that, for update-program runs: each run's best program beside Adam's and Lion's,
and how many are momentum-based (--programs-only stops there).

Also: --families wide,deep (a subset), --quick (4 tasks, for a smoke test).
"""
from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np


def cpu_model() -> str:
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archives", nargs="+")
    ap.add_argument("--n-tasks", type=int, default=20)
    ap.add_argument("--seed", type=int, default=1000, help="seed of the held-out task draws")
    ap.add_argument("--families", default="wide,deep,long,digits,regression,relu")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", help="write the results here")
    ap.add_argument("--programs-only", action="store_true",
                    help="only the best programs beside Adam's and Lion's")
    ap.add_argument("--no-programs", action="store_true", help="skip the program table")
    a = ap.parse_args(argv)
    from evo_l2l.analysis import optimizer_eval as oe
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.archive import open_run
    from evo_l2l.tasks import net_training as nt

    n_tasks = 4 if a.quick else a.n_tasks
    families = [f for f in a.families.split(",") if f]
    unknown = [f for f in families if f not in nt.HELDOUT_FAMILIES]
    if unknown:
        ap.error(f"unknown family {unknown[0]!r}; families: {', '.join(nt.HELDOUT_FAMILIES)}")
    print(f"machine: {cpu_model()}; {n_tasks} tasks per family, seed {a.seed}")
    out = {"cpu": cpu_model(), "n_tasks": n_tasks, "seed": a.seed, "runs": []}
    if not a.no_programs:
        out["programs"] = program_table(a.archives)
    if a.programs_only:
        return write(out, a.json)
    for path in a.archives:
        t0 = time.perf_counter()
        run = open_run(path)
        problem = problem_for(run)
        label, row = rule_from_spec(run, problem, "best")
        family = run.config.rule.name
        name = f"evolved ({path})"
        print(f"\n== {path}: {problem.formula(row)}")
        tune = problem.splits["train"]
        s = run.config.tasks.settings
        record = {"archive": path, "optimizer": problem.formula(row), "families": {}}
        won = 0
        for fam in families:
            # a family's tasks depend on its name, not on which other families are asked
            k = list(nt.HELDOUT_FAMILIES).index(fam)
            tasks = nt.make_tasks(np.random.default_rng([a.seed, k]), s, fam, n_tasks)
            res = oe.compare(family, {name: row}, tune, tasks)
            v = res["vs_adam"][name]
            # won: the whole interval below 0 and no task diverged
            lost = (v["mean"] + v["ci95"] >= 0 or not np.isfinite(v["mean"])
                    or not np.all(np.isfinite(res["final"][name])))
            won += not lost
            print(f"\n-- {fam}: {n_tasks} tasks" + ("" if lost else "  (evolved below Adam)"))
            print("\n".join(oe.table(res)))
            record["families"][fam] = {
                "final": {lbl: f.tolist() for lbl, f in res["final"].items()},
                "vs_tuned_adam": res["vs_adam"], "wins": res["wins"], "rates": res["rates"],
                "won": not lost}
        record["families_won"] = won
        record["seconds"] = time.perf_counter() - t0
        print(f"\n{path}: below tuned Adam (95% CI) on {won} of {len(families)} families; "
              f"{record['seconds']:.0f} s")
        out["runs"].append(record)
    return write(out, a.json)


def write(out: dict, path: str | None) -> int:
    if path:
        with open(path, "w") as fh:
            json.dump(out, fh, indent=1, default=float)
    return 0


def program_table(archives: list[str]) -> list[dict]:
    """Each optimizer-program run's best program, printed beside Adam's and Lion's, and
    whether it is momentum-based (a momentum accumulator feeding the step, sign- or
    second-moment-normalised: rules/update_programs.anatomy)."""
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.archive import open_run
    from evo_l2l.rules import update_programs as up
    rows = []
    for path in archives:
        run = open_run(path)
        if run.config.rule.name != "update_program":
            continue
        problem = problem_for(run)
        _, row = rule_from_spec(run, problem, "best")
        rows.append({"archive": path, "seed": int(run.config.run.seed),
                     "program": up.text_of(row), "lines": up.lines(row),
                     "update": up.describe(row), "momentum_based": up.is_momentum_based(row),
                     **up.anatomy(row)})
    if not rows:
        return rows
    print("\nThe best program of each run, and the known optimizers in the same language:")
    for name in ("adam", "lion"):
        print(f"\n  {up.KNOWN_LABELS[name]}:")
        print("\n".join("    " + line for line in up.lines(up.known(name))))
    for r in rows:
        print(f"\n  seed {r['seed']} ({r['archive']}): {r['update']}")
        print("\n".join("    " + line for line in r["lines"]))
    found = sum(r["momentum_based"] for r in rows)
    print(f"\nmomentum-based (momentum feeding the step, sign- or second-moment-normalised): "
          f"{found} of {len(rows)} runs")
    return rows


if __name__ == "__main__":
    raise SystemExit(main())
