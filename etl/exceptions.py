"""Typed errors that carry what a user needs to fix the input.

The CLI turns each of these into a one-paragraph message (no traceback); the web app into an HTTP error.
"""

from __future__ import annotations


class OpenMeasureError(Exception):
    """Base class: every error a user can act on."""


class ConfigError(OpenMeasureError):
    """config.yaml is invalid. ``problems`` lists ``path: message`` lines, e.g.
    ``indicators[3].denominator: unknown measure 'popultion'; did you mean 'population'?``."""

    def __init__(self, problems: list[str], file: str | None = None):
        self.problems = problems
        self.file = file
        where = f"{file}: " if file else ""
        super().__init__(f"{where}invalid configuration\n" + "\n".join(f"  {p}" for p in problems))


class TransientError(OpenMeasureError):
    """Raise (or chain) this from a source to mark a failure as worth retrying (a server answering 5xx)."""


class SourceError(OpenMeasureError):
    """A source cannot be read at all (missing file, wrong columns, unparseable)."""

    def __init__(self, source: str, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None):
        self.source, self.file, self.row, self.column = source, file, row, column
        where = ", ".join(
            p for p in (
                f"file {file}" if file else "",
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            ) if p
        )
        super().__init__(f"source {source!r}: {message}" + (f" ({where})" if where else ""))


class StepFailed(OpenMeasureError):
    """A pipeline step failed; nothing was published."""

    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(f"step {step!r} failed: {message}")


class StoreError(OpenMeasureError):
    """The release store is missing, empty or inconsistent."""
