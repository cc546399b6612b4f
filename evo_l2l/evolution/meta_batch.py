"""A meta level's runs below advanced together, one generation of every run at a time.

Why: one level-2 generation of schmidhuber1987-meta makes about a hundred runs of
chalmers1990 of hundreds to thousands of generations of 8 to 100 rules each. Run one
after another (meta.run_below), each generation went through evolve()'s loop in Python
(DEAP breeding, the fitness cache, a record, a held-out check) around a kernel call on a
few rules, three quarters of the time (docs/results/performance.md). Here the
runs advance round by round: every run's generation is bred in one numba call, each run
from its own generator state and settings, draw for draw what its search would breed
(PooledBreeding, kernels/ga_bits.py; a search it cannot breed asks as in evolve()), and
the new rules of every run are scored in one kernel call (the learner's pooled_curves:
each run's rules on its own tasks only). The runs' random streams, fitness values and
summaries are bitwise those of run_below (tests/test_meta_batch.py).

What evolve() computes and a summary never reads is left out: the held-out fitness of
each generation's best rule, the generation records and their per-individual arrays.

Runs whose problem, learner or search cannot be pooled (a level below that is itself a
meta level, a learner without pooled_curves, a steady-state search) run one by one with
run_below.
"""
from __future__ import annotations

import time

import numpy as np

from ..optimizers.ga_state import StateArrayGA, breeds_in_arrays
from ..rules.kinds import RuleKind, kind_of
from . import meta
from .loop import make_search
from .problem import CALL_UPDATES, ParametricRuleProblem, build_tasks, make_problem, \
    python_random_seed


class BelowRun:
    """One run below: its problem, its search and what its summary needs, advanced one
    ask/tell round at a time (ask_rules, then tell_fitness with the new rules' fitness)."""

    def __init__(self, below: dict, row, run_seed: int, task_seed: int, budget: int,
                 state: np.ndarray | None = None):
        """state: a (625,) int64 row to keep the search's generator state in while numba
        breeds its generations (StateArrayGA)."""
        self.config = meta.below_config(below, row, run_seed, task_seed, budget)
        self.problem = make_problem(self.config, build_tasks(self.config))
        self.search = make_search(self.config, self.problem)
        # the GA over bit genomes breeds in numba (the same generations, draw for draw)
        self.breeder = StateArrayGA(self.search, state) if breeds_in_arrays(self.search) \
            else self.search
        self.kind = kind_of(self.config)
        self.target: float | None = None
        self.gen = -1                        # the last complete generation
        self.hof: tuple | None = None        # (genome, fitness)
        self.evaluations = 0
        self.n_eval = 0                      # evaluations of the generation in hand
        self.reached_at = np.nan
        self.done = False
        self.cache: dict = {}                # coefficient bytes -> fitness (problem.evaluate's)
        self._pending: tuple | None = None

    def poolable(self) -> bool:
        p = self.problem
        return (type(p) is ParametricRuleProblem and hasattr(p.learner, "pooled_curves")
                and p.family.name in p.learner.coefficient_families
                and not getattr(self.search, "steady", False))

    def reference_rules(self) -> np.ndarray | None:
        """The rules whose best training fitness is the target (RuleKind.reference_target);
        None when the kind computes its target another way."""
        if type(self.kind).reference_target is not RuleKind.reference_target:
            return None
        rules = [rule for _, rule in self.kind.reference_rules(self.problem)]
        return np.asarray(self.kind.batch_of(self.problem, rules), dtype=np.float64)

    def start(self) -> None:
        """What evolve() does before the first generation: seed the search's generator."""
        self.search.rng.seed(python_random_seed(self.config.run.seed))

    def ask_rules(self) -> np.ndarray:
        """The next ask: (M, K) coefficients of its rules not scored yet, as
        problem.evaluate would send them to the kernel (decoded, +0.0, deduplicated)."""
        batch = self.breeder.ask()
        todo = np.flatnonzero(~batch.known)
        coef = np.ascontiguousarray(self.problem.decode(batch.genomes[todo]) + 0.0)
        return self.misses(batch.fitness.copy(), todo, [row.tobytes() for row in coef], coef)

    def misses(self, fitness: np.ndarray, todo: np.ndarray, keys: list,
               coef: np.ndarray) -> np.ndarray:
        """The asked batch's (N,) carried fitness, its rows to score, their keys and
        (len(todo), K) coefficients -> the coefficients not in the cache, once each."""
        misses: dict = {}
        for i, key in enumerate(keys):
            if key not in self.cache and key not in misses:
                misses[key] = i
        self._pending = (fitness, todo, keys, list(misses))
        return coef[np.fromiter(misses.values(), dtype=np.int64, count=len(misses))]

    def tell_fitness(self, new: np.ndarray) -> None:
        """The fitness of ask_rules' rules; completes the generation when the search's
        tell says so (evolve's generation() and the record step run_below's hook sees)."""
        fitness, todo, keys, misses = self._pending
        self._pending = None
        self.cache.update(zip(misses, np.asarray(new, dtype=np.float64).tolist()))
        if len(todo):
            fitness[todo] = [self.cache[k] for k in keys]
            self.n_eval += len(todo)
        if not self.breeder.tell(fitness):
            return
        self.gen += 1
        genomes, fit = self.breeder.population()
        best = int(np.argmax(fit))
        if self.hof is None or fit[best] > self.hof[1]:
            self.hof = (np.array(genomes[best]).copy(), float(fit[best]))
        # run_below's hook on the generation's record
        self.evaluations += self.n_eval
        self.n_eval = 0
        if self.target is not None and np.isnan(self.reached_at) and self.hof[1] >= self.target:
            self.reached_at = self.evaluations
            self.done = True
        if self.gen + 1 >= self.config.run.n_generations:
            self.done = True
        if self.done and isinstance(self.breeder, StateArrayGA):
            self.breeder.sync()

    def summary(self) -> np.ndarray:
        """run_below's SUMMARY values."""
        like = meta.reference_like(self.problem, self.hof[0])
        return np.array([float(not np.isnan(self.reached_at)), self.reached_at,
                         float(self.hof[1]), self.evaluations,
                         np.nan if self.target is None else self.target, like])


