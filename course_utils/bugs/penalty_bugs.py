"""Mistakes in the gradient of the critic and in the penalties built on it (notebooks 04, 05, 06 and 09)."""

from __future__ import annotations

from .model import GP, NORMS, PENALTIES, PRACTICE, Bug

__all__ = ["ENTRIES"]

ENTRIES: list[Bug] = [
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
        NORMS,
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
        NORMS,
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
        (*NORMS, "one_sided_penalty", "r1_penalty"),
    ),
    Bug(
        "unflattened-norm",
        "Norm over part of an image's dimensions",
        "Correct on 2-D points, wrong on images: the norm is taken over dim=1 (the channels) only, or over each "
        "channel's pixels separately.",
        "For images of shape (B, C, H, W), `grads.norm(2, dim=1)` gives one norm per pixel, and a norm over H and W "
        "one per channel (right only when C = 1): neither is one norm per image.",
        "Flatten each sample first: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        (*NORMS, "r1_penalty"),
    ),
    Bug(
        "norm-over-whole-batch",
        "One norm for the whole batch",
        "A single norm of all gradients together, which grows like sqrt(B).",
        "`grads.norm()` with no dim treats the batch as one long vector; the constraint is on each sample's gradient.",
        "Take the norm per sample: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        NORMS,
    ),
    Bug(
        "norm-over-batch-dim",
        "Norm over the batch dimension",
        "One 'norm' per feature (pixel, coordinate) instead of one per sample.",
        "`norm(dim=0)` sums the squares over the samples, mixing different points' gradients.",
        "Reduce over the feature dimensions: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        NORMS,
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
        (*PENALTIES, "per_sample_grad_norms"),
    ),
    Bug(
        "backward-for-input-gradient",
        "Input gradient taken with .backward()",
        "The value is right, but after the call the critic's weights have a .grad that your function filled in.",
        "`.backward()` adds the gradient of the scores to the .grad of every leaf it reaches, the weights included "
        "(notebook 04, section 2). A training step that clears the gradients first and then computes its loss "
        "(the usual order) then adds the gradient of sum D(xhat) to every update, and with create_graph=True "
        "that .grad also keeps a graph alive.",
        "Use `torch.autograd.grad(scores.sum(), xhat, create_graph=True)`: it returns the input gradient and "
        "leaves every .grad alone.",
        PRACTICE,
        NORMS,
    ),
    Bug(
        "sqrt-without-epsilon",
        "Norm written as a bare square root",
        "The value is right, but where a sample's input gradient is exactly zero the penalty's gradient with "
        "respect to the critic's weights is nan.",
        "d sqrt(s) / ds is infinite at s = 0, so `torch.sqrt((g ** 2).sum(dim=1))` turns a zero input gradient "
        "(a ReLU critic with every unit off at that point) into nan weight gradients, and one optimiser step "
        "spreads the nan over the whole critic. Tensor.norm and torch.linalg.vector_norm define that gradient "
        "as 0 (notebook 05, section 3).",
        "Use `grads.flatten(start_dim=1).norm(2, dim=1)`, or keep the square root with an epsilon: "
        "`torch.sqrt((g ** 2).sum(dim=1) + 1e-12)`.",
        PRACTICE,
        GP,
    ),
    Bug(
        "alpha-per-element",
        "One alpha per element",
        "The interpolates are not on the segments between real and fake samples.",
        "With alpha of the full data shape, each coordinate mixes real and fake in its own proportion, so the "
        "points lie in a box around the pair, not on the line where the optimal critic has gradient norm 1.",
        "Draw one alpha per sample, shape (B, 1, ..., 1): `torch.rand(B, *[1] * (real.dim() - 1))`.",
        PRACTICE,
        GP,
    ),
    Bug(
        "one-alpha-for-batch",
        "One alpha for the whole batch",
        "Every sample of a batch sits at the same fraction of its segment.",
        "A single random number for the batch makes the points correlated; the penalty should see points "
        "spread independently along every segment.",
        "Draw B numbers, one per sample: `torch.rand(B, 1, ..., 1)`, not `torch.rand(1)`.",
        PRACTICE,
        GP,
    ),
    Bug(
        "alpha-not-uniform",
        "alpha is not uniform on [0, 1]",
        "The recovered alphas are outside [0, 1], fixed, or not spread evenly over [0, 1].",
        "WGAN-GP samples points uniformly along each segment: alpha ~ U(0, 1). torch.randn is Gaussian, a "
        "constant like 0.5 always picks the midpoint, and a narrower range misses part of the segment.",
        "Use `torch.rand` (uniform on [0, 1)), not randn, randint or a constant.",
        PRACTICE,
        GP,
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
        GP,
    ),
    Bug(
        "interpolate-off-segment",
        "Interpolates are not between real and fake",
        "The points the critic sees are not of the form alpha * real + (1 - alpha) * fake.",
        "The weights of real and fake must add up to one, otherwise the point leaves the segment.",
        "Write `xhat = alpha * real + (1 - alpha) * fake` (or `torch.lerp(fake, real, alpha)`).",
        PRACTICE,
        GP,
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
        GP,
    ),
    Bug(
        "mean-before-gradient",
        "Scores averaged before the gradient",
        "The gradient norms come out B times too small.",
        "d(mean_i D(x_i))/dx_i = (1/B) grad D(x_i): averaging the scores first divides every sample's gradient "
        "by the batch size. (Summing is fine: each sample's gradient is unchanged.)",
        "Differentiate the scores with grad_outputs=torch.ones_like(scores), or their sum, never their mean.",
        PRACTICE,
        (*NORMS, "r1_penalty"),
    ),
    Bug(
        "squared-norm",
        "Squared norm without the square root",
        "The 'norm' is the sum of squared gradient entries.",
        "||g||^2 equals 1 exactly when ||g|| does, but away from 1 it changes the penalty's shape and scale.",
        "Take the root: `grads.norm(2, dim=1)`, or `torch.sqrt((grads ** 2).sum(dim=1) + 1e-12)`.",
        PRACTICE,
        (*NORMS, "one_sided_penalty"),
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
        GP,
    ),
    Bug(
        "one-sided-penalty",
        "One-sided penalty where two-sided is asked",
        "Only norms above 1 are penalised: mean(relu(norm - 1) ** 2).",
        "The one-sided variant (discussed in the WGAN-GP paper and in notebook 9) is a valid alternative, but "
        "this exercise asks for the two-sided penalty of the paper's main algorithm.",
        "Drop the clamp/relu: `((norms - 1) ** 2).mean()`.",
        PRACTICE,
        GP,
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
        PENALTIES,
    ),
    Bug(
        "negated-penalty",
        "Negated penalty",
        "The penalty is negative.",
        "(norm - 1) ** 2 is never negative; with the sign flipped, minimising the critic loss rewards large "
        "gradients instead of punishing them.",
        "Return `((norms - 1) ** 2).mean()` without a minus sign.",
        PRACTICE,
        PENALTIES,
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
]
