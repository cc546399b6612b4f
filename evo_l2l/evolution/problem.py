"""A problem maps genome batches to fitness: decode, run the learners, score.

Genomes cross this boundary as plain arrays (N, L), never as DEAP objects, so
any executor can carry them. Fitness is a pure function of the genome (tasks
and initial weights are fixed), which makes the cache below exact.
"""
from __future__ import annotations

import time

import numpy as np

from ..config import RunConfig
from ..learners import fitness_from_curves, learning_curves
from ..rules import RULE_FAMILIES
from ..tasks import TaskSet


def seed_tree(seed: int) -> dict[str, np.random.SeedSequence]:
    """The run's seed tree: one child per consumer, fixed order forever."""
    tasks, python_random = np.random.SeedSequence(seed).spawn(2)
    return {"tasks": tasks, "python_random": python_random}


def python_random_seed(seed: int) -> int:
    """The integer that seeds stdlib `random` (which DEAP's operators use)."""
    words = seed_tree(seed)["python_random"].generate_state(4, np.uint32)
    return int(sum(int(w) << (32 * i) for i, w in enumerate(words)))


def build_tasks(config: RunConfig) -> TaskSet:
    ss = (np.random.SeedSequence(config.task_seed) if config.task_seed is not None
          else seed_tree(config.seed)["tasks"])
    rng = np.random.default_rng(ss)
    from ..tasks import TASK_FAMILIES
    return TASK_FAMILIES[config.task_family](
        rng, shapes=[tuple(s) for s in config.task_shapes], n_heldout=config.n_heldout,
        bias=config.bias, init_low=config.init_low, init_high=config.init_high,
        n_hidden=config.n_hidden, heldout_functions=config.heldout_functions)


