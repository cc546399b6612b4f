"""Few-shot learning on glyphs: Omniglot's protocol on the rendered glyph classes.

Episodes come from tasks/class_episodes.py: 5-way 1-shot, 15 queries per class; classes of
the 50 Unicode-block alphabets split by alphabet (seed 0) into background (1189 classes,
meta-training episodes), validation (301, the run's held-out episodes, which choose the
genome) and evaluation (511, reserved for the final protocol; no run draws them).

- fewshot-glyphs-rule: fewshot-digits' learner and rule on 14 x 14 glyphs (197 inputs):
  a fresh two-layer net (64 tanh hidden units) learns each support set online, one pass,
  by the evolved Bengio et al. (1991) rule, one per layer (rules/bengio_layers.py); CMA-ES.
  The episode net takes any input width, so only the task section differs.
- srwm-glyphs: srwm-fewshot's self-referential weight matrix (Irie et al. 2022) on 5-way
  1-shot glyph episodes at 20 x 20 (401 inputs). The SRWM's genome does not grow with the
  image (2 heads x 43 x 13 = 1118 entries at any size): the learner reads the 8 leading
  principal components of the run's own meta-training images (every image of the
  background classes, standardised as the episodes hold them; learners/srwm.py), so any
  size runs with the same genome and kernel. Why 20 (measured on 1000 validation episodes,
  seed 0; pixel 1-NN / 1-NN on the 8 features / the hand-built W): 8 px 0.429 / 0.430 /
  0.344, 14 px 0.518 / 0.508 / 0.378, 20 px 0.528 / 0.536 / 0.416, 28 px 0.538 / 0.546 /
  0.412; 60-generation runs from the hand-built W held out 0.368 (20 px) and 0.321 (14 px)
  in mean probability on the stored validation episodes. Evolution starts from the
  hand-built W (rule.start = handwired), chosen on validation episodes: from Irie et al.'s
  random start the full run overfit its 256 training episodes (mean probability 0.276
  there, 0.209 on the stored validation episodes; accuracy 0.225 on the 1000), from the
  hand-built W 0.422 (the hand-built W itself 0.416). The toy runs at 14 x 14, as the
  fewshot presets' toys. 5-way uses all 5 of the SRWM's label slots.
"""
from .preset import Preset

PAPER = ("Lake, Salakhutdinov & Tenenbaum 2015 (Omniglot's protocol); Vinyals et al. 2016 "
         "(N-way K-shot episodes); Bengio, Bengio & Cloutier 1991 (the rule)")

_TASKS = {"name": "class_episodes", "dataset": "glyphs", "n_way": 5, "k_shot": 1,
          "n_query": 15, "n_heldout": 100}

# "M": measured here, on held-out (validation) episodes of seed 0.
_RULE_NUMBERS = {
    "goal_5way_1shot": ("evolved rule above 1-NN on 1000 validation episodes, outside the 95% "
                        "CI (as fewshot-digits' goal)", "?"),
}

fewshot_rule = Preset(
    "fewshot-glyphs-rule", PAPER,
    "glyphs 14x14, 5-way 1-shot on held-out (validation) alphabets: a fresh net learns each "
    "support set by the evolved layered rule alone",
    {"optimizer": {"name": "cmaes", "sigma": 0.1}, "rule": {"name": "bengio_layers"},
     "learner": {"name": "episode_net", "n_epochs": 1, "clip": 20.0,
                 "fitness_measure": "final"},
     "tasks": {**_TASKS, "size": 14, "n_train_episodes": 100, "n_hidden": 64},
     "run": {"population": 16, "n_generations": 200}},
    {"optimizer": {"ga": {"selection": "tournament", "crossover": "blend",
                          "mutation_indpb": 0.2, "mutation_sigma": 0.05}}},
    PAPER_NUMBERS=_RULE_NUMBERS, doc=__doc__,
    toy={"tasks.n_train_episodes": 8, "tasks.n_heldout": 4, "tasks.n_hidden": 8})

_SRWM_NUMBERS = {
    "handwired_5way_1shot": ("hand-built W (delta-rule association, head 0): 0.416 +- 0.007 on "
                             "1000 validation episodes at 20 x 20; W = the fixed random start: "
                             "0.197 (chance 0.2)", "M"),
    "1nn_5way_1shot": ("pixel 1-NN 0.528 +- 0.006 on the same episodes; logistic regression "
                       "(SGD one pass, rate chosen on the training episodes) 0.562", "M"),
    "evolved_5way_1shot": ("this preset (400 generations from the hand-built W): 0.422 +- "
                           "0.007 on the same episodes; from the random start 0.225", "M"),
    "goal_5way_1shot": ("evolved SRWM >= pixel 1-NN + 5 points on held-out glyph classes "
                        "(not reached)", "?"),
}

srwm_glyphs = Preset(
    "srwm-glyphs",
    "Irie, Schlag, Csordas & Schmidhuber 2022, A modern self-referential weight matrix that "
    "learns to modify itself (ICML); Lake et al. 2015 (Omniglot's protocol)",
    "a self-referential weight matrix learns 20x20 glyph 5-way 1-shot episodes by rewriting "
    "itself, reading the background images' 8 leading principal components; evolution sets "
    "its initial W, from a hand-built one",
    {"optimizer": {"name": "es", "sigma": 0.3, "lr": 0.6},
     "rule": {"name": "srwm", "start": "handwired"},
     "learner": {"name": "srwm", "n_epochs": 1, "fitness_measure": "final",
                 "self_modification": "full", "score": "probability"},
     "tasks": {**_TASKS, "size": 20, "n_train_episodes": 256},
     "run": {"population": 128, "n_generations": 400}},
    {"optimizer": {"cmaes": {"sigma": 0.3}, "sep_cmaes": {"sigma": 0.3}}},
    PAPER_NUMBERS=_SRWM_NUMBERS, doc=__doc__,
    toy={"tasks.n_train_episodes": 8, "tasks.n_heldout": 4, "tasks.size": 14})
