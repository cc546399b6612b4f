"""RuleFamily: the component a rule family registers (rules/__init__.py), and
ParametricForm: what generic code reads of a parametric family.

A parametric family is a coefficient vector over a fixed set of terms. Its module builds
one ParametricForm from its own functions and constants (the module keeps them under
their usual names for the code and tests that import them) and registers
`FAMILY = RuleFamily(name, settings, form, ...)`. The problem, the parametric kind
(archive attributes, export), the plots and the analysis read only the form's fields; an
optional hook is a field that is None where the family has none. Which learners run a
family is declared by the learners (their kernels), not here.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from ..components import GenomeSpec, Settings, need, setting


@dataclass
class ParametricSettings(Settings):
    terms: list[str] | None = setting(
        None, "evolve only these terms (names as in the family's term names, e.g. "
              "[\"a*m\", \"a*o*m\"]); the other coefficients stay 0; null: all")
    l1_penalty: float = setting(0.0, "fitness minus this times the sum of |coefficients|", low=0)

    def genome_kind(self) -> str:
        return "real"


# (N, L) genomes -> (N, n_coef) float64 coefficient rows.
Decode = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True, eq=False)
class ParametricForm:
    """A parametric family's coefficients, terms, decoding, rule texts and known rules.

    A *row* is one rule's n_coef coefficients (float64); its *term coefficients*
    (`effective`) are what the learner applies to each term of `term_names`.
    """

    coef_names: tuple[str, ...]
    """One name per coefficient of a row (archived as `coef_names`; `best` lists them)."""
    term_names: tuple[str, ...]
    """One name per term coefficient: products of variables such as `a*t` or `x^2*w` (`^`
    for powers, `1` for the constant term), which `best --format python/latex` is built
    from, or labels such as `out:a*o` for rules that are not one formula (export refuses
    those). Archived as `term_names`; `terms = [...]` settings name these."""
    coef_label: str
    """What a coefficient is called on the y axis of the coefficient plot (`k0 * k_i`)."""
    decode_real: Decode
    """Real genomes -> rows, the default settings' decoding."""
    effective: Callable[[np.ndarray], np.ndarray]
    """(..., n_coef) rows -> (..., len(term_names)) term coefficients (the L1 penalty, the
    plots, export and the distance to known rules read these)."""
    formula: Callable[[np.ndarray], str]
    """A row -> its readable update, e.g. 'dw = 4*a*(t - o)'."""
    known_rules: Mapping[str, Callable[..., np.ndarray]]
    """Name -> make(rate=1.0) -> a row: the known rules `evaluate --rule NAME`, the plots
    and the reference targets use."""
    known_labels: Mapping[str, str]
    """Name of a known rule -> how reports call it ('the delta rule')."""
    reference_rule: str
    """The known rule shown beside evolved ones (a key of known_rules)."""
    is_reference_rule: Callable[[np.ndarray], bool]
    """Whether a row is the reference rule up to a positive rate (`best`'s 'known form')."""

    decode_bits: Decode | None = None
    """(N, n_bits) {0,1} genomes -> rows, for a family with a bit genome (`genome = "bits"`)."""
    n_bits: int = 0
    """The bit genome's length (with decode_bits)."""
    decoder: Callable[[Settings], Decode] | None = None
    """Settings -> the real decoding they ask for (a start matrix or rule that genome 0
    stands for); None: decode_real whatever the settings."""
    variables: tuple[str, ...] | None = None
    """The order `best --format python`'s `def rule(...)` takes the variables in; None: in
    order of first appearance in term_names."""
    formula_with: Callable[[np.ndarray, Settings], str] | None = None
    """formula told the settings, for a family whose rule text depends on them; None:
    formula."""
    details_with: Callable[[np.ndarray, Settings], dict] | None = None
    """(row, settings) -> details beyond the coefficients that `best --json`, `run` and
    `report` show; None: none."""
    block_norms: Callable[[np.ndarray], np.ndarray] | None = None
    """A row -> (heads, len(blocks)) norms, for a matrix genome, whose coefficient plot
    shows the norm of each block of each head instead of the coefficients."""
    blocks: tuple[str, ...] = ()
    """The blocks' names (with block_norms)."""
    is_reference_like: Callable[[np.ndarray], bool] | None = None
    """Whether a row has the reference rule's form, a looser test than is_reference_rule
    (meta-evolution counts the runs below that find one); None: not defined."""

    def __post_init__(self) -> None:
        if len(self.term_names) != len(set(self.term_names)):
            raise ValueError("a parametric form's term names must be distinct")
        if self.reference_rule not in self.known_rules:
            raise ValueError(f"the reference rule {self.reference_rule!r} is not a known rule")
        if (self.decode_bits is None) != (self.n_bits == 0):
            raise ValueError("a bit genome needs both decode_bits and n_bits")
        if (self.block_norms is None) != (not self.blocks):
            raise ValueError("block norms need both block_norms and blocks")

    @property
    def n_coef(self) -> int:
        """Coefficients in a row."""
        return len(self.coef_names)

    def decode_for(self, settings: Settings) -> Decode:
        """The real decoding of these settings."""
        return self.decode_real if self.decoder is None else self.decoder(settings)

    def formula_for(self, coef: np.ndarray, settings: Settings) -> str:
        """The rule's text under these settings."""
        if self.formula_with is None:
            return self.formula(coef)
        return self.formula_with(coef, settings)

    def details_for(self, coef: np.ndarray, settings: Settings) -> dict:
        """Details beyond the coefficients under these settings ({} for most families)."""
        return {} if self.details_with is None else self.details_with(coef, settings)