class ParametricRuleProblem:
    """Fitness of parametric rules (a coefficient vector per genome) on a task set.

    A *rule* here is a (K,) coefficient row; genomes are (N, L) arrays.
    """

    kind = "parametric"

    def __init__(self, config: RunConfig, tasks: TaskSet, cache_size: int = 200_000):
        self.config = config
        self.family = RULE_FAMILIES[config.rule_family]
        self.tasks = tasks
        self.splits = {"train": tasks.select("train"), "heldout": tasks.select("heldout")}
        if config.genome == "bits" and not hasattr(self.family, "decode_bits"):
            raise ValueError(f"rule family {config.rule_family!r} has no bit genome; use genome 'real'")
        if config.genome == "bits":
            self.genome_length, self.genome_dtype = self.family.N_BITS, np.uint8
            self._decode = self.family.decode_bits
        elif config.rule_terms:
            # A configurable term set: genes for the chosen terms only, 0 elsewhere.
            idx = np.array([self.family.TERM_NAMES.index(t) for t in config.rule_terms])
            self.genome_length, self.genome_dtype = len(idx), np.float64

            def decode(g, idx=idx, n=self.family.N_COEF):
                g = np.atleast_2d(np.asarray(g, dtype=np.float64))
                if g.shape[1] != len(idx):
                    raise ValueError(f"genomes need {len(idx)} genes (rule_terms)")
                full = np.zeros((g.shape[0], n))
                full[:, idx] = g
                return full
            self._decode = decode
        else:
            self.genome_length, self.genome_dtype = self.family.N_COEF, np.float64
            self._decode = self.family.decode_real
        self.genome_shape = (self.genome_length,)
        self._cache = {"train": {}, "heldout": {}}
        self.cache_size = cache_size if config.fitness_cache else 0
        self.cache_log: list = []      # only problems with a persistent cache fill it
        self.n_kernel_evaluations = 0
        self.kernel_seconds = 0.0      # time inside learning_curves, for benchmarks

    # -- the archive's view -------------------------------------------------
    def archive_fields(self) -> dict:
        """Per-individual arrays archived beside the genome: name -> (shape, dtype)."""
        return {"coef": ((self.family.N_COEF,), "f8")}

    def describe(self, genomes: np.ndarray) -> dict:
        return {"coef": self.decode(genomes)}

    def to_genome_array(self, genomes) -> np.ndarray:
        return np.asarray(genomes, dtype=self.genome_dtype)

    # -- rules ---------------------------------------------------------------
    def decode(self, genomes: np.ndarray) -> np.ndarray:
        return self._decode(np.asarray(genomes, dtype=self.genome_dtype))

    def rules_of(self, genomes: np.ndarray) -> np.ndarray:
        return self.decode(genomes)

    def rule_of_genome(self, genome) -> np.ndarray:
        return self.decode(np.asarray(genome)[None])[0]

    def formula(self, rule) -> str:
        return self.family.formula(rule)

    def is_delta_rule(self, rule) -> bool:
        return bool(self.family.is_delta_rule(rule))

    def known_rule_names(self) -> tuple:
        return tuple(self.family.KNOWN_RULES)

    def known_rule(self, name: str, rate: float | None = None):
        if name not in self.family.KNOWN_RULES:
            raise ValueError(f"no known rule {name!r} in this family; known: "
                             f"{', '.join(self.family.KNOWN_RULES)}")
        make = self.family.KNOWN_RULES[name]
        return make() if rate is None else make(rate)

    def rule_key(self, rule) -> bytes:
        return (np.asarray(rule, dtype=np.float64) + 0.0).tobytes()

    @property
    def performance(self) -> str:
        """How one task's performance is measured (for labels)."""
        return self.family.PERFORMANCE

    @property
    def reference_rule(self) -> str:
        """The known rule evolved ones are compared with (delta, or Oja for Volterra rules)."""
        return self.family.REFERENCE_RULE

    def rule_details(self, rule) -> dict:
        from ..analysis.rules import known_rule_distance
        return {"coefficients": {n: float(c) for n, c in zip(self.family.COEF_NAMES, rule)},
                "distance_to_known_rules": known_rule_distance(self.family, rule),
                "known_form": self.reference_rule if self.is_delta_rule(rule) else None}

    def curves(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """(R, 11) coefficients -> (R, T, E+1) learning curves on a split or a TaskSet."""
        tasks = self.splits[split] if isinstance(split, str) else split
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.family.N_COEF)
        t0 = time.perf_counter()
        out = self.family.curves(rules, tasks, self.config)
        self.kernel_seconds += time.perf_counter() - t0
        return out

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """Mean task performance, minus l1_penalty * sum |coefficients| (0 by default)."""
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.family.N_COEF)
        fit = fitness_from_curves(self.curves(rules, split), self.config.fitness_measure)
        if self.config.l1_penalty:
            with np.errstate(invalid="ignore"):
                penalty = self.config.l1_penalty * np.abs(self.family.effective(rules)).sum(axis=1)
            fit = np.where(np.isfinite(penalty), fit - penalty, -np.inf)
        return fit

    fitness_of_coef = fitness_of

    def load_cache(self, keys: np.ndarray, fitness: np.ndarray) -> None:
        """Parametric caches are exact and need no persistence."""

    def evaluate(self, genomes: np.ndarray, split: str = "train") -> tuple[np.ndarray, int]:
        """(N, L) genomes -> ((N,) fitness, number of distinct rules sent to the kernel)."""
        g = np.ascontiguousarray(genomes, dtype=self.genome_dtype)
        if g.ndim != 2 or g.shape[1] != self.genome_length:
            raise ValueError(f"genomes must have shape (N, {self.genome_length})")
        cache = self._cache[split]
        # Keyed by decoded coefficients (+0.0 folds -0.0 into 0.0): genomes
        # that differ only in the sign bit of a zero coefficient share an entry.
        coef = self.decode(g) + 0.0
        keys = [row.tobytes() for row in coef]
        todo = {}
        for i, key in enumerate(keys):
            if key not in cache and key not in todo:
                todo[key] = i
        if todo:
            rows = np.fromiter(todo.values(), dtype=np.int64, count=len(todo))
            new = self.fitness_of(coef[rows], split)
            self.n_kernel_evaluations += len(rows)
            if self.cache_size:
                if len(cache) + len(new) > self.cache_size:
                    cache.clear()
                cache.update(zip(todo, new.tolist()))
            else:
                fresh = dict(zip(todo, new.tolist()))
                return np.array([fresh[k] for k in keys]), len(rows)
        return np.array([cache[k] for k in keys]), len(todo)


def make_problem(config: RunConfig, tasks: TaskSet):
    """The problem object for a config: parametric (GA) or symbolic (GP) rules."""
    if config.optimizer == "gp":
        from .symbolic_problem import SymbolicRuleProblem
        return SymbolicRuleProblem(config, tasks)
    return ParametricRuleProblem(config, tasks)
