"""Fitness of AutoML-Zero programs (rule family `automl_zero`), with the paper's
functional-equivalence checking (FEC).

Genomes are (N,) program texts (rules/programs/). Fitness: the mean over the search tasks
of each task's score (learners/programs.py). Held-out fitness: the same on the unseen tasks.

FEC (Real et al. 2020, section 4): a program's fingerprint is its predictions on the first
`fec_train` training and `fec_valid` validation examples of the first search task (the
predictions made while it learns, then on validation examples), each rounded to float32 with
its last 8 mantissa bits cut (about 5 significant digits; non-finite values to fixed
sentinels) and hashed (blake2b, 64 bits). An LRU cache of `fec_cache_size` fingerprints
holds fitness. Semantics, exactly: the batch's programs are looked up in order; a program
whose fingerprint is in the cache gets the cached fitness (and the entry becomes the most
recently used), any other is evaluated in full and its fitness inserted (evicting the least
recently used entry when full). So a program's fitness is the full fitness of the program
that put its fingerprint in the cache; which entries are present depends on the sequence
of fingerprints alone. Every lookup is logged (fingerprint, fitness) into the archive's
cache table; replaying the log rebuilds the cache exactly (resume), and gives the hit rate
(`fec_hit_rate`). Held-out fitness never uses FEC.
"""
from __future__ import annotations

import hashlib
import time
from collections import OrderedDict

import numpy as np

from ..config import RunConfig
from ..learners import programs as lp
from ..rules import programs as pg
from ..tasks import TaskSet
from .evaluator import Evaluator, InProcess

# Programs one kernel call takes at most (a stop request is answered between calls).
CALL_PROGRAMS = 4096
_SENTINELS = {"nan": 3.0e38, "posinf": 2.0e38, "neginf": -2.0e38}


def fingerprint_keys(preds: np.ndarray) -> list[int]:
    """(P, n) predictions -> P 64-bit keys (see the module docstring)."""
    v = np.nan_to_num(preds, **_SENTINELS)
    v = np.clip(v, -3.0e38, 3.0e38).astype(np.float32) + np.float32(0.0)
    bits = v.view(np.uint32) & np.uint32(0xFFFFFF00)
    # Each row's bytes hashed: slices of one bytes object (the same bytes as row.tobytes()).
    raw, w = np.ascontiguousarray(bits).tobytes(), 4 * bits.shape[1]
    blake, from_bytes = hashlib.blake2b, int.from_bytes
    return [from_bytes(blake(raw[i:i + w], digest_size=8).digest(), "little")
            for i in range(0, w * bits.shape[0], w)] if w else \
        [from_bytes(blake(b"", digest_size=8).digest(), "little")] * bits.shape[0]


class LRU:
    """The FEC cache: fingerprint -> fitness, least recently used first."""

    def __init__(self, size: int):
        self.size = size
        self.d: OrderedDict = OrderedDict()
        self.lookups = 0
        self.hits = 0
        self._pending: list = []

    def plan(self, keys: list[int]) -> list:
        """Looks up keys in order; for each, ('hit', fitness or miss index) or ('miss', j).
        Misses enter the cache as placeholders (j: their index among the misses), so later
        keys of the same batch hit them; fill() sets their fitness."""
        out = []
        n_miss = 0
        self._pending = []
        for k in keys:
            self.lookups += 1
            if k in self.d:
                self.hits += 1
                self.d.move_to_end(k)
                out.append(("hit", self.d[k]))
            else:
                self.d[k] = _Pending(n_miss)
                self._pending.append(k)
                out.append(("miss", n_miss))
                n_miss += 1
                if len(self.d) > self.size:
                    self.d.popitem(last=False)
        return out

    def fill(self, plan: list, fitness: np.ndarray) -> np.ndarray:
        for k in self._pending:
            v = self.d.get(k)
            if isinstance(v, _Pending):
                self.d[k] = float(fitness[v.j])
        self._pending = []
        return np.array([fitness[v] if kind == "miss" else
                         (fitness[v.j] if isinstance(v, _Pending) else v)
                         for kind, v in plan], dtype=np.float64)

    def replay(self, keys, fitness) -> None:
        for k, f in zip(keys, fitness):
            self.lookups += 1
            if k in self.d:
                self.hits += 1
                self.d.move_to_end(k)
            else:
                self.d[k] = float(f)
                if len(self.d) > self.size:
                    self.d.popitem(last=False)


