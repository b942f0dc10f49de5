"""Exercise ``gp_fixed_image_norm`` (notebook 06): the bug clinic's per-sample-norm fix of a penalty on images, a "fixed" variant of ``gradient_penalty``."""

from __future__ import annotations

from .registry import variant

__all__ = ["EXERCISE"]

EXERCISE = variant("gp_fixed_image_norm", follows="gradient_penalty", notebook="06",
                   spec="`gp_fixed_image_norm`: the contract of `gradient_penalty` (notebook 06 fixes a buggy version of it).")
