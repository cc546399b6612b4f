#!/usr/bin/env python
"""Rerun archived runs with this evo_l2l and compare their arrays: is a result reproduced?

    python scripts/same_results.py ARCHIVE [ARCHIVE ...]

For each archive (any format this version reads, e.g. one written by an older
release), runs its config again (same seed, generations, population) in a
temporary folder and compares the task set and every per-generation array
except wall-clock times. Prints one line per archive; exit 1 if any differs.
CMA-ES archives reproduce only on the CPU kind that wrote them: its covariance
update and eigen-decomposition run in numpy's BLAS/LAPACK, whose sums (and the
signs of the eigenvectors) differ between CPU kinds.
"""
import argparse
import os
import sys
import tempfile

import numpy as np

from evo_l2l import open_run
from evo_l2l.evolution.run import start_run


def differing(a, b) -> list[str]:
    out = [f"tasks/{k}" for k, v in a.tasks.arrays().items()
           if k not in b.tasks.arrays() or not np.array_equal(v, b.tasks.arrays()[k])]
    for k, v in a.generations.items():
        if k == "wall_time":
            continue
        w = b.generations.get(k)
        v = np.asarray(v)
        # NaN marks "not reached" and the like: equal where both are NaN.
        if w is None or not np.array_equal(v, np.asarray(w), equal_nan=v.dtype.kind == "f"):
            out.append(f"generations/{k}")
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("archives", nargs="+")
    args = ap.parse_args()
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.archives:
            old = open_run(path)
            config = old.config.with_overrides({"run.n_generations": old.n_generations_done})
            new_path = os.path.join(tmp, "rerun.h5")
            start_run(config, new_path, force=True)
            diff = differing(old, open_run(new_path))
            bad += bool(diff)
            print(f"{path}: {config.run.preset}, format {old.attrs.get('format_version')}, "
                  f"{old.n_generations_done} generations: "
                  + ("same tasks and arrays" if not diff else "DIFFER: " + ", ".join(diff)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
