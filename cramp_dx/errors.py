"""Errors the CLI and GUI show to a person: each names what is wrong and what is accepted."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem with some input: `path` names the field (a JSON path such as
    `labs[1].value`, or a form field), `message` says what is wrong and what is accepted."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class CrampDxError(Exception):
    """Base of every error meant for the user (exit status 2, no traceback)."""


class InputError(CrampDxError):
    """Bad input: carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem] | Problem | str) -> None:
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class KnowledgeError(CrampDxError):
    """The knowledge base in resources/ is invalid; names the file and key."""
