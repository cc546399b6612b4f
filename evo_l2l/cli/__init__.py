"""The `evo-l2l` command line: each command parses, calls one library function, prints.

Heavy imports (numba, h5py, deap) happen inside commands so `--help` is instant. Every
command starts with evo_l2l.configure_process() (OpenMP threads that wait passively, the
start-up shortcuts), which the library itself never calls, and its runs handle SIGINT and
SIGTERM (stop after the generation in hand, the archive resumable).
"""
from __future__ import annotations

import sys

import click

from ..errors import ArchiveError, ArchiveWriteFailed, ConfigError


def _keep_ignored_signals() -> None:
    """A background job (`evo-l2l run ... &` in a script) starts with SIGINT ignored: a run
    then ignores it all along instead of only until its handlers are installed."""
    import signal
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        from .. import _process
        _process.KEEP_IGNORED.add(signal.SIGINT)


def _one_line_plugin_warnings() -> None:
    """A plug-in that fails to load is one line on stderr (Python's warnings add the source
    line that raised them); other warnings print as Python prints them."""
    import warnings
    from ..components import PluginWarning
    plain = warnings.formatwarning

    def formatwarning(message, category, *args, **kwargs):
        if issubclass(category, PluginWarning):
            return f"warning: {message}\n"
        return plain(message, category, *args, **kwargs)
    warnings.formatwarning = formatwarning


class _Group(click.Group):
    """Turns errors a user can cause into one line on stderr and exit code 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's standalone mode, except that a usage error is one line (click prints four).
        First of all it configures the process for a command-line run (before any command
        imports numba, which starts its threads with the OpenMP settings it finds)."""
        from .. import configure_process
        configure_process()
        _one_line_plugin_warnings()
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        _keep_ignored_signals()
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            no_args = getattr(click.exceptions, "NoArgsIsHelpError", ())
            if no_args and isinstance(exc, no_args):      # bare `evo-l2l`: the help
                click.echo(exc.format_message())
                sys.exit(0)
            where = exc.ctx.command_path if exc.ctx is not None else "evo-l2l"
            click.echo(f"error: {exc.format_message()} (see: {where} --help)", err=True)
            sys.exit(2)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("interrupted", err=True)
            sys.exit(130)
        sys.exit(code if isinstance(code, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (ConfigError, ArchiveError) as exc:
            click.echo(f"error: {exc}", err=True)
            if isinstance(exc, ArchiveWriteFailed):
                # HDF5 would retry its failed writes at exit and crash: end here, now.
                import os
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(2)
            sys.exit(2)
        except MemoryError as exc:  # a configuration the estimate in evolution/run.py missed
            detail = str(exc).split(";")[0] if str(exc) else "no details"
            click.echo(f"error: out of memory ({detail}); use a smaller configuration "
                       "(population, tasks, epochs); an archive it created keeps its "
                       "complete generations", err=True)
            sys.exit(2)
        except BrokenPipeError:     # `evo-l2l info RUN | head -2`: stop quietly, as Unix tools do
            import os
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(141)           # 128 + SIGPIPE
        except OSError as exc:      # e.g. an output folder that is not writable
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"error: {exc.strerror or exc}{where}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except SystemError as exc:
            # Ctrl-C while numba unpickles a kernel's constants: numba's dispatcher turns the
            # KeyboardInterrupt into "returned a result with an exception set".
            if not _interrupted(exc):
                raise
            click.echo("interrupted", err=True)
            sys.exit(130)


def _interrupted(exc: BaseException) -> bool:
    """Whether a KeyboardInterrupt is among the exceptions that led to exc."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="evo_l2l")
def main():
    """Evolve synaptic learning rules and analyse the runs.

    \b
    Quick start:
      evo-l2l experiments                 list the presets
      evo-l2l run chalmers1990            evolve; writes runs/chalmers1990-seed0.h5
      evo-l2l best runs/chalmers1990-seed0.h5
    """


from . import (analyse as _analyse, components as _components, fewshot as _fewshot,  # noqa: E402,F401
               inspect as _inspect, run as _run, verify as _verify)

def entry() -> None:
    """The `evo-l2l` console script: main(), then the process ends without Python's
    interpreter teardown.

    Why: after a command is done, Python's shutdown (collecting and freeing numba's and
    LLVM's objects, module by module) took 0.1-0.2 s of a 1-2 s command here. Everything
    a command writes is closed by then; what shutdown must still do is done first: the
    atexit handlers (logging, multiprocessing, temporary folders, h5py), then stdout and
    stderr are flushed. A command that leaves another Python thread running, or ends in
    an exception other than SystemExit, exits the usual way."""
    try:
        main(prog_name="evo-l2l")
        code = 0
    except SystemExit as exc:
        code = exc.code
    import threading
    if any(t is not threading.main_thread() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    _exit_now(code)


def _exit_now(code) -> None:
    import atexit
    import os
    if code is None:
        code = 0
    elif not isinstance(code, int):             # sys.exit("message"): printed, status 1
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):           # a closed pipe or stream: nothing to flush
            pass
    os._exit(code & 0xFF)


__all__ = ["main", "entry"]
