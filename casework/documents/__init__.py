"""Legal documents: what each kind must contain, and rendering to HTML and PDF/A-3u.

A library with no Flask import (like ``signing/``): the documents service builds a context
(``schema``), gates approval on ``missing_elements``, renders with ``render_document`` and hands the
PDF to the signer, which stamps inside ``SIGNATURE_BOX`` on the last page.
"""
from casework.documents.citations import DepositRow, deposits_relied_on
from casework.documents.elements import (
    DOCUMENT_KINDS, ELEMENTS, Element, elements_for, missing_elements, missing_in_rendered,
)
from casework.documents.errors import (
    DocumentContextError, DocumentError, RenderError, TemplateSourceError, UnknownDocumentKind,
    UnsupportedLanguage,
)
from casework.documents.render import (
    LANGUAGES, PAGE, SIGNATURE_BOX, SIGNATURE_PAGE, render_document, render_html, render_pdf,
    template_source, validate_template_source,
)
from casework.documents.statements import standard_statement

__all__ = [
    "DOCUMENT_KINDS", "LANGUAGES", "ELEMENTS", "Element", "elements_for", "missing_elements",
    "missing_in_rendered", "DepositRow", "deposits_relied_on", "render_html", "render_pdf",
    "render_document", "template_source", "validate_template_source", "standard_statement",
    "PAGE", "SIGNATURE_BOX", "SIGNATURE_PAGE", "DocumentError", "UnknownDocumentKind",
    "UnsupportedLanguage", "DocumentContextError", "TemplateSourceError", "RenderError",
]
