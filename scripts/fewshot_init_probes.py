#!/usr/bin/env python
"""Why evolved initial weights do not carry over to held-out digits (docs/results/digits.md,
fewshot-digits-init): linear features fitted to the meta-training digits against generic ones.

    python scripts/fewshot_init_probes.py [--episodes 500] [--run runs/digits-init/fewshot-digits-init.h5]

1. Nearest centroid (5-way K-shot, 15 queries per class) on held-out classes (digits 7-9,
   every rotation; rot_digits' standardised pixels) after a fixed linear map: the pixels,
   PCA of the meta-training images (digits 0-6), LDA of the 28 meta-training classes (with
   and without their 28 mirror images and shrinkage), Gaussian blur. Everything fitted on
   digits 0-6 only.
2. fewshot-digits-init-conv's genome 0 with a Gaussian blur as its 3x3 filter, on the
   preset's own training and held-out episodes.
3. With --run (a bengio_init run): its best genome and genome 0 on fresh episodes (another
   task seed) of the meta-training classes and of the held-out classes: is the overfitting
   to the stored episodes or to the classes? For a run with w0_form conv, also its evolved
   3x3 filter.
"""
import argparse
import dataclasses

import numpy as np


def probes(n_episodes: int, shots=(1, 5), seed: int = 0) -> list[tuple]:
    from scipy.ndimage import gaussian_filter
    from evo_l2l.tasks import digits_data as dd
    from evo_l2l.tasks import rot_digits as rd
    pools, digit_of = rd.class_images()
    train = [p for p, d in zip(pools, digit_of) if d in rd.TRAIN_DIGITS]
    held = [p for p, d in zip(pools, digit_of) if d in rd.HELDOUT_DIGITS]
    X = np.vstack(train)
    mu = X.mean(0)
    Vt = np.linalg.svd(X - mu, full_matrices=False)[2]
    images, labels = dd.digits()
    raw = np.vstack([dd.rotated(images[labels == d], k).reshape(-1, 64)
                     for d in rd.TRAIN_DIGITS for k in range(dd.N_ROTATIONS)])
    mean, scale = dd.standardiser(raw)
    mirrored = [(dd.rotated(images[labels == d], k)[:, :, ::-1].reshape(-1, 64) - mean) / scale
                for d in rd.TRAIN_DIGITS for k in range(dd.N_ROTATIONS)]

    def lda(classes, shrink):
        n = sum(len(p) for p in classes)
        Sw = sum(np.cov(p.T) * (len(p) - 1) for p in classes) / n
        Sb = np.cov(np.array([p.mean(0) for p in classes]).T)
        ev, vec = np.linalg.eig(np.linalg.solve(Sw + shrink * np.eye(64), Sb))
        return vec[:, np.argsort(-ev.real)].real

    def blur(sigma):
        M = np.zeros((64, 64))
        for i in range(64):
            e = np.zeros(64); e[i] = 1.0
            M[:, i] = gaussian_filter(e.reshape(8, 8), sigma, mode="constant").ravel()
        return M.T

    L, Lm = lda(train, 1e-3), lda(train + mirrored, 10.0)
    maps = [("pixels", np.eye(64)), ("PCA-32 of digits 0-6", Vt[:32].T),
            ("LDA-27 of the 28 classes", L[:, :27]),
            ("LDA-40 of 56 classes (+ mirrored), shrinkage 10", Lm[:, :40]),
            ("Gaussian blur sigma 0.5", blur(0.5))]
    rows = []
    for k in shots:
        rng = np.random.default_rng(seed)
        eps = []
        for _ in range(n_episodes):
            chosen = rng.choice(len(held), 5, replace=False)
            idx = [rng.choice(len(held[c]), k + 15, replace=False) for c in chosen]
            eps.append(([held[c][i[:k]] for c, i in zip(chosen, idx)],
                        np.vstack([held[c][i[k:]] for c, i in zip(chosen, idx)]),
                        np.repeat(np.arange(5), 15)))
        for name, M in maps:
            acc = []
            for support, query, qy in eps:
                P = np.array([(s @ M).mean(0) for s in support])
                d = (((query @ M)[:, None] - P[None]) ** 2).sum(-1)
                acc.append(np.mean(d.argmin(1) == qy))
            rows.append((k, name, float(np.mean(acc)), 1.96 * float(np.std(acc)) / np.sqrt(len(acc))))
    return rows


