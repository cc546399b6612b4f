"""Meta-evolution (Schmidhuber 1987): evolution that evolves the search one level below.

A meta level is a plain run whose rules are operator genomes (rules/operators.py),
whose learner is a whole run of the level below (learners/evolution.py) and whose
tasks are runs of the level below (tasks/runs_below.py: run seed, environment
seed). One genome's fitness is the mean score of the level below's training runs,
each made with the genome's GA settings within a fixed evaluation budget:

    score = 1 + (1 - evaluations to the target / budget)   if the run reaches the target
            best fitness / target                            otherwise

where the target is the training fitness of the level below's reference rule (the
delta rule for chalmers1990) at its best rate on that run's own tasks, so a run
that reaches it always beats one that does not, and faster is better. When the
level below is itself a meta level (level 3), it has no reference rule and the
score is the best fitness it reached.

Level 3 is this same code once more: the level below's config is then a meta
config. The level-below runs are independent plain-data calls (`run_below`), which the
run's executor spreads over its workers (`evo-l2l run schmidhuber1987-meta --dask-local 2`);
in one process they advance together, every run's generation scored in one kernel call
(meta_batch.run_below_batch, the same results). The fitness of a genome is a
pure function of it (runs below are seeded from the tasks), so the caches are exact
and a meta run resumes exactly like a plain run.
"""
from __future__ import annotations

from collections import deque

import numpy as np

from ..components import GenomeSpec
from ..config import RunConfig
from ..errors import ConfigError
from ..rules import operators as ops
from ..rules.family import RuleFamily
from ..rules.kinds import kind_of
from ..tasks import TaskSet
from .evaluator import Evaluator, InProcess, cut

# One run below, summarised: the columns of run_below's result.
SUMMARY = ("reached", "evaluations_to_target", "best_fitness", "evaluations", "target",
           "reference_like")


