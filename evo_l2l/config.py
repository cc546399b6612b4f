"""Run configuration: one flat, JSON-serialisable record per run.

Presets supply defaults (their paper's settings); the command line and
config files override fields by name. Every check ends in a ConfigError with
one line a user can act on.
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field


from .errors import ConfigError


@dataclass
class RunConfig:
    preset: str = "chalmers1990"
    seed: int = 0
    # Outer loop (DEAP).
    optimizer: str = "ga"
    n_generations: int = 1000
    population: int = 40
    genome: str = "bits"              # bits (Chalmers' 35-bit code) or real (11 floats)
    selection: str = "roulette"       # roulette (fitness-proportional) or tournament
    tournament_size: int = 3
    crossover: str = "two_point"      # two_point, uniform, blend (real only)
    crossover_prob: float = 0.8
    mutation_indpb: float = 0.01      # per-gene probability of mutation
    mutation_sigma: float = 0.5       # Gaussian mutation, real genomes only
    elitism: int = 1
    cma_sigma: float = 0.5            # CMA-ES: initial step size (mean starts at 0)
    es_sigma: float = 0.1             # ES gradient: perturbation size
    es_lr: float = 0.05               # ES gradient: learning rate on the mean
    sa_step: float = 0.1              # SA: Gaussian proposal step (real genomes)
    sa_t0: float = 0.05               # SA: T = max(sa_t_end, sa_t0 * sa_decay^generation)
    sa_t_end: float = 1e-4
    sa_decay: float = 0.99
    # Genetic programming (optimizer = "gp"), see evolution/gp_ops.py.
    gp_variant: str = "generational"  # generational or mu_plus_lambda
    gp_init_depth: int = 3            # initial trees: half-and-half, depth 1..this
    gp_max_height: int = 8            # static limits on every crossover and mutation
    gp_max_size: int = 32
    gp_mutation_prob: float = 0.2
    gp_unary: list = field(default_factory=list)   # any of neg, square, tanh, pexp
    parsimony_size: float = 0.0       # > 0: double tournament with this parsimony size
    gp_constant_steps: int = 0        # hill-climbing steps on the best tree's constants
    # Inner loop (the learners).
    rule_family: str = "chalmers"
    learner: str = "single_layer"     # symbolic rules: single_layer, student, reward, two_layer, conditioning
    eta: float = 1.0                  # symbolic and Volterra rules: w += eta * rule
    l1_penalty: float = 0.0           # parametric rules: fitness -= l1_penalty * sum |coef|
    rule_terms: list | None = None    # real genomes: evolve only these terms (names as in
                                      # the family's TERM_NAMES, e.g. ["a*m", "a*o*m"]); others 0
    n_hidden: int = 2                 # two-layer nets (rule_family bengio)
    heldout_functions: list | None = None   # boolean_functions: held-out function numbers
    n_epochs: int = 10
    clip: float = 20.0
    fitness_measure: str = "mean"     # mean over measurements, or final epoch only
    # Task environment.
    task_family: str = "linearly_separable"
    task_shapes: list = field(default_factory=lambda: [[6, 8, 3], [4, 4, 2], [8, 8, 4],
                                                       [8, 12, 5], [4, 8, 7]])
    n_heldout: int = 10
    bias: float = -1.0
    init_low: float = 0.0
    init_high: float = 1.0
    task_seed: int | None = None      # None: derived from seed
    # Engineering.
    fitness_cache: bool = True
    flush_interval: float = 1.0       # seconds between archive flushes

    CHOICES = {"optimizer": ("ga", "gp", "cmaes", "es", "sa"), "gp_variant": ("generational", "mu_plus_lambda"), "genome": ("bits", "real"),
               "selection": ("roulette", "tournament"),
               "crossover": ("two_point", "uniform", "blend"),
               "rule_family": ("chalmers", "volterra", "bengio", "conditioning"), "fitness_measure": ("mean", "final"),
               "task_family": ("linearly_separable", "student_teacher", "gaussian_pca",
                               "boolean_functions", "conditioning"),
               "learner": ("single_layer", "student", "reward", "two_layer", "conditioning")}

    def validate(self) -> "RunConfig":
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ConfigError(msg)
        for name, choices in self.CHOICES.items():
            need(getattr(self, name) in choices,
                 f"{name} must be one of {', '.join(choices)}; got {getattr(self, name)!r}")
        for name in ("seed", "n_generations", "population", "tournament_size", "elitism",
                     "n_epochs", "n_heldout", "gp_init_depth", "gp_max_height", "gp_max_size",
                     "gp_constant_steps"):
            v = getattr(self, name)
            need(isinstance(v, int) and not isinstance(v, bool), f"{name} must be an integer; got {v!r}")
        need(0 <= self.seed < 2 ** 63, "seed must be in 0..2^63-1")
        need(self.task_seed is None or (isinstance(self.task_seed, int) and self.task_seed >= 0),
             "task_seed must be a non-negative integer or null")
        need(self.n_generations >= 1, "n_generations must be >= 1")
        need(self.population >= 2, "population must be >= 2")
        need(0 <= self.elitism < self.population, "elitism must be in 0..population-1")
        need(self.tournament_size >= 1, "tournament_size must be >= 1")
        need(self.n_epochs >= 1, "n_epochs must be >= 1")
        need(1 <= self.gp_init_depth <= self.gp_max_height <= 17,
             "need 1 <= gp_init_depth <= gp_max_height <= 17")
        need(self.gp_max_size >= 3, "gp_max_size must be >= 3")
        need(self.gp_variant != "mu_plus_lambda" or self.crossover_prob + self.gp_mutation_prob <= 1.0,
             "mu_plus_lambda needs crossover_prob + gp_mutation_prob <= 1")
        need(self.gp_constant_steps >= 0, "gp_constant_steps must be >= 0")
        need(isinstance(self.parsimony_size, (int, float)) and
             (self.parsimony_size == 0 or 1.0 <= self.parsimony_size <= 2.0),
             "parsimony_size must be 0 (off) or in [1, 2]")
        unary = ("neg", "square", "tanh", "pexp")
        need(isinstance(self.gp_unary, (list, tuple)) and all(u in unary for u in self.gp_unary),
             f"gp_unary must be a list of {', '.join(unary)}")
        for name in ("crossover_prob", "mutation_indpb", "gp_mutation_prob"):
            v = getattr(self, name)
            need(isinstance(v, (int, float)) and 0.0 <= v <= 1.0, f"{name} must be in [0, 1]; got {v!r}")
        need(self.optimizer == "gp" or self.learner == "single_layer",
             "learners other than single_layer need optimizer 'gp' (symbolic rules)")
        need((self.learner == "student") == (self.task_family == "student_teacher"),
             "learner 'student' goes with task_family 'student_teacher' and only with it")
        for learner, family in (("two_layer", "boolean_functions"), ("conditioning", "conditioning")):
            need(self.optimizer != "gp" or (self.learner == learner) == (self.task_family == family),
                 f"with optimizer 'gp', learner {learner!r} goes with task_family {family!r}"
                 " and only with it")
        need((self.rule_family == "volterra") == (self.task_family == "gaussian_pca")
             or self.optimizer == "gp",
             "rule_family 'volterra' goes with task_family 'gaussian_pca' and only with it")
        need((self.rule_family == "conditioning") == (self.task_family == "conditioning")
             or self.optimizer == "gp",
             "rule_family 'conditioning' goes with task_family 'conditioning' and only with it")
        need(not (self.rule_family in ("volterra", "bengio", "conditioning") and self.genome == "bits"),
             f"rule_family {self.rule_family!r} needs genome 'real'")
        need((self.rule_family == "bengio") == (self.task_family == "boolean_functions")
             or self.optimizer == "gp",
             "rule_family 'bengio' goes with task_family 'boolean_functions' and only with it")
        need(isinstance(self.n_hidden, int) and 1 <= self.n_hidden <= 64, "n_hidden must be in 1..64")
        if self.rule_terms is not None:
            from .rules import RULE_FAMILIES
            names = RULE_FAMILIES[self.rule_family].TERM_NAMES
            need(self.genome == "real" and self.optimizer != "gp",
                 "rule_terms needs genome 'real' and a parametric optimizer")
            need(isinstance(self.rule_terms, list) and 0 < len(self.rule_terms) == len(set(self.rule_terms))
                 and all(t in names for t in self.rule_terms),
                 f"rule_terms must be distinct names among: {', '.join(names)}")
            need(self.optimizer != "es" or self.population % 2 == 0, "es needs an even population")
        need(isinstance(self.l1_penalty, (int, float)) and 0 <= self.l1_penalty < float("inf"),
             "l1_penalty must be a number >= 0")
        need(self.optimizer != "cmaes" or (self.genome == "real" and self.population >= 4),
             "optimizer 'cmaes' needs genome 'real' and population >= 4")
        need(self.optimizer != "es" or (self.genome == "real" and self.population % 2 == 0),
             "optimizer 'es' needs genome 'real' and an even population (antithetic pairs)")
        need(self.sa_t_end <= self.sa_t0, "sa_t_end must be <= sa_t0")
        need(isinstance(self.sa_decay, (int, float)) and 0 < self.sa_decay <= 1,
             "sa_decay must be in (0, 1]")
        for name in ("mutation_sigma", "clip", "flush_interval", "eta", "cma_sigma", "es_sigma",
                     "es_lr", "sa_step", "sa_t0", "sa_t_end"):
            v = getattr(self, name)
            need(isinstance(v, (int, float)) and v > 0 and not math.isnan(v),
                 f"{name} must be > 0; got {v!r}")
        for name in ("bias", "init_low", "init_high"):
            v = getattr(self, name)
            need(isinstance(v, (int, float)) and math.isfinite(v), f"{name} must be a finite number")
        need(self.init_low <= self.init_high, "init_low must be <= init_high")
        need(not (self.crossover == "blend" and self.genome == "bits"),
             "crossover 'blend' needs genome 'real'")
        shapes_ok = (isinstance(self.task_shapes, (list, tuple)) and len(self.task_shapes) > 0
                     and all(isinstance(s, (list, tuple)) and len(s) == 3
                             and all(isinstance(x, int) and x >= 0 for x in s)
                             for s in self.task_shapes))
        need(shapes_ok, "task_shapes must be a list of [count, patterns, inputs] integer triples")
        if self.task_family == "conditioning":
            need(len(self.task_shapes) == 1 and 1 <= self.task_shapes[0][0] <= 100,
                 "conditioning takes one shape [instances per protocol (1..100), 0, 0]")
        elif self.task_family == "boolean_functions":
            need(len(self.task_shapes) == 1 and 1 <= self.task_shapes[0][2] <= 3,
                 "boolean_functions takes one shape [1, 2^inputs, inputs] with 1..3 inputs")
            n_functions = 2 ** (2 ** self.task_shapes[0][2])
            hf = self.heldout_functions
            need(hf is None or (isinstance(hf, list) and len(set(hf)) == len(hf) > 0
                                and all(isinstance(k, int) and 0 <= k < n_functions for k in hf)
                                and len(hf) < n_functions),
                 f"heldout_functions must be distinct function numbers in 0..{n_functions - 1}")
        elif self.task_family == "linearly_separable":
            need(all(1 <= s[2] <= 20 and 2 <= s[1] <= 2 ** s[2] for s in self.task_shapes),
                 "each task shape needs 1..20 inputs and 2..2^inputs patterns")
        else:
            need(all(1 <= s[2] <= 1000 and 1 <= s[1] <= 100_000 for s in self.task_shapes),
                 "each task shape needs 1..1000 inputs and 1..100000 patterns")
        n_tasks = (2 ** (2 ** self.task_shapes[0][2]) if self.task_family == "boolean_functions"
                   else 5 * self.task_shapes[0][0] if self.task_family == "conditioning"
                   else sum(s[0] for s in self.task_shapes))
        need(1 <= self.n_heldout < n_tasks, f"n_heldout must be in 1..{n_tasks - 1}")
        return self

    def to_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict, base: "RunConfig | None" = None) -> "RunConfig":
        """Overrides fields of `base` (or the defaults); unknown keys are errors."""
        if not isinstance(data, dict):
            raise ConfigError("a config must be a mapping of field names to values")
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown config field(s): {', '.join(unknown)}")
        values = (base or cls()).to_dict()
        values.update(data)
        # Floats given as ints (e.g. clip = 20) are fine.
        for f in dataclasses.fields(cls):
            if f.type == "float" and isinstance(values[f.name], int) and not isinstance(values[f.name], bool):
                values[f.name] = float(values[f.name])
        return cls(**values).validate()


def load_config_file(path: str) -> dict:
    """Reads a TOML or JSON config file into a dict; one-line errors."""
    import tomllib
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    try:
        if path.endswith(".json"):
            data = json.loads(raw.decode("utf-8"))
        else:
            data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"config file {path} is not valid {'JSON' if path.endswith('.json') else 'TOML'}: {first}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a table of fields")
    return data
