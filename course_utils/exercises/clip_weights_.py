"""Exercise ``clip_weights_`` (notebook 03): weight clipping. Its reference is in :mod:`course_utils.losses`,
its check in :mod:`course_utils.checks` and its catalog entries in :mod:`course_utils.bugs`."""

from __future__ import annotations

from .. import checks, losses
from .registry import Exercise

__all__ = ["EXERCISE"]

EXERCISE = Exercise(
    "clip_weights_",
    notebook="03",
    reference=losses.clip_weights_,
    check=checks.check_clip_weights,
    spec="""`clip_weights_(critic, c) -> None`: clamps every parameter of the critic to [-c, c] in
place.""",
)
