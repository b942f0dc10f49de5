"""Mistakes in the WGAN losses and in weight clipping (notebooks 03, 05 and 06)."""

from __future__ import annotations

from .model import CLIP, CRITIC_STEPS, PRACTICE, Bug

__all__ = ["ENTRIES"]

ENTRIES: list[Bug] = [
    # ------------------------------------------------------------------ losses
    Bug(
        "penalty-sign",
        "Penalty subtracted in the critic loss",
        "critic_loss = mean(fake) - mean(real) - lambda * penalty.",
        "The critic minimises its loss; subtracting the penalty makes it maximise the gradient deviation.",
        "Add it: `fake_scores.mean() - real_scores.mean() + lambda_gp * penalty`.",
        "practice (the article calls its added penalty 'incorrect', yet adding is right)",
        ("critic_loss", "gp_critic_step"),
    ),
    Bug(
        "real-fake-swapped",
        "Real and fake scores swapped",
        "critic_loss = mean(real) - mean(fake) + lambda * penalty.",
        "Minimising this drives real scores down and fake scores up: the critic learns the opposite ranking "
        "and its estimate of W1 turns negative.",
        "Use `fake_scores.mean() - real_scores.mean()` (the critic wants high scores on real data).",
        PRACTICE,
        ("critic_loss", *CRITIC_STEPS),
    ),
    Bug(
        "loss-negated",
        "The whole critic loss negated",
        "critic_loss = mean(real) - mean(fake) - lambda * penalty.",
        "That is the objective the critic maximises; an optimiser minimises, so the sign of every term is wrong.",
        "Return `fake_scores.mean() - real_scores.mean() + lambda_gp * penalty` and minimise it.",
        PRACTICE,
        ("critic_loss",),
    ),
    Bug(
        "lambda-missing",
        "Penalty not multiplied by lambda",
        "critic_loss = mean(fake) - mean(real) + penalty.",
        "With lambda = 1 instead of 10 the constraint is too weak and the critic's gradients grow.",
        "Multiply the penalty: `+ lambda_gp * penalty`.",
        PRACTICE,
        ("critic_loss", "gp_critic_step"),
    ),
    Bug(
        "lambda-wrong-term",
        "lambda multiplies the wrong term",
        "critic_loss = lambda * (mean(fake) - mean(real)) + penalty (or lambda on every term).",
        "lambda weighs the penalty against the Wasserstein term; scaling the Wasserstein term instead changes "
        "the balance the paper tuned.",
        "Put lambda on the penalty only: `fake_scores.mean() - real_scores.mean() + lambda_gp * penalty`.",
        PRACTICE,
        ("critic_loss",),
    ),
    Bug(
        "lambda-ignored",
        "lambda_gp argument ignored",
        "The result does not change with lambda_gp: a fixed number (often 10) is used instead.",
        "The weight must come from the argument so that experiments can change it.",
        "Use the parameter: `+ lambda_gp * penalty`.",
        PRACTICE,
        ("critic_loss", "gp_critic_step"),
    ),
    Bug(
        "penalty-missing",
        "Penalty left out of the critic loss",
        "critic_loss = mean(fake) - mean(real).",
        "Without the penalty nothing keeps the critic Lipschitz, and its scores grow without bound.",
        "Add `+ lambda_gp * penalty`.",
        PRACTICE,
        ("critic_loss", "gp_critic_step"),
    ),
    Bug(
        "gan-loss",
        "A GAN (log / BCE) loss in a WGAN",
        "The loss uses log, sigmoid, softplus or binary cross-entropy of the scores (NaN for negative scores).",
        "A WGAN critic outputs an unbounded score, not a probability; its losses are plain means of scores. "
        "Log losses saturate and estimate a different divergence.",
        "Use the means of the scores themselves: critic `fake.mean() - real.mean() + lambda_gp * penalty`, "
        "generator `-fake.mean()`.",
        "the question's premise that the discriminator outputs a probability in [0, 1]",
        ("critic_loss", "generator_loss"),
    ),
    Bug(
        "generator-loss-sign",
        "Generator loss with the wrong sign",
        "generator_loss = mean(fake_scores).",
        "The generator wants the critic to score its samples highly, so it minimises -mean(fake_scores).",
        "Return `-fake_scores.mean()`.",
        PRACTICE,
        ("generator_loss", "generator_step"),
    ),
    # ------------------------------------------------------------------ weight clipping
    Bug(
        "clip-not-in-place",
        "Clipping does not change the critic",
        "After the call the critic's parameters are unchanged, or they are new tensors the optimiser does not know.",
        "`p = p.clamp(-c, c)` only rebinds a local name, and returning clipped copies leaves the model as it "
        "was; replacing parameters by new ones disconnects them from the optimiser.",
        "Clamp in place under torch.no_grad(): `for p in critic.parameters(): p.clamp_(-c, c)`.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-only-weights",
        "Only weights clipped, biases left alone",
        "Weight matrices are inside [-c, c] but some biases are not.",
        "The WGAN algorithm clips every parameter; unclipped biases keep part of the critic unconstrained.",
        "Loop over `critic.parameters()`, which includes the biases.",
        PRACTICE,
        ("clip_weights_", "clip_critic_step"),
    ),
    Bug(
        "clip-misses-parameters",
        "Some layers not clipped",
        "Parameters of some layers (for example inside a nested nn.Sequential) are outside [-c, c].",
        "Iterating over `critic.children()` sees only the top-level modules; nested layers are skipped.",
        "Use `critic.parameters()`, which walks every sub-module.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-to-zero-c",
        "Clamped to [0, c]",
        "Every negative parameter became 0.",
        "The box is symmetric, [-c, c]; a lower bound of 0 wipes out all negative weights.",
        "Use `p.clamp_(-c, c)`.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-one-sided",
        "Only one bound applied",
        "Parameters are capped at c but values below -c remain (or the other way round).",
        "`clamp_(max=c)` (or `min=-c` alone) leaves the other side unbounded.",
        "Give both bounds: `p.clamp_(-c, c)`.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-wrong-bound",
        "Clipped to the wrong bound",
        "Parameters are clipped symmetrically, but not to the c that was passed.",
        "A hard-coded bound (0.01 from the paper, or 1) ignores the argument.",
        "Use the argument: `p.clamp_(-c, c)`.",
        PRACTICE,
        ("clip_weights_", "clip_critic_step"),
    ),
    Bug(
        "clip-returns-value",
        "The in-place clip returns something",
        "clip_weights_ clips correctly but returns a value (often the critic) instead of None.",
        "The exercise (and its test) asks for None: a returned model invites `critic = clip_weights_(critic, c)`, "
        "which reads as if a new, clipped model were made and hides that the clipping happened in place.",
        "End the function without a `return` (or with a bare `return`).",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-scales",
        "c used as a scale, not a bound",
        "Parameters inside [-c, c] changed too: they were multiplied or normalised.",
        "Clipping only touches values outside the box; scaling every parameter shrinks the whole critic.",
        "Clamp, do not scale: `p.clamp_(-c, c)`.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-gradients",
        "Gradients clipped instead of parameters",
        "The parameters' .grad changed while the parameters did not.",
        "Gradient clipping (clip_grad_value_, p.grad.clamp_) limits the size of one step; the WGAN constraint "
        "is on the weights themselves.",
        "Clamp the parameters, after the optimiser step: `for p in critic.parameters(): p.clamp_(-c, c)`.",
        PRACTICE,
        CLIP,
    ),
    Bug(
        "clip-needs-no-grad",
        "In-place clamp outside torch.no_grad()",
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "Autograd forbids changing a parameter in place while it tracks it.",
        "Wrap the loop in `with torch.no_grad():` (or decorate the function with @torch.no_grad()).",
        PRACTICE,
        CLIP,
    ),
]
