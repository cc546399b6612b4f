#!/usr/bin/env python
"""Individuals per second per core: the paper's own AutoML-Zero C++ search (google-research
`automl_zero`, Real et al. 2020) on its demo beside evo_l2l's automl-zero-linear-demo preset,
interleaved by seed (the C++ run of seed S, then the Python run of seed S), both pinned to
one core.

    nice -n 15 python scripts/bench_automl_zero_cpp.py --seeds 1-5 --mode fixed
    python scripts/bench_automl_zero_cpp.py --seeds 1 --max-train-steps 20000000   # quick
    python scripts/bench_automl_zero_cpp.py --work EMPTY_DIR --py-children 1000  # Python only

The C++ is found as WORK/build/run_search_experiment (--work, default $AZ_WORK or
~/.cache/azpeer) or built there without bazel from the source in --source or
WORK/automl_zero: google-research's `automl_zero/` folder at upstream commit 1d49f2c0d,
unmodified (`git --git-dir=GOOGLE_RESEARCH/.git archive 1d49f2c0d automl_zero | tar -x -C
WORK`), with Debian's packages (`apt-get install -y --no-install-recommends libabsl-dev
libeigen3-dev libprotobuf-dev protobuf-compiler libgoogle-glog-dev libgtest-dev`). Flags:
-O3 -march=native -DNDEBUG plus the demo's MAX_*_ADDRESSES defines (run_demo.sh). When it is
absent and cannot be built, one line says what is missing and the Python side runs alone
(exit 0), or the script exits 2 with --require-cpp.

The C++ runs run_demo.sh's flags with --random_seed=S (seeds >= 1: it draws a random seed
for 0). --mode fixed (default) compares throughput at equal budget: the C++ runs exactly one
experiment (--max_experiments=1, --max-train-steps train steps); the Python side one
experiment of the C++ run's individuals rounded up to 10,000 (population 1000, generations
of 10,000 children), with no early stop. --mode demo runs the demo as configured: the C++
runs experiments until a program passes 0.9999 on the selection tasks; the Python side
restarts every (mean C++ individuals per experiment, rounded up to 10,000) children and
stops at 0.9999, capped at the C++ run's total.

Individuals: C++, the last `indivs=` progress line of each experiment (printed every 10,000;
a lower bound, up to ~1% low); Python, the fitness-cache lookups of its archive (one per
child, exact). Individuals/s is over the CPU time (user + sys) of the whole process, startup
and numba compilation included. Solved: the final program's fitness on the 100 unseen tasks
> 0.9999. Logs and archives go to WORK/logs and WORK; the load average before each run is
printed beside it: on a busy machine the CPU times still move with cache and frequency
contention, so state the load with the numbers.
"""
import argparse
import concurrent.futures
import filecmp
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from machine import cpu_model  # scripts/ is on sys.path when this script runs

PRESET = "automl-zero-linear-demo"
UPSTREAM_COMMIT = "1d49f2c0d"
APT = ("apt-get install -y --no-install-recommends libabsl-dev libeigen3-dev libprotobuf-dev "
       "protobuf-compiler libgoogle-glog-dev libgtest-dev")
OPT = ["-O3", "-march=native", "-DNDEBUG"]
DEMO_DEFINES = ["-DMAX_SCALAR_ADDRESSES=4", "-DMAX_VECTOR_ADDRESSES=3",
                "-DMAX_MATRIX_ADDRESSES=1"]
PROTOS = ["algorithm", "experiment", "fec_cache", "generator", "instruction", "mutator", "task",
          "train_budget"]
LIB_SRCS = ["algorithm", "compute_cost", "evaluator", "experiment_util", "fec_cache",
            "fec_hashing", "generator", "instruction", "mutator", "random_generator",
            "randomizer", "regularized_evolution", "task_util", "train_budget", "util"]
ABSL = ["absl_flags", "absl_flags_parse", "absl_random_random", "absl_random_distributions",
        "absl_time", "absl_strings", "absl_str_format", "absl_hash", "absl_raw_hash_set",
        "absl_hashtablez_sampler"]
