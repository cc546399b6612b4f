"""README.md's tour of the command line runs as it stands, top to bottom, in an empty folder."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tour_lines() -> list[str]:
    text = open(os.path.join(ROOT, "README.md")).read()
    block = text.split("## A tour of the command line\n\n", 1)[1].split("\n\n", 1)[0]
    lines = []
    for line in block.splitlines():
        command = re.sub(r"\s+#[^\"']*$", "", line.strip())     # drop the trailing comment
        assert command.startswith("evo-l2l "), line
        lines.append(command)
    return lines


# The whole tour is one test (its commands depend on each other): a few minutes on 2 quiet
# cores, more beside other jobs, and the first few-shot command renders the glyphs.
@pytest.mark.timeout(900)
def test_readme_tour_runs_in_order(tmp_path):
    lines = tour_lines()
    assert len(lines) >= 15
    exe = f"{sys.executable} -m evo_l2l"
    for command in lines:
        proc = subprocess.run(command.replace("evo-l2l", exe, 1), shell=True, cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, (command, proc.stderr[-1500:])
    assert (tmp_path / "runs" / "compare.png").exists()
    assert (tmp_path / "runs" / "report3" / "report.html").exists()
