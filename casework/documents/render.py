"""Render legal documents: sandboxed Jinja2 to HTML, WeasyPrint to PDF/A-3u.

Templates live in ``templates/documents/<kind>.<lang>.html``; admins will edit versions stored in
the database, so any template may be an untrusted source string. Those run in Jinja's immutable
sandbox (no ``__class__``/``__mro__`` walks, no mutating calls) with autoescaping, and
``validate_template_source`` refuses one that does not compile, trips the sandbox, fails to render
the sample or drops a required element. Every document reserves ``SIGNATURE_BOX`` on its last page
for the visible signature stamp the signer adds.
"""
from __future__ import annotations

import threading
import traceback
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Optional

from jinja2 import ChainableUndefined, FileSystemLoader, TemplateError, TemplateSyntaxError, meta, nodes, pass_context
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from casework.documents.citations import deposits_relied_on
from casework.documents.elements import elements_for, missing_in_rendered
from casework.documents.errors import (
    DocumentContextError, RenderError, TemplateSourceError, UnsupportedLanguage,
)
from casework.documents.qr import qr_data_uri
from casework.documents.values import format_date, format_datetime, format_size

__all__ = [
    "LANGUAGES", "TEMPLATE_DIR", "PageGeometry", "PAGE", "SIGNATURE_BOX", "SIGNATURE_PAGE", "RESERVED_NAMES",
    "template_name", "template_source", "render_html", "validate_template_source", "render_pdf", "render_document",
]

LANGUAGES = ("zh", "en")
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "templates" / "documents"
RESERVED_NAMES = frozenset({"lang", "kind", "deposits", "verification_qr", "page", "draft"})
MAX_SOURCE_CHARS = 200_000  # an admin template is a page of HTML, not a megabyte


@dataclass(frozen=True)
class PageGeometry:
    """A4 page and the signature box, in PDF points (1/72 in; CSS ``pt`` is the same unit)."""
    width: float = 595.2756  # 210 mm
    height: float = 841.8898  # 297 mm
    margin_top: float = 72.0
    margin_right: float = 56.0
    margin_bottom: float = 64.0
    margin_left: float = 56.0
    signature_width: float = 220.0
    signature_height: float = 90.0
    signature_gap: float = 12.0  # clear space between the last line of text and the box

    @property
    def reserve_height(self) -> float:
        return self.signature_height + self.signature_gap

    @property
    def signature_box(self) -> tuple[float, float, float, float]:
        """(x1, y1, x2, y2), origin bottom-left: bottom-right corner of the content area."""
        x2 = round(self.width - self.margin_right, 2)
        y1 = self.margin_bottom
        return (round(x2 - self.signature_width, 2), y1, x2, y1 + self.signature_height)


PAGE = PageGeometry()
#: Where the signer puts the visible stamp: pyHanko ``SigFieldSpec(box=SIGNATURE_BOX,
#: on_page=SIGNATURE_PAGE)``. Nothing else is drawn there on the last page.
SIGNATURE_BOX: tuple[float, float, float, float] = PAGE.signature_box  # (319.28, 64.0, 539.28, 154.0)
SIGNATURE_PAGE = -1  # the last page


