"""Continual learning on glyphs: class-incremental over alphabets, GP rule, sparse layer.

continual-glyphs-gp is continual-split-digits-gp (experiments/digits_gp.py) on the task
family continual_glyphs (tasks/continual_glyphs.py): a sequence is 5 tasks, each 5 classes
of one alphabet (10 training images per class, one pass; 10 test images per class), the
prediction the argmax over all 25 outputs (class-incremental). Meta-training sequences use
background alphabets, the run's held-out sequences validation alphabets. The learner:
14 x 14 glyphs (197 inputs) into a fixed layer of 4096 binary k-winners-take-all units
(k = 64; FlyModel, Shen, Dasgupta & Navlakha 2021), only the output synapses of active
units learn, by a GP rule over (a, o, w, m), w += 0.1 * tree. `evo-l2l evaluate` credits
the rule by its paired difference from the same layer with the delta rule.
"""
import dataclasses

from . import digits_gp

_TASKS = {"name": "continual_glyphs", "size": 14, "n_tasks": 5, "n_classes_per_task": 5,
          "n_train_per_class": 10, "n_test_per_class": 10, "n_train_episodes": 8,
          "n_heldout": 4, "n_hidden": 4096}
_TOY = {"tasks.n_train_episodes": 1, "tasks.n_heldout": 1, "tasks.n_hidden": 16,
        "learner.k_active": 4, "tasks.n_tasks": 3, "tasks.n_classes_per_task": 3,
        "tasks.n_train_per_class": 3, "tasks.n_test_per_class": 2}

continual_glyphs_gp = dataclasses.replace(
    digits_gp.continual.variant(
        "continual-glyphs-gp",
        "glyph alphabets, class-incremental (5 alphabets x 5 classes, one pass each), GP rule "
        "on a wide sparse (k-WTA) fixed hidden layer; held out on validation alphabets",
        {"tasks": _TASKS}, doc=__doc__),
    PAPER=("Lopez-Paz & Ranzato 2017 (continual metrics); van de Ven & Tolias 2019 "
           "(class-incremental); Schwarz et al. 2018 (alphabets as tasks); Shen, Dasgupta & "
           "Navlakha 2021 (FlyModel)"),
    PAPER_NUMBERS={}, toy=_TOY)
