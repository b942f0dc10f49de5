"""docs/CONTRACT.md and the exercise modules tell the same story (course_tools.contract)."""

from __future__ import annotations

import re

import pytest

from course_tools import contract
from course_tools.paths import CONTRACT
from course_utils import exercises


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_generated_section_is_current():
    text = CONTRACT.read_text(encoding="utf-8")
    assert contract.render(text) == text, "docs/CONTRACT.md is stale: run python -m course_tools contract"
    assert contract.main(["--check"]) == 0


def test_every_exercise_has_its_entry_and_the_hand_kept_part_is_untouched():
    text = CONTRACT.read_text(encoding="utf-8")
    hand, generated = text.split(contract.BEGIN)
    assert "## Contracts (keep these exactly)" in hand and "### Grading" in hand
    for name, ex in exercises.EXERCISES.items():
        assert f"### `{name}` (notebook {ex.notebook})" in generated
        assert _squash(ex.spec) in _squash(generated)


def test_module_contracts_copy_the_design_documents_words():
    hand = CONTRACT.read_text(encoding="utf-8").split(contract.BEGIN)[0]
    bullets = re.findall(r"^- (`(\w+)\(.*?)(?=^- |^###|^\Z)", hand, flags=re.M | re.S)
    copied = {name: _squash(body) for body, name in bullets if name in exercises.EXERCISES}
    assert len(copied) >= 9, sorted(copied)
    for name, body in copied.items():
        assert _squash(exercises.get(name).spec) == body, f"{name}: its module's spec differs from docs/CONTRACT.md"


def test_check_reports_a_stale_file(tmp_path, capsys):
    stale = tmp_path / "CONTRACT.md"
    stale.write_text(CONTRACT.read_text(encoding="utf-8").replace("### `r1_penalty` (notebook 09)", "### `r1`"))
    assert contract.main(["--check", "--path", str(stale)]) == 1
    assert "stale" in capsys.readouterr().out
    assert contract.main(["--path", str(stale)]) == 0
    assert stale.read_text() == CONTRACT.read_text(encoding="utf-8")


@pytest.mark.parametrize("head", ["# Contracts\n", "# Contracts\n\n" + contract.BEGIN + "\nOUTDATED\n" + contract.END + "\n"])
def test_render_appends_or_replaces(head):
    out = contract.render(head)
    assert out.startswith("# Contracts\n\n" + contract.BEGIN) and out.count(contract.BEGIN) == 1 and "OUTDATED" not in out


def test_render_keeps_what_follows_the_generated_section_and_refuses_a_lost_end_marker(capsys, tmp_path):
    text = "# C\n\n" + contract.BEGIN + "\nold\n" + contract.END + "\n\n## Written after it\n"
    out = contract.render(text)
    assert out.endswith(contract.END + "\n\n## Written after it\n") and "\nold\n" not in out
    broken = tmp_path / "CONTRACT.md"
    broken.write_text("# C\n\n" + contract.BEGIN + "\nold\n")
    assert contract.main(["--path", str(broken)]) == 2
    assert "end marker" in capsys.readouterr().err
    assert broken.read_text().endswith("old\n"), "a file without its end marker is left alone"
