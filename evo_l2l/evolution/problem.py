"""A problem maps genome batches to fitness: decode, run the learners, score.

Genomes cross this boundary as plain arrays ((N, L) numbers, or (N,) tree
texts), never as DEAP objects, so any executor can carry them. Fitness is a
pure function of the genome (tasks and initial weights are fixed), which
makes the caches exact. Both problem kinds (parametric coefficient rules,
symbolic tree rules) satisfy the `Problem` protocol the loop, the archive
and the analysis rely on.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Protocol

import numpy as np

from ..components import GenomeSpec
from ..config import RunConfig
from ..learners import fitness_from_curves
from ..rules.kinds import kind_of
from ..rules.terms import known_rule_distance
from ..tasks import TASK_FAMILIES, TaskSet
from .evaluator import Evaluator, InProcess

# Synaptic updates in one kernel call at most (a fraction of a second on one core): a stop
# request is answered between calls.
CALL_UPDATES = 100_000_000


def updates_per_rule(tasks: TaskSet, n_epochs: int) -> int:
    """Synaptic updates one rule makes on a task set (the unit executors size calls in)."""
    return max(1, tasks.synapse_updates_per_epoch() * max(1, n_epochs))


def rules_per_call(tasks: TaskSet, n_epochs: int) -> int:
    """How many rules one kernel call may take so that it makes at most CALL_UPDATES."""
    return max(64, CALL_UPDATES // updates_per_rule(tasks, n_epochs))


class Problem(Protocol):
    kind: str                      # its rule kind's name (rules/kinds.py)
    config: RunConfig
    tasks: TaskSet
    splits: dict                   # 'train', 'heldout' -> TaskSet
    genome: GenomeSpec
    reference_rule: str            # name of the known rule shown beside evolved ones
    performance: str               # how one task's performance is measured (labels)
    cache_log: list                # new cache entries to archive (symbolic problems)

    def evaluate(self, genomes, split: str = "train") -> tuple[np.ndarray, int]: ...
    def archive_fields(self) -> dict: ...
    def describe(self, genomes) -> dict: ...
    def to_genome_array(self, genomes) -> np.ndarray: ...
    def rule_of_genome(self, genome): ...
    def rules_of(self, genomes) -> list: ...
    def formula(self, rule) -> str: ...
    def is_reference_rule(self, rule) -> bool: ...
    def known_rule_names(self) -> tuple: ...
    def known_rule(self, name: str, rate: float | None = None): ...
    def known_label(self, name: str) -> str: ...
    def rule_key(self, rule): ...
    def rule_details(self, rule) -> dict: ...
    def curves(self, rules, split="train") -> np.ndarray: ...
    def fitness_of(self, rules, split="train") -> np.ndarray: ...
    def load_cache(self, keys: np.ndarray, fitness: np.ndarray) -> None: ...


def seed_tree(seed: int) -> dict[str, np.random.SeedSequence]:
    """The run's seed tree: one child per consumer, fixed order forever."""
    tasks, python_random = np.random.SeedSequence(seed).spawn(2)
    return {"tasks": tasks, "python_random": python_random}


def python_random_seed(seed: int) -> int:
    """The integer that seeds stdlib `random` (which DEAP's operators use)."""
    words = seed_tree(seed)["python_random"].generate_state(4, np.uint32)
    return int(sum(int(w) << (32 * i) for i, w in enumerate(words)))


def build_tasks(config: RunConfig, settings=None) -> TaskSet:
    """The config's task set (settings: another [tasks] settings object of the same family)."""
    s = settings if settings is not None else config.tasks.settings
    ss = (np.random.SeedSequence(s.seed) if s.seed is not None
          else seed_tree(config.run.seed)["tasks"])
    return TASK_FAMILIES.get(config.tasks.name).make(np.random.default_rng(ss), s)


