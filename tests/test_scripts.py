"""The scripts in scripts/ run end to end at toy sizes (their full runs live in docs/).

Each run's output is read back as numbers and checked against what the script claims of
them: a summary against the per-seed table it summarises, a count against its rows, two
methods that must agree (1-NN and nearest centroid at one shot), an identity (ACC is the
mean of R's last row), or a property of the method (a resumed run equals the reference).
Speeds are never compared, only parsed."""
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(name, *args, cwd):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", name), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def grab(pattern, text, cast=float):
    """The groups of pattern's first match in text, cast."""
    m = re.search(pattern, text, re.M)
    assert m, f"{pattern!r} not in output:\n{text}"
    return [cast(g) for g in m.groups()]


def seed_rows(text):
    """The rows of a per-seed table (indented, starting with the seed), split on spaces."""
    return [line.split() for line in text.splitlines() if re.match(r"\s+\d+\s", line)]


def md_rows(text):
    """The rows of the markdown tables in text, as lists of stripped cells."""
    return [[c.strip() for c in line.strip().strip("|").split("|")]
            for line in text.splitlines() if line.startswith("| ") and "---" not in line]


def value(cell):
    """'0.744 +- 0.066' -> 0.744."""
    return float(cell.split("+-")[0])


def r_matrix(text, label):
    """The R[i, j] block printed under 'R[i, j] of label:'."""
    block = text.split(f"R[i, j] of {label}:\n```\n", 1)[1].split("```", 1)[0]
    return np.array([[float(v) for v in line.split()] for line in block.strip().splitlines()])


def same_at_one_shot(a, b):
    """1-NN and nearest centroid at one shot: the same classifier (up to how ties in the
    distances are broken)."""
    assert a == pytest.approx(b, abs=0.02)



# -- the checks, one per kind of output ------------------------------------------------

def chalmers_summary(out, seeds, population, generations):
    """reproduce_chalmers1990.py: the summary is the per-seed table's counts and means."""
    rows = seed_rows(out)
    assert [int(r[0]) for r in rows] == list(seeds)
    train, held, delta_train, delta_held = (np.array([float(r[k]) for r in rows])
                                            for k in (3, 4, 5, 6))
    found, runs = grab(r"delta-rule rediscoveries\s+(\d+) of (\d+)", out, int)
    like, _ = grab(r"delta-like rules\s+(\d+) of (\d+)", out, int)
    assert runs == len(seeds) and found == sum(r[1] == "yes" for r in rows)
    assert like == sum(r[2] == "yes" for r in rows)
    mean_train, = grab(r"mean best fitness \(train\)\s+([\d.]+) \+-", out)
    mean_held, = grab(r"mean held-out fitness\s+([\d.]+) \+-", out)
    best_delta, = grab(r"best delta rule fitness \(train\)\s+([\d.]+)", out)
    assert mean_train == pytest.approx(train.mean(), abs=1e-4)
    assert mean_held == pytest.approx(held.mean(), abs=1e-4)
    assert best_delta == pytest.approx(delta_train.mean(), abs=1e-4)
    assert (train <= delta_train).all()        # 3 generations do not beat delta at its best
    per_run, = grab(r"x \d+ generations \((\d+) evaluations per run\)", out, int)
    assert per_run == population * generations
    return rows


def check_chalmers_modern(out):
    chalmers_summary(out, [100], 40, 2)
    above, runs = grab(r"delta-like, held-out >= delta's\s+(\d+) of (\d+)", out, int)
    like, _ = grab(r"delta-like rules\s+(\d+) of (\d+)", out, int)
    assert runs == 1 and above <= like
    assert out.startswith("chalmers1990-modern: islands, population 40 x 2 generations")


def check_diversity(out):
    rows = [r.split() for r in out.splitlines() if re.match(r"\s+\d+\s+[\d.]+ \+-", r)]
    assert [int(r[0]) for r in rows] == [1, 2]                    # training task counts
    for r in rows:            # n, train +- sd, held-out +- sd, gap, k of 1 (delta-like)
        assert float(r[7]) == pytest.approx(float(r[1]) - float(r[4]), abs=2e-4)
        assert int(r[8]) <= int(r[10]) == 1


def check_landscape(out):
    rows = seed_rows(out)
    assert len(rows) == 1 and rows[0][0] == "0"
    # The best delta-like rule on the grid: 0.886 to 0.910 on seeds 0-9 (reproduce docs).
    assert 0.88 < float(rows[0][1]) < 0.92
    ended, = grab(r"hill climbing from 1 random rules: (\d+) end delta-like", out, int)
    assert ended <= 1


