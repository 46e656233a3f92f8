"""The documents library's typed errors, so callers (services, the admin template editor, the API)
can tell a caller mistake from a bad admin-edited template from a rendering failure."""
from __future__ import annotations

from typing import Optional

__all__ = [
    "DocumentError",
    "UnknownDocumentKind",
    "UnsupportedLanguage",
    "DocumentContextError",
    "TemplateSourceError",
    "RenderError",
]


class DocumentError(Exception):
    """Base of every error this package raises."""


class UnknownDocumentKind(DocumentError, ValueError):
    """The kind is not one of ``DOCUMENT_KINDS``."""


class UnsupportedLanguage(DocumentError, ValueError):
    """The language is not one of ``LANGUAGES`` ("zh", "en")."""


class DocumentContextError(DocumentError, TypeError):
    """The context is not a mapping (or a part of it has the wrong shape to be read at all)."""


class TemplateSourceError(DocumentError):
    """A template (usually an admin-edited source) cannot be used.

    ``problem`` says which check failed: "syntax" (does not compile), "security" (the sandbox refused
    an attribute or call), "render" (failed while rendering, e.g. a filter error) or "elements" (it
    renders but drops a legally required element). ``lineno`` is the template line, when known.
    """

    def __init__(self, message: str, *, problem: str, lineno: Optional[int] = None,
                 missing: Optional[list[str]] = None) -> None:
        self.problem = problem
        self.lineno = lineno
        self.missing = list(missing or [])
        where = f" (line {lineno})" if lineno else ""
        super().__init__(f"{problem} error{where}: {message}")


class RenderError(DocumentError):
    """WeasyPrint failed to turn HTML into a PDF; the original error is chained."""
