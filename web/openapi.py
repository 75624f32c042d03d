"""The OpenAPI 3 document of the JSON API, generated from the routes themselves.

Every rule of the `api` blueprint in the app's URL map becomes a path; its
`Operation` (web.api.route) gives the role, the request, query and response
schemas, and the statuses it can answer. apispec's MarshmallowPlugin turns
the marshmallow schemas the endpoints validate and dump with into components,
so the document cannot describe a body the API does not accept.
"""

from __future__ import annotations

import re
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask

from web import api_schemas as s

OPENAPI_VERSION = "3.0.3"
SECURITY = "bearerAuth"
ROLE_TEXT = {
    "viewer": "any token of the issuer (viewer, registrar, admin)",
    "registrar": "a registrar or admin token",
    "admin": "an admin token",
}
# status -> (component name, description); each is an Error body.
ERRORS = {
    400: ("InvalidInput", "The body or query failed validation (`invalid_input`); `errors` names each field."),
    401: ("Unauthorized", "No token (`missing_token`) or a token that is not valid or was revoked "
                          "(`invalid_token`)."),
    403: ("Forbidden", "The token's role is not enough (`insufficient_role`), or the record is in another "
                       "issuer's custody (`not_custodian`, `not_your_event`)."),
    404: ("NotFound", "No such record for this issuer (`not_found`); another issuer's records answer the same."),
    409: ("Rejected", "The ledger refused the event and stored nothing; `code` says why (e.g. `already_revoked`, "
                      "`no_signing_key`, `countersignature_required`, `bad_signature`)."),
    413: ("TooLarge", "The body is too large (`too_large`)."),
    429: ("RateLimited", "Too many writes with this token, or too many invalid tokens from this client "
                         "(`rate_limited`); retry after `Retry-After` seconds."),
}
HEADERS = {
    401: {"WWW-Authenticate": {"description": "`Bearer realm=\"credledger\"`, with `error=\"invalid_token\"` "
                                              "for a bad token", "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds until the limit resets", "schema": {"type": "integer"}}},
}
SUCCESS = {200: "OK", 201: "Created: stored in the ledger, signed and on its way into the log"}
CONVERTED = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
DESCRIPTION = """\
The credledger JSON API for district and school systems: register students, record, revoke
and transfer industry-recognized credentials, submit events signed off the server, and export
portable transcript bundles.

Authenticate with `Authorization: Bearer <token>`. A token belongs to one issuer and has a
role: `viewer` reads, `registrar` also writes students, awards, revocations and transfers,
`admin` also rotates keys. The issuer always comes from the token. Every error is
`{"code", "status", "message", "errors"}`.
"""


def openapi_document(app: Flask) -> dict[str, Any]:
    """The document for `app`, built once and kept in `app.extensions`."""
    if "openapi" not in app.extensions:
        app.extensions["openapi"] = build_spec(app).to_dict()
    document: dict[str, Any] = app.extensions["openapi"]
    return document


def build_spec(app: Flask) -> APISpec:
    spec = APISpec(title="credledger API", version="1.0.0", openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION})
    spec.components.security_scheme(SECURITY, {"type": "http", "scheme": "bearer",
                                               "description": "An API token of one issuer (`clt_…`)"})
    spec.components.schema("Error", schema=s.Error)
    for status, (name, description) in ERRORS.items():
        response: dict[str, Any] = {"description": description,
                                    "content": {"application/json": {"schema": "Error"}}}
        if status in HEADERS:
            response["headers"] = HEADERS[status]
        spec.components.response(name, response)
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not rule.endpoint.startswith("api."):
            continue
        operation = getattr(app.view_functions[rule.endpoint], "api_operation", None)
        if operation is None:
            raise TypeError(f"{rule.endpoint} is not declared with web.api.route")
        path, parameters = _path_of(rule.rule)
        view = app.view_functions[rule.endpoint]
        spec.path(path=path, operations={operation.method.lower(): _operation(rule.endpoint, view.__doc__ or "",
                                                                             operation, parameters)})
    return spec


def _path_of(rule: str) -> tuple[str, list[dict[str, Any]]]:
    """Flask's `/students/<uuid:student_id>` as `/students/{student_id}` with its path parameter."""
    parameters = []
    for converter, name in RULE_ARGUMENT.findall(rule):
        parameters.append({"in": "path", "name": name, "required": True,
                           "schema": CONVERTED.get(converter, {"type": "string"})})
    return RULE_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", rule), parameters


def _operation(endpoint: str, doc: str, operation: Any, parameters: list[dict[str, Any]]) -> dict[str, Any]:
    summary, _, description = doc.strip().partition("\n")
    description = " ".join(line.strip() for line in description.strip().splitlines())
    if operation.role:
        description = (description + "\n\n" if description else "") + f"Needs {ROLE_TEXT[operation.role]}."
    result: dict[str, Any] = {
        "operationId": endpoint.split(".", 1)[1],
        "summary": summary.strip(),
        "tags": [operation.tag],
        "security": [{SECURITY: []}] if operation.role else [],
        "responses": {},
    }
    if description:
        result["description"] = description
    if operation.role:
        result["x-role"] = operation.role
    if operation.query is not None:
        parameters = parameters + [{"in": "query", "schema": operation.query}]
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": operation.body}}}
    body: dict[str, Any] = ({"schema": operation.response} if operation.response is not None
                            else {"schema": {"type": "object"}})
    result["responses"][str(operation.status)] = {
        "description": _first_line(operation.response.__doc__ if operation.response else None)
        or SUCCESS.get(operation.status, "Success"),
        "content": {"application/json": body},
    }
    for status in _error_statuses(operation, any(p["in"] == "path" for p in parameters)):
        result["responses"][str(status)] = {"$ref": f"#/components/responses/{ERRORS[status][0]}"}
    return result


def _error_statuses(operation: Any, has_path_parameters: bool) -> list[int]:
    statuses = set(operation.errors)
    if has_path_parameters:
        statuses.add(404)
    if operation.body is not None or operation.query is not None:
        statuses.add(400)
    if operation.body is not None:
        statuses.add(413)
    if operation.role:
        statuses |= {401, 403, 429}
    return sorted(statuses)


def _first_line(doc: str | None) -> str:
    return (doc or "").strip().split("\n")[0]
