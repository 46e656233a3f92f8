"""Infringers, platforms, licence allow-lists and watched URLs: who infringes, where, and who may.

Matching helpers (`platform_matcher`, `infringer_matcher`, `licence_matcher`) load what a whole
batch needs in one query each, so intake stays fast.
"""
from __future__ import annotations

import re
import statistics
from datetime import datetime
from typing import Callable, Iterable, Optional

from sqlalchemy import func, select

from casework.extensions import db
from casework.models.cases import Case, CaseUrl
from casework.models.monitoring import (ALIAS_KINDS, INFRINGER_KINDS, NOTICE_FORMATS, TAKEDOWN_CHANNELS, Detection,
                                        Infringer, InfringerAlias, Platform, WatchedUrl, WorkLicence)
from casework.services import audit
from casework.services.actor import Actor
from casework.urls import UrlError, domain_suffixes, host_matches, host_of, normalize_url, url_hash

_ACCOUNT = re.compile(r"^[^\s]{1,300}$")


class MonitoringError(ValueError):
    """Invalid infringer, platform, licence or watched URL data; the message is safe to show."""


# --- aliases ----------------------------------------------------------------------------------

def normalize_domain(value: str) -> str:
    """A bare host name from 'Example.COM', 'https://www.example.com/x' or 'example.com.'."""
    text = (value or "").strip()
    if not text:
        raise MonitoringError("an empty domain")
    candidate = text if "://" in text else "http://" + text
    try:
        host = host_of(normalize_url(candidate))
    except UrlError as exc:
        raise MonitoringError(f"{value!r} is not a domain: {exc}") from None
    if "." not in host:
        raise MonitoringError(f"{value!r} is not a domain")
    return host


def normalize_account(value: str) -> str:
    """An account as 'host/path' ('https://weibo.com/u/123/' -> 'weibo.com/u/123') or a bare handle."""
    text = (value or "").strip()
    if not text:
        raise MonitoringError("an empty account")
    if "://" in text or ("/" in text and "." in text.split("/", 1)[0]):
        candidate = text if "://" in text else "https://" + text
        try:
            normalized = normalize_url(candidate)
        except UrlError as exc:
            raise MonitoringError(f"{value!r} is not an account URL: {exc}") from None
        rest = normalized.split("://", 1)[1]
        return rest.split("?", 1)[0].rstrip("/")
    if not _ACCOUNT.match(text):
        raise MonitoringError(f"{value!r} is not an account handle")
    return text.lower()


def _split_lines(values) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        values = re.split(r"[\n,;]+", values)
    return [v.strip() for v in values if v and v.strip()]


def _set_aliases(infringer: Infringer, domains, accounts) -> None:
    wanted = [("domain", normalize_domain(d)) for d in _split_lines(domains)]
    wanted += [("account", normalize_account(a)) for a in _split_lines(accounts)]
    wanted = list(dict.fromkeys(wanted))
    for kind, value in wanted:
        owner = db.session.scalar(select(InfringerAlias).where(InfringerAlias.kind == kind,
                                                               InfringerAlias.value == value))
        if owner is not None and owner.infringer_id != infringer.id:
            other = db.session.get(Infringer, owner.infringer_id)
            raise MonitoringError(f"the {kind} {value} already belongs to infringer #{other.id} {other.name}")
    current = {(a.kind, a.value): a for a in infringer.aliases}
    for key, alias in current.items():
        if key not in wanted:
            infringer.aliases.remove(alias)
    for kind, value in wanted:
        if (kind, value) not in current:
            infringer.aliases.append(InfringerAlias(kind=kind, value=value))


# --- infringers -------------------------------------------------------------------------------

def create_infringer(*, name: str, kind: str, actor: Actor, now: datetime, domains=(), accounts=(),
                     contacts: str = "", address: str = "", notes: str = "") -> Infringer:
    name = (name or "").strip()
    if not name:
        raise MonitoringError("an infringer needs a name")
    if kind not in INFRINGER_KINDS:
        raise MonitoringError(f"kind must be one of {', '.join(INFRINGER_KINDS)}")
    infringer = Infringer(name=name[:200], kind=kind, contacts=contacts or "", address=address or "",
                          notes=notes or "", created_at=now, updated_at=now)
    db.session.add(infringer)
    db.session.flush()
    _set_aliases(infringer, domains, accounts)
    db.session.flush()
    audit.record(actor, "infringer.create", infringer, infringer.name, now=now)
    return infringer