# Headers the build needs, each with the package that brings it.
HEADERS = [("absl/flags/flag.h", "libabsl-dev"), ("Eigen/Core", "libeigen3-dev"),
           ("google/protobuf/message.h", "libprotobuf-dev"),
           ("glog/logging.h", "libgoogle-glog-dev"), ("gflags/gflags.h", "libgflags-dev"),
           ("gtest/gtest_prod.h", "libgtest-dev")]

# The search of automl_zero/run_demo.sh (upstream 2023-03-29), flag for flag; only
# max_train_steps is a parameter (the demo's is 200000000).
SEARCH_SPEC = """
    search_tasks {
      tasks {
        scalar_linear_regression_task {}
        features_size: 4
        num_train_examples: 100
        num_valid_examples: 100
        num_tasks: 10
        eval_type: RMS_ERROR
      }
    }
    setup_ops: [SCALAR_CONST_SET_OP, VECTOR_INNER_PRODUCT_OP, SCALAR_DIFF_OP, SCALAR_PRODUCT_OP, SCALAR_VECTOR_PRODUCT_OP, VECTOR_SUM_OP]
    predict_ops: [SCALAR_CONST_SET_OP, VECTOR_INNER_PRODUCT_OP, SCALAR_DIFF_OP, SCALAR_PRODUCT_OP, SCALAR_VECTOR_PRODUCT_OP, VECTOR_SUM_OP]
    learn_ops: [SCALAR_CONST_SET_OP, VECTOR_INNER_PRODUCT_OP, SCALAR_DIFF_OP, SCALAR_PRODUCT_OP, SCALAR_VECTOR_PRODUCT_OP, VECTOR_SUM_OP]
    learn_size_init: 8
    setup_size_init: 10
    predict_size_init: 2
    fec {num_train_examples: 10 num_valid_examples: 10}
    fitness_combination_mode: MEAN_FITNESS_COMBINATION
    population_size: 1000
    tournament_size: 10
    initial_population: RANDOM_ALGORITHM
    max_train_steps: %d
    allowed_mutation_types {
      mutation_types: [ALTER_PARAM_MUTATION_TYPE, RANDOMIZE_INSTRUCTION_MUTATION_TYPE, RANDOMIZE_COMPONENT_FUNCTION_MUTATION_TYPE]
    }
    mutate_prob: 0.9
    progress_every: 10000
"""
FINAL_TASKS = """
    tasks {
      scalar_linear_regression_task {}
      features_size: 4
      num_train_examples: 1000
      num_valid_examples: 100
      num_tasks: 100
      eval_type: RMS_ERROR
      data_seeds: [1000000]
      param_seeds: [2000000]
    }
"""
SELECT_TASKS = """
    tasks {
      scalar_linear_regression_task {}
      features_size: 4
      num_train_examples: 1000
      num_valid_examples: 100
      num_tasks: 100
      eval_type: RMS_ERROR
    }
"""


def demo_flags(max_train_steps):
    return [f"--search_experiment_spec={SEARCH_SPEC % max_train_steps}",
            f"--final_tasks={FINAL_TASKS}", "--max_experiments=0", "--randomize_task_seeds",
            f"--select_tasks={SELECT_TASKS}", "--sufficient_fitness=0.9999"]


def fail(msg):
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(2)


def parse_seeds(text):
    """'1-5' or '1,3,5-7' -> [1, 2, 3, 4, 5] / [1, 3, 5, 6, 7]."""
    seeds = []
    for part in text.split(","):
        m = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if not m or (m[2] and int(m[2]) < int(m[1])):
            raise ValueError(f"--seeds: {text!r} is not a list like 1-5 or 1,3,5-7")
        seeds += range(int(m[1]), int(m[2] or m[1]) + 1)
    if min(seeds) < 1:
        raise ValueError("--seeds: seeds start at 1 (the C++ draws a random seed for 0)")
    return seeds


