"""The catalog's building blocks: one :class:`Bug`, a :class:`BugCatalog` of them, table rendering,
and the groups of exercise names that many entries share."""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

__all__ = [
    "Bug", "BugCatalog", "PRACTICE", "markdown_table", "html_table", "COLUMNS",
    "ANY_EXERCISE", "RETURNING", "LOSSES", "PENALTIES", "GP", "NORMS", "CLIP", "W1", "JS", "STEPS", "CRITIC_STEPS",
]  # fmt: skip

#: Entries written for every exercise: the catalog puts every exercise of the registry in their place.
ANY_EXERCISE = ("*",)
STEPS = ("clip_critic_step", "gp_critic_step", "generator_step")
CRITIC_STEPS = ("clip_critic_step", "gp_critic_step")
RETURNING = ("gradient_penalty", "critic_loss", "generator_loss", "wasserstein_1d", "per_sample_grad_norms",
              "one_sided_penalty", "r1_penalty", "js_divergence", *STEPS)  # fmt: skip
LOSSES = ("gradient_penalty", "critic_loss", "generator_loss")
PENALTIES = ("gradient_penalty", "one_sided_penalty", "r1_penalty")
GP = ("gradient_penalty",)
NORMS = ("gradient_penalty", "per_sample_grad_norms")
CLIP = ("clip_weights_",)
W1 = ("wasserstein_1d",)
JS = ("js_divergence",)

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
        return markdown_table([self])

    def _repr_html_(self) -> str:
        return html_table([self])


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
            from .. import exercises

            try:
                contract = exercises.get(exercise).contract
            except KeyError:
                raise KeyError(f"Unknown exercise {exercise!r}; known: {', '.join(sorted(known))}") from None
            return self.for_exercise(contract)
        return BugCatalog(b for b in self._bugs.values() if exercise in b.exercises)

    def to_markdown(self) -> str:
        """The catalog as a Markdown table."""
        return markdown_table(self._bugs.values())

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        return html_table(self._bugs.values())


COLUMNS = ("id", "title", "symptom", "why", "fix", "seen_in", "exercises")  # not_checked: see the entry


def cell(bug: Bug, column: str) -> str:
    value = getattr(bug, column)
    return ", ".join(value) if isinstance(value, tuple) else value


def markdown_table(bugs: Iterable[Bug]) -> str:
    """The catalog entries ``bugs`` as a Markdown table (one row each). Not called in a notebook."""
    rows = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for bug in bugs:
        cells = [cell(bug, c).replace("|", "\\|").replace("\n", " ") for c in COLUMNS]
        cells[0] = f"`{cells[0]}`"
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)


def html_table(bugs: Iterable[Bug]) -> str:
    """The catalog entries ``bugs`` as an HTML table, as notebooks display them. Not called in a notebook."""
    head = "".join(f"<th style='text-align:left'>{c}</th>" for c in COLUMNS)
    body = []
    for bug in bugs:
        cells = [html.escape(cell(bug, c)) for c in COLUMNS]
        cells[0] = f"<code>{cells[0]}</code>"
        body.append("<tr>" + "".join(f"<td style='text-align:left'>{c}</td>" for c in cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