def gp_summary(out, seeds):
    """reproduce_gp.py: the counts and means of the summary are the per-seed table's."""
    rows = seed_rows(out.split("\ntree size per generation", 1)[0])
    assert [int(r[0]) for r in rows] == list(range(seeds))
    found, runs = grab(r"known forms found \(positive multiples\): (\d+) of (\d+) seeds", out, int)
    almost = [r for r in rows if r[2] == "a.e."]
    exact = [r for r in rows if r[1] != "-" and r[2] != "a.e."]
    assert runs == seeds and found == len(exact)
    numbers = np.array([[float(v) for v in (r[3:7] if r[2] == "a.e." else r[2:6])]
                        for r in rows])
    best, held, known, known_held = grab(
        r"mean best fitness ([\d.]+) \(held-out ([\d.]+)\); .* at its best rate ([\d.]+) "
        r"\(held-out ([\d.]+)\)", out)
    assert [best, held, known, known_held] == pytest.approx(numbers.mean(axis=0), abs=1e-4)
    return rows, exact, almost


def check_gp_on_dask(out):
    gp_summary(out, 2)
    # The known rule of chalmers1990-gp is the delta rule, on chalmers1990's tasks: the
    # numbers reproduce_chalmers1990.py prints for the same seeds.
    assert grab(r"the delta rule at its best rate ([\d.]+) \(held-out ([\d.]+)\)", out) == \
        [0.8412, 0.8599]


def check_gp_size_run(out):
    rows, exact, _ = gp_summary(out, 1)
    if exact:
        assert re.search(rf"of 1 seeds \({re.escape(exact[0][1])}: 1\)", out)
    header = out.split("tree size per generation, seed 0, 3 generations", 1)[1]
    sizes = [r.split() for r in header.splitlines() if re.match(r"\s+\d+\s+\d+\s+[\d.]+", r)]
    assert {int(r[0]) for r in sizes} == {0, 1, 2}
    for _, low, mean, high, best, _ in sizes:
        assert int(low) <= float(mean) <= int(high) and int(best) >= 1


def oja_summary(out, optimizer):
    rows = seed_rows(out)
    assert len(rows) == 1
    for _, verdict, ratio, other, *_ in rows:             # the criterion the summary states
        assert (verdict == "yes") == (abs(float(ratio) + 1) <= 0.1 and float(other) < 0.1)
    found, runs = grab(r"Oja's rule recovered in (\d+) of (\d+) seeds", out, int)
    assert runs == 1 and found == sum(r[1] == "yes" for r in rows)
    assert f"optimizer {optimizer}, 60 x 2 evaluations per run" in out
    held_cos, = grab(r"mean held-out alignment \|cos\(w, PC1\)\| ([\d.]+)", out)
    assert held_cos == pytest.approx(float(rows[0][5]), abs=1e-4) and 0 <= held_cos <= 1
    oja_cos, = grab(r"\(Oja's rule: ([\d.]+) on the last seed's tasks\)", out)
    assert oja_cos > 0.98                             # Oja's rule finds PC1 (measured 0.9855)


def check_bengio1991(out):
    rows = {r[0]: [float(v) for v in r[1:]] for r in
            (re.split(r"\s{2,}", line.strip()) for line in out.splitlines())
            if len(r) == 5 and re.fullmatch(r"[\d.]+", r[1])}
    assert {"no learning", "delta rule a*m (rate 2)", "backprop (rate 16)"} <= set(rows)
    assert all(f"{name} (mean of 1 best rules)" in rows for name in ("ga", "cmaes", "es", "sa"))
    assert all(0 <= v <= 1 for r in rows.values() for v in r)
    # Learning beats not learning, and backprop the delta rule, on the training functions.
    train = {name: row[0] for name, row in rows.items()}
    assert train["no learning"] < train["delta rule a*m (rate 2)"] < train["backprop (rate 16)"]


def check_conditioning(out):
    rows = {r[0]: r[1:] for r in (re.split(r"\s{2,}", line.strip()) for line in out.splitlines())
            if len(r) == 6 and re.fullmatch(r"[\d.]+", r[1])}
    assert len(rows) == 4
    rw = rows["rescorla_wagner (rate 64)"]
    none = rows["no learning"]
    assert float(rw[0]) > 0.95 and float(rw[1]) > 0.95       # acquisition and extinction
    assert float(none[0]) == 0.5 and float(none[1]) == 0.5   # chance without learning
    found, seeds = grab(r"Rescorla-Wagner found in (\d+) of (\d+) seeds", out, int)
    assert seeds == 1 and found <= 1


def check_compare_optimizers(out):
    assert "(nominal 80 evaluations)" in out
    rows = {m[0]: m[1:] for m in re.findall(
        r"^(\w+)\s+(\w+)\s+([\d.]+) \+- [\d.]+\s+([\d.]+) \+- [\d.]+\s+(\d+) of 1\s+(\d+)\s", out,
        re.M)}
    assert set(rows) == {"ga", "cmaes", "es", "sa"}
    for name, (genome, train, held, found, spent) in rows.items():
        assert genome == ("bits" if name in ("ga", "sa") else "real")
        assert 0 < float(train) <= 1 and 0 < float(held) <= 1 and int(found) <= 1
        # The GA's elite is not evaluated again: 40 + 39 in the second generation.
        assert int(spent) == (79 if name == "ga" else 80)


