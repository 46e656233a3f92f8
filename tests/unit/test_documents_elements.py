"""missing_elements: each required element of each kind is caught when removed or made invalid."""
from __future__ import annotations

from typing import Any, Callable

import pytest

from casework.documents import (
    DOCUMENT_KINDS, DocumentContextError, UnknownDocumentKind, elements_for, missing_elements,
)
from casework.documents.samples import sample_context

Mutation = Callable[[dict[str, Any]], None]


def _set(*path: str, value: Any) -> Mutation:
    def mutate(ctx: dict[str, Any]) -> None:
        target: Any = ctx
        for key in path[:-1]:
            target = target[key] if not isinstance(target, list) else target[int(key)]
        if isinstance(target, list):
            target[int(path[-1])] = value
        else:
            target[path[-1]] = value
    return mutate


def _drop(key: str) -> Mutation:
    return lambda ctx: ctx.pop(key, None)


_COMMON: dict[str, Mutation] = {
    "issuer": _set("issuer", "name", value="   "),
    "file_number": _drop("file_number"),
    "verification_url": _set("verification_url", value="casework.example/verify/1"),
}

# One removal per element code; test_every_element_has_a_removal keeps this table complete.
REMOVALS: dict[str, dict[str, Mutation]] = {
    "cease_desist": {
        **_COMMON,
        "deposits_cited": _set("evidence", "0", "sha256", value="ABC"),
        "mandate": _set("mandate", value=""),
        "recipient": _set("recipient", value={}),
        "work_identification": _set("works", "0", "title", value=""),
        "infringing_material": _set("infringing", "1", "url", value="not a url"),
        "facts": _set("facts", value=[]),
        "legal_analysis": _set("legal_analysis", value=["", " "]),
        "demands": _drop("demands"),
        "deadline": _set("deadline", value="2026-11-01"),  # before the issue date
        "signature": _set("signatory", "name", value=None),
    },
    "takedown_notice_us": {
        **_COMMON,
        "deposits_cited": _set("evidence", "1", "deposit_index", value=True),
        "signature": _set("signatory", value={"title": "Head of Legal"}),
        "work_identification": _set("works", value=[]),
        "infringing_material": _set("infringing", "0", "url", value="ftp://kuaikan-video.example/x"),
        "complainant_contact": _set("complainant", "phone", value=""),
        "good_faith_statement": _set("good_faith_statement", value=""),
        "accuracy_statement": _set("accuracy_statement", value="The information in this notice is accurate."),
    },
    "takedown_notice_cn": {
        **_COMMON,
        "deposits_cited": _set("works", "0", "files", value=[]),
        "right_holder_name": _set("right_holder", "name", value=""),
        "right_holder_contact": _set("right_holder", value={"name": "某公司", "address": "北京市"}),
        "right_holder_address": _set("right_holder", "address", value=" "),
        "work_identification": _set("works", "0", "title", value=None),
        "infringing_work_name": _set("infringing", "2", "title", value=""),
        "infringing_work_url": _set("infringing", "2", "url", value="https://"),
        "preliminary_proof_certificate": _set("certificates", value=[]),
        "preliminary_proof_evidence": _set("evidence", value=[]),
        "truth_statement": _set("truth_statement", value="以上信息仅供参考。"),
        "signature": _set("signatory", "name", value=""),
    },
    "deposit_certificate": {
        **_COMMON,
        "deposits_cited": _set("work", "files", value=[]),
        "work_identification": _set("work", "title", value=""),
        "rights_holder": _drop("rights_holder"),
        "files_deposited": _set("work", "files", "0", "name", value=""),
        "checkpoint": _set("checkpoint", "tree_size", value=1042),  # does not cover index 1043
        "issued_at": _set("issued_at", value="soon"),
    },
    "evidence_catalogue": {
        **_COMMON,
        "deposits_cited": _set("evidence", "2", "sha256", value="0" * 63),
        "exhibits": _set("evidence", value=[]),
        "exhibit_name": _set("evidence", "1", "name", value=""),
        "exhibit_purpose": _set("evidence", "1", "purpose", value="\n"),
        "exhibit_source": _set("evidence", "0", "source", value=None),
        "exhibit_obtained_at": _set("evidence", "3", "obtained_at", value="yesterday"),
        "exhibit_hash": _set("evidence", "3", "sha256", value="F" * 64),
        "exhibit_deposit": _set("evidence", "0", "deposit_index", value=-1),
        "signature": _set("signatory", "name", value=""),
    },
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_samples_are_complete(kind: str, lang: str) -> None:
    assert missing_elements(kind, sample_context(kind, lang)) == []


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_element_has_a_removal(kind: str) -> None:
    assert sorted(REMOVALS[kind]) == sorted(e.code for e in elements_for(kind))


@pytest.mark.parametrize("kind,code", [(k, c) for k, table in REMOVALS.items() for c in table])
def test_removing_an_element_is_caught(kind: str, code: str) -> None:
    for lang in ("zh", "en"):
        ctx = sample_context(kind, lang)
        REMOVALS[kind][code](ctx)
        assert code in missing_elements(kind, ctx), (kind, code, lang)


def test_an_empty_context_misses_everything() -> None:
    for kind in DOCUMENT_KINDS:
        assert missing_elements(kind, {}) == [e.code for e in elements_for(kind)]


def test_statements_accept_edited_wording_that_keeps_the_legal_words() -> None:
    ctx = sample_context("takedown_notice_us", "en")
    ctx["accuracy_statement"] = ("Under penalty of perjury: this notice is accurate, and I am authorized "
                                 "to act for the owner.")
    ctx["good_faith_statement"] = "本人善意地相信，上述使用未经授权。"
    assert missing_elements("takedown_notice_us", ctx) == []


def test_invalid_email_fails_contact_even_with_a_phone() -> None:
    ctx = sample_context("takedown_notice_cn", "zh")
    ctx["right_holder"]["email"] = "legal at xinghe"
    assert "right_holder_contact" in missing_elements("takedown_notice_cn", ctx)


def test_us_accuracy_statement_needs_the_owner_named() -> None:
    ctx = sample_context("takedown_notice_us", "en")
    ctx["owner"] = ""
    assert missing_elements("takedown_notice_us", ctx) == ["accuracy_statement"]


def test_bad_arguments_raise_typed_errors() -> None:
    with pytest.raises(UnknownDocumentKind):
        missing_elements("letter_of_love", {})
    with pytest.raises(DocumentContextError):
        missing_elements("cease_desist", ["not", "a", "mapping"])  # type: ignore[arg-type]


def test_every_element_has_both_labels() -> None:
    for kind in DOCUMENT_KINDS:
        for element in elements_for(kind):
            assert element.label("en") and element.label("zh") and element.label("zh") != element.label("en")
