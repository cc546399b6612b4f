"""How long each numba kernel of evo_l2l takes to compile with a cold cache: every preset's
kernels, warmed as `evo-l2l warmup` warms them (in its order), then what a one-generation toy
run of the preset compiles besides (kernels a run calls that warming does not), in a cache
folder of their own (a temporary NUMBA_CACHE_DIR, removed at the end; the install's cache is
not touched).

    nice -n 15 python scripts/kernel_compile_times.py            # every preset
    python scripts/kernel_compile_times.py chalmers1990          # some presets

Prints the machine, each kernel as it is compiled and each preset, with wall and CPU seconds
(the CPU seconds, of this process, move less with other jobs on the machine), then
EXPECTED_SECONDS (wall seconds) as Python to paste
into evo_l2l/kernels/compile_report.py (a kernel compiled for several signatures: its
longest compile; a helper several kernels call counts in the first one's time).
"""
import os
import shutil
import sys
import tempfile
import time

if __name__ == "__main__":
    cache = tempfile.mkdtemp(prefix="numba-cold-")
    os.environ["NUMBA_CACHE_DIR"] = cache      # read when numba is imported: before that
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import evo_l2l
    evo_l2l.configure_process()                 # as the command line runs
    from machine import cpu_model
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import PRESETS
    from evo_l2l.kernels.compile_report import reporting_compiles
    from evo_l2l.rules.kinds import kind_of

    names = sys.argv[1:] or list(PRESETS)
    unknown = [n for n in names if n not in PRESETS]
    if unknown:
        sys.exit(f"unknown preset {unknown[0]!r}")
    print(f"# {cpu_model()}, {os.cpu_count()} cores; cold cache {cache}", flush=True)
    seconds: dict = {}
    cpu_start: dict = {}

    def started(name, expected):
        cpu_start[name] = time.process_time()

    def done(name, s):
        seconds[name] = max(s, seconds.get(name, 0.0))
        cpu = time.process_time() - cpu_start.pop(name)
        print(f"# {name:45s} {s:7.1f} s (CPU {cpu:.1f} s)", flush=True)

    t0 = time.perf_counter()
    try:
        with reporting_compiles(on_start=started, on_end=done):
            for name in names:
                t1, c1 = time.perf_counter(), time.process_time()
                preset = PRESETS[name]
                config = preset.default_config()
                kind_of(config).warm(make_problem(config, build_tasks(config)))
                toy = preset.default_config(**{**preset.toy, "run.toy": True,
                                               "run.n_generations": 1})
                start_run(toy, os.path.join(cache, f"{name}.h5"), force=True)
                print(f"# preset {name}: {time.perf_counter() - t1:.1f} s "
                      f"(CPU {time.process_time() - c1:.1f} s)", flush=True)
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"# all: {time.perf_counter() - t0:.1f} s")
    print("EXPECTED_SECONDS: dict[str, float] = {")
    for name in sorted(seconds):
        print(f'    "{name}": {seconds[name]:.1f},')
    print("}")
