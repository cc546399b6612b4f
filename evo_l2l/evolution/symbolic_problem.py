"""Fitness of symbolic rules (expression trees, stored as text) on a task set.

Genomes are (N,) arrays of tree texts. Evaluation compiles each distinct text
once and sends a batch of programs to the interpreter kernel. The training
cache is a functional-equivalence cache, as in AutoML-Zero and hal-cgp: a
rule's key is a hash of its outputs on a fixed set of probe points, so rules
that compute the same function (a*(t-o) and a*t - a*o) are evaluated once.
The first rule evaluated under a key sets its fitness; the cache is archived
with the run, so a resumed run makes exactly the same choices.
"""
from __future__ import annotations

import hashlib
import time

import numpy as np

from ..config import RunConfig
from ..learners import fitness_from_curves
from ..rules import symbolic as sym
from ..tasks import TaskSet
from .evaluator import Evaluator, InProcess
from .problem import CallPlan, blocked_curves, rules_per_call, updates_per_rule

N_PROBES = 256

# A protected division returns 1 where |divisor| <= 1e-12, so rules that
# differ only there (a*x/a and x at a = 0) must meet probe points where a
# divisor is that small, or they share a key. Divisors get there through the
# values the variables take in the tasks: inputs exactly 0/1 with a bias of
# -1, targets, rewards and facilitation 0/1, an eligibility (y - p)*x that is
# 0 where x is 0, a weight that can be 0, and sigmoids that saturate: exactly
# 1, within 1e-12 of 0 or 1 (o, the two-layer nets' hidden activity a, the
# error m = t - o, the eligibility), 0.5 at zero drive. Each learner lists its
# variables' special values (Learner.probe_special); a probe variable takes
# each of them in combination with each value of the others and a generic
# value (the product grid, repeated with fresh generic values up to N_PROBES
# points).
# Generic values (None: the variable takes only its special values; binary
# targets stay binary, so t*t and t count as the same rule there).
PROBE_CONTINUOUS = {
    "w": lambda rng, n: rng.uniform(-3, 3, n),
    "a": lambda rng, n: rng.choice([-1.0, 0.0, 1.0, 0.5], n) + rng.uniform(-0.1, 0.1, n),
    "o": lambda rng, n: rng.uniform(0.01, 0.99, n),
    "t": None,
    "u_target": lambda rng, n: rng.uniform(-2, 2, n),
    "u": lambda rng, n: rng.uniform(-2, 2, n),
    "psp": lambda rng, n: rng.uniform(0, 1, n),
    "R": None,
    "E": lambda rng, n: rng.uniform(-1, 1, n),
    "m": lambda rng, n: rng.uniform(-1, 1, n),
    "f": None,
}


def _probe_grid(learner) -> np.ndarray:
    """(N_PROBES, n_vars) probe values of a learner's variables, in their order.

    Every combination of the variables' special values and a generic value
    (the grid: 80 points for single_layer and conditioning, 240 for
    two_layer, 8 for student and reward) is repeated until N_PROBES points,
    each repeat with fresh generic values, so every combination is met.
    """
    import itertools
    names = learner.variables
    rng = np.random.default_rng(20261126)
    continuous = {n: PROBE_CONTINUOUS.get(n, lambda rng, k: rng.uniform(-1, 1, k)) for n in names}
    slots = [tuple(learner.probe_special.get(n, (0.0,))) + (() if continuous[n] is None else (None,))
             for n in names]
    grid = list(itertools.product(*slots))
    points = np.empty((N_PROBES, len(names)))
    generic = {n: continuous[n](rng, N_PROBES) for n in names if continuous[n] is not None}
    for k in range(N_PROBES):
        for j, (name, value) in enumerate(zip(names, grid[k % len(grid)])):
            points[k, j] = generic[name][k] if value is None else value
    return points


def _probe_points(learner) -> tuple[np.ndarray, np.ndarray]:
    """Fixed probe values (the same in every run and version) in the kernel's layout."""
    points = _probe_grid(learner)
    V, PV = np.zeros((4, N_PROBES)), np.zeros((2, N_PROBES))
    _, kinds, rows = learner.register_layout
    for j, (kind, row) in enumerate(zip(kinds, rows)):
        (V if kind == 0 else PV)[row] = points[:, j]
    return V, PV


