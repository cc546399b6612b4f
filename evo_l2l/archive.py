"""The HDF5 run archive: schema, writer, reader and resume state.

Schema (format "evo_l2l.run", version FORMAT_VERSION) is documented in
docs/schema.md. The writer keeps the file in HDF5 SWMR mode, so readers can
open a live run and a killed writer leaves a file holding every flushed
generation. Rows are buffered and flushed every `flush_interval` seconds.
Nothing here pickles or evals: strings are JSON, arrays are plain numbers.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import socket
import time
from dataclasses import dataclass, field

import numpy as np

FORMAT = "evo_l2l.run"
FORMAT_VERSION = "2.0"     # 2: config in sections, optimizer state as named arrays, checksums
_MAJOR = 2

STATUS_RUNNING, STATUS_COMPLETE, STATUS_INTERRUPTED = "running", "complete", "interrupted"

# 1-D per-generation columns: name -> dtype.
GENERATION_COLUMNS = {
    "generation": "i8", "fitness_min": "f8", "fitness_mean": "f8", "fitness_max": "f8",
    "fitness_std": "f8", "n_evaluations": "i8", "wall_time": "f8", "best_index": "i8",
    "best_fitness": "f8", "best_heldout_fitness": "f8", "best_so_far_fitness": "f8",
    "best_so_far_heldout_fitness": "f8", "best_so_far_generation": "i8",
}


from .errors import ArchiveError, ArchiveWriteFailed  # noqa: E402  (re-exported)

# Filters of every chunked dataset the writer creates: a fletcher32 checksum per
# chunk, so a reader notices changed bytes. HDF5 cannot filter variable-length
# text (symbolic genomes), so those datasets go without. No compression: the
# SWMR writer leaves the old space of every rewritten compressed chunk unused,
# so flushing often makes archives larger, not smaller (docs/schema.md).
CHUNK_FILTERS: dict = {"fletcher32": True}
DIGEST_ATTR = "sha256"                 # on each /tasks dataset: sha256 of its bytes
CONFIG_DIGEST_ATTR = "config_sha256"   # root: sha256 of the config attribute's UTF-8


def _dataset(group, name, **kw):
    """group.create_dataset with the archive's checksums: chunked datasets carry
    CHUNK_FILTERS. Contiguous ones stay so: the fixed /tasks arrays get digests
    from _seal; the /state arrays, rewritten at every flush, must stay
    contiguous: chunked, HDF5 writes them at file flush apart from the
    generation counter, and a kill then leaves a state that does not match its
    generation (a kill test hit that in 6 of 15 kills).
    """
    import h5py
    dtype = np.dtype(kw.get("dtype", getattr(kw.get("data"), "dtype", "f8")))
    if h5py.check_vlen_dtype(dtype) is not None:
        return group.create_dataset(name, **kw)
    if "chunks" in kw:
        kw.update(CHUNK_FILTERS)
    return group.create_dataset(name, **kw)


def _sha256(data) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    elif isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).tobytes()
    return hashlib.sha256(data).hexdigest()


def _seal(f) -> None:
    """Digests of the data written once at creation: the config and /tasks."""
    f.attrs[CONFIG_DIGEST_ATTR] = _sha256(_text(f.attrs["config"]))
    for ds in f["tasks"].values():
        ds.attrs[DIGEST_ATTR] = _sha256(ds[()])


def _versions() -> dict:
    from importlib.metadata import version
    import deap
    import h5py
    import numba
    from . import __version__
    return {"evo_l2l": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "deap": deap.__version__, "h5py": h5py.__version__,
            "hdf5": h5py.version.hdf5_version, "click": version("click")}


def _py_state_arrays(state: tuple) -> tuple[np.ndarray, float]:
    version, words, gauss = state
    if version != 3 or len(words) != 625:
        raise ValueError("unexpected stdlib random state")
    return np.array(words, dtype=np.int64), (np.nan if gauss is None else float(gauss))


def _py_state_tuple(words: np.ndarray, gauss: float) -> tuple:
    return (3, tuple(int(w) for w in words), None if np.isnan(gauss) else float(gauss))


@dataclass
class GenerationRecord:
    """One generation as the loop hands it to its hooks: everything needed to continue exactly."""

    generation: int
    genomes: np.ndarray          # (N, L) arrays, or (N,) tree texts
    extra: dict                  # per-individual arrays to archive, e.g. {"coef": (N, K)}
    fitness: np.ndarray          # (N,) training fitness
    n_evaluations: int           # individuals whose fitness was (re)computed
    best_index: int              # index of the generation's best in the population
    best_heldout: float          # held-out fitness of the generation's best
    hof_genome: np.ndarray       # best genome so far ((L,) array or a 0-d text array)
    hof_extra: dict              # its archived arrays, e.g. {"coef": (K,)}
    hof_fitness: float
    hof_heldout: float
    hof_generation: int
    elapsed: float               # seconds of evolution so far, over all sessions
    py_random_state: tuple       # random.getstate() at the end of this generation
    optimizer_state: dict = field(default_factory=dict)   # name -> array (CMA-ES mean, ...)
    trace: dict = field(default_factory=dict)   # name -> array: the optimizer's own per-generation
                                                # summary (self-adaptive strengths), archived as
                                                # generations/trace_<name>; not needed to resume


def _stored_genomes(values, text: bool):
    """Genomes as the datasets take them: tree texts become object arrays of str."""
    if not text:
        return np.asarray(values)
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        return str(arr.item())
    flat = np.empty(arr.size, dtype=object)
    flat[:] = [str(x) for x in arr.ravel()]
    return flat.reshape(arr.shape)


SLOT_SCALARS = ("hof_fitness", "hof_heldout_fitness", "hof_generation", "py_random_gauss",
                "elapsed", "cache_rows")


def _create_state(f, N: int, gshape: tuple, gdt, optimizer_state: dict, n_target: int) -> None:
    """/state: run-wide scalars, the fitness cache, and two slots that take turns holding
    the resume state. `current` = (generation, slot) is written last, in one write, so a
    kill at any moment leaves it naming a complete slot (or generation -1: none yet)."""
    s = f.create_group("state")
    s.create_dataset("status", data=np.bytes_(STATUS_RUNNING), dtype="S16")
    s.create_dataset("writer", data=np.bytes_(""), dtype="S128")
    s.create_dataset("heartbeat", data=time.time())
    s.create_dataset("n_generations_target", data=np.int64(n_target))
    s.create_dataset("current", data=np.array([-1, 0], dtype=np.int64))
    # Fitness cache entries, for problems whose cache must survive a resume.
    _dataset(s, "cache_keys", shape=(0,), maxshape=(None,), dtype="u8", chunks=(4096,))
    _dataset(s, "cache_fitness", shape=(0,), maxshape=(None,), dtype="f8", chunks=(4096,))
    for k in (0, 1):
        slot = s.create_group(f"slot{k}")
        slot.create_dataset("population_genome", shape=(N,) + gshape, dtype=gdt)
        slot.create_dataset("population_fitness", shape=(N,), dtype="f8")
        slot.create_dataset("hof_genome", shape=gshape, dtype=gdt)
        slot.create_dataset("py_random_state", shape=(625,), dtype="i8")
        for name in SLOT_SCALARS:
            slot.create_dataset(name, data=np.int64(-1) if name in ("hof_generation", "cache_rows")
                                else np.nan)
        opt = slot.create_group("optimizer")
        for name, arr in optimizer_state.items():
            opt.create_dataset(name, shape=np.shape(arr), dtype="f8")


def _write_slot(slot, genomes, population_genome, population_fitness, hof_genome, values: dict,
                py_words, optimizer_state: dict) -> None:
    """One slot's resume state; `genomes` converts genomes to what the datasets take."""
    slot["population_genome"][...] = genomes(population_genome)
    slot["population_fitness"][...] = population_fitness
    slot["hof_genome"][()] = genomes(hof_genome)
    slot["py_random_state"][...] = py_words
    for name in SLOT_SCALARS:
        slot[name][()] = values[name]
    for name, arr in optimizer_state.items():
        slot["optimizer"][name][...] = arr


