"""The field's protocol for an evolved few-shot learner: the learner, its unevolved start and
the strong simple baselines on the same evaluation episodes, with paired 95% CIs.

- The learner's genome is the one its run chose on the validation alphabets (best/theta).
- Its start (genome 0: the random conv net with the Hebbian readout) is scored too: the
  difference between the two is what evolution added, apart from what a random conv net
  gives for free.
- Every baseline's features are fitted on the background classes of the run's own data,
  its knob is chosen on validation episodes of that data, and it is scored on the same
  evaluation episodes as the learner (analysis/fewshot_baselines.py). "The baseline" is
  the one with the best validation mean.
- target "evaluation": the run's data's evaluation alphabets. "digits": scikit-learn's
  digits at the run's image size (cross-domain: no part of meta-training saw them). A
  path: a user's data (its evaluation split where it has one, else all its classes).
Episodes come from `protocol_episodes(seed)`, so two evaluations with one seed see the same
episodes; a target other than the run's data draws its episodes from the evaluation child
of the same seed.
"""
from __future__ import annotations

import numpy as np

from ..errors import ArchiveError
from ..evolution import fewshot_es as fe
from ..learners import conv_prototype as cp
from ..tasks import class_data as cd
from . import fewshot_baselines as fb


def _target(run, target: str, size: int):
    """(ClassData, classes to draw evaluation episodes from) of a target."""
    if target == "evaluation":
        return None, None
    from ..tasks.user_data import digit_classes, load_class_data
    data = digit_classes(size) if target == "digits" else load_class_data(target, size=size)
    if data.split is not None and np.any(data.split == cd.SPLITS.index("evaluation")):
        classes = np.flatnonzero(data.split == cd.SPLITS.index("evaluation"))
    else:
        classes = np.arange(data.n_classes)
    return data, classes


def evaluate_run(run, target: str = "evaluation", n_way: int | None = None,
                 k_shot: int | None = None, n_query: int = 15, n_episodes: int = 2000,
                 n_validation: int = 500, seed: int = 0, baselines=None) -> dict:
    """Scores on one protocol; see the module's docstring. Returns {'protocol': {...},
    'rows': [{'name', 'kind' (learner / baseline), 'description', 'knob', 'validation_mean',
    'accuracy' (E,), 'mean', 'ci95'}], 'baseline': name of the baseline to beat}."""
    s = run.settings
    data = fe.load_data(s)
    if data.identity.get("sha256") != run.identity["sha256"]:
        raise ArchiveError(f"{run.path}: its data were {run.identity['name']} sha256 "
                           f"{run.identity['sha256'][:12]}, here sha256 "
                           f"{str(data.identity.get('sha256'))[:12]} "
                           f"({data.identity.get('version')})")
    splits = cd.split_classes(data)
    n_way, k_shot = n_way or s.n_way, k_shot or s.k_shot
    validation, evaluation = fb.protocol_episodes(data, splits, n_way, k_shot, n_query,
                                                  n_validation, n_episodes, seed)
    t_data, t_classes = _target(run, target, s.size)
    if t_data is None:
        t_data = data
    else:
        eval_seq = np.random.SeedSequence(seed).spawn(2)[1]
        evaluation = cd.draw_episodes(np.random.default_rng(eval_seq), t_data, t_classes,
                                      n_way, k_shot, n_query, n_episodes)
    if t_data.x.shape[1:] != data.x.shape[1:]:
        raise ArchiveError(f"the target's images are {t_data.x.shape[1:]}, the run's "
                           f"{data.x.shape[1:]}")
    net = s.net()
    images = fe.images_of(t_data)
    genomes = np.stack([run.state.best_theta, run.start]).astype(np.float32)
    acc, _ = cp.episode_scores(net, genomes, images, evaluation)
    v_acc, _ = cp.episode_scores(net, genomes, fe.images_of(data), validation)
    rows = []
    for i, (name, what) in enumerate((("evolved", "evolved conv features + readout rule "
                                       f"(validation-best, generation {run.state.best_generation})"),
                                      ("start", "the same learner before evolution: random conv "
                                       "net, Hebbian readout"))):
        mean, half = fb.mean_ci(acc[i])
        rows.append({"name": name, "kind": "learner", "description": what, "knob": None,
                     "validation_mean": float(v_acc[i].mean()), "accuracy": acc[i],
                     "mean": mean, "ci95": half})
    names = baselines or [n for n in fb.BASELINES if data.is_image or n != "blur_centroid"]
    bg = fb.background_rows(data, splits)
    feats = data.flat()
    t_feats = feats if t_data is data else t_data.flat()
    best = None
    for name in names:
        knob, by_knob, a = fb.tune_and_score(name, data, bg, feats, validation, t_feats,
                                             evaluation)
        mean, half = fb.mean_ci(a)
        rows.append({"name": name, "kind": "baseline", "description": fb.BASELINES[name][0],
                     "knob": knob, "validation_mean": by_knob[knob], "accuracy": a,
                     "mean": mean, "ci95": half})
        if best is None or by_knob[knob] > best[1]:
            best = (name, by_knob[knob])
    protocol = {"target": target, "n_way": n_way, "k_shot": k_shot, "n_query": n_query,
                "n_episodes": n_episodes, "n_validation": n_validation, "seed": seed,
                "data": run.identity["name"], "target_data": t_data.identity.get("name"),
                "classes": int(len(np.unique(evaluation.classes)))}
    return {"protocol": protocol, "rows": rows, "baseline": best[0] if best else None}


