"""Mistakes in the training steps (notebooks 03, 06 and 07)."""

from __future__ import annotations

from .model import CRITIC_STEPS, PRACTICE, STEPS, Bug

__all__ = ["ENTRIES"]

ENTRIES: list[Bug] = [
    # ------------------------------------------------------------------ training steps (notebooks 03 and 07)
    Bug(
        "returns-tensor-not-float",
        "A tensor returned where the exercise asks for a Python float",
        "The return value is a tensor, not a Python float.",
        "A loss tensor carries its graph; collecting one per step to plot keeps every step's graph in memory. "
        "Where the contract says float, code that formats, compares or stores the result expects one.",
        "Return `float(value)` or `value.item()`.",
        PRACTICE,
        (*STEPS, "js_divergence"),
    ),
    Bug(
        "missing-zero-grad",
        "Gradients never cleared",
        "Each step uses the new gradient plus everything left over from earlier steps.",
        "backward() adds into .grad; without zero_grad() before it, stale gradients pile up and the updates grow "
        "and point in old directions.",
        "Call `optimizer.zero_grad()` (or `model.zero_grad()`) before computing the loss.",
        PRACTICE,
        STEPS,
    ),
    Bug(
        "zero-grad-after-backward",
        "Gradients cleared between backward and step",
        "The optimiser steps with no gradient at all, so the model never changes.",
        "zero_grad() wipes what backward() just computed when it runs between them (or backward is missing).",
        "Order: zero_grad(), loss, backward(), step().",
        PRACTICE,
        STEPS,
    ),
    Bug(
        "missing-optimizer-step",
        "optimizer.step() missing",
        "Gradients are computed but the parameters never move.",
        "backward() only fills .grad; the update happens in optimizer.step().",
        "Call `optimizer.step()` after `loss.backward()`.",
        PRACTICE,
        STEPS,
    ),
    Bug(
        "fake-not-detached",
        "Fake batch not detached in the critic step",
        "After a critic step the generator's parameters have gradients.",
        "The critic's loss is backpropagated through the fake batch into the generator: wasted work, and stale "
        "generator gradients that the next generator step adds to its own unless it clears them.",
        "Score `fake.detach()` in the critic step (or generate the batch under torch.no_grad()).",
        PRACTICE,
        CRITIC_STEPS,
    ),
    Bug(
        "clip-before-step",
        "Weights clipped before the optimiser step",
        "After the critic step some parameters are outside [-c, c].",
        "Clipping first and stepping afterwards lets the update push the weights out of the box again; the "
        "WGAN algorithm clips right after each update.",
        "Order: zero_grad(), loss, backward(), optimizer.step(), then clip every parameter.",
        PRACTICE,
        ("clip_critic_step",),
    ),
    Bug(
        "clip-missing",
        "No clipping in the critic step",
        "After the critic step the parameters are the SGD update, unclipped.",
        "Without clipping nothing keeps the critic Lipschitz and its scores grow without bound.",
        "After `optimizer.step()`, clamp every parameter: `for p in critic.parameters(): p.data.clamp_(-c, c)`.",
        PRACTICE,
        ("clip_critic_step",),
    ),
    Bug(
        "returns-loss-not-estimate",
        "Loss returned instead of the estimate",
        "The step returns the critic's loss (about minus the W1 estimate).",
        "The contract returns the estimate mean D(real) - mean D(fake), the number plotted as the critic's W1.",
        "Return `float(real_scores.mean() - fake_scores.mean())` computed before the step.",
        PRACTICE,
        CRITIC_STEPS,
    ),
    Bug(
        "estimate-includes-penalty",
        "Estimate with the penalty mixed in",
        "The returned value is the W1 estimate minus lambda_gp times the penalty.",
        "The penalty is a regulariser, not part of the distance estimate.",
        "Return `float(real_scores.mean() - fake_scores.mean())` without the penalty term.",
        PRACTICE,
        ("gp_critic_step",),
    ),
    Bug(
        "value-after-step",
        "Value computed after the update",
        "The returned number was computed with the parameters after the step.",
        "The contract reports the value before the step: the one the gradients were computed from.",
        "Keep the value from the forward pass you differentiated; do not re-evaluate after step().",
        PRACTICE,
        STEPS,
    ),
    Bug(
        "generator-detached-fake",
        "Generator loss on a detached fake batch",
        "The generator's parameters get no gradient: the generator never learns.",
        "fake.detach() (or generating under torch.no_grad()) is right in the critic step and wrong in the "
        "generator step, where the gradient must flow through the fake batch into the generator.",
        "Compute `-critic(generator(z)).mean()` without detaching.",
        PRACTICE,
        ("generator_step",),
    ),
    Bug(
        "critic-left-frozen",
        "Critic frozen for the generator step and never unfrozen",
        "After the generator step the critic's parameters no longer require grad.",
        "Freezing the critic saves work during the generator step, but if it is not unfrozen the next critic "
        "step computes no gradient for it (or raises), and the critic stops learning.",
        "Restore the flags afterwards, as they were before the step, or do not freeze at all: the generator's "
        "optimiser only updates the generator.",
        PRACTICE,
        ("generator_step",),
    ),
    Bug(
        "critic-flags-not-restored",
        "Critic unfrozen wholesale after the generator step",
        "A critic parameter that was frozen before the generator step requires grad after it.",
        "`critic.requires_grad_(True)` after the step switches on every parameter, including one the caller had "
        "frozen on purpose (a fixed layer, a pretrained feature extractor): the critic is not left as it was found.",
        "Remember each flag before freezing, `flags = [p.requires_grad for p in critic.parameters()]`, and restore "
        "them afterwards in a `finally:` block; or do not freeze at all.",
        PRACTICE,
        ("generator_step",),
    ),
    Bug(
        "critic-changed",
        "Critic changed by the generator step",
        "The critic's parameters have different values after the generator step.",
        "Only the generator may move in its step: a critic update (or clipping) here changes the game.",
        "Step only the generator's optimiser; leave the critic alone.",
        PRACTICE,
        ("generator_step",),
    ),
    Bug(
        "amp-penalty-unscaled",
        "Penalty on scaled gradients under mixed precision",
        "With torch.amp and a GradScaler, the gradient penalty is huge and training diverges.",
        "Under a GradScaler the loss is multiplied by a large scale; input gradients taken from the scaled loss "
        "are scaled too, so their norm is compared with 1 at the wrong scale. They must be divided by "
        "scaler.get_scale() before the norm (the PyTorch AMP examples' gradient-penalty recipe).",
        "Take the input gradients of `scaler.scale(scores)`, divide them by `scaler.get_scale()`, then compute "
        "the norm and the penalty inside the autocast region.",
        PRACTICE,
        ("gp_critic_step",),
        not_checked="gp_critic_step's contract takes no GradScaler, and the scale is only different from 1 "
        "when a GradScaler is active (on a GPU in practice), so a CPU self-check of the step cannot see it; "
        "notebook 06 shows it as a clinic case instead.",
    ),
]
