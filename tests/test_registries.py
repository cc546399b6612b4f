"""The component registries and the preset table load their modules on first use: the
names they list are the components the modules hold, a run imports only what it names,
and a run rebinds no module's `random` (each search owns its generator)."""
import importlib
import pkgutil
import subprocess
import sys

import pytest

from evo_l2l.components import Registry
from evo_l2l.errors import ConfigError


def _registries():
    from evo_l2l.learners import LEARNERS
    from evo_l2l.optimizers import OPTIMIZERS
    from evo_l2l.rules import RULE_FAMILIES
    from evo_l2l.tasks import TASK_FAMILIES
    return LEARNERS, OPTIMIZERS, RULE_FAMILIES, TASK_FAMILIES


@pytest.mark.parametrize("index", range(4))
def test_each_listed_name_loads_the_component_of_that_name(index):
    registry = _registries()[index]
    names = registry.names()
    assert len(names) == len(set(names)) > 0
    assert [c.name for c in registry] == list(names)      # iterating loads them all, in order
    for name in names:
        assert registry.get(name).name == name and name in registry


def test_unknown_and_duplicate_names_are_refused():
    reg = Registry("thing")
    reg.add_lazy("a", "evo_l2l.optimizers.ga:OPTIMIZER")
    with pytest.raises(ConfigError, match="unknown thing 'b'; known: a"):
        reg.get("b")
    with pytest.raises(ValueError, match="registered already"):
        reg.add_lazy("a", "x:y")
    with pytest.raises(LookupError, match="holds no thing named 'a'"):
        reg.get("a")                # the ga optimizer is named "ga"
    assert [] == [x for x in ["zz", None, 3] if x in reg]


def test_the_preset_table_is_every_preset_of_the_modules():
    import evo_l2l.experiments as ex
    from evo_l2l.experiments import PRESETS, Preset
    found = {}
    for info in pkgutil.iter_modules(ex.__path__):
        module = importlib.import_module(f"evo_l2l.experiments.{info.name}")
        for value in vars(module).values():
            if isinstance(value, Preset):
                found[value.NAME] = value
    assert set(found) == set(PRESETS)
    for name in PRESETS:
        assert PRESETS[name] is found[name] and PRESETS[name].NAME == name


def test_a_chalmers1990_run_imports_only_its_own_components(tmp_path):
    """... and none of the modules a first dispatch used to import for nothing (scipy.linalg
    by numba's BLAS probe, numba's array module by np.empty). (numpy.ma stays: numba's
    typeof asks every array argument whether it is a masked array.)"""
    code = ("import sys\n"
            "import evo_l2l\n"
            "evo_l2l.configure_process()\n"          # as the command line starts
            "from evo_l2l.experiments import get_preset\n"
            "from evo_l2l.evolution.run import start_run\n"
            "start_run(get_preset('chalmers1990').default_config(n_generations=2), sys.argv[1])\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('evo_l2l.'))))\n"
            "print(' '.join(m for m in ('scipy.linalg', 'numba.np.arrayobj')\n"
            "               if m in sys.modules))\n")
    lines = subprocess.run([sys.executable, "-c", code, str(tmp_path / "r.h5")],
                           capture_output=True, text=True, check=True).stdout.splitlines()
    out = lines[-2].split()
    assert lines[-1].split() == []          # start-up costs that came back would show here
    for other in ("evo_l2l.learners.two_layer", "evo_l2l.optimizers.gp", "evo_l2l.rules.programs",
                  "evo_l2l.kernels.programs", "evo_l2l.tasks.rot_digits",
                  "evo_l2l.experiments.digits_l2l"):
        assert other not in out
    assert "evo_l2l.learners.single_layer" in out and "evo_l2l.optimizers.ga" in out


def _random_attributes() -> dict:
    """Every loaded module's `random` attribute (what a run used to rebind), by module."""
    return {name: vars(m)["random"] for name, m in list(sys.modules.items())
            if m is not None and "random" in vars(m)}


@pytest.mark.parametrize("preset", ["chalmers1990-gp", "confavreux2020-oja", "selfadaptive-oja",
                                    "fme-oja", "automl-zero-linear-demo",
                                    "chalmers1990-modern"])
def test_a_run_rebinds_no_module_attribute(preset, tmp_path):
    """In every generation (hooks run inside the run) each module's `random` is what it
    was before the run, and the global stream has not moved."""
    import random
    from evo_l2l.experiments import get_preset
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.evolution.run import start_run
    spec = get_preset(preset)
    config = spec.default_config(**{**spec.toy, "run.n_generations": 2})
    build_tasks(config)         # a data set's first load may import libraries that draw
    seen = []

    def check(record):
        now = _random_attributes()
        seen.append({k: v for k, v in now.items() if k in before and before[k] is not v})
    saved = random.getstate()
    try:
        random.seed(3)
        state = random.getstate()
        before = _random_attributes()
        start_run(config, str(tmp_path / "r.h5"), hooks=[check])
        assert random.getstate() == state
    finally:
        random.setstate(saved)
    assert len(seen) == 2 and seen == [{}, {}]
