"""Kinds of rule as components: how rules of one kind are evolved, stored, shown and plotted.

A rule family names its kind (`RuleFamily.kind`); the kind is one registered object, a
RuleKind, that the run, the archive, the analysis and the command line ask about what
differs between kinds, so that none of them tests a kind's name. evo_l2l's kinds live in
`evo_l2l.kinds`, one module each, loaded when first asked for:

- parametric: a coefficient vector over a fixed basis of terms (Chalmers 1990);
- symbolic: an expression tree evolved by genetic programming (Bengio et al. 1991);
- program: an AutoML-Zero program of setup/predict/learn functions (Real et al. 2020);
- meta: the settings of the GA one level below, scored by its runs (Schmidhuber 1987);
- optimizer_program: a per-parameter update program that trains MLPs (Chen et al. 2023);
- learned_optimizer: a weighted sum of gradient-history features (Metz et al. 2022).

A new kind subclasses RuleKind, sets `name` and `problem_class` (an object that satisfies
`evolution.problem.Problem`), overrides what differs, and registers with `RULE_KINDS.add`
(in a test or a notebook: `with RULE_KINDS.registered(kind):`). The defaults below suit a
rule that is a row of real numbers with learning curves, like the parametric kind.
"""
from __future__ import annotations

import numpy as np

from ..components import Registry

# The rates a known (reference) rule is tried at, 2^-8..2^8: the reference shown beside an
# evolved rule, and the target of a meta level's runs below, is the best of them.
REFERENCE_RATES = 2.0 ** np.arange(-8, 9)


class RuleTextError(ValueError):
    """A text meant as a rule of a kind that the kind refuses; its message is the whole
    explanation (a tree too deep for the run, a program file that cannot be read)."""