# -- finding or building the C++ ------------------------------------------------------------

def has_header(cxx, header):
    proc = subprocess.run([cxx, "-E", "-x", "c++", "-I/usr/include/eigen3", "-"],
                          input=f"#include <{header}>\n", capture_output=True, text=True)
    return proc.returncode == 0


def missing_for_build(src, cxx):
    """What building the C++ lacks: a list of short phrases, empty when it can be built."""
    missing = []
    if not os.path.isfile(os.path.join(src, "run_search_experiment.cc")):
        missing.append(f"the automl_zero source ({src})")
    if not shutil.which(cxx):
        return missing + [f"a C++ compiler ({cxx})"]
    if not shutil.which("protoc"):
        missing.append("protoc (protobuf-compiler)")
    if not shutil.which("pkg-config"):
        missing.append("pkg-config")
    elif subprocess.run(["pkg-config", "--exists", *ABSL]).returncode:
        missing.append("absl's pkg-config files (libabsl-dev)")
    missing += [pkg for header, pkg in HEADERS if not has_header(cxx, header)]
    return list(dict.fromkeys(missing))


def build(src, out, cxx, jobs, log):
    """Compile the search binary into out/ (objects rebuilt only when their source is newer);
    returns its path, or raises RuntimeError naming the first failure (details in log)."""
    gen, obj = os.path.join(out, "gen"), os.path.join(out, "obj")
    os.makedirs(gen, exist_ok=True)
    os.makedirs(obj, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(["protoc", f"--cpp_out={tmp}", "-I.",
                               *[p + ".proto" for p in PROTOS]], cwd=src, capture_output=True,
                              text=True)
        log.write(proc.stdout + proc.stderr)
        if proc.returncode:
            raise RuntimeError(f"protoc failed: {(proc.stderr.strip() or '?').splitlines()[0]}")
        for name in os.listdir(tmp):   # copied only when changed: objects stay up to date
            dst = os.path.join(gen, name)
            if not (os.path.exists(dst) and filecmp.cmp(os.path.join(tmp, name), dst, False)):
                shutil.copy(os.path.join(tmp, name), dst)
    flags = ["-std=c++17", *OPT, *DEMO_DEFINES, f"-I{gen}", f"-I{src}", "-I/usr/include/eigen3",
             "-w"]
    units = ([(os.path.join(gen, p + ".pb.cc"), os.path.join(obj, p + ".pb.o")) for p in PROTOS]
             + [(os.path.join(src, s + ".cc"), os.path.join(obj, s + ".o"))
                for s in LIB_SRCS + ["run_search_experiment"]])
    todo = [(s, o) for s, o in units
            if not os.path.exists(o) or os.path.getmtime(s) > os.path.getmtime(o)]
    if todo:
        print(f"building the C++ in {out}: {len(todo)} files, {jobs} at a time ...", flush=True)

    def compile_one(unit):
        proc = subprocess.run([cxx, *flags, "-c", unit[0], "-o", unit[1]], capture_output=True,
                              text=True)
        return unit[0], proc

    with concurrent.futures.ThreadPoolExecutor(max(1, jobs)) as pool:
        for name, proc in pool.map(compile_one, todo):
            log.write(f"CXX {name}\n{proc.stdout}{proc.stderr}")
            if proc.returncode:
                first = next((ln for ln in proc.stderr.splitlines() if "error" in ln), "?")
                raise RuntimeError(f"compiling {os.path.basename(name)} failed: {first}")
    libs = subprocess.run(["pkg-config", "--libs", *ABSL], capture_output=True,
                          text=True).stdout.split()
    binary = os.path.join(out, "run_search_experiment")
    main_obj = os.path.join(obj, "run_search_experiment.o")
    proc = subprocess.run([cxx, *flags, "-o", binary, main_obj,
                           *[o for _, o in units if o != main_obj], *libs, "-lprotobuf",
                           "-lglog", "-lgflags", "-lpthread"], capture_output=True, text=True)
    log.write(f"LD {binary}\n{proc.stdout}{proc.stderr}")
    if proc.returncode:
        raise RuntimeError(f"linking failed: {(proc.stderr.strip() or '?').splitlines()[0]}")
    return binary


def find_or_build(work, source, cxx, jobs):
    """(binary path, None) or (None, the one line saying why there is none and how to get it)."""
    out = os.path.join(work, "build")
    binary = os.path.join(out, "run_search_experiment")
    src = os.path.abspath(source or os.path.join(work, "automl_zero"))
    have_src = os.path.isfile(os.path.join(src, "run_search_experiment.cc"))
    if os.access(binary, os.X_OK) and not source:
        return binary, None
    missing = missing_for_build(src, cxx)
    if missing:
        how = []
        if not have_src:
            how.append(f"the source: git --git-dir=GOOGLE_RESEARCH/.git archive {UPSTREAM_COMMIT}"
                       f" automl_zero | tar -x -C {work} (or --source DIR)")
        if len(missing) > (not have_src):
            how.append(f"the build tools: {APT}")
        return None, (f"no {binary} and it cannot be built: missing {', '.join(missing)}; "
                      f"get {'; and '.join(how)}")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "build.log"), "w") as log:
        try:
            return build(src, out, cxx, jobs, log), None
        except RuntimeError as e:
            return None, f"the C++ build failed ({e}); see {os.path.join(out, 'build.log')}"


