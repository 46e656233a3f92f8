"""Report figures against figures worked out by hand on a data set built here with known dates,
for the whole period and per platform and infringer; the page, CSV and PDF; who may see them."""
from __future__ import annotations

import csv
import io
import subprocess
import uuid
from datetime import date, datetime, timezone

import pytest

from casework.extensions import db
from casework.services import cases as case_service
from casework.services import detections, monitoring
from casework.services import reports
from casework.workflow import transition
from tests.case_factories import NOW, make_work, system


def at(month, day, hour=10, minute=0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


MAY = reports.ReportFilter(date(2026, 5, 1), date(2026, 5, 31))


@pytest.fixture
def data(ids):
    """Two platforms, two infringers, eight detections, four cases with known stage times.

    In May: detections 6 (P1: 4, I2: 3, P1 and I2: 1); opened C1, C3, C4; closed C1 (removed) and C4
    (not pursued); one URL removal (C1's, on P1); stays that ended in May: review C1 2 d, C3 1.5 d,
    C4 3 d; letter C1 3 d, C2 9 d; takedown C1 4 d, C2 6 d. Letters sent in May 2 (C1, C3), notices 1
    (C1); paid in May 12,345.67 CNY (C2's settlement).
    """
    s = system()
    p1 = monitoring.create_platform(name="Alpha Video", domains="alpha.example", actor=s, now=NOW)
    p2 = monitoring.create_platform(name="Beta Pics", domains="beta.example", actor=s, now=NOW)
    i1 = monitoring.create_infringer(name="Copycat One", kind="site", actor=s, now=NOW)
    i2 = monitoring.create_infringer(name="Copycat Two", kind="site", actor=s, now=NOW)
    work = make_work(ids["holder_a"], "Poster")
    items = [(p1, i1, at(5, 2, 1)), (p1, i1, at(5, 2, 2)), (p1, i1, at(5, 10)), (p2, i2, at(5, 15)),
             (p2, i2, at(5, 31, 23, 59)), (p1, i2, at(5, 20)),
             (p1, i1, at(4, 30, 23, 59)), (p2, i2, at(6, 1, 0, 0))]
    detections.intake([{"work_id": work.id, "url": f"https://{'alpha' if p is p1 else 'beta'}.example/v/{n}",
                        "platform": p.id, "infringer": i.id, "detected_at": when}
                       for n, (p, i, when) in enumerate(items)], source="api", actor=s, now=NOW)

    def case(title, infringer, platform, opened, moves, removed=None):
        c = case_service.open_case(title=title, works=[work], infringer=infringer, actor=s, now=opened)
        url = case_service.add_url(c, f"https://{'alpha' if platform is p1 else 'beta'}.example/{title}",
                                   platform=platform, actor=s, now=opened)
        for to, when, *outcome in moves:
            transition(c, to, actor=s, now=when, outcome=outcome[0] if outcome else None)
        if removed:  # set-up: a re-check confirmed the removal at this time
            url.status, url.removed_at = "removed", removed
        return c

    c1 = case("c1", i1, p1, at(5, 3), [("letter", at(5, 5)), ("takedown", at(5, 8)), ("closed", at(5, 12), "removed")],
              removed=at(5, 11))
    c2 = case("c2", i2, p2, at(4, 20), [("letter", at(4, 25)), ("takedown", at(5, 4)), ("evidence", at(5, 10))],
              removed=at(4, 28))
    c3 = case("c3", i2, p1, at(5, 20), [("letter", at(5, 21, 22))])
    c4 = case("c4", i1, p2, at(5, 25), [("closed", at(5, 28), "not_pursued")])
    case("c5", None, p1, at(6, 1, 0, 30), [])

    from casework.models.documents import Document
    from casework.models.litigation import LitigationRecord

    for c, kind, sent in ((c1, "cease_desist", at(5, 6)), (c1, "takedown_notice_cn", at(5, 9)),
                          (c3, "cease_desist", at(5, 22)), (c2, "cease_desist", at(4, 26))):
        db.session.add(Document(public_id=str(uuid.uuid4()), case_id=c.id, kind=kind, lang="zh", status="sent",
                                created_at=sent, updated_at=sent, approved_at=sent, signed_at=sent, sha256="a" * 64,
                                deposit_index=0, sent_channel="email", sent_to="x@example.com", sent_at=sent))
    db.session.add(LitigationRecord(case_id=c2.id, resolution="settled", resolved_on=date(2026, 5, 30),
                                    amount_awarded_minor=2000000, amount_paid_minor=1234567, created_at=NOW,
                                    updated_at=NOW))
    db.session.add(LitigationRecord(case_id=c3.id, resolution="judgment_won", resolved_on=date(2026, 6, 3),
                                    amount_awarded_minor=5000, amount_paid_minor=5000, created_at=NOW, updated_at=NOW))
    db.session.flush()
    return {"p1": p1.id, "p2": p2.id, "i1": i1.id, "i2": i2.id}


def medians(report) -> dict:
    return {s: (v, n) for s, v, n in report.stage_medians}


def contributions(report) -> dict:
    return {key: rows for key, _label, rows in report.contributions}


def test_the_whole_period(data):
    r = reports.build(MAY)
    assert (r.detections, r.cases_opened, r.cases_closed, r.removals) == (6, 3, 2, 1)
    assert dict(r.closed_by_outcome) == {"removed": 1, "licensed": 0, "settled": 0, "judgment_won": 0,
                                         "judgment_lost": 0, "withdrawn": 0, "not_pursued": 1}
    assert medians(r) == {"review": (2.0, 3), "letter": (6.0, 2), "takedown": (5.0, 2), "evidence": (None, 0),
                          "litigation": (None, 0)}
    c = contributions(r)
    assert c["letters_notices_sent"] == [("cease_desist_letters", 2), ("takedown_notices", 1)]
    assert c["money_recovered"] == [("CNY", "12,345.67")]
    assert dict(r.detections_by_platform) == {"Alpha Video": 4, "Beta Pics": 2}
    assert dict(r.cases_by_infringer) == {"Copycat One": 2, "Copycat Two": 1}
    per_day = dict(r.detections_per_day)
    assert len(per_day) == 31 and per_day[date(2026, 5, 2)] == 2 and per_day[date(2026, 5, 31)] == 1
    assert sum(per_day.values()) == 6


def test_per_platform(data):
    r = reports.build(reports.ReportFilter(MAY.start, MAY.end, platform_id=data["p1"]))
    assert (r.detections, r.cases_opened, r.cases_closed, r.removals) == (4, 2, 1, 1)
    assert medians(r)["review"] == (1.75, 2) and medians(r)["letter"] == (3.0, 1) and medians(r)["takedown"] == (4.0, 1)
    c = contributions(r)
    assert c["letters_notices_sent"] == [("cease_desist_letters", 2), ("takedown_notices", 1)]
    assert c["money_recovered"] == []


def test_per_infringer_and_both(data):
    r = reports.build(reports.ReportFilter(MAY.start, MAY.end, infringer_id=data["i2"]))
    assert (r.detections, r.cases_opened, r.cases_closed, r.removals) == (3, 1, 0, 0)
    assert medians(r)["review"] == (1.5, 1) and medians(r)["letter"] == (9.0, 1) and medians(r)["takedown"] == (6.0, 1)
    assert contributions(r)["money_recovered"] == [("CNY", "12,345.67")]
    both = reports.build(reports.ReportFilter(MAY.start, MAY.end, platform_id=data["p1"], infringer_id=data["i2"]))
    assert (both.detections, both.cases_opened, both.cases_closed, both.removals) == (1, 1, 0, 0)
    one_day = reports.build(reports.ReportFilter(date(2026, 5, 2), date(2026, 5, 2)))
    assert one_day.detections == 2 and one_day.cases_opened == 0


def test_bad_periods_are_refused():
    with pytest.raises(reports.ReportError, match="ends before it starts"):
        reports.ReportFilter(date(2026, 5, 2), date(2026, 5, 1))
    with pytest.raises(reports.ReportError, match="ten years"):
        reports.ReportFilter(date(2000, 1, 1), date(2026, 5, 1))


def test_the_page_csv_and_pdf(login_as, data):
    page = login_as("legal")
    query = f"from=2026-05-01&to=2026-05-31&platform={data['p1']}"
    html = page.get(f"/reports?{query}").get_data(as_text=True)
    assert 'data-figure="detections">4<' in html and 'data-figure="removals">1<' in html
    assert 'data-figure="cases_opened">2<' in html and "<svg" in html and "Alpha Video" in html
    assert "<script" not in html.split("</main>")[0].split("<main")[1]  # charts are SVG, no JavaScript

    resp = page.get(f"/reports.csv?{query}")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert "attachment" in resp.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    table = {(a, b): c for a, b, c in rows[1:]}
    assert table[("totals", "detections")] == "4" and table[("totals", "cases_opened")] == "2"
    assert table[("median_days_in_stage", "review")] == "1.75" and table[("median_days_in_stage", "evidence")] == ""
    assert table[("letters_notices_sent", "cease_desist_letters")] == "2"

    pdf = page.get(f"/reports.pdf?{query}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "Alpha Video" in text and "Detections" in text and "2026-05-01" in text


def test_a_chinese_pdf_is_marked_zh_cn(login_as, data):
    from casework.models import User

    page = login_as("legal")
    db.session.get(User, page.user_id).language = "zh"
    db.session.commit()
    pdf = page.get("/reports.pdf?from=2026-05-01&to=2026-05-31")
    assert pdf.status_code == 200
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert str(PdfFileReader(io.BytesIO(pdf.data)).root["/Lang"]) == "zh-CN"  # the Simplified Chinese faces
    fonts = subprocess.run(["pdffonts", "-"], input=pdf.data, capture_output=True).stdout.decode()
    assert "CJK" in fonts


def test_bad_input_gets_a_message(login_as):
    page = login_as("admin")
    html = page.get("/reports?from=yesterday&to=2026-05-31&platform=999999").get_data(as_text=True)
    assert "is not a date like" in html and "There is no such platform" in html
    assert page.get("/reports.csv?from=2026-06-01&to=2026-05-01").status_code == 400
    assert "ends before it starts" in page.get("/reports?from=2026-06-01&to=2026-05-01").get_data(as_text=True)


def test_reports_are_for_legal_and_admin_only(login_as):
    for role in ("legal", "admin"):
        page = login_as(role)
        assert page.get("/reports").status_code == 200
        assert "/reports" in page.get("/works").get_data(as_text=True)
    for role in ("counsel", "creator"):
        page = login_as(role)
        for url in ("/reports", "/reports.csv", "/reports.pdf"):
            assert page.get(url).status_code == 403
        assert 'href="/reports"' not in page.get("/works").get_data(as_text=True)


def test_names_from_outside_cannot_become_spreadsheet_formulas(login_as, ids):
    s = system()
    evil = monitoring.create_infringer(name='=HYPERLINK("http://evil.example","x")', kind="site", actor=s, now=NOW)
    case_service.open_case(title="Formula", works=[make_work(ids["holder_a"])], infringer=evil, actor=s,
                           now=at(5, 5))
    body = login_as("legal").get("/reports.csv?from=2026-05-01&to=2026-05-31").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert ["cases_by_infringer", "'" + evil.name, "1"] in rows
