"""Helpers for the course *Wasserstein GANs, from weight clipping to the gradient penalty*.

One module per concern:

* :mod:`course_utils.env` - device, seeding, quick mode, CPU threads (``setup()``)
* :mod:`course_utils.toy_data` - 8 Gaussians, 25 Gaussians, Swiss roll
* :mod:`course_utils.models` - MLP generator and critic
* :mod:`course_utils.losses` - reference versions of the exercise functions
* :mod:`course_utils.training` - the WGAN / WGAN-GP training loop
* :mod:`course_utils.plots` - samples, value surfaces, training curves
* :mod:`course_utils.checks` - self-checks that name the bug
* :mod:`course_utils.exercises` - fall back to the reference when an exercise is unfinished
* :mod:`course_utils.stubs` - solution markers, the student stub, unfinished exercises in test cells
* :mod:`course_utils.settings` - every ``WGAN_COURSE_*`` setting, parsed one way (torch-free)
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["setup", "pick", "quick_mode", "__version__"]


def __getattr__(name: str):
    # setup/pick/quick_mode come from env, which imports torch: loaded on first use, so that
    # torch-free modules (settings, stubs) can be imported without torch (the toolkit and the grader do).
    if name in {"setup", "pick", "quick_mode"}:
        from . import env

        return getattr(env, name)
    raise AttributeError(f"module 'course_utils' has no attribute {name!r}")
