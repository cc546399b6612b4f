"""Components from other distributions, found through the `evo_l2l.components` entry points.

A plug-in here is a distribution as pip leaves it on sys.path (a module and its .dist-info
with entry_points.txt), put on PYTHONPATH of an `evo-l2l` subprocess: no network, no pip.
"""
import os
import subprocess
import sys
import textwrap

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The toy optimizer of docs/howto/extending.md (and tests/test_extending.py), as a plug-in.
PLUGIN = '''
from dataclasses import dataclass

import numpy as np
from deap import creator

from evo_l2l.components import Settings, setting
from evo_l2l.optimizers import OPTIMIZERS, Optimizer
from evo_l2l.optimizers.base import ArraySearch


@dataclass
class RandomSearchSettings(Settings):
    step: float = setting(0.3, "Gaussian step around the best genome so far", low=0, low_open=True)


class RandomSearch(ArraySearch):
    def __init__(self, s, genome, population):
        super().__init__(genome)
        self.s, self.n, self.best = s, population, np.zeros(genome.length)

    def ask_individuals(self):
        if self.pop is not None:
            fit = [ind.fitness.values[0] for ind in self.pop]
            self.best = np.array(self.pop[int(np.argmax(fit))], dtype=float)
        return [creator.Individual([b + self.rng.gauss(0.0, self.s.step) for b in self.best])
                for _ in range(self.n)]

    def state(self):
        return {"best": self.best.copy()}

    def load(self, state):
        self.best = np.asarray(state["best"], dtype=float).copy()


class RandomSearchOptimizer(Optimizer):
    name = "toy_random_search"
    summary = "random search around the best genome so far (a plug-in)"
    settings = RandomSearchSettings
    genomes = ("real",)

    def create(self, s, genome, population):
        return RandomSearch(s, genome, population)


OPTIMIZERS.add(RandomSearchOptimizer())


class WiderSearch(RandomSearchOptimizer):
    name = "toy_wider_search"
    summary = "the same with its own name, registered by a callable entry point"


def register():
    OPTIMIZERS.add(WiderSearch())
'''


def distribution(site, name, module_text, entry_points, module=None):
    """A module and its .dist-info, as an installed distribution leaves them."""
    module = module or name
    (site / f"{module}.py").write_text(module_text)
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[evo_l2l.components]\n" + entry_points)