def blur_start(n_episodes: int, sigmas=(0.0, 0.5)) -> list[tuple]:
    """(sigma, training, held-out) query accuracy of fewshot-digits-init-conv's genome 0 with
    its 3x3 filter set to a Gaussian blur (0: the identity, genome 0 itself), on the
    preset's first n training and n held-out episodes: does meta-training reward a blur?"""
    from scipy.ndimage import gaussian_filter
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.experiments import PRESETS
    from evo_l2l.learners.episode_net import episode_accuracy
    from evo_l2l.rules import bengio_init as bi
    config = PRESETS["fewshot-digits-init-conv"].default_config(
        **{"tasks.n_train_episodes": n_episodes, "tasks.n_heldout": n_episodes})
    tasks = build_tasks(config)
    decode = bi.decoder(config.rule.settings)
    out = []
    for sigma in sigmas:
        e = np.zeros((3, 3)); e[1, 1] = 1.0
        k = gaussian_filter(e, sigma, mode="constant") if sigma else e
        g = np.zeros(bi.N_COEF)
        g[bi.W0_START:bi.W0_START + 9] = (k.ravel() - bi.IDENTITY_KERNEL) / config.rule.settings.w0_scale
        row = decode(g[None])
        acc = [float(episode_accuracy(row, tasks.select(split), 1, config.learner.settings.clip,
                                      measure_all=False)[0, :, -1].mean())
               for split in ("train", "heldout")]
        out.append((sigma, *acc))
    return out


def fresh_check(path: str, n_episodes: int) -> list[tuple]:
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.evolution.problem import build_tasks
    run = open_run(path)
    problem = problem_for(run)
    s = dataclasses.replace(run.config.tasks.settings, seed=12345, n_train_episodes=n_episodes,
                            n_heldout=n_episodes)
    fresh = build_tasks(run.config, s)
    out = []
    for label, rule in (rule_from_spec(run, problem, "best"),
                        ("genome 0", problem.rule_of_genome(np.zeros(problem.genome.length)))):
        row = [label]
        for tasks in (run.tasks.select("train"), fresh.select("train"), fresh.select("heldout")):
            acc = problem.learner.accuracy(np.asarray(rule)[None], tasks,
                                           run.config.learner.settings)[0]
            row.append(float(acc[:, -1].mean()))
        out.append(tuple(row))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--episodes", type=int, default=500)
    ap.add_argument("--run", help="a bengio_init run: its genomes on fresh episodes")
    args = ap.parse_args()
    print(f"Nearest centroid on {args.episodes} held-out 5-way episodes (digits 7-9), "
          "features fitted on digits 0-6:\n")
    print("| shots | features | accuracy, 95% CI |\n|---|---|---|")
    for k, name, acc, ci in probes(args.episodes):
        print(f"| {k} | {name} | {acc:.3f} +- {ci:.3f} |")
    print(f"\nfewshot-digits-init-conv's genome 0 with a Gaussian blur as its filter, "
          f"{args.episodes} training and {args.episodes} held-out episodes:\n")
    print("| blur sigma | training | held-out |\n|---|---|---|")
    for sigma, a, b in blur_start(args.episodes):
        print(f"| {sigma:g} | {a:.3f} | {b:.3f} |")
    if args.run:
        print(f"\nQuery accuracy of {args.run} on its stored training episodes and on "
              f"{args.episodes} fresh episodes (task seed 12345):\n")
        print("| genome | stored training | fresh, meta-training classes | fresh, held-out "
              "classes |\n|---|---|---|---|")
        for label, a, b, c in fresh_check(args.run, args.episodes):
            print(f"| {label} | {a:.3f} | {b:.3f} | {c:.3f} |")
        from evo_l2l import open_run
        from evo_l2l.rules import bengio_init
        run = open_run(args.run, populations=False)
        s = run.config.rule.settings
        if run.config.rule.name == "bengio_init" and s.w0_form == "conv":
            g = np.asarray(run.generations["best_so_far_genome"][-1])
            k = bengio_init.IDENTITY_KERNEL + s.w0_scale * g[bengio_init.W0_START:
                                                             bengio_init.W0_START + 9]
            print("\nIts evolved 3x3 filter (identity at the start):\n")
            print("\n".join("    " + " ".join(f"{v:7.3f}" for v in row)
                            for row in k.reshape(3, 3)))


if __name__ == "__main__":
    main()
