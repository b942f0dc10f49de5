"""The exercise registry: one record per exercise, and the fallback that keeps a lesson running.

Every checked exercise of the course is one :class:`Exercise` in :data:`EXERCISES`:
its name (the function the learner writes, and the ``grade_id`` of its solution cell),
the course's reference implementation, its self-check, the catalog ids that check can
report, and the notebook that teaches it. The grader, the student-version tools, the
tests and :func:`use_learner_or_reference` all read this registry; nobody keeps another
list of exercise names. The contracts themselves are in ``docs/CONTRACT.md``.

After each exercise a notebook calls, for example::

    gradient_penalty = use_learner_or_reference(gradient_penalty, "gradient_penalty")

If the learner's function passes its self-check it is returned unchanged; if it is still
the stub (``NotImplementedError``) or fails its check, the reference is returned with a
visible note, so the rest of the notebook still runs. References are marked, so a later
self-check says plainly that it was given the course's reference, never "yours looks right".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import bugs, checks, losses, metrics, steps
from .checks.core import CheckResult, is_reference, mark_reference

__all__ = ["Exercise", "EXERCISES", "REFERENCES", "get", "names", "use_learner_or_reference"]


@dataclass(frozen=True)
class Exercise:
    """One checked exercise.

    ``check(fn)`` returns a :class:`~course_utils.checks.CheckResult`; ``bugs`` are the catalog ids
    it can report; ``notebook`` is the two-digit notebook number. A "fixed" variant of another
    exercise (notebook 06) names that exercise in ``follows`` and shares its reference and check.
    """

    name: str
    reference: Callable
    check: Callable[[Callable], CheckResult]
    bugs: tuple[str, ...]
    notebook: str
    follows: str | None = None

    @property
    def contract(self) -> str:
        """The exercise whose contract this one implements (itself, unless it is a variant)."""
        return self.follows or self.name


def _exercise(name: str, reference: Callable, check: Callable, notebook: str) -> Exercise:
    """A record whose ``bugs`` come from the catalog: every entry that lists ``name`` and that the check can see."""
    ids = tuple(bug.id for bug in bugs.catalog(name).values() if not bug.not_checked)
    return Exercise(name, mark_reference(reference, name), check, ids, notebook)


def _variant(name: str, follows: Exercise, notebook: str) -> Exercise:
    """A "fixed" variant: the same reference, check and catalog ids as ``follows``."""
    return Exercise(name, follows.reference, follows.check, follows.bugs, notebook, follows=follows.name)


_RECORDS = [
    _exercise("js_divergence", metrics.js_divergence, checks.check_js_divergence, "01"),
    _exercise("wasserstein_1d", metrics.wasserstein_1d, checks.check_wasserstein_1d, "02"),
    _exercise("clip_weights_", losses.clip_weights_, checks.check_clip_weights, "03"),
    _exercise("critic_loss", losses.critic_loss, checks.check_critic_loss, "03"),
    _exercise("generator_loss", losses.generator_loss, checks.check_generator_loss, "03"),
    _exercise("clip_critic_step", steps.clip_critic_step, checks.check_clip_critic_step, "03"),
    _exercise("generator_step", steps.generator_step, checks.check_generator_step, "03"),
    _exercise("per_sample_grad_norms", losses.input_gradient_norms, checks.check_per_sample_grad_norms, "04"),
    _exercise("gradient_penalty", losses.gradient_penalty, checks.check_gradient_penalty, "05"),
    _exercise("gp_critic_step", steps.gp_critic_step, checks.check_gp_critic_step, "07"),
    _exercise("frechet_distance", metrics.frechet_distance, checks.check_frechet_distance, "08"),
    _exercise("one_sided_penalty", losses.one_sided_penalty, checks.check_one_sided_penalty, "09"),
    _exercise("r1_penalty", losses.r1_penalty, checks.check_r1_penalty, "09"),
]
_BY_NAME = {record.name: record for record in _RECORDS}
_RECORDS += [
    _variant("gp_fixed_image_norm", _BY_NAME["gradient_penalty"], "06"),
    _variant("gp_fixed_pixel_alpha", _BY_NAME["gradient_penalty"], "06"),
    _variant("gp_critic_step_fixed", _BY_NAME["gp_critic_step"], "06"),
    _variant("generator_step_fixed", _BY_NAME["generator_step"], "06"),
]

#: Every exercise of the course, by name (in notebook order within each notebook).
EXERCISES: dict[str, Exercise] = {r.name: r for r in sorted(_RECORDS, key=lambda r: r.notebook)}

#: name -> reference implementation (a view of the registry, kept for the grader's guards).
REFERENCES: dict[str, Callable] = {name: ex.reference for name, ex in EXERCISES.items()}


def get(name: str) -> Exercise:
    """The record of exercise ``name`` (KeyError listing the known names otherwise). Not called in a notebook."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"No exercise called {name!r}; known: {', '.join(EXERCISES)}") from None


def names(notebook: str | None = None) -> list[str]:
    """The exercise names, all of them or those of one notebook (``"05"``). Not called in a notebook."""
    return [n for n, ex in EXERCISES.items() if notebook is None or ex.notebook == notebook]


def use_learner_or_reference(learner_fn: Callable | None, name: str, verbose: bool = True) -> Callable:
    """Return ``learner_fn`` if it passes its self-check, otherwise the course's reference version.

    Used after every exercise (notebooks 01 to 09).

    Used in notebooks 01, 02, 03, 04, 05, 06, 07, 08 and 09.
    """
    exercise = get(name)
    reference = REFERENCES[name]  # (the grader may have wrapped it in a guard)
    if learner_fn is not None and is_reference(learner_fn):
        if verbose:
            print(
                f"Still using the course's reference {name}: your own version is not defined in this session any "
                "more. Run your solution cell again to use (and check) your own."
            )
        return learner_fn
    if learner_fn is None:
        reason = "it is not defined"
    else:
        result = exercise.check(learner_fn)
        if result.passed:
            if verbose:
                print(f"Using your {name}: it passes its self-check.")
            return learner_fn
        reason = f"its self-check did not pass ({result.bug or 'see the check above'})"
    if verbose:
        print(
            f"NOTE: using the course's reference {name} for the rest of this notebook, because {reason}.\n"
            f"      Come back to the exercise when you are ready; nothing else depends on it."
        )
    return reference


#: Kept for the grader of the main branch until it reads the registry (``get(name).check``).
def check_for(name: str) -> Callable | None:
    """The self-check of exercise ``name`` (None if there is no such exercise)."""
    return EXERCISES[name].check if name in EXERCISES else None


