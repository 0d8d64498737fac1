"""Errors a user can act on: one line naming the file, the line when known, and the problem."""

from __future__ import annotations

import re
from pathlib import Path

# A message stays one line even when it quotes input (a feed entry's link) or a library's
# message (PyYAML's reader errors) that holds line breaks.
_BREAKS = re.compile(r"\s*[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+\s*")


class InputError(Exception):
    """Bad input: rejected with a one-line message, nothing already stored is touched."""

    def __init__(self, source: str | Path, problem: str, line: int | None = None) -> None:
        self.source = str(source)
        self.problem = problem
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return _BREAKS.sub(" ", f"{where}: {self.problem}")