def check_bench_executors(out):
    assert re.findall(r"archives identical to in-process: (\w+)", out) == ["True", "True"]
    sent = re.findall(r"(\d+) batches sent to the workers in (\d+) calls, (\d+) kept in the "
                      r"driver", out)
    assert len(sent) == 2
    totals = {int(n) + int(kept) for n, _, kept in sent}
    assert len(totals) == 1                       # the same batches, sent or kept
    assert int(sent[1][0]) == totals.pop() and int(sent[1][1]) >= int(sent[1][0])


def check_bench_symbolic(out):
    assert grab(r"workload: (\d+) rules x (\d+) chalmers tasks x (\d+) epochs", out, int) == \
        [4, 20, 10]
    ratio, = grab(r"interpreter / parametric \(paired median\): ([\d.]+)", out)
    assert ratio > 0


def bench_mlp_rows(out):
    """scripts/bench_mlp_train.py's table: {net: {method: (jobs, rate, numba/this)}}."""
    rows = {}
    for net, method, jobs, rate, ratio in re.findall(
            r"^(\w+ [\d-]+)\s+\d+  (.+?)\s+(\d+)\s+([\d.e+]+)\s+([\d.]+)x$", out, re.M):
        rows.setdefault(net, {})[method] = (int(jobs), float(rate), float(ratio))
    return rows


def check_bench_mlp_train(out, with_torch=None):
    """with_torch None: as the environment has it (torch is an optional extra, absent in CI)."""
    if with_torch is None:
        import importlib.util
        with_torch = importlib.util.find_spec("torch") is not None
    rows = bench_mlp_rows(out)
    assert set(rows) == {"mnist1d 40-32-10", "wide 40-128-128-10"}
    for methods in rows.values():
        kernel = methods["numba kernel (batched)"]
        assert kernel[0] == 4 and kernel[2] == 1.0                 # --quick: 2 rules x 2 tasks
        torch_rows = [m for m in methods if m.startswith("PyTorch")]
        assert {m.split(",")[0] for m in torch_rows} == (
            {"PyTorch float32", "PyTorch float64"} if with_torch else set())
        for jobs, rate, ratio in methods.values():              # the ratio is of the rates
            assert rate > 0 and ratio == pytest.approx(kernel[1] / rate, rel=2e-3, abs=6e-3)
    differences = re.findall(r"(NumPy|PyTorch float64) ([\d.e+-]+)", out)
    assert len(differences) == (4 if with_torch else 2)
    assert all(float(v) < 1e-9 for _, v in differences)        # the same training
    assert ("torch is not installed" in out) != with_torch


def check_crash_test(out):
    rows = seed_rows(out)
    assert len(rows) == 2 and all(r[-1] == "True" for r in rows)
    assert all(int(r[2]) == 200 for r in rows if float(r[3]) == 0)
    checked, resumed = grab(r"(\d+) archives checked .*: (\d+) resumed to the reference result",
                            out, int)
    assert checked == resumed == 2
    assert grab(r"leftover temp files: (\d+)", out, int) == [0]


def check_glyphs(out):
    sections = out.split("### ")[1:]
    assert len(sections) == 2
    for section in sections:
        rows = {r.split()[0]: r.split()[1:] for r in section.splitlines()
                if re.match(r"\w+\s+\S+\s+[\d.]+\s+[\d.]+ \+-", r)}
        baselines = {k: float(v[1]) for k, v in rows.items() if k not in ("evolved", "start")}
        chosen, diff = grab(r"the baseline \(best on validation\): (\w+); evolved - baseline "
                            r"([-+\d.]+)", section, str)
        assert baselines[chosen] == max(baselines.values())      # chosen on validation
        # evolved - baseline is the evolved row's accuracy minus the baseline's
        assert float(diff) == pytest.approx(float(rows["evolved"][2]) - float(rows[chosen][2]),
                                            abs=0.011)


def check_fewshot_init_probes(out):
    rows = md_rows(out)
    acc = {(r[0], r[1]): value(r[2]) for r in rows if len(r) == 3 and r[0] in ("1", "5")}
    assert len(acc) == 10 and all(0 <= v <= 1 for v in acc.values())
    for features in {k[1] for k in acc}:                 # five shots beat one
        assert acc[("5", features)] > acc[("1", features)], features