@dataclass(frozen=True)
class RuleFamily:
    """A parametric rule family: its name, settings class and ParametricForm."""

    name: str
    settings: type
    form: ParametricForm
    kind: str = "parametric"
    summary: str = ""
    # A family whose learner rewrites its own learning machinery within a lifetime (an
    # SRWM, a metaplastic rule): the analysis then reports how far it moves.
    self_modifying: bool = False

    def check(self, s: ParametricSettings) -> None:
        """Family-dependent checks of its settings (term names)."""
        if s.terms is not None:
            names = self.form.term_names
            need(s.genome_kind() == "real", "terms needs genome 'real'")
            need(0 < len(s.terms) == len(set(s.terms)) and all(t in names for t in s.terms),
                 f"terms must be distinct names among: {', '.join(names)}")
            # A genome of chosen terms is placed at their positions in a coefficient row,
            # which needs one coefficient per term (chalmers' row starts with a scale k0).
            need(self.form.n_coef == len(names),
                 f"terms needs a family whose coefficients are its terms' ({self.name} has "
                 f"{self.form.n_coef} coefficients for {len(names)} terms): evolve them all")

    def genome(self, s: ParametricSettings, learner=None) -> GenomeSpec:
        kind = s.genome_kind()
        if kind == "bits":
            return GenomeSpec("bits", self.form.n_bits)
        return GenomeSpec("real", len(s.terms) if s.terms else self.form.n_coef)


@dataclass
class TypedSettings(Settings):
    """Settings of a family searched as typed genes: no term selection (its genome is the
    genes), the L1 penalty on the decoded row."""

    l1_penalty: float = setting(0.0, "fitness minus this times the sum of |row values|", low=0)
    terms = None                 # not a setting: every gene is evolved

    def genome_kind(self) -> str:
        return "real"


@dataclass
class ProgramRowSettings(Settings):
    """No settings: a row of op codes, registers and constants has nothing to penalise."""

    terms = None
    l1_penalty = 0.0

    def genome_kind(self) -> str:
        return "real"


@dataclass(frozen=True)
class TypedRuleFamily(RuleFamily):
    """A parametric family whose genome is typed genes (rules/genes.py): the typed
    optimizers keep each gene valid, and any real optimizer's genome decodes to a valid row."""

    genes: tuple = ()
    # a program family's insertion mutation (GenomeSpec.insert), None for others
    insert: Callable | None = None

    def check(self, s) -> None:
        """Nothing beyond the settings' own bounds."""

    def genome(self, s, learner=None) -> GenomeSpec:
        return GenomeSpec("real", len(self.genes), genes=self.genes, insert=self.insert)
