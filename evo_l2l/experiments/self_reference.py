"""Self-reference, part 2: learners whose learning machinery changes during a lifetime.

- srwm-fewshot: a self-referential weight matrix (Irie, Schlag, Csordas & Schmidhuber,
  ICML 2022; Schmidhuber 1993) learns rotated-digit episodes (2-way 1-shot, held-out
  classes: digits 7-9) by rewriting itself, output, keys, queries and learning rates
  included; evolution (the ES gradient of Salimans et al. 2017, population 128: the
  initial W has 1118 entries, too many for DEAP's full-covariance CMA-ES, whose
  eigendecomposition and covariance learning rate scale badly with the dimension) sets
  the initial W. The
  ablation `--set learner.self_modification=none` keeps W fixed (sigmoid(beta) = 0);
  `fixed_rate` fixes beta at 0 (rate 0.5) instead.
- metaplastic-continual: a plastic rule whose coefficients are the learner's state,
  changed within the lifetime by a second evolved rule driven by the learner's recent
  error (rules/metaplastic.py), on permuted digits with a task switch in mid-life.
"""
from .preset import Preset

PAPER = ("Irie, Schlag, Csordas & Schmidhuber 2022, A modern self-referential weight matrix "
         "that learns to modify itself (ICML); Schmidhuber 1993, A self-referential weight "
         "matrix")
# "M": measured here (scripts/srwm_fewshot.py); "?": goals set for the preset.
_SRWM_NUMBERS = {
    "handwired_2way_1shot": ("hand-built W (delta-rule association, head 0): 0.826 on 2-way "
                             "1-shot held-out classes", "M"),
    "evolved_2way_1shot": ("this preset (ES lr 0.6, population 128, 400 generations) from a "
                           "random W: 0.778 +- 0.016, its frozen-W ablation 0.506; from the "
                           "hand-built W (lr 0.3, population 64): 0.816 (docs/results/self_reference.md)",
                           "M"),
    "goal_2way_1shot": ("evolved SRWM >= 0.80, >= 10 points above the ablation without "
                        "self-modification (goal)", "?"),
    "1nn_5way_1shot": ("1-NN 0.779 on 5-way 1-shot held-out classes", "M"),
}

srwm_fewshot = Preset(
    "srwm-fewshot", PAPER,
    "a self-referential weight matrix learns rotated-digit 2-way 1-shot episodes by "
    "rewriting itself; evolution sets its initial W",
    {"optimizer": {"name": "es", "sigma": 0.3, "lr": 0.6},
     "rule": {"name": "srwm"},
     "learner": {"name": "srwm", "n_epochs": 1, "fitness_measure": "final",
                 "self_modification": "full", "score": "probability"},
     "tasks": {"name": "rot_digits", "n_way": 2, "k_shot": 1, "n_query": 15,
               "n_train_episodes": 256, "n_heldout": 100},
     "run": {"population": 128, "n_generations": 400}},
    {"optimizer": {"cmaes": {"sigma": 0.3}, "sep_cmaes": {"sigma": 0.3}}},
    PAPER_NUMBERS=_SRWM_NUMBERS, doc=__doc__,
    toy={"tasks.n_train_episodes": 8, "tasks.n_heldout": 4})

# Only the terms with the presynaptic activity a (every update proportional to it), as for
# the fixed rule: with all 16 terms per layer, random rules even at sigma 0.003 are at chance
# (constant terms drift every weight), and CMA-ES from 0 at sigma 0.1 reached ACC 0.22 in
# 200 generations where the delta rule gets 0.71 (measured on the training sequences).
_A_TERMS = [f"{layer}:{t}" for layer in ("out", "hid")
            for t in ("a", "a*o", "a*w", "a*m", "a*o*w", "a*o*m", "a*w*m", "a*o*w*m")]
_METAPLASTIC_NUMBERS = {
    "goal": ("meta-plastic vs the fixed rule of the same family (rule=bengio_layers, the same "
             "budget): ACC and BWT on held-out sequences", "?"),
    "measured": ("meta-plastic ACC 0.687, BWT -0.071; fixed rule ACC 0.731, BWT -0.142; delta "
                 "rule ACC 0.719, BWT -0.144 (seed 0, docs/results/self_reference.md)", "M"),
}

metaplastic_continual = Preset(
    "metaplastic-continual",
    "Abraham & Bear 1996 (metaplasticity); Lopez-Paz & Ranzato 2017 (ACC, BWT)",
    "permuted digits, two tasks with a switch in mid-life: a rule whose coefficients follow "
    "the net's error (a second evolved rule) vs the fixed rule (--set rule=bengio_layers)",
    {"optimizer": {"name": "cmaes", "sigma": 0.01},
     "rule": {"name": "metaplastic",
              "terms": _A_TERMS + [f"{g}:{t}" for g in "AB" for t in _A_TERMS] + ["lam", "tau"]},
     "learner": {"name": "episode_net", "n_epochs": 1, "clip": 20.0,
                 "fitness_measure": "final"},
     "tasks": {"name": "permuted_digits", "n_tasks": 2, "n_train_per_task": 120,
               "n_test_per_task": 60, "n_train_episodes": 8, "n_heldout": 8, "n_hidden": 32},
     "run": {"population": 16, "n_generations": 200}},
    {"rule": {"bengio_layers": {"terms": _A_TERMS}}},
    PAPER_NUMBERS=_METAPLASTIC_NUMBERS, doc=__doc__,
    toy={"tasks.n_train_episodes": 2, "tasks.n_heldout": 2, "tasks.n_train_per_task": 10,
         "tasks.n_test_per_task": 10})