class ParametricRuleProblem:
    """Fitness of parametric rules (a coefficient vector per genome) on a task set.

    A *rule* here is a (K,) coefficient row; genomes are (N, L) arrays.
    """

    kind = "parametric"

    def __init__(self, config: RunConfig, tasks: TaskSet, cache_size: int = 200_000,
                 evaluator: Evaluator | None = None):
        self.config = config
        self.family = config.component("rule")
        self.form = self.family.form           # coefficients, terms, decoding, known rules
        self.learner = config.component("learner")
        self.rule_settings = config.rule.settings
        self.tasks = tasks
        self.splits = {"train": tasks.select("train"), "heldout": tasks.select("heldout")}
        self.genome = config.genome()
        self.evaluator = evaluator or InProcess()
        terms = self.rule_settings.terms
        if self.genome.kind == "bits":
            self._decode = self.form.decode_bits
        elif terms:
            # A configurable term set: genes for the chosen terms only, 0 elsewhere.
            idx = np.array([self.form.term_names.index(t) for t in terms])

            def decode(g, idx=idx, n=self.form.n_coef):
                g = np.atleast_2d(np.asarray(g, dtype=np.float64))
                if g.shape[1] != len(idx):
                    raise ValueError(f"genomes need {len(idx)} genes (rule terms)")
                full = np.zeros((g.shape[0], n))
                full[:, idx] = g
                return full
            self._decode = decode
        else:
            # The settings' decoding (srwm's depends on its start matrix).
            self._decode = self.form.decode_for(self.rule_settings)
        self.reference_rule = self.form.reference_rule
        self.performance = self.learner.performance_on(tasks)
        self.chunk = {k: rules_per_call(v, config.learner.settings.n_epochs)
                      for k, v in self.splits.items()}
        self.updates_per_rule = {k: updates_per_rule(v, config.learner.settings.n_epochs)
                                 for k, v in self.splits.items()}
        self._cache = {"train": {}, "heldout": {}}
        self.cache_size = cache_size if config.run.fitness_cache else 0
        self.cache_log: list = []      # only problems with a persistent cache fill it
        self.n_kernel_evaluations = 0
        self.kernel_seconds = 0.0      # time inside the learner's kernels, for benchmarks

    # -- the archive's view -------------------------------------------------
    def archive_fields(self) -> dict:
        """Per-individual arrays archived beside the genome: name -> (shape, dtype)."""
        out = {"coef": ((self.form.n_coef,), "f8")}
        if hasattr(self.learner, "compute"):       # learners that price their own compute
            out["compute"] = ((), "f8")
        return out

    def describe(self, genomes: np.ndarray) -> dict:
        coef = self.decode(genomes)
        out = {"coef": coef}
        if hasattr(self.learner, "compute"):
            # Synapse updates per training task each genome's learner spends.
            out["compute"] = self.learner.compute(coef, self.splits["train"],
                                                  self.config.learner.settings)
        return out

    def to_genome_array(self, genomes) -> np.ndarray:
        return np.asarray(genomes, dtype=self.genome.dtype)

    # -- rules ---------------------------------------------------------------
    def decode(self, genomes: np.ndarray) -> np.ndarray:
        return self._decode(np.asarray(genomes, dtype=self.genome.dtype))

    def rules_of(self, genomes: np.ndarray) -> np.ndarray:
        return self.decode(genomes)

    def rule_of_genome(self, genome) -> np.ndarray:
        return self.decode(np.asarray(genome)[None])[0]

    def formula(self, rule) -> str:
        # The settings' text (bengio_init's conv form shows its filter).
        return self.form.formula_for(rule, self.rule_settings)

    def is_reference_rule(self, rule) -> bool:
        return bool(self.form.is_reference_rule(rule))

    def known_rule_names(self) -> tuple:
        return tuple(self.form.known_rules)

    def known_rule(self, name: str, rate: float | None = None):
        if name not in self.form.known_rules:
            raise ValueError(f"no known rule {name!r} in this family; known: "
                             f"{', '.join(self.form.known_rules)}")
        make = self.form.known_rules[name]
        return make() if rate is None else make(rate)

    def known_label(self, name: str) -> str:
        return self.form.known_labels.get(name, name)

    def rule_key(self, rule) -> bytes:
        return (np.asarray(rule, dtype=np.float64) + 0.0).tobytes()

    def rule_details(self, rule) -> dict:
        extra = self.form.details_for(rule, self.rule_settings)
        return {"coefficients": {n: float(c) for n, c in zip(self.form.coef_names, rule)},
                "distance_to_known_rules": known_rule_distance(self.form, rule),
                "known_form": self.reference_rule if self.is_reference_rule(rule) else None,
                **extra}

    def curves(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """(R, K) coefficients -> (R, T, E+1) learning curves on a split or a TaskSet."""
        tasks = self.splits[split] if isinstance(split, str) else split
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.form.n_coef)
        t0 = time.perf_counter()
        out = self.learner.coefficient_curves(self.family.name, rules, tasks,
                                              self.config.learner.settings)
        self.kernel_seconds += time.perf_counter() - t0
        return out

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """Mean task performance, minus l1_penalty * sum |coefficients| (0 by default)."""
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.form.n_coef)
        fit = fitness_from_curves(self.curves(rules, split),
                                  self.config.learner.settings.fitness_measure)
        l1 = self.rule_settings.l1_penalty
        if l1:
            with np.errstate(invalid="ignore"):
                penalty = l1 * np.abs(self.form.effective(rules)).sum(axis=1)
            fit = np.where(np.isfinite(penalty), fit - penalty, -np.inf)
        return fit

    def load_cache(self, keys: np.ndarray, fitness: np.ndarray) -> None:
        """Parametric caches are exact and need no persistence."""

    def evaluate(self, genomes: np.ndarray, split: str = "train") -> tuple[np.ndarray, int]:
        """(N, L) genomes -> ((N,) fitness, number of distinct rules sent to the kernel)."""
        g = np.ascontiguousarray(genomes, dtype=self.genome.dtype)
        if g.ndim != 2 or g.shape[1] != self.genome.length:
            raise ValueError(f"genomes must have shape (N, {self.genome.length})")
        cache = self._cache[split]
        # Keyed by decoded coefficients (+0.0 folds -0.0 into 0.0): genomes
        # that differ only in the sign bit of a zero coefficient share an entry.
        coef = np.ascontiguousarray(self.decode(g) + 0.0)
        row = coef.shape[1] * coef.itemsize               # each row's bytes, sliced from one copy
        flat = coef.tobytes()
        keys = [flat[i:i + row] for i in range(0, len(flat), row)] if row else [b""] * len(coef)
        todo = {}
        for i, key in enumerate(keys):
            if key not in cache and key not in todo:
                todo[key] = i
        fresh: dict = {}
        if todo:
            rows = np.fromiter(todo.values(), dtype=np.int64, count=len(todo))
            new = self.evaluator.fitness(self, split, coef[rows])
            self.n_kernel_evaluations += len(rows)
            fresh = dict(zip(todo, new.tolist()))
        # Read the batch's values before the cache may be cleared: a full cache is
        # emptied, and the hits of this very batch went with it (a KeyError once a run
        # had met cache_size distinct rules).
        out = np.array([fresh[k] if k in fresh else cache[k] for k in keys])
        if self.cache_size and fresh:
            if len(cache) + len(fresh) > self.cache_size:
                cache.clear()
            cache.update(fresh)
        return out, len(todo)


    def evaluate_stream(self, genome_batches, in_flight: int, split: str = "train"):
        """evaluate() over a stream of (n, L) genome batches, each batch's cache misses one
        executor call, at most `in_flight` calls running (executor.fitness_stream): yields
        each batch's ((n,) fitness, rules sent) in order. Batch k + in_flight is read after
        batch k's fitness is taken, so a steady-state search breeds the same children on
        every executor. The cache gives exactly what evaluate() gives: a rule's fitness
        depends on the rule alone."""
        cache = self._cache[split]
        sent: deque = deque()           # (keys, miss keys) of the batches read so far

        def misses():
            for genomes in genome_batches:
                g = np.ascontiguousarray(genomes, dtype=self.genome.dtype)
                coef = self.decode(g) + 0.0
                keys = [row.tobytes() for row in coef]
                todo: dict = {}
                for i, key in enumerate(keys):
                    if key not in cache and key not in todo:
                        todo[key] = i
                sent.append((keys, list(todo)))
                yield coef[np.fromiter(todo.values(), dtype=np.int64, count=len(todo))]

        for new in self.evaluator.fitness_stream(self, split, misses(), in_flight):
            keys, todo = sent.popleft()
            self.n_kernel_evaluations += len(todo)
            fresh = dict(zip(todo, np.asarray(new).tolist()))
            out = np.array([fresh[k] if k in fresh else cache[k] for k in keys])
            if self.cache_size and fresh:
                if len(cache) + len(fresh) > self.cache_size:
                    cache.clear()
                cache.update(fresh)
            yield out, len(todo)


def make_problem(config: RunConfig, tasks: TaskSet, evaluator: Evaluator | None = None):
    """The problem object for a config: its rule kind's (rules/kinds.py)."""
    return kind_of(config).make_problem(config, tasks, evaluator)