# -- running ---------------------------------------------------------------------------------

def run_timed(cmd, log_path, timeout, env=None, cwd=None):
    """Run cmd (output to log_path), killed after timeout s: wall and CPU (user + sys of it
    and its waited-for children) seconds, exit code, whether it was cut."""
    cut = threading.Event()
    with open(log_path, "w") as log:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)

        def kill():
            cut.set()
            proc.kill()
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return dict(wall=wall, cpu=usage.ru_utime + usage.ru_stime, rc=proc.returncode,
                cut=cut.is_set())


def pinned(core):
    return ["taskset", "-c", str(core)] if core is not None else []


def load():
    return "%.2f %.2f %.2f" % os.getloadavg()


def cpp_log_counts(path):
    """Per experiment of a C++ log, its last `indivs=` count (negative when the experiment did
    not finish: cut by the timeout); the final fitness on the unseen tasks, or None."""
    text = open(path, errors="replace").read()
    counts = []
    for exp in text.split("Running evolution experiment")[1:]:
        vals = re.findall(r"indivs=(\d+)", exp)
        if vals:
            counts.append(int(vals[-1]) if "Experiment done" in exp else -int(vals[-1]))
    final = re.search(r"Final evaluation fitness \(on unseen data\) = ([-\d.e+naif]+)", text)
    return counts, (float(final[1]) if final else None)


def up10k(n):
    return int(math.ceil(n / 10000) * 10000)


def py_budget(counts, mode, py_children):
    """(children per experiment, children in all) of the Python run, from the same seed's C++
    experiments (see the module docstring)."""
    done = [n for n in counts if n > 0]
    per = (py_children if py_children else
           up10k(sum(done) / len(done)) if done else 500000)
    if mode == "fixed":
        return per, per
    cap = py_children if py_children else (up10k(sum(abs(n) for n in counts)) if counts
                                           else 2000000)
    return per, max(cap, 11000)


def run_cpp(binary, seed, args, logs):
    log = os.path.join(logs, f"{args.prefix}cpp_seed{seed}.log")
    extra = ["--max_experiments=1"] if args.mode == "fixed" else []
    before = load()
    print(f"  C++ seed {seed} (load {before}) ...", flush=True)
    t = run_timed([*pinned(args.core), binary, *demo_flags(args.max_train_steps), *extra,
                   f"--random_seed={seed}"], log, args.timeout, cwd=args.work)
    counts, final = cpp_log_counts(log)
    return dict(load=before, indivs=sum(abs(n) for n in counts), counts=counts, final=final,
                log=log, **t)


