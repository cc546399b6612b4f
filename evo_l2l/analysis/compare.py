"""Runs compared (`evo-l2l compare`): per preset or config, mean and sd over runs (seeds) of
the best rule's training and held-out fitness, beside the reference rule at its best rate
on the same runs' tasks, and how many runs found the reference rule or another known form."""
from __future__ import annotations

import json
import os

import numpy as np

from .curves import problem_for
from .rules import best_reference_rule, describe_rule

# Settings that do not change what a run computes: runs that differ only here are one group.
IGNORED = ("run.seed", "run.flush_interval")


def _flat(config: dict) -> dict:
    return {f"{section}.{k}": v for section, values in config.items()
            for k, v in values.items()}


def group_key(run) -> str:
    """Preset and config apart from the seed (and the flush interval), as sorted JSON."""
    flat = {k: v for k, v in _flat(run.config.to_dict()).items() if k not in IGNORED}
    return json.dumps([run.attrs.get("preset"), flat], sort_keys=True, default=str)


def known_form_of(problem, details: dict) -> str | None:
    """The known rule the best rule is, up to a positive rate: the reference rule, a symbolic
    learner's known form, or (parametric) a known rule at cosine distance 0."""
    if details.get("known_form"):
        return details["known_form"]
    dist = details.get("distance_to_known_rules", {})
    close = [name for name, d in dist.items() if d < 1e-9]
    return close[0] if close else None


def run_row(run) -> dict:
    """One run: its best-so-far rule and the reference rule, each on train and held-out."""
    problem = problem_for(run)
    g = run.generations
    gen = int(run.state["generation"])
    rule = problem.rule_of_genome(g["best_so_far_genome"][gen])
    best = describe_rule(problem, rule)
    ref = best_reference_rule(problem)
    form = known_form_of(problem, best)
    return {"archive": run.path, "preset": run.attrs.get("preset"),
            "seed": run.attrs.get("seed"), "generations": run.n_generations_done,
            "best_generation": int(g["best_so_far_generation"][gen]),
            "formula": best["formula"], "fitness": best["fitness"],
            "heldout_fitness": best["heldout_fitness"],
            "is_reference_rule": bool(best["is_reference_rule"]),
            "known_form": form, "known_form_label": problem.known_label(form) if form else None,
            "reference_rule": problem.reference_rule,
            "reference_label": problem.known_label(problem.reference_rule),
            "reference_rate": ref.get("rate"), "reference_fitness": ref["fitness"],
            "reference_heldout_fitness": ref["heldout_fitness"],
            "performance": problem.performance,
            "fitness_measure": getattr(run.config.learner.settings, "fitness_measure", None)}


def _stats(values) -> dict:
    v = np.asarray(values, dtype=np.float64)
    return {"mean": float(v.mean()), "sd": float(v.std(ddof=1)) if len(v) > 1 else None}


def compare_runs(runs: list) -> dict:
    """{'groups': [...], 'runs': [...]}: groups in the order their first run was given."""
    rows = [run_row(run) for run in runs]
    keys = [group_key(run) for run in runs]
    order = list(dict.fromkeys(keys))
    configs = {k: json.loads(k)[1] for k in order}
    presets = {k: json.loads(k)[0] or "(no preset)" for k in order}
    groups = []
    for key in order:
        members = [r for r, k in zip(rows, keys) if k == key]
        preset = presets[key]
        # Settings in which this group differs from another group of the same preset.
        others = [configs[k] for k in order if k != key and presets[k] == preset]
        differs = {name: value for name, value in configs[key].items()
                   if any(o.get(name) != value for o in others)}
        label = preset + ("" if not differs else " (" + ", ".join(
            f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in differs.items())
            + ")")
        forms: dict = {}
        for r in members:
            if r["known_form"]:
                forms[r["known_form"]] = forms.get(r["known_form"], 0) + 1
        rates = sorted({r["reference_rate"] for r in members if r["reference_rate"] is not None})
        n = len(members)
        groups.append({
            "label": label, "preset": preset, "differs": differs, "config": configs[key],
            "runs": n, "archives": [r["archive"] for r in members],
            "seeds": [r["seed"] for r in members],
            "duplicate_seeds": sorted({r["seed"] for r in members
                                       if [m["seed"] for m in members].count(r["seed"]) > 1},
                                      key=str),
            "performance": members[0]["performance"],
            "fitness_measure": members[0]["fitness_measure"],
            "best": {"fitness": _stats([r["fitness"] for r in members]),
                     "heldout_fitness": _stats([r["heldout_fitness"] for r in members])},
            "reference": {"rule": members[0]["reference_rule"],
                          "label": members[0]["reference_label"], "rates": rates,
                          "fitness": _stats([r["reference_fitness"] for r in members]),
                          "heldout_fitness": _stats([r["reference_heldout_fitness"]
                                                     for r in members])},
            "reference_rule_runs": sum(r["is_reference_rule"] for r in members),
            "reference_rule_share": sum(r["is_reference_rule"] for r in members) / n,
            "known_form_runs": sum(r["known_form"] is not None for r in members),
            "known_form_share": sum(r["known_form"] is not None for r in members) / n,
            "known_forms": forms,
            "beats_reference_runs": sum(r["fitness"] > r["reference_fitness"] for r in members),
        })
    return {"groups": groups, "runs": rows}


