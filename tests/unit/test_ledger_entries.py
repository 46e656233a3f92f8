"""Ledger entries: one canonical encoding, strict validation, clear errors naming the field."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from casework.ledger.entries import KINDS, MAX_SIZE, EntryError, LedgerEntry, build_entry, parse_entry
from casework.ledger.merkle import leaf_hash

SHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
AT = datetime(2026, 3, 1, 8, 30, 0, tzinfo=timezone.utc)


def entry(**changes) -> LedgerEntry:
    fields = dict(kind="work_file", sha256=SHA, size=4, subject="work:12", at=AT, actor="user:5")
    fields.update(changes)
    return build_entry(**fields)


def test_canonical_bytes_and_round_trip():
    e = entry()
    assert e.to_bytes() == (
        b'{"actor":"user:5","at":"2026-03-01T08:30:00Z","kind":"work_file",'
        b'"sha256":"' + SHA.encode() + b'","size":4,"subject":"work:12","v":1}'
    )
    assert parse_entry(e.to_bytes()) == e == parse_entry(e.to_text())
    assert e.leaf_hash == leaf_hash(e.to_bytes())
    assert e.at_datetime == AT


def test_times_are_normalised_to_utc_z():
    shanghai = timezone(timedelta(hours=8))
    assert entry(at=datetime(2026, 3, 1, 16, 30, tzinfo=shanghai)).at == "2026-03-01T08:30:00Z"
    assert entry(at=AT.replace(microsecond=250000)).at == "2026-03-01T08:30:00.25Z"
    assert entry(at="2026-03-01T08:30:00.5Z").at_datetime == AT.replace(microsecond=500000)


def test_every_kind_is_accepted():
    for kind in KINDS:
        assert parse_entry(entry(kind=kind).to_bytes()).kind == kind


@pytest.mark.parametrize(
    "field, value",
    [
        ("kind", "poem"),
        ("kind", None),
        ("sha256", SHA.upper()),
        ("sha256", SHA[:-1]),
        ("sha256", SHA[:-1] + "g"),
        ("size", -1),
        ("size", MAX_SIZE + 1),
        ("size", 4.0),
        ("size", True),
        ("subject", "work 12"),
        ("subject", "12"),
        ("subject", ""),
        ("actor", "someone"),
        ("at", "2026-03-01 08:30:00Z"),
        ("at", "2026-03-01T08:30:00+08:00"),
        ("at", "2026-02-30T08:30:00Z"),
        ("at", "2026-03-01T08:30:00.50Z"),
        ("at", datetime(2026, 3, 1, 8, 30)),
    ],
)
def test_bad_fields_name_the_field(field, value):
    with pytest.raises(EntryError) as caught:
        entry(**{field: value})
    assert caught.value.field == field


@pytest.mark.parametrize(
    "mutate",
    [
        lambda t: t.replace(",", ", ", 1),                       # whitespace
        lambda t: json.dumps(json.loads(t), sort_keys=False),    # not canonical
        lambda t: t.replace('"v":1', '"v":2'),                   # unknown version
        lambda t: t.replace('"v":1}', '"v":1,"extra":"x"}'),      # unknown field
        lambda t: t.replace('"actor":"user:5",', ""),            # missing field
        lambda t: t.replace('{"actor":"user:5",', '{"actor":"user:5","actor":"user:6",'),  # duplicate
        lambda t: t.replace("work:12", "work:\\u0031\\u0032"),   # escaped spelling of the same text
        lambda t: "[" + t + "]",
        lambda t: t[:-1],
        lambda t: t.replace('"size":4', '"size":NaN'),
    ],
)
def test_non_canonical_or_malformed_entries_are_rejected(mutate):
    with pytest.raises(EntryError):
        parse_entry(mutate(entry().to_text()))


def test_invalid_utf8_is_rejected():
    with pytest.raises(EntryError):
        parse_entry(b'{"kind":"\xff"}')
