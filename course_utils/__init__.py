"""Helpers for the course *Wasserstein GANs, from weight clipping to the gradient penalty*.

One module per concern (the notebook that teaches each is in its public docstrings):

* :mod:`course_utils.env` - device, seeding, quick mode, CPU threads (``setup()``)
* :mod:`course_utils.settings` - every ``WGAN_COURSE_*`` setting, parsed one way (torch-free)
* :mod:`course_utils.toy_data` - 8 Gaussians, 25 Gaussians, Swiss roll
* :mod:`course_utils.models` - MLP generator and critic
* :mod:`course_utils.losses` - reference penalties and losses (gradient penalty, R1, one-sided, ...)
* :mod:`course_utils.steps` - reference training steps (clipping critic step, GP critic step, generator step)
* :mod:`course_utils.metrics` - W1 in 1-D and exact, JS divergence, Frechet distance, mode coverage
* :mod:`course_utils.training` - the WGAN / WGAN-GP training loop
* :mod:`course_utils.standard_gan` - the standard GAN of notebook 01
* :mod:`course_utils.recipes` - toy training recipes and their measured sweeps (data in CSV files)
* :mod:`course_utils.regularizers` - the regularisers compared in notebook 09
* :mod:`course_utils.plots` - samples, value surfaces, training curves
* :mod:`course_utils.widgets` - slider explorers with a static fallback
* :mod:`course_utils.checks` - self-checks that name the bug (a subpackage, one module per concern)
* :mod:`course_utils.bugs` - the bug catalog (a subpackage)
* :mod:`course_utils.exercises` - one module per exercise, the registry that collects them, the fallback
* :mod:`course_utils.clinic` - committed predictions for the bug clinic (notebook 06)
* :mod:`course_utils.stubs` - solution markers, the student stub, unfinished exercises in test cells
* :mod:`course_utils.image_data`, :mod:`~course_utils.image_models`, :mod:`~course_utils.image_training`,
  :mod:`~course_utils.image_precision`, :mod:`~course_utils.image_plots`, :mod:`~course_utils.fid` -
  Fashion-MNIST, DCGAN-style models, image training, mixed precision, grids, the classifier-based FD
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
