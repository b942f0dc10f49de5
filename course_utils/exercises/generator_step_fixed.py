"""Exercise ``generator_step_fixed`` (notebook 06): the bug clinic's fixed generator step, a "fixed" variant of ``generator_step``."""

from __future__ import annotations

from .registry import variant

__all__ = ["EXERCISE"]

EXERCISE = variant("generator_step_fixed", follows="generator_step", notebook="06",
                   spec="`generator_step_fixed`: the contract of `generator_step` (notebook 06 fixes a buggy version of it).")
