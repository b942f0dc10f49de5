"""Tests for course_utils.clinic (the committed predictions of notebook 06)."""

import pytest

from course_utils.clinic import PredictionBook

OPTIONS = {"a": "near 1", "b": "near 8"}


def test_commit_then_reveal_compares(capsys):
    book = PredictionBook()
    book.ask("q", "Where?", OPTIONS)
    book.commit("q", "(B)")
    result = book.reveal("q", shown="b")
    assert result.revealed and "you were right" in result.text
    assert book.cases["q"].correct is True
    assert "1 of 1 committed" in book.scorecard()


def test_wrong_prediction_is_reported():
    book = PredictionBook()
    book.ask("q", "Where?", OPTIONS)
    book.commit("q", "a")
    result = book.reveal("q", shown="b")
    assert result.revealed and "you predicted (a)" in result.text
    assert book.cases["q"].correct is False


def test_no_prediction_does_not_count(capsys):
    book = PredictionBook()
    book.ask("q", "Where?", OPTIONS)
    book.commit("q", None)
    assert "No prediction" in capsys.readouterr().out
    result = book.reveal("q", shown="a")
    assert not result.revealed and "does not count" in result.text
    assert "0 of 0 committed" in book.scorecard()


def test_prediction_cannot_change_after_outcome(capsys):
    book = PredictionBook()
    book.ask("q", "Where?", OPTIONS)
    book.commit("q", "a")
    book.reveal("q", shown="b")
    book.commit("q", "b")
    assert book.cases["q"].prediction == "a"
    assert "stays (a)" in capsys.readouterr().out
    book2 = PredictionBook()
    book2.ask("q", "Where?", OPTIONS)
    book2.reveal("q", shown="b")
    book2.commit("q", "b")
    assert book2.cases["q"].prediction is None


def test_asking_again_keeps_the_answer():
    book = PredictionBook()
    book.ask("q", "Where?", OPTIONS)
    book.commit("q", "a")
    book.ask("q", "Where?", OPTIONS)
    assert book.cases["q"].prediction == "a"


def test_bad_input_gets_clear_errors():
    book = PredictionBook()
    with pytest.raises(KeyError, match="Run the cell that asks it"):
        book.commit("nope", "a")
    book.ask("q", "Where?", OPTIONS)
    with pytest.raises(ValueError, match="not one of the options"):
        book.commit("q", "z")
    with pytest.raises(ValueError, match="shown must be one of"):
        book.reveal("q", shown="z")
    with pytest.raises(ValueError, match="at least two options"):
        book.ask("r", "?", {"a": "only"})