def run_py(seed, counts, args, logs):
    per, cap = py_budget(counts, args.mode, args.py_children)
    population, generation = 1000, 10000
    gens = 1 + max(0, math.ceil((cap - population) / generation))
    h5 = os.path.join(args.work, f"{args.prefix}py{seed}.h5")
    log = os.path.join(logs, f"{args.prefix}py_seed{seed}.log")
    rule = (["--set", "rule.experiment_size=0", "--set", "rule.sufficient_fitness=0"]
            if args.mode == "fixed" else
            ["--set", f"rule.experiment_size={per}", "--set", "rule.sufficient_fitness=0.9999"])
    env = dict(os.environ, NUMBA_NUM_THREADS="1")
    before = load()
    print(f"  evo_l2l seed {seed}: {cap} children, {gens} generations (load {before}) ...",
          flush=True)
    t = run_timed([*pinned(args.core), sys.executable, "-m", "evo_l2l", "run", PRESET,
                   "--seed", str(seed), "-o", h5, "--force", "-q", "--population",
                   str(population), "--generations", str(gens), "--set",
                   f"optimizer.generation_size={generation}", *rule], log, args.timeout, env=env,
                  cwd=args.work)
    info = subprocess.run([sys.executable, "-m", "evo_l2l", "info", h5, "--json"],
                          capture_output=True, text=True, cwd=args.work)
    try:
        d = json.loads(info.stdout)
        indivs, final = d["fec"]["lookups"], d["best_heldout_fitness"]
    except (json.JSONDecodeError, KeyError, TypeError):
        indivs, final = None, None
    return dict(load=before, indivs=indivs, final=final, log=log, **t)


def warm(args):
    """An untimed toy run of the preset first, so that no timed run compiles numba's
    kernels (a first run after an install or a code change would time the compiler)."""
    print("  evo_l2l: warming the kernel cache (untimed) ...", flush=True)
    h5 = os.path.join(args.work, "warm.h5")
    subprocess.run([sys.executable, "-m", "evo_l2l", "run", PRESET, "--toy", "-q", "--force",
                    "--generations", "1", "-o", h5], cwd=args.work, capture_output=True)


def solved(final):
    return "-" if final is None else ("yes" if final > 0.9999 else "no")


def rate(side):
    if not side or not side["indivs"] or side["cpu"] <= 0:
        return None
    return side["indivs"] / side["cpu"]


