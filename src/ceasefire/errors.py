"""Errors a user can act on: one line naming the file, the line when known, and the problem."""

from __future__ import annotations

from pathlib import Path


class InputError(Exception):
    """Bad input: rejected with a one-line message, nothing already stored is touched."""

    def __init__(self, source: str | Path, problem: str, line: int | None = None) -> None:
        self.source = str(source)
        self.problem = problem
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.problem}"
