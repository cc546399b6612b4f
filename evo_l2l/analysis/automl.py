"""AutoML of the learner: the baselines and their table.

Four ways to spend the same number of inner-learning runs (one run = one learner trained
on every training task) on the tasks of automl-bengio1991:

- joint:     the rule and its learner evolved together (mixed_ga over the mixed genome)
- hand-set:  (a) the rule evolved for bengio1991-boolean's hand-set learner (its own preset,
             CMA-ES), then run with that learner
- optuna:    (b) the delta rule with the learner's hyper-parameters (hidden units,
             activation, eta, epochs, init scale, clip) tuned by Optuna's TPE sampler
- random:    (c) random search over the same joint space (mixed_random)

Every found (rule, learner) is scored the same way on the held-out functions: the
learner two_layer_automl under the preset's compute budget (final performance, mean over
tasks), with the compute it spends per task. Optuna is an optional extra (`pip install
'evo_l2l[automl]'`): only baseline (b) needs it.
"""
from __future__ import annotations

import numpy as np

from ..errors import ConfigError
from ..evolution.problem import ParametricRuleProblem, build_tasks
from ..rules import bengio, bengio_automl as fam

METHODS = {"reference": "the delta rule (rate 1) with the hand-set learner, no search",
           "joint": "rule + learner evolved together (mixed_ga)",
           "hand-set": "(a) rule evolved for the hand-set learner (bengio1991-boolean, CMA-ES)",
           "optuna": "(b) delta rule, learner tuned by Optuna TPE",
           "random": "(c) random search over the joint space (mixed_random)"}


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise ConfigError("the Optuna baseline needs optuna: pip install 'evo_l2l[automl]'") \
            from None
    return optuna


def problem_of(config) -> ParametricRuleProblem:
    """The problem of an automl-bengio1991 config (its tasks built from its seed)."""
    return ParametricRuleProblem(config, build_tasks(config))


def score(problem: ParametricRuleProblem, row) -> dict:
    """A decoded row's train and held-out fitness and the compute it spends per task."""
    row = np.asarray(row, dtype=np.float64)[None]
    s = problem.config.learner.settings
    from ..learners.two_layer_automl import epochs_in_budget
    return {"train": float(problem.fitness_of(row, "train")[0]),
            "heldout": float(problem.fitness_of(row, "heldout")[0]),
            "compute": float(problem.learner.compute(row, problem.splits["heldout"], s)[0]),
            "epochs_trained": float(epochs_in_budget(row, problem.splits["heldout"], s).mean()),
            "learner": fam.learner_values(row[0]), "formula": fam.formula(row[0])}


def tune_delta_tpe(problem: ParametricRuleProblem, n_trials: int, seed: int) -> tuple:
    """The delta rule with the learner's hyper-parameters tuned by Optuna's TPE sampler on
    the training tasks: (best row, trials run). Ranges are the mixed genome's genes."""
    optuna = import_optuna()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    genes = {g.name: g for g in fam.LEARNER_GENES}

    def row_of(params: dict) -> np.ndarray:
        return fam.with_learner(bengio.delta_rule(), **params)

    def suggest(trial) -> dict:
        out = {}
        for name, g in genes.items():
            if g.kind == "int":
                out[name] = trial.suggest_int(name, int(g.low), int(g.high))
            elif g.kind == "cat":
                out[name] = trial.suggest_categorical(name, list(g.choices))
            else:
                out[name] = trial.suggest_float(name, 10.0 ** g.low, 10.0 ** g.high, log=True)
        return out

    def objective(trial) -> float:
        return float(problem.fitness_of(row_of(suggest(trial))[None], "train")[0])

    study = optuna.create_study(direction="maximize",
                                sampler=optuna.samplers.TPESampler(seed=seed))
    study.optimize(objective, n_trials=n_trials)
    return row_of(study.best_params), len(study.trials)


def table(results: dict, hand_set_compute: float) -> str:
    """results: method -> list of per-seed dicts (heldout, train, compute, evaluations) ->
    a Markdown table, mean +- sd over seeds."""
    lines = ["| method | seeds | evaluations per run | train fitness | held-out fitness | "
             "compute per task (synapse updates) |", "|---|---|---|---|---|---|"]
    for method, rows in results.items():
        if not rows:
            continue

        def ms(key, fmt="{:.4f}"):
            v = np.array([r[key] for r in rows], dtype=np.float64)
            return f"{fmt.format(v.mean())} +- {fmt.format(v.std(ddof=1) if len(v) > 1 else 0.0)}"
        lines.append(f"| {METHODS.get(method, method)} | {len(rows)} | {ms('evaluations', '{:.0f}')} "
                     f"| {ms('train')} | {ms('heldout')} | {ms('compute', '{:.0f}')} |")
    joint = {r["seed"]: r["heldout"] for r in results.get("joint", [])}
    ahead = []
    for method, rows in results.items():
        pairs = [(joint[r["seed"]], r["heldout"]) for r in rows if r["seed"] in joint]
        if method != "joint" and pairs:
            ahead.append(f"{sum(j > o for j, o in pairs)} of {len(pairs)} vs {method}")
    if ahead:
        lines += ["", "Seeds on which joint evolution's held-out fitness is ahead: "
                  + ", ".join(ahead) + "."]
    learners = []
    for method, rows in results.items():
        if rows and method not in ("reference", "hand-set"):
            found = [f"{r['learner']['hidden']}{r['learner']['activation'][0]}/"
                     f"{r['epochs_trained']:.0f}" for r in rows]
            learners.append(f"- {METHODS.get(method, method)}: {', '.join(found)}")
    if learners:
        lines += ["", "Learners found (hidden units, s/t = sigmoid/tanh, / epochs trained within "
                      "the budget), seed by seed:", ""] + learners
    lines.append(f"\nThe hand-set learner (2 sigmoid hidden units, 30 epochs) spends "
                 f"{hand_set_compute:.0f} synapse updates per task.")
    return "\n".join(lines) + "\n"


def read_baselines(path: str) -> str:
    """The table of an automl_learner.json (scripts/automl_learner.py); one-line errors."""
    import json
    try:
        with open(path) as fh:
            data = json.load(fh)
        results, hand = data["results"], float(data["hand_set_compute"])
        text = table(results, hand)
    except OSError as exc:
        raise ConfigError(f"cannot read baselines file {path}: {exc.strerror}") from None
    except (ValueError, KeyError, TypeError, AttributeError):
        raise ConfigError(f"{path} is not an automl_learner.json written by "
                          "scripts/automl_learner.py") from None
    return (f"{data.get('seeds', '?')} seeds, population {data.get('population', '?')} x "
            f"{data.get('generations', '?')} generations per run (scripts/automl_learner.py).\n\n"
            + text)
