"""Bengio, Bengio & Cloutier (1991), "Learning a synaptic learning rule" (IJCNN-91):
one parametric local rule, shared by every synapse of two-layer networks,
learned on some Boolean functions and tested on held-out ones [V: the
setting; the exact parameterisation and numbers are not verified, ?].

Ours: all 16 two-input Boolean functions, 2-2-1 sigmoid nets with biases and
random initial weights per task, 30 epochs of online learning; the rule is
the 16-term multilinear form over (a, o, w, m) of rules/bengio.py with the
output error broadcast as m; held out: XOR (6), AND (8), OR (14), NAND (7),
x1 (10) and x1 AND NOT x2 (2), so both non-separable functions are split
between training (XNOR, 9) and testing (XOR). CMA-ES by default;
scripts/compare_optimizers.py compares GA, CMA-ES, ES and SA, and
scripts/reproduce_bengio1991.py adds backpropagation on the same nets.
"""
import sys

from ..config import RunConfig

NAME = "bengio1991-boolean"
PAPER = "Bengio, Bengio & Cloutier 1991, Learning a synaptic learning rule (IJCNN-91)"
SUMMARY = "one local rule (a, o, w, broadcast error m) for 2-2-1 nets; held-out Boolean functions"
HELDOUT = [6, 8, 14, 7, 10, 2]


def default_config(**overrides) -> RunConfig:
    base = RunConfig(preset=NAME, optimizer="cmaes", cma_sigma=0.3, genome="real",
                     rule_family="bengio", task_family="boolean_functions",
                     task_shapes=[[1, 4, 2]], n_hidden=2, heldout_functions=HELDOUT,
                     n_heldout=len(HELDOUT), population=40, n_generations=300, n_epochs=30,
                     clip=20.0, fitness_measure="mean", init_low=-1.0, init_high=1.0,
                     selection="tournament", crossover="blend", mutation_indpb=0.2,
                     mutation_sigma=0.1)
    return RunConfig.from_dict(overrides, base)


PAPER_NUMBERS = {
    "generalisation": ("rules learned on some Boolean functions learn new ones; numbers not verified", "?"),
}


class _Conditioning:
    """bengio1991-conditioning: the rule reproduces conditioning phenomena.

    The Aplysia-like circuit of kernels/conditioning.py and the protocols of
    tasks/conditioning.py (acquisition, extinction, blocking, differential,
    unpaired), 6 instances each, 10 of the 30 held out; the 16-term rule over
    (a, o, w, f) of rules/conditioning.py, CMA-ES; one pass through each
    protocol, performance at the probe trials. Does evolution find
    Rescorla-Wagner a*(f - o), which explains all five, rather than
    activity-dependent facilitation a*f?
    """

    NAME = "bengio1991-conditioning"
    PAPER = PAPER
    SUMMARY = "one local rule for an Aplysia-like circuit: acquisition, extinction, blocking..."
    PAPER_NUMBERS = {"phenomena": ("the learned rule reproduces conditioning phenomena", "V")}

    @staticmethod
    def default_config(**overrides) -> RunConfig:
        base = RunConfig(preset="bengio1991-conditioning", optimizer="cmaes", cma_sigma=0.3,
                         genome="real", rule_family="conditioning", task_family="conditioning",
                         task_shapes=[[6, 0, 0]], n_heldout=10, population=40,
                         n_generations=300, n_epochs=1, clip=20.0, fitness_measure="final",
                         init_low=-0.5, init_high=0.5, selection="tournament",
                         crossover="blend", mutation_indpb=0.2, mutation_sigma=0.1)
        return RunConfig.from_dict(overrides, base)


conditioning = _Conditioning()


class _GPVariant:
    """A Bengio 1991 preset with the rule's form searched by GP (as Bengio, Bengio &
    Cloutier did in 1994): the same tasks, nets and fitness; rules are expression
    trees over the same local variables (learner two_layer: a, o, w, m;
    conditioning: a, o, w, f), w += rule. GP settings are ours."""

    _GP = dict(optimizer="gp", selection="tournament", tournament_size=3, crossover_prob=0.8,
               gp_mutation_prob=0.2, elitism=1, eta=1.0)

    def __init__(self, parametric, learner: str, reference: str, n_generations: int):
        self._parametric, self._learner, self._generations = parametric, learner, n_generations
        self.NAME = parametric.NAME + "-gp"
        self.PAPER = PAPER
        self.SUMMARY = parametric.SUMMARY.split(":")[0] + f": the form searched by GP ({reference}?)"
        self.PAPER_NUMBERS = parametric.PAPER_NUMBERS
        self.__doc__ = self.__class__.__doc__

    def default_config(self, **overrides) -> RunConfig:
        base = self._parametric.default_config().to_dict()
        base.update(self._GP, preset=self.NAME, learner=self._learner,
                    n_generations=self._generations)
        return RunConfig.from_dict(overrides, RunConfig.from_dict(base))


boolean_gp = _GPVariant(sys.modules[__name__], "two_layer", "the delta rule a*m", 300)
conditioning_gp = _GPVariant(conditioning, "conditioning", "Rescorla-Wagner a*(f - o)", 300)
