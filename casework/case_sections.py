"""Extension points of the case views, so other domains add to a case without editing its code.

JSON (`GET /api/v1/cases/<id>`): a section is a function (case, user) -> JSON, added under its name:

    from casework.case_sections import json_section

    @json_section("documents")
    def documents(case, user):
        return [document_json(d) for d in ...]

The detail page: a section is a template included in the page, with a context function
(case, user) -> dict (or None to leave the section out for this user):

    from casework.case_sections import page_section

    page_section("documents/_case_section.html", order=20,
                 context=lambda case, user: {"documents": ...})

Sections are computed only for a user who may see the case; each decides what that user may see
of its own records (counsel and creators get what their policy allows).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

SectionFn = Callable[[Any, Any], Any]
# API.md promises these keys in every case; until their domain registers them they are empty lists.
DEFAULT_JSON_SECTIONS = ("documents", "evidence", "takedowns", "litigation")
JSON_SECTIONS: dict[str, SectionFn] = {}


def json_section(name: str):
    def decorate(fn: SectionFn) -> SectionFn:
        JSON_SECTIONS[name] = fn
        return fn

    return decorate


def json_sections(case, user) -> dict[str, Any]:
    out: dict[str, Any] = {name: [] for name in DEFAULT_JSON_SECTIONS}
    for name, fn in JSON_SECTIONS.items():
        out[name] = fn(case, user)
    return out


@dataclass(frozen=True)
class PageSection:
    template: str
    order: int = 50
    context: Optional[Callable[[Any, Any], Optional[dict]]] = None


PAGE_SECTIONS: list[PageSection] = []


def page_section(template: str, *, order: int = 50, context: Optional[Callable[[Any, Any], Optional[dict]]] = None):
    """Add a template to the case detail page; replaces an earlier registration of the same template."""
    PAGE_SECTIONS[:] = [s for s in PAGE_SECTIONS if s.template != template]
    section = PageSection(template, order, context)
    PAGE_SECTIONS.append(section)
    return section


def page_sections(case, user) -> list[tuple[str, dict]]:
    """(template, context) for each section this user gets, in order."""
    out = []
    for section in sorted(PAGE_SECTIONS, key=lambda s: (s.order, s.template)):
        ctx = section.context(case, user) if section.context else {}
        if ctx is not None:
            out.append((section.template, ctx))
    return out
