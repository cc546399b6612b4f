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


# The wall time one in-process kernel call aims at. A numba call cannot be interrupted, and a
# stop request (SIGINT/SIGTERM) is answered between calls, so a batch of rules x tasks is cut
# into blocks of about this much work, however long one rule's lifetimes are.
CALL_SECONDS = 0.2
# Synaptic updates a second assumed until a call on the task set has been timed: the slow end
# of the kernels (episode nets: 60 million a second on 2 busy cores), so a first call errs short.
PRIOR_UPDATES_PER_SECOND = 3e7
# The fewest rules of a call cut by rules (when a single task with every rule of the batch is
# over budget): the episode nets' kernel takes as long for 4 or 8 rules as for 16.
MIN_BLOCK_RULES = 16


def task_slice(tasks: TaskSet, start: int, stop: int) -> TaskSet:
    """Tasks start..stop-1 as views of the task set's arrays (nothing copied)."""
    sl = slice(start, stop)
    opt = (tasks.direction, tasks.W0_hidden, tasks.segment_end, tasks.group_end,
           tasks.group_mask, tasks.net_spec)
    return TaskSet(tasks.X[sl], tasks.Y[sl], tasks.W0[sl], tasks.n_patterns[sl],
                   tasks.n_inputs[sl], tasks.n_outputs[sl], tasks.split[sl], tasks.family,
                   dict(tasks.params), *(None if a is None else a[sl] for a in opt))


class CallPlan:
    """How a batch of rules on one task set is cut into kernel calls of about CALL_SECONDS
    each: blocks of rules, and of tasks when even MIN_BLOCK_RULES rules on every task would
    take longer. The seconds per update come from the calls made so far (`timed`). A rule's
    learning curve on a task depends on that rule and task alone, so the curves are the
    same bit for bit however the batch is cut (tests/test_stop_latency.py)."""

    def __init__(self, tasks: TaskSet, n_epochs: int, cut_tasks: bool = True):
        self.tasks = tasks
        self.cut_tasks = cut_tasks      # False: a learner whose curves on a task depend on
                                        # the other tasks of the call (its noise stream)
        per_task = tasks.n_patterns * tasks.n_inputs * tasks.n_outputs
        self.task_updates = np.maximum(1, per_task).astype(np.int64) * max(1, n_epochs)
        self.rule_updates = int(self.task_updates.sum())
        self.seconds_per_update = 1.0 / PRIOR_UPDATES_PER_SECOND
        self._groups: dict = {}     # number of task groups -> [(start, stop, TaskSet)]

    def task_groups(self, n: int) -> list:
        """The tasks in n contiguous groups of about equal work; kept, since learners key
        caches by a task set's identity."""
        n = max(1, min(n, len(self.tasks)))
        if n not in self._groups:
            if n == 1:
                self._groups[n] = [(0, len(self.tasks), self.tasks)]
            else:
                cum = np.cumsum(self.task_updates)
                cuts = np.searchsorted(cum, cum[-1] * np.arange(1, n) / n, side="right")
                bounds = np.unique(np.concatenate([[0], np.clip(cuts, 1, len(cum) - 1),
                                                   [len(cum)]]))
                self._groups[n] = [(int(a), int(b), task_slice(self.tasks, int(a), int(b)))
                                   for a, b in zip(bounds[:-1], bounds[1:])]
        return self._groups[n]

    def blocks(self, n_rules: int) -> list:
        """[(rule start, rule stop, task start, task stop, TaskSet)] covering the batch:
        the tasks cut first (every rule of the batch in each call keeps the kernels' lanes
        and threads full), in a power of two of groups, so the kept groups stay few as the
        rate estimate moves; the rules too when one task with all of them is over budget."""
        budget = max(1.0, CALL_SECONDS / self.seconds_per_update)
        n_block = max(1, n_rules)
        n_groups = 1
        if self.cut_tasks:
            need = n_block * self.rule_updates / budget
            if need > 1:
                n_groups = min(1 << int(np.ceil(np.log2(need))), len(self.tasks))
        groups = self.task_groups(n_groups)
        largest = max(int(self.task_updates[a:b].sum()) for a, b, _ in groups)
        if n_block * largest > budget:
            least = MIN_BLOCK_RULES if self.cut_tasks else 1
            n_block = max(least, int(budget // largest))
        return [(r, min(n_rules, r + n_block), a, b, sub)
                for r in range(0, n_rules, n_block) for a, b, sub in groups]

    def timed(self, n_rules: int, start: int, stop: int, seconds: float) -> None:
        """A call of n_rules rules on tasks start..stop-1 took `seconds`."""
        updates = n_rules * int(self.task_updates[start:stop].sum())
        if updates > 0 and seconds > 0:
            self.seconds_per_update = seconds / updates


def blocked_curves(plan: CallPlan, n_rules: int, call) -> np.ndarray:
    """(R, T, ...) curves of R rules on the plan's tasks, one kernel call per block:
    call(rule start, rule stop, TaskSet) -> that block's curves."""
    blocks = plan.blocks(n_rules)
    if len(blocks) <= 1:
        t0 = time.perf_counter()
        out = call(0, n_rules, plan.tasks)
        plan.timed(n_rules, 0, len(plan.tasks), time.perf_counter() - t0)
        return out
    out = None
    for r0, r1, a, b, sub in blocks:
        t0 = time.perf_counter()
        part = call(r0, r1, sub)
        plan.timed(r1 - r0, a, b, time.perf_counter() - t0)
        if out is None:
            out = np.empty((n_rules, len(plan.tasks), *part.shape[2:]), dtype=part.dtype)
        out[r0:r1, a:b] = part
    return out


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
        cut = getattr(self.learner, "tasks_separable", True)
        self.plans = {k: CallPlan(v, config.learner.settings.n_epochs, cut)
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
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.form.n_coef)
        settings = self.config.learner.settings

        def call(r0, r1, tasks):
            return self.learner.coefficient_curves(self.family.name, rules[r0:r1], tasks,
                                                   settings)
        t0 = time.perf_counter()
        if isinstance(split, str):
            out = blocked_curves(self.plans[split], len(rules), call)
        else:
            out = call(0, len(rules), split)
        self.kernel_seconds += time.perf_counter() - t0
        return out

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """Mean task performance, minus l1_penalty * sum |coefficients| (0 by default)."""
        rules = np.asarray(rules, dtype=np.float64).reshape(-1, self.form.n_coef)
        return self.fitness_from_curves(rules, self.curves(rules, split))

    def fitness_from_curves(self, rules: np.ndarray, curves: np.ndarray) -> np.ndarray:
        """(R, K) coefficients and their (R, T, E+1) curves -> (R,) fitness (fitness_of's
        scoring, for curves computed elsewhere: a meta level's pooled runs below)."""
        fit = fitness_from_curves(curves, self.config.learner.settings.fitness_measure)
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
