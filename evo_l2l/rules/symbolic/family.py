"""The rule family `symbolic`: expression trees over the learner's local variables."""
from __future__ import annotations

import functools
from dataclasses import dataclass

from deap import gp

from ...components import GenomeSpec, setting
from ...components import Settings as Settings_
from .parse import parse_tree
from .primitives import UNARY, make_pset


@dataclass
class Settings(Settings_):
    unary: list[str] = setting([], "extra unary primitives", choices=tuple(UNARY))
    eta: float = setting(1.0, "the update is w += eta * rule", low=0, low_open=True)


@dataclass(frozen=True)
class SymbolicFamily:
    """Expression trees over the learner's local variables (rules/__init__.py registers it)."""

    name: str = "symbolic"
    settings: type = Settings
    kind: str = "symbolic"
    summary: str = "expression trees over the learner's local variables, searched by GP"

    def check(self, s: Settings) -> None:
        pass

    def pset(self, s: Settings, learner) -> gp.PrimitiveSet:
        return make_pset(tuple(learner.variables), tuple(s.unary), learner.name)

    def genome(self, s: Settings, learner) -> GenomeSpec:
        pset = self.pset(s, learner)
        return GenomeSpec("tree", pset=pset, parse=functools.partial(parse_tree, pset=pset))


FAMILY = SymbolicFamily()
