"""Keep a lesson running when an exercise is unfinished or wrong.

After each exercise a notebook calls, for example::

    gradient_penalty = use_learner_or_reference(gradient_penalty, "gradient_penalty")

If the learner's function passes its self-check it is returned unchanged; if it
is still the stub (``NotImplementedError``) or fails its check, the reference
version from :mod:`course_utils.losses` is returned with a visible note, so the
rest of the notebook still runs.
"""

from __future__ import annotations

from collections.abc import Callable

from . import checks, losses, metrics

REFERENCES: dict[str, Callable] = {
    "gradient_penalty": losses.gradient_penalty,
    "critic_loss": losses.critic_loss,
    "generator_loss": losses.generator_loss,
    "clip_weights_": losses.clip_weights_,
    "wasserstein_1d": metrics.wasserstein_1d,
    "per_sample_grad_norms": losses.input_gradient_norms,
}


def register_reference(name: str, reference: Callable, check: Callable | None = None) -> None:
    """Add an exercise defined outside the contract (e.g. a notebook's own exercise)."""
    REFERENCES[name] = reference
    if check is not None:
        _EXTRA_CHECKS[name] = check


_EXTRA_CHECKS: dict[str, Callable] = {}


def _check_for(name: str) -> Callable | None:
    return _EXTRA_CHECKS.get(name) or getattr(checks, f"check_{name.rstrip('_')}", None)


def use_learner_or_reference(learner_fn: Callable | None, name: str, verbose: bool = True) -> Callable:
    """Return ``learner_fn`` if it passes its self-check, otherwise the reference version."""
    if name not in REFERENCES:
        raise KeyError(f"No reference implementation called {name!r}; known: {sorted(REFERENCES)}")
    reference = REFERENCES[name]
    check = _check_for(name)
    if learner_fn is None:
        reason = "it is not defined"
    elif check is None:
        return learner_fn
    else:
        result = check(learner_fn)
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