def _ms(s: dict) -> str:
    return f"{s['mean']:.4f}" + (f" +- {s['sd']:.4f}" if s["sd"] is not None else "")


def _rates(rates: list) -> str:
    if not rates:
        return ""
    if len(rates) == 1:
        return f" (rate {rates[0]:g})"
    return f" (rates {rates[0]:g}..{rates[-1]:g})"


def format_table(result: dict) -> str:
    """An aligned text table, one row per group, and what the numbers are."""
    header = ("preset or config", "runs", "best train", "best held-out", "reference rule",
              "ref. train", "ref. held-out", "is the ref.", "known form")
    body = []
    for g in result["groups"]:
        forms = ", ".join(f"{k} {v}" for k, v in g["known_forms"].items())
        body.append((g["label"], str(g["runs"]), _ms(g["best"]["fitness"]),
                     _ms(g["best"]["heldout_fitness"]),
                     g["reference"]["label"] + _rates(g["reference"]["rates"]),
                     _ms(g["reference"]["fitness"]), _ms(g["reference"]["heldout_fitness"]),
                     f"{g['reference_rule_runs']} of {g['runs']}",
                     f"{g['known_form_runs']} of {g['runs']}" + (f" ({forms})" if forms else "")))
    widths = [max(len(row[j]) for row in [header] + body) for j in range(len(header))]
    right = {1, 2, 3, 5, 6}

    def line(cells) -> str:
        return "  ".join(c.rjust(w) if j in right else c.ljust(w)
                         for j, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [line(header)] + [line(row) for row in body]
    out.append("")
    out.append("mean +- sd over the runs (seeds) of a group; best: each run's best rule;")
    out.append("ref.: the reference rule at the power-of-two rate (2^-8..2^8) that does best on "
               "each run's training tasks;")
    out.append("is the ref., known form: runs whose best rule is the reference rule, or a "
               "known rule, up to a positive rate.")
    scales = {}
    for g in result["groups"]:
        measure = {"mean": "averaged over the measurements before training and after each "
                           "epoch", "final": "after the last epoch"}.get(g["fitness_measure"], "")
        scales.setdefault((g["performance"], measure), []).append(g["label"])
    for (performance, measure), labels in scales.items():
        who = "" if len(scales) == 1 else f" of {', '.join(labels)}"
        out.append(f"fitness{who}: mean over tasks of {performance}"
                   + (f", {measure}" if measure else "") + ".")
    for g in result["groups"]:
        if g["duplicate_seeds"]:
            out.append(f"warning: {g['label']} has several runs of seed "
                       f"{', '.join(map(str, g['duplicate_seeds']))}: the same run again "
                       "(copies or resumed copies), not independent samples.")
    names = [os.path.basename(r["archive"]) for r in result["runs"]]
    out.append(f"{len(names)} runs: {', '.join(names)}")
    return "\n".join(out)
