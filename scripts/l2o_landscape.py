"""How much the optimizer matters on a preset's meta-training tasks: each known optimizer
(and RMSprop, signSGD, signed momentum) at each learning rate of 10^-5..1 in quarter
decades, its best mean final / initial test loss over the tasks. What a search over
optimizers can gain is the gap between these rows.

    python scripts/l2o_landscape.py [--preset l2o-programs] [--set tasks.min_init_scale=0.5]
"""
from __future__ import annotations

import argparse
import time

import numpy as np

EXTRA = {"rmsprop": "r1 = square(g); m2 = interp(m2, r1, 0.99); r2 = sqrt(m2); "
                    "r2 = shift(r2, 1e-08); u = div(g, r2)",
         "signsgd": "u = sign(g)",
         "signed momentum 0.9": "m1 = interp(m1, g, 0.9); u = sign(m1)",
         "sgd, weight decay 0.05": "r1 = scale(w, 0.05); u = add(g, r1)",
         "clipped sgd 0.1": "u = clip(g, 0.1)",
         "clipped momentum 0.04": "r1 = add(g, m1); m1 = clip(r1, 0.04); u = scale(m1, 1)"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--preset", default="l2o-programs")
    ap.add_argument("--set", dest="sets", action="append", default=[],
                    help="a task setting, e.g. tasks.min_init_scale=0.5 (repeatable)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    from evo_l2l.analysis import optimizer_eval as oe
    from evo_l2l.cli.common import parse_sets
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.experiments import PRESETS
    from evo_l2l.rules import update_programs as up

    config = PRESETS[a.preset].default_config(**{"run.seed": a.seed, **parse_sets(a.sets)})
    tasks = build_tasks(config).select("train")
    print(f"{a.preset} (seed {a.seed}): {len(tasks)} meta-training tasks; "
          f"{' '.join(a.sets) or 'preset settings'}")
    t0 = time.perf_counter()
    rows = {up.KNOWN_LABELS[n]: up.known(n) for n in oe.BASELINES}
    rows.update({k: up.parse("lr = 0.001; " + v) for k, v in EXTRA.items()})
    print(f"{'optimizer':40s} {'final / initial test loss':>26s} {'at lr':>9s}")
    for label, row in rows.items():
        lr, score = oe.tune_rate("update_program", row, tasks)
        print(f"{label:40s} {score.min():26.4f} {lr:9.3g}")
    print(f"{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
