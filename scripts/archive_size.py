#!/usr/bin/env python
"""Archive size and write time per chunk filter setting (checksums, compression).

    python scripts/archive_size.py [--runs chalmers1990:1000 chalmers1990-gp:200] [--population 40]

For each preset:generations and each filter setting, runs the preset (seed 0)
with flush interval 1 s (the default) and with a flush after every generation
(0.001 s), and prints the archive's size per 1000 generations, the writer's
own time (ArchiveWriter.write_seconds) and the time `open_run` takes to read
the whole archive back. Archives go to a temp folder, removed at the end.
"""
import argparse
import os
import shutil
import tempfile
import time

import evo_l2l.archive.schema as archive
from evo_l2l import open_run
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

SETTINGS = {
    "none": {},
    "fletcher32": {"fletcher32": True},
    "fletcher32+lzf": {"fletcher32": True, "shuffle": True, "compression": "lzf"},
    "fletcher32+shuffle+gzip1": {"fletcher32": True, "shuffle": True, "compression": "gzip",
                                 "compression_opts": 1},
    "fletcher32+shuffle+gzip4": {"fletcher32": True, "shuffle": True, "compression": "gzip",
                                 "compression_opts": 4},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", default=["chalmers1990:1000", "chalmers1990-gp:200"],
                    help="PRESET:GENERATIONS")
    ap.add_argument("--population", type=int, default=40)
    ap.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    ap.add_argument("--flush", nargs="+", type=float, default=[1.0, 0.001])
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="evo_l2l_size_")
    print(f"{'preset':>16} {'gens':>5} {'flush':>6} {'setting':>25} {'MB/1000 gen':>11} "
          f"{'write s':>8} {'read s':>7}")
    try:
        for spec in args.runs:
            preset, gens = spec.split(":")
            gens = int(gens)
            for flush in args.flush:
                for name in args.settings:
                    archive.CHUNK_FILTERS = SETTINGS[name]
                    path = os.path.join(tmp, f"{preset}-{name}-{flush}.h5")
                    config = PRESETS[preset].default_config(
                        n_generations=gens, population=args.population, flush_interval=flush)
                    result = start_run(config, path)
                    t0 = time.perf_counter()
                    open_run(path)
                    read = time.perf_counter() - t0
                    mb = os.path.getsize(path) / 1e6 * 1000 / gens
                    print(f"{preset:>16} {gens:>5} {flush:>6} {name:>25} {mb:11.2f} "
                          f"{result.write_seconds:8.3f} {read:7.3f}", flush=True)
                    os.remove(path)
    finally:
        shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
