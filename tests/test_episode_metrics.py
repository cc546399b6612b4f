"""Few-shot and continual metrics against small cases computed by hand."""
import numpy as np
import pytest

from evo_l2l.analysis.episode_metrics import continual_metrics, mean_ci95, summary


def test_mean_ci95_by_hand():
    mean, half = mean_ci95([0.5, 0.7, 0.9, 0.7])
    # std (ddof 1) = sqrt((0.04 + 0 + 0.04 + 0) / 3) = 0.163299; 1.96 * 0.163299 / 2 = 0.160033
    assert mean == pytest.approx(0.7) and half == pytest.approx(0.1600333, abs=1e-6)
    assert mean_ci95([0.3]) == (0.3, 0.0)


def test_continual_metrics_by_hand():
    # Three tasks. b = (0.1, 0.2, 0.3); R rows after tasks 0, 1, 2.
    acc = np.array([[0.1, 0.2, 0.3],
                    [0.9, 0.4, 0.2],
                    [0.6, 0.8, 0.5],
                    [0.5, 0.7, 0.9]])
    m = continual_metrics(acc)
    assert m["ACC"] == pytest.approx((0.5 + 0.7 + 0.9) / 3)
    assert m["BWT"] == pytest.approx(((0.5 - 0.9) + (0.7 - 0.8)) / 2)
    assert m["FWT"] == pytest.approx(((0.4 - 0.2) + (0.5 - 0.3)) / 2)
    # Forgetting: task 0 best 0.9 -> 0.5 (0.4); task 1 best 0.8 -> 0.7 (0.1).
    assert m["forgetting"] == pytest.approx((0.4 + 0.1) / 2)
    batch = continual_metrics(np.stack([acc, acc]))
    np.testing.assert_allclose(batch["BWT"], [m["BWT"]] * 2)


def test_summary_kinds():
    few = summary(np.array([[[0.2], [1.0]], [[0.2], [0.5]]]))
    assert few["kind"] == "fewshot" and few["accuracy"] == 0.75 and few["n_episodes"] == 2
    joint = np.full((3, 3, 2), np.nan); joint[:, -1] = [[0.8, 1.0], [0.9, 0.9], [1.0, 0.8]]
    assert summary(joint) == {"kind": "final", "ACC": pytest.approx(0.9), "ACC_ci95": 0.0,
                              "n_sequences": 3}
    with pytest.raises(ValueError, match="T >= 2"):
        continual_metrics(np.zeros((2, 1)))