def pooled_fitness(runs: list, rules: list) -> list:
    """Training fitness of rules[i] ((M_i, K) coefficients) of runs[i], every run's rules
    on its own tasks, in kernel calls of at most CALL_UPDATES synaptic updates each (a
    stop request is answered between calls)."""
    out: list = [np.zeros(0)] * len(runs)
    todo = [i for i, r in enumerate(rules) if len(r)]
    call: list = []
    work = 0
    for n, i in enumerate(todo):
        call.append(i)
        work += len(rules[i]) * runs[i].problem.updates_per_rule["train"]
        if n + 1 == len(todo) or work + len(rules[todo[n + 1]]) * \
                runs[todo[n + 1]].problem.updates_per_rule["train"] > CALL_UPDATES:
            _pooled_call(runs, rules, call, out)
            call, work = [], 0
    return out


class ThreadChoice:
    """Whether a pooled call runs on numba's threads or on the calling thread, by the
    seconds per update each way measured in this batch: beside other jobs on 2 cores the
    threads save little or nothing (waking them waits on the scheduler), with a free
    second core they nearly halve a large call (docs/results/performance.md). Calls
    under `small` updates stay on the calling thread. Either way gives the same curves,
    so this changes times only."""

    RETRY = 32          # every RETRY-th large call tries the way not chosen

    def __init__(self, small: int):
        self.small = small
        self.rate: dict = {True: None, False: None}     # serial? -> seconds per update
        self.n_large = 0

    def choose(self, updates: int) -> bool:
        if updates < self.small:
            return True
        self.n_large += 1
        for way in (False, True):
            if self.rate[way] is None:
                return way
        best = self.rate[True] <= self.rate[False]
        return (not best) if self.n_large % self.RETRY == 0 else best

    def timed(self, serial: bool, updates: int, seconds: float) -> None:
        if updates >= self.small and updates > 0 and seconds > 0:
            old = self.rate[serial]
            rate = seconds / updates
            self.rate[serial] = rate if old is None else 0.7 * old + 0.3 * rate


def _pooled_call(runs: list, rules: list, call: list, out: list) -> None:
    first = runs[call[0]].problem
    groups = [(rules[i], runs[i].rows) for i in call]
    updates = sum(len(rules[i]) * runs[i].problem.updates_per_rule["train"] for i in call)
    choice = runs[call[0]].threads
    serial = choice.choose(updates)
    t0 = time.perf_counter()
    curves = first.learner.pooled_curves(first.family.name, groups, runs[call[0]].pool,
                                         first.config.learner.settings, serial)
    choice.timed(serial, updates, time.perf_counter() - t0)
    for i, c in zip(call, curves):
        out[i] = runs[i].problem.fitness_from_curves(rules[i], c)


