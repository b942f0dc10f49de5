"""Every ``WGAN_COURSE_*`` environment variable, in one table, read by one strict parser.

A value the course does not understand is an error that says what to write instead;
nothing is guessed. Torch-free, so the toolkit and the grader can read settings too.

    python -m course_utils.settings            # the settings table (markdown, as in the README)

Used by :mod:`course_utils.env` (quick mode, device, threads), :mod:`course_utils.widgets`,
:mod:`course_utils.image_data` and :mod:`course_utils.image_training` (notebook 08).
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass, field

__all__ = [
    "PREFIX", "QUICK", "DEVICE", "THREADS", "DATA", "DOWNLOAD", "STATIC_WIDGETS", "REPO",
    "Setting", "SETTINGS", "read", "flag", "raw", "unknown", "table", "main",
]

PREFIX = "WGAN_COURSE_"
QUICK = "WGAN_COURSE_QUICK"
DEVICE = "WGAN_COURSE_DEVICE"
THREADS = "WGAN_COURSE_THREADS"
DATA = "WGAN_COURSE_DATA"
DOWNLOAD = "WGAN_COURSE_DOWNLOAD"
STATIC_WIDGETS = "WGAN_COURSE_STATIC_WIDGETS"
REPO = "WGAN_COURSE_REPO"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_DEVICE = re.compile(r"^(cpu|mps|cuda(:\d+)?)$")


@dataclass(frozen=True)
class Setting:
    """One environment variable: its kind, what it does, and its default (``None``: decided at run time)."""

    name: str
    kind: str  # "flag", "count", "device", "path" or "url"
    example: str
    help: str
    default: object = None
    on: str = "on"
    off: str = "off"
    extra: dict = field(default_factory=dict)


SETTINGS: dict[str, Setting] = {s.name: s for s in (
    Setting(QUICK, "flag", "1", "quick mode: shorter training loops (CI uses it); every assertion still holds; "
            "sliders are replaced by fixed figures", default=False, on="quick mode", off="full mode"),
    Setting(DEVICE, "device", "cpu", "force a device (`cpu`, `cuda`, `cuda:N`, `mps`); default: the best available"),
    Setting(THREADS, "count", "2", "CPU threads for torch; default 1 on machines with fewer than 4 cores, else half "
            "the cores (at most 8). On a 2-core machine with nothing else running, `2` is about 1.5x faster"),
    Setting(DATA, "path", "/data/fashion-mnist", "a folder with the full Fashion-MNIST/MNIST `.gz` files "
            "(notebook 08); searched before the system folders and the cache"),
    Setting(DOWNLOAD, "flag", "1", "allow downloading the full image data sets when not found (default: on in Colab, "
            "off elsewhere)", on="download", off="do not download"),
    Setting(STATIC_WIDGETS, "flag", "1", "`1`: fixed figures instead of sliders, as on GitHub's viewer; `0`: sliders "
            "even in quick mode; unset: sliders except in quick mode", on="fixed figures", off="sliders"),
    Setting(REPO, "url", "https://github.com/you/your-fork", "Colab only: the repository the setup cell clones "
            "(a fork); read by the setup cell itself (`%env WGAN_COURSE_REPO=...` before it runs)"),
)}


def raw(name: str) -> str:
    """The variable's text with surrounding spaces removed ('' when unset). Not called in a notebook."""
    return os.environ.get(name, "").strip()


def _bad(setting: Setting, value: str, expected: str) -> ValueError:
    return ValueError(f"{setting.name}={value!r} is not understood; {expected} "
                      f"(or unset it: `del os.environ[{setting.name!r}]` in a notebook, `unset {setting.name}` "
                      f"in a shell).")


def read(name: str):
    """The value of the setting ``name``, parsed strictly; its default when unset.

    flag: 1/true/yes/on or 0/false/no/off -> bool; count: a positive integer; device:
    cpu, cuda, cuda:N or mps; path and url: the text. Anything else raises ``ValueError``
    saying what to write.
    Not called in a notebook.
    """
    try:
        setting = SETTINGS[name]
    except KeyError:
        raise KeyError(f"{name} is not a course setting; known: {', '.join(SETTINGS)}") from None
    value = raw(name)
    if not value:
        return setting.default
    if setting.kind == "flag":
        low = value.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise _bad(setting, value, f"set it to 1 ({setting.on}) or 0 ({setting.off})")
    if setting.kind == "count":
        if not value.isdigit() or int(value) < 1:
            raise _bad(setting, value, "set it to a positive whole number such as 1 or 2")
        return int(value)
    if setting.kind == "device":
        low = value.lower()
        if not _DEVICE.match(low):
            raise _bad(setting, value, "use 'cpu', 'cuda', 'cuda:N' or 'mps'")
        return low
    return os.path.expanduser(value) if setting.kind == "path" else value


def flag(name: str) -> bool:
    """An on/off setting as a bool (unset counts as its default, off when it has none). Not called in a notebook."""
    if SETTINGS[name].kind != "flag":
        raise TypeError(f"{name} is not an on/off setting")
    return bool(read(name))


def unknown() -> list[str]:
    """``WGAN_COURSE_*`` variables that are set but are no course setting (usually typos). Not called in a notebook."""
    return sorted(k for k in os.environ if k.startswith(PREFIX) and k not in SETTINGS)


def table() -> str:
    """The settings as a markdown table (the README's "Settings" section is this text). Not called in a notebook."""
    lines = ["| Variable | What it does |", "| --- | --- |"]
    lines += [f"| `{s.name}={s.example}` | {s.help} |" for s in SETTINGS.values()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the settings table; ``--check`` also fails on unknown or unparsable variables. Not called in a notebook."""
    argv = sys.argv[1:] if argv is None else argv
    print(table())
    if "--check" in argv:
        problems = [f"{name} is not a course setting (known: {', '.join(SETTINGS)})" for name in unknown()]
        for name in SETTINGS:
            try:
                read(name)
            except ValueError as err:
                problems.append(str(err))
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
