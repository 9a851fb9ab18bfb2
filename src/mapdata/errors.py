"""Problems found in scenario data, reported with file, record and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data, located precisely enough to fix it."""

    file: str
    record: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.record:
            where += f", {self.record}"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """The scenario cannot be used; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario data"
        super().__init__(head + ":\n" + "\n".join(f"- {p}" for p in self.problems))
