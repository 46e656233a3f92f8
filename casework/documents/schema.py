"""The context each document kind is rendered from, written down as TypedDicts.

A context is plain data (dicts, lists, str, int, date/datetime), so a service can build it from the
models, the demo data can reuse ``samples``, and an admin-edited template sees the same names. The
TypedDicts are ``total=False``: a draft may be incomplete, and ``elements.missing_elements`` says
what is still missing before approval. Conventions: hashes are lowercase hex SHA-256; a
``deposit_index`` is the ledger index of that content's deposit; dates are ``date``/``datetime`` or
ISO 8601 strings; every URL is absolute http(s).

Names the renderer adds (do not use them as context keys): ``lang``, ``kind``, ``deposits`` (the
"Deposits relied on" rows, see ``citations``), ``verification_qr`` (a data URI) and ``page`` (the
page geometry, see ``render.PAGE``).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Literal, TypedDict, Union

__all__ = [
    "DateLike", "Organisation", "Party", "Signatory", "WorkFile", "Work", "InfringingItem",
    "EvidenceItem", "CertificateRef", "Checkpoint", "CeaseDesistContext", "TakedownUSContext",
    "TakedownCNContext", "DepositCertificateContext", "EvidenceCatalogueContext", "CONTEXT_TYPES",
]

DateLike = Union[date, datetime, str]


class Organisation(TypedDict, total=False):
    """Who issues the document; its name heads every page (law firm or legal department)."""
    name: str
    department: str
    address: str
    phone: str
    email: str
    website: str


class Party(TypedDict, total=False):
    """A person or company: client, rights holder, complainant, infringer or platform."""
    name: str
    address: str
    phone: str
    email: str
    contact_person: str
    registration: str  # company registration / ID number, when known
    platform_account: str  # the infringer's account name on a platform


class Signatory(TypedDict, total=False):
    """The human who signs; the PAdES signature is added later in the reserved stamp box."""
    name: str
    title: str  # "律师" / "Attorney at Law", "法务总监" / "Head of Legal"
    licence_number: str


class WorkFile(TypedDict, total=False):
    name: str
    sha256: str
    size: int
    media_type: str
    deposit_index: int
    deposited_at: DateLike


class Work(TypedDict, total=False):
    """A copyrighted work; its files are what the ledger holds."""
    title: str
    kind: str  # API.md work kinds: image, video, text, software, ...
    description: str
    rights_holder: str
    registration: str  # copyright registration number, if any
    first_published: DateLike
    files: list[WorkFile]


class InfringingItem(TypedDict, total=False):
    """One infringing copy: where it is (url) and what it is called there (title)."""
    title: str
    url: str
    platform: str
    first_seen: DateLike
    description: str


class EvidenceItem(TypedDict, total=False):
    """A captured page, screenshot or uploaded file; in a catalogue, one numbered exhibit."""
    name: str
    purpose: str  # what it proves (证明目的)
    source: str  # where it came from: the captured URL, or "uploaded by ..."
    obtained_at: DateLike
    sha256: str
    size: int
    deposit_index: int


class CertificateRef(TypedDict, total=False):
    """A signed deposit certificate cited as proof (its PDF's own hash and deposit)."""
    number: str
    title: str
    sha256: str
    deposit_index: int


class Checkpoint(TypedDict, total=False):
    """The signed ledger checkpoint the certificate's deposits are proved against."""
    origin: str
    tree_size: int
    root_hash: str  # hex SHA-256 root
    signed_at: DateLike
    note: str  # the C2SP signed note text, printed as is


class _Common(TypedDict, total=False):
    file_number: str  # 文号 / our reference, in every page header
    issued_on: DateLike
    issuer: Organisation
    verification_url: str
    works: list[Work]
    evidence: list[EvidenceItem]
    certificates: list[CertificateRef]


class CeaseDesistContext(_Common, total=False):
    """律师函: issuer is the law firm; client gives the mandate; recipient is the infringer."""
    client: Party
    mandate: str  # the engagement: "受……委托" / "We act for ... under an engagement of ..."
    recipient: Party
    infringing: list[InfringingItem]
    facts: list[str]
    legal_analysis: list[str]
    demands: list[str]
    deadline: DateLike
    consequence: str  # what follows if the deadline passes (optional)
    signatory: Signatory


class TakedownUSContext(_Common, total=False):
    """DMCA notice, 17 U.S.C. 512(c)(3)(A); complainant is the owner or its authorised agent."""
    recipient: Party  # the service provider's designated agent
    complainant: Party
    owner: str  # the copyright owner the complainant acts for
    acting_as: Literal["owner", "agent"]
    infringing: list[InfringingItem]
    good_faith_statement: str
    accuracy_statement: str
    signatory: Signatory


class TakedownCNContext(_Common, total=False):
    """通知书 under 信息网络传播权保护条例 art. 14 and 民法典 art. 1195."""
    recipient: Party  # the network service provider
    right_holder: Party
    agent: Party  # who sends it for the right holder, if not the holder itself
    infringing: list[InfringingItem]
    truth_statement: str  # 权利人对通知书真实性负责的声明
    signatory: Signatory


class DepositCertificateContext(TypedDict, total=False):
    """存证证书 for one work: its files' hashes and deposits, proved against one checkpoint."""
    file_number: str  # the certificate number
    issued_on: DateLike
    issued_at: DateLike  # the moment of issue, to the second
    issuer: Organisation
    verification_url: str
    work: Work
    rights_holder: Party
    checkpoint: Checkpoint


class EvidenceCatalogueContext(TypedDict, total=False):
    """证据目录: ``evidence`` holds the exhibits, numbered in order."""
    file_number: str
    issued_on: DateLike
    issuer: Organisation
    verification_url: str
    case_title: str
    submitted_by: Party
    court: str
    evidence: list[EvidenceItem]
    signatory: Signatory


CONTEXT_TYPES: dict[str, type] = {
    "cease_desist": CeaseDesistContext,
    "takedown_notice_us": TakedownUSContext,
    "takedown_notice_cn": TakedownCNContext,
    "deposit_certificate": DepositCertificateContext,
    "evidence_catalogue": EvidenceCatalogueContext,
}