def template_name(kind: str, lang: str) -> str:
    """The file name of a kind's template in ``TEMPLATE_DIR``; checks both arguments."""
    elements_for(kind)  # raises UnknownDocumentKind
    if lang not in LANGUAGES:
        raise UnsupportedLanguage(f"unsupported language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    return f"{kind}.{lang}.html"


def template_source(kind: str, lang: str) -> str:
    """The shipped template's source: what an admin's first edited version starts from."""
    return (TEMPLATE_DIR / template_name(kind, lang)).read_text(encoding="utf-8")


@pass_context
def _date(ctx: Context, value: Any, lang: Optional[str] = None) -> str:
    return format_date(value, lang or ctx.get("lang", "en"))


@pass_context
def _datetime(ctx: Context, value: Any, lang: Optional[str] = None) -> str:
    return format_datetime(value, lang or ctx.get("lang", "en"))


class _DocumentSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, but an unsafe attribute is an error at once.

    Jinja's default returns an Undefined that only fails when used, and with ChainableUndefined
    ``{{ ''.__class__.__mro__ }}`` would print nothing: the admin who wrote it would never learn.
    """

    def unsafe_undefined(self, obj: Any, attribute: str) -> Any:
        raise SecurityError(f"access to attribute {attribute!r} of a {type(obj).__name__!r} object is not allowed")


@lru_cache(maxsize=1)
def _environment() -> ImmutableSandboxedEnvironment:
    """One environment per process, so compiled file templates are cached across renders."""
    env = _DocumentSandbox(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=ChainableUndefined,  # a draft may lack parts; missing_elements is the gate
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.filters.update(date=_date, datetime=_datetime, size=format_size, qr=qr_data_uri)
    env.globals["page"] = PAGE
    return env


def _lineno(exc: BaseException, filename: str) -> Optional[int]:
    """The template line of an error raised while rendering (Jinja rewrites the traceback)."""
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    return lines[-1] if lines else getattr(exc, "lineno", None)


def _variables(kind: str, lang: str, context: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(context, Mapping):
        raise DocumentContextError(f"context must be a mapping, not {type(context).__name__}")
    url = context.get("verification_url")
    return {**context, "lang": lang, "kind": kind, "deposits": deposits_relied_on(kind, context),
            "verification_qr": qr_data_uri(url) if isinstance(url, str) else "",
            "draft": bool(context.get("draft"))}


def render_html(kind: str, lang: str, context: Mapping[str, Any], source: Optional[str] = None) -> str:
    """The document as self-contained HTML (styles and QR inline), from the file or ``source``.

    Raises TemplateSourceError (with ``problem`` and ``lineno``) when the template is bad, and the
    usual UnknownDocumentKind / UnsupportedLanguage / DocumentContextError for bad arguments.
    """
    name = template_name(kind, lang)
    env = _environment()
    filename = "<template>" if source is not None else str(TEMPLATE_DIR / name)
    try:
        if source is not None:
            if len(source) > MAX_SOURCE_CHARS:
                raise TemplateSourceError(f"template is longer than {MAX_SOURCE_CHARS} characters", problem="syntax")
            template = env.from_string(source)
        else:
            template = env.get_template(name)
        return template.render(_variables(kind, lang, context))
    except TemplateSyntaxError as exc:
        raise TemplateSourceError(exc.message or str(exc), problem="syntax", lineno=exc.lineno) from exc
    except SecurityError as exc:
        raise TemplateSourceError(f"not allowed in a document template: {exc}", problem="security",
                                  lineno=_lineno(exc, filename)) from exc
    except (TemplateError, TypeError, ValueError, KeyError, AttributeError, ArithmeticError) as exc:
        if isinstance(exc, TemplateSourceError):
            raise
        raise TemplateSourceError(f"{type(exc).__name__}: {exc}", problem="render",
                                  lineno=_lineno(exc, filename)) from exc


def validate_template_source(kind: str, lang: str, source: str,
                             context: Optional[Mapping[str, Any]] = None) -> list[str]:
    """Check an admin-edited template before it is saved; returns warnings, raises on errors.

    Renders it against ``context`` (default: the sample for this kind and language), so sandbox
    violations and render failures surface now, not on a letter; then checks the output still shows
    every required element. Warnings name top-level variables the schema does not know (typos).
    """
    from casework.documents.samples import sample_context  # samples import nothing from here

    if not isinstance(source, str):
        raise DocumentContextError("template source must be a string")
    sample = context if context is not None else sample_context(kind, lang)
    env = _environment()
    try:
        parsed = env.parse(source)
    except TemplateSyntaxError as exc:
        raise TemplateSourceError(exc.message or str(exc), problem="syntax", lineno=exc.lineno) from exc
    rendered = render_html(kind, lang, sample, source=source)
    missing = missing_in_rendered(kind, sample, rendered, lang)
    if missing:
        raise TemplateSourceError("the template leaves out required elements: " + ", ".join(missing),
                                  problem="elements", missing=missing)
    known = set(sample) | RESERVED_NAMES | set(env.globals) | _declared_names(parsed)
    return [f"unknown variable {name!r}" for name in sorted(meta.find_undeclared_variables(parsed) - known)]


def _declared_names(parsed: nodes.Template) -> set[str]:
    """Names a template binds itself ({% import ... as m %}, {% set %}, {% from ... import %}),
    which ``meta.find_undeclared_variables`` reports as undeclared inside blocks."""
    names = {node.target for node in parsed.find_all(nodes.Import)}
    for node in parsed.find_all(nodes.FromImport):
        names.update(alias if isinstance(alias, str) else alias[1] for alias in node.names)
    for node in parsed.find_all((nodes.Assign, nodes.AssignBlock)):
        names.update(n.name for n in node.target.find_all(nodes.Name))
        if isinstance(node.target, nodes.Name):
            names.add(node.target.name)
    return names


_local = threading.local()


def _font_config() -> Any:
    """WeasyPrint's font configuration, kept per thread (it holds a fontconfig handle and caches
    the faces it has loaded, so reusing it saves work; it is not documented as thread-safe)."""
    config = getattr(_local, "font_config", None)
    if config is None:
        from weasyprint.text.fonts import FontConfiguration
        config = _local.font_config = FontConfiguration()
    return config


def _inline_only_fetcher():
    """WeasyPrint's resource loader, limited to data: URLs: documents and reports are self-contained, and
    anything else (file:// attachments or images, http to internal addresses) would let a template read the
    server's files into a signed PDF or reach the network past the outbound guard."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols=("data",), allow_redirects=False)


def render_pdf(html: str, *, base_url: Optional[str] = None) -> bytes:
    """PDF/A-3u bytes of ``html``, every font embedded (subset); RenderError if WeasyPrint fails.

    ``base_url`` resolves relative links and images; documents from ``render_html`` need none.
    """
    import weasyprint  # heavy import, only where PDFs are made

    if not isinstance(html, str) or not html.strip():
        raise RenderError("nothing to render: empty HTML")
    try:
        document = weasyprint.HTML(string=html, base_url=base_url, url_fetcher=_inline_only_fetcher()).render(
            font_config=_font_config())
        return document.write_pdf(pdf_variant="pdf/a-3u")
    except Exception as exc:  # WeasyPrint raises many types; the caller needs one
        raise RenderError(f"PDF rendering failed: {type(exc).__name__}: {exc}") from exc


def render_document(kind: str, lang: str, context: Mapping[str, Any], source: Optional[str] = None) -> bytes:
    """``render_pdf(render_html(...))``: the PDF a service stores and then signs."""
    return render_pdf(render_html(kind, lang, context, source))
