"""Schmidhuber (1987): meta-evolution, evolution applied to its own search.

J. Schmidhuber, "Evolutionary principles in self-referential learning, or on
learning how to learn: the meta-meta-... hook", diploma thesis, TU Munich
(1987): a meta level evolves the operators that modify the level below, and a
meta-meta level evolves those [V, shared/REFERENCES.md]. Here level 2 evolves
the GA settings of chalmers1990 (rules/operators.py) by their score on 8 runs of
chalmers1990 with new run seeds and new task environments (tasks/runs_below.py; 8 runs:
with 4, the evolved settings reached the target in 4 of 4 training runs and 1 of 10 held-out),
each within the paper's budget of 40 x 1000 evaluations: reaching the delta
rule's training fitness sooner scores higher (evolution/meta.py). Level 3 is one
option away: `--set learner.level_below=schmidhuber1987-meta` evolves the settings
of this preset's own GA. The thesis evolved programs, not settings of a GA, and
reports no numbers to compare with; this preset is our instance of the idea.
"""
from .preset import Preset

PRESET = Preset(
    "schmidhuber1987-meta",
    "Schmidhuber 1987, Evolutionary principles in self-referential learning (meta-evolution)",
    "level 2: a GA evolves chalmers1990's GA settings, scored on runs with new seeds and tasks",
    {"optimizer": {"name": "ga", "selection": "tournament", "tournament_size": 3,
                   "crossover": "blend", "crossover_prob": 0.5, "mutation_indpb": 0.3,
                   "mutation_sigma": 0.3, "elitism": 1},
     "rule": {"name": "operators"},
     "learner": {"name": "evolution", "level_below": "chalmers1990"},
     "tasks": {"name": "runs_below", "n_runs": 8, "n_heldout": 10},
     "run": {"population": 12, "n_generations": 10}},
    doc=__doc__,
    toy={"learner.budget": 60, "tasks.n_runs": 1, "tasks.n_heldout": 1})
PRESET.PAPER_NUMBERS = {
    "levels": ("meta and meta-meta levels, in principle without end", "V"),
}
