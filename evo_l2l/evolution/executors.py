"""Executors that spread evaluation over processes or machines: a local process pool and
Dask distributed. The interface and the in-process default are in `evaluator`.

Only plain data and module-level functions cross (see `remote`). Dask is an optional
extra (``pip install 'evo_l2l[distributed]'``) imported only when asked for. What Dask
needs to be right: calls submitted with ``pure=False`` (Dask's default merges identical
calls into one), workers with one thread and ``NUMBA_NUM_THREADS=1`` (numba #8563,
dask #5132; remote calls also set numba to one thread themselves), kernels imported from
modules and compiled or loaded once per worker by a ``client.run`` warm-up after the
driver has filled numba's on-disk cache (numba writes cache files to a temporary name
and renames them, so workers sharing a cache directory are safe), the problem's data
installed on every worker, present and future, by a worker plugin (so any worker may die
at any time), and ``retries`` so a call whose worker died is run again elsewhere (Dask
reschedules it by itself; retries also cover a call that raised on a failing machine).
"""
from __future__ import annotations

import os
import time
import numpy as np

from ..errors import ConfigError
from .evaluator import (MIN_CALL_SECONDS, UPDATES_PER_SECOND, ExecutorLost, InProcess, cut,
                        local_fitness, ordered_window)
from .remote import fitness_task, handle_of

EXTRA_HINT = "pip install 'evo_l2l[distributed]'"
WORKER_ENV = {"NUMBA_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}


class _Remote:
    """What the remote executors share: fitness batches cut into calls of work."""

    name = "remote"
    n_workers = 1
    retries = 2
    dashboard_link = None

    def __init__(self, min_call_seconds: float = MIN_CALL_SECONDS):
        self.min_call_seconds = min_call_seconds
        self._rate: dict = {}          # (problem key, split) -> seconds per synaptic update
        self._refs: dict = {}          # problem key -> what a call carries for the problem
        # Counts, for benchmarks and tests: batches kept in the driver, batches sent, calls.
        self.n_local_batches = self.n_remote_batches = self.n_remote_calls = 0

    def fitness(self, problem, split, rules):
        n = len(rules)
        if n == 0:
            return np.zeros(0)
        handle = handle_of(problem)
        per_rule = problem.updates_per_rule[split]
        rate = self._rate.get((handle.key, split), 1.0 / UPDATES_PER_SECOND)
        if n * per_rule * rate < self.min_call_seconds:
            self.n_local_batches += 1
            return local_fitness(problem, split, rules)
        ref = self._problem_ref(problem, handle)
        slices = cut(n, per_rule * rate, problem.chunk[split], self.n_workers,
                     self.min_call_seconds)
        self.n_remote_batches += 1
        self.n_remote_calls += len(slices)
        parts = self.map(fitness_task, [(ref, split, rules[a:b]) for a, b in slices])
        seconds = sum(p[1] for p in parts)
        if seconds > 0:
            observed = seconds / (n * per_rule)
            old = self._rate.get((handle.key, split))
            self._rate[(handle.key, split)] = observed if old is None else 0.5 * (old + observed)
        return np.concatenate([p[0] for p in parts])

    def ordered(self, fn, items, in_flight):
        return ordered_window(lambda item: self._submit(fn, item), items, in_flight,
                              self._recover_counter())

    def fitness_stream(self, problem, split, row_batches, in_flight):
        """Each batch of rule rows one remote call (an empty batch none), in order."""
        ref = self._problem_ref(problem, handle_of(problem))

        def submit(rows):
            if len(rows) == 0:
                return _Done((np.zeros(0), 0.0))
            self.n_remote_calls += 1
            return self._submit(fitness_task, (ref, split, rows))

        for fitness, _ in ordered_window(submit, row_batches, in_flight,
                                         self._recover_counter()):
            yield fitness

    def _submit(self, fn, item):
        """Sends fn(item) to a worker and returns its future: ProcessPool and DaskExecutor
        each implement it."""
        raise NotImplementedError

    def _recover_counter(self):
        """recover(exc) for ordered_window: None (the executor retries by itself)."""
        return None

    def _problem_ref(self, problem, handle):
        ref = self._refs.get(handle.key)
        if ref is None:
            # Fill numba's on-disk cache here first, so that workers load the kernels
            # instead of each compiling them.
            _warm_driver(problem)
            ref = self._refs[handle.key] = self._prepare(handle)
        return ref

    def _prepare(self, handle):
        return handle

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self) -> None:
        pass


