"""Writing a run archive: ArchiveWriter creates it (static part in a temp file, then
published) and appends generations in HDF5 SWMR mode, so readers can open a live run
and a killed writer leaves a file holding every flushed generation. Rows are buffered
and flushed every `flush_interval` seconds.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import time

import numpy as np

from ..errors import ArchiveError, ArchiveWriteFailed
from ..rules.kinds import kind_of
from .liveness import live_writer
from .record import _py_state_arrays
from .schema import (FORMAT, FORMAT_VERSION, GENERATION_COLUMNS, STATUS_RUNNING, _dataset,
                     _first_line, _seal)
from .state import _create_state, _stored_genomes, _write_slot
from .temps import remove_stale_temps


def _versions() -> dict:
    from importlib.metadata import version
    import deap
    import h5py
    import numba
    from .._version import __version__
    return {"evo_l2l": __version__, "numpy": np.__version__, "numba": numba.__version__,
            "deap": deap.__version__, "h5py": h5py.__version__,
            "hdf5": h5py.version.hdf5_version, "click": version("click")}


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
        self.f = None
        try:
            self.f = h5py.File(publish_from or path, "r+", libver="latest")
            self.f.swmr_mode = True
            self._start()
            if publish_from:
                os.replace(publish_from, path)
        except BaseException as exc:
            if self.f is not None:
                try:
                    self.f.close()
                except Exception:
                    pass
            if publish_from and os.path.exists(publish_from):
                os.remove(publish_from)
            if isinstance(exc, (OSError, RuntimeError)):
                # One line about the archive (never the temp file), which is as it was.
                full = "No space left" in str(exc) or getattr(exc, "errno", None) == 28
                why = "no space left on the device" if full else _first_line(exc).split(" (")[0]
                kept = "; the archive is left as it was" if publish_from else ""
                raise ArchiveWriteFailed(f"{path}: cannot write ({why}){kept}") from None
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
                from .._version import __version__
                f.attrs["generated_by"] = f"evo_l2l {__version__}"
                f.attrs["creation_date"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
                f.attrs["preset"] = config.run.preset
                f.attrs["seed"] = config.run.seed
                f.attrs["config"] = config.to_json()
                f.attrs["versions"] = json.dumps(_versions(), sort_keys=True)
                for section in ("optimizer", "rule", "learner", "tasks"):
                    f.attrs[section] = getattr(config, section).name
                f.attrs["rule_kind"] = problem.kind
                for name, values in kind_of(problem).archive_attrs(problem).items():
                    f.attrs[name] = json.dumps(list(values))
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
        # The resume state goes into the slot `current` does not name, sealed with its
        # generation and sha256 (so a changed byte is found, and the other slot used);
        # only once it is on disk does `current` move to it, in one write.
        slot = 1 - self._slot
        words, gauss = _py_state_arrays(last.py_random_state)
        _write_slot(st[f"slot{slot}"], self._genomes, last.genomes, last.fitness,
                    last.hof_genome,
                    {"hof_fitness": last.hof_fitness, "hof_heldout_fitness": last.hof_heldout,
                     "hof_generation": last.hof_generation, "py_random_gauss": gauss,
                     "elapsed": last.elapsed, "cache_rows": self._cache_keys.shape[0]},
                    words, last.optimizer_state, generation=last.generation)
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
