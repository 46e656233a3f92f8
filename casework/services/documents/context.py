"""The context a document is rendered from, built from a case's (or a work's) own data.

The snapshot is plain JSON (dates as ISO strings), stored on the document when it is drafted, so a
signed letter can always be re-read with the facts it was made from. People's edits live apart in
``Document.fields`` and are laid over the snapshot (``effective_context``). Evidence comes from the
sources other domains register with ``register_evidence_source``; until one does, it is empty.
"""
from __future__ import annotations

import copy
import os
import re
from datetime import date, datetime, timedelta
from typing import Any, Callable, Optional

from flask import current_app
from sqlalchemy import select

from casework.documents.statements import standard_statement
from casework.extensions import db

__all__ = ["register_evidence_source", "evidence_for", "case_context", "work_context", "effective_context",
           "issuer_defaults", "jsonable", "EDITABLE", "verification_url", "DEFAULT_RESPONSE_DAYS"]

EvidenceSource = Callable[[Any], list]
_EVIDENCE_SOURCES: list[EvidenceSource] = []
DEFAULT_RESPONSE_DAYS = 14
_EMAIL = re.compile(r"[^@\s,;<>]+@[^@\s,;<>]+\.[^@\s,;<>]+")

#: The fields a person may edit on a draft: name -> shape ("text", "lines", "date", "party.<key>"...).
EDITABLE: dict[str, str] = {
    "file_number": "text", "mandate": "text", "deadline": "date", "consequence": "text",
    "facts": "lines", "legal_analysis": "lines", "demands": "lines",
    "issuer.name": "text", "issuer.department": "text", "issuer.address": "text", "issuer.phone": "text",
    "issuer.email": "text", "issuer.website": "text",
    "recipient.name": "text", "recipient.address": "text", "recipient.email": "text",
    "client.name": "text", "signatory.name": "text", "signatory.title": "text",
    "signatory.licence_number": "text",
    "complainant.name": "text", "complainant.address": "text", "complainant.phone": "text",
    "complainant.email": "text", "owner": "text",
    "right_holder.name": "text", "right_holder.address": "text", "right_holder.phone": "text",
    "right_holder.email": "text",
    "good_faith_statement": "text", "accuracy_statement": "text", "truth_statement": "text",
    "court": "text", "case_title": "text",
}


def register_evidence_source(fn: EvidenceSource) -> EvidenceSource:
    """Add a function case -> [{"title", "kind", "url", "captured_at", "sha256", "deposit_index",
    "exhibit_no"}, ...]; documents cite every item it returns (usable as a decorator)."""
    if fn not in _EVIDENCE_SOURCES:
        _EVIDENCE_SOURCES.append(fn)
    return fn


def jsonable(value: Any) -> Any:
    """Dates and datetimes as ISO strings, recursively: what a JSON column keeps."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


_PURPOSE = {
    "zh": "证明侵权内容于取证时在上述网址向公众提供",
    "en": "Shows the infringing material was available to the public at the address when captured",
}


def evidence_for(case, lang: str) -> list[dict]:
    """The case's evidence items from every registered source, as exhibits in their given order."""
    found: list[dict] = []
    for source in _EVIDENCE_SOURCES:
        found.extend(source(case) or [])
    found.sort(key=lambda e: (e.get("exhibit_no") is None, e.get("exhibit_no") or 0))
    out = []
    for item in found:
        out.append({
            "name": item.get("title") or item.get("kind") or "",
            "purpose": item.get("purpose") or _PURPOSE[lang],
            "source": item.get("url") or item.get("source") or "",
            "obtained_at": item.get("captured_at"),
            "sha256": item.get("sha256"),
            "size": item.get("size"),
            "deposit_index": item.get("deposit_index"),
        })
    return jsonable(out)


