"""Jordan, Schmidt, Senn & Petrovici (2021), "Evolving interpretable plasticity
for spiking networks", eLife 10:e66273: symbolic plasticity rules found by
Cartesian GP (we use DEAP tree GP; settings below are ours unless marked).

Two presets, both rate-based simplifications of the paper's spiking tasks:

jordan2021-error: a linear student neuron learns to match a teacher
(tasks/student.py); rule inputs (u_target, u, psp) = the paper's (x0, x1, x2).
The delta rule is psp * (u_target - u), the paper's x2 (x0 - x1).

jordan2021-reward: a stochastic sigmoid neuron learns separable Boolean
mappings from a binary reward R (1 if its sampled answer is right) and the
eligibility trace E = (y - p) x (REINFORCE's); the paper's reward-driven
task found (R - 1) E forms in 4 of 8 runs [V, authors' data]. We count
c (R - b) E with c > 0 and a reward baseline 0 <= b <= 1 (b = 1 is the
paper's form, b = 0 plain REINFORCE). Generations as in the paper (1000 and
500 [V]); population, operators and our rate-based tasks are our choices.
"""
from ..config import RunConfig

PAPER = "Jordan, Schmidt, Senn & Petrovici 2021, Evolving interpretable plasticity (eLife)"


class _Preset:
    def __init__(self, name, summary, base, numbers):
        self.NAME, self.SUMMARY, self._base, self.PAPER_NUMBERS = name, summary, base, numbers
        self.PAPER = PAPER
        self.__doc__ = __doc__

    def default_config(self, **overrides) -> RunConfig:
        return RunConfig.from_dict(overrides, RunConfig(preset=self.NAME, **self._base))


_GP = dict(optimizer="gp", selection="tournament", tournament_size=3, crossover_prob=0.8,
           gp_mutation_prob=0.2, elitism=1, n_generations=100, population=60)

error = _Preset(
    "jordan2021-error",
    "GP rules over (u_target, u, psp); linear student learns a teacher; delta = psp*(u_target - u)?",
    dict(_GP, n_generations=1000, learner="student", task_family="student_teacher",
         task_shapes=[[30, 20, 5]],
         n_heldout=10, eta=0.2, n_epochs=5, init_low=-1.0, init_high=1.0),
    {"runs": ("6 runs of 1000 generations", "V"),
     "delta_rediscoveries": ("x2*(x0 - x1) exactly in 1 of 6; 2*x2*(x0 - x1) in 1 more", "V")})

reward = _Preset(
    "jordan2021-reward",
    "GP rules over (R, E); a stochastic neuron learns Boolean maps from reward; (R - 1)*E?",
    dict(_GP, n_generations=500, learner="reward", eta=0.5, n_epochs=10, init_low=-0.5,
         init_high=0.5),
    {"runs": ("8 runs of 500 generations", "V"),
     "delta_rediscoveries": ("(R - 1)*E forms in 4 of 8", "V")})
