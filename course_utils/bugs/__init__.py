"""The course's bug catalog: every mistake the self-checks can recognise.

Each :class:`Bug` has a short kebab-case ``id`` (what a :class:`~course_utils.checks.CheckResult`
reports in its ``bug`` field), a one-line ``title``, the ``symptom`` you observe,
``why`` it is wrong, how to ``fix`` it, where it is ``seen_in`` (one of the three
source documents of the course, named in :data:`SOURCES`, or everyday practice) and the
``exercises`` it belongs to. A few entries are taught but cannot be recognised by a CPU
self-check; their ``not_checked`` field says why.

Used in notebooks 00 and 06 (and by every self-check, through :mod:`course_utils.checks`).

The entries live in one module per concern (:mod:`.any_exercise`, :mod:`.penalty_bugs`,
:mod:`.loss_bugs`, :mod:`.distance_bugs`, :mod:`.step_bugs`), or with their exercise: a module of
:mod:`course_utils.exercises` may hold the entries of its exercise alone (``BUGS``) and name the
shared entries that apply to it (``shared_bugs``). :mod:`.model` defines :class:`Bug`. The catalog
is assembled on first use, because the exercise modules import the self-checks, which import it.

In a notebook::

    from course_utils import bugs
    bugs.BUGS                                    # the whole catalog, shown as a table
    bugs.catalog("gradient_penalty")             # only the bugs of one exercise
    bugs.get_bug("per-element-norm").fix         # one entry
"""

from __future__ import annotations

import dataclasses
import functools

from . import any_exercise, distance_bugs, loss_bugs, penalty_bugs, step_bugs
from .model import ANY_EXERCISE, PRACTICE, Bug, BugCatalog

__all__ = ["Bug", "BugCatalog", "BUGS", "SOURCES", "PRACTICE", "get_bug", "catalog", "catalog_markdown", "catalog_html",
           "assemble_catalog"]

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

def assemble_catalog() -> BugCatalog:
    """The concern modules' entries and the exercise modules' own, each with every exercise it belongs to.

    :data:`BUGS` is its result, assembled once. Not called in a notebook.
    """
    from .. import exercises  # imported on use: the exercise modules import the checks, which import this package

    modules = exercises.exercise_modules()
    contracts = tuple(m.EXERCISE.name for m in modules if m.EXERCISE.follows is None)
    sharing: dict[str, list[str]] = {}
    for module in modules:
        for bug_id in module.EXERCISE.shared_bugs:
            sharing.setdefault(bug_id, []).append(module.EXERCISE.name)
    entries = [*any_exercise.ENTRIES, *penalty_bugs.ENTRIES, *loss_bugs.ENTRIES, *distance_bugs.ENTRIES,
               *step_bugs.ENTRIES]
    for module in modules:
        entries += getattr(module, "BUGS", [])
    assembled = []
    for bug in entries:
        names = contracts if bug.exercises == ANY_EXERCISE else bug.exercises
        extra = tuple(name for name in sharing.pop(bug.id, []) if name not in names)
        assembled.append(dataclasses.replace(bug, exercises=tuple(names) + extra))
    if sharing:
        raise KeyError(f"shared_bugs name ids that are not in the catalog: {sharing}")
    return BugCatalog(assembled)


@functools.cache
def _all() -> BugCatalog:
    return assemble_catalog()


def __getattr__(name: str) -> BugCatalog:
    if name == "BUGS":  # every catalogued bug, by id
        return _all()
    raise AttributeError(f"module 'course_utils.bugs' has no attribute {name!r}")


def get_bug(bug_id: str) -> Bug:
    """The catalog entry with id ``bug_id`` (KeyError, listing the known ids, if there is none). Used in notebook 06."""
    try:
        return _all()[bug_id]
    except KeyError:
        raise KeyError(f"No bug {bug_id!r} in the catalog; known ids: {', '.join(_all())}") from None


def catalog(exercise: str | None = None) -> BugCatalog:
    """The whole catalog, or the part of it that belongs to ``exercise``; displays as a table. Used in notebook 06."""
    return _all() if exercise is None else _all().for_exercise(exercise)


def catalog_markdown(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as a Markdown table. Used in notebook 06 (through the package)."""
    return catalog(exercise).to_markdown()


def catalog_html(exercise: str | None = None) -> str:
    """The catalog (or one exercise's part of it) as an HTML table. Used in notebook 06 (through the package)."""
    return catalog(exercise)._repr_html_()
