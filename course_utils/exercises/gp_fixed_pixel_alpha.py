"""Exercise ``gp_fixed_pixel_alpha`` (notebook 06): the bug clinic's one-alpha-per-sample fix, a "fixed" variant of ``gradient_penalty``."""

from __future__ import annotations

from .registry import variant

__all__ = ["EXERCISE"]

EXERCISE = variant("gp_fixed_pixel_alpha", follows="gradient_penalty", notebook="06",
                   spec="`gp_fixed_pixel_alpha`: the contract of `gradient_penalty` (notebook 06 fixes a buggy version of it).")
