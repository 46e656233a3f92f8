"""The "Deposits relied on" rows: derived from the context, never typed in twice.

Every letter and notice must cite the ledger deposits it relies on (DESIGN.md, "Legal elements").
Deriving the rows from the works, evidence and certificates in the context means the citation
cannot drift from what the document describes, and the element check and the template agree.
"""
from __future__ import annotations

from typing import Any, Literal, Mapping, TypedDict

from casework.documents.values import is_index, is_sha256, items, mapping, text

__all__ = ["DepositRow", "cited_items", "deposits_relied_on"]


class DepositRow(TypedDict):
    index: int
    sha256: str
    role: Literal["work_file", "evidence", "certificate"]
    label: str  # what the content is: "Work title / file name", exhibit name, certificate number


def cited_items(kind: str, context: Mapping[str, Any]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """Every item whose deposit the document must cite, as (role, label, item), valid or not.

    The element check uses this to find items lacking a hash or index; the renderer keeps only the
    valid ones as rows.
    """
    found: list[tuple[str, str, Mapping[str, Any]]] = []
    if kind == "deposit_certificate":
        work = mapping(context.get("work"))
        for file in items(work.get("files")):
            found.append(("work_file", text(file.get("name")), file))
        return found
    if kind != "evidence_catalogue":
        for work in items(context.get("works")):
            for file in items(work.get("files")):
                found.append(("work_file", f"{text(work.get('title'))} / {text(file.get('name'))}", file))
        for cert in items(context.get("certificates")):
            label = " ".join(part for part in (text(cert.get("title")), text(cert.get("number"))) if part)
            found.append(("certificate", label, cert))
    for item in items(context.get("evidence")):
        found.append(("evidence", text(item.get("name")), item))
    return found


def deposits_relied_on(kind: str, context: Mapping[str, Any]) -> list[DepositRow]:
    """The valid citations, one row per deposit, in ledger order."""
    rows: dict[tuple[int, str], DepositRow] = {}
    for role, label, item in cited_items(kind, context):
        index, digest = item.get("deposit_index"), item.get("sha256")
        if is_index(index) and is_sha256(digest):
            rows.setdefault((index, digest), DepositRow(index=index, sha256=digest, role=role, label=label))  # type: ignore[typeddict-item]
    return [rows[key] for key in sorted(rows)]