class PooledBreeding:
    """The generations of every run whose GA StateArrayGA breeds, bred in one numba call
    (kernels/ga_bits.bit_generations) and decoded in one call: each from its own
    generator state (a row of `states`) and population, draw for draw what its search
    would breed. A run whose fitness holds NaN, or with no population yet, is left to
    its own ask_rules."""

    def __init__(self, runs: list, states: np.ndarray):
        self.states = states
        self.index = {id(r): i for i, r in enumerate(runs)}
        args = [r.breeder.args if isinstance(r.breeder, StateArrayGA) else (0, 0, False, 0.0, 0.0)
                for r in runs]
        self.elitism, self.tournsize, self.uniform, self.cxpb, self.indpb = (
            np.array([a[j] for a in args], dtype=t)
            for j, t in enumerate((np.int64, np.int64, np.bool_, np.float64, np.float64)))

    def ask(self, runs: list) -> tuple[list, list]:
        """(runs asked, the coefficients each sends to the kernel) of those it breeds."""
        from ..kernels import ga_bits
        cand = [r for r in runs if isinstance(r.breeder, StateArrayGA) and r.breeder.ready()]
        if not cand:
            return [], []
        pops = [r.search.pop_arrays for r in cand]
        starts = np.zeros(len(cand) + 1, dtype=np.int64)
        np.cumsum([len(f) for _, f in pops], out=starts[1:])
        genomes = np.concatenate([g for g, _ in pops])
        fitness = np.concatenate([f for _, f in pops])
        ids = np.array([self.index[id(r)] for r in cand], dtype=np.int64)
        for r in cand:
            r.breeder.load()
        out = np.empty_like(genomes)
        carried = np.empty(len(fitness))
        bred = np.zeros(len(cand), dtype=np.bool_)
        ga_bits.bit_generations(genomes, fitness, starts, self.elitism[ids], self.tournsize[ids],
                                self.uniform[ids], self.cxpb[ids], self.indpb[ids], self.states,
                                ids, out, carried, bred)
        coef = np.ascontiguousarray(cand[0].problem.decode(out) + 0.0)
        row = coef.shape[1] * coef.itemsize
        flat = coef.tobytes()
        asked, rules = [], []
        for j, r in enumerate(cand):
            if not bred[j]:
                continue
            a, b = int(starts[j]), int(starts[j + 1])
            e = int(self.elitism[ids[j]])
            r.breeder.take(out[a:b])
            keys = [flat[i:i + row] for i in range(row * (a + e), row * b, row)]
            rules.append(r.misses(carried[a:b].copy(), np.arange(e, b - a), keys, coef[a + e:b]))
            asked.append(r)
        return asked, rules


def task_key(tasks) -> bytes:
    """A task set's arrays as bytes: equal keys, the same tasks."""
    arrays = (tasks.X, tasks.Y, tasks.W0, tasks.n_patterns, tasks.n_inputs, tasks.n_outputs)
    return b"".join(repr(a.shape).encode() + a.tobytes() for a in arrays)


def run_below_batch(jobs: list) -> list:
    """[meta.run_below(*job) for job in jobs], with the runs advanced together and their
    new rules of each round scored in one pooled kernel call (see the module docstring)."""
    if not jobs:
        return []
    states = np.zeros((len(jobs), 625), dtype=np.int64)     # the runs' generator states
    runs = [BelowRun(*job, state=states[i]) for i, job in enumerate(jobs)]
    first = runs[0].config.to_dict()
    if not all(r.poolable() and r.problem.learner is runs[0].problem.learner
               and all(r.config.to_dict()[k] == first[k] for k in ("learner", "rule"))
               for r in runs):
        return [meta.run_below(*job) for job in jobs]
    # One copy of each task environment in the pool: runs of one task seed (a split's runs
    # of every genome) name the same rows, and the learner scores their rules together.
    distinct: dict = {}
    for r in runs:
        distinct.setdefault(task_key(r.problem.splits["train"]), r.problem.splits["train"])
    pool, starts = runs[0].problem.learner.pool_tasks(list(distinct.values()))
    where = {key: np.arange(starts[i], starts[i + 1]) for i, key in enumerate(distinct)}
    threads = ThreadChoice(getattr(runs[0].problem.learner, "serial_updates", 0))
    for r in runs:
        r.pool, r.rows = pool, where[task_key(r.problem.splits["train"])]
        r.threads = threads
    # The targets (each run's reference rules at every rate), one pooled call for all.
    refs = [r.reference_rules() for r in runs]
    pooled = [i for i, x in enumerate(refs) if x is not None]
    fits = pooled_fitness([runs[i] for i in pooled], [refs[i] for i in pooled])
    for i, fit in zip(pooled, fits):
        runs[i].target = float(np.max(fit))
    for i, r in enumerate(runs):
        if refs[i] is None:
            r.target = r.kind.reference_target(r.problem)
        r.start()
    breeding = PooledBreeding(runs, states)
    active = runs
    while active:
        asked, rules = breeding.ask(active)
        bred = {id(r) for r in asked}
        for r in active:
            if id(r) not in bred:
                asked.append(r)
                rules.append(r.ask_rules())
        for r, fit in zip(asked, pooled_fitness(asked, rules)):
            r.tell_fitness(fit)
        active = [r for r in active if not r.done]
    return [r.summary() for r in runs]


def warm_pooled(below: dict, row) -> None:
    """Compiles (or loads from numba's cache) what run_below_batch calls for `below`: a
    tiny run below with operator row `row` (breeding, the pooled call on one thread) and a
    pooled call on numba's threads. Nothing for a level below that is not pooled."""
    job = (below, row, 1, 1, 16)
    run = BelowRun(*job)
    if not run.poolable():
        return
    run_below_batch([job])
    p = run.problem
    pool, starts = p.learner.pool_tasks([p.splits["train"]])
    rule = np.asarray(p.known_rule(p.reference_rule), dtype=np.float64)[None]
    p.learner.pooled_curves(p.family.name, [(rule, np.arange(starts[1]))], pool,
                            p.config.learner.settings, serial=False)
