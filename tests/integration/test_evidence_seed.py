"""Demo evidence: real captures of the step's own loopback pages (WARCs that warcio accepts), uploads, and a
sealed bundle on the case bound for litigation that verifies with its own verify.py; twice changes nothing."""
from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case
from casework.models.evidence import Bundle, EvidenceItem
from casework.seed import accounts as seed_accounts
from casework.seed import cases as seed_cases
from casework.seed import evidence as seed_evidence
from casework.seed import works as seed_works
from casework.storage import get_storage
from tests.case_factories import NOW

WARCIO = Path(sys.executable).parent / "warcio"


def _counts():
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in (EvidenceItem, Bundle))


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="no Chromium")
def test_seed_evidence_captures_uploads_and_seals_and_twice_changes_nothing(app, tmp_path, monkeypatch):
    from tests import signing_fixtures as signing  # the bundle's evidence catalogue is signed

    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_URLS", False)  # the step allows 127.0.0.1 for itself only
    with signing.use_signing(app, signing.signing_settings(tmp_path / "pki")):
        assert "skipped" in seed_evidence.seed(NOW)[0]
        seed_accounts.seed(NOW)
        seed_works.seed(NOW)
        seed_cases.seed(NOW)
        report = seed_evidence.seed(NOW)[0]
        assert "2 made" in report and "2 upload(s)" in report and "sealed" in report, report
        case = db.session.scalar(select(Case).where(Case.title == seed_evidence.BUNDLED_CASE))
        captures = list(db.session.scalars(select(EvidenceItem).where(EvidenceItem.kind == "capture")))
        assert len(captures) == 2 and all(c.status == "done" and c.title.startswith("DEMO") for c in captures)
        for capture in captures:
            check = subprocess.run([str(WARCIO), "check", get_storage().path(capture.sha256)], capture_output=True,
                                   text=True)
            assert check.returncode == 0, check.stdout + check.stderr
        bundle = db.session.scalar(select(Bundle).where(Bundle.case_id == case.id, Bundle.status == "sealed"))
        folder = tmp_path / "bundle"
        with open(get_storage().path(bundle.sha256), "rb") as fh:
            zipfile.ZipFile(io.BytesIO(fh.read())).extractall(folder)
        result = subprocess.run([sys.executable, "verify.py"], cwd=folder, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout
        assert any(p.name.endswith("evidence_catalogue-zh.pdf") for p in (folder / "documents").iterdir())
        before = _counts()
        assert "already there" in seed_evidence.seed(NOW)[0]
        assert _counts() == before