def check_bench_fewshot(out):
    assert "(same features: True)" in out
    speed, = grab(r"kernel / NumPy speed ([\d.]+)x", out)
    assert speed > 0
    for way in ("5-way", "20-way"):
        line = next(line for line in out.splitlines() if line.startswith(f"{way} 1-shot"))
        speeds = re.findall(r"(?:learner|pixel_1nn|cosine_centroid|lda_centroid|"
                            r"logistic_support) (\d+)", line)
        assert len(speeds) == 5 and all(int(v) > 0 for v in speeds)


def continual_table_identities(section):
    """In a continual table each method's ACC is the mean of the last row of its R."""
    rows = {r[0]: r[1:] for r in md_rows(section) if len(r) == 5}
    for label, cells in rows.items():
        if f"R[i, j] of {label}:" in section:
            assert value(cells[0]) == pytest.approx(r_matrix(section, label)[-1].mean(),
                                                    abs=6e-3), label
    return rows


def check_digits_gp(out):
    continual = out.split("### continual-digits-gp", 1)[1].split("Hidden layer ablation")[0]
    rows = continual_table_identities(continual)
    best = next(k for k in rows if k.startswith("best"))
    ablation = next(k for k in rows if "(ablation" in k)
    diff, = grab(r"^- ([-+\d.]+) \+- [\d.]+\s+best", continual)
    assert diff == pytest.approx(value(rows[best][0]) - value(rows[ablation][0]), abs=1.1e-3)
    fewshot = out.split("### fewshot-digits-gp", 1)[1]
    acc = {r[0]: value(r[1]) for r in md_rows(fewshot) if len(r) == 2 and "+-" in r[1]}
    same_at_one_shot(acc["1-nearest neighbour (all images seen)"],
                     acc["nearest centroid (all images seen)"])
    shots = [r for r in md_rows(fewshot.split("Other shots", 1)[1]) if r[0].isdigit()]
    assert [r[0] for r in shots] == ["2"]
    assert all(0 <= value(c) <= 1 for c in shots[0][1:])


def check_digits_gp_sweep(out):
    rows = [r for r in md_rows(out) if r[0].isdigit()]
    assert [(r[0], r[1]) for r in rows] == [("16", "4"), ("12", "2")]
    for r in rows:
        assert 0 <= value(r[2]) <= 1 and -1 <= float(r[3]) <= 1


def check_self_adaptation(out):
    rows = {}
    for line in out.splitlines():
        m = re.match(r"(.+?)\s+(\d+)/(\d+)\s+(inf|\d+)\s+(\S+)\s+([\d.]+)\s+([\d.]+)", line)
        if m:
            rows[m.group(1)] = m.groups()[1:]
    fixed = {k: v for k, v in rows.items() if k.startswith("fixed strength")}
    assert len(fixed) == 3 and len(rows) == 8
    assert all(int(v[0]) <= int(v[1]) == 1 for v in rows.values())
    assert grab(r"budget (\d+) evaluations", out, int) == [180]          # 3 x 60
    chosen, = grab(r"best fixed strength: (fixed strength [\d.]+);", out, str)
    # No fixed strength succeeds in 3 generations: the best is the one of highest final cos.
    assert all(v[2] == "inf" for v in fixed.values())
    assert float(fixed[chosen][4]) == max(float(v[4]) for v in fixed.values())


def check_meta_chalmers(out):
    n_eval, distinct = grab(r"(\d+) level-2 evaluations \((\d+) distinct genomes\)", out, int)
    assert distinct <= n_eval
    rows = re.findall(r"^(.+?)\s+(\d+) of (\d+)\s+(\d+) of (\d+)\s", out, re.M)
    assert len(rows) == 6
    for _, reached, runs, like, runs2 in rows:
        assert int(reached) <= int(runs) == int(runs2) == 1 and int(like) <= 1
    assert "level-3 evolved level-2 GA, seed 1001" in out


def check_same_results(out):
    lines = out.strip().splitlines()
    assert len(lines) == 4 and all(line.endswith(": same tasks and arrays") for line in lines)


def check_bench_srwm(out):
    same = [float(v) for v in re.findall(r"same answers on ([\d.]+)% of pairs", out)]
    assert same == [100.0, 100.0]


def check_srwm_fewshot(out):
    for block in out.split("query accuracy (95% CI)")[1:]:
        acc = {line.split("  ", 2)[-1].split("   (")[0].strip(): float(line.split()[0])
               for line in block.strip().splitlines()[:4]}
        assert all(0 <= v <= 1 for v in acc.values())
        same_at_one_shot(acc["1-NN (64 pixels)"], acc["nearest centroid (64 pixels)"])


