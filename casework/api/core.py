"""The API's plumbing: token authentication, endpoint declaration, validation, errors, pages.

Every endpoint is declared with `@endpoint(...)`, which registers the route, its access, and the
metadata the OpenAPI document is generated from, so the document cannot drift from the code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from contextlib import contextmanager
from functools import wraps
from typing import Any, Callable, Optional

import jsonschema
from flask import Blueprint, abort, current_app, g, request
from flask_login import AnonymousUserMixin, current_user
from sqlalchemy import func, select
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

from casework.extensions import db
from casework.models import utcnow
from casework.storage import StorageError, TooLarge
from casework.policy import allow
from casework.services import accounts
from casework.services.actor import Actor

bp = Blueprint("api", __name__, url_prefix="/api/v1")
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
LARGEST_INTEGER = 2**63 - 1  # what the database can store or compare with; amounts fit well inside
LARGEST_ID = 2**31 - 1  # ids are 32-bit integer columns (PostgreSQL refuses to compare one with more)


class ApiError(HTTPException):
    """An error with a JSON body: raise it anywhere under /api."""

    def __init__(self, status: int, message: str, details: Any = None, code: Optional[str] = None):
        super().__init__(description=message)
        self.code = status
        self.details = details
        self.error_code = code


@dataclass
class EndpointDoc:
    summary: str
    methods: tuple[str, ...]
    roles: tuple[str, ...]
    public: bool
    request_schema: Optional[dict] = None
    response_schema: Optional[dict] = None
    query: dict = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    request_kind: str = "json"  # or "multipart"
    response_kind: str = "json"  # or a media type such as "text/plain"
    status: int = 200


DOCS: dict[str, EndpointDoc] = {}


@bp.before_request
def authenticate_bearer() -> None:
    """Under /api only a bearer token counts; the browser's session cookie is ignored."""
    g._login_user = AnonymousUserMixin()
    g.api_token = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise ApiError(401, "the Authorization header must be 'Bearer <token>'")
    token = accounts.find_token(value.strip())
    if token is None:
        raise ApiError(401, "the token is unknown, revoked, or its user is deactivated")
    token.last_used_at = utcnow()
    g._login_user = token.user
    g.api_token = token


def endpoint(rule: str, *, methods=("GET",), roles: tuple[str, ...] = (), public: bool = False, summary: str = "",
             request_schema: Optional[dict] = None, response_schema: Optional[dict] = None,
             query: Optional[dict] = None, tags: tuple[str, ...] = (), request_kind: str = "json",
             response_kind: str = "json", status: int = 200):
    methods = tuple(m.upper() for m in methods)

    def decorate(view: Callable):
        @wraps(view)
        def scoped(*args, **kwargs):
            token = g.get("api_token")
            if token is not None:
                needed = "read" if request.method in ("GET", "HEAD") else "write"
                if needed not in (token.scopes or []):
                    raise ApiError(403, f"this token lacks the '{needed}' scope")
            return view(*args, **kwargs)

        guarded = allow(*roles, public=public)(scoped)
        endpoint_name = view.__name__
        DOCS[f"api.{endpoint_name}"] = EndpointDoc(
            summary=summary or (view.__doc__ or "").strip().split("\n")[0], methods=methods, roles=roles,
            public=public, request_schema=request_schema, response_schema=response_schema, query=query or {},
            tags=tags, request_kind=request_kind, response_kind=response_kind, status=status,
        )
        bp.add_url_rule(rule, endpoint_name, guarded, methods=list(methods))
        return guarded

    return decorate


def refuse_if_invalid(problems: list[dict]) -> None:
    """422 naming the first problems in its message and all of them in `details`; nothing if there are none."""
    if problems:
        raise ApiError(422, "the request is not valid: " + "; ".join(
            f"{p['field']}: {p['message']}" for p in problems[:3]), problems)


@contextmanager
def storage_refusals():
    """An upload's refusals by the blob store as API errors (413 past the size limit), the transaction
    rolled back so nothing of the request is kept."""
    try:
        yield
    except TooLarge as exc:
        db.session.rollback()
        raise ApiError(413, str(exc)) from None
    except StorageError as exc:
        db.session.rollback()
        raise ApiError(500, str(exc)) from None


