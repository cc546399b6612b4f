"""RuleFamily: the component a rule family registers (rules/__init__.py).

A parametric family is a coefficient vector over a fixed set of terms; its
module provides N_COEF, COEF_NAMES, TERM_NAMES, COEF_LABEL, decode_real (and
decode_bits for a bit genome), effective, formula, KNOWN_RULES, KNOWN_LABELS,
REFERENCE_RULE and is_reference_rule (and optionally VARIABLES, the order
`best --format python` takes the variables in). Which learners run a family is declared
by the learners (their kernels), not here.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from ..components import GenomeSpec, Settings, need, setting


@dataclass
class ParametricSettings(Settings):
    terms: list[str] | None = setting(
        None, "evolve only these terms (names as in the family's term names, e.g. "
              "[\"a*m\", \"a*o*m\"]); the other coefficients stay 0; null: all")
    l1_penalty: float = setting(0.0, "fitness minus this times the sum of |coefficients|", low=0)

    def genome_kind(self) -> str:
        return "real"


@dataclass(frozen=True)
class RuleFamily:
    name: str
    settings: type
    module: ModuleType
    kind: str = "parametric"
    summary: str = ""
    # A family whose learner rewrites its own learning machinery within a lifetime (an
    # SRWM, a metaplastic rule): the analysis then reports how far it moves.
    self_modifying: bool = False

    def check(self, s: ParametricSettings) -> None:
        """Family-dependent checks of its settings (term names)."""
        if s.terms is not None:
            names = self.module.TERM_NAMES
            need(s.genome_kind() == "real", "terms needs genome 'real'")
            need(0 < len(s.terms) == len(set(s.terms)) and all(t in names for t in s.terms),
                 f"terms must be distinct names among: {', '.join(names)}")

    def genome(self, s: ParametricSettings, learner=None) -> GenomeSpec:
        kind = s.genome_kind()
        if kind == "bits":
            return GenomeSpec("bits", self.module.N_BITS)
        return GenomeSpec("real", len(s.terms) if s.terms else self.module.N_COEF)
