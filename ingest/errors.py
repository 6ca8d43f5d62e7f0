"""SafeCite's errors. Every message is written to be shown to a user as it is:
the CLIs and the page print `str(error)`, never a traceback."""
from __future__ import annotations


class SafeCiteError(Exception):
    """Base of every error SafeCite raises on purpose."""


class LoadError(SafeCiteError):
    """A file could not be read into a Document. Names the file and the reason."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class ConfigError(SafeCiteError):
    """A setting (argument, environment variable) has an unusable value."""


class IndexStateError(SafeCiteError):
    """The index folder is missing, damaged, or was built with another model or format."""


class IngestLockedError(SafeCiteError):
    """Another ingest holds the index folder's lock."""