def check_metaplastic(out):
    rows = re.findall(r"^\s+([\d.]+) \+- [\d.]+\s+([-\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s",
                      out, re.M)
    assert len(rows) == 4
    for acc, bwt, r11, r21, r22 in (map(float, r) for r in rows):
        assert acc == pytest.approx((r21 + r22) / 2, abs=1.1e-3)      # the last row's mean
        assert bwt == pytest.approx(r21 - r11, abs=1.1e-3)            # forgetting of task 1


def automl_tables(out):
    """reproduce_automl_zero.py's per-seed tables: {search: rows}."""
    tables = {}
    for name in ("regularised evolution", "random search (same budget)"):
        if name in out:
            tables[name] = seed_rows(out.split(name, 1)[1].split("\n\n", 1)[0])
    return tables


def check_automl_zero(out):
    tables = automl_tables(out)
    solved = [sum(r[4] == "True" for r in rows) for rows in tables.values()]
    evo, n_evo, rnd, n_rnd = grab(r"evolution (\d+)/(\d+), random search (\d+)/(\d+)", out, int)
    assert [evo, rnd] == solved and n_evo == n_rnd == 2
    if evo == rnd == 0:
        assert "undefined (neither solved any)" in out
    for rows in tables.values():
        for r in rows:
            assert 0 <= float(r[6]) <= 1 and int(r[8]) == 120     # FEC hits; bred


def check_automl_zero_fec_verify(out):
    rate, hits, lookups, collisions = grab(
        r"hit rate ([\d.]+) \((\d+) of (\d+) lookups\), collisions (\d+)", out)
    assert rate == pytest.approx(hits / lookups, abs=1e-3) and lookups == 220
    assert collisions <= hits
    assert "the FEC run's path (identical" in out


def check_automl_zero_digits(out):
    row, = automl_tables(out)["regularised evolution"]
    evolved, logistic = grab(r"seed 0: evolved held-out accuracy ([\d.]+) vs logistic "
                             r"regression ([\d.]+)", out)
    assert evolved == pytest.approx(float(row[3]), abs=1e-4) and 0 < logistic <= 1


def check_bench_automl_zero(out):
    instructions, live = grab(r"instructions per program: ([\d.]+), live ([\d.]+)", out)
    assert 0 <= live <= instructions
    assert grab(r"live rows:\s+\d+ full evaluations/s \(([\d.]+)x\)", out)[0] > 0


def check_profile_automl_zero(out):
    parts = dict((line[:28].strip(), float(line[28:])) for line in out.splitlines()[1:])
    assert grab(r"children: (\d+)", out) == [11000.0]
    assert all(v >= 0 for v in parts.values()) and parts["full evaluations"] > 0
    top = sum(v for k, v in parts.items() if k in ("breed", "evaluate", "integrate",
                                                    "population texts", "archive writes"))
    assert parts["breed"] >= parts["compiled breeding"]
    assert parts["evaluate"] >= parts["fingerprints"] + parts["full evaluations"]
    assert top <= parts["total CPU s (evolve)"] + 0.05


def check_digest(out):
    lines = [line.split() for line in out.strip().splitlines()]
    assert [line[0] for line in lines] == ["automl-zero-linear"] * 3 + \
        ["automl-zero-linear-full", "automl-zero-digits"]
    digests = [line[-1] for line in lines]
    assert all(re.fullmatch(r"[0-9a-f]{16}", d) for d in digests) and len(set(digests)) == 5


def check_random_bound(out):
    data = json.loads(out[:out.index("\n}\n") + 2])
    assert data["programs"] == 2000
    assert data["solvers"] <= data["candidates"] <= data["distinct_fingerprints"] <= 2000
    assert len(data["solver_programs"]) == data["solvers"]
    # 3 of 5: the exact (Clopper-Pearson) 95% interval.
    assert grab(r"evolution 3/5 \(95% ([\d.]+)-([\d.]+)\)", out) == [0.147, 0.947]


def check_corrupt_test(out):
    rows = seed_rows(out)
    assert len(rows) == 2 and all(r[2] == r[3] == "True" for r in rows)   # changed, verify
    assert grab(r"verify detected (\d+)/(\d+)", out, int) == [2, 2]


def check_digits_l2l(data):
    """reproduce_digits_l2l.py --json: the numbers behind its tables."""
    assert set(data) == {"fewshot-digits", "continual-split-digits", "fewshot-digits-init"}
    for preset, result in data.items():
        rows = {r["method"]: r for r in result["rows"]}
        assert "best" in rows and "1nn" in rows and "centroid" in rows
        if result["tasks"]["protocol"] == "fewshot":
            assert result["tasks"]["params"]["k_shot"] == 1
            assert all(0 <= r["accuracy"] <= 1 for r in rows.values())
            same_at_one_shot(rows["1nn"]["accuracy"], rows["centroid"]["accuracy"])
            (extra,) = result["baselines_by_shots"]
            assert (extra["n_way"], extra["k_shot"]) == (2, 1)
            shot = {r["method"]: r["accuracy"] for r in extra["rows"]}
            same_at_one_shot(shot["1nn"], shot["centroid"])
        else:
            for r in rows.values():
                if "R" in r:              # ACC: the mean of R's last row
                    assert r["ACC"] == pytest.approx(np.mean(r["R"][-1]), abs=1e-12), r["method"]
            assert "ablation" in rows and rows["joint"]["kind"] == "final"