class _Done:
    """A handle whose result is known without a call."""

    def __init__(self, value):
        self.value = value

    def result(self):
        return self.value

    def cancel(self) -> None:
        pass


class _Guarded:
    """A Dask future whose result() reports a lost cluster as ExecutorLost."""

    def __init__(self, executor, future):
        self.executor, self.future = executor, future

    def result(self):
        return self.executor._guard(self.future.result)

    def cancel(self) -> None:
        self.future.cancel()


def _warm_driver(problem) -> None:
    from ..rules.kinds import kind_of
    kind_of(problem).warm(problem)


def _init_process() -> None:
    """Pool worker start: Ctrl-C is the driver's to answer (a run inside a worker installs
    its own handlers); numba single-threaded."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.update(WORKER_ENV)


class ProcessPool(_Remote):
    """`n_workers` local processes (spawned: a forked child of a process whose OpenMP
    threads have started can hang). A pool broken by a killed worker is started again and
    its unfinished calls resubmitted, up to `retries` times."""

    name = "processes"

    def __init__(self, n_workers: int, retries: int = 2, **kw):
        super().__init__(**kw)
        if n_workers < 1:
            raise ConfigError("--workers must be at least 1")
        self.n_workers, self.retries = n_workers, retries
        self.restarts = 0
        self._pool = None
        self._start()

    def _start(self) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        # The spawned children read NUMBA_NUM_THREADS when they import numba, which their
        # start-up may do before the initializer runs: set it in the environment they copy.
        saved = {k: os.environ.get(k) for k in WORKER_ENV}
        os.environ.update(WORKER_ENV)
        try:
            self._pool = ProcessPoolExecutor(self.n_workers,
                                             mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_init_process)
            # Start every worker now, while the environment is set.
            for f in [self._pool.submit(time.sleep, 0) for _ in range(self.n_workers)]:
                f.result()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def map(self, fn, items):
        from concurrent.futures import FIRST_EXCEPTION, wait
        from concurrent.futures.process import BrokenProcessPool
        items = list(items)
        results: list = [None] * len(items)
        todo = list(range(len(items)))
        for attempt in range(self.retries + 1):
            futures = {self._submit(fn, items[i]): i for i in todo}
            try:
                wait(futures, return_when=FIRST_EXCEPTION)
                broken = False
                for f, i in futures.items():
                    if f.done() and f.exception() is None:
                        results[i] = f.result()
                    elif f.done() and isinstance(f.exception(), BrokenProcessPool):
                        broken = True
                    elif f.done():
                        raise f.exception()
                    else:
                        broken = True       # still pending after a failure elsewhere
                todo = [i for f, i in futures.items() if not (f.done() and f.exception() is None)]
                if not todo:
                    return results
                if broken:
                    self._restart()
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        raise ExecutorLost(f"the process pool broke {self.retries + 1} times (a worker was "
                           "killed: out of memory?)")

    def as_completed(self, fn, items, in_flight=None):
        from concurrent.futures import FIRST_COMPLETED, wait
        in_flight = in_flight or 2 * self.n_workers
        it = iter(enumerate(items))
        running: dict = {}
        try:
            while True:
                while len(running) < in_flight:
                    nxt = next(it, None)
                    if nxt is None:
                        break
                    running[self._pool.submit(fn, nxt[1])] = nxt[0]
                if not running:
                    return
                done, _ = wait(running, return_when=FIRST_COMPLETED)
                for f in done:
                    yield running.pop(f), f.result()
        finally:
            for f in running:
                f.cancel()

    def _submit(self, fn, item):
        from concurrent.futures import Future
        from concurrent.futures.process import BrokenProcessPool
        try:
            return self._pool.submit(fn, item)
        except BrokenProcessPool as exc:
            # A worker died while the pool was idle (between two calls): the submission
            # itself is refused. Hand back a failed call, so the caller restarts the pool and
            # sends it again as it does for a worker lost during a call.
            failed = Future()
            failed.set_exception(exc)
            return failed

    def _recover_counter(self):
        from concurrent.futures.process import BrokenProcessPool
        left = [self.retries]

        def recover(exc) -> bool:
            if not isinstance(exc, BrokenProcessPool):
                return False
            if left[0] == 0:
                raise ExecutorLost(f"the process pool broke {self.retries + 1} times (a "
                                   "worker was killed: out of memory?)") from None
            left[0] -= 1
            self._restart()
            return True
        return recover

    def stop_workers(self) -> None:
        """SIGTERM to every worker process: a whole run in one stops cleanly (its handlers),
        an evaluation call is dropped; the pool is then closed."""
        import signal
        for process in list((self._pool._processes or {}).values()) if self._pool else []:
            try:
                os.kill(process.pid, signal.SIGTERM)
            except OSError:
                pass
        self.close()

    def _restart(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.restarts += 1
        self._start()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _lost(exc: BaseException) -> bool:
    """Whether a Dask exception means the cluster (not the call) failed."""
    from concurrent.futures import CancelledError
    try:
        from distributed.client import FutureCancelledError
    except ImportError:                                   # older distributed
        FutureCancelledError = CancelledError
    try:
        from distributed.comm import CommClosedError
    except ImportError:
        CommClosedError = OSError
    try:
        # A call whose workers died `allowed-failures` times (3): the cluster cannot run it.
        from distributed.scheduler import KilledWorker
    except ImportError:
        KilledWorker = CancelledError
    return isinstance(exc, (CancelledError, FutureCancelledError, CommClosedError,
                            ConnectionError, TimeoutError, KilledWorker))


class DaskExecutor(_Remote):
    """A Dask distributed client: a LocalCluster it started (``--dask-local N``) or an
    existing scheduler (``--scheduler tcp://HOST:PORT``)."""

    name = "dask"

    def __init__(self, client, cluster=None, retries: int = 2, **kw):
        super().__init__(**kw)
        self.client, self._cluster, self.retries = client, cluster, retries
        self.dashboard_link = getattr(client, "dashboard_link", None)
        # The worker plugins this executor registered (one a problem), named apart from
        # other drivers' on the same scheduler, and unregistered on close.
        self._owner = os.urandom(6).hex()
        self._plugins: list = []
        self._update_workers()

    @classmethod
    def local(cls, n_workers: int, **kw) -> "DaskExecutor":
        """A LocalCluster of `n_workers` single-threaded worker processes on 127.0.0.1."""
        Client, LocalCluster = _import_dask()
        if n_workers < 1:
            raise ConfigError("--dask-local must be at least 1")
        _quiet_dask()
        _collect_dead_clients()
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", dashboard_address="127.0.0.1:0",
                               env=dict(WORKER_ENV), silence_logs=40)
        return cls(Client(cluster), cluster, **kw)

    @classmethod
    def connect(cls, address: str, timeout: float = 10.0, **kw) -> "DaskExecutor":
        """A client of the scheduler at `address` (tcp://HOST:PORT). `timeout`: seconds to
        connect, and to reconnect after losing the scheduler before the run stops."""
        Client, _ = _import_dask()
        _quiet_dask()
        client = _client_within(Client, address, timeout)
        executor = cls(client, None, **kw)
        try:
            if executor.n_workers_now() == 0:
                try:
                    client.wait_for_workers(1, timeout=max(60.0, timeout * 6))
                except TimeoutError:
                    raise ConfigError(f"the Dask scheduler at {address} has no workers; start "
                                      "some with `dask worker` (docs/howto/cluster.md)") from None
                executor._update_workers()
            executor.check_versions()
        except BaseException:
            executor.close()
            raise
        return executor

    def check_versions(self) -> None:
        """Workers must run the driver's evo_l2l, numpy, numba and Python: results are
        the same on every executor only with the same code and kernels."""
        from .remote import versions
        mine = versions()
        theirs = self._guard(lambda: self.client.run(versions))
        for worker, v in theirs.items():
            diff = [f"{k} {v.get(k)} (here {mine[k]})" for k in mine if v.get(k) != mine[k]]
            if diff:
                raise ConfigError(f"Dask worker {worker} runs {', '.join(diff)}; install the "
                                  "same versions on every machine (docs/howto/cluster.md)")

    def n_workers_now(self) -> int:
        try:
            return sum(self.client.nthreads().values())
        except Exception as exc:                          # noqa: BLE001
            if _lost(exc):
                raise ExecutorLost(f"lost the Dask scheduler ({exc.__class__.__name__})") from None
            raise

    def _update_workers(self) -> None:
        self.n_workers = max(1, self.n_workers_now())

    def _prepare(self, handle):
        from .remote import ProblemPlugin, plugin_name
        self._update_workers()
        # Install the handle on every worker, present and future, with a worker plugin the
        # scheduler keeps: a worker that joins later (a replacement for one that died) sets
        # it up before taking calls. Data placed only on the workers present now (scatter)
        # would die with them, and the run with it once they all had. Calls then carry
        # only the handle's key.
        name = plugin_name(handle.key, self._owner)
        answers = self._guard(lambda: self.client.register_plugin(ProblemPlugin(handle, name),
                                                                  name=name))
        self._plugins.append(name)
        failed = {w: a for w, a in (answers or {}).items()
                  if isinstance(a, dict) and a.get("status") not in (None, "OK")}
        if failed:
            worker, answer = next(iter(failed.items()))
            raise ExecutorLost(f"Dask worker {worker} could not install the problem: "
                               f"{answer.get('exception_text') or answer}")
        # Build the problem and load its kernels on every worker now (they then serve
        # calls at once; a later worker does so on its first call).
        self._guard(lambda: self.client.run(_warm, handle.key))
        return handle.key

    def _guard(self, call):
        try:
            return call()
        except Exception as exc:                          # noqa: BLE001
            if _lost(exc) or self.client.status not in ("running", "connecting"):
                what = ("Dask workers died running the same call again and again"
                        if exc.__class__.__name__ == "KilledWorker" else "lost the Dask scheduler")
                raise ExecutorLost(f"{what} ({exc.__class__.__name__}: {exc})") from None
            raise

    def map(self, fn, items):
        futures = self._guard(lambda: self.client.map(fn, list(items), pure=False,
                                                      retries=self.retries))
        try:
            return self._guard(lambda: self.client.gather(futures))
        except BaseException:
            try:
                self.client.cancel(futures)
            except Exception:                             # noqa: BLE001
                pass
            raise

    def as_completed(self, fn, items, in_flight=None):
        from distributed import as_completed
        in_flight = in_flight or 2 * self.n_workers
        it = iter(enumerate(items))
        index: dict = {}

        def more(k):
            out = []
            for _ in range(k):
                nxt = next(it, None)
                if nxt is None:
                    break
                f = self.client.submit(fn, nxt[1], pure=False, retries=self.retries)
                index[f.key] = nxt[0]
                out.append(f)
            return out

        ac = as_completed(more(in_flight))
        try:
            for f in ac:
                result = self._guard(f.result)
                yield index.pop(f.key), result
                for g in more(1):
                    ac.add(g)
        finally:
            pending = [f for f in ac.futures] if hasattr(ac, "futures") else []
            if pending:
                try:
                    self.client.cancel(pending)
                except Exception:                         # noqa: BLE001
                    pass

    def _submit(self, fn, item):
        return _Guarded(self, self._guard(lambda: self.client.submit(
            fn, item, pure=False, retries=self.retries)))

    def close(self) -> None:
        if self._cluster is None and self.client.status == "running":
            # A scheduler that outlives the run forgets its problems' handles.
            for name in self._plugins:
                try:
                    self.client.unregister_worker_plugin(name)
                except Exception:                         # noqa: BLE001
                    pass
        self._plugins = []
        try:
            self.client.close(timeout=5)
        except Exception:                                 # noqa: BLE001
            pass
        if self._cluster is not None:
            try:
                self._cluster.close(timeout=10)
            except Exception:                             # noqa: BLE001
                pass


