"""Operator genomes: the search settings of the level below, as a rule one level up.

Schmidhuber (1987), "Evolutionary principles in self-referential learning":
meta-evolution evolves the operators that modify the level below. Here a
genome of 7 real genes sets the genetic algorithm of the level below (its
selection pressure, crossover kind and rate, mutation rate and strength,
elitism and population size within a fixed evaluation budget). Each gene g
maps through u = clip((g + 1) / 2, 0, 1), so the optimizers' usual initial
range [-1, 1] covers every setting:

    tournament_size   round(10 u); 0 is fitness-proportional (roulette) selection
    crossover         two_point (u < 1/3), uniform (< 2/3), blend (real genomes below;
                      uniform for bit genomes)
    crossover_prob    u
    mutation_indpb    0.001 * 500^u          (0.001 .. 0.5 per gene)
    mutation_sigma    10^(-2 + 2 u)          (0.01 .. 1, real genomes below)
    elitism           round(5 u)             (capped below the population)
    population        round(8 (100/8)^u)     (8 .. 100); generations = budget // population

A *rule* of this family is the (7,) row of decoded values in that order.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import GenomeSpec, Settings, need, setting

OPERATOR_NAMES = ("tournament_size", "crossover", "crossover_prob", "mutation_indpb",
                  "mutation_sigma", "elitism", "population")
N_GENES = len(OPERATOR_NAMES)
# The optimizer of the level below whose settings an operator genome holds.
OPTIMIZER = "ga"
CROSSOVERS = ("two_point", "uniform", "blend")


@dataclass
class OperatorSettings(Settings):
    population_min: int = setting(8, "smallest population a genome may choose", low=2)
    population_max: int = setting(100, "largest population a genome may choose", low=2)

    def check(self) -> None:
        need(self.population_min <= self.population_max,
             "rule.population_min must not exceed population_max")


def unit(genomes) -> np.ndarray:
    g = np.atleast_2d(np.asarray(genomes, dtype=np.float64))
    return np.clip((g + 1.0) / 2.0, 0.0, 1.0)


def decode(genomes, s: OperatorSettings) -> np.ndarray:
    """(N, 7) genes -> (N, 7) settings values in OPERATOR_NAMES order (float64)."""
    u = unit(genomes)
    if u.shape[1] != N_GENES:
        raise ValueError(f"operator genomes need {N_GENES} genes")
    lo, hi = s.population_min, s.population_max
    out = np.empty_like(u)
    out[:, 0] = np.round(10 * u[:, 0])
    out[:, 1] = np.minimum(np.floor(3 * u[:, 1]), 2)
    out[:, 2] = u[:, 2]
    out[:, 3] = 1e-3 * 500.0 ** u[:, 3]
    out[:, 4] = 10.0 ** (-2 + 2 * u[:, 4])
    out[:, 5] = np.round(5 * u[:, 5])
    out[:, 6] = np.round(lo * (hi / lo) ** u[:, 6])
    return out


def encode(values: dict, s: OperatorSettings) -> np.ndarray:
    """Settings (a dict as settings_of returns) -> (7,) genes that decode to them (the
    nearest representable values)."""
    lo, hi = s.population_min, s.population_max
    tsize = 0 if values["selection"] == "roulette" else values["tournament_size"]
    u = [tsize / 10, (CROSSOVERS.index(values["crossover"]) + 0.5) / 3,
         values["crossover_prob"], np.log(values["mutation_indpb"] / 1e-3) / np.log(500.0),
         (np.log10(values["mutation_sigma"]) + 2) / 2, values["elitism"] / 5,
         np.log(values["population"] / lo) / np.log(hi / lo) if hi > lo else 0.0]
    return np.clip(np.array(u, dtype=np.float64), 0, 1) * 2 - 1


def settings_of(row, genome_kind: str = "bits") -> dict:
    """A decoded row -> the level below's GA settings and population, as config values."""
    r = np.asarray(row, dtype=np.float64)
    tsize, population = int(r[0]), int(r[6])
    crossover = CROSSOVERS[int(r[1])]
    if crossover == "blend" and genome_kind != "real":
        crossover = "uniform"
    return {"selection": "roulette" if tsize == 0 else "tournament",
            "tournament_size": max(tsize, 1), "crossover": crossover,
            "crossover_prob": float(r[2]), "mutation_indpb": float(r[3]),
            "mutation_sigma": float(r[4]), "elitism": min(int(r[5]), population - 1),
            "population": population}


def formula(row, genome_kind: str = "bits") -> str:
    s = settings_of(row, genome_kind)
    sel = "roulette" if s["selection"] == "roulette" else f"tournament of {s['tournament_size']}"
    text = (f"{sel}, {s['crossover']} crossover {s['crossover_prob']:.2f}, mutation "
            f"{s['mutation_indpb']:.3g}/gene")
    if genome_kind == "real":
        text += f" (sigma {s['mutation_sigma']:.3g})"
    return text + f", elitism {s['elitism']}, population {s['population']}"


@dataclass(frozen=True)
class OperatorFamily:
    """The rule family of a meta level (rules/__init__.py registers it)."""

    name: str = "operators"
    settings: type = OperatorSettings
    kind: str = "meta"
    summary: str = "the level below's GA settings (Schmidhuber 1987 meta-evolution)"
    module: object = None

    def check(self, s: OperatorSettings) -> None:
        pass

    def genome(self, s: OperatorSettings, learner=None) -> GenomeSpec:
        return GenomeSpec("real", N_GENES)


FAMILY = OperatorFamily()
