"""Demo works: registered with real files for both demo holders, deposited, and idempotent."""
from __future__ import annotations

import hashlib
import struct
import zlib

from sqlalchemy import func, select

from casework.extensions import db
from casework.ledger.receipt import check_receipt
from casework.models.ledger import Deposit
from casework.models.works import Work, WorkFile
from casework.seed.accounts import HOLDERS
from casework.seed import works as seed_works
from casework.services import accounts, ledger
from casework.services.actor import Actor
from casework.storage import get_storage
from tests.case_factories import NOW


def test_seed_works_registers_deposited_files_once():
    for spec in HOLDERS:  # the demo holders (without the demo users: their password hashing is slow)
        accounts.create_rights_holder(actor=Actor.system("tests"), now=NOW, **spec)
    report = seed_works.seed(NOW)
    assert report[0].startswith("Works: 4 registered")
    works = db.session.scalars(select(Work).where(Work.title.in_([w["title"] for w in seed_works.WORKS]))).all()
    assert len(works) == 4 and len({w.rights_holder_id for w in works}) == 2
    for work in works:
        for f in work.files:
            with get_storage().open(f.sha256) as fh:
                assert hashlib.sha256(fh.read()).hexdigest() == f.sha256
            assert check_receipt(ledger.receipt(f.deposit_index, now=NOW), ledger.verifier_key()).sha256 == f.sha256
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Work, WorkFile, Deposit)]
    assert seed_works.seed(NOW)[0].startswith("Works: 0 registered, 4 already there")
    assert [db.session.scalar(select(func.count()).select_from(m)) for m in (Work, WorkFile, Deposit)] == counts


def test_generated_png_is_valid():
    data = seed_works.png(3, 2, 1)
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and struct.unpack(">II", data[16:24]) == (3, 2)
    idat_at = data.index(b"IDAT")
    (idat_len,) = struct.unpack(">I", data[idat_at - 4:idat_at])
    assert len(zlib.decompress(data[idat_at + 4: idat_at + 4 + idat_len])) == 2 * (1 + 3 * 3)