@pytest.fixture
def site(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    distribution(site, "evo_l2l_toyplugin", PLUGIN,
                 "toy = evo_l2l_toyplugin\nwider = evo_l2l_toyplugin:register\n")
    return site


def cli(*args, site=None, cwd):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site) if site else "", ROOT,
                                                    env.get("PYTHONPATH", "")) if p)
    return subprocess.run([sys.executable, "-m", "evo_l2l", *args], capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


RUN = ["run", "chalmers1990", "--toy", "--generations", "2", "--population", "6", "-q",
       "--set", "optimizer=toy_random_search", "--set", "rule.genome=real",
       "--set", "optimizer.step=0.2"]


def test_components_and_a_run_see_an_installed_plugin(site, tmp_path):
    res = cli("components", "optimizer", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "toy_random_search: random search around the best genome so far (a plug-in)" \
        in res.stdout
    assert "optimizer.step = 0.3" in res.stdout
    assert "toy_wider_search:" in res.stdout                   # the callable entry point
    assert res.stderr == ""
    res = cli(*RUN, "-o", "p.h5", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    res = cli("info", "p.h5", site=site, cwd=tmp_path)
    assert res.returncode == 0 and "toy_random_search" in res.stdout, res.stderr
    res = cli("resume", "p.h5", "--generations", "3", "-q", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    # Without the plug-in: one line, exit 2, the archive not called corrupt.
    res = cli("info", "p.h5", cwd=tmp_path)
    assert res.returncode == 2, res.stdout + res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "Traceback" not in res.stderr
    assert "toy_random_search" in res.stderr and "corrupt" not in res.stderr
    res = cli(*RUN, "-o", "q.h5", cwd=tmp_path)
    assert res.returncode == 2 and "unknown optimizer 'toy_random_search'" in res.stderr


def test_a_broken_plugin_is_one_warning_line_and_the_rest_works(site, tmp_path):
    distribution(site, "evo_l2l_broken", "raise ImportError('needs frobnicate 2')\n",
                 "broken = evo_l2l_broken\n")
    distribution(site, "evo_l2l_clash", "from evo_l2l.optimizers import OPTIMIZERS\n"
                 "def register():\n    OPTIMIZERS.add(OPTIMIZERS.get('ga'))\n",
                 "clash = evo_l2l_clash:register\n")
    res = cli("components", "optimizer", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "toy_random_search:" in res.stdout and "  ga:" in res.stdout
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 2, res.stderr
    broken, = [line for line in lines if "'broken'" in line]
    assert broken == ("warning: evo_l2l plug-in 'broken' (evo_l2l_broken, distribution "
                      "evo_l2l_broken) not loaded: ImportError: needs frobnicate 2")
    clash, = [line for line in lines if "'clash'" in line]
    assert "registered already" in clash and "evo_l2l_clash" in clash
    res = cli(*RUN, "-o", "p.h5", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr


def test_plugins_load_only_when_a_name_is_missing_or_listed(site, tmp_path):
    code = textwrap.dedent("""
        import sys
        import evo_l2l
        from evo_l2l.optimizers import OPTIMIZERS
        from evo_l2l.config import RunConfig
        loaded = lambda: "evo_l2l_toyplugin" in sys.modules
        print(loaded())
        OPTIMIZERS.get("ga"); "cmaes" in OPTIMIZERS
        print(loaded())
        print("toy_random_search" in OPTIMIZERS, loaded())
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(site), ROOT)))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["False", "False", "True", "True"]


def test_a_plugin_component_from_python(site, tmp_path):
    code = textwrap.dedent("""
        import evo_l2l
        out = evo_l2l.evolve("chalmers1990", "x.h5", n_generations=2, population=6,
                             optimizer="toy_random_search", **{"rule__genome": "real"})
        print(out.result.status, out.run.attrs["optimizer"])
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join((str(site), ROOT)))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, cwd=tmp_path, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.split() == ["complete", "toy_random_search"]


def test_a_plugin_installed_by_pip(tmp_path):
    """The same plug-in as a project of its own, built and installed by pip (offline: the
    installed setuptools builds it, no dependencies fetched). setuptools before 70.1 builds
    wheels only with the `wheel` package beside it (a fresh Python 3.11 venv has neither
    newer setuptools nor wheel): then there is nothing offline to build with."""
    import importlib.util
    pytest.importorskip("setuptools")
    if (importlib.util.find_spec("setuptools.command.bdist_wheel") is None
            and importlib.util.find_spec("wheel") is None):
        pytest.skip("no offline wheel builder (setuptools < 70.1 without the wheel package)")
    project = tmp_path / "project"
    project.mkdir()
    (project / "my_l2l_parts.py").write_text(PLUGIN)
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "my-l2l-parts"
        version = "0.1"

        [project.entry-points."evo_l2l.components"]
        random_search = "my_l2l_parts"
        more = "my_l2l_parts:register"

        [tool.setuptools]
        py-modules = ["my_l2l_parts"]
    """))
    site = tmp_path / "site"
    res = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation",
                          "--no-deps", "--no-index", "--target", str(site), str(project)],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    res = cli("components", "optimizer", "toy_wider_search", site=site, cwd=tmp_path)
    assert res.returncode == 0 and "toy_wider_search: the same" in res.stdout, res.stderr
    res = cli(*RUN, "-o", "p.h5", site=site, cwd=tmp_path)
    assert res.returncode == 0, res.stderr