class ArchiveWriter:
    """Appends GenerationRecords to an archive; use as a loop hook."""

    def __init__(self, path: str, flush_interval: float = 1.0, publish_from: str | None = None):
        """Opens `path` for appending; or opens the complete file `publish_from`,
        switches it to SWMR mode and only then renames it to `path`, so `path`
        never names a half-written file, whenever the process dies."""
        import h5py
        self.path = path
        self.flush_interval = flush_interval
        self._buffer: list = []
        self._last_flush = time.monotonic()
        self.write_seconds = 0.0
        self.cache_log: list = []      # the problem's new cache entries (shared list)
        self.failed = False            # a write failed: the file is closed, nothing more is written
        try:
            self.f = h5py.File(publish_from or path, "r+", libver="latest")
            self.f.swmr_mode = True
            self._start()
            if publish_from:
                os.replace(publish_from, path)
        except BaseException:
            if publish_from and os.path.exists(publish_from):
                os.remove(publish_from)
            raise

    def _start(self) -> None:
        g = self.f["generations"]
        self._cols = {name: g[name] for name in GENERATION_COLUMNS}
        self._arrays = {name: ds for name, ds in g.items()
                        if name.startswith(("population_", "best_so_far_", "trace_"))
                        and name not in GENERATION_COLUMNS}
        self.n_rows = self._cols["generation"].shape[0]
        self._text = g["population_genome"].dtype.kind == "O"
        st = self.f["state"]
        self._cache_keys, self._cache_fitness = st["cache_keys"], st["cache_fitness"]
        self._slot = int(st["current"][1])
        st["status"][()] = STATUS_RUNNING.encode()
        st["writer"][()] = f"{socket.gethostname()}:{os.getpid()}".encode()
        st["heartbeat"][()] = time.time()
        self.f.flush()

    @classmethod
    def create(cls, path: str, config, tasks, problem, optimizer_state: dict,
               force: bool = False, trace: dict | None = None) -> "ArchiveWriter":
        """A writer on a new archive (its static part written to a temp file, then published).

        optimizer_state: the optimizer's state arrays (any values): their names and shapes,
        which stay fixed during a run, lay out /state/optimizer; trace: the optimizer's
        per-generation summary arrays (any values), which lay out generations/trace_<name>.
        """
        import h5py
        if not path or not path.strip():
            raise ArchiveError("the archive path is empty")
        if os.path.lexists(path) and not (os.path.isfile(path) and not os.path.islink(path)):
            # --force replaces a file; never a device, a FIFO, a folder or a link's target.
            raise ArchiveError(f"{path} exists and is not a regular file; choose another path")
        if os.path.exists(path) and not force:
            raise ArchiveError(f"{path} exists; pass --force to overwrite it")
        if os.path.exists(path):
            live = live_writer(path)
            if live:
                raise ArchiveError(f"{path}: is being written by a live run ({live}); "
                                   "stop it before overwriting")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise ArchiveError(f"output folder {parent} does not exist")
        if not os.access(parent, os.W_OK):
            raise ArchiveError(f"output folder {parent} is not writable")
        remove_stale_temps(path)
        tmp = f"{path}.tmp-{os.getpid()}"
        try:
            with h5py.File(tmp, "w", libver="latest") as f:
                f.attrs["format"] = FORMAT
                f.attrs["format_version"] = FORMAT_VERSION
                from . import __version__
                f.attrs["generated_by"] = f"evo_l2l {__version__}"
                f.attrs["creation_date"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
                f.attrs["preset"] = config.run.preset
                f.attrs["seed"] = config.run.seed
                f.attrs["config"] = config.to_json()
                f.attrs["versions"] = json.dumps(_versions(), sort_keys=True)
                for section in ("optimizer", "rule", "learner", "tasks"):
                    f.attrs[section] = getattr(config, section).name
                f.attrs["rule_kind"] = problem.kind
                if problem.kind == "parametric":
                    f.attrs["coef_names"] = json.dumps(list(problem.fam.COEF_NAMES))
                    f.attrs["term_names"] = json.dumps(list(problem.fam.TERM_NAMES))
                elif problem.kind == "meta":
                    from .rules.operators import OPERATOR_NAMES
                    f.attrs["operator_names"] = json.dumps(list(OPERATOR_NAMES))
                elif problem.kind == "program":
                    from .rules.programs import OP_KEYS
                    f.attrs["program_ops"] = json.dumps(list(OP_KEYS))
                else:
                    f.attrs["variables"] = json.dumps(list(problem.pset.arguments))
                t = f.create_group("tasks")
                for name, arr in tasks.arrays().items():
                    t.create_dataset(name, data=arr)
                t.attrs["family"] = tasks.family
                t.attrs["params"] = json.dumps(tasks.params)
                t.attrs["split_names"] = json.dumps(["train", "heldout"])
                N, gshape = config.run.population, tuple(problem.genome.shape)
                gdt = h5py.string_dtype() if problem.genome.text else problem.genome.dtype
                rows = max(1, min(256, 4096 // max(1, N * (gshape[0] if gshape else 8))))
                g = f.create_group("generations")
                for name, dt in GENERATION_COLUMNS.items():
                    _dataset(g, name, shape=(0,), maxshape=(None,), dtype=dt, chunks=(1024,))

                def table(name, tail, dtype, chunk_rows):
                    _dataset(g, name, shape=(0,) + tail, maxshape=(None,) + tail,
                                     dtype=dtype, chunks=(chunk_rows,) + tail)

                table("population_genome", (N,) + gshape, gdt, rows)
                table("population_fitness", (N,), "f8", rows)
                table("best_so_far_genome", gshape, gdt, 256)
                for name, (tail, dtype) in problem.archive_fields().items():
                    table(f"population_{name}", (N,) + tuple(tail), dtype, rows)
                    table(f"best_so_far_{name}", tuple(tail), dtype, 256)
                for name, arr in (trace or {}).items():
                    table(f"trace_{name}", np.shape(arr), "f8", 256)
                _create_state(f, N, gshape, gdt, optimizer_state, config.run.n_generations)
                _seal(f)
        except OSError as exc:          # e.g. a folder /sys lets root "write" but refuses
            if os.path.exists(tmp):
                os.remove(tmp)
            raise ArchiveError(f"cannot write {path}: {_first_line(exc).split(' (')[0]}") from None
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
        return cls(path, config.run.flush_interval, publish_from=tmp)

    def __call__(self, record) -> None:
        self._buffer.append(record)
        if time.monotonic() - self._last_flush >= self.flush_interval:
            self.flush()

    def flush(self) -> None:
        """Appends buffered rows, then the resume state of the last one (in that order).

        SIGINT and SIGTERM are held back during the writes, so a second Ctrl-C
        cannot leave a state half from one generation and half from another.
        """
        if not self._buffer or self.failed:
            return
        import signal
        held = {signal.SIGINT, signal.SIGTERM}
        old = signal.pthread_sigmask(signal.SIG_BLOCK, held)
        try:
            self._flush()
        except (OSError, RuntimeError) as exc:
            self._fail(exc)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)

    def _fail(self, exc: BaseException) -> None:
        """A write failed (a full disk, a lost mount): write nothing more, close what HDF5
        lets us close, and say so in one line. The state written last still names a
        complete generation (it moves only after its slot is on disk), which resume uses."""
        self.failed = True
        try:
            self.f.close()
        except Exception:
            pass
        full = "No space left" in str(exc) or getattr(exc, "errno", None) == 28
        why = "no space left on the device" if full else _first_line(exc).split(" (")[0]
        raise ArchiveWriteFailed(f"{self.path}: cannot write ({why}); the archive keeps the "
                           f"generations written before; free space, then: evo-l2l resume "
                           f"{self.path}") from None

    def _flush(self) -> None:
        t0 = time.perf_counter()
        recs, self._buffer = self._buffer, []
        n0, n = self.n_rows, len(recs)
        fit = np.array([r.fitness for r in recs])
        cols = {
            "generation": [r.generation for r in recs],
            "fitness_min": fit.min(axis=1), "fitness_mean": fit.mean(axis=1),
            "fitness_max": fit.max(axis=1), "fitness_std": fit.std(axis=1),
            "n_evaluations": [r.n_evaluations for r in recs],
            "wall_time": [r.elapsed for r in recs],
            "best_index": [r.best_index for r in recs],
            "best_fitness": fit[np.arange(n), [r.best_index for r in recs]],
            "best_heldout_fitness": [r.best_heldout for r in recs],
            "best_so_far_fitness": [r.hof_fitness for r in recs],
            "best_so_far_heldout_fitness": [r.hof_heldout for r in recs],
            "best_so_far_generation": [r.hof_generation for r in recs],
        }
        arrays = {"population_genome": self._genomes([r.genomes for r in recs]),
                  "population_fitness": fit,
                  "best_so_far_genome": self._genomes([r.hof_genome for r in recs])}
        for name in recs[0].extra:
            arrays[f"population_{name}"] = np.array([r.extra[name] for r in recs])
            arrays[f"best_so_far_{name}"] = np.array([r.hof_extra[name] for r in recs])
        for name in recs[0].trace:
            if f"trace_{name}" in self._arrays:
                arrays[f"trace_{name}"] = np.array([r.trace[name] for r in recs])
        for name, values in cols.items():
            ds = self._cols[name]
            ds.resize((n0 + n,))
            ds[n0:] = values
        for name, values in arrays.items():
            ds = self._arrays[name]
            ds.resize(n0 + n, axis=0)
            ds[n0:] = values
        if self.cache_log:
            keys, values = zip(*self.cache_log)
            self.cache_log.clear()
            n_c = self._cache_keys.shape[0]
            self._cache_keys.resize((n_c + len(keys),))
            self._cache_keys[n_c:] = np.array(keys, dtype=np.uint64)
            self._cache_fitness.resize((n_c + len(keys),))
            self._cache_fitness[n_c:] = np.array(values)
        # Rows reach the file before the state that points at them: a kill
        # between the two flushes leaves extra rows, never a state past the table.
        self.f.flush()
        last = recs[-1]
        st = self.f["state"]
        # The resume state goes into the slot `current` does not name; only once
        # it is on disk does `current` move to it, in one write.
        slot = 1 - self._slot
        words, gauss = _py_state_arrays(last.py_random_state)
        _write_slot(st[f"slot{slot}"], self._genomes, last.genomes, last.fitness,
                    last.hof_genome,
                    {"hof_fitness": last.hof_fitness, "hof_heldout_fitness": last.hof_heldout,
                     "hof_generation": last.hof_generation, "py_random_gauss": gauss,
                     "elapsed": last.elapsed, "cache_rows": self._cache_keys.shape[0]},
                    words, last.optimizer_state)
        st["heartbeat"][()] = time.time()
        self.f.flush()
        st["current"][...] = np.array([last.generation, slot], dtype=np.int64)
        self.f.flush()
        self._slot = slot
        self.n_rows = n0 + n
        self._last_flush = time.monotonic()
        self.write_seconds += time.perf_counter() - t0

    def _genomes(self, values):
        return _stored_genomes(values, self._text)

    def close(self, status: str) -> None:
        if self.failed:             # closed when the write failed; nothing more to write
            return
        self.flush()
        try:
            self.f["state"]["status"][()] = status.encode()
            self.f["state"]["heartbeat"][()] = time.time()
            self.f.flush()
            self.f.close()
        except (OSError, RuntimeError) as exc:
            self._fail(exc)


@dataclass
class Run:
    """An archive read into memory: plain numpy arrays and dicts."""

    path: str
    attrs: dict
    config: object            # RunConfig
    tasks: object             # TaskSet
    generations: dict         # column name -> array, rows 0..n_generations_done-1
    state: dict               # resume state of the last complete generation
    status: str               # running, complete or interrupted
    heartbeat: float

    @property
    def n_generations_done(self) -> int:
        return int(self.state["generation"]) + 1

    def resume_record(self) -> GenerationRecord:
        """The last complete generation, as the loop continues from it."""
        s, g = self.state, self.generations
        gen = int(s["generation"])
        if gen < 0:
            raise ArchiveError(f"{self.path}: holds no complete generation to resume from")
        genomes = s["population_genome"]
        same = (np.array_equal(np.asarray(genomes), np.asarray(g["population_genome"][gen]))
                and np.array_equal(s["population_fitness"], g["population_fitness"][gen]))
        if not same:
            raise ArchiveError(f"{self.path}: resume state does not match generation {gen} "
                               "of the table; the archive is damaged")
        best = int(np.argmax(s["population_fitness"]))
        fields = [k[len("population_"):] for k in g
                  if k.startswith("population_") and k not in ("population_genome", "population_fitness")]
        return GenerationRecord(
            gen, genomes, {k: g[f"population_{k}"][gen] for k in fields}, s["population_fitness"],
            int(g["n_evaluations"][gen]), best, float(g["best_heldout_fitness"][gen]),
            np.asarray(s["hof_genome"]), {k: g[f"best_so_far_{k}"][gen] for k in fields},
            float(s["hof_fitness"]), float(s["hof_heldout_fitness"]),
            int(s["hof_generation"]), float(s["elapsed"]),
            _py_state_tuple(s["py_random_state"], float(s["py_random_gauss"])),
            dict(s["optimizer"]))


def _temp_files(path: str) -> list[tuple[str, int, str]]:
    """(file, pid, "tmp" or "resume") of the temp files runs writing `path` make: PATH.tmp-PID, PATH.resume-PID."""
    folder, base = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    out = []
    for name in names:
        for tag in (".tmp-", ".resume-"):
            pid = name[len(base) + len(tag):]
            if name.startswith(base + tag) and pid.isdigit():
                out.append((os.path.join(folder, name), int(pid), tag.strip(".-")))
    return sorted(out)


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: str) -> list[str]:
    """Removes the temp files of runs that wrote `path` and died (pid gone on this host).

    Temp files are named by pid only, so this assumes the runs writing one
    path share a host (as the live-writer check before overwriting does).
    """
    removed = []
    for name, pid, _ in _temp_files(path):
        if pid != os.getpid() and not _pid_alive(pid):
            try:
                os.remove(name)
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


def _missing(path: str) -> str:
    """Why `path` does not exist, if a run's temp file tells."""
    for name, pid, kind in _temp_files(path):
        resume = kind == "resume"
        if _pid_alive(pid):
            what = "a resume of it" if resume else "a run"
            return f"{path}: no such file yet; {what} (pid {pid}) is writing {name}"
        if resume:
            return (f"{path}: no such file; {name} is the copy a resume of it (pid {pid}) "
                    "made before it died")
        return (f"{path}: no such file; a run writing it (pid {pid}) died before its first "
                f"generation was saved: {name}")
    return f"{path}: no such file"


def _read_state(st, config, path: str) -> dict:
    """/state as one dict: the run-wide entries and the current slot's (format 2.0), or the
    flat layout of format 1.0; `generation` is the last complete generation (-1: none)."""
    import h5py
    state = {k: _read(ds, path=path) for k, ds in st.items() if isinstance(ds, h5py.Dataset)}
    if "current" in state:
        generation, slot = (int(x) for x in state.pop("current"))
        if slot not in (0, 1) or generation < -1:
            raise ArchiveError(f"{path}: corrupt /state/current ({generation}, {slot})")
        group = st[f"slot{slot}"]
        state.update({k: _read(ds, path=path) for k, ds in group.items()
                      if isinstance(ds, h5py.Dataset)})
        state["optimizer"] = {k: _read(ds, path=path) for k, ds in group["optimizer"].items()}
        state["generation"], state["slot"] = generation, slot
        # Cache entries appended after the state was written belong to a generation
        # that was never completed: a resume must not see them.
        rows = max(int(state.pop("cache_rows")), 0)
        state["cache_keys"], state["cache_fitness"] = (state["cache_keys"][:rows],
                                                       state["cache_fitness"][:rows])
    else:       # format 1.0: one vector in the optimizer's own layout
        vec = np.asarray(state.pop("optimizer_state", np.zeros(0)), dtype=np.float64)
        state["optimizer"] = config.component("optimizer").legacy_state(
            vec, config.genome(), config.run.population)
    return state


def _stored_eof(path: str) -> int | None:
    """End-of-file address recorded in a version 2/3 superblock, if there is one."""
    import struct
    with open(path, "rb") as fh:
        head = fh.read(36)
    if len(head) == 36 and head[:8] == b"\x89HDF\r\n\x1a\n" and head[8] >= 2 and head[9] == 8:
        return struct.unpack("<Q", head[28:36])[0]
    return None


def _signature(path: str) -> tuple:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _changes(path: str, before: tuple, seconds: float) -> bool:
    """Whether the file's size or modification time moves away from `before` within
    `seconds` (checked every 10 ms)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if _signature(path) != before:
                return True
        except OSError:                 # gone or unreadable now: the next look says which
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def _open_h5(path: str, tries: int = 6):
    import h5py
    if not os.path.exists(path):
        raise ArchiveError(_missing(path))
    if os.path.isdir(path):
        raise ArchiveError(f"{path}: is a folder, not an archive")
    for attempt in range(tries):
        # A live writer extends the file in steps (the superblock's end-of-file first,
        # then the data), so a read in between sees a short file; a file that changes
        # while it is read is being written: look again. A truncated one does not change.
        try:
            before = _signature(path)
            if not h5py.is_hdf5(path):
                raise ArchiveError(f"{path}: not an HDF5 file")
            eof = _stored_eof(path)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read ({exc.strerror or exc})") from None
        # SWMR readers retry failed metadata reads for a long time, so a truncated
        # file must be caught here, before it is ever opened in SWMR mode.
        if eof is not None and os.path.getsize(path) < eof:
            problem = f"truncated HDF5 file ({os.path.getsize(path)} of {eof} bytes)"
        else:
            try:
                return h5py.File(path, "r")
            except OSError as exc:
                if "already open for write" in str(exc):
                    break
                problem = f"truncated or corrupt HDF5 file ({_first_line(exc)})"
        if attempt == tries - 1 or not _changes(path, before, 0.3):
            raise ArchiveError(f"{path}: {problem}")
    # A live run, or one whose writer was killed: the SWMR flags are set.
    try:
        return h5py.File(path, "r", swmr=True)
    except OSError as exc:
        raise ArchiveError(f"{path}: corrupt HDF5 file ({_first_line(exc)})") from None


def _read(ds, n: int | None = None, path: str = ""):
    """A dataset (its first n rows) as numpy; variable-length text as str objects.

    A chunk whose checksum fails (or any other failed read) is an ArchiveError.
    """
    import h5py
    if not isinstance(ds, h5py.Dataset):
        raise KeyError("an unreadable object where a dataset should be")
    src = ds.asstr() if h5py.check_string_dtype(ds.dtype) is not None else ds
    try:
        return src[()] if n is None else src[:n]
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: corrupt {ds.name} ({_first_line(exc)})") from None


def _read_fixed(ds, path: str = ""):
    """A dataset written once at creation, checked against its digest if it has one."""
    arr = _read(ds, path=path)
    want = ds.attrs.get(DIGEST_ATTR)
    if want is not None and _sha256(np.asarray(arr)) != _text(want):
        raise ArchiveError(f"{path}: corrupt {ds.name} (its data do not match the stored sha256)")
    return arr


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def open_run(path: str, populations: bool = True) -> Run:
    """Reads a run archive; every failure is an ArchiveError with one line.

    populations=False skips the (G, N, ...) population arrays for quick looks.
    """
    from .config import ConfigError, RunConfig
    from .legacy import sections_from_1_0
    from .tasks import TaskSet
    f = _open_h5(path)
    try:
        with f:
            fmt = _text(f.attrs.get("format", ""))
            if fmt != FORMAT:
                raise ArchiveError(f"{path}: not an evo_l2l run archive (format {fmt!r})")
            version = _text(f.attrs.get("format_version", ""))
            try:
                major = int(version.split(".")[0])
            except ValueError:
                raise ArchiveError(f"{path}: unreadable format version {version!r}") from None
            if major > _MAJOR:
                raise ArchiveError(f"{path}: format version {version} is newer than this "
                                   f"evo_l2l reads ({FORMAT_VERSION}); upgrade evo_l2l")
            attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                     for k, v in f.attrs.items()}
            want = attrs.get(CONFIG_DIGEST_ATTR)
            if want is not None and _sha256(attrs.get("config", "")) != want:
                raise ArchiveError(f"{path}: corrupt config attribute "
                                   "(it does not match the stored sha256)")
            try:
                data = json.loads(attrs["config"])
                config = RunConfig.from_dict(sections_from_1_0(data) if major < 2 else data)
            except ConfigError as exc:
                if str(exc).startswith("unknown "):     # e.g. a learner a plug-in registered
                    raise ArchiveError(f"{path}: made with a component this evo_l2l does not "
                                       f"have ({_first_line(exc)})") from None
                raise ArchiveError(f"{path}: damaged config ({_first_line(exc)})") from None
            except (KeyError, ValueError, TypeError) as exc:
                raise ArchiveError(f"{path}: damaged config ({_first_line(exc)})") from None
            state = _read_state(f["state"], config, path)
            status = _text(state.pop("status"))
            heartbeat = float(state["heartbeat"])
            n = int(state["generation"]) + 1
            g = f["generations"]
            gens = {}
            for name, ds in g.items():
                if not populations and name.startswith("population_"):
                    continue
                if ds.shape[0] < n:
                    raise ArchiveError(f"{path}: corrupt /state/current (generation {n - 1}, "
                                       f"but /generations/{name} holds {ds.shape[0]} rows)")
                gens[name] = _read(ds, n, path)
            t = f["tasks"]
            arrays = {k: _read_fixed(ds, path) for k, ds in t.items()}
            tasks = TaskSet(*(arrays[k] for k in ("X", "Y", "W0", "n_patterns", "n_inputs",
                                                  "n_outputs", "split")),
                            family=_text(t.attrs.get("family", "")),
                            params=json.loads(_text(t.attrs.get("params", "{}"))),
                            direction=arrays.get("direction"), W0_hidden=arrays.get("W0_hidden"),
                            segment_end=arrays.get("segment_end"),
                            group_end=arrays.get("group_end"),
                            group_mask=arrays.get("group_mask"))
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError) as exc:
        raise ArchiveError(f"{path}: damaged archive ({_first_line(exc)})") from None
    return Run(path, attrs, config, tasks, gens, state, status, heartbeat)


@dataclass
class Verified:
    """What verify_archive read: counts of checked datasets and digests."""

    path: str
    format_version: str
    n_generations: int
    n_datasets: int            # datasets read in full
    n_checksummed: int         # of those, with a fletcher32 checksum per chunk
    n_digests: int             # sha256 digests checked (config, /tasks)
    live: str | None           # host:pid of a live writer (state not cross-checked)


def verify_archive(path: str) -> Verified:
    """Reads every dataset of an archive in full, every attribute and digest.

    HDF5 checks each chunk's fletcher32 checksum as it reads it (and the
    checksums of its own metadata); the config and /tasks are checked against
    their sha256 digests; the resume state's unchecksummed scalars are checked
    against the table row they copy. Any failure is an ArchiveError.
    """
    import h5py
    run = open_run(path)
    counts = {"datasets": 0, "checksummed": 0, "digests": 0}
    live = writer_alive(run)

    def visit(name, obj):
        for key in obj.attrs:
            obj.attrs[key]
        if isinstance(obj, h5py.Dataset):
            _read_fixed(obj, path)
            counts["datasets"] += 1
            counts["checksummed"] += bool(obj.fletcher32)
            counts["digests"] += DIGEST_ATTR in obj.attrs
        elif not isinstance(obj, h5py.Group):
            raise KeyError(f"unexpected object {name}")

    try:
        with _open_h5(path) as f:
            visit("/", f)
            f.visititems(visit)
            counts["digests"] += CONFIG_DIGEST_ATTR in f.attrs
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError) as exc:
        raise ArchiveError(f"{path}: corrupt ({_first_line(exc)})") from None
    if run.status not in (STATUS_RUNNING, STATUS_COMPLETE, STATUS_INTERRUPTED):
        raise ArchiveError(f"{path}: corrupt /state/status ({run.status!r})")
    gen = int(run.state["generation"])
    if gen >= 0 and not live:
        g, st = run.generations, run.state
        pairs = [("hof_fitness", "best_so_far_fitness"),
                 ("hof_heldout_fitness", "best_so_far_heldout_fitness"),
                 ("hof_generation", "best_so_far_generation"), ("hof_genome", "best_so_far_genome"),
                 ("elapsed", "wall_time"), ("population_genome", "population_genome"),
                 ("population_fitness", "population_fitness")]
        for a, b in pairs:
            x, y = np.asarray(st[a]), np.asarray(g[b][gen])
            if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
                where = f"slot{run.state['slot']}/" if "slot" in run.state else ""
                raise ArchiveError(f"{path}: corrupt /state/{where}{a} (differs from "
                                   f"/generations/{b} at generation {gen})")
    return Verified(path, _text(run.attrs.get("format_version", "")), run.n_generations_done,
                    counts["datasets"], counts["checksummed"], counts["digests"], live)


def writer_alive(run) -> str | None:
    """'host:pid' of the process still writing the run, or None.

    On this host the pid is checked; on another host a recent heartbeat counts.
    """
    return _alive(run.status, _text(run.state.get("writer", b"")), run.heartbeat,
                  run.config.run.flush_interval)


def live_writer(path: str) -> str | None:
    """writer_alive(open_run(path, populations=False)), reading only the state's status,
    writer and heartbeat and the config's flush interval (a tenth of the time: `run
    --force` asks it of the archive it replaces). None if path is no readable archive."""
    try:
        f = _open_h5(path)
    except ArchiveError:
        return None
    try:
        with f:
            if (_text(f.attrs.get("format", "")) == FORMAT
                    and _text(f.attrs.get("format_version", "")).startswith(f"{_MAJOR}.")):
                st = f["state"]
                interval = json.loads(_text(f.attrs["config"]))["run"]["flush_interval"]
                return _alive(_text(st["status"][()]), _text(st["writer"][()]),
                              float(st["heartbeat"][()]), float(interval))
    except (KeyError, TypeError, ValueError, OSError):
        pass
    try:                # another layout, or damage: the full reader decides, as before
        return writer_alive(open_run(path, populations=False))
    except ArchiveError:
        return None


def _alive(status: str, writer: str, heartbeat: float, flush_interval: float) -> str | None:
    if status != STATUS_RUNNING:
        return None
    host, _, pid = writer.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return writer
        return writer if int(pid) != os.getpid() else None
    # The heartbeat moves once per flush, i.e. at least once per generation.
    fresh = time.time() - heartbeat < max(120.0, 3 * flush_interval)
    return writer if fresh else None


def _upgrade_1_0(src, dst, run: Run) -> None:
    """A format-1.0 file being resumed becomes format 2.0: sectioned config, the resume
    state in a slot with named optimizer arrays, digests of its config and /tasks (its
    history stays without checksums)."""
    import h5py
    dst.attrs["format_version"] = FORMAT_VERSION
    dst.attrs["config"] = run.config.to_json()
    for section in ("optimizer", "rule", "learner", "tasks"):
        dst.attrs[section] = getattr(run.config, section).name
    if "rule_family" in dst.attrs:
        del dst.attrs["rule_family"]
    st, old = run.state, src["state"]
    genome = old["population_genome"]
    _create_state(dst, genome.shape[0], genome.shape[1:], genome.dtype, st["optimizer"],
                  int(st["n_generations_target"]))
    new = dst["state"]
    for name in ("status", "writer", "heartbeat"):
        new[name][()] = old[name][()]
    for name in ("cache_keys", "cache_fitness"):
        new[name].resize(old[name].shape)
        new[name][...] = old[name][()]
    text = h5py.check_string_dtype(genome.dtype) is not None
    _write_slot(new["slot0"], lambda values: _stored_genomes(values, text),
                st["population_genome"], st["population_fitness"], st["hof_genome"],
                {**{k: st[k] for k in SLOT_SCALARS if k != "cache_rows"},
                 "cache_rows": len(st["cache_keys"])}, st["py_random_state"], st["optimizer"])
    new["current"][...] = np.array([int(st["generation"]), 0], dtype=np.int64)
    _seal(dst)


def repair(path: str, force: bool = False) -> Run:
    """Rewrites an archive whose writer was killed so that any HDF5 reader opens it.

    A writer killed in SWMR mode leaves flags that make plain readers (h5py
    without swmr=True, h5dump) refuse the file ("already open for write, may
    use h5clear"). The archive is copied up to its last complete generation,
    as resume does, and the copy replaces it; its status stays as it was.
    """
    run, tmp = prepare_resume(path, None, force)
    try:
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return run


def prepare_resume(path: str, n_generations: int | None, force: bool = False) -> tuple[Run, str]:
    """Copies the archive up to its last complete generation into a temp file.

    Returns the run and the temp file, which ArchiveWriter(publish_from=...)
    publishes over `path`. A writer killed in SWMR mode leaves flags that
    forbid reopening the file for writing; the fresh copy clears them and
    drops rows written after the last complete resume state.
    """
    import h5py
    run = open_run(path)
    live = None if force else writer_alive(run)
    if live:
        raise ArchiveError(f"{path}: is being written by a live run ({live}); stop it first "
                           "(or pass --force if that process is gone)")
    if run.n_generations_done < 1:
        raise ArchiveError(f"{path}: holds no complete generation to resume from")
    n = run.n_generations_done
    remove_stale_temps(path)
    tmp = f"{path}.resume-{os.getpid()}"
    try:
        with _open_h5(path) as src, h5py.File(tmp, "w", libver="latest") as dst:
            for k, v in src.attrs.items():
                dst.attrs[k] = v
            src.copy(src["tasks"], dst, "tasks")
            if "current" in src["state"]:
                src.copy(src["state"], dst, "state")
                for name in ("cache_keys", "cache_fitness"):     # drop entries past the state
                    dst["state"][name].resize((len(run.state[name]),))
            else:
                _upgrade_1_0(src, dst, run)
            g = dst.create_group("generations")
            for name, ds in src["generations"].items():
                # Rewritten with the archive's checksums, also where the source (format
                # 1.0) had none.
                shape = (n,) + ds.shape[1:]
                new = _dataset(g, name, shape=shape, maxshape=(None,) + ds.shape[1:],
                               dtype=ds.dtype, chunks=ds.chunks)
                new[...] = run.generations[name]
            if n_generations is not None:
                dst["state"]["n_generations_target"][()] = n_generations
                # The config says what the run now aims for (info showed the old target).
                config = run.config.with_overrides({"run.n_generations": n_generations})
                dst.attrs["config"] = config.to_json()
                dst.attrs[CONFIG_DIGEST_ATTR] = _sha256(dst.attrs["config"])
        copy = open_run(tmp)
        copy.resume_record()          # refuses a damaged state before anything is replaced
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    copy.path = path
    return copy, tmp