def check_gen_config_docs(out):
    assert out.strip() == "docs/reference/config.md: settings tables up to date"


CHALMERS = ["--seeds", "2", "--generations", "3"]


def case(name, args, check, id=None):
    return pytest.param(name, args, check, id=id or name.removesuffix(".py"))


@pytest.mark.parametrize("name, args, check", [
    case("reproduce_chalmers1990.py", ["--preset", "chalmers1990-modern", "--seeds", "1",
                                       "--first-seed", "100", "--generations", "2",
                                       "--set", "population=40", "--set", "optimizer.islands=2"],
         check_chalmers_modern, "reproduce_chalmers1990-modern"),
    case("reproduce_chalmers1990.py", ["--diversity", "--runs", "1", "--generations", "2",
                                       "--max-tasks", "2"], check_diversity,
         "reproduce_chalmers1990-diversity"),
    case("chalmers_landscape.py", ["--seeds", "1", "--starts", "1", "--climb-seeds", "0"],
         check_landscape),
    case("reproduce_gp.py", ["--preset", "chalmers1990-gp", "--seeds", "2", "--generations", "2",
                             "--dask-local", "2"], check_gp_on_dask, "reproduce_gp-dask"),
    case("bench_executors.py", ["--quick", "--rounds", "1", "--skip", "heavy,seeds"],
         check_bench_executors),
    case("reproduce_gp.py", ["--preset", "jordan2021-reward", "--seeds", "1", "--generations",
                             "2", "--size-run", "3"], check_gp_size_run, "reproduce_gp-size-run"),
    case("reproduce_confavreux2020.py", ["--seeds", "1", "--generations", "2"],
         lambda out: oja_summary(out, "cmaes")),
    case("reproduce_confavreux2020.py", ["--seeds", "1", "--generations", "2", "--optimizer",
                                         "ga"], lambda out: oja_summary(out, "ga"),
         "reproduce_confavreux2020-ga"),
    case("reproduce_bengio1991.py", ["--seeds", "1", "--generations", "2"], check_bengio1991),
    case("reproduce_bengio1991_conditioning.py", ["--seeds", "1", "--generations", "2"],
         check_conditioning),
    case("compare_optimizers.py", ["--preset", "chalmers1990", "--seeds", "1", "--generations",
                                   "2"], check_compare_optimizers),
    case("bench_symbolic.py", ["--rules", "4", "--repeats", "1"], check_bench_symbolic),
    case("crash_test.py", ["--kills", "2", "--generations", "200"], check_crash_test),
    case("gen_config_docs.py", ["--check"], check_gen_config_docs),
    case("fewshot_init_probes.py", ["--episodes", "5"], check_fewshot_init_probes),
    case("reproduce_fewshot_glyphs.py", ["--toy", "--episodes", "20", "--validation", "10",
                                         "--presets", "glyphs-5way-1shot", "glyphs-to-digits"],
         check_glyphs),
    case("bench_fewshot.py", ["--size", "14", "--episodes", "20"], check_bench_fewshot),
    case("reproduce_digits_gp.py", ["--toy", "--generations", "2", "--episodes", "10",
                                    "--sequences", "2", "--presets", "continual-digits-gp",
                                    "fewshot-digits-gp", "--shots", "2"], check_digits_gp),
    case("reproduce_digits_gp.py", ["--toy", "--sequences", "2", "--presets",
                                    "continual-digits-gp", "--sweep", "16:4", "12:2"],
         check_digits_gp_sweep, "reproduce_digits_gp-sweep"),
    case("self_adaptation_oja.py", ["--seeds", "1", "--generations", "3"], check_self_adaptation),
    case("meta_chalmers.py", ["--toy", "--level3", "--level2", "meta/level2.h5"],
         check_meta_chalmers),
    # not cmaes.h5: CMA-ES runs its update in the machine's BLAS/LAPACK, so a rerun on
    # another CPU kind can differ (eigenvector signs); see test_archive_compat.
    case("same_results.py", [os.path.join(ROOT, "tests", "fixtures", "archive_1_0", f"{k}.h5")
                             for k in ("ga", "gp", "es", "sa")], check_same_results),
    case("bench_mlp_train.py", ["--quick"], check_bench_mlp_train),
    case("bench_srwm.py", ["--rules", "2", "--episodes", "4", "--loop-episodes", "2",
                           "--repeats", "1"], check_bench_srwm),
    case("srwm_fewshot.py", ["--generations", "2", "--population", "4", "--train-episodes", "4",
                             "--n-eval", "4", "--variants", "full,none", "--out", "srwm"],
         check_srwm_fewshot),
    case("metaplastic_continual.py", ["--generations", "2", "--population", "4", "--n-eval", "2",
                                      "--toy", "--out", "mp"], check_metaplastic),
    case("reproduce_automl_zero.py", ["--toy", "--seeds", "2", "--individuals", "100"],
         check_automl_zero),
    case("reproduce_automl_zero.py", ["--toy", "--seeds", "1", "--individuals", "200", "--demo",
                                      "--fec-verify", "--restarts", "60", "--no-fec-off"],
         check_automl_zero_fec_verify, "reproduce_automl_zero-fec-verify"),
    case("reproduce_automl_zero.py", ["--toy", "--seeds", "1", "--individuals", "60",
                                      "--digits"], check_automl_zero_digits,
         "reproduce_automl_zero-digits"),
    case("bench_automl_zero.py", ["--toy", "--repeats", "1"], check_bench_automl_zero),
    case("digest_automl_zero.py", ["--toy", "--out", "dig"], check_digest),
    case("profile_automl_zero.py", ["--generations", "2"], check_profile_automl_zero),
    case("random_bound_automl_zero.py", ["--toy", "--evolution", "3/5"], check_random_bound),
    case("corrupt_test.py", ["--copies", "2", "--generations", "4", "--population", "6"],
         check_corrupt_test),
])
def test_script_runs(tmp_path, name, args, check):
    if name.startswith(("reproduce_", "compare_", "self_adaptation")):   # archives under --out
        args = [*args, "--out", str(tmp_path / "runs")]
    check(run_script(name, *args, cwd=tmp_path))


