"""The course's bug catalog: every mistake the self-checks can recognise.

Each :class:`Bug` has a short kebab-case ``id`` (what a :class:`~course_utils.checks.CheckResult`
reports in its ``bug`` field), a one-line ``title``, the ``symptom`` you observe,
``why`` it is wrong, how to ``fix`` it, where it is ``seen_in`` (one of the three
source documents of the course, named in :data:`SOURCES`, or everyday practice) and the
``exercises`` it belongs to. A few entries are taught but cannot be recognised by a CPU
self-check; their ``not_checked`` field says why.

Used in notebooks 00 and 06 (and by every self-check, through :mod:`course_utils.checks`).

In a notebook::

    from course_utils import bugs
    bugs.BUGS                                    # the whole catalog, shown as a table
    bugs.catalog("gradient_penalty")             # only the bugs of one exercise
    bugs.get_bug("per-element-norm").fix         # one entry
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

__all__ = ["Bug", "BugCatalog", "BUGS", "SOURCES", "PRACTICE", "get_bug", "catalog", "catalog_markdown", "catalog_html"]

#: The three documents the course grew from, named once; catalog entries cite them as
#: "the article", "the blog" and "the Q&A answer".
SOURCES: dict[str, str] = {
    "the article": '"What is the bug in my WGAN-GP code?", a web article dated 2025-01-30 (the course\'s seed '
    "copy records no URL)",
    "the blog": '"Computing the gradients of gradients with pytorch", a blog post dated 2019-01-26, permalink '
    "/posts/2019/01/compute-gradients-of-gradients/ (host not recorded in the seed copy)",
    "the Q&A answer": "a question-and-answer thread, \"how to calculate the gradient of D(x_hat)\" for the penalty "
    "of Improved Training of Wasserstein GANs, https://arxiv.org/abs/1704.00028 (thread URL not recorded)",
    "the annotated implementation": "labml.ai's annotated WGAN-GP, labml_nn/gan/wasserstein/gradient_penalty/"
    "experiment.py in https://github.com/labmlai/annotated_deep_learning_paper_implementations "
    "(its penalty is taken at the real batch `data`)",
}

_ALL = ("gradient_penalty", "critic_loss", "generator_loss", "clip_weights_", "wasserstein_1d",
        "per_sample_grad_norms", "one_sided_penalty", "r1_penalty", "frechet_distance", "js_divergence",
        "clip_critic_step", "gp_critic_step", "generator_step")  # fmt: skip
_STEPS = ("clip_critic_step", "gp_critic_step", "generator_step")
_CRITIC_STEPS = ("clip_critic_step", "gp_critic_step")
_RETURNING = ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "per_sample_grad_norms",
              "one_sided_penalty", "r1_penalty", "frechet_distance", "js_divergence", *_STEPS)  # fmt: skip
_LOSSES = ("gradient_penalty", "critic_loss", "generator_loss")
_PENALTIES = ("gradient_penalty", "one_sided_penalty", "r1_penalty")
_GP = ("gradient_penalty",)
_NORMS = ("gradient_penalty", "per_sample_grad_norms")
_CLIP = ("clip_weights_",)
_W1 = ("wasserstein_1d",)
_FD = ("frechet_distance",)
_JS = ("js_divergence",)

PRACTICE = "practice"


@dataclass(frozen=True)
class Bug:
    """One catalogued mistake."""

    id: str
    title: str
    symptom: str
    why: str
    fix: str
    seen_in: str
    exercises: tuple[str, ...]
    not_checked: str = ""

    def _repr_markdown_(self) -> str:
        return _markdown_table([self])

    def _repr_html_(self) -> str:
        return _html_table([self])


_ENTRIES: list[Bug] = [
    # ------------------------------------------------------------------ any exercise
    Bug(
        "not-callable",
        "Not a function",
        "The self-check received something that cannot be called.",
        "The check calls your function; a value, a string or a misspelt name cannot be called.",
        "Pass the function itself, without calling it: check_gradient_penalty(gradient_penalty), not gradient_penalty(...).",
        PRACTICE,
        _ALL,
    ),
    Bug(
        "not-implemented",
        "Exercise not done yet",
        "The function still raises NotImplementedError.",
        "The student version of the notebook ships the exercise as a stub.",
        "Replace the `raise NotImplementedError` line with your implementation.",
        PRACTICE,
        _ALL,
    ),
    Bug(
        "raised-exception",
        "The function raised an error",
        "Calling the function with valid inputs raised an exception.",
        "A correct implementation runs on every valid input of the contract (any batch size, 2-D points or images).",
        "Read the error and the line it points to; try your function on a tiny input and print the shapes.",
        PRACTICE,
        _ALL,
    ),
    Bug(
        "returned-none",
        "Nothing returned",
        "The function returned None.",
        "The value is computed but not handed back, usually a missing `return`.",
        "End the function with `return <the result>`.",
        PRACTICE,
        _RETURNING,
    ),
    Bug(
        "wrong-type",
        "Not a tensor or a number",
        "The function returned something that is neither a tensor nor a number.",
        "The rest of the lesson computes with the result as a tensor.",
        "Return a torch.Tensor (a number is fine only where the exercise says so).",
        PRACTICE,
        _RETURNING,
    ),
    Bug(
        "wrong-shape",
        "Result has the wrong shape",
        "The result has a different shape from the one the exercise asks for.",
        "Losses must be scalars (reduce over the batch); per-sample results must have one entry per sample.",
        "Check which dimensions you reduce: a loss ends with .mean(); per-sample norms keep the batch dimension only.",
        PRACTICE,
        ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "per_sample_grad_norms", "one_sided_penalty", "r1_penalty", "frechet_distance", "js_divergence"),
    ),
    Bug(
        "wrong-value",
        "Wrong value (not a catalogued mistake)",
        "The result differs from the correct value in a way the checks do not recognise.",
        "The formula differs from the one in the exercise.",
        "Compare your code with the formula step by step on a tiny input whose answer you can work out by hand.",
        PRACTICE,
        _ALL,
    ),
    Bug(
        "wrong-gradient",
        "Right value, wrong gradient",
        "The value is right, but its gradient with respect to the inputs or the critic's parameters is not.",
        "Training uses the gradient, not the value: part of the computation is cut out of the graph "
        "(.detach(), .data, .item() or a NumPy round trip on a tensor that needs gradients).",
        "Keep every step that depends on the inputs or the parameters in torch operations on the original tensors.",
        PRACTICE,
        (*_LOSSES, "one_sided_penalty", "r1_penalty", *_STEPS),
    ),
    Bug(
        "result-detached",
        "Result cut off from the graph",
        "The value is right but calling .backward() on it cannot reach the critic (or the scores).",
        "A loss that carries no graph does not train anything: .item(), float(), .detach() or .numpy() turn it into a constant.",
        "Return the tensor itself; call .item() only when you print or log the value.",
        PRACTICE,
        (*_LOSSES, "one_sided_penalty", "r1_penalty", "per_sample_grad_norms"),
    ),
    # ------------------------------------------------------------------ gradient of the critic
    Bug(
        "missing-requires-grad",
        "Interpolates do not require grad",
        "RuntimeError: One of the differentiated Tensors does not require grad.",
        "torch.autograd.grad can only differentiate with respect to a tensor that autograd tracks. Interpolates "
        "built from detached real and fake batches are plain data. The error is loud, not a silent zero gradient; "
        "without it the code works only by accident, when the fake batch still carries the generator's graph.",
        "Call `.requires_grad_(True)` on the points before you pass them to the critic.",
        "the article's 'missing requires_grad' example (whose code still contains the call, "
        "and which claims a silent zero gradient)",
        _NORMS,
    ),
    Bug(
        "grad-outputs-missing",
        "Gradient of a non-scalar output without grad_outputs",
        "RuntimeError: grad can be implicitly created only for scalar outputs.",
        "The critic returns one score per sample (shape (B, 1)); autograd.grad needs a scalar or a grad_outputs "
        "tensor of the scores' shape to know how to weigh them.",
        "Pass `grad_outputs=torch.ones_like(scores)`, or differentiate `scores.sum()`: samples do not interact, "
        "so each sample's gradient is unchanged.",
        "practice (the Q&A answer and the blog pass grad_outputs for this reason)",
        _NORMS,
    ),
    Bug(
        "grad-outputs-wrong-shape",
        "grad_outputs of a fixed shape",
        "RuntimeError: Mismatch in shape: grad_output[0] has a shape of ... and output[0] has a shape of ...",
        "A grad_outputs built with a hard-coded shape such as (B, 1) breaks when the function returns shape (B,).",
        "Build it from the output itself: `grad_outputs=torch.ones_like(scores)`.",
        "practice (the blog's first example fills a (B, 1) tensor with ones)",
        ("per_sample_grad_norms",),
    ),
    Bug(
        "per-element-norm",
        "Norm of each element instead of each sample",
        "The 'norms' are the absolute values of single gradient entries; with per_sample_grad_norms there are "
        "B * D of them instead of B.",
        "Flattening the gradients to shape (-1, 1) puts every scalar entry in its own row, so the norm over "
        "dim=1 is |g_ij|. The penalty then pushes every coordinate of the gradient towards magnitude 1, which "
        "is not the Lipschitz constraint (a gradient of norm 1 in D dimensions has entries near 1/sqrt(D)).",
        "Keep one row per sample: `grads.flatten(start_dim=1).norm(2, dim=1)` (or `view(B, -1)`).",
        "the blog's second example (view(-1, 1))",
        (*_NORMS, "one_sided_penalty", "r1_penalty"),
    ),
    Bug(
        "unflattened-norm",
        "Norm over one dimension of an image",
        "Correct on 2-D points, wrong on images: the norm is taken over dim=1 (the channels) only.",
        "For images of shape (B, C, H, W), `grads.norm(2, dim=1)` gives one norm per pixel, not one per image.",
        "Flatten each sample first: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        (*_NORMS, "r1_penalty"),
    ),
    Bug(
        "norm-over-whole-batch",
        "One norm for the whole batch",
        "A single norm of all gradients together, which grows like sqrt(B).",
        "`grads.norm()` with no dim treats the batch as one long vector; the constraint is on each sample's gradient.",
        "Take the norm per sample: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        _NORMS,
    ),
    Bug(
        "norm-over-batch-dim",
        "Norm over the batch dimension",
        "One 'norm' per feature (pixel, coordinate) instead of one per sample.",
        "`norm(dim=0)` sums the squares over the samples, mixing different points' gradients.",
        "Reduce over the feature dimensions: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        _NORMS,
    ),
    Bug(
        "create-graph-missing",
        "create_graph=True missing",
        "The penalty (or the norms) has the right value but no grad_fn: backward() does not reach the critic's "
        "parameters.",
        "Without create_graph=True, autograd.grad returns the input gradients as constants, so the penalty "
        "cannot be differentiated again with respect to the critic's weights: the critic never learns from it.",
        "Pass `create_graph=True` to torch.autograd.grad (retain_graph then defaults to True as well).",
        "practice (the blog's topic: gradients of gradients need create_graph)",
        (*_PENALTIES, "per_sample_grad_norms"),
    ),
    Bug(
        "alpha-per-element",
        "One alpha per element",
        "The interpolates are not on the segments between real and fake samples.",
        "With alpha of the full data shape, each coordinate mixes real and fake in its own proportion, so the "
        "points lie in a box around the pair, not on the line where the optimal critic has gradient norm 1.",
        "Draw one alpha per sample, shape (B, 1, ..., 1): `torch.rand(B, *[1] * (real.dim() - 1))`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "one-alpha-for-batch",
        "One alpha for the whole batch",
        "Every sample of a batch sits at the same fraction of its segment.",
        "A single random number for the batch makes the points correlated; the penalty should see points "
        "spread independently along every segment.",
        "Draw B numbers, one per sample: `torch.rand(B, 1, ..., 1)`, not `torch.rand(1)`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "alpha-not-uniform",
        "alpha is not uniform on [0, 1]",
        "The recovered alphas are outside [0, 1], fixed, or not spread evenly over [0, 1].",
        "WGAN-GP samples points uniformly along each segment: alpha ~ U(0, 1). torch.randn is Gaussian, a "
        "constant like 0.5 always picks the midpoint, and a narrower range misses part of the segment.",
        "Use `torch.rand` (uniform on [0, 1)), not randn, randint or a constant.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "alpha-wrong-shape",
        "alpha does not broadcast per sample",
        "A RuntimeError about sizes that must match (or silently wrong points when the sizes happen to agree).",
        "Broadcasting aligns shapes from the right: alpha of shape (B,) meets the feature dimension, and (B, 1) "
        "meets the image height; it only works by accident when those sizes equal B.",
        "Give alpha as many dimensions as the data: shape (B, 1) for points, (B, 1, 1, 1) for images, or "
        "`alpha.view(-1, *[1] * (real.dim() - 1))`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "interpolate-off-segment",
        "Interpolates are not between real and fake",
        "The points the critic sees are not of the form alpha * real + (1 - alpha) * fake.",
        "The weights of real and fake must add up to one, otherwise the point leaves the segment.",
        "Write `xhat = alpha * real + (1 - alpha) * fake` (or `torch.lerp(fake, real, alpha)`).",
        PRACTICE,
        _GP,
    ),
    Bug(
        "gradient-at-real",
        "Gradient taken at the real samples",
        "The critic is differentiated at the real batch, not at interpolates.",
        "The penalty is meant to act between the two distributions, where the optimal critic has gradient "
        "norm 1. (Penalising only at real data is a different regulariser, R1, with a different target.)",
        "Differentiate at the interpolates xhat, not at `real`.",
        "the article's checklist item 2 (gradients with respect to the interpolates); and in a widely read "
        "annotated WGAN-GP implementation (labml.ai's, see SOURCES), whose penalty is "
        "evaluated at the real samples: in effect epsilon = 1",
        ("gradient_penalty", "one_sided_penalty"),
    ),
    Bug(
        "gradient-at-fake",
        "Gradient taken at the fake samples",
        "The critic is differentiated at the generated batch, not at interpolates.",
        "As for the real batch: the constraint must hold on the segments between the two distributions.",
        "Differentiate at the interpolates xhat, not at `fake`.",
        "the article's checklist item 2 (gradients with respect to the interpolates)",
        _GP,
    ),
    Bug(
        "mean-before-gradient",
        "Scores averaged before the gradient",
        "The gradient norms come out B times too small.",
        "d(mean_i D(x_i))/dx_i = (1/B) grad D(x_i): averaging the scores first divides every sample's gradient "
        "by the batch size. (Summing is fine: each sample's gradient is unchanged.)",
        "Differentiate the scores with grad_outputs=torch.ones_like(scores), or their sum, never their mean.",
        PRACTICE,
        (*_NORMS, "r1_penalty"),
    ),
    Bug(
        "squared-norm",
        "Squared norm without the square root",
        "The 'norm' is the sum of squared gradient entries.",
        "||g||^2 equals 1 exactly when ||g|| does, but away from 1 it changes the penalty's shape and scale.",
        "Take the root: `grads.norm(2, dim=1)`, or `torch.sqrt((grads ** 2).sum(dim=1) + 1e-12)`.",
        PRACTICE,
        (*_NORMS, "one_sided_penalty"),
    ),
    Bug(
        "absolute-deviation",
        "Absolute instead of squared deviation",
        "The penalty is mean(|norm - 1|).",
        "WGAN-GP uses the squared deviation (norm - 1) ** 2, smooth at norm 1; the absolute value is a "
        "different penalty with a kink and constant-size gradients.",
        "Square the deviation: `((norms - 1) ** 2).mean()`.",
        PRACTICE,
        ("gradient_penalty", "one_sided_penalty"),
    ),
    Bug(
        "target-zero",
        "Gradient pushed to 0 instead of 1",
        "The penalty is mean(norm ** 2): it pushes the gradient to zero.",
        "WGAN-GP's penalty asks for gradient norm 1 on the segments between the distributions, where the optimal "
        "critic of the Wasserstein distance has it. A zero target is a different regulariser, not a broken one: "
        "R1 (notebook 9) pulls the gradient to 0 at the real data, and the zero-centred penalty of Thanh-Tung et "
        "al. (2019) pulls it to 0 on interpolates, both to stabilise training. In this exercise it changes the "
        "method: the critic no longer estimates W1 with slope-1 gradients between the distributions.",
        "Subtract the target: `((norms - 1) ** 2).mean()`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "one-sided-penalty",
        "One-sided penalty where two-sided is asked",
        "Only norms above 1 are penalised: mean(relu(norm - 1) ** 2).",
        "The one-sided variant (discussed in the WGAN-GP paper and in notebook 9) is a valid alternative, but "
        "this exercise asks for the two-sided penalty of the paper's main algorithm.",
        "Drop the clamp/relu: `((norms - 1) ** 2).mean()`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "sum-instead-of-mean",
        "Sum instead of mean over the batch",
        "The result grows with the batch size.",
        "Expectations are estimated by batch means; a sum ties the loss scale (and the effective learning "
        "rate and lambda) to the batch size.",
        "Use `.mean()` over the batch instead of `.sum()`.",
        PRACTICE,
        ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "one_sided_penalty", "r1_penalty"),
    ),
    Bug(
        "lambda-inside-penalty",
        "lambda applied inside the penalty",
        "The penalty is a constant multiple (typically 10) of the correct value.",
        "The contract keeps the penalty and its weight apart: critic_loss multiplies by lambda_gp, so a penalty "
        "that already includes it is weighted twice (lambda ** 2 = 100 instead of 10).",
        "Return the bare penalty; multiply by lambda_gp only in critic_loss.",
        "the article's examples (their gradient penalty function multiplies by lambda_gp itself)",
        _PENALTIES,
    ),
    Bug(
        "negated-penalty",
        "Negated penalty",
        "The penalty is negative.",
        "(norm - 1) ** 2 is never negative; with the sign flipped, minimising the critic loss rewards large "
        "gradients instead of punishing them.",
        "Return `((norms - 1) ** 2).mean()` without a minus sign.",
        PRACTICE,
        _PENALTIES,
    ),
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
        ("critic_loss", *_CRITIC_STEPS),
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
        _CLIP,
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
        _CLIP,
    ),
    Bug(
        "clip-to-zero-c",
        "Clamped to [0, c]",
        "Every negative parameter became 0.",
        "The box is symmetric, [-c, c]; a lower bound of 0 wipes out all negative weights.",
        "Use `p.clamp_(-c, c)`.",
        PRACTICE,
        _CLIP,
    ),
    Bug(
        "clip-one-sided",
        "Only one bound applied",
        "Parameters are capped at c but values below -c remain (or the other way round).",
        "`clamp_(max=c)` (or `min=-c` alone) leaves the other side unbounded.",
        "Give both bounds: `p.clamp_(-c, c)`.",
        PRACTICE,
        _CLIP,
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
        "clip-scales",
        "c used as a scale, not a bound",
        "Parameters inside [-c, c] changed too: they were multiplied or normalised.",
        "Clipping only touches values outside the box; scaling every parameter shrinks the whole critic.",
        "Clamp, do not scale: `p.clamp_(-c, c)`.",
        PRACTICE,
        _CLIP,
    ),
    Bug(
        "clip-gradients",
        "Gradients clipped instead of parameters",
        "The parameters' .grad changed while the parameters did not.",
        "Gradient clipping (clip_grad_value_, p.grad.clamp_) limits the size of one step; the WGAN constraint "
        "is on the weights themselves.",
        "Clamp the parameters, after the optimiser step: `for p in critic.parameters(): p.clamp_(-c, c)`.",
        PRACTICE,
        _CLIP,
    ),
    Bug(
        "clip-needs-no-grad",
        "In-place clamp outside torch.no_grad()",
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place operation.",
        "Autograd forbids changing a parameter in place while it tracks it.",
        "Wrap the loop in `with torch.no_grad():` (or decorate the function with @torch.no_grad()).",
        PRACTICE,
        _CLIP,
    ),
    # ------------------------------------------------------------------ exact 1-D W1
    Bug(
        "no-sort",
        "Samples paired in their given order",
        "The result depends on the order of the points: mean(|x - y|) without sorting.",
        "In 1-D the optimal transport plan pairs the i-th smallest x with the i-th smallest y; pairing in the "
        "given order is some plan, so it only gives an upper bound on W1.",
        "Sort both samples first: `(torch.sort(x).values - torch.sort(y).values).abs().mean()`.",
        PRACTICE,
        _W1,
    ),
    Bug(
        "sorted-only-one",
        "Only one of the two samples sorted",
        "One sample is sorted, the other is used in its given order.",
        "Both samples must be in increasing order for the pairing to be the optimal (monotone) one.",
        "Sort both x and y.",
        PRACTICE,
        _W1,
    ),
    Bug(
        "mean-of-differences-without-abs",
        "Mean of signed differences",
        "The result is mean(x) - mean(y) (possibly its absolute value): 0 for samples with the same mean.",
        "Positive and negative displacements cancel; W1 adds up how far every unit of mass moves.",
        "Take the absolute value of each difference before averaging: `(xs - ys).abs().mean()`.",
        PRACTICE,
        _W1,
    ),
    Bug(
        "w2-instead-of-w1",
        "Squared differences (W2) instead of absolute ones",
        "The result is mean((xs - ys) ** 2) or its square root.",
        "That is the 2-Wasserstein distance (squared); the course's critic estimates W1, the absolute-value version.",
        "Average absolute differences: `(xs - ys).abs().mean()`.",
        PRACTICE,
        _W1,
    ),
    # ------------------------------------------------------------------ any exercise: the reference itself
    Bug(
        "reference-in-use",
        "The check was given the course's reference",
        "The self-check says this is the course's reference, not your function.",
        "After a fallback cell (`x = use_learner_or_reference(x, ...)`) has replaced your function with the "
        "reference, the name no longer refers to your code, so there is nothing of yours to check.",
        "Run your solution cell again (it redefines your function), then the self-check.",
        PRACTICE,
        _ALL,
    ),
    # ------------------------------------------------------------------ inputs and sizes
    Bug(
        "input-modified",
        "The caller's tensors are changed",
        "After the call, the tensors passed in are sorted, detached or otherwise different.",
        "A function that changes its inputs in place surprises every caller: the samples of a later cell come "
        "back sorted, or the caller's tensor is cut from its graph. NumPy's ndarray.sort() on a .numpy() view "
        "and Tensor.sort_-style in-place calls are the usual culprits.",
        "Work on copies or out-of-place results: torch.sort(x).values, np.sort(a), x.detach() (a new tensor).",
        PRACTICE,
        ("wasserstein_1d", "per_sample_grad_norms"),
    ),
    Bug(
        "no-size-check",
        "Samples of different sizes accepted",
        "Two samples of different sizes give a number (or an unrelated error) instead of a ValueError.",
        "The sorted-matching formula needs the same number of points on both sides; silently truncating or "
        "broadcasting gives a meaningless value.",
        "Start with `if x.numel() != y.numel(): raise ValueError(...)` saying what the sizes are.",
        PRACTICE,
        _W1,
    ),
    # ------------------------------------------------------------------ notebook 09: one-sided penalty, R1
    Bug(
        "two-sided-penalty",
        "Two-sided penalty where one-sided is asked",
        "Slopes below 1 are penalised too: the value is mean((norm - 1) ** 2).",
        "The one-sided (Lipschitz) penalty only punishes gradients steeper than 1; a 1-Lipschitz critic must pay "
        "nothing.",
        "Keep only the excess: `(torch.relu(norms - 1) ** 2).mean()`.",
        PRACTICE,
        ("one_sided_penalty",),
    ),
    Bug(
        "one-sided-wrong-side",
        "One-sided penalty on the wrong side",
        "Flat gradients are punished and steep ones are not: mean(max(0, 1 - norm) ** 2).",
        "The constraint is ||grad|| <= 1, so only norms above 1 break it.",
        "Use `torch.relu(norms - 1)`, not `torch.relu(1 - norms)`.",
        PRACTICE,
        ("one_sided_penalty",),
    ),
    Bug(
        "r1-norm-not-squared",
        "R1 with the norm, not its square",
        "The penalty is mean(||grad||) instead of mean(||grad|| ** 2).",
        "R1 is the expected squared gradient norm at the real data; without the square its gradient does not "
        "vanish as the norm goes to 0 and the scale differs.",
        "Square the per-sample norms: `grads.flatten(1).pow(2).sum(dim=1).mean()`.",
        PRACTICE,
        ("r1_penalty",),
    ),
    Bug(
        "r1-target-one",
        "R1 with the WGAN-GP target of 1",
        "The penalty is mean((||grad|| - 1) ** 2) at the real data.",
        "R1 pulls the gradient at the real data towards 0 (no target of 1): at an equilibrium where the generator "
        "matches the data the discriminator should be flat there.",
        "Drop the target: `grads.flatten(1).pow(2).sum(dim=1).mean()`.",
        PRACTICE,
        ("r1_penalty",),
    ),
    Bug(
        "r1-not-at-real",
        "R1 taken away from the real samples",
        "The critic is differentiated at points that are not the real batch (interpolates, noisy copies).",
        "R1 regularises the discriminator exactly at the data; elsewhere it is another penalty (WGAN-GP, DRAGAN).",
        "Differentiate at `real.detach().requires_grad_(True)` itself.",
        PRACTICE,
        ("r1_penalty",),
    ),
    # ------------------------------------------------------------------ notebook 08: Frechet distance
    Bug(
        "complex-result",
        "Complex number returned",
        "The distance is a complex number (with a tiny imaginary part).",
        "scipy.linalg.sqrtm of a non-symmetric product sigma1 @ sigma2 returns a complex matrix from round-off.",
        "Keep the real part (`sqrtm(...).real`) or compute the trace from eigenvalues of a symmetric matrix.",
        PRACTICE,
        _FD,
    ),
    Bug(
        "sqrt-elementwise",
        "Square root of each entry instead of the matrix square root",
        "The cross term uses np.sqrt / torch.sqrt of sigma1 @ sigma2, entry by entry.",
        "(sigma1 sigma2)^(1/2) is the matrix whose square is sigma1 sigma2; the entry-wise root is a different "
        "matrix except for diagonal covariances.",
        "Use scipy.linalg.sqrtm(sigma1 @ sigma2).real, or the eigenvalues of sigma1^(1/2) sigma2 sigma1^(1/2).",
        PRACTICE,
        _FD,
    ),
    Bug(
        "roots-multiplied-separately",
        "Tr(sigma1^(1/2) sigma2^(1/2)) for the cross term",
        "Right when the covariances commute (for example diagonal ones), wrong otherwise.",
        "(sigma1 sigma2)^(1/2) equals sigma1^(1/2) sigma2^(1/2) only when the two matrices commute.",
        "Take the root of the product: scipy.linalg.sqrtm(sigma1 @ sigma2).",
        PRACTICE,
        _FD,
    ),
    Bug(
        "mean-distance-not-squared",
        "Distance of the means not squared",
        "The first term is ||mu1 - mu2|| instead of ||mu1 - mu2|| ** 2.",
        "The Frechet (2-Wasserstein) distance between Gaussians adds the squared distance of the means to the "
        "covariance term.",
        "Use `((mu1 - mu2) ** 2).sum()`.",
        PRACTICE,
        _FD,
    ),
    Bug(
        "trace-term-factor",
        "Cross term without its factor 2",
        "The value is ||mu1 - mu2||^2 + Tr(sigma1 + sigma2 - (sigma1 sigma2)^(1/2)).",
        "For identical Gaussians the distance must be 0, which needs 2 (sigma1 sigma2)^(1/2) = 2 sigma.",
        "Subtract `2 * trace(sqrtm(sigma1 @ sigma2))`.",
        PRACTICE,
        _FD,
    ),
    # ------------------------------------------------------------------ notebook 01: JS divergence
    Bug(
        "log-base-2",
        "JS divergence in bits",
        "The value is the natural-log JS divergence divided by log 2 (at most 1, not log 2).",
        "The course measures JS with the natural log, so disjoint supports give log 2 = 0.693.",
        "Use np.log / torch.log, not log2.",
        PRACTICE,
        _JS,
    ),
    Bug(
        "js-not-halved",
        "KL terms not halved",
        "The value is KL(p || m) + KL(q || m), twice the JS divergence.",
        "JS averages the two KL divergences to the mixture m = (p + q) / 2.",
        "Return `0.5 * kl(p, m) + 0.5 * kl(q, m)`.",
        PRACTICE,
        _JS,
    ),
    Bug(
        "kl-instead-of-js",
        "KL divergence instead of JS",
        "The value is KL(p || q), KL(q || p) or their average: infinite as soon as the supports differ.",
        "JS compares each distribution with the mixture m = (p + q) / 2, which is positive wherever p or q is, "
        "so it stays finite (at most log 2).",
        "Build m = (p + q) / 2 and average KL(p || m) and KL(q || m).",
        PRACTICE,
        _JS,
    ),
    Bug(
        "zero-probability-nan",
        "0 * log 0 gives NaN",
        "The result is nan when some outcome has probability 0.",
        "p * log(p / m) evaluates 0 * log 0 = 0 * (-inf) = nan in floating point; by convention the term is 0.",
        "Sum only over outcomes with p > 0 (a mask, or torch.xlogy / scipy.special.xlogy).",
        PRACTICE,
        _JS,
    ),
    # ------------------------------------------------------------------ training steps (notebooks 03 and 07)
    Bug(
        "returns-tensor-not-float",
        "The step returns a tensor",
        "The step's return value is a tensor, not a Python float.",
        "A loss tensor carries its graph; collecting one per step to plot keeps every step's graph in memory.",
        "Return `float(value)` or `value.item()`.",
        PRACTICE,
        _STEPS,
    ),
    Bug(
        "missing-zero-grad",
        "Gradients never cleared",
        "Each step uses the new gradient plus everything left over from earlier steps.",
        "backward() adds into .grad; without zero_grad() before it, stale gradients pile up and the updates grow "
        "and point in old directions.",
        "Call `optimizer.zero_grad()` (or `model.zero_grad()`) before computing the loss.",
        PRACTICE,
        _STEPS,
    ),
    Bug(
        "zero-grad-after-backward",
        "Gradients cleared between backward and step",
        "The optimiser steps with no gradient at all, so the model never changes.",
        "zero_grad() wipes what backward() just computed when it runs between them (or backward is missing).",
        "Order: zero_grad(), loss, backward(), step().",
        PRACTICE,
        _STEPS,
    ),
    Bug(
        "missing-optimizer-step",
        "optimizer.step() missing",
        "Gradients are computed but the parameters never move.",
        "backward() only fills .grad; the update happens in optimizer.step().",
        "Call `optimizer.step()` after `loss.backward()`.",
        PRACTICE,
        _STEPS,
    ),
    Bug(
        "fake-not-detached",
        "Fake batch not detached in the critic step",
        "After a critic step the generator's parameters have gradients.",
        "The critic's loss is backpropagated through the fake batch into the generator: wasted work, and stale "
        "generator gradients that the next generator step adds to its own unless it clears them.",
        "Score `fake.detach()` in the critic step (or generate the batch under torch.no_grad()).",
        PRACTICE,
        _CRITIC_STEPS,
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
        _CRITIC_STEPS,
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
        _STEPS,
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
        "Restore the flags afterwards (`p.requires_grad_(True)`), or do not freeze at all: the generator's "
        "optimiser only updates the generator.",
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


class BugCatalog(Mapping[str, Bug]):
    """A read-only mapping ``id -> Bug`` that renders itself as a table in a notebook."""

    def __init__(self, bugs: Iterable[Bug]):
        self._bugs: dict[str, Bug] = {}
        for bug in bugs:
            if bug.id in self._bugs:
                raise ValueError(f"Duplicate bug id {bug.id!r}")
            self._bugs[bug.id] = bug

    def __getitem__(self, bug_id: str) -> Bug:
        return self._bugs[bug_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._bugs)

    def __len__(self) -> int:
        return len(self._bugs)

    def __repr__(self) -> str:
        return f"BugCatalog({len(self)} bugs: {', '.join(self._bugs)})"

    def for_exercise(self, exercise: str) -> BugCatalog:
        """The bugs that belong to one exercise, e.g. ``"gradient_penalty"``."""
        known = {name for b in self._bugs.values() for name in b.exercises}
        if exercise not in known:
            # A "fixed" variant (notebook 06) follows another exercise's contract: ask the registry.
            # Imported here because course_utils.exercises imports the checks, which import this module.
            from . import exercises

            try:
                contract = exercises.get(exercise).contract
            except KeyError:
                raise KeyError(f"Unknown exercise {exercise!r}; known: {', '.join(sorted(known))}") from None
            return self.for_exercise(contract)
        return BugCatalog(b for b in self._bugs.values() if exercise in b.exercises)

    def to_markdown(self) -> str:
        """The catalog as a Markdown table."""
        return _markdown_table(self._bugs.values())

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return _html_table(self._bugs.values())


_COLUMNS = ("id", "title", "symptom", "why", "fix", "seen_in", "exercises")  # not_checked: see the entry


def _cell(bug: Bug, column: str) -> str:
    value = getattr(bug, column)
    return ", ".join(value) if isinstance(value, tuple) else value


def _markdown_table(bugs: Iterable[Bug]) -> str:
    rows = ["| " + " | ".join(_COLUMNS) + " |", "|" + "---|" * len(_COLUMNS)]
    for bug in bugs:
        cells = [_cell(bug, c).replace("|", "\\|").replace("\n", " ") for c in _COLUMNS]
        cells[0] = f"`{cells[0]}`"
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def _html_table(bugs: Iterable[Bug]) -> str:
    head = "".join(f"<th style='text-align:left'>{c}</th>" for c in _COLUMNS)
    body = []
    for bug in bugs:
        cells = [html.escape(_cell(bug, c)) for c in _COLUMNS]
        cells[0] = f"<code>{cells[0]}</code>"
        body.append("<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


#: Every catalogued bug, by id.
BUGS: BugCatalog = BugCatalog(_ENTRIES)


def get_bug(bug_id: str) -> Bug:
    """The catalog entry with id ``bug_id`` (KeyError, listing the known ids, if there is none)."""
    try:
        return BUGS[bug_id]
    except KeyError:
        raise KeyError(f"No bug {bug_id!r} in the catalog; known ids: {', '.join(BUGS)}") from None


def catalog(exercise: str | None = None) -> BugCatalog:
    """The whole catalog, or the part of it that belongs to ``exercise``; displays as a table. Used in notebook 06."""
    return BUGS if exercise is None else BUGS.for_exercise(exercise)


def catalog_markdown(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as a Markdown table."""
    return catalog(exercise).to_markdown()


def catalog_html(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as an HTML table."""
    return catalog(exercise)._repr_html_()
