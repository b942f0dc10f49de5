"""The course's bug catalog: every mistake the self-checks can recognise.

Each :class:`Bug` has a short kebab-case ``id`` (what a :class:`~course_utils.checks.CheckResult`
reports in its ``bug`` field), a one-line ``title``, the ``symptom`` you observe,
``why`` it is wrong, how to ``fix`` it, where it is ``seen_in`` (one of the three
source documents of the course, named in :data:`SOURCES`, or everyday practice) and the
``exercises`` it belongs to. A few entries are taught but cannot be recognised by a CPU
self-check; their ``not_checked`` field says why.

Used in notebooks 00 and 06 (and by every self-check, through :mod:`course_utils.checks`).

The entries live in one module per concern (:mod:`.any_exercise`, :mod:`.penalty_bugs`,
:mod:`.loss_bugs`, :mod:`.distance_bugs`, :mod:`.step_bugs`); :mod:`.model` defines :class:`Bug`.

In a notebook::

    from course_utils import bugs
    bugs.BUGS                                    # the whole catalog, shown as a table
    bugs.catalog("gradient_penalty")             # only the bugs of one exercise
    bugs.get_bug("per-element-norm").fix         # one entry
"""

from __future__ import annotations

from . import any_exercise, distance_bugs, loss_bugs, penalty_bugs, step_bugs
from .model import PRACTICE, Bug, BugCatalog

__all__ = ["Bug", "BugCatalog", "BUGS", "SOURCES", "PRACTICE", "get_bug", "catalog", "catalog_markdown", "catalog_html"]

#: The three documents the course grew from, named once; catalog entries cite them as
#: "the article", "the blog" and "the Q&A answer".
SOURCES: dict[str, str] = {
    "the article": '"What is the bug in my WGAN-GP code?", a web article dated 2025-01-30 (the course\'s seed '
    "copy records no URL)",
    "the blog": '"Computing the gradients of gradients with pytorch", a blog post dated 2019-01-26, permalink '
    "/posts/2019/01/compute-gradients-of-gradients/ (host not recorded in the seed copy)",
    "the Q&A answer": 'a question-and-answer thread, "how to calculate the gradient of D(x_hat)" for the penalty '
    "of Improved Training of Wasserstein GANs, https://arxiv.org/abs/1704.00028 (thread URL not recorded)",
    "the annotated implementation": "labml.ai's annotated WGAN-GP, labml_nn/gan/wasserstein/gradient_penalty/"
    "experiment.py in https://github.com/labmlai/annotated_deep_learning_paper_implementations "
    "(its penalty is taken at the real batch `data`)",
}

#: Every catalogued bug, by id.
BUGS: BugCatalog = BugCatalog(
    [*any_exercise.ENTRIES, *penalty_bugs.ENTRIES, *loss_bugs.ENTRIES, *distance_bugs.ENTRIES, *step_bugs.ENTRIES]
)


def get_bug(bug_id: str) -> Bug:
    """The catalog entry with id ``bug_id`` (KeyError, listing the known ids, if there is none). Used in notebook 06."""
    try:
        return BUGS[bug_id]
    except KeyError:
        raise KeyError(f"No bug {bug_id!r} in the catalog; known ids: {', '.join(BUGS)}") from None


def catalog(exercise: str | None = None) -> BugCatalog:
    """The whole catalog, or the part of it that belongs to ``exercise``; displays as a table. Used in notebook 06."""
    return BUGS if exercise is None else BUGS.for_exercise(exercise)


def catalog_markdown(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as a Markdown table. Used in notebook 06 (through the package)."""
    return catalog(exercise).to_markdown()


def catalog_html(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as an HTML table. Used in notebook 06 (through the package)."""
    return catalog(exercise)._repr_html_()
