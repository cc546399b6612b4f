"""A run's few-shot or continual metrics beside their baselines, quick enough for the end of a
run and for `report`: on the run's own stored held-out episodes, nothing drawn again.

- Few-shot: query accuracy +- 95% CI of the evolved rule, the reference rule at the rate the
  summary chose on the training episodes, 1-nearest neighbour on the support images, and
  chance (1 / n_way).
- Continual: ACC +- 95% CI, BWT and forgetting of the evolved rule, the run's own net (its
  fixed layer where it has one) with the reference rule at that rate, and one-pass SGD
  logistic regression at the rate best on the run's first SGD_TUNING_SEQUENCES training
  sequences.
`evo-l2l evaluate` gives the full protocol (1000 few-shot episodes or 20 sequences drawn
from the run's seed, FWT, R matrices, every baseline and the paired differences).
"""
from __future__ import annotations

import numpy as np

from . import baselines as bl
from .episode_eval import protocol, rules_accuracy
from .episode_metrics import summary


SGD_TUNING_SEQUENCES = 2


def domain_metrics(problem, rule, reference: dict) -> dict | None:
    """{'protocol', 'n', 'which', 'rows': [{'name', 'label', metrics...}]} for a run on
    episodes, None for other runs. `reference` is best_reference_rule(problem)."""
    tasks = problem.splits["heldout"]
    if tasks.segment_end is None or not len(tasks):
        return None
    kind = protocol(tasks)
    settings = problem.config.learner.settings
    ref_rule = problem.known_rule(problem.reference_rule, reference.get("rate"))
    ref_label = problem.known_label(problem.reference_rule)
    if reference.get("rate") is not None:
        ref_label += f" (rate {reference['rate']:g})"
    try:
        # One learner call for both rules, as the summary's own scoring does.
        acc = rules_accuracy(problem, [rule, ref_rule], tasks, settings)
    except (NotImplementedError, AttributeError):
        return None                     # a learner with no per-episode accuracies
    rows = [{"name": "evolved", "label": "evolved rule", **summary(acc[0])}]
    if kind == "fewshot":
        rows.append({"name": "reference", "label": ref_label, **summary(acc[1])})
        rows.append({"name": "1nn", "label": "1-nearest neighbour (pixels)",
                     **summary(bl.memory_baseline(tasks, "1nn"))})
        n_way = int(tasks.params.get("n_way") or tasks.n_outputs[0])
        rows.append({"name": "chance", "label": f"chance (1/{n_way})", "kind": "chance",
                     "accuracy": 1.0 / n_way, "ci95": 0.0})
    else:
        fixed = getattr(settings, "hidden", None) == "fixed"
        net = "same fixed layer" if fixed else "same net"
        rows.append({"name": "reference", "label": f"{net} + {ref_label}",
                     **summary(acc[1])})
        train = problem.splits["train"]
        if len(train) > SGD_TUNING_SEQUENCES:
            # sklearn's partial_fit costs about 0.5 s a sequence a rate on the wide
            # continual tasks: the summary tunes on the first few (evaluate on them all).
            train = train.select(np.arange(SGD_TUNING_SEQUENCES))
        rate = bl.best_rate(bl.sgd_logistic, train)
        rows.append({"name": "sgd", "label": f"SGD logistic regression, one pass (rate "
                     f"{rate:g})", "rate": rate, "rate_chosen_on": len(train),
                     **summary(bl.sgd_logistic(tasks, rate))})
    for r in rows:
        r.pop("R", None), r.pop("b", None)
    return {"protocol": kind, "which": "heldout", "n": len(tasks), "rows": rows,
            "params": {k: tasks.params[k] for k in ("n_way", "k_shot", "n_query")
                       if k in tasks.params}}


def _fmt(v) -> str:
    """A metric in 3 decimals (never '-0.000'), or n/a."""
    return f"{round(v, 3) + 0.0:7.3f}" if v is not None and np.isfinite(v) else f"{'n/a':>7s}"


def domain_lines(d: dict) -> list[str]:
    """The text lines of domain_metrics: a heading and one line per method."""
    rows, n = d["rows"], d["n"]
    w = max(len(r["label"]) for r in rows) + 2
    if d["protocol"] == "fewshot":
        p = d["params"]
        shape = (f"{p['n_way']}-way {p['k_shot']}-shot, " if "n_way" in p and "k_shot" in p
                 else "")
        lines = [f"few-shot, the run's own {n} held-out episodes ({shape}query accuracy "
                 "+- 95% CI; `evo-l2l evaluate` draws 1000 and adds more baselines):"]
        for r in rows:
            ci = "" if r["name"] == "chance" else f" +- {r['ci95']:.3f}"
            lines.append(f"  {r['label']:{w}s}{r['accuracy']:.3f}{ci}")
        return lines
    sgd = next((r for r in rows if r["name"] == "sgd"), None)
    k = sgd["rate_chosen_on"] if sgd else 0
    chosen = (f"; SGD's rate best on {k} training sequence{'s' if k != 1 else ''}"
              if sgd else "")
    lines = [f"continual, the run's own {n} held-out sequence{'s' if n != 1 else ''} (ACC +- "
             f"95% CI, BWT, forgetting{chosen}; `evo-l2l evaluate` adds FWT, R matrices, "
             "paired differences and more baselines):",
             f"  {'':{w}s}{'ACC':>15s} {'BWT':>7s} {'forget':>7s}"]
    for r in rows:
        lines.append(f"  {r['label']:{w}s}{r['ACC']:7.3f} +- {r['ACC_ci95']:.3f} "
                     f"{_fmt(r.get('BWT'))} {_fmt(r.get('forgetting'))}")
    return lines


def domain_markdown(run_name: str, d: dict) -> list[str]:
    """Markdown table rows of domain_metrics (the report's section)."""
    out = []
    for r in d["rows"]:
        if d["protocol"] == "fewshot":
            ci = "" if r["name"] == "chance" else f" +- {r['ci95']:.3f}"
            out.append(f"| {run_name} | {r['label']} | {r['accuracy']:.3f}{ci} |")
        else:
            out.append(f"| {run_name} | {r['label']} | {r['ACC']:.3f} +- {r['ACC_ci95']:.3f} | "
                       f"{_fmt(r.get('BWT')).strip()} | {_fmt(r.get('forgetting')).strip()} |")
    return out
