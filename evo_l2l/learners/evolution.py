"""The level below as a learner: a whole evolutionary run (Schmidhuber 1987 meta-evolution).

One level up, the thing that learns is an evolutionary search and its learning
rule is the set of operators that modify it (rules/operators.py). This module
only declares the component; evolution/meta.py runs the level below, since
running a search is the evolution layer's job.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..components import Settings, setting
from .base import Learner


@dataclass
class EvolutionRunSettings(Settings):
    level_below: str = setting("chalmers1990", "the preset run one level below (a meta preset "
                               "such as schmidhuber1987-meta makes this level 3)")
    below: dict = setting({}, "the level below's whole config (sections), filled in from "
                          "level_below when the preset is made; edit to change the level below")
    budget: int = setting(0, "evaluations of the level below per run (population x generations);"
                          " 0: the level below's own", low=0)

    def check(self) -> None:
        pass


class EvolutionRun(Learner):
    name = "evolution"
    summary = "a whole evolutionary run of the level below, learning by the evolved operators"
    settings = EvolutionRunSettings
    requires = frozenset({"level_below_runs"})
    coefficient_families = ("operators",)
    performance = ("score of a run below: 1 + (1 - evaluations to the target / budget) if it "
                   "reaches the target, else best fitness / target")
    reference_rule = "hand-set"


LEARNER = EvolutionRun()
