"""`evo-l2l fewshot ...`: meta-train the evolved few-shot learner on fresh episodes, evaluate
it against the strong simple baselines on the field's protocol."""
from __future__ import annotations

import sys

import click
import numpy as np

from . import main
from .common import executor_options, parse_sets


@main.group("fewshot")
def fewshot():
    """Evolved few-shot learners on glyphs (or your data): meta-train, evaluate.

    \b
      evo-l2l fewshot list
      evo-l2l fewshot run glyphs-5way-1shot            # writes runs/glyphs-5way-1shot-seed0.h5
      evo-l2l fewshot evaluate runs/glyphs-5way-1shot-seed0.h5
    """


@fewshot.command("list")
def list_presets():
    """The few-shot meta-training presets."""
    from ..experiments.fewshot_presets import FEWSHOT_PRESETS
    width = max(map(len, FEWSHOT_PRESETS))
    for p in FEWSHOT_PRESETS.values():
        click.echo(f"{p.name:<{width}}  {p.summary}")


def _settings(name: str, toy: bool, seed, generations, sets):
    from ..components import settings_from_dict, validate_settings
    from ..evolution.fewshot_es import FewshotSettings
    from ..experiments.fewshot_presets import get
    preset = get(name)
    data = dict(preset.settings)
    if toy:
        data.update(preset.toy)
    data.update(parse_sets(sets))
    if seed is not None:
        data["seed"] = seed
    if generations is not None:
        data["n_generations"] = generations
    s = settings_from_dict(FewshotSettings, data, "fewshot")
    return preset, validate_settings(s, "fewshot")


def _train(path, preset_name, s, state, created=None, where=(None, None, None)):
    import time
    from ..evolution import fewshot_archive as fa
    from ..evolution import fewshot_es as fe
    data = fe.load_data(s)
    identity = data.identity
    t0 = time.monotonic()
    total = s.n_generations

    def checkpoint(st, status="running"):
        fa.save(path, s, st, status, preset_name, identity, created)

    def progress(st, val):
        if val is not None or st.generation == total or sys.stderr.isatty():
            line = (f"generation {st.generation}/{total}  fitness {st.train_fitness[-1]:.3f}  "
                    f"validation {st.val_accuracy[-1]:.4f} (best {st.best_accuracy:.4f} at "
                    f"{st.best_generation})  {time.monotonic() - t0:.0f} s")
            end = "\n" if val is not None or not sys.stderr.isatty() else "\r"
            click.echo(line, err=True, nl=False)
            click.echo(end, err=True, nl=False)

    from ..evolution.run import graceful_stop
    from .common import compile_lines, open_executor
    # SIGINT / SIGTERM stop the run after the generation in hand (about a second); a second
    # Ctrl-C stops at once, the last checkpoint kept.
    with open_executor(*where) as executor, graceful_stop() as stop, compile_lines():
        state = fe.meta_train(s, state, stop=stop, checkpoint=checkpoint, progress=progress,
                              executor=executor)
        done = state.generation >= s.n_generations
        checkpoint(state, "complete" if done else "interrupted")
    click.echo(f"{'complete' if done else 'interrupted'}: {path}, generation "
               f"{state.generation}, {time.monotonic() - t0:.0f} s")
    click.echo(f"best on validation: {state.best_accuracy:.4f} ({s.n_way}-way {s.k_shot}-shot, "
               f"{s.n_validation} episodes) at generation {state.best_generation}; start "
               f"{state.val_accuracy[0]:.4f}")
    if not done:
        click.echo(f"resume with: evo-l2l fewshot resume {path}")
        sys.exit(130)
    from ..analysis.fewshot_eval import validation_summary
    click.echo(validation_summary(s, state))
    click.echo(f"the protocol's numbers (evaluation alphabets, every baseline, paired CIs): "
               f"evo-l2l fewshot evaluate {path}")


@fewshot.command("run")
@click.argument("preset")
@click.option("--seed", type=click.IntRange(min=0), default=None, help="the run's seed")
@click.option("--generations", type=click.IntRange(min=0), default=None)
@click.option("--set", "sets", multiple=True, metavar="KEY=VALUE",
              help="any setting (evo-l2l fewshot settings lists them), e.g. --set size=14")
@click.option("--toy", is_flag=True, help="a few generations on few episodes (seconds)")
@click.option("-o", "--out", default=None, help="archive path (default runs/PRESET-seedN.h5)")
@click.option("--force", is_flag=True, help="replace an existing archive")
@click.option("--dry-run", is_flag=True, help="print the settings and stop")
@executor_options
def run(preset, seed, generations, sets, toy, out, force, dry_run, workers, dask_local,
        scheduler):
    """Meta-train a preset's learner; the archive keeps the genome chosen on validation."""
    from pathlib import Path
    from ..errors import ConfigError
    p, s = _settings(preset, toy, seed, generations, sets)
    path = Path(out or f"runs/{p.name}{'-toy' if toy else ''}-seed{s.seed}.h5")
    if dry_run:
        from dataclasses import asdict
        for k, v in asdict(s).items():
            click.echo(f"{k} = {v!r}")
        click.echo(f"would write {path}")
        return
    if path.exists() and not force:
        raise ConfigError(f"{path} exists; use --force to replace it, or `evo-l2l fewshot "
                          f"resume {path}` to continue it")
    path.parent.mkdir(parents=True, exist_ok=True)
    _train(path, p.name, s, None, where=(workers, dask_local, scheduler))


