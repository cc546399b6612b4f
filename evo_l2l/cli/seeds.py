"""`evo-l2l run PRESET --seeds 0-9`: whole runs spread over an executor, then a table."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time

import click

from ..errors import ConfigError
from .common import compile_lines, default_archive, open_executor


def parse_seeds(text: str) -> list[int]:
    """'0-9', '3', '0,2,5-7' -> the seeds in order, each once."""
    out: list[int] = []
    for part in text.split(","):
        a, sep, b = part.strip().partition("-")
        try:
            lo = int(a)
            hi = int(b) if sep else lo
        except ValueError:
            raise ConfigError(f"--seeds expects a list like 0-9 or 0,3,5-7, got {text!r}") from None
        if lo < 0 or hi < lo:
            raise ConfigError(f"--seeds: {part.strip()!r} is not a range of seeds >= 0")
        out.extend(s for s in range(lo, hi + 1) if s not in out)
    return out


def _paths(config, seeds: list[int], output: str | None) -> list[str]:
    if output is None:
        return [default_archive(config, s) for s in seeds]
    if "{seed}" not in output:
        raise ConfigError("with --seeds, -o must contain {seed} (one archive per seed), e.g. "
                          "-o runs/mine-seed{seed}.h5")
    return [output.replace("{seed}", str(s)) for s in seeds]


def run_seeds(preset, overrides: dict, seeds: list[int], output, force: bool, quiet: bool,
              as_json: bool, dry_run: bool, executor_args: tuple) -> None:
    from ..evolution.run import run_summary
    configs = [preset.default_config(**{**overrides, "run.seed": s}) for s in seeds]
    paths = _paths(configs[0], seeds, output)
    if len(set(paths)) != len(paths):
        raise ConfigError("two seeds would write the same archive")
    existing = [p for p in paths if os.path.exists(p)]
    if existing and not force:
        raise ConfigError(f"{existing[0]} exists ({len(existing)} of the archives do); "
                          "pass --force to overwrite")
    if dry_run:
        plan = [{"seed": s, "archive": p} for s, p in zip(seeds, paths)]
        click.echo(json.dumps(plan, indent=2) if as_json else
                   "\n".join(f"# seed {d['seed']}: would write {d['archive']}" for d in plan))
        return
    for folder in {os.path.dirname(p) for p in paths}:
        if folder:
            os.makedirs(folder, exist_ok=True)
    for c in configs:
        c.validate()
    jobs = [{"config": c.to_dict(), "path": p, "force": force} for c, p in zip(configs, paths)]
    t0 = time.perf_counter()
    rows: list = []
    with open_executor(*executor_args, quiet=quiet or as_json) as executor:
        if executor.name == "in-process":
            # One after another in this process: a stop (Ctrl-C) ends the current run
            # cleanly and starts no further one.
            for seed, job in zip(seeds, jobs):
                if not quiet and not as_json:
                    click.echo(_starting_line(seed, len(rows), len(jobs),
                                              time.perf_counter() - t0), err=True)
                with compile_lines(quiet or as_json):
                    rows.append(run_summary(job))
                if not quiet and not as_json:
                    click.echo(_progress_line(rows[-1], len(rows), len(jobs),
                                              time.perf_counter() - t0), err=True)
                if rows[-1]["stop_signal"] is not None:
                    break
        else:
            if not quiet and not as_json:
                click.echo(f"{len(jobs)} runs (seeds {_seed_list(seeds)}) on "
                           f"{executor.name}", err=True)
            stopped_by = _spread(executor, run_summary, jobs, rows, quiet or as_json, t0)
            if stopped_by is not None:
                click.echo(f"stopped ({len(rows)} of {len(jobs)} runs done); a run that was in "
                           "progress continues with evo-l2l resume ARCHIVE", err=True)
                sys.exit(128 + stopped_by)
    wall = time.perf_counter() - t0
    if as_json:
        click.echo(json.dumps({"runs": rows, "wall_seconds": wall,
                               "executor": executor.name}, indent=2))
    else:
        _table(rows, wall, executor.name)
    stopped = [r for r in rows if r["status"] != "complete"]
    if stopped or len(rows) < len(jobs):
        signals = [r["stop_signal"] for r in rows if r["stop_signal"]]
        sys.exit(128 + signals[0] if signals else 1)


def _spread(executor, fn, jobs: list, rows: list, quiet: bool, t0: float) -> int | None:
    """The runs on the executor's workers, rows filled in seed order; a SIGINT/SIGTERM stops
    waiting at once, stops the runs in local workers (their archives stay resumable) and
    returns the signal."""
    from ..evolution.loop import StopRun
    from ..evolution.run import graceful_stop
    done: dict = {}
    with graceful_stop() as stop:
        try:
            stop.interruptible = True
            for i, row in executor.as_completed(fn, jobs):
                done[i] = row
                if not quiet:
                    click.echo(_progress_line(row, len(done), len(jobs),
                                              time.perf_counter() - t0), err=True)
        except StopRun:
            pass
        finally:
            stop.interruptible = False
            rows.extend(done[i] for i in sorted(done))
    if stop.signal is not None and len(done) < len(jobs):
        if hasattr(executor, "stop_workers"):
            executor.stop_workers()
        return stop.signal
    return None


def eta_text(elapsed: float, n_done: int, n_total: int) -> str:
    """The time until the last run is done, at the pace of the runs done so far (on a pool:
    runs done per second): ', ETA 3 min 20 s' ('' before the first run is done, or after
    the last)."""
    if n_done < 1 or n_done >= n_total:
        return ""
    left = round(elapsed / n_done * (n_total - n_done))
    if left >= 3600:
        return f", ETA {left // 3600} h {left % 3600 // 60} min"
    if left >= 60:
        return f", ETA {left // 60} min {left % 60} s"
    return f", ETA {left} s"


def _seed_list(seeds: list[int]) -> str:
    return ", ".join(map(str, seeds)) if len(seeds) <= 6 else \
        f"{', '.join(map(str, seeds[:3]))}, ..., {seeds[-1]}"


def _starting_line(seed: int, n_done: int, n_total: int, elapsed: float) -> str:
    return f"[{n_done + 1}/{n_total}] seed {seed}: running{eta_text(elapsed, n_done, n_total)}"


def _progress_line(row: dict, n_done: int, n_total: int, elapsed: float) -> str:
    best = "-" if row["best_fitness"] is None else f"{row['best_fitness']:.4f}"
    return (f"[{n_done}/{n_total}] seed {row['seed']}: {row['status']}, best {best}, "
            f"{row['wall_seconds']:.1f} s{eta_text(elapsed, n_done, n_total)}")


def _table(rows: list, wall: float, executor: str) -> None:
    def f(v):
        return "-" if v is None else f"{v:.4f}"
    click.echo(f"{'seed':>4} {'status':>11} {'gens':>5} {'train':>7} {'held-out':>8} "
               f"{'wall s':>7}  best rule")
    for r in rows:
        click.echo(f"{r['seed']:>4} {r['status']:>11} {r['generations']:>5} "
                   f"{f(r['best_fitness']):>7} {f(r['best_heldout_fitness']):>8} "
                   f"{r['wall_seconds']:7.1f}  {r['best_rule'] or '-'}")
    fits = [r["best_fitness"] for r in rows if r["best_fitness"] is not None]
    held = [r["best_heldout_fitness"] for r in rows if r["best_heldout_fitness"] is not None]
    if fits:
        click.echo(f"train: mean {statistics.mean(fits):.4f}, min {min(fits):.4f}, "
                   f"max {max(fits):.4f}; held-out: mean {statistics.mean(held):.4f}")
    click.echo(f"{len(rows)} runs in {wall:.1f} s ({executor}); archives: "
               + ", ".join(r["archive"] for r in rows[:2]) + (", ..." if len(rows) > 2 else ""))
