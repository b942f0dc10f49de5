"""Committed predictions for the bug clinic (notebook 06).

Each case of the clinic asks a multiple-choice question *before* the code runs. The
learner commits an answer, the run shows what happens, and only then does the notebook
print the comparison and unfold the explanation. A prediction cannot be changed once the
outcome has been shown, so the record in the notebook stays honest::

    book = PredictionBook()
    book.ask("image-norm", "Where does the slope settle?", {"a": "near 1", "b": "near 8"})
    book.commit("image-norm", "b")            # the learner's answer, before running
    ...                                       # the run
    book.reveal("image-norm", shown="b")      # prints the comparison, or asks for a prediction

Used in notebook 06.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Case", "PredictionBook", "Reveal"]


@dataclass
class Case:
    """One clinic question: its options, the committed answer and the outcome shown."""

    name: str
    question: str
    options: dict[str, str]
    prediction: str | None = None
    shown: str | None = None

    @property
    def correct(self) -> bool | None:
        """Whether the committed prediction matched the outcome (None until both exist)."""
        if self.prediction is None or self.shown is None:
            return None
        return self.prediction == self.shown


@dataclass(frozen=True)
class Reveal:
    """What :meth:`PredictionBook.reveal` decided; renders as a short text in a notebook."""

    case: str
    revealed: bool
    text: str

    def __repr__(self) -> str:
        return self.text

    def _repr_markdown_(self) -> str:
        return self.text.replace("\n", "  \n")


@dataclass
class PredictionBook:
    """The learner's committed predictions for one notebook. Used in notebook 06."""

    cases: dict[str, Case] = field(default_factory=dict)

    def _case(self, name: str) -> Case:
        if name not in self.cases:
            raise KeyError(f"No question called {name!r} was asked; known: {sorted(self.cases)}. "
                           "Run the cell that asks it first.")
        return self.cases[name]

    def ask(self, name: str, question: str, options: dict[str, str]) -> Case:
        """Register a question and print it with its options (asking again keeps the answer)."""
        if len(options) < 2 or not all(isinstance(k, str) and k for k in options):
            raise ValueError("A question needs at least two options with non-empty string keys, e.g. 'a', 'b'.")
        case = self.cases.get(name)
        if case is None or case.options != options:
            case = self.cases[name] = Case(name, question, dict(options))
        print(question)
        for key, text in options.items():
            print(f"  ({key}) {text}")
        return case

    def commit(self, name: str, prediction: str | None) -> None:
        """Record the learner's answer; ``None`` means "not yet". Refused after the outcome is shown."""
        case = self._case(name)
        if prediction is None:
            print(f"No prediction for '{name}' yet: write one of {', '.join(map(repr, case.options))} "
                  "in this cell and run it before the experiment.")
            return
        key = str(prediction).strip().strip("()").lower()
        if key not in case.options:
            raise ValueError(f"{prediction!r} is not one of the options {sorted(case.options)} for '{name}'.")
        if case.shown is not None and case.prediction != key:
            print(f"The outcome of '{name}' has already been shown, so your committed prediction stays "
                  f"({case.prediction})." if case.prediction else
                  f"The outcome of '{name}' has already been shown; a prediction made now would not be one. "
                  "It is not recorded.")
            return
        case.prediction = key
        print(f"Prediction for '{name}' recorded: ({key}) {case.options[key]}")

    def reveal(self, name: str, shown: str) -> Reveal:
        """Record what the run showed; compare it with the prediction, if one was committed first."""
        case = self._case(name)
        if shown not in case.options:
            raise ValueError(f"shown must be one of {sorted(case.options)}, got {shown!r}")
        case.shown = shown
        outcome = f"The run shows ({shown}) {case.options[shown]}."
        if case.prediction is None:
            text = (f"{outcome}\nYou did not commit a prediction for '{name}', so this one does not count. "
                    "Next time, commit first: the explanation is more useful when it answers your own guess.")
            return Reveal(name, False, text)
        verdict = "you were right" if case.correct else f"you predicted ({case.prediction}) {case.options[case.prediction]}"
        text = f"{outcome} Compared with your prediction: {verdict}.\nNow open **What happened** below."
        return Reveal(name, True, text)

    def scorecard(self) -> str:
        """One line per question: prediction, outcome, match."""
        lines = []
        for case in self.cases.values():
            mark = {True: "right", False: "different", None: "-"}[case.correct]
            lines.append(f"{case.name:22s} predicted {case.prediction or '-':3s} shown {case.shown or '-':3s} {mark}")
        right = sum(case.correct is True for case in self.cases.values())
        committed = sum(case.prediction is not None for case in self.cases.values())
        lines.append(f"{right} of {committed} committed predictions matched the run ({len(self.cases)} questions).")
        return "\n".join(lines)
