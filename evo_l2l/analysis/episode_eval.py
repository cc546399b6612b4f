"""`evo-l2l evaluate` for runs on episodes: rules and baselines on the same held-out episodes.

Held-out episodes are drawn again from the run's own task seed with as many held-out
episodes as asked for (few-shot: 1000 by default, the field's convention; continual: 20
sequences); the episode families draw them one after another, so the run's stored
held-out episodes must be their first ones, which checks that the data are those the run
used (else a one-line error naming both data identities).

Continual runs also get an ablation: the run's own net (its hidden layer, fixed or not, and
its settings) on the same sequences with the evolved rule replaced by the delta rule, its
rate chosen on the run's training sequences as the baselines' rates are. A rule's credit is
its paired difference from that row, sequence by sequence: on the sparse fixed layers of the
continual GP presets the layer, not the rule, does most of the work.
"""
from __future__ import annotations

import dataclasses
from typing import Callable

import numpy as np

from ..evolution.problem import build_tasks
from ..rules.kinds import kind_of
from ..tasks import TaskSet
from . import baselines as bl
from .episode_metrics import continual_metrics, mean_ci95, summary

DEFAULT_EPISODES = {"fewshot": 1000, "continual": 20}
# The delta rule's rates for the ablation (times the rule family's own eta): powers of 4
# from 2^-8 to 2^8, the span of the reference rule's grid at a quarter of the cost.
ABLATION_RATES = tuple(float(r) for r in 2.0 ** np.arange(-8, 9, 2))
ABLATION_RULE = "delta"


def is_episodic(run) -> bool:
    return run.tasks.segment_end is not None


def protocol(tasks: TaskSet) -> str:
    """'fewshot' (one segment, one test group) or 'continual'."""
    return ("fewshot" if tasks.segment_end.shape[1] == 1 and tasks.group_end.shape[1] == 1
            else "continual")


def episodes_for(run, which: str, n: int | None = None, seed: int = 0) -> TaskSet:
    """The episodes to evaluate on: 'heldout' (n drawn from the run's seed; the stored ones
    first), 'train' (the stored ones) or 'fresh' (n held-out ones from another seed)."""
    kind = protocol(run.tasks)
    n = n or DEFAULT_EPISODES[kind]
    s = run.config.tasks.settings
    if which == "train":
        tasks = run.tasks.select("train")
        if n < len(tasks):
            tasks = tasks.select(np.arange(n))
        return tasks
    if which not in ("heldout", "fresh"):
        raise ValueError(f"unknown task set {which!r}; expected train, heldout or fresh")
    changes = {"n_heldout": n, "n_train_episodes": 1}
    if which == "fresh":
        changes["seed"] = seed
    tasks = build_tasks(run.config, dataclasses.replace(s, **changes)).select("heldout")
    if which == "heldout":
        stored = run.tasks.select("heldout")
        k = min(len(stored), n)
        if not (np.array_equal(tasks.X[:k], stored.X[:k])
                and np.array_equal(tasks.Y[:k], stored.Y[:k])):
            was, now = run.tasks.params.get("data", {}), tasks.params.get("data", {})
            raise ValueError(f"the held-out episodes drawn now differ from the run's: its data "
                             f"were {was.get('name')} {was.get('version')} sha256 "
                             f"{str(was.get('sha256'))[:12]}, here {now.get('version')} "
                             f"sha256 {str(now.get('sha256'))[:12]}")
    return tasks


def rules_accuracy(problem, rules: list, tasks: TaskSet, settings,
                   measure_all: bool = True) -> np.ndarray:
    """(R, T, S + 1, G) accuracies of R rules in one learner call: coefficient rows, or tree
    texts (symbolic rules, run by the learner's program_accuracy). measure_all False: row
    S only (the others NaN), which is all a few-shot summary or a choice of rate reads; the
    learner then skips scoring the others (half its work on few-shot episodes)."""
    if measure_all:
        return kind_of(problem).episode_accuracy(problem, rules, tasks, settings)
    return kind_of(problem).episode_accuracy(problem, rules, tasks, settings,
                                             measure_all=False)


def rule_accuracy(problem, rule, tasks: TaskSet, settings) -> np.ndarray:
    """(T, S + 1, G) accuracies of one rule (rules_accuracy of one)."""
    return rules_accuracy(problem, [rule], tasks, settings)[0]


def _row(name: str, label: str, acc: np.ndarray, **extra) -> dict:
    return {"method": name, "label": label, **extra, **summary(acc)}


def ablation_label(settings, rate: float, n_train: int) -> str:
    """What the ablation row is: the run's own net with the delta rule."""
    net = "same fixed layer" if getattr(settings, "hidden", None) == "fixed" else "same net"
    return (f"{net} + delta rule (ablation; rate {rate:g}, best of {len(ABLATION_RATES)} on "
            f"the {n_train} training sequences)")


