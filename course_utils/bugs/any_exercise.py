"""Mistakes any exercise can have: not a function, not done, errors, wrong types and shapes, the reference itself, changed inputs."""

from __future__ import annotations

from .model import ANY_EXERCISE, LOSSES, PRACTICE, RETURNING, STEPS, W1, Bug

__all__ = ["ENTRIES"]

ENTRIES: list[Bug] = [
    # ------------------------------------------------------------------ any exercise
    Bug(
        "not-callable",
        "Not a function",
        "The self-check received something that cannot be called.",
        "The check calls your function; a value, a string or a misspelt name cannot be called.",
        "Pass the function itself, without calling it: check_gradient_penalty(gradient_penalty), not gradient_penalty(...).",
        PRACTICE,
        ANY_EXERCISE,
    ),
    Bug(
        "not-implemented",
        "Exercise not done yet",
        "The function still raises NotImplementedError.",
        "The student version of the notebook ships the exercise as a stub.",
        "Replace the `raise NotImplementedError` line with your implementation.",
        PRACTICE,
        ANY_EXERCISE,
    ),
    Bug(
        "raised-exception",
        "The function raised an error",
        "Calling the function with valid inputs raised an exception.",
        "A correct implementation runs on every valid input of the contract (any batch size, 2-D points or images).",
        "Read the error and the line it points to; try your function on a tiny input and print the shapes.",
        PRACTICE,
        ANY_EXERCISE,
    ),
    Bug(
        "returned-none",
        "Nothing returned",
        "The function returned None.",
        "The value is computed but not handed back, usually a missing `return`.",
        "End the function with `return <the result>`.",
        PRACTICE,
        RETURNING,
    ),
    Bug(
        "wrong-type",
        "Not a tensor or a number",
        "The function returned something that is neither a tensor nor a number.",
        "The rest of the lesson computes with the result as a tensor.",
        "Return a torch.Tensor (a number is fine only where the exercise says so).",
        PRACTICE,
        RETURNING,
    ),
    Bug(
        "wrong-shape",
        "Result has the wrong shape",
        "The result has a different shape from the one the exercise asks for.",
        "Losses must be scalars (reduce over the batch); per-sample results must have one entry per sample.",
        "Check which dimensions you reduce: a loss ends with .mean(); per-sample norms keep the batch dimension only.",
        PRACTICE,
        (
            "gradient_penalty",
            "critic_loss",
            "generator_loss",
            "wasserstein_1d",
            "per_sample_grad_norms",
            "one_sided_penalty",
            "r1_penalty",
            "js_divergence",
        ),
    ),
    Bug(
        "wrong-value",
        "Wrong value (not a catalogued mistake)",
        "The result differs from the correct value in a way the checks do not recognise.",
        "The formula differs from the one in the exercise.",
        "Compare your code with the formula step by step on a tiny input whose answer you can work out by hand.",
        PRACTICE,
        ANY_EXERCISE,
    ),
    Bug(
        "wrong-gradient",
        "Right value, wrong gradient",
        "The value is right, but its gradient with respect to the inputs or the critic's parameters is not.",
        "Training uses the gradient, not the value: part of the computation is cut out of the graph "
        "(.detach(), .data, .item() or a NumPy round trip on a tensor that needs gradients).",
        "Keep every step that depends on the inputs or the parameters in torch operations on the original tensors.",
        PRACTICE,
        (*LOSSES, "one_sided_penalty", "r1_penalty", *STEPS),
    ),
    Bug(
        "result-detached",
        "Result cut off from the graph",
        "The value is right but calling .backward() on it cannot reach the critic (or the scores).",
        "A loss that carries no graph does not train anything: .item(), float(), .detach() or .numpy() turn it into a constant.",
        "Return the tensor itself; call .item() only when you print or log the value.",
        PRACTICE,
        (*LOSSES, "one_sided_penalty", "r1_penalty", "per_sample_grad_norms"),
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
        ANY_EXERCISE,
    ),
    # ------------------------------------------------------------------ inputs and sizes
    Bug(
        "input-modified",
        "The caller's tensors are changed",
        "After the call, the tensors passed in are sorted, detached or otherwise different.",
        "A function that changes its inputs in place surprises every caller: the samples of a later cell come "
        "back sorted, or the caller's tensor is cut from its graph. NumPy's ndarray.sort() on a .numpy() view "
        "and in-place writes such as x[:] = ... or x.copy_(...) are the usual culprits.",
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
        W1,
    ),
]
