"""Typed genes of mixed genomes: what one float of a genome stands for and how it decodes.

A mixed genome is a flat float vector (an ordinary 'real' genome to the archive and
to every real optimizer) whose genes carry a type (`GenomeSpec.genes`):

- real:    a real number, unbounded (rule coefficients); low/high bound the initial draw
- logreal: a positive real on a log scale; the gene is log10 of the value, in [low, high]
- int:     an integer in [low, high]
- cat:     a choice among `choices`; the gene is the index, in [0, len(choices) - 1]

Decoding maps ANY float to a valid value (clipped to the range, rounded for int and
cat), so a genome from any optimizer, even one that knows nothing of the types
(CMA-ES), decodes to a valid learner. The typed operators of
optimizers/mixed_genes.py keep genes valid by construction. Randomness is drawn
only there (stdlib `random`, for exact resume); this module is pure.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

KINDS = ("real", "logreal", "int", "cat")


@dataclass(frozen=True)
class Gene:
    name: str
    kind: str
    low: float = -1.0
    high: float = 1.0
    choices: tuple = ()
    doc: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"gene kind must be one of {', '.join(KINDS)}; got {self.kind!r}")
        if self.kind == "cat":
            if len(self.choices) < 2:
                raise ValueError(f"categorical gene {self.name!r} needs 2 or more choices")
            object.__setattr__(self, "low", 0.0)
            object.__setattr__(self, "high", float(len(self.choices) - 1))
        if not self.low <= self.high:
            raise ValueError(f"gene {self.name!r}: low must be <= high")

    @property
    def bounded(self) -> bool:
        return self.kind != "real"

    def clip(self, values):
        """Genome-space values made valid: in range, and whole for int and cat genes."""
        v = np.asarray(values, dtype=np.float64)
        if not self.bounded:
            return v.copy()
        v = np.clip(np.nan_to_num(v, nan=self.low), self.low, self.high)
        return np.rint(v) if self.kind in ("int", "cat") else v

    def decode(self, values) -> np.ndarray:
        """Genome-space values -> the values they stand for (float64; an index for cat)."""
        v = self.clip(values)
        return 10.0 ** v if self.kind == "logreal" else v

    def encode(self, value) -> float:
        """A value -> its gene (log10 for logreal, the index for a cat given by its label)."""
        if self.kind == "cat" and not isinstance(value, (int, float, np.integer, np.floating)):
            return float(self.choices.index(value))
        return float(np.log10(value)) if self.kind == "logreal" else float(value)

    def label(self, value) -> str:
        """A decoded value as text: the choice's name, an integer, or 4 significant digits."""
        if self.kind == "cat":
            return str(self.choices[int(value)])
        if self.kind == "int":
            return str(int(value))
        return f"{float(value):.4g}"


def decode_genes(genes: tuple, genomes) -> np.ndarray:
    """(N, len(genes)) genome-space values -> (N, len(genes)) decoded values, column by column."""
    g = np.atleast_2d(np.asarray(genomes, dtype=np.float64))
    if g.shape[1] != len(genes):
        raise ValueError(f"genomes need {len(genes)} genes, got {g.shape[1]}")
    out = np.empty_like(g)
    for j, gene in enumerate(genes):
        out[:, j] = gene.decode(g[:, j])
    return out


def is_valid(genes: tuple, genome) -> bool:
    """Every gene in its range (and whole where it must be)."""
    g = np.asarray(genome, dtype=np.float64)
    return all(np.array_equal(gene.clip(v), v) and np.isfinite(v)
               for gene, v in zip(genes, g)) and len(g) == len(genes)