class _Pending:
    __slots__ = ("j",)

    def __init__(self, j: int):
        self.j = j


def fec_hit_rate(keys, size: int = 100_000) -> tuple[int, int]:
    """(hits, lookups) of an LRU of `size` over a logged key sequence (the archive's
    state/cache_keys of an automl_zero run)."""
    lru = LRU(size)
    lru.replay([int(k) for k in keys], np.zeros(len(keys)))
    return lru.hits, lru.lookups


def _is_rows(genomes) -> bool:
    """Programs as a (k, W) float64 array of fixed-size rows (how the search breeds them)."""
    return isinstance(genomes, np.ndarray) and genomes.ndim == 2 and genomes.dtype == np.float64


class _LazyRules:
    """A batch of program rows read as Programs only where indexed (a remote executor's
    misses), so the in-process path never decodes them."""

    def __init__(self, problem, rows):
        self.problem, self.rows = problem, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int):
        return pg.decode_fixed(self.rows[i], self.problem.s)


class _BySplit(dict):
    """split -> value; 'train@k' (experiment k's search tasks) as 'train'."""

    def __missing__(self, split):
        return self[split.split("@")[0]]


def _experiment_salt(experiment: int) -> int:
    return int.from_bytes(hashlib.blake2b(f"experiment {experiment}".encode(),
                                          digest_size=8).digest(), "little")