def update_infringer(infringer: Infringer, *, actor: Actor, now: datetime, **fields) -> Infringer:
    allowed = {"name", "kind", "domains", "accounts", "contacts", "address", "notes"}
    unknown = set(fields) - allowed
    if unknown:
        raise MonitoringError(f"cannot change {', '.join(sorted(unknown))}")
    if "name" in fields and not str(fields["name"] or "").strip():
        raise MonitoringError("an infringer needs a name")
    if "kind" in fields and fields["kind"] not in INFRINGER_KINDS:
        raise MonitoringError(f"kind must be one of {', '.join(INFRINGER_KINDS)}")
    for key in ("name", "kind", "contacts", "address", "notes"):
        if key in fields:
            setattr(infringer, key, (fields[key] or "").strip() if key == "name" else (fields[key] or ""))
    if "domains" in fields or "accounts" in fields:
        _set_aliases(infringer, fields.get("domains", infringer.domains), fields.get("accounts", infringer.accounts))
    infringer.updated_at = now
    db.session.flush()
    audit.record(actor, "infringer.update", infringer, infringer.name, now=now)
    return infringer


def infringer_history(infringer_ids: Iterable[int]) -> dict[int, dict]:
    """Per infringer: cases (all, open), detections: one grouped query each, for lists and pages."""
    ids = list(set(infringer_ids))
    out = {i: {"cases": 0, "open_cases": 0, "detections": 0} for i in ids}
    if not ids:
        return out
    for iid, total, open_ in db.session.execute(
            select(Case.infringer_id, func.count(Case.id), func.count(Case.id).filter(Case.stage != "closed"))
            .where(Case.infringer_id.in_(ids)).group_by(Case.infringer_id)):
        out[iid].update(cases=total, open_cases=open_)
    for iid, total in db.session.execute(select(Detection.infringer_id, func.count(Detection.id))
                                         .where(Detection.infringer_id.in_(ids)).group_by(Detection.infringer_id)):
        out[iid]["detections"] = total
    return out


def is_repeat(history: dict) -> bool:
    """A repeat infringer: more than one case, or a new case while another is open."""
    return history.get("cases", 0) > 1


def infringer_matcher(hosts_and_urls: Iterable[tuple[str, str]]) -> Callable[[str, str], Optional[int]]:
    """A function (host, normalized url) -> infringer id from account and domain aliases, loaded in one query."""
    values: set[str] = set()
    pairs = list(hosts_and_urls)
    for host, url in pairs:
        values.update(domain_suffixes(host))
        values.update(_account_prefixes(url))
    found: dict[tuple[str, str], int] = {}
    if values:
        for kind, value, iid in db.session.execute(
                select(InfringerAlias.kind, InfringerAlias.value, InfringerAlias.infringer_id)
                .where(InfringerAlias.value.in_(sorted(values)))):
            found[(kind, value)] = iid

    def match(host: str, url: str) -> Optional[int]:
        for prefix in _account_prefixes(url):  # the longest (most specific) account first
            if ("account", prefix) in found:
                return found[("account", prefix)]
        for suffix in domain_suffixes(host):
            if ("domain", suffix) in found:
                return found[("domain", suffix)]
        return None

    return match


def _account_prefixes(url: str) -> list[str]:
    """'https://weibo.com/u/123/x' -> ['weibo.com/u/123/x', 'weibo.com/u/123', 'weibo.com/u']."""
    rest = url.split("://", 1)[-1].split("?", 1)[0].rstrip("/")
    parts = rest.split("/")
    return ["/".join(parts[:i]) for i in range(len(parts), 1, -1)]


def infringer_for_url(url: str) -> Optional[Infringer]:
    normalized = normalize_url(url)
    iid = infringer_matcher([(host_of(normalized), normalized)])(host_of(normalized), normalized)
    return db.session.get(Infringer, iid) if iid else None


def find_infringer_by_name(name: str) -> Optional[Infringer]:
    return db.session.scalar(select(Infringer).where(func.lower(Infringer.name) == name.strip().lower())
                             .order_by(Infringer.id).limit(1))


# --- platforms --------------------------------------------------------------------------------