def json_body(schema: Optional[dict] = None) -> Any:
    """The request's JSON, validated: 415 if it is not JSON, 413 if too large, 400 if malformed, 422 if invalid.

    JSON is read whole into memory, so its size is capped (MAX_JSON_BYTES, far above a batch of
    1,000 detections) well below the upload limit that multipart bodies stream under.
    """
    if not request.is_json:
        raise ApiError(415, "send JSON with Content-Type: application/json")
    limit = current_app.config.get("MAX_JSON_BYTES", 8 * 1024 * 1024)
    if request.content_length is not None and request.content_length > limit:
        raise ApiError(413, f"the JSON body is larger than {limit} bytes")
    # A chunked body has no Content-Length: Werkzeug then stops reading at max_content_length
    # (silently), so read one byte past the limit to tell a body that is too large.
    request.max_content_length = limit + 1
    try:
        too_large = len(request.get_data(cache=True)) > limit
    except RequestEntityTooLarge:
        too_large = True
    if too_large:
        raise ApiError(413, f"the JSON body is larger than {limit} bytes")
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        raise ApiError(400, "the request body is nested too deeply") from None
    if data is None:
        raise ApiError(400, "the request body is not valid JSON")
    try:
        unstorable = list(_unstorable_values(data))
    except RecursionError:
        raise ApiError(400, "the request body is nested too deeply") from None
    if unstorable:
        refuse_if_invalid([{"field": f or "(body)", "message": m} for f, m in unstorable[:50]])
    if schema is not None:
        validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        if errors:
            refuse_if_invalid([{"field": "/".join(str(p) for p in e.absolute_path) or "(body)", "message": e.message}
                               for e in errors[:50]])
    return data


def _bad_text(text: str) -> Optional[str]:
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "is not valid Unicode (a lone surrogate \\ud800-\\udfff)"
    return None


ID_FIELDS = ("owner", "counsel", "id")


def _names_an_id(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return name in ID_FIELDS or name.endswith("_id")


def _unstorable_values(value: Any, path: str = ""):
    """(field, message) for what no database column can hold: integers past 64 bits, NUL characters and
    lone surrogates in strings or keys (JSON allows all three; SQLite or PostgreSQL refuse them)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if abs(value) > LARGEST_INTEGER:  # a float too: JSON Schema counts 1e308 as an integer
            yield path, "this number is too large"
        elif abs(value) > LARGEST_ID and _names_an_id(path):
            yield path, "there is no such id"
    elif isinstance(value, str):
        problem = _bad_text(value)
        if problem:
            yield path, problem
    elif isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}/{key}" if path else str(key)
            problem = _bad_text(key)
            if problem:
                yield path or "(body)", f"a key {problem}"
                continue
            yield from _unstorable_values(item, where)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unstorable_values(item, f"{path}/{index}" if path else str(index))


def whole_number(raw: str, largest: int = LARGEST_ID) -> int:
    """A query or form value as an id (or, with `largest`, a count) the database can hold; ValueError
    otherwise (e.g. "²", 2**31)."""
    if not (raw.isascii() and raw.isdigit()) or int(raw) > largest:
        raise ValueError(f"{raw!r} is not a whole number the database can hold")
    return int(raw)


def page_params() -> tuple[int, int]:
    try:
        page = int(request.args.get("page", 1))
        per_page = int(request.args.get("per_page", 50))
    except ValueError:
        raise ApiError(400, "page and per_page must be whole numbers") from None
    if page < 1 or page > MAX_PAGE or per_page < 1 or per_page > MAX_PER_PAGE:
        raise ApiError(400, f"page must be between 1 and {MAX_PAGE} and per_page between 1 and {MAX_PER_PAGE}")
    return page, per_page


def paginate(stmt, serialize: Callable[[Any], dict]) -> dict:
    page, per_page = page_params()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.offset((page - 1) * per_page).limit(per_page)).all()
    return {"items": [serialize(r) for r in rows], "page": page, "per_page": per_page, "total": total}


def actor() -> Actor:
    return Actor.for_user(current_user, ip=(request.remote_addr or "")[:45],
                          token_id=getattr(g.get("api_token"), "id", None))


def not_found(what: str = "not found") -> None:
    abort(404, description=what)


PAGE_QUERY = {
    "page": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "description": "page number, from 1"},
    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
}


def page_schema(item: dict) -> dict:
    return {"type": "object", "properties": {
        "items": {"type": "array", "items": item}, "page": {"type": "integer"},
        "per_page": {"type": "integer"}, "total": {"type": "integer"}}}
