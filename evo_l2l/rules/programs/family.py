"""The rule family `automl_zero` (kind 'program'): genomes are program texts; its known
programs."""
from __future__ import annotations

from ...components import GenomeSpec
from .settings import ProgramSettings
from .text import parse_program

KNOWN_PROGRAMS = {
    "sgd": lambda rate=0.1: (
        "setup:\n"
        f"  s2 = const({float(rate)!r})\n"
        "predict:\n"
        "  s1 = dot(v1, v0)\n"
        "learn:\n"
        "  s3 = sub(s0, s1)\n"
        "  s3 = mul(s2, s3)\n"
        "  v0 = mul(s3, v0)\n"
        "  v1 = add(v1, v0)"),
}
KNOWN_LABELS = {"sgd": "SGD on a linear model (w = 0 at the start)"}
REFERENCE_RULE = "sgd"


class ProgramFamily:
    """The rule family `automl_zero` (kind 'program'): genomes are program texts."""

    name = "automl_zero"
    kind = "program"
    summary = "AutoML-Zero programs: Setup/Predict/Learn over scalar/vector/matrix memory"
    settings = ProgramSettings
    module = None

    def check(self, s: ProgramSettings) -> None:
        """Field checks are in ProgramSettings.check."""

    def genome(self, s: ProgramSettings, learner=None) -> GenomeSpec:
        return GenomeSpec("program", 0, pset=s,
                          parse=lambda text: parse_program(text, (s.n_scalar, s.n_vector,
                                                                  s.n_matrix)))


FAMILY = ProgramFamily()
