#!/usr/bin/env python
"""AutoML-Zero (Real, Liang, So & Le 2020): evolve whole learning algorithms from scratch.

    python scripts/reproduce_automl_zero.py [--seeds 5] [--individuals 100000]
    python scripts/reproduce_automl_zero.py --individuals 1000000     # the paper's budget
    python scripts/reproduce_automl_zero.py --digits --individuals 50000
    python scripts/reproduce_automl_zero.py --toy                     # seconds (tests)

Linear regression (preset automl-zero-linear): per seed, regularised evolution and random
search at the same budget (individuals bred); the run's program is the best on 100
selection tasks of the search's best candidates (the selection stage, rule.select_top);
success is that program scoring > 0.9999 (1 - (2/pi) atan(RMS), mean over 100 unseen tasks
of 1000 training examples, as the paper's demo; 'unseen@n': the same tasks learnt from
their first 100 examples only). Prints the
success counts, whether the best program is SGD (recognised numerically), the FEC hit
rate, the wall time with FEC on and off (seed 0, evolution, same budget) and the
interpreter's throughput: full evaluations (10 tasks x 100 + 100 examples) per second on
one core (numba single-threaded), of the last population's programs.
--digits: preset automl-zero-digits, evolution vs logistic regression (scikit-learn,
fitted on each held-out pair's training examples) on the held-out pairs.
Timings are wall clock on a shared machine: say which beside any figure.
"""
import argparse
import os
import time

import numpy as np

from evo_l2l.evolution.executors import add_executor_arguments, executor_from_args
from evo_l2l.evolution.program_problem import fec_hit_rate
from evo_l2l.evolution.run import run_all
from evo_l2l.experiments import automl_zero

SUCCESS = 0.9999


