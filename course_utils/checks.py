"""Self-checks for the exercise functions (the contract of COURSE.md, section 4).

Each ``check_*`` function takes a learner's function and returns a
:class:`CheckResult`. A check never raises because the learner's code raised:
the exception becomes the finding.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field


@dataclass
class CheckResult:
    """The outcome of a self-check.

    ``passed`` says whether the function behaved correctly, ``bug`` is the id of
    the recognised mistake from :mod:`course_utils.bugs` (or None), and
    ``message`` says what is wrong and where to look.
    """

    name: str
    passed: bool
    bug: str | None
    message: str
    details: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"[PASS] {self.name}" if self.passed else f"[FAIL] {self.name}"
        if self.bug:
            head += f"  (bug: {self.bug})"
        lines = [head, self.message, *(f"  - {d}" for d in self.details)]
        return "\n".join(line for line in lines if line)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour, mark = ("#1a7f37", "&#10004;") if self.passed else ("#cf222e", "&#10008;")
        bug = f" <code>{html.escape(self.bug)}</code>" if self.bug else ""
        details = "".join(f"<li>{html.escape(d)}</li>" for d in self.details)
        return (
            f'<div style="border-left:4px solid {colour};padding:4px 10px;margin:4px 0">'
            f'<b style="color:{colour}">{mark} {html.escape(self.name)}</b>{bug}<br>'
            f'<span style="white-space:pre-wrap">{html.escape(self.message)}</span>'
            + (f"<ul>{details}</ul>" if details else "")
            + "</div>"
        )
