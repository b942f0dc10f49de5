"""The course's bug catalog: every mistake the self-checks can recognise.

Each :class:`Bug` has a short kebab-case ``id`` (what a :class:`~course_utils.checks.CheckResult`
reports in its ``bug`` field), a one-line ``title``, the ``symptom`` you observe,
``why`` it is wrong, how to ``fix`` it, where it is ``seen_in`` (one of the three
source documents of the course, or everyday practice) and the ``exercises`` it
belongs to.

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

#: The exercise functions the catalog covers (the contract of COURSE.md plus two notebook exercises).
EXERCISES: tuple[str, ...] = (
    "gradient_penalty",
    "critic_loss",
    "generator_loss",
    "clip_weights_",
    "wasserstein_1d",
    "per_sample_grad_norms",
)

_ALL = EXERCISES
_RETURNING = ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "per_sample_grad_norms")
_LOSSES = ("gradient_penalty", "critic_loss", "generator_loss")
_GP = ("gradient_penalty",)
_NORMS = ("gradient_penalty", "per_sample_grad_norms")
_CLIP = ("clip_weights_",)
_W1 = ("wasserstein_1d",)

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
        _RETURNING,
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
        _LOSSES,
    ),
    Bug(
        "result-detached",
        "Result cut off from the graph",
        "The value is right but calling .backward() on it cannot reach the critic (or the scores).",
        "A loss that carries no graph does not train anything: .item(), float(), .detach() or .numpy() turn it into a constant.",
        "Return the tensor itself; call .item() only when you print or log the value.",
        PRACTICE,
        _LOSSES,
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
        _NORMS,
    ),
    Bug(
        "unflattened-norm",
        "Norm over one dimension of an image",
        "Correct on 2-D points, wrong on images: the norm is taken over dim=1 (the channels) only.",
        "For images of shape (B, C, H, W), `grads.norm(2, dim=1)` gives one norm per pixel, not one per image.",
        "Flatten each sample first: `grads.flatten(start_dim=1).norm(2, dim=1)`.",
        PRACTICE,
        _NORMS,
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
        "The penalty has the right value but no grad_fn: backward() does not reach the critic's parameters.",
        "Without create_graph=True, autograd.grad returns the input gradients as constants, so the penalty "
        "cannot be differentiated again with respect to the critic's weights: the critic never learns from it.",
        "Pass `create_graph=True` to torch.autograd.grad (retain_graph then defaults to True as well).",
        "practice (the blog's topic: gradients of gradients need create_graph)",
        _GP,
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
        "the article's checklist item 2 (gradients with respect to the interpolates)",
        _GP,
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
        _NORMS,
    ),
    Bug(
        "squared-norm",
        "Squared norm without the square root",
        "The 'norm' is the sum of squared gradient entries.",
        "||g||^2 equals 1 exactly when ||g|| does, but away from 1 it changes the penalty's shape and scale.",
        "Take the root: `grads.norm(2, dim=1)`, or `torch.sqrt((grads ** 2).sum(dim=1) + 1e-12)`.",
        PRACTICE,
        _NORMS,
    ),
    Bug(
        "absolute-deviation",
        "Absolute instead of squared deviation",
        "The penalty is mean(|norm - 1|).",
        "WGAN-GP uses the squared deviation (norm - 1) ** 2, smooth at norm 1; the absolute value is a "
        "different penalty with a kink and constant-size gradients.",
        "Square the deviation: `((norms - 1) ** 2).mean()`.",
        PRACTICE,
        _GP,
    ),
    Bug(
        "target-zero",
        "Gradient pushed to 0 instead of 1",
        "The penalty is mean(norm ** 2): it pushes the gradient to zero.",
        "The optimal critic has gradient norm 1 almost everywhere between the distributions; pulling the norm "
        "to 0 flattens the critic and removes the signal the generator learns from.",
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
        ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d"),
    ),
    Bug(
        "lambda-inside-penalty",
        "lambda applied inside the penalty",
        "The penalty is a constant multiple (typically 10) of the correct value.",
        "The contract keeps the penalty and its weight apart: critic_loss multiplies by lambda_gp, so a penalty "
        "that already includes it is weighted twice (lambda ** 2 = 100 instead of 10).",
        "Return the bare penalty; multiply by lambda_gp only in critic_loss.",
        "the article's examples (their gradient penalty function multiplies by lambda_gp itself)",
        _GP,
    ),
    Bug(
        "negated-penalty",
        "Negated penalty",
        "The penalty is negative.",
        "(norm - 1) ** 2 is never negative; with the sign flipped, minimising the critic loss rewards large "
        "gradients instead of punishing them.",
        "Return `((norms - 1) ** 2).mean()` without a minus sign.",
        PRACTICE,
        _GP,
    ),
    # ------------------------------------------------------------------ losses
    Bug(
        "penalty-sign",
        "Penalty subtracted in the critic loss",
        "critic_loss = mean(fake) - mean(real) - lambda * penalty.",
        "The critic minimises its loss; subtracting the penalty makes it maximise the gradient deviation.",
        "Add it: `fake_scores.mean() - real_scores.mean() + lambda_gp * penalty`.",
        "practice (the article calls its added penalty 'incorrect', yet adding is right)",
        ("critic_loss",),
    ),
    Bug(
        "real-fake-swapped",
        "Real and fake scores swapped",
        "critic_loss = mean(real) - mean(fake) + lambda * penalty.",
        "Minimising this drives real scores down and fake scores up: the critic learns the opposite ranking "
        "and its estimate of W1 turns negative.",
        "Use `fake_scores.mean() - real_scores.mean()` (the critic wants high scores on real data).",
        PRACTICE,
        ("critic_loss",),
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
        ("critic_loss",),
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
        ("critic_loss",),
    ),
    Bug(
        "penalty-missing",
        "Penalty left out of the critic loss",
        "critic_loss = mean(fake) - mean(real).",
        "Without the penalty nothing keeps the critic Lipschitz, and its scores grow without bound.",
        "Add `+ lambda_gp * penalty`.",
        PRACTICE,
        ("critic_loss",),
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
        ("generator_loss",),
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
        _CLIP,
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
        _CLIP,
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
        if exercise not in EXERCISES:
            raise KeyError(f"Unknown exercise {exercise!r}; known: {', '.join(EXERCISES)}")
        return BugCatalog(b for b in self._bugs.values() if exercise in b.exercises)

    def to_markdown(self) -> str:
        """The catalog as a Markdown table."""
        return _markdown_table(self._bugs.values())

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return _html_table(self._bugs.values())


_COLUMNS = ("id", "title", "symptom", "why", "fix", "seen_in", "exercises")


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
    """The whole catalog, or the part of it that belongs to ``exercise``; displays as a table."""
    return BUGS if exercise is None else BUGS.for_exercise(exercise)


def catalog_markdown(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as a Markdown table."""
    return catalog(exercise).to_markdown()


def catalog_html(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as an HTML table."""
    return catalog(exercise)._repr_html_()
