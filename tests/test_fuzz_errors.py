"""Inputs a fuzzing campaign found to end in tracebacks or hangs: each must end in one line on
stderr and exit 2 (or, for plots and reports, draw every run)."""
import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from evo_l2l.cli import main

DEEP = 1000


def one_line_exit_2(result, *needles):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr[-2000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner(mix_stderr=False) if "mix_stderr" in CliRunner.__init__.__code__.co_varnames \
        else CliRunner()


# -- configs nested too deeply -----------------------------------------------------------------

@pytest.mark.parametrize("depth", [DEEP])
def test_set_value_nested_too_deeply(runner, depth):
    value = "[" * depth + "1" + "]" * depth
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--set", f"rule.terms={value}"])
    one_line_exit_2(result, "nested too deeply")


@pytest.mark.parametrize("text", [
    "[rule]\nterms = " + "[" * DEEP + "1" + "]" * DEEP + "\n",
    "[rule]\nterms = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n",
    "[rule]\nterms." + ".".join(["a"] * DEEP) + " = 1\n",
    "[rule.terms." + ".".join(["a"] * DEEP) + "]\nx = 1\n",
])
def test_config_file_nested_too_deeply(runner, tmp_path, text):
    (tmp_path / "deep.toml").write_text(text)
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--config", "deep.toml"])
    one_line_exit_2(result, "nested too deeply")


def test_json_config_nested_too_deeply(runner, tmp_path):
    (tmp_path / "deep.json").write_text(
        json.dumps({"rule": {"terms": 1}}).replace("1", "[" * DEEP + "1" + "]" * DEEP))
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--config", "deep.json"])
    one_line_exit_2(result, "nested too deeply")


def test_library_from_dict_refuses_deep_values():
    from evo_l2l.config import RunConfig
    from evo_l2l.errors import ConfigError
    deep = 1
    for _ in range(DEEP * 3):
        deep = [deep]
    with pytest.raises(ConfigError, match="nested too deeply"):
        RunConfig.from_dict({"rule": {"terms": deep}})


# -- plots and reports of a meta-evolution run beside a plain one ------------------------------

@pytest.fixture
def mixed_runs(runner):
    for args in (["schmidhuber1987-meta", "--toy", "--generations", "1", "-o", "META.h5"],
                 ["chalmers1990", "--generations", "3", "-o", "A.h5"]):
        result = runner.invoke(main, ["run", *args, "-q"])
        assert result.exit_code == 0, result.output
    return runner


@pytest.fixture
def panel_titles(monkeypatch):
    """The titles of the panels each figure saved holds."""
    from matplotlib.figure import Figure
    saved, real = [], Figure.savefig

    def savefig(fig, *args, **kwargs):
        saved.append([ax.get_title() for ax in fig.axes if ax.get_title()])
        return real(fig, *args, **kwargs)
    monkeypatch.setattr(Figure, "savefig", savefig)
    return saved


@pytest.mark.parametrize("order", [("A.h5", "META.h5"), ("META.h5", "A.h5")])
def test_plot_and_report_draw_every_runs_learning_panel(mixed_runs, panel_titles, order):
    result = mixed_runs.invoke(main, ["plot", *order, "-o", "p.png"])
    assert result.exit_code == 0, result.output
    result = mixed_runs.invoke(main, ["report", *order, "-o", "report"])
    assert result.exit_code == 0, result.output
    assert len(panel_titles) == 2
    for titles in panel_titles:
        assert "learning curves on held-out tasks" in titles            # the plain run's
        assert any(t.startswith("training runs of the level below") for t in titles)  # meta's


# -- --scheduler addresses that are not a Dask scheduler's ---------------------------------------

@pytest.mark.parametrize("address, what", [
    ("localhost", "has no port"),
    ("http://127.0.0.1:8787", "web address"),
    ("127.0.0.1:99999", "not a number"),
    ("tcp://127.0.0.1:8786/x", "has a path"),
])
def test_scheduler_address_of_the_wrong_form(runner, address, what):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--scheduler", address])
    one_line_exit_2(result, "tcp://HOST:PORT", what)


@pytest.fixture
def server():
    """A TCP server on 127.0.0.1 that accepts and then either answers HTTP or stays silent."""
    import socket
    import threading
    listening, accepted = [], []

    def start(http: bool) -> int:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(4)
        listening.append(sock)

        def serve():
            while True:
                try:
                    conn, _ = sock.accept()
                except OSError:
                    return
                accepted.append(conn)
                if http:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
        threading.Thread(target=serve, daemon=True).start()
        return sock.getsockname()[1]
    yield start
    for sock in listening + accepted:
        sock.close()


def test_scheduler_port_that_answers_http(runner, server):
    pytest.importorskip("distributed")
    port = server(http=True)
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--scheduler", f"tcp://127.0.0.1:{port}"])
    line = one_line_exit_2(result, "does not speak the Dask protocol", "tcp://HOST:PORT")
    assert "out of memory" not in line


def test_scheduler_that_never_answers_is_given_up(runner, server, monkeypatch):
    pytest.importorskip("distributed")
    import time
    from evo_l2l.evolution import executors
    monkeypatch.setattr(executors, "CONNECT_SECONDS", 2.0)
    # connect()'s own timeout (10 s), which the deadline never undercuts, down to 1 s
    monkeypatch.setattr(executors.DaskExecutor.connect.__func__, "__defaults__", (1.0,))
    port = server(http=False)
    start = time.monotonic()
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--scheduler", f"127.0.0.1:{port}"])
    one_line_exit_2(result, "did not answer", "tcp://HOST:PORT")
    assert time.monotonic() - start < 2.0 + 10


def test_scheduler_help_states_the_timeout(runner):
    result = runner.invoke(main, ["run", "--help"])
    assert "within 15 s" in " ".join(result.output.split())


# -- a component choice that is not text ---------------------------------------------------------

@pytest.mark.parametrize("setting", ["rule.name=[1]", "optimizer={\"a\": 1}", "learner=[[1], [2]]"])
def test_component_name_that_is_not_text(runner, setting):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--set", setting])
    one_line_exit_2(result, "unknown")


# -- a preset label other than the preset's --------------------------------------------------------

@pytest.mark.parametrize("setting", ["run.preset=chalmers1990-gp", "preset=x"])
def test_another_preset_label_is_refused_not_dropped(runner, setting):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--set", setting])
    one_line_exit_2(result, "is the name of the preset the config starts from")


def test_the_presets_own_label_is_accepted(runner):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "-q", "--set", "run.preset=chalmers1990"])
    assert result.exit_code == 0, result.output


# -- local process counts past any machine's ------------------------------------------------------

@pytest.mark.parametrize("option", ["--workers", "--dask-local"])
@pytest.mark.parametrize("count", ["99999999999999999999", "1025"])
def test_a_local_process_count_out_of_range(runner, option, count):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  option, count])
    one_line_exit_2(result, "1<=x<=1024")


# -- numbers no float holds ----------------------------------------------------------------------

HUGE = "1" + "0" * 400


@pytest.mark.parametrize("setting, needle", [
    ("tasks.init_high=Infinity", "tasks.init_high must be a finite number"),
    ("tasks.init_high=1e999", "tasks.init_high must be a finite number"),
    (f"tasks.init_high={HUGE}", "tasks.init_high must be a finite number"),
    (f"population={HUGE}", "of memory"),
    (f"learner.n_epochs={HUGE}", "of memory"),
])
def test_numbers_past_a_floats_range(runner, setting, needle):
    result = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-o", "x.h5",
                                  "--set", setting])
    one_line_exit_2(result, needle)
