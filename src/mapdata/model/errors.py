"""The root of mapdata's exceptions, and problems found in scenario data (file, record and field).

Every error mapdata raises on purpose is a :class:`MapdataError`: the store's (:mod:`mapdata.store.errors`),
the scenario's (:class:`ScenarioError`, and an import's :class:`mapdata.exchange.ImportRefused`), a report's
(:class:`mapdata.text.extract.ExtractError`, :class:`mapdata.text.review.ReviewError`), a synthetic scenario's
(:class:`mapdata.synth.SynthError`) and a JSON file's (:class:`mapdata.model.load.JsonTooDeep`). A caller that shows
errors to people catches this one class; anything else is a bug.
"""

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


class MapdataError(Exception):
    """Something mapdata refuses or cannot do, said in words meant for the person who asked."""


class ScenarioError(MapdataError):
    """The scenario cannot be used; ``problems`` says every reason found."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        head = f"{count} problem{'s' if count != 1 else ''} in the scenario data"
        super().__init__(head + ":\n" + "\n".join(f"- {p}" for p in self.problems))