class RuleKind:
    """One kind of rule. Subclass, set the class attributes, override what differs."""

    name: str = ""
    summary: str = ""
    noun: str = "rule"              # what one evolved individual is called in labels
    size_name: str = "genome size"  # a genome's size, as plots name it (trees: "tree size")
    size_unit: str = "genes"        # its unit (trees: nodes)
    problem_class: type | None = None
    # Whether a rule has learning curves on tasks (a meta level's rules are scored on
    # runs below instead) and whether known rules take a rate.
    learning_curves: bool = True
    rated_known_rules: bool = True
    # Why `compare` (which compares learning rules) refuses this kind's runs; empty: it doesn't.
    not_comparable: str = ""

    # -- evolution ------------------------------------------------------------
    def make_problem(self, config, tasks, evaluator=None):
        """The object that scores genomes of this kind (the Problem protocol)."""
        if self.problem_class is None:
            raise NotImplementedError(f"rule kind {self.name!r} sets no problem_class")
        return self.problem_class(config, tasks, evaluator=evaluator)

    def bytes_per_individual(self, config) -> int:
        """Memory one individual holds besides its learning curves (DEAP objects over two
        generations, genome and rule arrays, cache keys): measured for arrays of genes
        with `/usr/bin/time -f %M evo-l2l run ... --population N`."""
        return 600 + 64 * max(1, config.genome().length)

    def batch_of(self, problem, rules):
        """Rules as one batch that `problem.fitness_of` takes."""
        return np.stack([np.asarray(r, dtype=np.float64) for r in rules])

    def reference_rules(self, problem) -> list[tuple[float | None, object]]:
        """(rate, rule) pairs of the problem's reference rule, at each REFERENCE_RATE."""
        if not self.rated_known_rules:
            return [(None, problem.known_rule(problem.reference_rule))]
        return [(float(r), problem.known_rule(problem.reference_rule, float(r)))
                for r in REFERENCE_RATES]

    def reference_target(self, problem) -> float | None:
        """Training fitness of the reference rule at its best rate: the target a meta
        level's runs below try to reach (None: there is none)."""
        rules = [rule for _, rule in self.reference_rules(problem)]
        return float(np.max(problem.fitness_of(rules, "train")))

    def warm(self, problem) -> None:
        """Compiles (or loads) the kernels a run of `problem` needs, on one rule."""
        rule = problem.known_rule(problem.reference_rule)
        for split in ("train", "heldout"):
            if len(problem.splits[split]):
                problem.fitness_of(self.batch_of(problem, [rule]), split)

    # -- the archive ------------------------------------------------------------
    def archive_attrs(self, problem) -> dict[str, list]:
        """Names a reader needs to interpret the stored rules (term names, variables...),
        written as JSON lists into the archive's attributes."""
        return {}

    # -- analysis and the command line ------------------------------------------
    # What a rule written out by a user looks like (`evaluate --rule TEXT`), for messages;
    # empty: this kind reads no rule texts.
    rule_text_hint: str = ""

    def parse_rule(self, problem, text: str) -> tuple[str, object]:
        """(label, rule) of a rule written out by a user. ValueError if the text is no rule
        of this kind, RuleTextError if it is one the run cannot take."""
        raise ValueError("this kind reads no rule texts")

    def exact_line(self, problem, rule) -> str | None:
        """'exact: TEXT', TEXT a form of `rule` that parse_rule reads back as exactly that rule,
        for a rule whose formula (what the summary and `best` show) rounds or rewrites it;
        None where the formula reads back exactly (or this kind reads no rule texts)."""
        return None

    def export_refusal(self, problem) -> str | None:
        """Why `best --format python/latex` cannot write this run's rules, or None."""
        return (f"a {self.name} run's {self.noun}s are not one formula: use --format text "
                "or json")

    def python_source(self, problem, rule, name: str, doc: str) -> str | None:
        """`best --format python`'s source when this kind writes its own (None: a
        `def name(variables): return ...` from python_body)."""
        return None

    def best_lines(self, problem, rules: list[dict]) -> list[str] | None:
        """`best`'s text lines for described rules, or None for the common layout."""
        return None

    def detail_lines(self, problem, rule: dict) -> list[str]:
        """`best`'s lines under a described rule's formula and fitness."""
        return [f"{k}={v}" for k, v in rule.items()
                if k not in ("rank", "generation", "formula", "is_reference_rule", "fitness",
                             "heldout_fitness", "known_form")
                and isinstance(v, (int, float, str))]

    def info(self, run) -> dict:
        """Entries `info` adds for this kind's archives."""
        return {}

    def evaluate(self, run, problem, specs: tuple, which: str, n_tasks) -> list[dict] | None:
        """`evaluate`'s records when this kind evaluates its own way (None: learning
        curves on tasks, the common way)."""
        return None

    def evaluate_lines(self, problem, records: list[dict], which: str) -> list[str]:
        """The text form of `evaluate`'s own records."""
        return []

    def write_runs_below(self, problem, row, split: str, folder: str) -> list[str]:
        raise ValueError("--runs-below needs a meta-evolution archive")

    def episode_accuracy(self, problem, rules: list, tasks, settings,
                         measure_all: bool = True) -> np.ndarray:
        """(R, T, S + 1, G) accuracies of R rules on episodic tasks, in one learner call
        (measure_all False: row S only, the others NaN: a learner may skip scoring them)."""
        return problem.learner.accuracy(self.batch_of(problem, rules), tasks, settings,
                                        measure_all=measure_all)

    def rule_axes(self, ax, run) -> None:
        """The plot panel of the evolved rule over generations."""
        ax.set_axis_off()
        ax.text(0.5, 0.5, f"no {self.noun} panel for rule kind {self.name}",
                ha="center", va="center", transform=ax.transAxes)

    def learning_curve_axes(self, ax, runs) -> None:
        """The panel of how `runs` learn, for a kind without learning curves (the common
        panel draws the best and reference rules' learning curves of the others)."""
        ax.set_axis_off()


RULE_KINDS = Registry("rule kind")
for _name in ("parametric", "symbolic", "program", "meta", "optimizer_program",
              "learned_optimizer"):
    RULE_KINDS.add_lazy(_name, f"evo_l2l.kinds.{_name}:KIND")


def kind_of(thing) -> RuleKind:
    """The rule kind of a problem (its `kind`), a run config (its rule family's kind) or
    an opened run (its config's)."""
    name = getattr(thing, "kind", None)
    if isinstance(name, str):
        return RULE_KINDS.get(name)
    config = thing if hasattr(thing, "component") else thing.config
    return RULE_KINDS.get(config.component("rule").kind)
