"""Demo accounts and rights holders."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from casework.extensions import db
from casework.models import RightsHolder, User
from casework.services import accounts
from casework.services.actor import Actor

HOLDERS = [
    dict(name="Lin Xiaoyu (林晓雨)", kind="person", email="lin.xiaoyu@demo.test", phone="+86 21 5555 0101",
         address="上海市徐汇区漕溪北路 88 号 12 楼 1203 室, Shanghai 200030", registration_number="310104199001011234"),
    dict(name="Shanghai Starlight Animation Co., Ltd. (上海星光动画有限公司)", kind="company",
         email="legal@starlight-animation.demo.test", phone="+86 21 5555 0202",
         address="上海市浦东新区张江路 500 号 3 号楼, Shanghai 201203", registration_number="91310115MA1K4XXXXX"),
]

USERS = [
    dict(email="admin@demo.test", name="Ada Admin", role="admin"),
    dict(email="legal@demo.test", name="Li Fawu (李法务)", role="legal"),
    dict(email="counsel@demo.test", name="Chen Lüshi (陈律师)", role="counsel",
         organisation="Shanghai Zhengyi Law Firm (上海正义律师事务所)"),
    dict(email="creator@demo.test", name="Lin Xiaoyu (林晓雨)", role="creator", holder=0, language="zh"),
]


def seed(now: datetime) -> list[str]:
    from casework.seed import DEMO_PASSWORD

    actor = Actor.system("seed-demo")
    holders = []
    for spec in HOLDERS:
        holder = db.session.scalar(select(RightsHolder).where(RightsHolder.name == spec["name"]))
        if holder is None:
            holder = accounts.create_rights_holder(actor=actor, now=now, **spec)
        holders.append(holder)
    lines = []
    for spec in USERS:
        spec = dict(spec)
        holder = holders[spec.pop("holder")] if "holder" in spec else None
        if db.session.scalar(select(User.id).where(User.email == spec["email"])) is None:
            accounts.create_user(spec.pop("email"), spec.pop("name"), spec.pop("role"), DEMO_PASSWORD,
                                 actor=actor, now=now, rights_holder=holder, **spec)
    for spec in USERS:
        lines.append(f"  {spec['email']:<22} role {spec['role']:<8} password {DEMO_PASSWORD}")
    return ["Demo accounts:"] + lines
