"""Presets of the evolved few-shot learner meta-trained on fresh glyph episodes.

Omniglot's protocol (Lake et al. 2015; Vinyals et al. 2016: N-way K-shot on classes never
seen in meta-training) on the rendered glyphs (tasks/glyphs.py): meta-training episodes
from the background alphabets, the reported genome chosen on the validation alphabets,
the numbers on the evaluation alphabets, beside the strong simple baselines on the same
episodes (analysis/fewshot_baselines.py). The learner (learners/conv_prototype.py): a
fresh learner learns each support set by a local rule at its output synapses, on features
of a conv net whose filters evolution shapes together with the rule (evolution/fewshot_es.py).

- glyphs-5way-1shot, glyphs-20way-1shot, glyphs-5way-5shot, glyphs-20way-5shot: the
  field's four settings; meta-training episodes are 20-way (more classes, more signal per
  image) with 5 queries per class, 2 episodes a generation.
- glyphs-to-digits: the 5-way 1-shot learner, evaluated on scikit-learn's digits (28x28),
  which no part of meta-training saw (cross-domain transfer).

Run with `evo-l2l fewshot run NAME`; `evo-l2l fewshot evaluate ARCHIVE` scores the learner,
its unevolved start and the baselines on the same 2000 evaluation episodes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ConfigError


@dataclass(frozen=True)
class FewshotPreset:
    name: str
    summary: str
    settings: dict
    target: str = "evaluation"       # what `evaluate` scores on by default
    toy: dict = field(default_factory=dict)


# Seconds, at the 14 px glyphs that the episode-net glyph presets' toy runs use too.
_TOY = {"n_generations": 3, "population": 4, "n_validation": 10, "validate_every": 2,
        "size": 14, "k1": 3}

FEWSHOT_PRESETS = {p.name: p for p in (
    FewshotPreset("glyphs-5way-1shot", "glyphs, 5-way 1-shot on evaluation alphabets: "
                  "evolved conv features + local readout rule",
                  {"n_way": 5, "k_shot": 1, "n_generations": 1500, "validate_every": 50},
                  toy=_TOY),
    FewshotPreset("glyphs-20way-1shot", "glyphs, 20-way 1-shot on evaluation alphabets",
                  {"n_way": 20, "k_shot": 1, "n_query": 5, "n_generations": 1500,
                   "validate_every": 50, "n_validation": 100}, toy=_TOY),
    FewshotPreset("glyphs-5way-5shot", "glyphs, 5-way 5-shot on evaluation alphabets",
                  {"n_way": 5, "k_shot": 5, "n_generations": 1500, "validate_every": 50},
                  toy=_TOY),
    FewshotPreset("glyphs-20way-5shot", "glyphs, 20-way 5-shot on evaluation alphabets",
                  {"n_way": 20, "k_shot": 5, "n_query": 5, "n_generations": 1500,
                   "validate_every": 50, "n_validation": 100}, toy=_TOY),
    FewshotPreset("glyphs-to-digits", "meta-trained on glyphs, 5-way 1-shot on scikit-learn's "
                  "digits (never seen in meta-training)",
                  {"n_way": 5, "k_shot": 1, "n_generations": 1500, "validate_every": 50},
                  target="digits", toy=_TOY),
)}


def get(name: str) -> FewshotPreset:
    if name not in FEWSHOT_PRESETS:
        from . import did_you_mean
        close = did_you_mean(name, FEWSHOT_PRESETS)
        hint = f"did you mean {close}? " if close else ""
        raise ConfigError(f"no few-shot preset {name!r}; {hint}presets: "
                          f"{', '.join(FEWSHOT_PRESETS)}")
    return FEWSHOT_PRESETS[name]
