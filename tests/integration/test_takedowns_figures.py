"""Per-platform figures against a set worked out by hand."""
from __future__ import annotations

from datetime import timedelta

import pytest

from casework.jobs.builtin import url_rechecks
from casework.services import takedown_figures
from casework.services import takedowns as service
from casework.services.rechecks import Fetched
from tests.signing_fixtures import signed_app, signing_pki  # noqa: F401
from tests.case_factories import NOW, system
from tests.takedown_factories import case_with_urls, platform, sent_takedown

DAY = timedelta(days=1)


def test_figures_match_a_hand_count(signed_app, ids, login_as, client, token_for):
    plat = platform("web_form", "us", domain="figures.example")
    other = platform("web_form", "us", domain="quiet.example")
    cases = [case_with_urls(ids["holder_a"], [f"https://figures.example/v/{n}"]) for n in range(5)]
    a, b, c, e = (sent_takedown(cases[i], plat, at=NOW) for i in (0, 1, 2, 4))
    d = service.create_takedown(cases[3], plat, actor=system(), now=NOW)  # a draft: never sent
    service.acknowledge(a, actor=system(), now=NOW + DAY)                  # A answers after 1 day
    service.refuse(b, actor=system(), now=NOW + 2 * DAY, reason="fair use")  # B after 2 days
    service.record_platform_removal(e, actor=system(), now=NOW + DAY / 2)  # E says so after 12 hours
    gone = {"https://figures.example/v/0"}

    def fetch(url):
        return Fetched(404, None, 0) if url in gone else Fetched(200, "c" * 64, 5)

    url_rechecks(now=NOW + 3 * DAY, progress=lambda *a: None, fetcher=fetch)  # A removed at day 3
    gone.add("https://figures.example/v/4")
    url_rechecks(now=NOW + 4 * DAY + timedelta(hours=1), progress=lambda *a: None, fetcher=fetch)  # E: day 4 (+1h)
    assert (a.status, b.status, c.status, d.status, e.status) == ("removed", "refused", "sent", "draft", "removed")

    f = takedown_figures.figures([plat.id, other.id])
    # Sent: A, B, C, E = 4. Answered: A (1 d), B (2 d), E (0.5 d) = 3 -> 0.75, median 1 day.
    # Removed: A after 3 d, E after 4 d 1 h -> median (3 + 4.0417) / 2 = 3.52 days.
    assert f[plat.id]["sent"] == 4 and f[plat.id]["responded"] == 3 and f[plat.id]["response_rate"] == 0.75
    assert f[plat.id]["median_days_to_first_response"] == 1.0
    assert f[plat.id]["removed"] == 2 and f[plat.id]["median_days_to_removal"] == pytest.approx(3.52, abs=0.005)
    assert {k: v for k, v in f[plat.id]["by_status"].items() if v} == {"draft": 1, "sent": 1, "removed": 2,
                                                                         "refused": 1}
    assert f[other.id]["sent"] == 0 and f[other.id]["response_rate"] is None
    assert f[other.id]["median_days_to_removal"] is None

    page = login_as("legal").get("/takedowns/platforms").get_data(as_text=True)
    assert plat.name in page and "75%" in page and "3.52" in page
    own = login_as("legal").get(f"/platforms/{plat.id}").get_data(as_text=True)
    assert 'id="takedown-figures"' in own and "75%" in own and "(3/4)" in own
    body = client.get("/api/v1/takedowns/figures", headers=token_for("legal")).json
    row = next(i for i in body["items"] if i["platform"]["id"] == plat.id)
    assert row["response_rate"] == 0.75 and row["median_days_to_first_response"] == 1.0
    assert client.get("/api/v1/takedowns/figures", headers=token_for("counsel")).status_code == 403