def format_result(result: dict) -> str:
    """A text table in percent: validation mean, evaluation mean +- 95% CI, and the evolved
    learner minus each row, paired over the episodes (+- 95% CI)."""
    p = result["protocol"]
    rows = result["rows"]
    learner = rows[0]["accuracy"]
    lines = [f"{p['n_way']}-way {p['k_shot']}-shot, {p['n_episodes']} episodes on "
             f"{p['target']} ({p['target_data']}, {p['classes']} classes), {p['n_query']} "
             f"queries per class; knobs chosen on {p['n_validation']} validation episodes; "
             f"seed {p['seed']}"]
    head = f"{'method':<18} {'knob':>6} {'val %':>7} {'eval % +- 95% CI':>17}  {'evolved - it':>15}"
    lines += [head, "-" * len(head)]
    for r in rows:
        knob = "-" if r["knob"] is None else f"{r['knob']:g}"
        line = (f"{r['name']:<18} {knob:>6} {100 * r['validation_mean']:>7.2f} "
                f"{100 * r['mean']:>9.2f} +- {100 * r['ci95']:<4.2f}")
        if r is not rows[0]:
            m, h = fb.paired_difference(learner, r["accuracy"])
            line += f"  {100 * m:>+7.2f} +- {100 * h:.2f}"
        lines.append(line)
    if result["baseline"]:
        b = next(r for r in rows if r["name"] == result["baseline"])
        m, h = fb.paired_difference(learner, b["accuracy"])
        lines.append(f"the baseline (best on validation): {b['name']}; evolved - baseline "
                     f"{100 * m:+.2f} +- {100 * h:.2f} points (paired 95% CI)")
    return "\n".join(lines)


SUMMARY_BASELINES = ("pixel_1nn", "cosine_centroid", "lda_centroid")


def validation_summary(s, state) -> str:
    """The end of a run: the chosen learner, its start and fast baselines on the run's own
    validation episodes (the baselines' knobs chosen on those episodes too, as the learner
    was); `evaluate` gives the protocol's numbers on the evaluation alphabets."""
    data = fe.load_data(s)
    splits = cd.split_classes(data)
    episodes = fe.validation_episodes(s, data, splits)
    bg, feats = fb.background_rows(data, splits), data.flat()
    # Per-episode accuracies of the chosen genome and its start, for their CIs.
    genomes = np.stack([state.best_theta, s.net().start(s.seed)]).astype(np.float32)
    acc, _ = cp.episode_scores(s.net(), genomes, fe.images_of(data), episodes)

    def part(name, a):
        mean, half = fb.mean_ci(a)
        return f"{name} {100 * mean:.2f} +- {100 * half:.2f}"

    parts = [part("evolved", acc[0]), part("start", acc[1])]
    for name in SUMMARY_BASELINES:
        method = fb.METHODS[name]
        scores = [method.accuracy(method.fit(data, bg, k), feats, episodes)
                  for k in fb.knob_values(name, data, bg)]
        parts.append(part(name, max(scores, key=np.mean)))
    parts.append(f"chance {100 / s.n_way:.2f}")
    return (f"validation, {s.n_way}-way {s.k_shot}-shot, the run's {s.n_validation} episodes "
            f"(%, +- 95% CI): " + ", ".join(parts))
