"""The code blocks of docs/python.md run, in order, as one notebook would run them."""
import ast
import importlib
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.path.join(ROOT, "docs", "python.md")


def python_blocks(path):
    with open(path, encoding="utf-8") as fh:
        return re.findall(r"^```python\n(.*?)^```", fh.read(), re.M | re.S)


def test_the_python_page_runs(tmp_path):
    blocks = python_blocks(PAGE)
    assert len(blocks) >= 5
    script = tmp_path / "page.py"
    script.write_text("\n".join(f"# -- block {i}\n{b}" for i, b in enumerate(blocks)))
    env = dict(os.environ, TMPDIR=str(tmp_path),
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p))
    res = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                         text=True, env=env, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert res.stdout.startswith("complete ")
    assert "def rule(w, a, o, t):" in res.stdout
    assert (tmp_path / "chalmers.h5").is_file()
    assert (tmp_path / "chalmers.png").stat().st_size > 10_000        # the plot was drawn


def test_the_functions_the_page_imports_have_docstrings():
    """Each name a block imports, and each evo_l2l attribute it calls, is documented."""
    names = []
    for block in python_blocks(PAGE):
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.ImportFrom) and node.module.startswith("evo_l2l"):
                names += [(node.module, a.name) for a in node.names]
            elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                  and node.value.id == "evo_l2l"):
                names.append(("evo_l2l", node.attr))
    assert ("evo_l2l.analysis.plots", "plot_runs") in names and ("evo_l2l", "evolve") in names
    for module, name in names:
        obj = getattr(importlib.import_module(module), name)
        assert (obj.__doc__ or "").strip(), f"{module}.{name} has no docstring"