def configs_for(preset, seeds, individuals, population, strategy, toy, first=0, **extra):
    over = dict(preset.toy) if toy else {}
    over.update({"run.population": population, "optimizer.strategy": strategy, **extra})
    every = over.get("optimizer.generation_size") or population
    over["run.n_generations"] = max(2, 1 + (individuals - population) // every)
    return [preset.default_config(seed=s, **over) for s in range(first, first + seeds)]


def summarise(results, label):
    rows = []
    for res in results:
        problem, last = res.problem, res.last
        best = problem.rule_of_genome(last.hof_genome)
        known = problem.known_algorithm(best)
        from evo_l2l.archive import open_run
        keys = open_run(res.path).state["cache_keys"]       # every FEC lookup, in order
        hits, lookups = fec_hit_rate(keys, problem.s.fec_cache_size)
        every = res.config.optimizer.settings.generation_size or res.config.run.population
        born = res.config.run.population + last.generation * every
        select = problem.selection_fitness(best)
        served = np.asarray(open_run(res.path).state["cache_fitness"], dtype=np.float64)
        rows.append({"found_at": res.config.run.population + last.hof_generation * every,
                     "lookups": len(served),
                     "max_served": float(np.nanmax(served)) if len(served) else float("nan"),
                     "experiments": 1 + (born - 1) // res.config.rule.settings.experiment_size
                     if res.config.rule.settings.experiment_size else 1,"seed": res.config.run.seed, "fitness": last.hof_fitness,
                     "select": float("nan") if select is None else select,
                     "heldout": last.hof_heldout, "success": last.hof_heldout > SUCCESS,
                     "heldout_short": short_unseen(problem, best),
                     "known": known["label"] if known else "-", "wall": res.wall_seconds,
                     "individuals": born, "hit_rate": hits / max(1, lookups)})
    print(f"\n{label}")
    print(f"{'seed':>4} {'search fit':>10} {'select fit':>10} {'unseen fit':>10} {'solved':>6} "
          f"{'unseen@n':>9} {'FEC hits':>8} {'wall s':>7} {'bred':>8} {'found at':>8} "
          f"{'exps':>4}  best program")
    for r in rows:
        print(f"{r['seed']:>4} {r['fitness']:>10.6f} {r['select']:>10.6f} {r['heldout']:>10.6f} "
              f"{str(r['success']):>6} {r['heldout_short']:>9.6f} {r['hit_rate']:>8.3f} "
              f"{r['wall']:>7.1f} {r['individuals']:>8} {r['found_at']:>8} "
              f"{r['experiments']:>4}  {r['known']}")
    return rows


def short_unseen(problem, rule) -> float:
    """The program's fitness on the unseen tasks when it learns from only their first
    n_train (the search tasks' length, 100) training examples: 'unseen@n'."""
    from evo_l2l.learners import programs as lp
    view = lp.program_tasks(problem.splits["heldout"], problem._views["train"].n_train,
                            settings=problem.lsettings)
    return float(lp.scores(problem._pack([rule]), view, problem.sizes).mean())


def same_search(path_a, path_b) -> str:
    """Whether two runs' archived generations (populations and their fitness) are equal:
    'identical', or the first generation where they differ."""
    from evo_l2l.archive import open_run
    a, b = open_run(path_a).generations, open_run(path_b).generations
    n = min(len(a["population_fitness"]), len(b["population_fitness"]))
    for g in range(n):
        if not (np.array_equal(a["population_fitness"][g], b["population_fitness"][g])
                and list(a["population_genome"][g]) == list(b["population_genome"][g])):
            return f"differ from generation {g} of {n}"
    return f"identical ({n} generations)"


def throughput(result, repeats: int = 3) -> tuple[float, float]:
    """(full evaluations per second on one core, the same of fingerprints) for the last
    population's programs."""
    import numba
    problem = result.problem
    genomes = problem.to_genome_array(problem.rules_of(_population(result)))
    old = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        problem.fitness_of(genomes[:2])                         # compiled
        t = min(_timed(lambda: problem.fitness_of(genomes)) for _ in range(repeats))
        f = min(_timed(lambda: problem.fingerprints(list(genomes))) for _ in range(repeats))
    finally:
        numba.set_num_threads(old)
    return len(genomes) / t, len(genomes) / f


def _population(result):
    from evo_l2l.archive import open_run
    run = open_run(result.path)
    pop = run.generations["population_genome"][-1]
    return [p.decode() if isinstance(p, bytes) else str(p) for p in pop]


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def clopper_pearson(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    from scipy.stats import beta
    a = 1 - level
    lo = 0.0 if k == 0 else float(beta.ppf(a / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.ppf(1 - a / 2, k + 1, n - k))
    return lo, hi


def sgd_screen(problem, rates=None) -> tuple[float, float, float]:
    """(lowest search fitness of SGD at a rate that solves the unseen tasks, the lowest and
    highest such rate): SGD (w = 0 at the start) over a log grid of rates, scored on the
    search tasks and on the unseen tasks (success: > SUCCESS)."""
    from evo_l2l.rules import programs as pg
    rates = np.geomspace(1e-3, 2.0, 200) if rates is None else rates
    texts = [pg.KNOWN_PROGRAMS["sgd"](float(r)) for r in rates]
    search = problem.fitness_of(texts, "train")
    unseen = problem.fitness_of(texts, "heldout")
    ok = unseen > SUCCESS
    if not ok.any():
        return float("nan"), float("nan"), float("nan")
    return float(search[ok].min()), float(rates[ok].min()), float(rates[ok].max())


def random_bound(problem, evo_rows, rnd_rows) -> None:
    """Random search's per-program success probability bounded from all its programs pooled
    (every program a random search evaluated is an independent draw from the same space):
    a program that solves has a search fitness of at least the screen's (SGD's lowest at a
    solving rate); none of the N programs reached it, so p < 3/N (95%, 'rule of three');
    what that gives for a run of the same budget, against evolution's rate (Clopper-Pearson
    95%)."""
    tau, r_lo, r_hi = sgd_screen(problem)
    n = sum(r["lookups"] for r in rnd_rows)
    top = max(r["max_served"] for r in rnd_rows)
    above = top >= tau
    budget = int(np.mean([r["individuals"] for r in rnd_rows]))
    p_hi = 3.0 / n
    run_hi = 1.0 - (1.0 - p_hi) ** budget
    k_e, n_e = sum(r["success"] for r in evo_rows), len(evo_rows)
    lo_e, hi_e = clopper_pearson(k_e, n_e)
    print(f"\nrandom search, pooled: {n} programs evaluated over {len(rnd_rows)} runs; the best "
          f"search fitness any reached {top:.6f} (FEC's served values); SGD solves the unseen "
          f"tasks at rates {r_lo:.3g}-{r_hi:.3g}, where its search fitness is at least "
          f"{tau:.6f} (the screen)")
    if not np.isfinite(tau):
        print("  no SGD rate solves these unseen tasks: no screen, no bound")
        return
    if above:
        print("  a random program reached the screen, so search fitness cannot bound random "
              "search here: see scripts/random_bound_automl_zero.py (a necessary condition "
              "on unseen tasks instead)")
        return
    print(f"  0 programs at the screen in {n}: per-program success p < 3/N = {p_hi:.3g} (95%); "
          f"a run of {budget} programs then solves with probability < {run_hi:.3g}")
    print(f"  evolution: {k_e}/{n_e} runs solved, 95% interval {lo_e:.3f}-{hi_e:.3f}; "
          f"ratio evolution / random search > {lo_e / run_hi:.2f} (lower ends), point "
          f"{k_e / n_e:.2f} vs < {run_hi:.3g}: "
          + ("'>= 5x' shown" if lo_e / run_hi >= 5 else "'>= 5x' NOT shown at this sample size"))


def report_verify(fec_run, verify) -> None:
    """The same-path FEC comparison: the verifying run is the FEC run (checked on the
    archives) with every hit also evaluated in full."""
    p = verify.problem
    lookups = p.fec.lookups
    hits = p.fec_verified
    fp = p.fec_seconds
    print(f"FEC verify (seed 0, evolution): the FEC run's path "
          f"({same_search(fec_run.path, verify.path)}); hit rate {hits / max(1, lookups):.3f} "
          f"({hits} of {lookups} lookups), collisions {p.fec_collisions} "
          f"({p.fec_collisions / max(1, hits):.4f} of hits: fitness differs from the cached)")
    print(f"  wall: FEC {fec_run.wall_seconds:.1f} s, verify (FEC + every hit in full) "
          f"{verify.wall_seconds:.1f} s: ratio {verify.wall_seconds / fec_run.wall_seconds:.2f}; "
          f"without the fingerprint kernel's {fp:.1f} s (what a run without FEC would not "
          f"pay): {(verify.wall_seconds - fp) / fec_run.wall_seconds:.2f}")


def logistic_baseline(problem) -> float:
    """scikit-learn's LogisticRegression fitted on each held-out task's training examples,
    accuracy on its validation examples, mean over tasks."""
    from sklearn.linear_model import LogisticRegression
    view = problem._views["heldout"]
    accs = []
    for t in range(len(view.X)):
        Xt, yt = view.X[t, :view.n_train], view.Y[t, :view.n_train]
        Xv, yv = view.X[t, view.n_train:], view.Y[t, view.n_train:]
        model = LogisticRegression(max_iter=1000).fit(Xt, yt)
        accs.append(float(np.mean(model.predict(Xv) == yv)))
    return float(np.mean(accs))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--seed-start", type=int, default=0, help="seeds seed-start, ...")
    ap.add_argument("--individuals", type=int, default=100_000,
                    help="children bred per run (the budget; the paper: up to 1e6 and more)")
    ap.add_argument("--population", type=int, default=1000, help="the paper's demo: 1000")
    ap.add_argument("--generation-size", type=int, default=10_000,
                    help="children between archived generations (and selection stages)")
    ap.add_argument("--no-random", action="store_true", help="skip random search")
    ap.add_argument("--no-fec-off", action="store_true", help="skip the FEC-off rerun")
    ap.add_argument("--fec-verify", action="store_true",
                    help="also rerun seed 0's evolution with rule.fec_verify: the FEC run's "
                    "path, every hit also evaluated in full (collisions counted)")
    ap.add_argument("--demo", action="store_true",
                    help="preset automl-zero-linear-demo (the demo's own search space)")
    ap.add_argument("--digits", action="store_true", help="the digits pairs instead")
    ap.add_argument("--restarts", type=int, default=0, metavar="N",
                    help="rule.experiment_size: a new experiment (fresh search tasks, random "
                    "programs) every N children, within --individuals in all")
    ap.add_argument("--sufficient", type=float, default=0.0,
                    help="rule.sufficient_fitness: end a run when its program's selection "
                    "fitness passes this (the demo: 0.9999)")
    ap.add_argument("--toy", action="store_true", help="the presets' toy sizes (seconds)")
    ap.add_argument("--out", default=None)
    add_executor_arguments(ap)
    args = ap.parse_args()
    out = args.out or "runs/repro_automl_zero"
    os.makedirs(out, exist_ok=True)
    preset = automl_zero.digits if args.digits else (
        automl_zero.linear_demo if args.demo else automl_zero.linear)
    population = min(args.population, 20) if args.toy else args.population
    print(f"{preset.NAME}: {args.seeds} seeds, {args.individuals} individuals per run, "
          f"population {population}, tournament 10, mutation probability 0.9")
    # Compile (or load) the kernels first, so that no run's wall time includes it.
    from evo_l2l.evolution.run import start_run
    start_run(preset.default_config(**preset.toy, n_generations=2, population=20),
              os.path.join(out, "warmup.h5"), force=True)
    t0 = time.perf_counter()
    with executor_from_args(args) as executor:
        def runs(strategy, tag, **extra):
            extra.setdefault("optimizer.generation_size",
                             min(args.generation_size, args.individuals))
            if args.restarts:
                extra.setdefault("rule.experiment_size", args.restarts)
            if args.sufficient:
                extra.setdefault("rule.sufficient_fitness", args.sufficient)
            configs = configs_for(preset, args.seeds if tag not in ("fecoff", "fecverify") else 1, args.individuals,
                                  population, strategy, args.toy, args.seed_start, **extra)
            paths = [os.path.join(out, f"{preset.NAME}_{tag}_seed{c.run.seed}.h5")
                     for c in configs]
            for p in paths:
                if os.path.exists(p):
                    os.remove(p)
            return run_all(configs, paths, executor)

        evo = runs("evolution", "evolution")
        evo_rows = summarise(evo, "regularised evolution")
        rnd_rows = []
        if not args.no_random and not args.digits:
            rnd_rows = summarise(runs("random", "random"), "random search (same budget)")
        fec_off = None
        if not args.no_fec_off and not args.digits:
            fec_off = runs("evolution", "fecoff", **{"run.fitness_cache": False})[0]
        verify = None
        if args.fec_verify:
            verify = runs("evolution", "fecverify", **{"rule.fec_verify": True})[0]
    n_e = sum(r["success"] for r in evo_rows)
    if not args.digits:
        print(f"\nsolved (best program > {SUCCESS} on unseen tasks): evolution "
              f"{n_e}/{len(evo_rows)}"
              + (f", random search {sum(r['success'] for r in rnd_rows)}/{len(rnd_rows)}"
                 if rnd_rows else ""))
    if rnd_rows:
        n_r = sum(r["success"] for r in rnd_rows)
        ratio = "inf (random search solved none)" if n_r == 0 and n_e else \
            ("undefined (neither solved any)" if n_r == 0 else f"{n_e / n_r:.2f}")
        print(f"success rate ratio evolution / random search: {ratio}")
    if rnd_rows:
        random_bound(evo[0].problem, evo_rows, rnd_rows)
    sgd = sum(r["known"] != "-" for r in evo_rows)
    print(f"\nbest program recognised as SGD: {sgd}/{len(evo_rows)} seeds")
    evo_ind = sum(r["individuals"] for r in evo_rows)
    evo_wall = sum(r["wall"] for r in evo_rows)
    print(f"end to end (breeding, FEC, evaluation, archive): {evo_ind / evo_wall:.0f} "
          f"individuals/s over the evolution runs (numba's threads on all cores of the "
          f"machine; shared)")
    print(f"FEC hit rate: mean {np.mean([r['hit_rate'] for r in evo_rows]):.3f} over the "
          f"evolution runs")
    if fec_off is not None:
        print(f"FEC on vs off (seed 0, evolution, same budget): {evo[0].wall_seconds:.1f} s vs "
              f"{fec_off.wall_seconds:.1f} s, ratio off/on {fec_off.wall_seconds / evo[0].wall_seconds:.2f}; "
              f"the two searches' archived generations: {same_search(evo[0].path, fec_off.path)}")
    if verify is not None:
        report_verify(evo[0], verify)
    full, fp = throughput(evo[0])
    print(f"interpreter throughput on one core: {full:.0f} algorithms/s (full evaluation: "
          f"{len(evo[0].problem.splits['train'])} tasks), {fp:.0f} fingerprints/s "
          f"(last population of seed 0)")
    if args.digits:
        for res in evo:
            base = logistic_baseline(res.problem)
            print(f"seed {res.config.run.seed}: evolved held-out accuracy "
                  f"{res.last.hof_heldout:.4f} vs logistic regression {base:.4f}")
    print(f"total {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