def unfinished(side, name):
    """' (NAME timed out)' or ' (NAME exit N)' after a row whose run did not end on its own."""
    if side["cut"]:
        return f" ({name} timed out)"
    return f" ({name} exit {side['rc']})" if side["rc"] else ""


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", default=os.environ.get("AZ_WORK")
                    or os.path.expanduser("~/.cache/azpeer"),
                    help="build/, logs/ and archives (default $AZ_WORK or ~/.cache/azpeer)")
    ap.add_argument("--source", help="the automl_zero/ source folder to build from "
                    "(default WORK/automl_zero); given, the binary is rebuilt if out of date")
    ap.add_argument("--seeds", default="1-5", help="e.g. 1-5 or 1,3,5-7; >= 1 (default 1-5)")
    ap.add_argument("--core", type=int, default=1 if (os.cpu_count() or 1) > 1 else 0,
                    help="the core both sides are pinned to (default 1)")
    ap.add_argument("--mode", choices=["fixed", "demo"], default="fixed",
                    help="fixed: one experiment each at equal budget (default); demo: the "
                    "demo as configured, experiments until solved")
    ap.add_argument("--max-train-steps", type=int, default=200000000,
                    help="the C++ experiment's train-step budget (the demo's: 200000000)")
    ap.add_argument("--py-children", type=int, default=None,
                    help="the Python side's children per experiment instead of the C++ "
                    "run's (a quick check; 1000 is the initial population alone)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds per run (900)")
    ap.add_argument("--require-cpp", action="store_true",
                    help="exit 2 when the C++ is absent and cannot be built")
    ap.add_argument("--build-jobs", type=int, default=1, help="compilers at once (1)")
    ap.add_argument("--cxx", default=os.environ.get("CXX", "g++"), help="C++ compiler (g++)")
    args = ap.parse_args()
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as e:
        fail(str(e))
    if args.core < 0 or (hasattr(os, "sched_getaffinity")
                         and args.core not in os.sched_getaffinity(0)):
        fail(f"--core {args.core} is not a core this process may run on")
    for name in ("max_train_steps", "py_children", "timeout", "build_jobs"):
        if getattr(args, name) is not None and getattr(args, name) <= 0:
            fail(f"--{name.replace('_', '-')} must be positive")
    if args.source and not os.path.isdir(args.source):
        fail(f"--source {args.source}: no such folder")
    if not shutil.which("taskset"):
        print("note: no taskset (util-linux): the runs are not pinned to a core")
        args.core = None
    args.work = os.path.abspath(args.work)
    args.prefix = "fixed_" if args.mode == "fixed" else ""
    logs = os.path.join(args.work, "logs")
    os.makedirs(logs, exist_ok=True)

    binary, why = find_or_build(args.work, args.source, args.cxx, args.build_jobs)
    if binary is None:
        if args.require_cpp:
            fail(f"C++ peer: {why}")
        print(f"note: C++ peer skipped, running the Python side only: {why}", flush=True)

    warm(args)
    rows = []
    for seed in seeds:
        c = run_cpp(binary, seed, args, logs) if binary else None
        p = run_py(seed, c["counts"] if c else [], args, logs)
        rows.append((seed, c, p))

    print()
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores; both sides on core {args.core}, "
          f"NUMBA_NUM_THREADS=1")
    print(f"mode: {args.mode} ("
          + ("one experiment each at equal budget" if args.mode == "fixed"
             else "the demo as configured: experiments until solved")
          + f"); C++ max_train_steps {args.max_train_steps}; logs in {logs}")
    print("individuals/s over CPU time (user + sys); load: the 1, 5, 15 min load average "
          "before the run")
    head = (f"{'seed':>4}  {'C++ indiv':>9} {'cpu s':>7} {'indiv/s':>8} {'solved':>6} "
            f"{'load before':>15}  {'py indiv':>9} {'cpu s':>7} {'indiv/s':>8} {'solved':>6} "
            f"{'load before':>15}  {'ratio':>6}")
    print(head)
    ratios = []
    for seed, c, p in rows:
        cr, pr = rate(c), rate(p)
        if c:
            cut = unfinished(c, "C++")
            cpart = (f"{c['indivs']:>9} {c['cpu']:>7.2f} {cr or 0:>8.0f} {solved(c['final']):>6} "
                     f"{c['load']:>15}")
        else:
            cut, cpart = "", f"{'-':>9} {'-':>7} {'-':>8} {'-':>6} {'-':>15}"
        if p["indivs"] is not None:
            pcut = unfinished(p, "evo_l2l")
            ppart = (f"{p['indivs']:>9} {p['cpu']:>7.2f} {pr or 0:>8.0f} {solved(p['final']):>6} "
                     f"{p['load']:>15}")
        else:
            pcut = f" (failed: see {p['log']})"
            ppart = f"{'-':>9} {p['cpu']:>7.2f} {'-':>8} {'-':>6} {p['load']:>15}"
        ratio = pr / cr if cr and pr else None
        if ratio is not None:
            ratios.append(ratio)
        print(f"{seed:>4}  {cpart}  {ppart}  {'-' if ratio is None else f'{ratio:.3f}':>6}"
              f"{cut}{pcut}")
    if ratios:
        print(f"median ratio evo_l2l / C++ individuals per CPU second: "
              f"{statistics.median(ratios):.3f} over {len(ratios)} seeds")
    else:
        print("median ratio evo_l2l / C++ individuals per CPU second: - (no C++ runs)")
    print(f"load at the end: {load()}")


if __name__ == "__main__":
    main()