def _warm(handle) -> int:
    from .remote import warm_worker
    return warm_worker(handle)


def _quiet_dask() -> None:
    """Dask's INFO logs (every worker start and stop) and the tracebacks of a lost
    connection become errors only: the run reports what matters in one line."""
    import logging
    logging.getLogger("distributed").setLevel(logging.ERROR)


def _import_dask():
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise ConfigError(f"Dask executors need the 'distributed' extra: {EXTRA_HINT}") from None
    return Client, LocalCluster


#: Seconds a --scheduler connection may take, handshake included, before the command gives up.
CONNECT_SECONDS = 15.0
SCHEDULER_FORM = "tcp://HOST:PORT (the scheduler's port, 8786 unless changed; not its dashboard's)"


def scheduler_address(text: str) -> str:
    """The Dask address `--scheduler` names (HOST:PORT alone means tcp://); ConfigError
    naming the expected form and what is wrong with `text` otherwise."""
    def bad(what: str):
        return ConfigError(f"--scheduler expects {SCHEDULER_FORM}; {text!r} {what}")
    address = text.strip()
    if "://" not in address:
        address = f"tcp://{address}"
    scheme, _, rest = address.partition("://")
    if scheme.lower() in ("http", "https"):
        raise bad("is a web address (a dashboard?), not a scheduler's")
    if scheme.lower() not in ("tcp", "tls"):
        raise bad(f"has the scheme {scheme!r}")
    host, colon, port = rest.rstrip("/").rpartition(":")
    if not colon or not host or host.endswith("["):
        raise bad("has no port")
    if "/" in host or "/" in port:
        raise bad("has a path")
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise bad(f"has the port {port!r}, not a number from 1 to 65535")
    return f"{scheme.lower()}://{host}:{int(port)}"


