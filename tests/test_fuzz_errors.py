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