def verification_url(public_id: str) -> str:
    base = (current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return f"{base}/verify/documents/{public_id}"


def _cfg(name: str, default: str = "") -> str:
    value = current_app.config.get(name)
    if value is None:
        value = os.environ.get(name, default)
    return (value or "").strip()


def issuer_defaults(lang: str) -> dict:
    """The issuing organisation, from DOCUMENT_ISSUER_* settings (falling back to ORGANISATION_NAME)."""
    name = _cfg(f"DOCUMENT_ISSUER_NAME_{lang.upper()}") or _cfg("DOCUMENT_ISSUER_NAME") \
        or current_app.config.get("ORGANISATION_NAME", "")
    return {k: v for k, v in {
        "name": name, "department": _cfg("DOCUMENT_ISSUER_DEPARTMENT"), "address": _cfg("DOCUMENT_ISSUER_ADDRESS"),
        "phone": _cfg("DOCUMENT_ISSUER_PHONE"),
        "email": _cfg("DOCUMENT_ISSUER_EMAIL") or current_app.config.get("MAIL_FROM", ""),
        "website": _cfg("DOCUMENT_ISSUER_WEBSITE") or current_app.config.get("PUBLIC_BASE_URL", ""),
    }.items() if v}


def _holder_party(holder) -> dict:
    if holder is None:
        return {}
    return {k: v for k, v in {"name": holder.name, "address": holder.address, "phone": holder.phone,
                              "email": holder.email, "registration": holder.registration_number}.items() if v}


def _work_json(work) -> dict:
    return {"title": work.title, "kind": work.kind, "description": work.description or "",
            "rights_holder": work.rights_holder.name if work.rights_holder else "",
            "first_published": work.published_on,
            "files": [{"name": f.name, "sha256": f.sha256, "size": f.size, "media_type": f.media_type,
                       "deposit_index": f.deposit_index, "deposited_at": f.created_at} for f in work.files]}


def _certificates_for(works) -> list[dict]:
    """Signed deposit certificates of these works: the preliminary proof a Chinese notice cites."""
    from casework.models.documents import Document

    ids = [w.id for w in works]
    if not ids:
        return []
    rows = db.session.scalars(select(Document).where(
        Document.kind == "deposit_certificate", Document.work_id.in_(ids),
        Document.status.in_(("signed", "sent", "answered", "no_answer"))).order_by(Document.id))
    latest: dict[int, Any] = {}
    for doc in rows:
        latest[doc.work_id] = doc
    return [{"number": d.file_number, "title": d.lang == "zh" and "存证证书" or "Deposit certificate",
             "sha256": d.sha256, "deposit_index": d.deposit_index} for d in latest.values()]


_DEFAULTS = {
    "zh": {
        "mandate": "就贵方未经许可使用委托人享有著作权的作品{works}一事，特致函贵方",
        "facts": ["{client}是作品{works}的著作权人，上述作品各文件的哈希值已存入本单位的存证账本，存证信息见本函“所依据的存证”部分。",
                  "经监测发现，贵方未经许可在下列网络地址向公众提供上述作品：{urls}。"],
        "analysis": ["根据《中华人民共和国著作权法》第十条第一款第（十二）项及第五十二条的规定，未经著作权人许可，通过信息网络向公众传播其作品的，构成侵权，应当承担停止侵害、消除影响、赔偿损失等民事责任。"],
        "demands": ["立即停止使用上述作品，删除全部侵权内容并断开相关链接；", "于下述期限内书面回复本函，确认已履行前项要求。"],
        "consequence": "如贵方逾期未履行上述要求，委托人将依法采取包括但不限于提起诉讼在内的法律措施。",
        "signatory_title": "法务", "infringing_title": "侵权复制品：{works}",
    },
    "en": {
        "mandate": "in respect of your unauthorised use of {works}, in which our client holds the copyright",
        "facts": ["{client} owns the copyright in {works}; the hash of each of its files is deposited in our ledger, as listed under Deposits relied on.",
                  "Our monitoring found that you make the work available to the public without authorisation at: {urls}."],
        "analysis": ["Under Article 10(1)(12) and Article 52 of the Copyright Law of the People's Republic of China, making a work available to the public over information networks without the copyright owner's authorisation is an infringement, for which you are liable to cease it, eliminate its effects and compensate the loss."],
        "demands": ["Immediately stop using the work, remove all infringing content and disable the related links;",
                    "Confirm in writing within the deadline below that you have done so."],
        "consequence": "Should you fail to comply by the deadline, our client will take legal action, including proceedings before the courts.",
        "signatory_title": "Legal counsel", "infringing_title": "Infringing copy of {works}",
    },
}


def _titles(works, lang: str) -> str:
    if lang == "zh":
        return "、".join(f"《{w.title}》" for w in works)
    return ", ".join(w.title for w in works)


def case_context(case, kind: str, lang: str, *, signatory_name: str, now: datetime, urls=None) -> dict:
    """A complete-as-possible context for ``kind`` from the case; what the data cannot say stays out.

    ``urls``: the case URLs the document is about (a takedown notice names only those on the
    platform it goes to); by default all of the case's.
    """
    from casework.services.cases import works_of

    works = works_of(case)
    d = _DEFAULTS[lang]
    holder = works[0].rights_holder if works else None
    client = _holder_party(holder)
    titles = _titles(works, lang)
    issued = now.date()
    urls = list(case.urls if urls is None else urls)
    infringing = [{"title": d["infringing_title"].format(works=titles), "url": u.url,
                   "platform": u.platform.name if u.platform else u.host, "first_seen": u.first_detected_at.date()}
                  for u in urls]
    fmt = {"client": client.get("name", ""), "works": titles, "urls": "; ".join(u.url for u in urls)}
    ctx: dict[str, Any] = {
        "issued_on": issued, "issuer": issuer_defaults(lang), "works": [_work_json(w) for w in works],
        "evidence": evidence_for(case, lang), "signatory": {"name": signatory_name, "title": d["signatory_title"]},
    }
    infringer = case.infringer
    recipient: dict[str, Any] = {}
    if infringer is not None:
        email = _EMAIL.search(infringer.contacts or "")
        recipient = {k: v for k, v in {"name": infringer.name, "address": infringer.address,
                                       "email": email.group(0) if email else ""}.items() if v}
    platform = next((u.platform for u in urls if u.platform is not None), None)
    platform_party = {}
    if platform is not None:
        platform_party = {"name": platform.name}
        if platform.takedown_channel == "email" and _EMAIL.fullmatch(platform.channel_address or ""):
            platform_party["email"] = platform.channel_address
    if kind == "cease_desist":
        ctx.update(client=client, recipient=recipient, infringing=infringing,
                   mandate=d["mandate"].format(**fmt), facts=[p.format(**fmt) for p in d["facts"]],
                   legal_analysis=list(d["analysis"]), demands=list(d["demands"]),
                   deadline=issued + timedelta(days=DEFAULT_RESPONSE_DAYS), consequence=d["consequence"])
    elif kind == "takedown_notice_us":
        issuer = ctx["issuer"]
        ctx.update(recipient=platform_party or recipient, complainant=dict(issuer), owner=client.get("name", ""),
                   acting_as="agent", infringing=infringing,
                   good_faith_statement=standard_statement("good_faith_statement", lang),
                   accuracy_statement=standard_statement("accuracy_statement", lang))
    elif kind == "takedown_notice_cn":
        ctx.update(recipient=platform_party or recipient, right_holder=client, agent=dict(ctx["issuer"]),
                   infringing=infringing, certificates=_certificates_for(works),
                   truth_statement=standard_statement("truth_statement", lang))
    elif kind == "evidence_catalogue":
        ctx.update(case_title=case.title, submitted_by=client)
        ctx.pop("works")
    return jsonable(ctx)


def work_context(work, lang: str, *, checkpoint, now: datetime) -> dict:
    """The deposit certificate's context: the work, its holder, files, deposits and the checkpoint."""
    return jsonable({
        "issued_on": now.date(), "issued_at": now, "issuer": issuer_defaults(lang), "work": _work_json(work),
        "rights_holder": _holder_party(work.rights_holder),
        "checkpoint": {"origin": current_app.config.get("LEDGER_ORIGIN", ""), "tree_size": checkpoint.size,
                       "root_hash": checkpoint.root.hex(), "signed_at": checkpoint.created_at,
                       "note": checkpoint.note},
    })


def _set_path(ctx: dict, path: str, value: Any) -> None:
    head, _, rest = path.partition(".")
    if not rest:
        ctx[head] = value
        return
    inner = ctx.get(head)
    inner = dict(inner) if isinstance(inner, dict) else {}
    _set_path(inner, rest, value)
    ctx[head] = inner


def effective_context(snapshot: dict, fields: dict, *, file_number: str, url: str,
                      draft: bool = False) -> dict:
    """The snapshot with the edits laid over it (dotted names reach into parties), plus the names the
    document itself owns: its file number and verification URL."""
    ctx = copy.deepcopy(snapshot or {})
    for path, value in (fields or {}).items():
        _set_path(ctx, path, value)
    ctx.setdefault("file_number", file_number)
    if not ctx.get("file_number"):
        ctx["file_number"] = file_number
    ctx["verification_url"] = url
    if draft:
        ctx["draft"] = True
    return ctx


def value_at(ctx: dict, path: str) -> Any:
    value: Any = ctx
    for key in path.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def response_days(doc_context: dict, issued_on: Optional[date] = None) -> int:
    """Days until the answer is due: the letter's own deadline when it has one, else the default."""
    from casework.documents.values import as_date

    deadline = as_date(doc_context.get("deadline"))
    start = issued_on or as_date(doc_context.get("issued_on"))
    if deadline and start and deadline > start:
        return (deadline - start).days
    return DEFAULT_RESPONSE_DAYS
