"""The elements the law (or house rule) requires in each document kind, and the checks for them.

``missing_elements`` gates approval of a draft: it looks at the values in the context, not key
presence. ``missing_in_rendered`` checks the rendered output still shows each element, so an
admin-edited template cannot drop one silently. Context schemas: ``casework.documents.schema``.
"""
from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, Callable, Mapping

from casework.documents.citations import cited_items
from casework.documents.errors import DocumentContextError, UnknownDocumentKind
from casework.documents.statements import statement_ok
from casework.documents.values import (
    as_date, format_date, has_text, is_email, is_index, is_sha256, is_url, items, mapping, text,
)

__all__ = ["DOCUMENT_KINDS", "Element", "ELEMENTS", "elements_for", "missing_elements",
           "missing_in_rendered", "html_text"]

DOCUMENT_KINDS = ("cease_desist", "takedown_notice_us", "takedown_notice_cn", "deposit_certificate",
                  "evidence_catalogue")

Check = Callable[[Mapping[str, Any]], bool]
Needles = Callable[[Mapping[str, Any], str], list[str]]


@dataclass(frozen=True)
class Element:
    """One required element: a stable ``code`` (stored, shown in 409 errors), labels, legal basis.

    ``check`` says whether the context satisfies it; ``needles`` lists strings the rendered document
    must then contain (values, not labels), for ``missing_in_rendered``.
    """
    code: str
    en: str
    zh: str
    basis: str
    check: Check = field(repr=False, compare=False)
    needles: Needles = field(default=lambda ctx, lang: [], repr=False, compare=False)

    def label(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


def _at(ctx: Mapping[str, Any], *path: str) -> Any:
    value: Any = ctx
    for key in path:
        value = mapping(value).get(key)
    return value


def _text_el(code: str, en: str, zh: str, basis: str, *path: str) -> Element:
    return Element(code, en, zh, basis, lambda c: has_text(_at(c, *path)), lambda c, l: [text(_at(c, *path))])


def _paragraphs_el(code: str, en: str, zh: str, basis: str, key: str) -> Element:
    def check(ctx: Mapping[str, Any]) -> bool:
        paras = ctx.get(key)
        return isinstance(paras, list) and bool(paras) and all(has_text(p) for p in paras)
    return Element(code, en, zh, basis, check, lambda c, l: [text(p) for p in c.get(key) or []])


def _works_ok(ctx: Mapping[str, Any]) -> bool:
    works = items(ctx.get("works"))
    return bool(works) and all(has_text(w.get("title")) for w in works)


def _infringing_urls_ok(ctx: Mapping[str, Any]) -> bool:
    found = items(ctx.get("infringing"))
    return bool(found) and all(is_url(i.get("url")) for i in found)


def _infringing_named_ok(ctx: Mapping[str, Any]) -> bool:
    found = items(ctx.get("infringing"))
    return bool(found) and all(has_text(i.get("title")) or has_text(i.get("description")) for i in found)


def _deposits_ok(kind: str) -> Check:
    def check(ctx: Mapping[str, Any]) -> bool:
        cited = cited_items(kind, ctx)
        if kind not in ("deposit_certificate", "evidence_catalogue"):
            if any(not items(w.get("files")) for w in items(ctx.get("works"))):
                return False  # a work with no deposited file proves nothing
        return bool(cited) and all(is_sha256(i.get("sha256")) and is_index(i.get("deposit_index"))
                                   for _, _, i in cited)
    return check


def _hashes(kind: str) -> Needles:
    return lambda ctx, lang: [text(i.get("sha256")) for _, _, i in cited_items(kind, ctx)]


def _deadline_ok(ctx: Mapping[str, Any]) -> bool:
    deadline, issued = as_date(ctx.get("deadline")), as_date(ctx.get("issued_on"))
    return deadline is not None and (issued is None or deadline > issued)


def _checkpoint_ok(ctx: Mapping[str, Any]) -> bool:
    point = mapping(ctx.get("checkpoint"))
    size, indexes = point.get("tree_size"), [f.get("deposit_index") for f in items(_at(ctx, "work", "files"))]
    covered = is_index(size) and all(is_index(i) and i < size for i in indexes)
    return covered and is_sha256(point.get("root_hash")) and has_text(point.get("origin"))


def _exhibits(predicate: Callable[[Mapping[str, Any]], bool]) -> Check:
    return lambda ctx: bool(items(ctx.get("evidence"))) and all(predicate(e) for e in items(ctx.get("evidence")))


def _exhibit_field(key: str) -> Needles:
    return lambda ctx, lang: [text(e.get(key)) for e in items(ctx.get("evidence"))]


def _common(kind: str) -> list[Element]:
    return [
        _text_el("issuer", "Issuing firm or department", "出具单位", "house rule", "issuer", "name"),
        _text_el("file_number", "File number", "文号", "house rule", "file_number"),
        Element("deposits_cited", "Ledger deposits relied on (index and SHA-256)", "所依据的存证（序号及SHA-256）",
                "DESIGN.md: every document cites its deposits", _deposits_ok(kind), _hashes(kind)),
        Element("verification_url", "Verification URL", "核验网址", "house rule",
                lambda c: is_url(c.get("verification_url")), lambda c, l: [text(c.get("verification_url"))]),
    ]


_SIGNATURE = _text_el("signature", "Name of the signatory", "签署人姓名", "signed document", "signatory", "name")
_WORKS = Element("work_identification", "Identification of the copyrighted work(s)", "权利作品的名称",
                 "work identification", _works_ok, lambda c, l: [text(w.get("title")) for w in items(c.get("works"))])
_URLS = Element("infringing_material", "Infringing material and its URL", "侵权内容及其网址",
                "location of the material", _infringing_urls_ok,
                lambda c, l: [text(i.get("url")) for i in items(c.get("infringing"))])


def _contact_ok(party: str, *, need_all: bool) -> Check:
    def check(ctx: Mapping[str, Any]) -> bool:
        who = mapping(ctx.get(party))
        phone, email = has_text(who.get("phone")), is_email(who.get("email"))
        email_bad = has_text(who.get("email")) and not email
        return not email_bad and ((phone and email and has_text(who.get("address"))) if need_all else (phone or email))
    return check


def _contact_needles(party: str, *keys: str) -> Needles:
    return lambda ctx, lang: [text(mapping(ctx.get(party)).get(k)) for k in keys if has_text(mapping(ctx.get(party)).get(k))]


def _statement_el(code: str, en: str, zh: str, basis: str, extra: Check = lambda c: True) -> Element:
    return Element(code, en, zh, basis, lambda c: statement_ok(code, c.get(code)) and extra(c),
                   lambda c, l: [text(c.get(code))])


ELEMENTS: dict[str, tuple[Element, ...]] = {
    "cease_desist": (
        *_common("cease_desist"),
        Element("mandate", "Mandate: on whose behalf the firm acts", "委托事项（受谁委托）", "lawyer's letter",
                lambda c: has_text(_at(c, "client", "name")) and has_text(c.get("mandate")),
                lambda c, l: [text(_at(c, "client", "name")), text(c.get("mandate"))]),
        _text_el("recipient", "Addressee (the infringer)", "致函对象", "lawyer's letter", "recipient", "name"),
        _WORKS, _URLS,
        _paragraphs_el("facts", "Facts", "事实", "lawyer's letter", "facts"),
        _paragraphs_el("legal_analysis", "Legal analysis", "法律分析", "lawyer's letter", "legal_analysis"),
        _paragraphs_el("demands", "Demands", "要求", "lawyer's letter", "demands"),
        Element("deadline", "Deadline (after the issue date)", "期限（晚于发函日期）", "lawyer's letter", _deadline_ok,
                lambda c, l: [format_date(c.get("deadline"), l)]),
        _SIGNATURE,
    ),
    "takedown_notice_us": (
        *_common("takedown_notice_us"),
        Element("signature", "Signature of the owner or its authorized agent", "版权所有人或其授权代理人的签名",
                "17 U.S.C. 512(c)(3)(A)(i)", _SIGNATURE.check, _SIGNATURE.needles),
        Element("work_identification", "Identification of the copyrighted work(s)", "被侵权作品的识别信息",
                "17 U.S.C. 512(c)(3)(A)(ii)", _works_ok, _WORKS.needles),
        Element("infringing_material", "Identification and URL of the infringing material", "侵权材料的识别信息及网址",
                "17 U.S.C. 512(c)(3)(A)(iii)", lambda c: _infringing_urls_ok(c) and _infringing_named_ok(c), _URLS.needles),
        Element("complainant_contact", "Complainant's address, telephone and e-mail", "投诉人的地址、电话和电子邮件",
                "17 U.S.C. 512(c)(3)(A)(iv)", lambda c: has_text(_at(c, "complainant", "name")) and _contact_ok("complainant", need_all=True)(c),
                _contact_needles("complainant", "name", "address", "phone", "email")),
        _statement_el("good_faith_statement", "Statement of good-faith belief", "善意声明", "17 U.S.C. 512(c)(3)(A)(v)"),
        _statement_el("accuracy_statement", "Accuracy statement and authority, under penalty of perjury",
                      "准确性及授权声明（伪证处罚）", "17 U.S.C. 512(c)(3)(A)(vi)", lambda c: has_text(c.get("owner"))),
    ),
    "takedown_notice_cn": (
        *_common("takedown_notice_cn"),
        _text_el("right_holder_name", "Right holder's name", "权利人的姓名（名称）", "条例第十四条第一款第（一）项", "right_holder", "name"),
        Element("right_holder_contact", "Right holder's contact details", "权利人的联系方式", "条例第十四条第一款第（一）项",
                _contact_ok("right_holder", need_all=False), _contact_needles("right_holder", "phone", "email")),
        _text_el("right_holder_address", "Right holder's address", "权利人的地址", "条例第十四条第一款第（一）项", "right_holder", "address"),
        Element("work_identification", "The right holder's work(s)", "权利作品的名称", "民法典第一千一百九十五条", _works_ok, _WORKS.needles),
        Element("infringing_work_name", "Name of the infringing work", "侵权作品的名称", "条例第十四条第一款第（二）项",
                lambda c: bool(items(c.get("infringing"))) and all(has_text(i.get("title")) for i in items(c.get("infringing"))),
                lambda c, l: [text(i.get("title")) for i in items(c.get("infringing"))]),
        Element("infringing_work_url", "Network address (URL) of the infringing work", "侵权作品的网络地址",
                "条例第十四条第一款第（二）项", _infringing_urls_ok, _URLS.needles),
        Element("preliminary_proof_certificate", "Preliminary proof: deposit certificate, by hash", "初步证明材料：存证证书（哈希值）",
                "条例第十四条第一款第（三）项；民法典第一千一百九十五条",
                lambda c: bool(items(c.get("certificates"))) and all(is_sha256(x.get("sha256")) and is_index(x.get("deposit_index")) for x in items(c.get("certificates"))),
                lambda c, l: [text(x.get("sha256")) for x in items(c.get("certificates"))]),
        Element("preliminary_proof_evidence", "Preliminary proof: captured evidence, by hash", "初步证明材料：取证证据（哈希值）",
                "条例第十四条第一款第（三）项；民法典第一千一百九十五条",
                lambda c: bool(items(c.get("evidence"))) and all(is_sha256(x.get("sha256")) and is_index(x.get("deposit_index")) for x in items(c.get("evidence"))),
                lambda c, l: [text(x.get("sha256")) for x in items(c.get("evidence"))]),
        _statement_el("truth_statement", "Statement taking responsibility for the notice's truth", "对通知书真实性负责的声明", "条例第十四条第二款"),
        _SIGNATURE,
    ),
    "deposit_certificate": (
        *_common("deposit_certificate"),
        _text_el("work_identification", "The work", "作品名称", "certificate", "work", "title"),
        _text_el("rights_holder", "Rights holder", "著作权人", "certificate", "rights_holder", "name"),
        Element("files_deposited", "Each file with its name, SHA-256 and deposit index", "各文件名称、SHA-256及存证序号", "certificate",
                lambda c: bool(items(_at(c, "work", "files"))) and all(has_text(f.get("name")) and is_sha256(f.get("sha256")) and is_index(f.get("deposit_index")) for f in items(_at(c, "work", "files"))),
                lambda c, l: [text(f.get("name")) for f in items(_at(c, "work", "files"))]),
        Element("checkpoint", "Ledger checkpoint covering the deposits (origin, tree size, root)", "覆盖上述存证的账本检查点（来源、树大小、根哈希）",
                "RFC 9162 / C2SP tlog-checkpoint", _checkpoint_ok, lambda c, l: [text(_at(c, "checkpoint", "root_hash"))]),
        Element("issued_at", "Time of issue", "出具时间", "certificate", lambda c: as_date(c.get("issued_at")) is not None),
    ),
    "evidence_catalogue": (
        *_common("evidence_catalogue"),
        Element("exhibits", "At least one exhibit", "至少一项证据", "证据目录", _exhibits(lambda e: True)),
        Element("exhibit_name", "Each exhibit's name", "各证据名称", "证据目录", _exhibits(lambda e: has_text(e.get("name"))), _exhibit_field("name")),
        Element("exhibit_purpose", "Each exhibit's purpose of proof", "各证据的证明目的", "证据目录", _exhibits(lambda e: has_text(e.get("purpose"))), _exhibit_field("purpose")),
        Element("exhibit_source", "Each exhibit's source", "各证据的来源", "证据目录", _exhibits(lambda e: has_text(e.get("source"))), _exhibit_field("source")),
        Element("exhibit_obtained_at", "When each exhibit was captured or obtained", "各证据的取得时间", "证据目录", _exhibits(lambda e: as_date(e.get("obtained_at")) is not None)),
        Element("exhibit_hash", "Each exhibit's SHA-256", "各证据的SHA-256", "证据目录", _exhibits(lambda e: is_sha256(e.get("sha256"))), _exhibit_field("sha256")),
        Element("exhibit_deposit", "Each exhibit's deposit index", "各证据的存证序号", "证据目录", _exhibits(lambda e: is_index(e.get("deposit_index")))),
        _SIGNATURE,
    ),
}


def elements_for(kind: str) -> tuple[Element, ...]:
    """The required elements of a kind, in the order a reviewer reads them."""
    try:
        return ELEMENTS[kind]
    except KeyError:
        raise UnknownDocumentKind(f"unknown document kind {kind!r}; expected one of {', '.join(DOCUMENT_KINDS)}") from None


def missing_elements(kind: str, context: Mapping[str, Any]) -> list[str]:
    """Codes of the required elements the context does not supply (empty list: ready to approve)."""
    elements = elements_for(kind)
    if not isinstance(context, Mapping):
        raise DocumentContextError(f"context must be a mapping, not {type(context).__name__}")
    return [element.code for element in elements if not element.check(context)]


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._skip += tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip -= tag in ("style", "script") and self._skip > 0

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _squash(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def html_text(markup: str) -> str:
    """The visible text of rendered HTML, whitespace collapsed (what a reader, or pdftotext, sees)."""
    parser = _TextOf()
    parser.feed(markup)
    parser.close()
    return _squash(html.unescape(" ".join(parser.parts)))


def missing_in_rendered(kind: str, context: Mapping[str, Any], markup: str, lang: str) -> list[str]:
    """Codes of elements the context supplies but the rendered HTML does not show.

    Catches a template (typically admin-edited) that leaves out a statement, a URL or a hash.
    """
    shown = html_text(markup)
    missing = []
    for element in elements_for(kind):
        if element.check(context) and any(n and _squash(n) not in shown for n in element.needles(context, lang)):
            missing.append(element.code)
    return missing