def test_reproduce_chalmers1990_on_two_workers_prints_the_serial_table(tmp_path):
    """The per-seed table (every fitness, every rule) is the same whether the seeds run in
    this process or on 2 worker processes."""
    serial = run_script("reproduce_chalmers1990.py", *CHALMERS, "--out", str(tmp_path / "a"),
                        cwd=tmp_path)
    pooled = run_script("reproduce_chalmers1990.py", *CHALMERS, "--workers", "2", "--out",
                        str(tmp_path / "b"), cwd=tmp_path)
    assert chalmers_summary(serial, [0, 1], 40, 3) == chalmers_summary(pooled, [0, 1], 40, 3)


def test_reproduce_digits_l2l_json(tmp_path):
    run_script("reproduce_digits_l2l.py", "--toy", "--generations", "2", "--episodes", "10",
               "--sequences", "2", "--presets", "fewshot-digits", "continual-split-digits",
               "fewshot-digits-init", "--ways", "2", "--shots", "1", "--out",
               str(tmp_path / "runs"), "--json", str(tmp_path / "r.json"), cwd=tmp_path)
    check_digits_l2l(json.loads((tmp_path / "r.json").read_text()))


def test_kernel_bitwise_check_saves_and_matches_itself(tmp_path):
    """scripts/check_kernels_bitwise.py: the wrappers are deterministic to the bit, and it says so."""
    ref = str(tmp_path / "ref.npz")
    assert "saved" in run_script("check_kernels_bitwise.py", "save", ref, cwd=tmp_path)
    assert "bit-identical" in run_script("check_kernels_bitwise.py", "check", ref, cwd=tmp_path)


def test_automl_learner_script(tmp_path):
    """scripts/automl_learner.py --toy: the four methods, their table, and report --baselines."""
    pytest.importorskip("optuna")
    out = run_script("automl_learner.py", "--toy", "--out", "automl", cwd=tmp_path)
    for label in ("mixed_ga", "hand-set learner", "Optuna TPE", "random search over the joint"):
        assert label in out
    from click.testing import CliRunner
    from evo_l2l.cli import main
    res = CliRunner().invoke(main, ["report", str(tmp_path / "automl" / "joint-seed0.h5"), "-o",
                                    str(tmp_path / "rep"), "--baselines",
                                    str(tmp_path / "automl" / "automl_learner.json")])
    assert res.exit_code == 0, res.output
    assert "Optuna TPE" in (tmp_path / "rep" / "report.md").read_text()
    again = run_script("automl_learner.py", "--summarise",
                       str(tmp_path / "automl" / "automl_learner.json"), cwd=tmp_path)
    assert out.split("\n\n| method", 1)[1].split("seconds per method")[0].strip() in again


def test_bench_mlp_train_without_torch(tmp_path):
    """Without torch the MLP bench still times numba against NumPy and says why no PyTorch."""
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("raise ImportError('no torch here')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench_mlp_train.py"),
                           "--quick"], cwd=tmp_path, capture_output=True, text=True, env=env,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    check_bench_mlp_train(proc.stdout, with_torch=False)