def _platform_fields(fields: dict) -> dict:
    out = {}
    if "name" in fields:
        name = str(fields["name"] or "").strip()
        if not name:
            raise MonitoringError("a platform needs a name")
        out["name"] = name[:200]
    if "takedown_channel" in fields:
        if fields["takedown_channel"] not in TAKEDOWN_CHANNELS:
            raise MonitoringError(f"the takedown channel must be one of {', '.join(TAKEDOWN_CHANNELS)}")
        out["takedown_channel"] = fields["takedown_channel"]
    if "notice_format" in fields:
        if fields["notice_format"] not in NOTICE_FORMATS:
            raise MonitoringError("the notice format is us or cn")
        out["notice_format"] = fields["notice_format"]
    if "channel_address" in fields:
        out["channel_address"] = str(fields["channel_address"] or "").strip()[:500]
    if "domains" in fields:
        out["domains"] = list(dict.fromkeys(normalize_domain(d) for d in _split_lines(fields["domains"])))
    if "notes" in fields:
        out["notes"] = fields["notes"] or ""
    channel = out.get("takedown_channel", fields.get("_current_channel"))
    address = out.get("channel_address", fields.get("_current_address", ""))
    if channel == "email" and address and "@" not in address:
        raise MonitoringError("an e-mail channel needs an e-mail address")
    if channel in ("web_form", "api") and address and not address.startswith(("http://", "https://")):
        raise MonitoringError("a web form or API channel needs an http(s) address")
    return out


def create_platform(*, actor: Actor, now: datetime, **fields) -> Platform:
    values = _platform_fields({"takedown_channel": "email", "notice_format": "cn", **fields})
    if "name" not in values:
        raise MonitoringError("a platform needs a name")
    if db.session.scalar(select(Platform.id).where(func.lower(Platform.name) == values["name"].lower())):
        raise MonitoringError(f"a platform named {values['name']} already exists")
    platform = Platform(created_at=now, updated_at=now, **values)
    db.session.add(platform)
    db.session.flush()
    audit.record(actor, "platform.create", platform, platform.name, now=now)
    return platform


def update_platform(platform: Platform, *, actor: Actor, now: datetime, **fields) -> Platform:
    allowed = {"name", "takedown_channel", "channel_address", "notice_format", "domains", "notes"}
    if set(fields) - allowed:
        raise MonitoringError(f"cannot change {', '.join(sorted(set(fields) - allowed))}")
    values = _platform_fields({**fields, "_current_channel": platform.takedown_channel,
                               "_current_address": platform.channel_address})
    if "name" in values and db.session.scalar(select(Platform.id).where(
            func.lower(Platform.name) == values["name"].lower(), Platform.id != platform.id)):
        raise MonitoringError(f"a platform named {values['name']} already exists")
    for key, value in values.items():
        setattr(platform, key, value)
    platform.updated_at = now
    db.session.flush()
    audit.record(actor, "platform.update", platform, platform.name, now=now)
    return platform


def platform_matcher() -> Callable[[str], Optional[int]]:
    """host -> platform id, from every platform's domains (a handful of rows, loaded once)."""
    by_domain: dict[str, int] = {}
    for pid, domains in db.session.execute(select(Platform.id, Platform.domains).order_by(Platform.id)):
        for d in domains or []:
            by_domain.setdefault(d, pid)

    def match(host: str) -> Optional[int]:
        for suffix in domain_suffixes(host):
            if suffix in by_domain:
                return by_domain[suffix]
        return None

    return match


def platform_for_host(host: str) -> Optional[Platform]:
    pid = platform_matcher()(host)
    return db.session.get(Platform, pid) if pid else None


def find_platform(ref) -> Optional[Platform]:
    """A platform by id or (case-insensitive) name."""
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        return db.session.get(Platform, int(ref))
    return db.session.scalar(select(Platform).where(func.lower(Platform.name) == str(ref).strip().lower()))


# Other domains add platform figures (e.g. takedown response times) without editing this module:
# fn(platform_ids) -> {platform_id: {label: value}}
PLATFORM_STATS: list[Callable[[list[int]], dict[int, dict]]] = []


