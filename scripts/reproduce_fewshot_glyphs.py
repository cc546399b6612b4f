#!/usr/bin/env python
"""Evolved few-shot learners on glyphs against the strong simple baselines: the tables of
docs/results/glyphs.md.

    python scripts/reproduce_fewshot_glyphs.py [--presets glyphs-5way-1shot ...]
        [--out runs/fewshot] [--episodes 2000] [--seed 0] [--generations G] [--toy]

For each preset: meta-trains it (an archive already at OUT/PRESET.h5 that is complete with
the same settings is reused; an interrupted one is resumed), then prints what
`evo-l2l fewshot evaluate OUT/PRESET.h5 --episodes N` prints (the learner, its unevolved
start and the baselines on the same evaluation episodes, paired 95% CIs) with the
meta-training wall time and the CPU. glyphs-to-digits reuses the glyphs-5way-1shot
archive when both are asked for (their meta-training is the same), evaluated on digits.
"""
import argparse
import dataclasses
import os
import sys
import time

from machine import cpu_model


def train(name: str, out: str, generations, toy: bool, seed: int):
    from evo_l2l.components import settings_from_dict, validate_settings
    from evo_l2l.errors import ArchiveError
    from evo_l2l.evolution import fewshot_archive as fa
    from evo_l2l.evolution import fewshot_es as fe
    from evo_l2l.experiments.fewshot_presets import get
    p = get(name)
    data = dict(p.settings, seed=seed, **(p.toy if toy else {}))
    if generations is not None:
        data["n_generations"] = generations
    s = validate_settings(settings_from_dict(fe.FewshotSettings, data, "fewshot"), "fewshot")
    path = os.path.join(out, f"{name}.h5")
    state = None
    if os.path.exists(path):
        try:
            run = fa.load(path)
            if dataclasses.replace(run.settings, n_generations=s.n_generations) == s:
                state = run.state
        except ArchiveError:
            pass
    if state is None or state.generation < s.n_generations:
        identity = fe.load_data(s).identity

        def checkpoint(st):
            fa.save(path, s, st, "running", name, identity)

        def progress(st, val):
            if val is not None:
                print(f"  {name}: generation {st.generation}/{s.n_generations} validation "
                      f"{val:.4f} ({st.seconds:.0f} s)", file=sys.stderr, flush=True)
        state = fe.meta_train(s, state, checkpoint=checkpoint, progress=progress)
        fa.save(path, s, state, "complete", name, identity)
    return path


def main() -> None:
    from evo_l2l.experiments.fewshot_presets import FEWSHOT_PRESETS
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--presets", nargs="+", default=list(FEWSHOT_PRESETS))
    ap.add_argument("--out", default="runs/fewshot")
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--validation", type=int, default=500)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generations", type=int, default=None)
    ap.add_argument("--toy", action="store_true", help="the presets' toy sizes (seconds)")
    args = ap.parse_args()
    from evo_l2l.analysis.fewshot_eval import evaluate_run, format_result
    from evo_l2l.evolution import fewshot_archive as fa
    os.makedirs(args.out, exist_ok=True)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; {time.strftime('%Y-%m-%d')}")
    for name in args.presets:
        source = name
        if name == "glyphs-to-digits" and "glyphs-5way-1shot" in args.presets:
            source = "glyphs-5way-1shot"
        path = train(source, args.out, args.generations, args.toy, args.seed)
        run = fa.load(path)
        t0 = time.monotonic()
        result = evaluate_run(run, FEWSHOT_PRESETS[name].target, n_episodes=args.episodes,
                              n_validation=args.validation, seed=args.seed)
        print(f"\n### {name} (archive {path}; meta-training {run.state.seconds:.0f} s, "
              f"{run.state.generation} generations; evaluation {time.monotonic() - t0:.0f} s)")
        print("```")
        print(format_result(result))
        print("```")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
