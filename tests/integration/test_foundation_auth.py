"""Logging in, throttling, CSRF, passwords and tokens through the app."""
from __future__ import annotations

from sqlalchemy import select

from casework.extensions import db
from casework.models import AuditEntry, User
from tests.conftest import PASSWORD, csrf_from


def _login(client, email, password, token=None):
    if token is None:
        token = csrf_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_login_and_logout(client, ids):
    resp = _login(client, "legal@test.example", PASSWORD)
    assert resp.status_code == 302
    home = client.get("/", follow_redirects=True)
    assert home.status_code == 200 and "Legal" in home.get_data(as_text=True)
    token = csrf_from(client.get("/account/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert client.get("/account/").status_code == 302  # back to the login page


def test_bad_login_says_so_without_telling_which_part(client):
    unknown = _login(client, "nobody@test.example", PASSWORD)
    wrong = _login(client, "legal@test.example", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert "Wrong e-mail address or password" in unknown.get_data(as_text=True)
    assert "Wrong e-mail address or password" in wrong.get_data(as_text=True)


def test_repeated_failures_lock_the_address(client):
    for _ in range(5):
        assert _login(client, "counsel@test.example", "not-it-at-all").status_code == 401
    locked = _login(client, "counsel@test.example", PASSWORD)  # even the right password now waits
    assert locked.status_code == 429
    assert "Too many failed attempts" in locked.get_data(as_text=True)


def test_deactivated_user_cannot_log_in(client, people):
    people["counsel2"].active = False
    db.session.commit()
    assert _login(client, "counsel2@test.example", PASSWORD).status_code == 401


def test_missing_or_forged_csrf_token_is_refused(client):
    missing = client.post("/login", data={"email": "legal@test.example", "password": PASSWORD})
    assert missing.status_code == 400
    forged = _login(client, "legal@test.example", PASSWORD, token="forged-token")
    assert forged.status_code == 400
    assert "form expired" in forged.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    resp = client.post("/login?next=https://evil.example/", data={
        "email": "legal@test.example", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302 and resp.headers["Location"] == "/"


def test_password_change(login_as, ids):
    c = login_as("legal")
    bad = c.post("/account/password", data={"current": "wrong", "new": "a-new-password-1",
                                             "confirm": "a-new-password-1"})
    assert bad.status_code == 400 and "current password is wrong" in bad.get_data(as_text=True)
    ok = c.post("/account/password", data={"current": PASSWORD, "new": "a-new-password-1",
                                            "confirm": "a-new-password-1"})
    assert ok.status_code == 302
    user = db.session.get(User, ids["legal"])
    assert user.password_hash.startswith("$argon2") and "a-new-password-1" not in user.password_hash


def test_token_created_in_the_ui_works_and_can_be_revoked(login_as, client):
    c = login_as("counsel")
    page = c.post("/account/tokens", data={"name": "my script", "scopes": ["read"]})
    token = page.get_data(as_text=True).split('<pre class="token">')[1].split("</pre>")[0]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["role"] == "counsel"
    from casework.models import ApiToken

    stored = db.session.scalar(select(ApiToken).where(ApiToken.name == "my script"))
    assert token not in stored.token_hash  # only a hash is kept
    c.post(f"/account/tokens/{stored.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_admin_creates_edits_and_deactivates_users(login_as, ids):
    c = login_as("admin")
    resp = c.post("/admin/users/new", data={"email": "new.counsel@test.example", "name": "New Counsel",
                                             "role": "counsel", "rights_holder": 0, "language": "en",
                                             "password": "long-enough-pw", "active": "y"})
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.counsel@test.example"))
    assert user.role == "counsel" and user.active
    bad = c.post("/admin/users/new", data={"email": "x@test.example", "name": "X", "role": "creator",
                                            "rights_holder": 0, "language": "en", "password": "long-enough-pw"})
    assert bad.status_code == 200 and "must belong to a rights holder" in bad.get_data(as_text=True)
    c.post(f"/admin/users/{user.id}", data={"email": user.email, "name": "New Counsel", "role": "counsel",
                                            "rights_holder": 0, "language": "zh", "password": ""})
    db.session.refresh(user)
    assert not user.active and user.language == "zh"
    actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.object_id == str(user.id))).all()
    assert "user.create" in actions and "user.update" in actions


def test_audit_log_filters(login_as):
    c = login_as("admin")
    page = c.get("/admin/audit?action=user.login")
    assert page.status_code == 200 and "user.login" in page.get_data(as_text=True)
