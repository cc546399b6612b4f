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
from .preset import Preset

PAPER = "Bengio, Bengio & Cloutier 1991, Learning a synaptic learning rule (IJCNN-91)"
HELDOUT = [6, 8, 14, 7, 10, 2]
# Settings when a user switches these presets to the GA (`--set optimizer=ga`).
_ALTERNATIVES = {"optimizer": {"ga": {"selection": "tournament", "crossover": "blend",
                                      "mutation_indpb": 0.2, "mutation_sigma": 0.1}}}

boolean = Preset(
    "bengio1991-boolean", PAPER,
    "one local rule (a, o, w, broadcast error m) for 2-2-1 nets; held-out Boolean functions",
    {"optimizer": {"name": "cmaes", "sigma": 0.3}, "rule": {"name": "bengio"},
     "learner": {"name": "two_layer", "n_epochs": 30, "clip": 20.0, "fitness_measure": "mean"},
     "tasks": {"name": "boolean_functions", "n_inputs": 2, "n_hidden": 2,
               "heldout_functions": HELDOUT, "n_heldout": len(HELDOUT), "init_low": -1.0,
               "init_high": 1.0},
     "run": {"population": 40, "n_generations": 300}},
    _ALTERNATIVES,
    PAPER_NUMBERS={"generalisation": ("rules learned on some Boolean functions learn new ones; "
                                      "numbers not verified", "?")},
    doc=__doc__)

conditioning = Preset(
    "bengio1991-conditioning", PAPER,
    "one local rule for an Aplysia-like circuit: acquisition, extinction, blocking...",
    {"optimizer": {"name": "cmaes", "sigma": 0.3}, "rule": {"name": "conditioning"},
     "learner": {"name": "conditioning", "n_epochs": 1, "clip": 20.0, "fitness_measure": "final"},
     "tasks": {"name": "conditioning", "instances": 6, "n_heldout": 10, "init_low": -0.5,
               "init_high": 0.5},
     "run": {"population": 40, "n_generations": 300}},
    _ALTERNATIVES,
    PAPER_NUMBERS={"phenomena": ("the learned rule reproduces conditioning phenomena", "V")},
    doc="""bengio1991-conditioning: the rule reproduces conditioning phenomena.

    The Aplysia-like circuit of kernels/conditioning.py and the protocols of
    tasks/conditioning.py (acquisition, extinction, blocking, differential,
    unpaired), 6 instances each, 10 of the 30 held out; the 16-term rule over
    (a, o, w, f) of rules/conditioning.py, CMA-ES; one pass through each
    protocol, performance at the probe trials. Does evolution find
    Rescorla-Wagner a*(f - o), which explains all five, rather than
    activity-dependent facilitation a*f?
    """)

# The same tasks, nets and fitness with the rule's form searched by GP (as Bengio, Bengio &
# Cloutier did in 1994): trees over the same local variables, w += rule. GP settings are ours.
_GP = {"optimizer": {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8,
                     "mutation_prob": 0.2, "elitism": 1},
       "rule": {"name": "symbolic", "eta": 1.0}, "run": {"n_generations": 300}}
boolean_gp = boolean.variant("bengio1991-boolean-gp",
                             "one local rule for 2-2-1 nets: the form searched by GP "
                             "(the delta rule a*m?)", _GP, alternatives={})
conditioning_gp = conditioning.variant("bengio1991-conditioning-gp",
                                       "one local rule for an Aplysia-like circuit: the form "
                                       "searched by GP (Rescorla-Wagner a*(f - o)?)", _GP,
                                       alternatives={})
