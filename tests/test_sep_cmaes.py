"""sep-CMA-ES: a diagonal CMA-ES that learns the scales of separable problems in O(n) per
sample and replaces a strategy that broke down numerically (its exact resume:
tests/test_evolution.py)."""
import time

import numpy as np

from evo_l2l.optimizers.sep_cmaes import SepCMA


def solve_ellipsoid(n, generations, seed=0):
    """Generations to reach 1e-8 on a separable ellipsoid of condition 1e6 (None: not
    reached), maximising its negative."""
    lam = 4 + int(3 * np.log(n))
    st, rng = SepCMA(n, lam, 0.5), np.random.default_rng(seed)
    scales = 10 ** (3 * np.arange(n) / (n - 1))
    for g in range(generations):
        x = st.sample(rng.standard_normal((lam, n)))
        f = -np.sum((scales * (x - 1)) ** 2, axis=1)
        if -f.max() < 1e-8:
            return g
        st.tell(x, f)
    return None


def test_learns_the_scales_of_a_separable_ellipsoid():
    """Measured 217 generations at n = 10 and 1623 at n = 100 (Ros & Hansen's linear
    scaling in n); an isotropic step size alone would need ~1e6 / n times more."""
    assert solve_ellipsoid(10, 600) is not None
    assert solve_ellipsoid(100, 3000) is not None


def test_a_generation_costs_order_n():
    """ask + tell at n = 20,000 take milliseconds (a full covariance would be 3.2 GB)."""
    n, lam = 20_000, 30
    st, rng = SepCMA(n, lam, 0.5), np.random.default_rng(1)
    t0 = time.perf_counter()
    for _ in range(5):
        x = st.sample(rng.standard_normal((lam, n)))
        st.tell(x, -np.sum(x * x, axis=1))
    assert (time.perf_counter() - t0) / 5 < 0.5
    assert st.mean.shape == (n,) and st.var.shape == (n,)


def test_a_breakdown_starts_again_from_the_mean():
    st = SepCMA(3, 6, 0.5)
    x = st.sample(np.random.default_rng(0).standard_normal((6, 3)))
    st.var[0] = np.nan
    st.tell(x, np.arange(6.0))
    assert st.sigma == 0.5 and np.all(st.var == 1.0) and np.all(np.isfinite(st.mean))


def test_the_scaling_benchmark_prints_its_table():
    import os
    import subprocess
    import sys
    script = os.path.join(os.path.dirname(__file__), "..", "scripts", "bench_cmaes_scaling.py")
    out = subprocess.run([sys.executable, script, "--dims", "20", "40", "--repeats", "1",
                          "--population", "8"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    rows = out.stdout.splitlines()[1:]
    assert [r.split()[0] for r in rows] == ["20", "40"] and all(r.endswith("x") for r in rows)


def test_full_cmaes_on_a_long_genome_notes_sep_cmaes(tmp_path):
    from types import SimpleNamespace

    from evo_l2l.evolution.run import start_run
    from evo_l2l.experiments import get_preset
    from evo_l2l.optimizers.cmaes import LONG_GENOME, OPTIMIZER
    short, long_ = SimpleNamespace(length=LONG_GENOME - 1), SimpleNamespace(length=1118)
    assert OPTIMIZER.notice(None, short, 8) is None
    assert "sep_cmaes" in OPTIMIZER.notice(None, long_, 8)
    lines = []
    for optimizer in ("cmaes", "sep_cmaes"):
        config = get_preset("srwm-fewshot").default_config(toy=True).with_overrides(
            {"optimizer": optimizer, "run.n_generations": 1, "run.population": 4})
        start_run(config, str(tmp_path / f"{optimizer}.h5"), notify=lines.append)
    assert len(lines) == 1 and "1118 x 1118" in lines[0]