class SymbolicRuleProblem:
    """A *rule* here is a tree text such as 'mul(a, sub(t, o))'."""

    kind = "symbolic"

    def __init__(self, config: RunConfig, tasks: TaskSet, evaluator: Evaluator | None = None):
        self.config = config
        self.learner = config.component("learner")
        self.rule_settings = config.rule.settings
        self.genome = config.genome()
        self.pset = self.genome.pset
        self.evaluator = evaluator or InProcess()
        self.tasks = tasks
        self.splits = {"train": tasks.select("train"), "heldout": tasks.select("heldout")}
        self._views = {k: self.learner.program_views(v) for k, v in self.splits.items()}
        self.reference_rule = self.learner.reference_rule
        self.performance = self.learner.performance_on(tasks)
        self.chunk = {k: rules_per_call(v, config.learner.settings.n_epochs)
                      for k, v in self.splits.items()}
        self.updates_per_rule = {k: updates_per_rule(v, config.learner.settings.n_epochs)
                                 for k, v in self.splits.items()}
        cut = getattr(self.learner, "tasks_separable", True)
        self.plans = {k: CallPlan(v, config.learner.settings.n_epochs, cut)
                      for k, v in self.splits.items()}
        self._block_views: dict = {}
        self._compiled: dict[str, tuple] = {}
        self._cache = {"train": {}, "heldout": {}}
        self.cache_log: list = []
        self._probe_V, self._probe_PV = _probe_points(self.learner)
        self.n_kernel_evaluations = 0
        self.kernel_seconds = 0.0

    # -- the archive's view -------------------------------------------------
    def archive_fields(self) -> dict:
        return {"size": ((), "i8")}

    def describe(self, genomes) -> dict:
        return {"size": np.array([self._compile(t)[3] for t in genomes], dtype=np.int64)}

    def to_genome_array(self, genomes) -> np.ndarray:
        out = np.empty(len(genomes), dtype=object)
        out[:] = [str(g) for g in genomes]
        return out

    # -- rules ---------------------------------------------------------------
    def tree(self, text: str):
        return sym.parse_tree(text, self.pset)

    def user_tree(self, text: str):
        """A rule text from a user: parsed within the run's tree limits (the GP's
        optimizer.max_height and max_size; an optimizer without limits: the parser's caps)."""
        s = self.config.optimizer.settings
        return sym.parse_tree(text, self.pset, getattr(s, "max_height", None),
                              getattr(s, "max_size", None))

    def _compile(self, text: str) -> tuple:
        """text -> (ops, args, depth, size, key), memoised."""
        hit = self._compiled.get(text)
        if hit is None:
            tree = self.tree(text)
            ops, args, depth = sym.compile_tree(tree, self.pset)
            # A rule that divides by an expression of the variables can hit a
            # divisor within 1e-12 of 0 (protected division returns 1 there) at
            # values no fixed probe set meets (o/2 at a saturated sigmoid), so
            # it is keyed by its text: the cache merges only rules whose
            # equality the probes can vouch for.
            if self.config.run.fitness_cache and not sym.divides_by_variable(tree, self.pset):
                key = self._probe_key((ops, args, depth))
            else:
                key = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            hit = (ops, args, depth, len(tree), key)
            if len(self._compiled) > 500_000:
                self._compiled.clear()
            self._compiled[text] = hit
        return hit

    def _probe_key(self, prog) -> int:
        from ..kernels.symbolic import probe_outputs
        ops, args, lengths, depth = sym.pack_programs([prog])
        out = np.empty((1, N_PROBES))
        _, kinds, rows = self.learner.register_layout
        probe_outputs(ops, args, lengths, depth, self._probe_V, self._probe_PV,
                      np.array(kinds, dtype=np.int64), np.array(rows, dtype=np.int64), out)
        # float32 absorbs last-bit differences between equivalent orderings,
        # and values under 1e-9 count as 0, -0.0 too (a*(t - o) and a*t - a*o
        # give -0.0 and 0.0 at a = 0, and differ by a cancellation error at
        # o within 1e-13 of t; w + eta * -0.0 is w). Non-finite values are
        # mapped to fixed sentinels.
        v = np.nan_to_num(out[0], nan=3.0e38, posinf=2.0e38, neginf=-2.0e38)
        v = np.clip(v, -3.0e38, 3.0e38).astype(np.float32)
        v[np.abs(v) < 1e-9] = 0.0
        return int.from_bytes(hashlib.blake2b(v.tobytes(), digest_size=8).digest(), "little")

    def rules_of(self, genomes) -> list[str]:
        return [str(g) for g in genomes]

    def rule_of_genome(self, genome) -> str:
        return str(np.asarray(genome, dtype=object).item()) if isinstance(genome, np.ndarray) else str(genome)

    def decode(self, genomes) -> list[str]:
        return self.rules_of(genomes)

    def formula(self, rule: str) -> str:
        """'dw = ...': the weight change, rule.eta (w += eta * tree) included."""
        return sym.with_eta(sym.formula(self.tree(rule), self.pset),
                            float(self.rule_settings.eta))

    def known_form(self, rule: str, exact: bool = True):
        """(name, scale) of the known form the rule is a positive multiple of, or None."""
        lr = self.learner
        return sym.known_form(self.tree(rule), self.pset, lr.forms, lr.special_form, exact)

    def is_reference_rule(self, rule: str) -> bool:
        form = self.known_form(rule)
        return form is not None and form[0] == self.learner.reference_form

    def known_rule_names(self) -> tuple:
        return tuple(self.learner.known_trees)

    def known_rule(self, name: str, rate: float | None = None) -> str:
        rules = self.learner.known_trees
        if name not in rules:
            raise ValueError(f"no known rule {name!r} for the {self.learner.name} learner; "
                             f"known: {', '.join(rules)}")
        return rules[name](rate)

    def known_label(self, name: str) -> str:
        return self.learner.label(name)

    def rule_key(self, rule: str) -> int:
        return self._compile(rule)[4]

    def rule_details(self, rule: str) -> dict:
        """known_form: the known form the rule equals everywhere; known_form_ae: the one
        it equals except where a protected division divides by zero (sympy's view)."""
        form = self.known_form(rule)
        ae = form or self.known_form(rule, exact=False)
        return {"rule": rule, "size": self._compile(rule)[3],
                "known_form": None if form is None else form[0],
                "known_form_ae": None if ae is None else ae[0]}

    def curves(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """Tree texts -> (R, T, E+1) learning curves on a split or a TaskSet."""
        tasks = self.splits[split] if isinstance(split, str) else split
        settings = self.config.learner.settings
        if not len(rules):
            return np.zeros((0, len(tasks), settings.n_epochs + 1))
        compiled = [self._compile(r)[:3] for r in rules]

        def call(r0, r1, sub):
            views = None
            if isinstance(split, str):
                if sub is self.splits[split]:
                    views = self._views[split]
                else:               # a block of the split's tasks: its own views, kept
                    views = self._block_views.get(id(sub))
                    if views is None or views[0] is not sub:
                        views = self._block_views[id(sub)] = (sub, self.learner.program_views(sub))
                    views = views[1]
            progs = sym.pack_programs(compiled[r0:r1])
            return self.learner.program_curves(progs, sub, settings, self.rule_settings.eta,
                                               views, self.config.run.seed)
        t0 = time.perf_counter()
        if isinstance(split, str):
            out = blocked_curves(self.plans[split], len(rules), call)
        else:
            out = call(0, len(rules), split)
        self.kernel_seconds += time.perf_counter() - t0
        return out

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        return fitness_from_curves(self.curves(list(rules), split),
                                   self.config.learner.settings.fitness_measure)

    def load_cache(self, keys: np.ndarray, fitness: np.ndarray) -> None:
        self._cache["train"].update(zip((int(k) for k in keys), fitness.tolist()))

    def evaluate(self, genomes, split: str = "train") -> tuple[np.ndarray, int]:
        """(N,) tree texts -> ((N,) fitness, number of distinct rules sent to the kernel).

        Training fitness is cached by functional-equivalence key; held-out
        fitness (which never steers evolution) by exact text.
        """
        texts = self.rules_of(genomes)
        cache = self._cache[split]
        keys = [self._compile(t)[4] if split == "train" else t for t in texts]
        todo: dict = {}
        for i, key in enumerate(keys):
            if key not in cache and key not in todo:
                todo[key] = i
        if todo:
            batch = np.empty(len(todo), dtype=object)
            batch[:] = [texts[i] for i in todo.values()]
            new = self.evaluator.fitness(self, split, batch)
            self.n_kernel_evaluations += len(todo)
            cache.update(zip(todo, new.tolist()))
            if split == "train":
                self.cache_log.extend(zip(todo, new.tolist()))
        return np.array([cache[k] for k in keys]), len(todo)