def test_automl_learner_script_names_the_extra_without_optuna(tmp_path):
    """Without optuna the script ends in one line naming the extra (exit 2), no traceback."""
    (tmp_path / "optuna").mkdir()
    (tmp_path / "optuna" / "__init__.py").write_text("raise ImportError('no optuna here')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "automl_learner.py"),
                           "--toy", "--out", "x"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: the Optuna baseline needs optuna: pip install 'evo_l2l[automl]'"]


def test_learning_to_optimize_script(tmp_path):
    """The held-out family table: every optimizer on the same tasks, a family counted as won
    exactly when the paired interval lies below 0, and the program table of the run."""
    subprocess.run([sys.executable, "-m", "evo_l2l", "run", "l2o-programs", "--toy",
                    "--generations", "2", "-o", str(tmp_path / "p.h5")], cwd=tmp_path,
                   check=True, capture_output=True, timeout=600)
    out = run_script("learning_to_optimize.py", str(tmp_path / "p.h5"), "--quick",
                     "--families", "regression", "--json", str(tmp_path / "r.json"),
                     cwd=tmp_path)
    assert "Lion (0.9, 0.99" in out and "momentum-based" in out
    r = json.loads((tmp_path / "r.json").read_text())
    assert r["n_tasks"] == 4 and r["programs"][0]["seed"] == 0
    run = r["runs"][0]
    for fam, res in run["families"].items():
        finals = res["final"]
        assert len(finals) == 8 and all(len(v) == 4 for v in finals.values())
        evolved = [k for k in finals if k.startswith("evolved")][0]
        v = res["vs_tuned_adam"][evolved]
        assert res["won"] == (v["mean"] + v["ci95"] < 0 and v["nonfinite"] == 0)
    assert run["families_won"] == sum(res["won"] for res in run["families"].values())


def test_bench_evaluate_times_compares_and_profiles(tmp_path):
    """A toy archive made once, its evaluate timed twice: the second table compared with the
    first (the same code: the same bytes), then a profile naming evaluate's functions."""
    toy = ["--set", "tasks.n_train_episodes=4", "--set", "tasks.n_heldout=3", "--n-tasks", "6"]
    first = run_script("bench_evaluate.py", "fewshot-digits", "--dir", "d", "--out", "a",
                       *toy, cwd=tmp_path)
    row = [line.split() for line in first.splitlines() if line.startswith("fewshot-digits")]
    assert len(row) == 1 and float(row[0][1]) > 0 and float(row[0][2]) > 0
    assert (tmp_path / "d" / "fewshot-digits.h5").exists()
    assert "query accuracy" in (tmp_path / "a" / "fewshot-digits.txt").read_text()
    second = run_script("bench_evaluate.py", "fewshot-digits", "--dir", "d", "--out", "b",
                        "--compare", "a", "--profile", "5", *toy, cwd=tmp_path)
    assert "same as --compare" in second and "evaluate_episodes" in second
    assert "profile in CPU seconds" in second


def test_bench_meta_times_compares_profiles_and_times_the_kernel(tmp_path):
    """A toy meta run timed twice, the second archive compared with the first (the same
    code: every dataset equal), a profile split three ways, and the kernel table."""
    first = run_script("bench_meta.py", "--toy", "-o", "a.h5", cwd=tmp_path)
    wall, cpu = grab(r"^wall ([\d.]+) s, CPU ([\d.]+) s", first)
    assert wall > 0 and cpu > 0 and (tmp_path / "a.h5").exists()
    second = run_script("bench_meta.py", "--toy", "-o", "b.h5", "--compare", "a.h5",
                        cwd=tmp_path)
    assert grab(r"archive digest (\w+)", first, str) == grab(r"archive digest (\w+)", second, str)
    n = grab(r"against a.h5: all (\d+) datasets equal", second, int)[0]
    assert n > 20
    profile = run_script("bench_meta.py", "--toy", "--profile", cwd=tmp_path)
    shares = [grab(rf"^  {part}\s+[\d.]+ s\s+([\d.]+)%", profile)[0]
              for part in ("kernels", "breeding", "rest")]
    assert abs(sum(shares) - 100) < 0.5
    table = run_script("bench_meta.py", "--kernel", cwd=tmp_path)
    rows = [line.split() for line in table.splitlines() if re.match(r"\s+\d+\s+\d+\s", line)]
    assert [int(r[0]) for r in rows] == [4, 8, 16, 32, 64, 128, 256, 512]
    assert all(int(r[1]) == int(r[0]) * int(rows[0][1]) // 4 for r in rows)
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench_meta.py"),
                           "--full", "--toy"], capture_output=True, text=True)
    assert proc.returncode == 2 and "give one" in proc.stderr
