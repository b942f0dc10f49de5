"""Exercise ``gp_critic_step_fixed`` (notebook 06): the bug clinic's fixed WGAN-GP critic step, a "fixed" variant of ``gp_critic_step``."""

from __future__ import annotations

from .registry import variant

__all__ = ["EXERCISE"]

EXERCISE = variant("gp_critic_step_fixed", follows="gp_critic_step", notebook="06",
                   spec="`gp_critic_step_fixed`: the contract of `gp_critic_step` (notebook 06 fixes a buggy version of it).")
