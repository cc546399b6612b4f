"""Learning to optimize: the optimizer that trains small MLPs, evolved, against Adam.

Chen et al. (2023), "Symbolic discovery of optimization algorithms" (Lion: program search
over update programs); Metz et al. (2022), "VeLO: training versatile learned optimizers by
scaling up"; Lange et al. (2023), "Discovering evolution strategies via meta-black-box
optimization" (LES). Meta-training tasks: MNIST-1D nets of 1-2 hidden layers (tasks/net_training.py, TASKS
below); held-out tasks from the same distribution on held-out rows. The harder held-out families (wide, deep, long, digits, regression, relu) are
scripts/learning_to_optimize.py's.

l2o-programs: regularised evolution (optimizers/aging.py) over update programs of up to 10
instructions (rules/update_programs.py) from random programs; fitness the mean over tasks of
1 - final test loss / initial test loss.
l2o-learned: CMA-ES over a learned optimizer's rate and 12 feature weights
(rules/learned_optimizers.py).
l2o-programs-regression: l2o-programs meta-trained on teacher-net regression, where
momentum pays, with insertion mutations (optimizer.insert_prob): the rediscovery of
momentum from random programs.
l2o-programs-scaled: l2o-programs-regression on wider nets for fewer steps, each task's loss
times a factor between 1e-4 and 100: the same problems with gradients of sizes six decades
apart, where only a step whose size does not follow the gradient's (a sign, a division by a
second moment) trains every task with one learning rate.
"""
from .preset import Preset

PAPER = ("Chen et al. 2023, Symbolic discovery of optimization algorithms (Lion); Metz et al. "
         "2022, VeLO")
# Meta-training: 8 MNIST-1D nets (4 more held out) of 1-2 hidden layers of 16-64 tanh or
# ReLU units, minibatches of 16-64 of 1536 training rows, 200 steps, initial scales 0.25-4:
# nets that are still learning at the end (the test loss tracks the training loss), so the
# optimizer, not regularisation, sets the final loss; varied enough that one learning
# rate does not suit every net.
TASKS = {"name": "net_training", "dataset": "mnist1d", "n_tasks": 12, "n_heldout": 4,
         "n_train": 1536, "n_test": 512, "n_steps": 200, "min_hidden": 1, "max_hidden": 2,
         "min_width": 16, "max_width": 64, "activations": ["tanh", "relu"], "min_batch": 16,
         "max_batch": 64, "min_init_scale": 0.25, "max_init_scale": 4.0}
LEARNER = {"name": "mlp_trainer", "n_epochs": 4, "fitness_measure": "final"}
NUMBERS = {"lion": ("Lion: sign(interp(m, g, 0.9)), m <- interp(m, g, 0.99); its learning rate "
                    "3-10x smaller than AdamW's", "V"),
           "velo": ("VeLO: meta-trained with 4000 TPU-months", "V")}

programs = Preset(
    "l2o-programs", PAPER,
    "optimizer programs (g, w, 3 state slots, 10 instructions) searched from random programs "
    "by regularised evolution, scored by training MNIST-1D MLPs; against tuned Adam",
    {"optimizer": {"name": "aging", "tournament_size": 10, "mutation_prob": 0.9,
                   "mutation_indpb": 0.04, "children_per_call": 50, "in_flight": 1},
     "rule": {"name": "update_program"}, "learner": dict(LEARNER), "tasks": dict(TASKS),
     "run": {"population": 100, "n_generations": 100}},
    PAPER_NUMBERS=NUMBERS, doc=__doc__,
    toy={"tasks.n_tasks": 4, "tasks.n_heldout": 2, "tasks.n_steps": 10, "tasks.n_train": 64,
         "tasks.n_test": 64})

# Rediscovery: teacher-net regression with minibatches of 64 on nets of 16-32 units, where
# momentum pays (scripts/l2o_landscape.py: tuned Adam and signed momentum about 0.049 of
# the initial loss, RMSprop 0.051, signSGD 0.056, SGD 0.089), and a search that can insert
# an instruction in the path of a live read (optimizer.insert_prob): per-gene mutation alone
# needs two coincident changes to put an accumulator between g and the step.
REDISCOVERY_TASKS = {**TASKS, "dataset": "regression", "min_batch": 64, "max_batch": 64,
                     "max_width": 32}
programs_regression = Preset(
    "l2o-programs-regression", PAPER,
    "optimizer programs searched from random programs with insertion mutations, scored by "
    "training teacher-net regression MLPs where momentum pays; does the search rediscover "
    "momentum?",
    {"optimizer": {"name": "aging", "tournament_size": 10, "mutation_prob": 0.9,
                   "mutation_indpb": 0.04, "children_per_call": 50, "in_flight": 1,
                   "insert_prob": 0.5},
     "rule": {"name": "update_program"}, "learner": dict(LEARNER),
     "tasks": dict(REDISCOVERY_TASKS), "run": {"population": 100, "n_generations": 200}},
    PAPER_NUMBERS=NUMBERS, doc=__doc__,
    toy={"tasks.n_tasks": 4, "tasks.n_heldout": 2, "tasks.n_steps": 10, "tasks.n_train": 64,
         "tasks.n_test": 64, "tasks.min_batch": 16, "tasks.max_batch": 16})

# Scaled losses: on l2o-programs-regression's tasks a clip at a fixed constant is as good a
# normaliser as a sign (clipped momentum 0.049, signed momentum 0.050 of the initial loss);
# with losses 1e-4..1 times their size the constant cannot suit every task (clipped
# momentum 0.25, SGD 0.58) while Adam (0.048) and signed momentum (0.050) are unchanged.
# Nets of 32-64 units for 100 steps, where signed momentum is further ahead of signSGD
# (0.062 against 0.078), and factors up to 100, so that large gradients count too.
SCALED_TASKS = {**REDISCOVERY_TASKS, "min_width": 32, "max_width": 64, "n_steps": 100,
                "min_loss_scale": 1e-4, "max_loss_scale": 100.0}
programs_scaled = programs_regression.variant(
    "l2o-programs-scaled",
    "l2o-programs-regression on nets of 32-64 units for 100 steps, each task's loss scaled by "
    "1e-4..100, so that a step must not follow the gradient's size; does the search "
    "rediscover sign- or second-moment-normalised momentum?",
    {"tasks": dict(SCALED_TASKS)})

learned = Preset(
    "l2o-learned", PAPER,
    "a learned optimizer (rate and weights of 12 gradient-history features) evolved by CMA-ES, "
    "scored by training MNIST-1D MLPs; against tuned Adam",
    {"optimizer": {"name": "cmaes", "sigma": 0.3}, "rule": {"name": "learned_optimizer"},
     "learner": dict(LEARNER), "tasks": dict(TASKS),
     "run": {"population": 24, "n_generations": 60}},
    PAPER_NUMBERS=NUMBERS, doc=__doc__,
    toy={"tasks.n_tasks": 4, "tasks.n_heldout": 2, "tasks.n_steps": 10, "tasks.n_train": 64,
         "tasks.n_test": 64})
