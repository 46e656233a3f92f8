"""Demo monitoring and cases: platforms, infringers, detections to review, cases at several stages with
timelines, deadlines (one overdue), a licence allow-list and a watched URL. Idempotent: everything is
looked up by name or title first.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from casework.extensions import db
from casework.models import User
from casework.models.cases import Case, CaseNote
from casework.models.monitoring import Detection, Infringer, Platform, WatchedUrl, WorkLicence
from casework.models.scheduling import Deadline
from casework.services import cases as case_service
from casework.services import deadlines, detections, monitoring
from casework.services.actor import Actor
from casework.workflow import transition

PLATFORMS = [
    dict(name="Bilibili (哔哩哔哩)", domains="bilibili.com\nb23.tv", takedown_channel="web_form",
         channel_address="https://www.bilibili.com/blackboard/help.html#/copyright", notice_format="cn"),
    dict(name="Douyin (抖音)", domains="douyin.com\niesdouyin.com", takedown_channel="email",
         channel_address="copyright@douyin.demo.test", notice_format="cn"),
    dict(name="Weibo (微博)", domains="weibo.com\nweibo.cn", takedown_channel="email",
         channel_address="ip@weibo.demo.test", notice_format="cn"),
    dict(name="YouTube", domains="youtube.com\nyoutu.be", takedown_channel="web_form",
         channel_address="https://www.youtube.com/copyright_complaint_form", notice_format="us"),
    dict(name="Baidu Netdisk (百度网盘)", domains="pan.baidu.com", takedown_channel="email",
         channel_address="ipr@baidu.demo.test", notice_format="cn"),
]
INFRINGERS = [
    dict(name="盗版影视网 (pirate-films.demo.test)", kind="site", domains=["pirate-films.demo.test"],
         contacts="admin@pirate-films.demo.test", address="Unknown; hosted abroad"),
    dict(name="Weibo user 搬运小王", kind="platform_account", accounts=["weibo.com/u/5550001"]),
    dict(name="Shenzhen Copycat Trading Co., Ltd. (深圳仿制贸易有限公司)", kind="company",
         domains=["copycat-shop.demo.test"], contacts="+86 755 5555 0303",
         address="深圳市南山区科技园 1 号, Shenzhen 518057"),
    dict(name="Bilibili uploader 资源君", kind="platform_account", accounts=["space.bilibili.com/8880002"]),
]


def _works():
    from casework.models.works import Work

    return list(db.session.scalars(select(Work).order_by(Work.id).limit(4)))


def _platform(spec, actor, now) -> Platform:
    platform = db.session.scalar(select(Platform).where(Platform.name == spec["name"]))
    return platform or monitoring.create_platform(actor=actor, now=now, **spec)


def _infringer(spec, actor, now) -> Infringer:
    infringer = db.session.scalar(select(Infringer).where(Infringer.name == spec["name"]))
    return infringer or monitoring.create_infringer(actor=actor, now=now, **spec)


def _case(title: str, stages: list[str], work, urls: list[str], infringer, *, actor, now, opened: datetime,
          owner=None, counsel=None, outcome=None, tags=(), note="") -> Case:
    case = db.session.scalar(select(Case).where(Case.title == title))
    if case is not None:
        return case
    case = case_service.open_case(title=title, works=[work], infringer=infringer, owner=owner, counsel=counsel,
                                  tags=tags, actor=actor, now=opened)
    for url in urls:  # each URL was a detection, confirmed into the case the day after it was seen
        seen = opened - timedelta(days=1)
        result = detections.intake([{"work_id": work.id, "url": url, "detected_at": seen, "similarity": 0.96}],
                                   source="api", actor=actor, now=seen)
        detection = db.session.get(Detection, (result.created or result.duplicates)[0])
        if detection.status == "pending":
            detections.confirm(detection, actor=actor, now=opened, case=case)
    when = opened
    for stage in stages:
        when = when + timedelta(days=3)
        transition(case, stage, actor=actor, now=min(when, now), outcome=outcome if stage == "closed" else None,
                   note=note if stage == stages[-1] else None)
    return case


def seed(now: datetime) -> list[str]:
    actor = Actor.system("seed-demo")
    works = _works()
    if not works:
        return ["Cases: no works yet (the works demo data comes first); skipped."]
    # Litigation is left out on purpose: entering it needs a sealed evidence bundle (the evidence domain's guard).
    legal = db.session.scalar(select(User).where(User.email == "legal@demo.test"))
    counsel = db.session.scalar(select(User).where(User.email == "counsel@demo.test"))
    platforms = [_platform(spec, actor, now) for spec in PLATFORMS]
    infringers = [_infringer(spec, actor, now) for spec in INFRINGERS]
    w = lambda i: works[i % len(works)]  # noqa: E731

    if db.session.scalar(select(WorkLicence.id).where(WorkLicence.work_id == w(0).id)) is None:
        monitoring.add_licence(w(0).id, kind="domain", value="licensed-partner.demo.test",
                               licensee="Licensed Partner Media (授权合作方)", actor=actor, now=now)
    if db.session.scalar(select(WatchedUrl.id).where(WatchedUrl.work_id == w(1).id)) is None:
        monitoring.watch_url(w(1).id, "https://pirate-films.demo.test/new-releases", actor=actor, now=now,
                             note="The site re-uploads after every takedown")

    pending = [
        (0, "https://www.bilibili.com/video/BV1demo0001", 0.97, 1, None),
        (0, "https://www.douyin.com/video/7300000000000000001", 0.91, 2, None),
        (0, "https://licensed-partner.demo.test/gallery/12", 0.99, 2, None),
        (1, "https://pirate-films.demo.test/watch/starlight-ep1?utm_source=feed", 0.95, 1, None),
        (1, "https://pirate-films.demo.test/watch/starlight-ep2", 0.94, 1, None),
        (1, "https://pan.baidu.com/s/1demoShare", 0.88, 3, None),
        (2, "https://weibo.com/u/5550001/status/1", 0.83, 4, "Weibo user 搬运小王"),
        (2, "https://www.youtube.com/watch?v=demo0000001", 0.72, 5, None),
        (3, "https://copycat-shop.demo.test/item/88", 0.66, 6, None),
        (3, "https://random-blog.demo.test/2026/fan-art", 0.41, 7, None),
    ]
    items = [{"work_id": w(i).id, "url": url, "similarity": score, "detected_at": now - timedelta(days=days),
              **({"infringer": name} if name else {})} for i, url, score, days, name in pending]
    intake = detections.intake(items, source="api", actor=actor, now=now)

    opened = now - timedelta(days=40)
    cases = [
        _case("Pirate film site streams Starlight episodes", ["letter", "takedown"], w(1),
              ["https://pirate-films.demo.test/watch/starlight-ep0"], infringers[0], actor=actor, now=now,
              opened=opened, owner=legal, counsel=counsel, tags=("film", "repeat"),
              note="No answer to the letter within 7 days"),
        _case("Copycat shop sells prints of the poster", ["letter"], w(0),
              ["https://copycat-shop.demo.test/item/12"], infringers[2], actor=actor, now=now,
              opened=now - timedelta(days=12), owner=legal, tags=("merchandise",)),
        _case("Weibo account reposts illustrations", [], w(2), ["https://weibo.com/u/5550001/status/0"],
              infringers[1], actor=actor, now=now, opened=now - timedelta(days=3), owner=legal),
        _case("Bilibili uploader re-cuts the animation", ["takedown", "evidence"], w(3),
              ["https://www.bilibili.com/video/BV1demo0000"], infringers[3], actor=actor, now=now,
              opened=now - timedelta(days=25), owner=legal, counsel=counsel, tags=("animation",)),
        _case("Netdisk share of the soundtrack (removed)", ["takedown", "closed"], w(1),
              ["https://pan.baidu.com/s/1demoGone"], infringers[0], actor=actor, now=now,
              opened=now - timedelta(days=60), owner=legal, outcome="removed", note="Removal confirmed by re-check"),
    ]
    first = cases[0]
    if not db.session.scalar(select(CaseNote.id).where(CaseNote.case_id == first.id)):
        case_service.add_note(first, "Repeat infringer: consider litigation if the takedown is refused.", actor=actor,
                              now=now)
    if not db.session.scalar(select(Deadline.id).where(Deadline.case_id == first.id)):
        deadlines.create(kind="platform_response", title="Hosting provider's reply to the takedown notice",
                         due_at=now - timedelta(days=2), case=first, actor=actor, now=now,
                         source_type="case", source_id=first.id)
        deadlines.create(kind="follow_up", title="Re-check the mirror sites", due_at=now + timedelta(days=1),
                         case=first, actor=actor, now=now, source_type="case", source_id=first.id)
        deadlines.create(kind="letter_response", title="Reply to the cease-and-desist letter",
                         due_at=now + timedelta(days=9), case=cases[1], actor=actor, now=now,
                         source_type="case", source_id=cases[1].id)
    db.session.flush()
    return [f"Cases: {len(platforms)} platforms, {len(infringers)} infringers, {len(intake.created)} new detection(s) "
            f"to review, {len(cases)} cases at several stages (one deadline overdue)."]

