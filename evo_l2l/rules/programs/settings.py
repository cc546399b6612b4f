"""The settings of the rule family `automl_zero` (the [rule] section): memory sizes, the op
sets of the component functions, program sizes, the immediates and the mutations a child
draws from (optimizers/program_mutations.py), the FEC and the selection stage."""
from __future__ import annotations

from dataclasses import dataclass

from ...components import Settings, need, setting
from ...kernels.programs import OPS
from .program import COMPONENTS, MAX_INSTRUCTIONS, OP_KEYS, Program
from .text import parse_program, program_of

MUTATION_KINDS = ("insert_remove", "randomize_component", "modify_argument",
                  "randomize_instruction")

# The op set of the linear-regression demo (scalar and vector arithmetic; constants and
# initialisers in Setup), a subset of the paper's: its search space holds SGD.
LINEAR_SETUP_OPS = ["s=const(f)", "s=uniform(ff)", "s=gaussian(ff)", "v=uniform(ff)",
                    "v=gaussian(ff)"]
LINEAR_OPS = ["s=add(ss)", "s=sub(ss)", "s=mul(ss)", "s=div(ss)", "s=abs(s)", "s=exp(s)",
              "s=log(s)", "s=heaviside(s)", "v=mul(sv)", "v=add(vv)", "v=sub(vv)",
              "v=mul(vv)", "s=dot(vv)", "s=norm(v)", "s=mean(v)", "v=broadcast(s)"]


