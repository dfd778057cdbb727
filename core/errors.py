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
    """A source cannot be read at all (missing file, wrong columns, unparseable).

    For ``openmeasure config check --deep``, which names the key of the config to fix: ``key`` is that key,
    relative to the source's entry (``path``, ``sheet``, ``columns``, ``code_mapping.path``; for the areas table,
    relative to ``geography.areas``); ``missing`` the names the config gives that the file lacks (column headers);
    ``available`` what the file has instead (its headers, sheets, resources), for a did-you-mean."""

    def __init__(self, source: str, message: str, *, file: str | None = None, row: int | None = None,
                 column: str | None = None, key: str | None = None, missing: list[str] | tuple = (),
                 available: list[str] | tuple = ()):
        self.source, self.message, self.file, self.row, self.column = source, message, file, row, column
        self.key, self.missing, self.available = key, [str(m) for m in missing], [str(a) for a in available]
        super().__init__(self._text())

    def _text(self) -> str:
        where = ", ".join(p for p in (
            f"file {self.file}" if self.file else "",
            f"row {self.row}" if self.row is not None else "",
            f"column {self.column!r}" if self.column else "",
        ) if p)
        return f"{self._subject()}: {self.message}" + (f" ({where})" if where else "")

    def _subject(self) -> str:
        return f"source {self.source!r}"

    def at_column(self, column: str) -> SourceError:
        """The same error naming another column (the file's own header instead of a logical column name)."""
        out = type(self).__new__(type(self))
        out.__dict__.update(self.__dict__, column=column)
        Exception.__init__(out, out._text())
        return out


class GeographyError(SourceError):
    """The geography's areas table (``geography.areas``) cannot be used. It is not a source: messages name it
    as the areas table, with its file, row and the file's own column header."""

    def __init__(self, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None,
                 key: str | None = None, missing: list[str] | tuple = (), available: list[str] | tuple = ()):
        super().__init__("geography.areas", message, file=file, row=row, column=column, key=key, missing=missing,
                         available=available)

    def _subject(self) -> str:
        return "the geography's areas table"


class StepFailed(OpenMeasureError):
    """A pipeline step failed; nothing was published."""

    def __init__(self, step: str, message: str):
        self.step = step
        super().__init__(f"step {step!r} failed: {message}")


class StoreError(OpenMeasureError):
    """The release store is missing, empty or inconsistent."""


class PublishedUnrecorded(OpenMeasureError):
    """The release was published (CURRENT names it), but the catalogue could not record the run's success."""

    def __init__(self, release_id: str, cause: BaseException):
        self.release_id = release_id
        super().__init__(f"release {release_id} was published (it is the current release), but the catalogue "
                         f"could not record this run: {type(cause).__name__}: {str(cause).splitlines()[0]}. The next "
                         "run records it as a run that published this release")
