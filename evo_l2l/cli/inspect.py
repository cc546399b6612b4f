"""`evo-l2l best` and `evo-l2l info`: questions answered from the archive alone."""
from __future__ import annotations

import json
import time

import click

from . import main


def _problem(run):
    from ..evolution.problem import make_problem
    return make_problem(run.config, run.tasks)


@main.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--top", "top", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many distinct rules to show, best first.")
@click.option("--generation", type=click.IntRange(min=0),
              help="Rank one generation's population instead of the whole run.")
@click.option("--format", "fmt", type=click.Choice(["text", "python", "latex", "json"]),
              help="text (the default): formula, fitness, details; python: a runnable "
                   "`def rule(...)` per rule (helpers such as pdiv included); latex: the "
                   "equation; json: everything (as --json).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (--format json).")
@click.option("--runs-below", "runs_below", type=click.Path(file_okay=False), metavar="DIR",
              help="Meta runs: write the best operators' training runs below as whole "
                   "archives into DIR (re-run exactly from their seeds).")
def best(archive, top, generation, fmt, as_json, runs_below):
    """The best rules of a run: formula, coefficients, train and held-out fitness.

    \b
    Fitness is the mean over the training (held-out) tasks of the learner's
    performance; `evo-l2l info` names the measure.
    dist(NAME), parametric rules: the cosine distance between the rule's term
    coefficients and those of the known rule NAME (delta, hebb, oja, none...):
    0 is NAME at some positive rate, 1 shares nothing with it, 2 is NAME with
    the sign flipped. In formulas x^2 is a power and pdiv(x, y) a protected
    division: x / y, but 1 where |y| <= 1e-12 (as the kernels compute it).
    """
    from ..archive import open_run
    from ..analysis.rules import describe_rule, form_tag, ranked_rules
    from ..errors import ArchiveError, ConfigError
    from ..rules.kinds import kind_of
    if as_json and fmt not in (None, "json"):
        raise ConfigError(f"--json and --format {fmt} disagree: pass one of them")
    fmt = "json" if as_json else fmt or "text"
    run = open_run(archive)
    if run.n_generations_done < 1:
        raise ArchiveError(f"{archive}: holds no complete generation yet")
    problem = _problem(run)
    kind = kind_of(problem)
    if fmt in ("python", "latex"):
        refusal = kind.export_refusal(problem)
        if refusal:
            raise ConfigError(f"{archive}: {refusal}")
    try:
        ranked = ranked_rules(run, problem, top, generation)
    except ValueError as exc:
        raise ArchiveError(f"{archive}: {exc}") from None
    rules = [describe_rule(problem, rule, rank=n + 1, generation=gen)
             for n, (gen, rule) in enumerate(ranked)]
    if runs_below:
        gen = int(run.state["generation"])
        row = problem.rule_of_genome(run.generations["best_so_far_genome"][gen])
        try:
            written = kind.write_runs_below(problem, row, "train", runs_below)
        except ValueError as exc:
            raise ArchiveError(f"{archive}: {exc}") from None
        for path in written:
            click.echo(f"wrote {path}", err=True)
    from ..analysis import self_modification as sm
    lifetime = None
    if sm.applies(problem):
        lifetime = sm.summary(problem, problem.rule_of_genome(
            run.generations["best_so_far_genome"][int(run.state["generation"])]))
    if fmt == "json":
        out = rules if top > 1 else rules[0]
        if lifetime is not None:
            out = {"rules": rules, "self_modification": lifetime}
        click.echo(json.dumps(out, indent=2))
        return
    if fmt in ("python", "latex"):
        _export(run, problem, ranked, rules, fmt)
        return
    lines = kind.best_lines(problem, rules)
    if lines is not None:
        click.echo("\n".join(lines))
        return
    for (_, rule), r in zip(ranked, rules):
        click.echo(f"#{r['rank']} (generation {r['generation']}): {r['formula']}{form_tag(problem, r)}")
        # "none" (no learning) has no direction: its distance is 1 for every rule.
        dist = {k: v for k, v in r.get("distance_to_known_rules", {}).items() if k != "none"}
        click.echo(f"   fitness {r['fitness']:.4f}   held-out {r['heldout_fitness']:.4f}"
                   + "".join(f"   dist({k}) {v:.3f}" for k, v in dist.items()))
        details = kind.detail_lines(problem, r)
        for line in details:
            click.echo("   " + line)
        exact = kind.exact_line(problem, rule)
        if exact and not any(exact.partition(": ")[2] in line for line in details):
            click.echo("   " + exact)      # what `evaluate --rule` reads back exactly
    _strengths(run)
    if lifetime is not None:
        click.echo("best-so-far rule during a lifetime:")
        click.echo("\n".join("   " + line for line in sm.format_summary(lifetime)))


