"""SafeCite's errors, one tree under `SafeCiteError`. Every message is written
to be shown to a user as it is: the CLIs, the page and the API print
`str(error)`, never a traceback.

    SafeCiteError
    ├── LoadError         a file could not be read (names the file and the reason)
    ├── ConfigError       a setting (argument, environment variable) is unusable
    ├── QueryError        a question's filter, job or field is unknown
    ├── IndexStateError   the index folder is missing, damaged or of another plan
    ├── IngestLockedError another ingest holds the index folder (or the index in Milvus)
    └── AccessError       the user's role may not do this (or no valid sign-in)
"""
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


class QueryError(SafeCiteError, ValueError):
    """What a caller asked with is not usable: an unknown filter, job, field or
    language. Also a ValueError, as a bad argument is."""


class IndexStateError(SafeCiteError):
    """The index folder is missing, damaged, or was built with another model or format."""


class IngestLockedError(SafeCiteError):
    """Another ingest holds the index folder's lock, or the lease of an index shared through Milvus."""


class AccessError(SafeCiteError):
    """The signed-in user (or API key) may not do what was asked, or no valid
    sign-in was given where accounts exist."""
