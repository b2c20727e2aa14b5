"""Exception and warning classes of kcdc_hep.

Every error a user can provoke is a subclass of :class:`KcdcError`, so a caller (and the command line) can catch
them all at once, and each message says *what* was wrong, *where* (file, line, field) and *what to do*.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ArgumentError",
    "CorruptFileError",
    "EmptyFileError",
    "ExerciseError",
    "FitError",
    "KcdcError",
    "KcdcWarning",
    "MalformedRowError",
    "MissingColumnError",
    "MissingDependencyError",
    "MissingFileError",
    "OutputExistsError",
    "SchemaError",
    "UnknownFormatError",
    "UnknownPrimaryWarning",
    "UnsafeZipError",
    "UnsupportedFieldError",
    "closest_first",
]


class KcdcError(Exception):
    """Base class of every error kcdc_hep raises on bad input or a bad request."""


class KcdcWarning(UserWarning):
    """Base class of kcdc_hep's warnings."""


class UnknownPrimaryWarning(KcdcWarning):
    """A primary-particle code is not in :data:`kcdc_hep.schema.PRIMARIES`; the event is kept, code as given."""


class MissingFileError(KcdcError, FileNotFoundError):
    """The input file (or zip member) does not exist."""


class UnknownFormatError(KcdcError, ValueError):
    """The content of a file matches none of the formats kcdc_hep reads."""


class EmptyFileError(KcdcError, ValueError):
    """The file holds no header or no events."""


class MissingColumnError(KcdcError, KeyError):
    """A required column or field is absent; the message lists what is there, closest first."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MalformedRowError(KcdcError, ValueError):
    """A row of a text file cannot be parsed; the message gives file:line and the offending text."""


class CorruptFileError(KcdcError, OSError):
    """A ROOT (or Parquet, or zip) file is truncated or corrupt."""


class UnsafeZipError(KcdcError, ValueError):
    """A zip member path is absolute or climbs out with ``..``; kcdc_hep refuses to read it."""


class OutputExistsError(KcdcError, FileExistsError):
    """The output exists and ``overwrite`` was not requested."""


class UnsupportedFieldError(KcdcError, TypeError):
    """A field cannot be written to the chosen format (for example per-station lists to CSV)."""


class SchemaError(KcdcError, ValueError):
    """Events do not fit the event model (wrong unit range, wrong type, unknown field, not event records)."""


class ArgumentError(KcdcError, ValueError):
    """A function or command was called with an option it cannot take (a bad ``workers=``, ``bins=``, mode, ...)."""


class FitError(KcdcError, RuntimeError):
    """A fit cannot be set up or did not converge."""


class ExerciseError(KcdcError, ValueError):
    """An exercise check was asked about something it does not know."""


class MissingDependencyError(KcdcError, ImportError):
    """An optional package (ROOT, dask, ...) is needed; the message gives the install command."""


def closest_first(wanted: str, available: Iterable[str]) -> list[str]:
    """Sort ``available`` names by similarity to ``wanted`` (case-insensitive), closest first.

    >>> closest_first("lgne", ["lgE", "lgNmu", "lgNe"])[0]
    'lgNe'
    """
    names = list(available)
    key = wanted.lower()

    def score(name: str) -> float:
        return difflib.SequenceMatcher(None, key, name.lower()).ratio()

    return sorted(names, key=score, reverse=True)