def ablation_choice(problem, train: TaskSet, settings) -> tuple[float, object] | None:
    """(rate, rule): the delta rule at the one of ABLATION_RATES with the best ACC on `train`
    (the first on ties), in one learner call; None where the learner has no delta rule."""
    if ABLATION_RULE not in problem.known_rule_names():
        return None
    rules = [problem.known_rule(ABLATION_RULE, r) for r in ABLATION_RATES]
    scores = [bl.final_score(a) for a in rules_accuracy(problem, rules, train, settings,
                                                          measure_all=False)]
    best = int(np.nanargmax(scores))
    return ABLATION_RATES[best], rules[best]


def ablation_from(problem, choice: tuple[float, object], acc: np.ndarray, settings,
                  n_train: int) -> dict:
    """The ablation row of the chosen delta rule from its (T, S + 1, G) accuracies; its
    per-sequence ACC is kept for the paired differences."""
    rate, rule = choice
    return _row("ablation", ablation_label(settings, rate, n_train), acc, rate=rate,
                formula=problem.formula(rule),
                ACC_per_sequence=continual_metrics(acc)["ACC"].tolist())


def ablation_row(problem, tasks: TaskSet, train: TaskSet, settings) -> dict | None:
    """The run's own learner (its hidden layer and settings) trained by the delta rule on
    `tasks`, the rate the one of ABLATION_RATES with the best ACC on `train`; None where the
    learner has no delta rule. Its per-sequence ACC is kept for the paired differences."""
    choice = ablation_choice(problem, train, settings)
    if choice is None:
        return None
    return ablation_from(problem, choice, rule_accuracy(problem, choice[1], tasks, settings),
                         settings, len(train))


def paired_difference(acc: np.ndarray, ablation: dict) -> dict:
    """ACC of a rule minus the ablation's, sequence by sequence: mean and the 95% CI
    half-width 1.96 sd / sqrt(n) of the n per-sequence differences."""
    diff = continual_metrics(acc)["ACC"] - np.asarray(ablation["ACC_per_sequence"])
    mean, half = mean_ci95(diff)
    return {"mean": mean, "ci95": half, "n_sequences": int(diff.size),
            "per_sequence": diff.tolist()}


def _no_steps(label: str) -> None:
    """A step of evaluate_episodes when no one asked to hear of them."""


def n_baseline_steps(tasks: TaskSet) -> int:
    """How many steps baseline_rows reports: one per baseline."""
    return 6 if protocol(tasks) == "continual" else 5


def baseline_rows(tasks: TaskSet, train: TaskSet, step: Callable[[str], None] = _no_steps
                  ) -> list[dict]:
    """The baselines on `tasks`, rates chosen on the training episodes `train`; step(label)
    before each baseline."""
    n = len(tasks)
    step(f"baseline 1-nearest neighbour on {n} episodes")
    rows = [_row("1nn", "1-nearest neighbour (all images seen)", bl.memory_baseline(tasks, "1nn"))]
    step(f"baseline nearest centroid on {n} episodes")
    rows.append(_row("centroid", "nearest centroid (all images seen)",
                     bl.memory_baseline(tasks, "centroid")))
    step(f"baseline SGD at scikit-learn's rate on {n} episodes")
    rows.append(_row("sgd_default", "logistic regression, SGD one pass (scikit-learn's "
                                    "default rate)", bl.sgd_logistic(tasks, None)))
    step(f"baseline SGD: its rate chosen on {len(train)} training episodes, then {n} episodes")
    rate = bl.best_rate(bl.sgd_logistic, train)
    rows.append(_row("sgd", f"logistic regression, SGD one pass (rate {rate:g})",
                     bl.sgd_logistic(tasks, rate), rate=rate))
    step(f"baseline backprop: its rate chosen on {len(train)} training episodes, then {n} "
         "episodes")
    rate = bl.best_rate(bl.backprop_mlp, train)
    rows.append(_row("backprop", f"same net, online backprop one pass (rate {rate:g})",
                     bl.backprop_mlp(tasks, rate), rate=rate))
    if protocol(tasks) == "continual":
        step(f"baseline joint logistic regression on {n} sequences")
        rows.append(_row("joint", "joint logistic regression (all tasks at once; upper "
                                  "reference)", bl.joint_logistic(tasks)))
    return rows