def ga_overrides(row, genome_kind: str, budget: int) -> dict:
    """A decoded operator row as config overrides of a run below: the GA settings, the
    population and the generations that fit `budget` evaluations. One home for the runs
    below and for `run --operators-from`, so both run the same search."""
    ga = ops.settings_of(row, genome_kind)
    # A population over half the budget would overrun it (a run makes two generations).
    population = min(ga.pop("population"), max(2, budget // 2))
    ga["elitism"] = min(ga["elitism"], population - 1)
    return {"optimizer": ops.OPTIMIZER, **{f"optimizer.{k}": v for k, v in ga.items()},
            "run.population": population, "run.n_generations": max(2, budget // population)}


def below_config(below: dict, row, run_seed: int, task_seed: int, budget: int) -> RunConfig:
    """The level below's config for one run with a decoded operator row."""
    base = RunConfig.from_dict(below)
    return base.with_overrides({**ga_overrides(row, base.genome().kind, budget),
                                "run.seed": int(run_seed), "tasks.seed": int(task_seed)})


def default_budget(below: dict) -> int:
    run = RunConfig.from_dict(below).run
    return run.population * run.n_generations


def run_below(below: dict, row, run_seed: int, task_seed: int, budget: int) -> np.ndarray:
    """One run of the level below with operator row `row`, stopped at the target or the
    budget; returns its SUMMARY values (float64). Plain data in and out, so any executor
    can carry it; leaves stdlib `random` as it found it."""
    from .loop import StopFlag, evolve
    from .problem import build_tasks, make_problem
    config = below_config(below, row, run_seed, task_seed, budget)
    problem = make_problem(config, build_tasks(config))
    target = kind_of(config).reference_target(problem)
    seen = {"evaluations": 0, "reached_at": np.nan}
    flag = StopFlag()

    def track(record) -> None:
        seen["evaluations"] += record.n_evaluations
        if (target is not None and np.isnan(seen["reached_at"])
                and record.hof_fitness >= target):
            seen["reached_at"] = seen["evaluations"]
            flag.request()

    last = evolve(problem, config, [track], stop=flag, catch_stop=False)
    best = float(last.hof_fitness)
    like = reference_like(problem, last.hof_genome)
    return np.array([float(not np.isnan(seen["reached_at"])), seen["reached_at"], best,
                     seen["evaluations"], np.nan if target is None else target, like])


# Chunks of a generation's runs below per worker: more than one, so that a worker whose
# runs finish early takes another chunk instead of waiting for the slowest worker.
CHUNKS_PER_WORKER = 2


def run_below_jobs(jobs: list) -> list:
    """Several runs below in one call, advanced together (meta_batch.run_below_batch: the
    same results as run_below one by one): one genome's runs, the unit of a steady-state
    meta-evolution's calls (MetaProblem.evaluate_stream)."""
    from .meta_batch import run_below_batch
    return run_below_batch(jobs)


def reference_like(problem, genome) -> float:
    """1.0 if the run's best rule has the reference rule's form (a parametric family's
    own test, ParametricForm.is_reference_like: chalmers' delta-like), else 0.0; NaN
    where the family has none."""
    family = problem.config.component("rule")
    test = family.form.is_reference_like if isinstance(family, RuleFamily) else None
    if test is None:
        return np.nan
    return float(bool(test(problem.rule_of_genome(genome))))


def score(summary: np.ndarray, budget: int) -> np.ndarray:
    """(..., len(SUMMARY)) run summaries -> (...) scores (see the module docstring)."""
    reached, evals, best, target = summary[..., 0], summary[..., 1], summary[..., 2], summary[..., 4]
    no_target = np.isnan(target)
    with np.errstate(invalid="ignore", divide="ignore"):
        partial = np.where(target > 0, best / np.where(target > 0, target, 1.0), best - target)
        out = np.where(reached > 0, 1.0 + (1.0 - evals / budget), partial)
    return np.where(no_target, best, out)


class MetaProblem:
    """Fitness of operator genomes: mean score of runs of the level below."""

    kind = "meta"

    def __init__(self, config: RunConfig, tasks: TaskSet, evaluator: Evaluator | None = None):
        self.config = config
        self.tasks = tasks
        s = config.learner.settings
        if not s.below:
            raise ConfigError("learner.below is empty: make the config from a preset "
                              "(evo-l2l run schmidhuber1987-meta) or give the level below's "
                              "config sections")
        try:
            base = RunConfig.from_dict(s.below)
        except ConfigError as exc:
            raise ConfigError(f"learner.below: {exc}") from None
        self.below_kind = base.genome().kind
        if self.below_kind not in ("bits", "real"):
            raise ConfigError(f"learner.below: operator genomes set a GA, which cannot search "
                              f"the level below's {self.below_kind} genomes")
        self.below = base.to_dict()
        self.budget = s.budget or default_budget(self.below)
        self.rule_settings = config.rule.settings
        self.genome = GenomeSpec("real", ops.N_GENES)
        self.splits = {name: tasks.select(name) for name in ("train", "heldout")}
        self.seeds = {name: t.X[:, 0, :].astype(np.int64) for name, t in self.splits.items()}
        self.evaluator = evaluator or InProcess()
        self.reference_rule = "hand-set"
        self.performance = config.component("learner").performance
        self.cache_log: list = []
        self._summaries: dict = {"train": {}, "heldout": {}}
        self.hand_set = self._hand_set_row(base)

    @staticmethod
    def _hand_set_row(base: RunConfig) -> np.ndarray:
        """The level below's own GA settings as a decoded row (GA defaults if it uses
        another optimizer)."""
        from ..optimizers.ga import GASettings
        g = base.optimizer.settings if base.optimizer.name == ops.OPTIMIZER else GASettings()
        return np.array([0 if g.selection == "roulette" else g.tournament_size,
                         ops.CROSSOVERS.index(g.crossover), g.crossover_prob, g.mutation_indpb,
                         g.mutation_sigma, g.elitism, base.run.population], dtype=np.float64)

    # -- running the level below -------------------------------------------------
    def summaries(self, rules, split: str = "train") -> np.ndarray:
        """(N, 7) decoded rows -> (N, T, len(SUMMARY)) summaries of the split's runs."""
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, ops.N_GENES)
        cache = self._summaries[split]
        keys = [(r + 0.0).tobytes() for r in rules]
        todo = [(k, r) for i, (k, r) in enumerate(zip(keys, rules))
                if k not in cache and k not in keys[:i]]
        jobs = [(self.below, r, int(rs), int(ts), self.budget)
                for _, r in todo for rs, ts in self.seeds[split]]
        # Independent plain-data calls. In this process all of them advance together, each
        # generation of every run one kernel call on numba's threads (meta_batch), which
        # gives the same results; on workers, in contiguous chunks (a few per worker, for
        # balance) that each worker advances together in the same way.
        if not jobs:
            results = []
        elif isinstance(self.evaluator, InProcess):
            results = run_below_jobs(jobs)
        else:
            parts = cut(len(jobs), 0.0, len(jobs), self.evaluator.n_workers, min_seconds=0.0,
                        calls_per_worker=CHUNKS_PER_WORKER)
            results = [r for part in self.evaluator.map(run_below_jobs,
                                                        [jobs[a:b] for a, b in parts])
                       for r in part]
        T = len(self.seeds[split])
        for n, (k, _) in enumerate(todo):
            cache[k] = np.array(results[n * T:(n + 1) * T])
        return np.array([cache[k] for k in keys])

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        if not isinstance(split, str):
            raise ValueError("a meta level scores on its own runs below (train or heldout)")
        return score(self.summaries(rules, split), self.budget).mean(axis=1)

    def evaluate(self, genomes, split: str = "train") -> tuple[np.ndarray, int]:
        g = np.asarray(genomes, dtype=np.float64)
        if g.ndim != 2 or g.shape[1] != ops.N_GENES:
            raise ValueError(f"genomes must have shape (N, {ops.N_GENES})")
        rules = self.decode(g)
        n_new = len({(r + 0.0).tobytes() for r in rules} - set(self._summaries[split]))
        return self.fitness_of(rules, split), n_new

    def evaluate_stream(self, genome_batches, in_flight: int, split: str = "train"):
        """evaluate() over a stream of batches for a steady-state search (optimizer aging):
        the runs below of each batch's new operator settings are one executor call, at
        most `in_flight` out at once, results in order (executor.ordered); so workers stay
        busy with no generation barrier, and the run is the same on every executor."""
        cache = self._summaries[split]
        T = len(self.seeds[split])
        sent: deque = deque()

        def calls():
            for genomes in genome_batches:
                rules = self.decode(np.asarray(genomes, dtype=np.float64))
                keys = [(r + 0.0).tobytes() for r in rules]
                todo = [(k, r) for i, (k, r) in enumerate(zip(keys, rules))
                        if k not in cache and k not in keys[:i]]
                sent.append((rules, keys, [k for k, _ in todo]))
                yield [(self.below, r, int(rs), int(ts), self.budget)
                       for _, r in todo for rs, ts in self.seeds[split]]

        for results in self.evaluator.ordered(run_below_jobs, calls(), in_flight):
            rules, keys, todo = sent.popleft()
            for n, k in enumerate(todo):
                cache[k] = np.array(results[n * T:(n + 1) * T])
            summary = np.array([cache[k] for k in keys])
            yield score(summary, self.budget).mean(axis=1), len(todo)

    def curves(self, rules, split="train") -> np.ndarray:
        raise ValueError("a meta level has no learning curves; see its runs below "
                         "(evo-l2l best RUN)")

    def load_cache(self, keys, fitness) -> None:
        """The cache is exact; it is rebuilt on demand."""

    # -- the archive's view ------------------------------------------------------------
    def archive_fields(self) -> dict:
        T = len(self.seeds["train"])
        out = {"operators": ((ops.N_GENES,), "f8")}
        out.update({f"below_{name}": ((T,), "f8") for name in SUMMARY})
        return out

    def describe(self, genomes) -> dict:
        rules = self.decode(genomes)
        summ = self.summaries(rules, "train")
        out = {"operators": rules}
        out.update({f"below_{name}": summ[:, :, i] for i, name in enumerate(SUMMARY)})
        return out

    # -- rules ---------------------------------------------------------------------------
    def decode(self, genomes) -> np.ndarray:
        return ops.decode(genomes, self.rule_settings)

    def to_genome_array(self, genomes) -> np.ndarray:
        return np.asarray(genomes, dtype=np.float64)

    def rules_of(self, genomes) -> np.ndarray:
        return self.decode(genomes)

    def rule_of_genome(self, genome) -> np.ndarray:
        return self.decode(np.asarray(genome)[None])[0]

    def formula(self, rule) -> str:
        return ops.formula(rule, self.below_kind)

    def is_reference_rule(self, rule) -> bool:
        return bool(np.allclose(rule, self.hand_set))

    def known_rule_names(self) -> tuple:
        return ("hand-set",)

    def known_rule(self, name: str, rate: float | None = None):
        if name != "hand-set":
            raise ValueError(f"no known operators {name!r}; known: hand-set")
        return self.hand_set.copy()

    def known_label(self, name: str) -> str:
        return "the hand-set GA" if name == "hand-set" else name

    def rule_key(self, rule) -> bytes:
        return (np.asarray(rule, dtype=np.float64) + 0.0).tobytes()

    def rule_details(self, rule) -> dict:
        return {"operators": ops.settings_of(rule, self.below_kind),
                "level_below": self.config.learner.settings.level_below,
                "budget": self.budget,
                "runs_below": {split: summarise_runs(self.summaries([rule], split)[0],
                                                     self.budget)
                               for split in ("train", "heldout")}}


def median_to_target(summary: np.ndarray, budget: int) -> str:
    """Median evaluations to the target over runs, a run that missed it counting as more
    than the budget: a number, or '> budget' when half or more missed."""
    evals = np.where(summary[:, 0] > 0, summary[:, 1], np.inf)
    med = float(np.median(evals))
    return f"> {budget}" if not np.isfinite(med) else f"{med:g}"


def summarise_runs(summary: np.ndarray, budget: int) -> dict:
    """(T, len(SUMMARY)) runs below -> a JSON-ready summary."""
    like = summary[:, 5]
    return {"runs": int(len(summary)), "reached": int(summary[:, 0].sum()),
            "median_evaluations_to_target": median_to_target(summary, budget),
            "reference_like": None if np.isnan(like).all() else int(np.nansum(like)),
            "note": "" if np.isnan(like).all() else
                    f" ({int(np.nansum(like))} ended on a reference-like rule)",
            "best_fitness": [round(float(x), 6) for x in summary[:, 2]],
            "evaluations_to_target": [None if np.isnan(x) else int(x) for x in summary[:, 1]]}
