"""AutoML-Zero: evolving whole learning algorithms from basic mathematical operations.

Real, Liang, So & Le (2020), "AutoML-Zero: evolving machine learning algorithms from
scratch" (ICML). A program of three component functions (Setup, Predict, Learn) over
scalar and vector memory is the learning algorithm; regularised evolution (tournament
T = 10, mutation probability U = 0.9, the paper's mutations) searches programs, scored by
how well they learn fresh tasks; functional-equivalence checking (FEC) skips programs
whose predictions on 10 + 10 fixed examples were seen before.

- `automl-zero-linear`: the paper's demo, linear regression, F = 4, 10 search tasks of 100
  training / 100 validation examples; success: the best program scores > 0.9999 (the paper's
  1 - (2/pi) atan(RMS), mean over 100 unseen tasks). At the difficulty the paper compares
  evolution with random search on (its section 4.1 restricts each search to the ops the
  solution needs): Predict is given (s1 = dot(v1, v0)), Setup searched over constants and
  Learn over sub, mul (scalar), mul (scalar x vector), add (vector). Population 100 (the
  paper: 1000), to fit budgets of 1e5 individuals; scripts/reproduce_automl_zero.py runs
  population 1000 and archives (and runs the selection stage) every 10,000 children. The
  run's program is the best of the search's best candidates on 100 selection tasks
  (rule.select_top), judged on 100 unseen tasks of 1000 training examples (the demo's).
- `automl-zero-linear-full`: the same tasks with all three components searched over the
  scalar/vector subset of the paper's ops (rules/programs/settings.py LINEAR_OPS): much harder; not
  solved within 2e5 individuals in our trials.
- `automl-zero-linear-demo`: the search space of the paper's demo (google-research
  automl_zero run_demo.sh): Setup, Predict and Learn all searched over the same six ops
  (scalar constant, dot, scalar difference, scalar product, scalar x vector, vector sum),
  fixed sizes 10 / 2 / 8 (random programs of those sizes; no insertion or removal), the
  mutations alter a parameter / randomise an instruction / randomise a component, memory 4
  scalars / 3 vectors / 1 matrix, outputs never s0 or v0, constants U(-1, 1) and altered by
  a sign flip (probability 0.1) or a factor exp(N(0, 1)), as the paper's code.
- `automl-zero-digits`: projected binary classification of pairs of scikit-learn's 8x8
  digits (F = 8), search pairs and held-out pairs disjoint, the search space of
  automl-zero-linear (the prediction goes through a sigmoid: SGD there is logistic
  regression); compared with logistic regression (scripts/reproduce_automl_zero.py).
"""
from .preset import Preset

_RUN = {"n_generations": 200, "population": 100}
_OPT = {"name": "program_search", "strategy": "evolution", "tournament_size": 10,
        "mutation_prob": 0.9, "children_per_call": 50}

LEARN_ONLY = {"name": "automl_zero", "evolve": ["setup", "learn"],
              "fixed": "setup:\npredict:\n  s1 = dot(v1, v0)\nlearn:\n",
              "setup_ops": ["s=const(f)"],
              "learn_ops": ["s=sub(ss)", "s=mul(ss)", "v=mul(sv)", "v=add(vv)"],
              "init_sizes": [1, 1, 4]}
_PAPER = {
    "success": ("linear regression solved (fitness > 0.9999 on 100 unseen tasks) within 1e6 "
                "individuals; evolution's success rate 5x random search's at this "
                "difficulty", "P"),
    "throughput": ("2,000-10,000 algorithms/s/core (C++)", "P"),
    "fec": ("functional-equivalence checking: about 4x faster", "P"),
}
_TOY = {"optimizer.children_per_call": 10, "tasks.n_heldout": 5, "tasks.n_search": 3,
        "tasks.n_train": 20, "tasks.n_valid": 20, "tasks.n_select": 4,
        "tasks.n_train_unseen": 40}

linear = Preset(
    "automl-zero-linear",
    "Real, Liang, So & Le 2020 (AutoML-Zero), the linear regression demo",
    "evolve Setup and Learn of a linear model's learning algorithm (F = 4): is SGD found?",
    {"run": dict(_RUN), "optimizer": dict(_OPT), "rule": dict(LEARN_ONLY),
     "learner": {"name": "program_interpreter"}, "tasks": {"name": "program_linear"}},
    PAPER_NUMBERS=dict(_PAPER), doc=__doc__, toy=dict(_TOY))

DEMO_OPS = ["s=const(f)", "s=dot(vv)", "s=sub(ss)", "s=mul(ss)", "v=mul(sv)", "v=add(vv)"]
DEMO = {"name": "automl_zero", "n_scalar": 4, "n_vector": 3, "n_matrix": 1,
        "setup_ops": list(DEMO_OPS), "predict_ops": list(DEMO_OPS), "learn_ops": list(DEMO_OPS),
        "init_sizes": [10, 2, 8], "min_sizes": [10, 2, 8], "max_sizes": [10, 2, 8],
        "mutations": ["modify_argument", "randomize_instruction", "randomize_component"],
        "const_init": "uniform", "const_scale": 1.0, "const_mutation": "flip_or_log_scale",
        "write_inputs": False}

linear_demo = Preset(
    "automl-zero-linear-demo",
    "Real, Liang, So & Le 2020 (AutoML-Zero), the linear regression demo (run_demo.sh)",
    "evolve whole Setup/Predict/Learn programs in the demo's own search space (six ops, "
    "sizes 10/2/8): is linear regression by SGD found?",
    {"run": dict(_RUN), "optimizer": dict(_OPT), "rule": dict(DEMO),
     "learner": {"name": "program_interpreter"}, "tasks": {"name": "program_linear"}},
    PAPER_NUMBERS=dict(_PAPER), doc=__doc__, toy=dict(_TOY))

linear_full = Preset(
    "automl-zero-linear-full",
    "Real, Liang, So & Le 2020 (AutoML-Zero), the linear regression demo",
    "evolve whole Setup/Predict/Learn programs that learn linear regression (F = 4)",
    {"run": dict(_RUN), "optimizer": dict(_OPT), "rule": {"name": "automl_zero"},
     "learner": {"name": "program_interpreter"}, "tasks": {"name": "program_linear"}},
    PAPER_NUMBERS=dict(_PAPER), doc=__doc__, toy=dict(_TOY))

digits = Preset(
    "automl-zero-digits",
    "Real, Liang, So & Le 2020 (AutoML-Zero), projected binary classification (digits)",
    "evolve Setup and Learn of a program that tells two digits apart (projection, F = 8)",
    {"run": dict(_RUN), "optimizer": dict(_OPT),
     "rule": dict(LEARN_ONLY),
     "learner": {"name": "program_interpreter"}, "tasks": {"name": "program_digits"}},
    PAPER_NUMBERS={
        "digits": ("the paper evolves on projected binary CIFAR-10 / MNIST pairs and compares "
                   "with hand-designed baselines; not digits", "S"),
    }, doc=__doc__, toy={"optimizer.children_per_call": 10, "tasks.n_heldout": 3,
                         "tasks.n_search": 3, "tasks.n_train": 20, "tasks.n_valid": 20})