def _collect_dead_clients() -> None:
    """Finalises unreachable Dask clients (e.g. one whose connection failed) here, before a
    new client or cluster starts its event loop. distributed starts a loop thread while
    holding a lock shared by every client of the process; a dead client's __del__ takes
    that lock, so when garbage collection happens to run it inside the new loop thread as
    that thread starts, both wait for each other and every later client hangs."""
    import gc
    gc.collect()


def _client_within(Client, address: str, timeout: float):
    """A Dask client of `address`, or ConfigError once CONNECT_SECONDS (at least `timeout`)
    have passed: Client() waits forever for a handshake a server that accepts and never
    answers does not send, so it is made in a thread that is abandoned (and closes the
    client itself, should it ever connect) when the time is up."""
    import threading
    box: dict = {}
    lock = threading.Lock()
    done = threading.Event()
    _collect_dead_clients()

    def start():
        try:
            client = Client(address, timeout=timeout)
        except BaseException as exc:            # handed to the caller below
            box["error"] = exc
        else:
            with lock:
                box["client"] = client
                late = box.get("abandoned", False)
            if late:
                client.close()
        finally:
            done.set()

    seconds = max(CONNECT_SECONDS, timeout)
    threading.Thread(target=start, name="evo_l2l-dask-connect", daemon=True).start()
    finished = done.wait(seconds)
    with lock:
        if not finished and "client" not in box and "error" not in box:
            box["abandoned"] = True
            raise ConfigError(f"the server at {address} accepted the connection but did not "
                              f"answer as a Dask scheduler within {seconds:g} s; --scheduler "
                              f"expects {SCHEDULER_FORM}")
    if "client" in box:
        return box["client"]
    exc = box["error"]
    if isinstance(exc, (OSError, TimeoutError)):
        raise ConfigError(f"no Dask scheduler at {address} ({exc.__class__.__name__}); "
                          "start one with `dask scheduler` (docs/howto/cluster.md)") from None
    if isinstance(exc, (MemoryError, ValueError, TypeError, EOFError)):
        # another protocol's reply read as a Dask message (an HTTP dashboard's: a frame
        # length of exabytes)
        raise ConfigError(f"the server at {address} does not speak the Dask protocol "
                          f"({exc.__class__.__name__}); --scheduler expects "
                          f"{SCHEDULER_FORM}") from None
    raise exc


