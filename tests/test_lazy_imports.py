"""evo_l2l._lazy, installed by evo_l2l.configure_process() (the command line's start-up):
yaml, moocore and scipy load when first used, and are then the real modules. Importing
evo_l2l alone installs no stand-in (tests/test_library_side_effects.py)."""
import os
import subprocess
import sys
import textwrap


ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(code: str, cwd=None) -> str:
    """Runs code in a fresh Python, with this checkout's evo_l2l whatever the folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_a_run_imports_neither_and_they_work_when_used():
    out = run("""
        import sys, evo_l2l
        evo_l2l.configure_process()
        import evo_l2l.config, evo_l2l.kernels, deap.tools, numba
        print(sorted(n for n in ('yaml', 'moocore') if type(sys.modules[n]).__name__ == 'module'))
        import yaml, yaml.constructor
        from deap.tools import indicator
        print(yaml.safe_load('a: [1, 2]'), type(sys.modules['yaml']).__name__)
        import numba.core.config as cfg
        print(cfg.yaml.dump({'b': 3}).strip(), cfg.yaml.safe_load is yaml.safe_load)
        print(indicator.moocore.hypervolume([[1.0, 2.0], [2.0, 1.0]], ref=[3.0, 3.0]))
    """)
    assert out.splitlines() == ["[]", "{'a': [1, 2]} module", "b: 3 True", "3.0"]


def test_numba_still_reads_its_yaml_config_file(tmp_path):
    (tmp_path / ".numba_config.yaml").write_text("num_threads: 1\n")
    out = run("""
        import evo_l2l
        evo_l2l.configure_process()
        import numba
        print(type(__import__('sys').modules['yaml']).__name__, numba.config.NUMBA_NUM_THREADS)
    """, cwd=tmp_path)
    assert out == "module 1"


def test_a_module_already_imported_or_missing_is_left_alone():
    out = run("""
        import sys, yaml
        from evo_l2l import _lazy
        print(_lazy.defer('yaml'), _lazy.defer('no_such_module_xyz'), sys.modules['yaml'] is yaml)
    """)
    assert out == "False False True"


def test_numba_reads_scipy_version_without_importing_scipy_which_loads_when_used():
    out = run("""
        import sys, evo_l2l
        evo_l2l.configure_process()
        import evo_l2l.config, evo_l2l.kernels, numba
        s = sys.modules['scipy']
        print(type(s).__name__, s.__version__, 'scipy.linalg' in sys.modules)
        import scipy.linalg, sklearn.datasets
        from importlib.metadata import version
        print(type(sys.modules['scipy']).__name__, scipy.__version__ == version('scipy'),
              s.linalg is scipy.linalg, sklearn.datasets.load_digits().data.shape)
    """)
    from importlib.metadata import version
    assert out.splitlines() == [f"_StandIn {version('scipy')} False",
                                "module True True (1797, 64)"]