def evaluate_episodes(run, problem, chosen: list[tuple[str, str, object]], which: str,
                      n: int | None = None, seed: int = 0, with_baselines: bool = True,
                      progress: Callable[[int, int, str], None] | None = None) -> dict:
    """chosen: [(spec, label, rule)] -> {'tasks': description, 'rows': one per method}.
    progress(k, n_steps, label), if given, is called before each of its steps (drawing the
    episodes, choosing the ablation's rate, the rules, each baseline): the library prints
    nothing. The rules (and the ablation's delta rule) learn the episodes in one learner
    call: a rule's accuracies do not depend on the others of a call, and a call costs
    about the same for one rule as for a few."""
    continual = protocol(run.tasks) == "continual"
    has_ablation = continual and ABLATION_RULE in problem.known_rule_names()
    total = (1 + int(continual) + int(bool(chosen) or has_ablation)
             + (n_baseline_steps(run.tasks) if with_baselines else 0))
    done = [0]

    def step(label: str) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], total, label)

    step(f"drawing the {which} episodes")
    tasks = episodes_for(run, which, n, seed)
    settings = run.config.learner.settings
    train = run.tasks.select("train")
    choice = None
    if continual:
        step(f"ablation: the delta rule at {len(ABLATION_RATES)} rates on {len(train)} "
             "training sequences")
        choice = ablation_choice(problem, train, settings)
    rules = [rule for _, _, rule in chosen] + ([choice[1]] if choice is not None else [])
    accs = []
    if rules:
        labels = [label for _, label, _ in chosen] + (["the ablation"] if choice else [])
        step(f"{'; '.join(labels)} on {len(tasks)} episodes")
        # a few-shot summary reads the accuracies after the support set only
        accs = rules_accuracy(problem, rules, tasks, settings, measure_all=continual)
    ablation = (ablation_from(problem, choice, accs[-1], settings, len(train))
                if choice is not None else None)
    rows = []
    for (spec, label, rule), acc in zip(chosen, accs):
        row = _row(spec, label, acc, formula=problem.formula(rule))
        if ablation is not None:
            row["ACC_per_sequence"] = continual_metrics(acc)["ACC"].tolist()
            row["vs_ablation"] = paired_difference(acc, ablation)
        rows.append(row)
    if ablation is not None:
        rows.append(ablation)
    if with_baselines:
        rows += baseline_rows(tasks, train, step)
    return {"tasks": {"family": run.config.tasks.name, "which": which, "n": len(tasks),
                      "protocol": protocol(tasks), "params": _params(run.tasks.params)},
            "rows": rows}


def _params(params: dict) -> dict:
    """The task parameters worth printing (not the per-episode class lists)."""
    return {k: v for k, v in params.items() if k not in ("classes", "permutations")}


def _num(v: float) -> str:
    """A metric, or n/a where a method has none (FWT of methods with no untrained state)."""
    return f"{v:7.3f}" if np.isfinite(v) else f"{'n/a':>7s}"


def format_table(result: dict) -> str:
    """The metrics table `evo-l2l evaluate` prints."""
    t, rows = result["tasks"], result["rows"]
    p = t["params"]
    lines = []
    if t["protocol"] == "fewshot":
        lines.append(f"{t['family']}: {p['n_way']}-way {p['k_shot']}-shot, {t['n']} {t['which']} "
                     f"episodes, {p['n_query']} queries per class; query accuracy, 95% CI")
        for r in rows:
            lines.append(f"  {r['accuracy']:.3f} +- {r['ci95']:.3f}  {r['label']}")
    else:
        lines.append(f"{t['family']}: {t['n']} {t['which']} sequences; ACC, BWT, FWT, "
                     "forgetting (mean over sequences; ACC +- 95% CI)")
        lines.append(f"  {'ACC':>14s} {'BWT':>7s} {'FWT':>7s} {'forget':>7s}")
        for r in rows:
            if r["kind"] == "final":
                lines.append(f"  {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} {'':>7s} {'':>7s} "
                             f"{'':>7s}  {r['label']}")
                continue
            lines.append(f"  {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} {r['BWT']:7.3f} "
                         f"{_num(r['FWT'])} {r['forgetting']:7.3f}  {r['label']}")
        lines += paired_lines(result)
        for r in rows:
            if r["method"] == "sgd" or r is rows[0]:
                lines.append(f"\n  R[i, j] (accuracy on task j after task i), {r['label']}:")
                lines += ["    " + " ".join(f"{v:5.2f}" for v in row) for row in r["R"]]
    return "\n".join(lines)


def paired_lines(result: dict) -> list[str]:
    """The paired differences rule - ablation of a continual result, as lines of text."""
    rows = result["rows"]
    ablation = next((r for r in rows if r["method"] == "ablation"), None)
    paired = [r for r in rows if "vs_ablation" in r]
    if ablation is None or not paired:
        return []
    n = paired[0]["vs_ablation"]["n_sequences"]
    what = ablation["label"].split(" (")[0]
    lines = [f"\n  paired difference in ACC, rule - ablation ({what}), over the same {n} "
             f"sequences: mean +- 1.96 sd / sqrt({n}) of the per-sequence differences"]
    for r in paired:
        d = r["vs_ablation"]
        lines.append(f"  {d['mean']:+.3f} +- {d['ci95']:.3f}  {r['label']}")
    return lines