@fewshot.command("resume")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--generations", type=click.IntRange(min=0), default=None,
              help="run up to this many generations (default: the archive's)")
@executor_options
def resume(archive, generations, workers, dask_local, scheduler):
    """Continue a run exactly where its archive stopped."""
    import dataclasses
    from ..evolution import fewshot_archive as fa
    r = fa.load(archive)
    s = r.settings
    if generations is not None:
        s = dataclasses.replace(s, n_generations=generations)
    if r.state.generation >= s.n_generations:
        click.echo(f"{archive} is complete at generation {r.state.generation}; "
                   f"--generations N continues it")
        return
    _train(archive, r.attrs.get("preset", ""), s, r.state, r.attrs.get("created"),
           (workers, dask_local, scheduler))


@fewshot.command("info")
@click.argument("archive", type=click.Path(dir_okay=False))
def info(archive):
    """Settings, status, data and the validation curve of an archive."""
    from dataclasses import asdict
    from ..evolution import fewshot_archive as fa
    r = fa.load(archive)
    st = r.state
    click.echo(f"{archive}: {r.attrs.get('preset')} {r.status}, generation {st.generation}, "
               f"{r.attrs.get('generated_by')}")
    click.echo(f"data: {r.identity['name']} sha256 {r.identity['sha256'][:16]} "
               f"({r.identity['version']})")
    click.echo("settings: " + ", ".join(f"{k}={v}" for k, v in asdict(r.settings).items()))
    click.echo(f"best on validation: {st.best_accuracy:.4f} at generation {st.best_generation}; "
               f"meta-training {st.seconds:.0f} s")
    pairs = list(zip(st.val_generation, st.val_accuracy))
    step = max(1, len(pairs) // 12)
    click.echo("validation: " + "  ".join(f"{g}:{a:.3f}" for g, a in pairs[::step]))


@fewshot.command("evaluate")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--target", default=None,
              help="evaluation (the run's evaluation alphabets), digits (cross-domain), or a "
                   "path to your data; default: the preset's")
@click.option("--way", type=click.IntRange(min=2), default=None, help="default: the run's")
@click.option("--shot", type=click.IntRange(min=1), default=None, help="default: the run's")
@click.option("--queries", type=click.IntRange(min=1), default=15, show_default=True)
@click.option("--episodes", type=click.IntRange(min=1), default=2000, show_default=True)
@click.option("--validation", type=click.IntRange(min=1), default=500, show_default=True,
              help="validation episodes that choose the baselines' knobs")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
def evaluate(archive, target, way, shot, queries, episodes, validation, seed, fmt):
    """The learner, its unevolved start and the baselines on the same episodes."""
    from ..analysis.fewshot_eval import evaluate_run, format_result
    from ..evolution import fewshot_archive as fa
    from ..experiments.fewshot_presets import FEWSHOT_PRESETS
    r = fa.load(archive)
    if target is None:
        preset = FEWSHOT_PRESETS.get(r.attrs.get("preset"))
        target = preset.target if preset else "evaluation"
    from .common import compile_lines
    with compile_lines(fmt == "json"):
        result = evaluate_run(r, target, way, shot, queries, episodes, validation, seed)
    if fmt == "json":
        import json
        out = dict(result)
        out["rows"] = [{k: (v.tolist() if isinstance(v, np.ndarray) else v)
                        for k, v in row.items() if k != "accuracy"} for row in result["rows"]]
        click.echo(json.dumps(out, indent=1, default=float))
        return
    click.echo(format_result(result))


@fewshot.command("settings")
def settings_list():
    """Every setting `run --set KEY=VALUE` takes, with its default."""
    from ..components import settings_table
    from ..evolution.fewshot_es import FewshotSettings
    rows = settings_table(FewshotSettings)
    width = max(len(name) for name, _, _ in rows)
    for name, default, doc in rows:
        click.echo(f"{name:<{width}}  {default!r:<10} {doc}")


@fewshot.command("plot")
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("-o", "--out", default=None, help="image path (default: ARCHIVE with .png)")
def plot(archive, out):
    """The validation curve, the training fitness and the filters before and after."""
    from pathlib import Path
    from ..analysis.fewshot_plots import fewshot_figure
    from ..evolution import fewshot_archive as fa
    r = fa.load(archive)
    out = out or str(Path(archive).with_suffix(".png"))
    fewshot_figure(r, out)
    click.echo(f"wrote {out}")
