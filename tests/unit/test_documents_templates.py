"""Rendering HTML: the sandbox, template errors with line numbers, escaping, and the shipped
templates' own rules (lang="zh-CN", no line break between Chinese characters, every element shown)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from casework.documents import (
    DOCUMENT_KINDS, LANGUAGES, TemplateSourceError, UnknownDocumentKind, UnsupportedLanguage,
    missing_in_rendered, render_html, template_source, validate_template_source,
)
from casework.documents.qr import qr_data_uri
from casework.documents.render import TEMPLATE_DIR
from casework.documents.samples import sample_context

CJK = "\u3400-\u9fff\u3000-\u303f\uff00-\uffef"


@pytest.mark.parametrize("source,problem,lineno", [
    ("{{ ''.__class__.__mro__ }}", "security", 1),
    ("<p>\n{{ works.__class__ }}</p>", "security", 2),
    ("<p>\n\n{{ works.append(1) }}</p>", "security", 3),
    ("{{ lipsum.__globals__ }}", "security", 1),
    ("<p>ok</p>\n{% for w in works %}\n{{ w.title }}\n", "syntax", 3),
    ("line one\n{{ issuer.name | no_such_filter }}", "syntax", 2),
    ("<p>\n{{ 1 / 0 }}</p>", "render", 2),
])
def test_bad_sources_give_a_clear_error_with_a_line(source: str, problem: str, lineno: int) -> None:
    with pytest.raises(TemplateSourceError) as caught:
        render_html("cease_desist", "en", sample_context("cease_desist", "en"), source=source)
    assert caught.value.problem == problem
    assert caught.value.lineno == lineno
    assert f"(line {lineno})" in str(caught.value)


def test_values_are_escaped() -> None:
    ctx = sample_context("cease_desist", "en")
    ctx["recipient"]["name"] = "<script>alert(1)</script>"
    html = render_html("cease_desist", "en", ctx)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_a_source_string_can_extend_the_shared_layout() -> None:
    source = '{% extends "_layout.html" %}{% block content %}<h1>{{ file_number }}</h1>{% endblock %}'
    html = render_html("cease_desist", "zh", sample_context("cease_desist", "zh"), source=source)
    assert "<h1>（2026）明理函字第0117号</h1>" in html and 'id="signature-box"' in html


def test_unknown_kind_and_language() -> None:
    with pytest.raises(UnknownDocumentKind):
        render_html("invoice", "en", {})
    with pytest.raises(UnsupportedLanguage):
        render_html("cease_desist", "fr", {})


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_shipped_templates_validate_and_show_every_element(kind: str, lang: str) -> None:
    assert validate_template_source(kind, lang, template_source(kind, lang)) == []
    ctx = sample_context(kind, lang)
    html = render_html(kind, lang, ctx)
    assert missing_in_rendered(kind, ctx, html, lang) == []
    assert f'<html lang="{"zh-CN" if lang == "zh" else "en"}">' in html
    assert qr_data_uri(ctx["verification_url"]) in html


def test_validation_refuses_a_template_that_drops_a_statement() -> None:
    source = template_source("takedown_notice_us", "en").replace("{{ good_faith_statement }}", "")
    with pytest.raises(TemplateSourceError) as caught:
        validate_template_source("takedown_notice_us", "en", source)
    assert caught.value.problem == "elements" and caught.value.missing == ["good_faith_statement"]


def test_validation_refuses_a_template_that_drops_the_deposits() -> None:
    source = template_source("cease_desist", "zh").replace("{{ m.deposits_section(deposits, lang) }}", "")
    with pytest.raises(TemplateSourceError) as caught:
        validate_template_source("cease_desist", "zh", source)
    assert "deposits_cited" in caught.value.missing


def test_validation_warns_about_unknown_variables() -> None:
    source = template_source("cease_desist", "en").replace("{{ mandate }}", "{{ mandate }}{{ mandat }}")
    assert validate_template_source("cease_desist", "en", source) == ["unknown variable 'mandat'"]


def test_validation_reports_sandbox_violations() -> None:
    source = template_source("cease_desist", "en").replace("{{ mandate }}", "{{ mandate.__class__ }}")
    with pytest.raises(TemplateSourceError) as caught:
        validate_template_source("cease_desist", "en", source)
    assert caught.value.problem == "security" and caught.value.lineno is not None


@pytest.mark.parametrize("path", sorted(TEMPLATE_DIR.glob("*.zh.html")) + [TEMPLATE_DIR / "_macros.html"],
                         ids=lambda p: Path(p).name)
def test_no_line_break_between_chinese_characters(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    # A newline between two Chinese characters (or before an expression that prints Chinese) renders as a space.
    assert not re.search(f"[{CJK}]\\s*\\n\\s*[{CJK}]", source)
    assert not re.search(f"[{CJK}]\\n\\s*\\{{\\{{", source)


def test_draft_marks_the_signature_box() -> None:
    ctx = sample_context("evidence_catalogue", "zh")
    assert "电子签章区" not in render_html("evidence_catalogue", "zh", ctx)
    ctx["draft"] = True
    html = render_html("evidence_catalogue", "zh", ctx)
    assert "电子签章区" in html and "草稿" in html
