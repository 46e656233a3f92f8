"""Walk every registered route as every role and check that access matches its declaration.

A route registered without `@allow(...)` (or the API's `@endpoint`) fails here, so no page or
endpoint can be added without deciding who may reach it.
"""
from __future__ import annotations

import re

import pytest

from casework.policy import EVERYONE, RouteAccess

SKIP_ENDPOINTS = {"static"}
# Ending the session would spoil the shared client; logout is tested on its own.
NOT_WALKED_WHEN_LOGGED_IN = {"auth.logout"}
ARG = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def _url(rule) -> str:
    def fill(m):
        conv = m.group(1) or "string"
        if conv == "int":
            return "999999"
        if conv == "path":
            return "no/such/thing"
        return "zz"

    return ARG.sub(fill, rule.rule)


def _rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS]


def test_every_route_declares_its_access(app):
    missing = [r.endpoint for r in _rules(app) if not isinstance(getattr(app.view_functions[r.endpoint], "access", None),
                                                                RouteAccess)]
    assert not missing, f"routes without @allow: {missing}"


@pytest.mark.parametrize("role", [None, *EVERYONE])
def test_every_route_enforces_its_declaration(app, login_as, role):
    client = login_as(role) if role else None
    anon = app.test_client()
    if client is None:
        from tests.conftest import PageClient, csrf_from

        client = PageClient(anon, csrf_from(anon.get("/login").get_data(as_text=True)), None)
    problems = []
    for rule in _rules(app):
        access: RouteAccess = app.view_functions[rule.endpoint].access
        if role and rule.endpoint in NOT_WALKED_WHEN_LOGGED_IN:
            continue
        url = _url(rule)
        is_api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                resp = client.get(url)
            elif is_api:
                resp = client.c.open(url, method=method, json={})
            else:
                resp = client.post(url, data={}) if method == "POST" else client.c.open(url, method=method)
            status = resp.status_code
            if access.public:
                ok = status not in (401, 403)
            elif role is None:
                ok = status == 401 if is_api else (status == 302 and "/login" in resp.headers.get("Location", ""))
            elif is_api:
                ok = status == 401  # the API ignores the session: only bearer tokens count
            elif role in access.roles:
                ok = status not in (401, 403) and not (status == 302 and "/login" in resp.headers.get("Location", ""))
            else:
                ok = status in (403, 404)
            if not ok:
                problems.append(f"{method} {url} as {role or 'anonymous'}: {status}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", EVERYONE)
def test_every_api_route_enforces_its_declaration_with_tokens(app, client, token_for, role):
    headers = token_for(role)
    problems = []
    for rule in _rules(app):
        if not rule.rule.startswith("/api/"):
            continue
        access: RouteAccess = app.view_functions[rule.endpoint].access
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(_url(rule), method=method, headers=headers, json={} if method != "GET" else None)
            allowed = access.public or role in access.roles
            ok = resp.status_code not in (401, 403) if allowed else resp.status_code in (403, 404)
            if not ok or resp.mimetype not in ("application/json", "text/plain", "application/pdf",
                                               "application/zip", "application/octet-stream"):
                problems.append(f"{method} {rule.rule} as {role}: {resp.status_code} {resp.mimetype}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role,path,expected", [
    ("legal", "/admin/users", 403), ("counsel", "/admin/users", 403), ("creator", "/admin/users", 403),
    ("admin", "/admin/users", 200), ("counsel", "/admin/rights-holders", 403),
    ("creator", "/admin/rights-holders", 403), ("legal", "/admin/rights-holders", 200),
    ("legal", "/admin/audit", 403), ("admin", "/admin/audit", 200),
])
def test_admin_pages_by_role(login_as, role, path, expected):
    assert login_as(role).get(path).status_code == expected