def platform_stats(platform_ids: list[int]) -> dict[int, dict]:
    """Measured from our own records: URLs seen, URLs removed, median days from detection to removal."""
    out: dict[int, dict] = {pid: {} for pid in platform_ids}
    if not platform_ids:
        return out
    seen = dict(db.session.execute(select(CaseUrl.platform_id, func.count(CaseUrl.id))
                                   .where(CaseUrl.platform_id.in_(platform_ids)).group_by(CaseUrl.platform_id)).all())
    removals: dict[int, list[float]] = {}
    for pid, first, removed in db.session.execute(
            select(CaseUrl.platform_id, CaseUrl.first_detected_at, CaseUrl.removed_at)
            .where(CaseUrl.platform_id.in_(platform_ids), CaseUrl.removed_at.is_not(None))):
        removals.setdefault(pid, []).append((removed - first).total_seconds() / 86400)
    for pid in platform_ids:
        days = removals.get(pid, [])
        out[pid] = {"urls": seen.get(pid, 0), "removed": len(days),
                    "median_days_to_removal": round(statistics.median(days), 1) if days else None}
    for contribute in PLATFORM_STATS:
        for pid, values in contribute(platform_ids).items():
            out.setdefault(pid, {}).update(values)
    return out


# --- licences ---------------------------------------------------------------------------------

def add_licence(work_id: int, *, kind: str, value: str, actor: Actor, now: datetime, licensee: str = "",
                valid_until: Optional[datetime] = None) -> WorkLicence:
    if kind not in ALIAS_KINDS:
        raise MonitoringError("a licence names a domain or an account")
    value = normalize_domain(value) if kind == "domain" else normalize_account(value)
    if db.session.scalar(select(WorkLicence.id).where(WorkLicence.work_id == work_id, WorkLicence.kind == kind,
                                                      WorkLicence.value == value)):
        raise MonitoringError(f"{value} is already on this work's allow-list")
    licence = WorkLicence(work_id=work_id, kind=kind, value=value, licensee=(licensee or "").strip()[:200],
                          valid_until=valid_until, created_at=now, created_by_id=actor.user_id)
    db.session.add(licence)
    db.session.flush()
    audit.record(actor, "licence.add", licence, f"work {work_id}: {kind} {value}", now=now)
    return licence


def remove_licence(licence: WorkLicence, *, actor: Actor, now: datetime) -> None:
    audit.record(actor, "licence.remove", licence, f"work {licence.work_id}: {licence.kind} {licence.value}", now=now)
    db.session.delete(licence)
    db.session.flush()


def licence_matcher(work_ids: Iterable[int], now: datetime) -> Callable[[int, str, str], Optional[str]]:
    """(work id, host, normalized url) -> why it is licensed, or None; one query for the batch's works."""
    by_work: dict[int, list[WorkLicence]] = {}
    ids = list(set(work_ids))
    if ids:
        for lic in db.session.scalars(select(WorkLicence).where(WorkLicence.work_id.in_(ids))):
            if lic.valid_until is None or lic.valid_until >= now:
                by_work.setdefault(lic.work_id, []).append(lic)

    def match(work_id: int, host: str, url: str) -> Optional[str]:
        prefixes = None
        for lic in by_work.get(work_id, ()):
            if lic.kind == "domain" and host_matches(host, lic.value):
                return f"licensed domain {lic.value}" + (f" ({lic.licensee})" if lic.licensee else "")
            if lic.kind == "account":
                prefixes = prefixes if prefixes is not None else _account_prefixes(url)
                if lic.value in prefixes:
                    return f"licensed account {lic.value}" + (f" ({lic.licensee})" if lic.licensee else "")
        return None

    return match


# --- watched URLs -------------------------------------------------------------------------------

def watch_url(work_id: int, url: str, *, actor: Actor, now: datetime, note: str = "") -> WatchedUrl:
    try:
        normalized = normalize_url(url)
    except UrlError as exc:
        raise MonitoringError(str(exc)) from None
    key = url_hash(normalized)
    if db.session.scalar(select(WatchedUrl.id).where(WatchedUrl.work_id == work_id, WatchedUrl.url_hash == key)):
        raise MonitoringError("this URL is already watched for this work")
    host = host_of(normalized)
    infringer_id = infringer_matcher([(host, normalized)])(host, normalized)
    row = WatchedUrl(work_id=work_id, url=url.strip(), url_normalized=normalized, url_hash=key, host=host,
                     platform_id=platform_matcher()(host), infringer_id=infringer_id, note=note or "", active=True,
                     created_at=now, created_by_id=actor.user_id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "watch.add", row, normalized, now=now)
    return row


def set_watch_active(row: WatchedUrl, active: bool, *, actor: Actor, now: datetime) -> None:
    row.active = active
    audit.record(actor, "watch.resume" if active else "watch.stop", row, row.url_normalized, now=now)
