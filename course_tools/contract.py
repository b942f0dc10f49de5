"""``docs/CONTRACT.md``: its last section is written from the exercise registry, so it cannot drift.

The exercise modules (``course_utils/exercises/<name>.py``) hold each exercise's contract text
(``spec``); this tool writes them, with where each exercise lives, between two markers at the
end of ``docs/CONTRACT.md``. Everything above the markers is the design document's section 4,
kept by hand and unchanged::

    python -m course_tools contract           # rewrite the generated section
    python -m course_tools contract --check   # exit 1 if it is stale (CI runs this through the tests)
"""

from __future__ import annotations

from pathlib import Path

from .cli import fail, parser, report
from .paths import CONTRACT

__all__ = ["BEGIN", "END", "generated_section", "render", "main"]

BEGIN = "<!-- BEGIN GENERATED: python -m course_tools contract (from course_utils/exercises/) -->"
END = "<!-- END GENERATED -->"


def generated_section() -> str:
    """The generated part: one entry per exercise of the registry, in notebook order."""
    from course_utils import exercises

    lines = [BEGIN, "", "## Every exercise, from its module", "",
             "Written from `course_utils/exercises/<name>.py` (do not edit here; edit the module and run",
             "`python -m course_tools contract`). `checks.check_<name>` finds every check, wherever it is kept.", ""]
    for ex in exercises.EXERCISES.values():
        ref = ex.reference
        check = ex.check
        lines += [
            f"### `{ex.name}` (notebook {ex.notebook})",
            f"- module: `course_utils/exercises/{ex.name}.py`"
            + (f"; a fixed variant of `{ex.follows}`" if ex.follows else ""),
            f"- reference: `{ref.__module__}.{ref.__name__}`; check: `{check.__module__}.{check.__name__}`",
            f"- catalog ids the check reports: {', '.join(f'`{b}`' for b in ex.bugs)}",
            "",
            ex.spec.strip(),
            "",
        ]
    lines.append(END)
    return "\n".join(lines) + "\n"


def render(text: str) -> str:
    """``text`` (the file's content) with its generated section replaced (or appended); text after it is kept."""
    head, _, rest = text.partition(BEGIN)
    tail = rest.partition(END)[2].lstrip("\n") if rest else ""
    if rest and END not in rest:
        raise ValueError(f"{BEGIN} has no {END} after it: restore the end marker, then run the command again")
    return head.rstrip() + "\n\n" + generated_section() + ("\n" + tail if tail else "")


def main(argv: list[str] | None = None) -> int:
    """``python -m course_tools contract [--check]``. Not called in a notebook."""
    args_parser = parser("contract", __doc__)
    args_parser.add_argument("--check", action="store_true", help="only report whether the generated section is stale")
    args_parser.add_argument("--path", type=Path, default=CONTRACT, help="the contract file (default docs/CONTRACT.md)")
    args = args_parser.parse_args(argv)
    text = args.path.read_text(encoding="utf-8")
    try:
        wanted = render(text)
    except ValueError as error:
        return fail(error)
    if args.check:
        stale = [f"{args.path}: the generated section is stale"] if wanted != text else []
        return report(stale, "Run: python -m course_tools contract")
    if wanted != text:
        args.path.write_text(wanted, encoding="utf-8")
        print(f"wrote {args.path}")
    return 0