class ProgramProblem:
    """A *rule* here is a program text."""

    kind = "program"

    def __init__(self, config: RunConfig, tasks: TaskSet, evaluator: Evaluator | None = None):
        self.config = config
        self.s: pg.ProgramSettings = config.rule.settings
        self.sizes = (self.s.n_scalar, self.s.n_vector, self.s.n_matrix)
        self.learner = config.component("learner")
        self.genome = config.genome()
        self.pset = self.s
        self.evaluator = evaluator or InProcess()
        self.tasks = tasks
        held = tasks.select("heldout")
        n_select = int(tasks.params.get("n_select", 0))
        self.splits = {"train": tasks.select("train"),
                       "heldout": held.select(np.arange(n_select, len(held)))}
        if n_select:
            self.splits["select"] = held.select(np.arange(n_select))
        self.lsettings = config.learner.settings
        self._views = {k: lp.program_tasks(v, settings=self.lsettings)
                       for k, v in self.splits.items() if len(v)}
        self._fec_view = lp.program_tasks(self.splits["train"].select(np.array([0])),
                                          self.s.fec_train, self.s.fec_valid, self.lsettings)
        self.reference_rule = pg.REFERENCE_RULE
        self.performance = self.learner.performance_on(tasks)
        self.chunk = _BySplit({"train": CALL_PROGRAMS, "heldout": CALL_PROGRAMS,
                               "select": CALL_PROGRAMS})
        self.updates_per_rule = _BySplit({k: max(1, int(v.X.shape[0] * v.X.shape[1]))
                                          for k, v in self._views.items()})
        self._fec_views = {0: self._fec_view}
        self.fec_on = bool(config.run.fitness_cache and self.s.fec_cache_size > 0)
        self.fec = LRU(self.s.fec_cache_size)
        self.cache_log: list = []
        self.selecting = self.s.select_top > 0 and "select" in self._views
        # Scores of whole programs on the selection and unseen tasks, by pruned text: a
        # memo (evaluation is deterministic and pruning keeps predictions bit for bit), so
        # it is no part of the run's state and a resume recomputes what it needs.
        self._memo: dict = {}
        self._experiment_tasks: dict = {}
        self.n_kernel_evaluations = 0
        self.fec_verified = 0          # FEC hits also evaluated in full (rule.fec_verify)
        self.fec_collisions = 0        # of them, those whose full fitness differs
        self.kernel_seconds = 0.0
        self.fec_seconds = 0.0

    # -- the archive's view ---------------------------------------------------------
    def archive_fields(self) -> dict:
        return {"size": ((), "i8")}

    def describe(self, genomes) -> dict:
        return {"size": np.array([self.program(t).size() for t in self.rules_of(genomes)],
                                 dtype=np.int64)}

    def to_genome_array(self, genomes) -> np.ndarray:
        out = np.empty(len(genomes), dtype=object)
        out[:] = [pg.to_text(g) if isinstance(g, pg.Program) else str(g) for g in genomes]
        return out

    # -- rules ------------------------------------------------------------------------
    def program(self, rule) -> pg.Program:
        """A rule (a program text, or a Program as the search hands them) -> Program."""
        if isinstance(rule, pg.Program):
            return rule
        return pg.program_of(rule, self.sizes)

    def user_program(self, text: str) -> str:
        """A program text from a user, checked (ValueError) and made canonical."""
        return pg.to_text(pg.parse_program(text, self.sizes))

    def rules_of(self, genomes) -> list:
        """Texts (as archived), Programs, or the rows of a (k, W) array (as the search
        breeds them: rules.programs.encode_fixed) as Programs."""
        if _is_rows(genomes):
            return [pg.decode_fixed(r, self.s) for r in genomes]
        return [g if isinstance(g, pg.Program) else str(g) for g in genomes]

    def rule_of_genome(self, genome) -> str:
        if isinstance(genome, pg.Program):
            return pg.to_text(genome)
        return str(np.asarray(genome, dtype=object).item()) if isinstance(genome, np.ndarray) \
            else str(genome)

    def decode(self, genomes) -> list[str]:
        return self.rules_of(genomes)

    def formula(self, rule: str) -> str:
        """The program with dead instructions removed, on one line per component."""
        p = pg.prune(self.program(rule))
        return "; ".join(f"{c}: " + ", ".join(pg.instruction_text(i) for i in body)
                         for c, body in zip(pg.COMPONENTS, p.components()))

    def known_algorithm(self, rule: str) -> dict | None:
        """{'name', 'rate', 'label'} when the program predicts as a known algorithm on probe
        tasks (learners.programs.recognise_sgd), else None."""
        view = self._views.get("heldout") or self._views["train"]
        return lp.recognise_sgd(self.program(rule), view, self.sizes)

    def is_reference_rule(self, rule: str) -> bool:
        return self.known_algorithm(rule) is not None

    def known_rule_names(self) -> tuple:
        return tuple(pg.KNOWN_PROGRAMS)

    def known_rule(self, name: str, rate: float | None = None) -> str:
        if name not in pg.KNOWN_PROGRAMS:
            raise ValueError(f"no known program {name!r}; known: {', '.join(pg.KNOWN_PROGRAMS)}")
        return pg.KNOWN_PROGRAMS[name]() if rate is None else pg.KNOWN_PROGRAMS[name](rate)

    def known_label(self, name: str) -> str:
        return pg.KNOWN_LABELS.get(name, name)

    def rule_key(self, rule: str) -> str:
        return pg.to_text(pg.prune(self.program(rule)))

    def rule_details(self, rule: str) -> dict:
        p = self.program(rule)
        pruned = pg.prune(p)
        known = self.known_algorithm(rule)
        return {"program": pg.to_text(p), "pruned": pg.to_text(pruned), "size": p.size(),
                "live_size": pruned.size(), "selection_fitness": self.selection_fitness(rule),
                "known_form": None if known is None else known["name"],
                "known_algorithm": known}

    # -- fitness ------------------------------------------------------------------------
    def _pack(self, rules) -> tuple:
        # Not pruned first: rules.programs.prune (pure Python) costs more than running the
        # dead instructions (a profile of automl-zero-linear: prune 24 s of 68, the kernels
        # 6 s); tests/test_automl_zero.py checks that pruned programs score the same.
        if _is_rows(rules):
            return pg.pack_rows(rules)
        return pg.pack([self.program(r) for r in rules])

    def task_scores(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """(R, T) per-task scores on a split or a TaskSet."""
        view = (self._view(split) if isinstance(split, str)
                else lp.program_tasks(split, settings=self.lsettings))
        t0 = time.perf_counter()
        out = lp.scores(self._pack(list(rules)), view, self.sizes)
        self.kernel_seconds += time.perf_counter() - t0
        return out

    def curves(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        """(R, T, 1): a program learns in one pass; its score after it."""
        return self.task_scores(rules, split)[:, :, None]

    def fitness_of(self, rules, split: str | TaskSet = "train") -> np.ndarray:
        return self.task_scores(rules, split).mean(axis=1)

    def fingerprints(self, rules) -> list[int]:
        return self._fingerprints_live(lp.live(self._pack(list(rules)), self.sizes))

    def _fingerprints_live(self, live, experiment: int = 0) -> list[int]:
        t0 = time.perf_counter()
        if experiment not in self._fec_views:
            self._fec_views[experiment] = lp.program_tasks(
                self.experiment_tasks(experiment).select(np.array([0])), self.s.fec_train,
                self.s.fec_valid, self.lsettings)
        preds, _ = lp.live_predictions(live, self._fec_views[experiment], self.sizes)
        self.fec_seconds += time.perf_counter() - t0
        keys = fingerprint_keys(preds[:, 0, :])
        if experiment:          # an experiment's keys of its own (restarts)
            salt = _experiment_salt(experiment)
            keys = [k ^ salt for k in keys]
        return keys

    # -- restarts (rule.experiment_size) -----------------------------------------------
    def experiment_tasks(self, experiment: int) -> TaskSet:
        """Experiment k's search tasks: the run's for k = 0, else fresh ones drawn by the
        task family from (run seed, k) (selection and unseen tasks are the run's)."""
        if experiment == 0:
            return self.splits["train"]
        got = self._experiment_tasks.get(experiment)
        if got is None:
            from ..tasks import TASK_FAMILIES
            rng = np.random.default_rng([int(self.config.run.seed), 0x5EA2C4, int(experiment)])
            made = TASK_FAMILIES.get(self.config.tasks.name).make(rng, self.config.tasks.settings)
            got = made.select("train")
            self._experiment_tasks = {experiment: got}      # one at a time is enough
        return got

    def _view(self, split: str):
        """A split's interpreter view; 'train@k': experiment k's search tasks."""
        view = self._views.get(split)
        if view is None and split.startswith("train@"):
            view = lp.program_tasks(self.experiment_tasks(int(split[6:])),
                                    settings=self.lsettings)
            self._views = {k: v for k, v in self._views.items() if "@" not in k}
            self._views[split] = view
        if view is None:
            raise KeyError(split)
        return view

    def done(self, record) -> bool:
        """rule.sufficient_fitness: the run is over when its program's selection fitness
        (without selection tasks: its search fitness) exceeds it."""
        bar = self.s.sufficient_fitness
        if bar <= 0 or record is None:
            return False
        if self.selecting:
            return self.selection_fitness(self.rule_of_genome(record.hof_genome)) > bar
        return float(record.hof_fitness) > bar

    def load_cache(self, keys: np.ndarray, fitness: np.ndarray) -> None:
        """Replays the archived lookups (resume): the same cache, the same counts."""
        self.fec.replay([int(k) for k in keys], np.asarray(fitness, dtype=np.float64))

    # -- the selection stage ---------------------------------------------------------
    def memo_fitness(self, rules, split: str) -> np.ndarray:
        """fitness_of on a split, memoised by pruned text (selection and unseen tasks)."""
        keys = [(split, self.rule_key(r)) for r in rules]
        todo = {k: r for k, r in zip(keys, rules) if k not in self._memo}
        if todo:
            fresh = self.fitness_of(list(todo.values()), split)
            self._memo.update(zip(todo, fresh.tolist()))
            self.n_kernel_evaluations += len(todo)
        return np.array([self._memo[k] for k in keys], dtype=np.float64)

    def select_from(self, genomes, fitness, hof_genome) -> int | None:
        """The selection stage (Real et al. 2020; their run_search_experiment.cc): the
        population's `select_top` best programs by search fitness (ties: the older first;
        programs equal after dead-code removal count once) are scored on the selection
        tasks; the index of the best of them (the first of equals) when it beats the current
        best's selection fitness (hof_genome; None: none yet), else None."""
        order = np.argsort(-np.nan_to_num(np.asarray(fitness, dtype=np.float64), nan=-np.inf),
                           kind="stable")
        idx, seen = [], set()
        texts = self.rules_of(genomes)
        for i in order:
            k = self.rule_key(texts[i])
            if k not in seen:
                seen.add(k)
                idx.append(int(i))
                if len(idx) == self.s.select_top:
                    break
        sel = self.memo_fitness([texts[i] for i in idx], "select")
        j = int(np.argmax(np.nan_to_num(sel, nan=-np.inf)))
        if hof_genome is not None:
            current = self.memo_fitness([self.rule_of_genome(hof_genome)], "select")[0]
            if not sel[j] > current:
                return None
        return idx[j]

    def selection_fitness(self, rule: str) -> float | None:
        """A program's fitness on the selection tasks (None: no selection tasks)."""
        return float(self.memo_fitness([rule], "select")[0]) if "select" in self._views else None

    def evaluate(self, genomes, split: str = "train") -> tuple[np.ndarray, int]:
        """(N,) program texts -> ((N,) fitness, programs evaluated in full)."""
        experiment = int(getattr(genomes, "experiment", 0))
        if split == "train" and experiment:
            split = f"train@{experiment}"
        if not split.startswith("train") or not self.fec_on or not _is_rows(genomes):
            texts = self.rules_of(genomes)
        else:           # made only if a remote executor needs them (_full)
            texts = _LazyRules(self, genomes)
        if split != "train" and not split.startswith("train@") and len(texts) == 1:
            return self.memo_fitness(texts, split), 1
        if not split.startswith("train") or not self.fec_on:
            batch = np.empty(len(texts), dtype=object)
            batch[:] = texts
            out = self.evaluator.fitness(self, split, batch) if len(texts) else np.zeros(0)
            self.n_kernel_evaluations += len(texts)
            return np.asarray(out, dtype=np.float64), len(texts)
        # One pack for the batch: the fingerprints run on it, and the misses are rows of
        # it (bounds[misses]) when evaluated here; on a remote executor they go as rules.
        # (tests/test_automl_zero.py: the same fitness as fitness_of on each rule.)
        live = (lp.live_rows(genomes, self.sizes) if _is_rows(genomes)
                else lp.live(self._pack(texts), self.sizes))
        keys = self._fingerprints_live(live, experiment)
        plan = self.fec.plan(keys)
        misses = [i for i, (kind, _) in enumerate(plan) if kind == "miss"]
        fresh = self._full(texts, live, misses, split)
        out = self.fec.fill(plan, fresh)
        self.cache_log.extend(zip(keys, out.tolist()))
        if self.s.fec_verify:
            # Same path as FEC on (the cached values stay); every hit also in full.
            hits = [i for i, (kind, _) in enumerate(plan) if kind == "hit"]
            full = self._full(texts, live, hits, split)
            served = out[hits]
            same = (full == served) | (np.isnan(full) & np.isnan(served))
            self.fec_verified += len(hits)
            self.fec_collisions += int(np.count_nonzero(~same))
        return out, len(misses)

    def _full(self, texts, live, rows: list, split: str) -> np.ndarray:
        """Full fitness of texts[rows]: here, rows of the batch's live pack; on a remote
        executor, the rules themselves."""
        if not rows:
            return np.zeros(0)
        self.n_kernel_evaluations += len(rows)
        if isinstance(self.evaluator, InProcess):
            code, imm, bounds = live
            t0 = time.perf_counter()
            out = np.concatenate([
                lp.live_scores((code, imm, bounds[rows[i:i + CALL_PROGRAMS]]),
                               self._view(split), self.sizes).mean(axis=1)
                for i in range(0, len(rows), CALL_PROGRAMS)])
            self.kernel_seconds += time.perf_counter() - t0
            return out
        batch = np.empty(len(rows), dtype=object)
        batch[:] = [texts[i] for i in rows]
        return np.asarray(self.evaluator.fitness(self, split, batch), dtype=np.float64)