def _export(run, problem, ranked, rules, fmt) -> None:
    """--format python or latex: each rule, described in a comment line."""
    import os
    from ..analysis import export
    comment = "#" if fmt == "python" else "%"
    out = []
    for (_, rule), r in zip(ranked, rules):
        head = (f"{comment} #{r['rank']} of {os.path.basename(run.path)} (generation "
                f"{r['generation']}): fitness {r['fitness']:.4f}, held-out "
                f"{r['heldout_fitness']:.4f}")
        if fmt == "python":
            name = "rule" if r["rank"] == 1 else f"rule_{r['rank']}"
            out.append(head + "\n" + export.python_source(problem, rule, name))
        else:
            out.append(head + "\n" + export.latex(problem, rule))
    click.echo(("\n\n" if fmt == "python" else "\n").join(out))


def _strengths(run) -> None:
    """Self-adaptive searches: where the mutation strengths went."""
    import numpy as np
    g = run.generations
    if "trace_median_strength" not in g:
        return
    first, last = g["trace_median_strength"][0], g["trace_median_strength"][-1]
    click.echo(f"self-adapted mutation strengths (median over the population, per gene): "
               f"{np.median(first):.3g} at generation 0 -> {np.median(last):.3g} "
               f"(range {last.min():.3g}..{last.max():.3g}) at generation {int(g['generation'][-1])}")
    if "trace_median_tau" in g:
        tau = g["trace_median_tau"][:, 0]
        click.echo(f"meta strength tau (median of the parents): {tau[0]:.3g} -> {tau[-1]:.3g}")


def _status(run) -> str:
    from ..archive import writer_alive
    if run.status == "running":
        live = writer_alive(run)
        if live:
            return f"running (writer {live}, last flush {time.time() - run.heartbeat:.1f} s ago)"
        return "interrupted (writer stopped without closing)"
    return run.status


@main.command()
@click.argument("archive", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def info(archive, as_json):
    """Preset, config, seed, progress, status, versions and best fitness of a run.

    Exits 2 with one line if what it reads fails the cheap part of `evo-l2l verify`
    (metadata checksums, JSON attributes, the resume state against its table row)."""
    from ..archive import check_quickly, open_run
    from ..errors import ArchiveError
    run = open_run(archive, populations=False)
    check_quickly(run)
    try:
        d = _info(archive, run)
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise ArchiveError(f"{archive}: damaged archive ({exc!r})") from None
    _print_info(d, as_json)


def _info(archive: str, run) -> dict:
    """What info prints, as a dict."""
    from ..rules.kinds import kind_of
    n = run.n_generations_done
    d = {
        "archive": archive, "format": run.attrs.get("format"),
        "format_version": run.attrs.get("format_version"),
        "preset": run.attrs.get("preset"), "toy": bool(run.config.run.toy),
        "seed": run.attrs.get("seed"), "status": _status(run), "generations_done": n,
        "generations_target": int(run.state["n_generations_target"]),
        "wall_seconds": float(run.state["elapsed"]),
        "best_fitness": float(run.state["hof_fitness"]) if n else None,
        "best_heldout_fitness": float(run.state["hof_heldout_fitness"]) if n else None,
        "best_generation": int(run.state["hof_generation"]) if n else None,
        "created": run.attrs.get("creation_date"), "generated_by": run.attrs.get("generated_by"),
        "versions": json.loads(run.attrs.get("versions", "{}")),
        "config": run.config.to_dict(),
        "tasks": {"train": int((run.tasks.split == 0).sum()),
                  "heldout": int((run.tasks.split == 1).sum())},
    }
    d.update(kind_of(run).info(run))
    return d


def _print_info(d: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(d, indent=2))
        return
    d_text = dict(d, preset=f"{d['preset']} (toy size: run --toy)") if d["toy"] else d
    for key in ("archive", "preset", "seed", "status", "generations_done", "generations_target",
                "wall_seconds", "best_fitness", "best_heldout_fitness", "best_generation",
                "created", "generated_by"):
        v = d_text[key]
        click.echo(f"{key:22s} {v:.4f}" if isinstance(v, float) else f"{key:22s} {v}")
    click.echo(f"{'tasks':22s} {d['tasks']['train']} train, {d['tasks']['heldout']} held-out")
    if "fec" in d:
        rate = d["fec"]["hit_rate"]
        click.echo(f"{'fec_hit_rate':22s} {'-' if rate is None else f'{rate:.4f}'} "
                   f"({d['fec']['hits']} of {d['fec']['lookups']} lookups)")
    click.echo(f"{'versions':22s} " + ", ".join(f"{k} {v}" for k, v in d["versions"].items()))
    click.echo(f"{'config':22s} " + json.dumps(d["config"], sort_keys=True))
