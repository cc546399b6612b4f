"""GP (symbolic) learning rules on real data: few-shot and continual learning.

The protocols, data and metrics of experiments/digits_l2l.py; the rule is an expression
tree over (a, o, w, m) searched by DEAP genetic programming (the GP family of Bengio,
Bengio & Cloutier 1994, as in chalmers1990-gp-modern: small trees, hill-climbing on the
best tree's constants, and here a double tournament with size parsimony), run by the
learner symbolic_episode (kernels/symbolic_episode.py). The net is fresh every episode and
changes only by the rule, online, one pass.

- continual-digits-gp, continual-split-digits-gp (and the -mnist1d variants): a wide fixed
  hidden layer of 4096 binary k-winners-take-all units (k = 64) on random projections, the
  FlyModel of Shen, Dasgupta & Navlakha (2021): sparse codes of different tasks overlap
  little, so learning one task disturbs the others little. Only the output synapses of
  active units (and the bias) learn (`learner.active_only`). Fitness: ACC of 8
  meta-training sequences.
- fewshot-digits-gp: rotated digits, 5-way 1-shot on held-out classes; a fixed layer of 256
  dense tanh random features (a plastic hidden layer learning from five images did worse:
  the hidden layer gives nothing to carry over between episodes but its randomness).
  Fitness: query accuracy on 100 meta-training episodes.

`--set learner.hidden=plastic --set learner.k_active=0 --set learner.active_only=false
--set tasks.n_hidden=32` gives episode_net's own net (both layers learn by the tree).
"""
from .digits_l2l import PAPER
from .preset import Preset

_GP = {"name": "gp", "tournament_size": 3, "crossover_prob": 0.8, "mutation_prob": 0.2,
       "elitism": 1, "max_size": 11, "max_height": 5, "constant_steps": 2,
       "parsimony_size": 1.4}
_SPARSE = {"name": "symbolic_episode", "n_epochs": 1, "clip": 20.0, "fitness_measure": "final",
           "hidden": "fixed", "k_active": 64, "active_only": True}
_CONTINUAL_TASKS = {"n_train_per_task": 60, "n_test_per_task": 60, "n_train_episodes": 8,
                    "n_heldout": 4, "n_hidden": 4096}
_TOY = {"tasks.n_train_episodes": 1, "tasks.n_heldout": 1, "tasks.n_hidden": 16,
        "learner.k_active": 4, "tasks.n_train_per_task": 10, "tasks.n_test_per_task": 5}
_NUMBERS = {
    "sgd_permuted": ("linear SGD one pass, 10 tasks: ACC 0.372, BWT -0.581", "M"),
    "goal_permuted": ("evolved rule ACC >= 0.60 with BWT >= -0.20 (goal)", "?"),
    "goal_split": ("class-incremental split digits ACC > 0.40 (goal)", "?"),
}

continual = Preset(
    "continual-digits-gp", PAPER,
    "permuted digits, 10 tasks one pass each, GP rule on a wide sparse (k-WTA) fixed hidden "
    "layer: R matrix, ACC, BWT, FWT, forgetting beside SGD",
    {"optimizer": _GP, "rule": {"name": "symbolic", "eta": 0.1}, "learner": _SPARSE,
     "tasks": {"name": "permuted_digits", "n_tasks": 10, **_CONTINUAL_TASKS},
     "run": {"population": 100, "n_generations": 50}},
    PAPER_NUMBERS=_NUMBERS, doc=__doc__, toy=_TOY)

continual_split = continual.variant(
    "continual-split-digits-gp",
    "split digits, class-incremental (5 two-digit tasks, one pass each), GP rule, sparse layer",
    {"tasks": {"name": "split_digits", "scenario": "class", **_CONTINUAL_TASKS}})

continual_mnist1d = continual.variant(
    "continual-mnist1d-gp", "permuted MNIST-1D, 10 tasks one pass each, GP rule, sparse layer",
    {"tasks": {"name": "permuted_digits", "dataset": "mnist1d", "n_tasks": 10,
               **_CONTINUAL_TASKS}})

continual_split_mnist1d = continual.variant(
    "continual-split-mnist1d-gp",
    "split MNIST-1D, class-incremental (5 two-class tasks), GP rule, sparse layer",
    {"tasks": {"name": "split_digits", "dataset": "mnist1d", "scenario": "class",
               **_CONTINUAL_TASKS}})

fewshot = Preset(
    "fewshot-digits-gp", PAPER,
    "rotated digits, 5-way 1-shot on held-out classes (7-9), GP rule on fixed random features",
    {"optimizer": _GP, "rule": {"name": "symbolic", "eta": 1.0},
     "learner": {**_SPARSE, "k_active": 0, "active_only": False},
     "tasks": {"name": "rot_digits", "n_way": 5, "k_shot": 1, "n_query": 15,
               "n_train_episodes": 100, "n_heldout": 100, "n_hidden": 256},
     "run": {"population": 100, "n_generations": 40}},
    PAPER_NUMBERS={"1nn_5way_1shot": ("1-NN 0.779 +- 0.005 (nearest centroid 0.783)", "M"),
                   "goal_5way_1shot": ("evolved rule >= 0.80, above 1-NN outside the CI "
                                       "(goal)", "?")},
    doc=__doc__, toy={"tasks.n_train_episodes": 8, "tasks.n_heldout": 4, "tasks.n_hidden": 8})

PRESETS = (fewshot, continual, continual_split, continual_mnist1d, continual_split_mnist1d)
