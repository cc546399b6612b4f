"""Seconds from SIGTERM to exit of `evo-l2l run`, over several trials.

    python scripts/stop_latency.py [--trials N] [--wait S] [--src DIR] -- RUN ARGS...

Each trial starts `python -m evo_l2l run RUN ARGS -q --force -o TMP.h5`, waits until its
archive is marked running plus S seconds (and a little more each trial, to land at other
points of a generation), sends SIGTERM and times the exit; it prints the exit code, the
archive's status and the last line on stderr. --src runs the evo_l2l found in DIR (e.g. an
older tree unpacked with `git archive`) instead of the installed one.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time


def running(path: str) -> bool:
    from evo_l2l import open_run
    from evo_l2l.archive import ArchiveError
    try:
        return open_run(path, populations=False).status == "running"
    except (ArchiveError, OSError):
        return False


def main() -> None:
    argv = sys.argv[1:]
    if "--" not in argv:
        sys.exit("usage: stop_latency.py [--trials N] [--wait S] [--src DIR] -- RUN ARGS...")
    cut = argv.index("--")
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=4)
    ap.add_argument("--wait", type=float, default=2.0)
    ap.add_argument("--src", default=None)
    opts = ap.parse_args(argv[:cut])
    run_args = argv[cut + 1:]
    env = dict(os.environ)
    if opts.src:
        env["PYTHONPATH"] = os.path.abspath(opts.src)
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(opts.trials):
            path = os.path.join(tmp, f"t{k}.h5")
            proc = subprocess.Popen([sys.executable, "-m", "evo_l2l", "run", *run_args, "-q",
                                     "--force", "-o", path], stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, text=True, env=env, cwd=tmp)
            while not running(path):
                if proc.poll() is not None:
                    sys.exit(f"the run ended before it was signalled: {proc.stderr.read()}")
                time.sleep(0.05)
            time.sleep(opts.wait + (k * 0.7) % 3)
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            err = proc.communicate()[1]
            took = time.monotonic() - sent
            times.append(took)
            from evo_l2l import open_run
            status = open_run(path, populations=False).status
            last = err.strip().splitlines()[-1] if err.strip() else ""
            print(f"trial {k}: exit {proc.returncode} after {took:.2f} s, archive {status}: "
                  f"{last}", flush=True)
    times.sort()
    print(f"SIGTERM to exit: min {times[0]:.2f} s, median {times[len(times) // 2]:.2f} s, "
          f"max {times[-1]:.2f} s over {len(times)} trials")


if __name__ == "__main__":
    main()
