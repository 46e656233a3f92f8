"""The ledger log's fast canonical encoder agrees with the general RFC 8785 encoder."""
from __future__ import annotations

import random
import string
from datetime import datetime, timedelta, timezone

from casework.ledger.entries import KINDS, build_entry, parse_entry
from casework.ledger.log import canonical_bytes, count_nodes

PRINTABLE = "".join(chr(c) for c in range(0x21, 0x7F))  # what subject and actor may hold, '"' and '\\' included


def test_fast_encoder_matches_rfc8785_for_every_kind_of_value():
    rng = random.Random(9162)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for n in range(3000):
        entry = build_entry(
            kind=rng.choice(sorted(KINDS)),
            sha256="".join(rng.choice("0123456789abcdef") for _ in range(64)),
            size=rng.choice([0, 1, 2**31, 2**53 - 1, rng.randrange(10**12)]),
            subject=rng.choice(string.ascii_lowercase) + ":" + "".join(rng.choice(PRINTABLE)
                                                                       for _ in range(rng.randint(1, 40))),
            at=start + timedelta(microseconds=rng.randrange(10**13)),
            actor="user:" + "".join(rng.choice(PRINTABLE) for _ in range(rng.randint(1, 20))),
        )
        assert canonical_bytes(entry) == entry.to_bytes(), entry
        assert parse_entry(canonical_bytes(entry)) == entry


def test_count_nodes():
    assert [count_nodes(n) for n in (0, 1, 2, 3, 4, 5, 8)] == [0, 1, 3, 4, 7, 8, 15]
