"""The OpenAPI 3.1 document, generated from the registered routes and their declarations."""
from __future__ import annotations

import re

from flask import current_app

from casework import __version__
from casework.api.core import DOCS, endpoint

ERROR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "details": {}}}}}
_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")
_TYPES = {"int": "integer", "float": "number"}


def build() -> dict:
    paths: dict[str, dict] = {}
    for rule in current_app.url_map.iter_rules():
        doc = DOCS.get(rule.endpoint)
        if doc is None:
            continue
        path = _CONVERTER.sub(lambda m: "{" + m.group(2) + "}", rule.rule)
        params = [{"name": m.group(2), "in": "path", "required": True,
                   "schema": {"type": _TYPES.get(m.group(1) or "", "string")}}
                  for m in _CONVERTER.finditer(rule.rule)]
        for method in doc.methods:
            op: dict = {
                "operationId": rule.endpoint.split(".", 1)[1] + ("" if len(doc.methods) == 1 else "_" + method.lower()),
                "summary": doc.summary,
                "tags": list(doc.tags),
                "parameters": params + [{"name": k, "in": "query", "required": False, "schema": v}
                                        for k, v in doc.query.items()],
                "responses": _responses(doc),
            }
            if doc.public:
                op["security"] = []
            else:
                op["description"] = "Roles: " + ", ".join(doc.roles)
            if doc.request_schema is not None and method not in ("GET", "DELETE"):
                kind = "multipart/form-data" if doc.request_kind == "multipart" else "application/json"
                op["requestBody"] = {"required": True, "content": {kind: {"schema": doc.request_schema}}}
            paths.setdefault(path, {})[method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "Yidun Casework API", "version": "1", "x-software-version": __version__},
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Error": ERROR},
        },
        "security": [{"bearer": []}],
        "paths": dict(sorted(paths.items())),
    }


def _responses(doc) -> dict:
    ok_media = "application/json" if doc.response_kind == "json" else doc.response_kind
    ok: dict = {"description": "success"}
    if doc.response_schema is not None or ok_media != "application/json":
        ok["content"] = {ok_media: {"schema": doc.response_schema or {"type": "string"}}}
    err = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    out = {str(doc.status): ok}
    for status, text in (("400", "malformed request"), ("401", "no or bad token"), ("403", "role may not"),
                         ("404", "unknown or not yours"), ("422", "invalid")):
        if status == "401" and doc.public:
            continue
        out[status] = {"description": text, **err}
    return out


@endpoint("/openapi.json", public=True, summary="This document", tags=("meta",))
def openapi_document():
    return build()
