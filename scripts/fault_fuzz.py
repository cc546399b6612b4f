#!/usr/bin/env python
"""Fuzzed inputs to the command line: every one must end in a result or in one clear line.

    python scripts/fault_fuzz.py [--inputs 300] [--seed 0] [--timeout 180]

Seeded random inputs, each one `evo-l2l` subprocess, in four kinds (in turn):
- set: `run chalmers1990 --toy --generations 1 --set KEY=VALUE`, KEY a real setting of the
  preset, a component choice or a made-up name, VALUE an integer, float, nan/inf, bool,
  null, text, unicode, a long or empty string, JSON lists and tables, nested up to 60 deep;
- config: the preset's config file (`evo-l2l experiments chalmers1990`), as TOML or JSON,
  with a line dropped, doubled, cut short, a value replaced by a fuzzed one or random bytes
  written into it, given to `run --config`;
- options: `run`'s numeric and list options (--seed, --generations, --population,
  --flush-interval, --seeds, the preset name) with odd values;
- archive: a 3-generation archive (a flush per generation) truncated, with flipped bytes or
  an overwritten 4 KiB block, empty, random bytes, a directory or a missing file, given to
  `info`, `best`, `verify`, `resume --generations 4`, `plot`, `report` or `compare`.

Each input's outcome, and the count it adds to when it is wrong (all must be 0):
- tracebacks: "Traceback" in the output, or an exit code other than 0, 1 and 2;
- unclear_errors: exit 2 (or 1) with other than exactly one line on stderr;
- hangs: no exit within --timeout seconds (the process is killed);
- lost_runs: `run` said 0 but its archive does not open and verify, or a command that
  refused (non-zero exit) changed the archive it was given;
- silent_divergences: `run --set KEY=VALUE` exited 0 and its archive's config does not
  hold the value asked for (but for run.n_generations: the input's --generations wins); `resume` of a damaged archive exited 0 and its arrays differ
  from the run taken to 4 generations in one go; `verify` called an archive intact of
  which open_run reads anything (attributes, config, arrays) other than the original's.
Prints one JSON line: the counts, the inputs of each kind, the exit codes and seconds;
each wrong outcome is named on stderr. Exit 1 if any count is non-zero.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
KINDS = ("set", "config", "options", "archive")
COUNTS = ("lost_runs", "silent_divergences", "tracebacks", "hangs", "unclear_errors")
PRESET = "chalmers1990"


def cli(args, timeout, cwd):
    """(exit code or None on a timeout, stdout, stderr) of `evo-l2l ARGS`."""
    try:
        res = subprocess.run([sys.executable, "-m", "evo_l2l", *args], capture_output=True,
                             text=True, timeout=timeout, cwd=cwd, errors="replace")
    except subprocess.TimeoutExpired:
        return None, "", ""
    return res.returncode, res.stdout, res.stderr


def classify(code, out, err, counts, notes, what) -> bool:
    """Counts a traceback, hang or unclear error of one command; True if none."""
    if code is None:
        counts["hangs"] += 1
        notes.append(f"hangs: {what}")
        return False
    if "Traceback" in out + err or code not in (0, 1, 2):
        counts["tracebacks"] += 1
        tail = (err.strip().splitlines() or ["(no output)"])[-1]
        notes.append(f"tracebacks: {what}: exit {code}: {tail}")
        return False
    if code != 0 and len([line for line in err.splitlines() if line.strip()]) != 1:
        counts["unclear_errors"] += 1
        notes.append(f"unclear_errors: {what}: exit {code}: {err.strip()[-300:]!r}")
        return False
    return True


# -- values --------------------------------------------------------------------------------

def fuzz_value(rnd: random.Random):
    """A JSON-able value or raw text (str prefixed by '\0' is sent as is)."""
    pick = rnd.randrange(16)
    if pick == 0:
        return rnd.randint(-3, 200)
    if pick == 1:
        return rnd.choice([0, -1, 2 ** 31, 2 ** 63, 10 ** 30, -(10 ** 30)])
    if pick == 2:
        return rnd.choice([0.0, -0.5, 1e-300, 1e300, 3.5, 0.999])
    if pick == 3:
        return "\0" + rnd.choice(["nan", "inf", "-inf", "NaN", "1e999", "-1e999", "Infinity"])
    if pick == 4:
        return rnd.choice([True, False, None])
    if pick == 5:
        return rnd.choice(["", " ", "mean", "ga", "cmaes", "x" * rnd.randint(1, 5000)])
    if pick == 6:
        return "".join(chr(rnd.choice([0x3b1, 0x1f600, 0x202e, 0xfeff, 0x41, 0x7f, 0x09]))
                       for _ in range(rnd.randint(1, 12)))
    if pick == 7:
        depth = rnd.randint(1, 60)
        return "\0" + "[" * depth + str(rnd.randint(0, 9)) + "]" * depth
    if pick == 8:
        return [rnd.randint(-5, 12) for _ in range(rnd.randint(0, 4))]
    if pick == 9:
        return [[rnd.randint(-2, 9) for _ in range(rnd.randint(0, 4))]
                for _ in range(rnd.randint(0, 6))]
    if pick == 10:
        return {rnd.choice(["a", "name", "", "0"]): fuzz_value(rnd)}
    if pick == 11:
        return "\0" + rnd.choice(["{", "[1,", "\"unterminated", "1.2.3", "0x10", "1_000",
                                  "--", "=", "a=b", "{\"a\": }", "\\u0000"])
    if pick == 12:
        return rnd.uniform(-1e6, 1e6)
    if pick == 13:
        return rnd.randint(1, 50)
    if pick == 14:
        return rnd.choice(["mean", "min", "roulette", "tournament", "two_point", "bits",
                           "real", "single_layer", "linearly_separable"])
    return "\0" + "".join(rnd.choice("0123456789.-+eE[]{},:\"tfn ") for _ in range(rnd.randint(1, 20)))


def as_text(value) -> str:
    if isinstance(value, str) and value.startswith("\0"):
        return value[1:]
    return json.dumps(value, allow_nan=True)


# -- the preset's settings -----------------------------------------------------------------

def setting_keys(config_dict: dict) -> list:
    keys = []
    for section, table in config_dict.items():
        keys.extend(f"{section}.{k}" for k in table)
        keys.extend(k for k in table if k != "name")          # bare keys
    return keys + ["optimizer", "learner", "rule", "tasks", "nosuch.key", "run.nosuch",
                   "", ".", "rule.", ".seed", "a.b.c", "RULE.genome"]


def expected_in_config(config: dict, key: str, value) -> bool:
    """Whether an accepted --set KEY=VALUE shows in the archived config (as far as a plain
    comparison can tell: numbers as numbers, text as text)."""
    if "." in key:
        section, name = key.split(".", 1)
    else:
        found = [s for s, t in config.items() if key in t]
        if key in ("optimizer", "learner", "rule", "tasks"):
            section, name = key, "name"
        elif "run" in found:
            section, name = "run", key
        elif len(found) == 1:
            section, name = found[0], key
        else:
            return True                     # ambiguous keys are refused; nothing to compare
    if section not in config or name not in config[section]:
        return True
    if (section, name) == ("run", "n_generations"):
        return True                         # the input's own --generations 1 wins over --set
    got = config[section][name]
    want = value
    if isinstance(want, str) and want.startswith("\0"):
        try:
            want = json.loads(want[1:])
        except ValueError:
            want = want[1:]
    if isinstance(want, float) and isinstance(got, (int, float)):
        return got == want or (math.isnan(got) and math.isnan(want))
    if isinstance(want, bool) or isinstance(got, bool):
        return got is want
    if isinstance(want, int) and isinstance(got, (int, float)):
        return got == want
    if section != "run" and name == "name":
        return got == want
    return json.dumps(got, sort_keys=True) == json.dumps(want, sort_keys=True)


# -- kinds of input ------------------------------------------------------------------------

class Fuzzer:
    def __init__(self, folder, rnd, timeout):
        from evo_l2l.config import RunConfig  # noqa: F401  (fails early if not installed)
        self.folder, self.rnd, self.timeout = folder, rnd, timeout
        self.counts = {k: 0 for k in COUNTS}
        self.notes: list[str] = []
        self.exits: dict[str, int] = {}
        self.kept = None
        code, text, err = cli(["experiments", PRESET], 120, folder)
        assert code == 0, err
        self.toml = text
        import tomllib
        self.config = tomllib.loads(self.toml)
        self.keys = setting_keys(self.config)
        self.base = os.path.join(folder, "base.h5")
        self.ref4 = os.path.join(folder, "ref4.h5")
        for path, n in ((self.base, 3), (self.ref4, 4)):
            code, _, err = cli(["run", PRESET, "--toy", "--seed", "1", "--generations", str(n),
                                "--flush-interval", "0.001", "-q", "-o", path], 600, folder)
            assert code == 0, err
        sys.path.insert(0, HERE)
        from fault_disk import arrays_of, same
        self.arrays_of, self.same = arrays_of, same
        self.base_read = self.read(self.base)
        self.reference = arrays_of(self.ref4)
        self.size = os.path.getsize(self.base)

    def run(self, k: int, args: list, what: str):
        """Runs `evo-l2l run ARGS`; a run that says it is done must have archived it. Every
        archive it wrote (several with --seeds and -o given) is checked, then deleted."""
        out = os.path.join(self.folder, f"out{k}.h5")
        if "-o" not in args:
            args = [*args, "-o", out]
        before = set(os.listdir(self.folder))
        code, o, e = cli(["run", *args, "-q"], self.timeout, self.folder)
        self.exits[str(code)] = self.exits.get(str(code), 0) + 1
        ok = classify(code, o, e, self.counts, self.notes, what)
        config = None
        written = sorted(set(os.listdir(self.folder)) - before)
        if ok and code == 0:
            from evo_l2l import open_run
            from evo_l2l.archive import ArchiveError
            archives = [os.path.join(self.folder, f) for f in written if f.endswith(".h5")]
            if not archives and not o.startswith("Usage:"):      # -h: the help, no run
                self.counts["lost_runs"] += 1
                self.notes.append(f"lost_runs: {what}: exit 0 and no archive")
            for path in archives:
                vcode, vo, ve = cli(["verify", path], self.timeout, self.folder)
                try:
                    config = open_run(path, populations=False).config.to_dict()
                except ArchiveError as exc:
                    vcode, ve = 2, str(exc)
                if vcode != 0:
                    self.counts["lost_runs"] += 1
                    self.notes.append(f"lost_runs: {what}: exit 0 but {(vo + ve).strip()}")
        for f in written:
            path = os.path.join(self.folder, f)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)
        return code, config

    def case_set(self, k):
        key, value = self.rnd.choice(self.keys), fuzz_value(self.rnd)
        arg = f"{key}={as_text(value)}"
        what = f"run --set {arg[:120]!r}"
        code, config = self.run(k, [PRESET, "--toy", "--generations", "1", "--set", arg], what)
        if config is not None and not expected_in_config(config, key, value):
            self.counts["silent_divergences"] += 1
            self.notes.append(f"silent_divergences: {what}: accepted, the archive's config "
                              f"does not hold it")

    def case_config(self, k):
        rnd = self.rnd
        as_json = rnd.random() < 0.3
        text = json.dumps(self.config) if as_json else self.toml
        lines = text.splitlines() if not as_json else json.dumps(self.config, indent=1).splitlines()
        how = rnd.randrange(6)
        i = rnd.randrange(len(lines))
        if how == 0:
            del lines[i]
        elif how == 1:
            lines.insert(i, lines[i])
        elif how == 2:
            lines[i] = lines[i][:rnd.randrange(len(lines[i]) + 1)]
        elif how == 3 and "=" in lines[i] and not as_json:
            lines[i] = lines[i].split("=")[0] + "= " + as_text(fuzz_value(rnd))
        elif how == 3 and ":" in lines[i]:
            lines[i] = lines[i].split(":")[0] + ": " + as_text(fuzz_value(rnd)) + \
                ("," if lines[i].rstrip().endswith(",") else "")
        elif how == 4:
            lines = lines[:rnd.randrange(len(lines) + 1)]
        else:
            lines[i] = lines[i] + "".join(chr(rnd.randrange(1, 0x3000)) for _ in range(3))
        path = os.path.join(self.folder, f"c{k}.{'json' if as_json else 'toml'}")
        with open(path, "w", encoding="utf-8", errors="surrogatepass") as fh:
            fh.write("\n".join(lines))
        self.run(k, [PRESET, "--toy", "--generations", "1", "--config", path],
                 f"run --config ({['drop', 'double', 'cut', 'value', 'truncate', 'bytes'][how]} "
                 f"line {i} of the {'JSON' if as_json else 'TOML'})")
        os.remove(path)

    def case_options(self, k):
        rnd = self.rnd
        odd = ["0", "-1", "1", "2", "abc", "", "1e3", "3.5", "nan", "inf", "99999999999999999999",
               " 2", "0x10", "--", "-q"]
        option = rnd.choice(["--seed", "--generations", "--population", "--flush-interval",
                             "--seeds", "preset", "--workers"])
        value = rnd.choice(odd + (["0-1", "1,0", "2-1", "a-b", "0-", ",", "0,,1", "-3"]
                                  if option == "--seeds" else []))
        preset = PRESET
        args = ["--generations", "1"] if option != "--generations" else []
        if option == "preset":
            preset = rnd.choice(["", "CHALMERS1990", "chalmers1990 ", "nosuch", "../x",
                                 "chalmers1990-gp", "-h", "\u00e9", "chalmers199"])
        else:
            args += [option, value]
        if option == "--seeds":
            args += ["-o", os.path.join(self.folder, "s{seed}.h5")]
        self.run(k, [preset, "--toy", *args], f"run {preset!r} {args!r}")

    def damaged(self, k):
        rnd = self.rnd
        path = os.path.join(self.folder, f"a{k}.h5")
        how = rnd.choice(["truncate", "flip", "block", "flip", "block", "empty", "random",
                          "directory", "missing", "text"])
        if how in ("truncate", "flip", "block"):
            shutil.copy(self.base, path)
            with open(path, "r+b") as fh:
                if how == "truncate":
                    fh.truncate(rnd.randrange(self.size))
                elif how == "flip":
                    places = []
                    for _ in range(rnd.randint(1, 4)):
                        at = rnd.randrange(self.size)
                        places.append(at)
                        fh.seek(at)
                        byte = fh.read(1)[0]
                        fh.seek(at)
                        fh.write(bytes([byte ^ (1 << rnd.randrange(8))]))
                    how = f"flip (bytes {', '.join(map(str, places))})"
                else:
                    fh.seek(rnd.randrange(48, self.size - 4096))
                    fh.write(rnd.randbytes(4096))
        elif how == "empty":
            open(path, "wb").close()
        elif how == "random":
            with open(path, "wb") as fh:
                fh.write(b"\x89HDF\r\n\x1a\n" * rnd.randint(0, 1) + rnd.randbytes(rnd.randint(1, 9000)))
        elif how == "directory":
            os.mkdir(path)
        elif how == "text":
            with open(path, "w") as fh:
                fh.write("[run]\npreset = 'chalmers1990'\n")
        return path, how

    @staticmethod
    def read(path) -> str:
        """Everything open_run returns of an archive, as text: attributes, config, every
        array (a chunk's bytes past the rows it holds are not read: a torn flush leaves
        them, and verify rightly calls such an archive intact)."""
        import numpy as np
        from evo_l2l import open_run
        run = open_run(path)
        arrays = {f"g/{k}": v for k, v in run.generations.items()}
        arrays.update({f"s/{k}": v for k, v in run.state.items() if k != "optimizer"})
        arrays.update({f"o/{k}": v for k, v in run.state["optimizer"].items()})
        with np.printoptions(threshold=sys.maxsize, floatmode="unique"):
            return repr(sorted((k, str(v)) for k, v in run.attrs.items())) + \
                json.dumps(run.config.to_dict(), sort_keys=True, default=str) + \
                "".join(f"{k}:{np.asarray(v).dtype}:{np.asarray(v).tolist()!r}"
                        for k, v in sorted(arrays.items()))

    def keep(self, path, before):
        """Keeps the input of a wrong outcome (as it was given, if the command changed it)."""
        if not os.path.isfile(path):
            return
        if self.kept is None:
            self.kept = tempfile.mkdtemp(prefix="evo_l2l_fuzz_kept_")
        name = os.path.join(self.kept, f"{len(self.notes)}-{os.path.basename(path)}")
        shutil.copy(path, name)
        self.notes[-1] += f" [kept: {name}{'' if digest(path) == before else ', changed by it'}]"

    def case_archive(self, k):
        path, how = self.damaged(k)
        command = self.rnd.choice(["info", "best", "verify", "resume", "plot", "report",
                                   "compare", "resume", "verify"])
        args = {"resume": ["resume", path, "--generations", "4", "-q"],
                "plot": ["plot", path, "-o", os.path.join(self.folder, "p.png")],
                "report": ["report", path, "-o", os.path.join(self.folder, "report")],
                }.get(command, [command, path])
        what = f"{command} of a {how} archive"
        before = digest(path)
        code, o, e = cli(args, self.timeout, self.folder)
        self.exits[str(code)] = self.exits.get(str(code), 0) + 1
        ok = classify(code, o, e, self.counts, self.notes, what)
        if ok and code != 0 and digest(path) != before:
            self.counts["lost_runs"] += 1
            self.notes.append(f"lost_runs: {what}: refused (exit {code}) and changed the file")
        wrong = len(self.notes)
        if ok and code == 0 and command == "resume":
            try:
                same = self.same(self.arrays_of(path), self.reference)
            except Exception as exc:                   # noqa: BLE001 - any failure counts
                same = False
                e = repr(exc)
            if not same:
                self.counts["silent_divergences"] += 1
                self.notes.append(f"silent_divergences: {what}: resumed (exit 0), the arrays "
                                  f"differ from the uninterrupted run {e.strip()[-200:]}")
        if ok and code == 0 and command == "verify":
            try:
                changed = self.read(path) != self.base_read
            except Exception:                          # noqa: BLE001 - a failed read is a change
                changed = True
            if changed:
                self.counts["silent_divergences"] += 1
                self.notes.append(f"silent_divergences: {what}: verify said intact, "
                                  f"open_run reads something else")
        if len(self.notes) > wrong or not ok:
            self.keep(path, before)
        for p in (path, os.path.join(self.folder, "p.png"), os.path.join(self.folder, "report")):
            if os.path.isdir(p):
                shutil.rmtree(p)
            elif os.path.exists(p):
                os.remove(p)


def digest(path):
    if not os.path.isfile(path):
        return None
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=180.0,
                    help="seconds an input may take before it counts as a hang")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help=f"comma-separated kinds of input, of {', '.join(KINDS)} (default all)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="evo_l2l_fuzz_") as folder:
        fz = Fuzzer(folder, random.Random(args.seed), args.timeout)
        chosen = [k for k in args.kinds.split(",") if k in KINDS] or list(KINDS)
        kinds = {k: 0 for k in chosen}
        for k in range(args.inputs):
            kind = chosen[k % len(chosen)]
            kinds[kind] += 1
            getattr(fz, f"case_{kind}")(k)
    for note in fz.notes:
        print(note, file=sys.stderr)
    print(json.dumps({**fz.counts, "inputs": args.inputs, "kinds": kinds, "exits": fz.exits,
                      "seconds": round(time.perf_counter() - t0, 1)}))
    return 1 if any(fz.counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