def make_executor(workers: int | None = None, dask_local: int | None = None,
                  scheduler: str | None = None, **kw):
    """The executor the command line asked for (at most one of the three), else InProcess.
    Use it as a context manager (it owns its processes or cluster)."""
    chosen = [n for n, v in (("--workers", workers), ("--dask-local", dask_local),
                             ("--scheduler", scheduler)) if v is not None]
    if len(chosen) > 1:
        raise ConfigError(f"choose one executor: {' and '.join(chosen)} were both given")
    if workers is not None:
        return ProcessPool(workers, **kw)
    if dask_local is not None:
        return DaskExecutor.local(dask_local, **kw)
    if scheduler is not None:
        return DaskExecutor.connect(scheduler_address(scheduler), **kw)
    return InProcess()


def add_executor_arguments(parser) -> None:
    """--workers / --dask-local / --scheduler for argparse scripts (scripts/reproduce_*)."""
    g = parser.add_argument_group("executor (default: in this process)")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="whole runs in a pool of N local processes")
    g.add_argument("--dask-local", type=int, default=None, metavar="N",
                   help="whole runs on a Dask LocalCluster of N workers")
    g.add_argument("--scheduler", default=None, metavar="tcp://HOST:PORT",
                   help="whole runs on an existing Dask cluster (docs/howto/cluster.md)")


def executor_from_args(args):
    """The executor of add_executor_arguments' options (a context manager)."""
    return make_executor(args.workers, args.dask_local, args.scheduler)


__all__ = ["DaskExecutor", "ExecutorLost", "InProcess", "ProcessPool", "make_executor",
           "EXTRA_HINT"]