@dataclass
class ProgramSettings(Settings):
    n_scalar: int = setting(4, "scalar addresses (s0 label, s1 prediction)", low=2, high=64)
    n_vector: int = setting(3, "vector addresses (v0 features)", low=1, high=64)
    n_matrix: int = setting(0, "matrix addresses", low=0, high=64)
    setup_ops: list[str] = setting(list(LINEAR_SETUP_OPS), "ops Setup draws from (as "
                                   "`evo-l2l components` lists them, e.g. s=const(f))")
    predict_ops: list[str] = setting(list(LINEAR_OPS), "ops Predict draws from")
    learn_ops: list[str] = setting(list(LINEAR_OPS), "ops Learn draws from")
    init_sizes: list[int] = setting([2, 2, 4], "instructions of Setup, Predict, Learn in a "
                                    "random program (initial population, random search)")
    max_sizes: list[int] = setting([8, 8, 12], "most instructions of Setup, Predict, Learn")
    min_sizes: list[int] = setting([0, 1, 0], "fewest instructions of Setup, Predict, Learn")
    const_scale: float = setting(1.0, "random immediates: constants ~ N(0, scale); "
                                 "initialisers' ranges and deviations from the same",
                                 low=0, low_open=True)
    evolve: list[str] = setting(["setup", "predict", "learn"], "the component functions "
                                "searched; the others are `fixed`'s (the paper's 'learning "
                                "only' experiments search Learn alone)",
                                choices=COMPONENTS)
    fixed: str = setting("", "a program text whose components not in `evolve` every program "
                         "shares (needed when evolve leaves one out)")
    const_step: float = setting(0.2, "modifying an immediate: half the time a fresh draw, "
                                "half the time the old value times exp(N(0, const_step)) "
                                "(ours; it tunes rates finely)", low=0)
    fec_cache_size: int = setting(100_000, "functional-equivalence cache: fingerprints kept "
                                  "(LRU); 0 (or run.fitness_cache false): off", low=0)
    fec_train: int = setting(10, "fingerprint: predictions on this many training examples",
                             low=1)
    fec_valid: int = setting(10, "fingerprint: and on this many validation examples", low=0)
    fec_verify: bool = setting(False, "also evaluate every FEC hit in full and count the "
                               "hits whose full fitness differs from the cached one "
                               "(collisions); the cached value is still used, so the search "
                               "is the FEC run's (its cost: the run without FEC, on the same "
                               "path)")
    mutations: list[str] = setting(list(MUTATION_KINDS[:3]), "the mutations a child draws from "
                                   "(uniformly): insert_remove, randomize_component, "
                                   "modify_argument (the paper's); randomize_instruction (the "
                                   "demo's run_demo.sh, with fixed sizes: no insert_remove)",
                                   choices=MUTATION_KINDS)
    const_init: str = setting("gaussian", "a constant's draw: gaussian N(0, const_scale); "
                              "uniform U(-const_scale, const_scale) (the paper's code)",
                              choices=("gaussian", "uniform"))
    const_mutation: str = setting("redraw_or_scale", "modifying an immediate: redraw_or_scale "
                                  "(ours, const_step); flip_or_log_scale: the sign flipped with "
                                  "probability 0.1, else times exp(N(0, 1)) (the paper's code)",
                                  choices=("redraw_or_scale", "flip_or_log_scale"))
    write_inputs: bool = setting(True, "instructions may write s0 (the label) and v0 (the "
                                 "features); false: outputs are s1.. and v1.. (the paper's code: "
                                 "kFirstOutScalarAddress = kFirstOutVectorAddress = 1)")
    experiment_size: int = setting(0, "restarts (the demo's --max_experiments=0): children per "
                                   "experiment; after each, the search starts again from "
                                   "random programs on fresh search tasks (FEC keys of their "
                                   "own), the selection and unseen tasks stay; the run's "
                                   "budget counts every experiment's children. 0: one "
                                   "experiment", low=0)
    sufficient_fitness: float = setting(0.0, "end the run (complete) at the first archived "
                                        "generation where the run's program's selection "
                                        "fitness (without selection tasks: its search "
                                        "fitness) exceeds this (the demo: 0.9999); 0: never",
                                        low=0, high=1)
    select_top: int = setting(10, "selection stage (the tasks' n_select selection tasks): at "
                              "each archived generation the population's this many best "
                              "programs by search fitness (distinct after dead-code removal) "
                              "are scored on the selection tasks, and the run's best program "
                              "is the best there so far (the paper's code: 1, the final "
                              "population's best); 0: the best by search fitness", low=0)

    def check(self) -> None:
        for comp in COMPONENTS:
            ops = getattr(self, f"{comp}_ops")
            need(len(ops) > 0, f"{comp}_ops must name at least one op")
            bad = [o for o in ops if o not in OP_KEYS]
            need(not bad, f"{comp}_ops: unknown op(s) {', '.join(bad)}; ops: {', '.join(OP_KEYS)}")
            if self.n_matrix == 0:
                mat = [o for o in ops if "m" in OPS[OP_KEYS.index(o)][1] + OPS[OP_KEYS.index(o)][2]]
                need(not mat, f"{comp}_ops use matrices ({', '.join(mat)}) but n_matrix is 0")
        for name in ("init_sizes", "max_sizes", "min_sizes"):
            v = getattr(self, name)
            need(len(v) == 3 and all(0 <= x <= MAX_INSTRUCTIONS for x in v),
                 f"{name} must be 3 numbers (Setup, Predict, Learn) in 0..{MAX_INSTRUCTIONS}")
        need(all(lo <= i <= hi for lo, i, hi in zip(self.min_sizes, self.init_sizes,
                                                    self.max_sizes)),
             "need min_sizes <= init_sizes <= max_sizes in each component")
        need(self.max_sizes[1] >= 1, "Predict needs room for an instruction")
        need(len(self.mutations) > 0 and len(set(self.mutations)) == len(self.mutations),
             "mutations must name distinct mutations")
        if not self.write_inputs:
            need(self.n_scalar >= 2 and self.n_vector >= 2, "write_inputs false needs an "
                 "address to write besides s0 and v0: n_scalar and n_vector at least 2")
        need(len(self.evolve) > 0 and len(set(self.evolve)) == len(self.evolve),
             "evolve must name distinct components")
        if len(self.evolve) < 3:
            need(bool(self.fixed.strip()), "evolve leaves out a component: give `fixed`, a "
                 "program text whose other components every program shares")
            try:
                parse_program(self.fixed, (self.n_scalar, self.n_vector, self.n_matrix))
            except ValueError as exc:
                need(False, f"fixed: {exc}")

    def searched(self) -> list[int]:
        return [c for c, name in enumerate(COMPONENTS) if name in self.evolve]

    def fixed_program(self) -> "Program | None":
        if len(self.evolve) == 3:
            return None
        return program_of(self.fixed, (self.n_scalar, self.n_vector, self.n_matrix))

    def genome_kind(self) -> str:
        return "program"

    def op_codes(self, component: int) -> list[int]:
        return [OP_KEYS.index(o) for o in getattr(self, f"{COMPONENTS[component]}_ops")]
