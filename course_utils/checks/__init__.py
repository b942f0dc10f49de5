"""Self-checks for the exercise functions (the contracts of ``docs/CONTRACT.md``).

Each ``check_<name>`` takes a learner's function and returns a :class:`CheckResult`
(``passed``, ``bug``: a catalog id from :mod:`course_utils.bugs` or None, ``message``).
A check never raises because the learner's code raised: the exception becomes the finding.
It does not depend on the learner's random numbers, needs no GPU, leaves the global random
number generators as it found them, and runs in well under two seconds on a CPU.

The checks judge behaviour, not source text: they call the learner's function on probes whose
right answer is known (critics with a known input gradient, critics that record the points
they see, optimisers that record what they were asked to do) and recognise catalogued
mistakes by the values they produce.

One module per concern: :mod:`.core` (result object and plumbing), :mod:`.probes` (probe
critics), :mod:`.penalties`, :mod:`.scores`, :mod:`.clipping`, :mod:`.distances`,
:mod:`.gradients` and :mod:`.steps` (the training steps). A check may also live with its
exercise in :mod:`course_utils.exercises` (``frechet_distance`` does); ``checks.check_<name>``
finds it there, so a notebook calls every check the same way.
"""

from __future__ import annotations

from .clipping import check_clip_weights
from .core import CheckResult
from .distances import check_js_divergence, check_wasserstein_1d
from .gradients import check_per_sample_grad_norms
from .penalties import check_gradient_penalty
from .penalty_variants import check_one_sided_penalty, check_r1_penalty
from .scores import check_critic_loss, check_generator_loss
from .steps import check_clip_critic_step, check_generator_step, check_gp_critic_step

__all__ = [
    "CheckResult",
    "check_gradient_penalty",
    "check_critic_loss",
    "check_generator_loss",
    "check_clip_weights",
    "check_wasserstein_1d",
    "check_per_sample_grad_norms",
    "check_one_sided_penalty",
    "check_r1_penalty",
    "check_js_divergence",
    "check_clip_critic_step",
    "check_gp_critic_step",
    "check_generator_step",
    # kept with its exercise (course_utils/exercises/frechet_distance.py), found by __getattr__ below
    "check_frechet_distance",
]


def _exercise_check_names() -> list[str]:
    from .. import exercises

    return [ex.check.__name__ for ex in exercises.EXERCISES.values() if ex.follows is None]


def __getattr__(name: str):
    # checks that live with their exercise (course_utils/exercises/<name>.py), found by the function's name;
    # imported on use because the exercise modules import this package
    if name.startswith("check_"):
        from .. import exercises

        for exercise in exercises.EXERCISES.values():
            if exercise.follows is None and exercise.check.__name__ == name:
                return exercise.check
    raise AttributeError(f"module 'course_utils.checks' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_exercise_check_names()})
