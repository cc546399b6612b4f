"""`evo-l2l warmup`: every preset warmed once, presets that share a learner in one process."""
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.cli.run import warm_presets, warmup_groups
from evo_l2l.experiments import PRESETS


def test_groups_hold_every_preset_once_by_learner():
    groups = warmup_groups()
    names = [n for g in groups for n in g]
    assert sorted(names) == sorted(PRESETS)
    learners = [{PRESETS[n].default_config().learner.name for n in g} for g in groups]
    assert all(len(ls) == 1 for ls in learners)
    assert len({ls.pop() for ls in learners}) == len(groups)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)


def test_warm_presets_reports_each_preset():
    lines = warm_presets(["chalmers1990", "chalmers1990-real"])
    assert [line.split()[0] for line in lines] == ["chalmers1990", "chalmers1990-real"]
    assert all(line.endswith(" s") for line in lines)


def test_bad_jobs_is_one_line_and_exit_2():
    result = CliRunner().invoke(main, ["warmup", "--jobs", "0"])
    assert result.exit_code == 2
    assert "--jobs" in result.output


def test_warming_an_episode_preset_compiles_evaluate_s_baselines():
    from evo_l2l.kernels import baselines as kb
    warm_presets(["fewshot-digits"])
    for kernel in (kb.nearest_centroid, kb.sgd_logistic, kb.backprop_mlp):
        assert kernel.signatures, kernel


def test_warming_a_program_preset_compiles_the_breeding():
    from evo_l2l.kernels import program_breeding
    warm_presets(["automl-zero-linear-demo"])
    assert program_breeding.breed.signatures
