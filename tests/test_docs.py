"""The tutorial's commands run as printed, in order, in an empty folder, and print what the
page shows (a run's seed fixes its rules and fitness; times and progress lines are left out
of the comparison), so the page cannot drift from the code."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lines whose content depends on the machine or the moment: times, progress, paths of
# the archive summary and the seeds table (its wall-time column).
VOLATILE = re.compile(r"\d s\b|\d s\)|wall s|^\s*\d+\s+complete\s|^generation \d+/\d+|^\.\.\.$"
                      r"|^\[\d+/\d+\]|^archive: |^drawing |^created ")


def tutorial_steps(text: str) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) for every `$ ` line of the page's indented blocks."""
    steps = []
    for line in text.splitlines():
        if line.startswith("    $ "):
            steps.append((line[6:], []))
        elif steps and line.startswith("    ") and not line.startswith("    $"):
            steps[-1][1].append(line[4:])
        elif steps and line.strip() and not line.startswith("    "):
            steps.append(("", []))          # prose ends a command's output
    return [(c, out) for c, out in steps if c]


def squeeze(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_tutorial_steps_are_parsed():
    steps = tutorial_steps(open(os.path.join(ROOT, "docs", "tutorial.md")).read())
    assert [c.split()[1] for c, _ in steps][:3] == ["experiments", "run", "best"]
    assert any("dw = 4*a*(t - o)" in line for _, out in steps for line in out)


@pytest.mark.timeout(600)
def test_tutorial_runs_as_printed(tmp_path):
    steps = tutorial_steps(open(os.path.join(ROOT, "docs", "tutorial.md")).read())
    assert len(steps) >= 7
    exe = f"{sys.executable} -m evo_l2l"
    for command, expected in steps:
        assert command.startswith("evo-l2l "), command
        proc = subprocess.run(command.replace("evo-l2l", exe, 1), shell=True, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, (command, proc.stderr[-1500:])
        shown = squeeze(proc.stdout + proc.stderr)
        for line in expected:
            if line.strip() and not VOLATILE.search(line.strip()):
                assert squeeze(line) in shown, (command, line)
