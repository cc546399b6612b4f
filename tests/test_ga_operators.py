"""The GA's shortcuts against DEAP's own: clone against creator.Individual plus the values,
to_array against np.array."""
import numpy as np
import pytest
from deap import creator

from evo_l2l.optimizers import base as optimizer_base



def _deap_clone(ind):
    new = creator.Individual(ind)
    if ind.fitness.valid:
        new.fitness.values = ind.fitness.values
    return new


@pytest.mark.parametrize("values", [None, (0.25,), (-3.5e300,), (float("nan"),),
                                    (float("-inf"),)])
def test_clone_is_a_fresh_individual_with_the_same_fitness(values):
    ind = creator.Individual([0.5, 1, -2.0])
    if values is not None:
        ind.fitness.values = values
    ours, theirs = optimizer_base.clone(ind), _deap_clone(ind)
    assert type(ours) is type(theirs) and list(ours) == list(theirs)
    assert type(ours.fitness) is type(theirs.fitness)
    assert ours.fitness.valid == theirs.fitness.valid
    assert np.array_equal(ours.fitness.wvalues, theirs.fitness.wvalues, equal_nan=True)
    if values is not None:
        assert np.array_equal(ours.fitness.values, values, equal_nan=True)
    ours[0] = 9.0                           # neither genes nor fitness are shared
    del ours.fitness.values
    assert ind[0] == 0.5 and ind.fitness.valid == (values is not None)


@pytest.mark.parametrize("kind", ["bits", "real"])
def test_to_array_is_np_array_of_the_individuals(kind):
    from evo_l2l.components import GenomeSpec
    rng = np.random.default_rng(3)
    search = optimizer_base.ArraySearch(GenomeSpec(kind, 7))
    genes = (rng.integers(0, 2, (5, 7)).tolist() if kind == "bits"
             else (rng.normal(0, 1, (5, 7)) * 10.0 ** rng.integers(-300, 300, (5, 7))).tolist())
    individuals = [creator.Individual(g) for g in genes]
    ours = search.to_array(individuals)
    slow = np.array(individuals, dtype=search.genome.dtype).reshape(5, -1)
    assert ours.dtype == slow.dtype and ours.shape == slow.shape == (5, 7)
    assert np.array_equal(ours, slow)
