"""The OpenAPI document (web.openapi): valid OpenAPI 3, complete, generated from the API's own schemas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import openapi_spec_validator
import pytest
from flask import Flask

from ledger.instance import init_instance
from web import api_schemas, create_app
from web.db import create_web_tables

TEST_SCRYPT_N = 2**10


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    ledger = init_instance(tmp_path_factory.mktemp("openapi") / "i", "pw", scrypt_n=TEST_SCRYPT_N)
    create_web_tables(ledger.store)
    yield create_app({"LEDGER": ledger, "TESTING": True})
    ledger.close()


@pytest.fixture(scope="module")
def document(app: Flask) -> dict[str, Any]:
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def api_rules(app: Flask) -> list[tuple[str, str]]:
    """(OpenAPI path, method) of every rule under /api/v1 in the app's URL map."""
    import re

    result = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:\w+(?:\([^)]*\))?:)?(\w+)>", r"{\1}", rule.rule)
            result += [(path, m.lower()) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}]
    return sorted(result)


def refs_in(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_is_openapi_3_and_public(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.0.")
    assert document["info"]["title"] and document["info"]["version"]
    assert isinstance(document["paths"], dict) and document["paths"]


def test_validates_with_openapi_spec_validator(document: dict[str, Any]) -> None:
    openapi_spec_validator.validate(document)


def test_every_api_route_is_documented_and_nothing_else(app: Flask, document: dict[str, Any]) -> None:
    routes = api_rules(app)
    assert len(routes) >= 13
    documented = sorted((path, method) for path, item in document["paths"].items() for method in item
                        if method in ("get", "post", "put", "patch", "delete"))
    assert documented == routes


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    refs = set(refs_in(document))
    assert refs, "the document uses components"
    for ref in refs:
        assert resolve(document, ref) is not None, ref


def test_security_scheme_and_protected_operations(document: dict[str, Any]) -> None:
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                     "description": schemes["bearerAuth"]["description"]}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if path == "/api/v1/openapi.json":
                assert operation["security"] == []
                continue
            assert operation["security"] == [{"bearerAuth": []}], (path, method)
            assert operation["x-role"] in ("viewer", "registrar", "admin")
            for status in ("401", "403"):
                assert operation["responses"][status] == {"$ref": f"#/components/responses/"
                                                                  f"{'Unauthorized' if status == '401' else 'Forbidden'}"}
            if method == "post":
                assert "429" in operation["responses"], path
            if "{" in path:
                assert "404" in operation["responses"], path
            assert operation["operationId"] and operation["summary"]


def test_error_schema_and_responses(document: dict[str, Any]) -> None:
    error = document["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "message", "errors"}
    assert set(error["required"]) == {"code", "status", "message", "errors"}
    assert error["properties"]["errors"]["additionalProperties"] == {"type": "array", "items": {"type": "string"}}
    responses = document["components"]["responses"]
    for name in ("InvalidInput", "Unauthorized", "Forbidden", "NotFound", "Rejected", "TooLarge", "RateLimited"):
        assert responses[name]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "WWW-Authenticate" in responses["Unauthorized"]["headers"]
    assert "Retry-After" in responses["RateLimited"]["headers"]


def test_generated_from_the_endpoint_schemas(app: Flask, document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    # Each operation's request and response schema is the one its view is declared with.
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        operation = getattr(app.view_functions[rule.endpoint], "api_operation")
        path = rule.rule.replace("<uuid:", "{").replace(">", "}")
        documented = document["paths"][path][operation.method.lower()]
        if operation.body is not None:
            ref = documented["requestBody"]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{operation.body.__name__}"
        if operation.response is not None:
            ref = documented["responses"][str(operation.status)]["content"]["application/json"]["schema"]["$ref"]
            assert ref == f"#/components/schemas/{operation.response.__name__}"
    # The issuer is never a request field: it comes from the token.
    for name in ("NewStudent", "NewAward", "Revocation", "TransferRequest", "AwardBatch"):
        assert "issuer" not in schemas[name]["properties"], name
        assert schemas[name]["additionalProperties"] is False
    assert set(schemas["NewStudent"]["required"]) == {"name", "birth_date", "local_id"}
    assert schemas["NewAward"]["properties"]["earned"] == {"type": "string", "format": "date"}
    batch = schemas["AwardBatch"]["properties"]["items"]
    assert batch["maxItems"] == api_schemas.MAX_BATCH and batch["items"] == {"$ref": "#/components/schemas/NewAward"}
    reasons = schemas["Revocation"]["properties"]["reason"]["enum"]
    assert "issued_in_error" in reasons and "superseded" in reasons
    parameters = document["paths"]["/api/v1/students"]["get"]["parameters"]
    assert {(p["in"], p["name"]) for p in parameters} == {("query", n) for n in ("limit", "offset", "sort", "cohort")}
    path_parameter = document["paths"]["/api/v1/students/{student_id}"]["get"]["parameters"][0]
    assert path_parameter == {"in": "path", "name": "student_id", "required": True,
                              "schema": {"type": "string", "format": "uuid"}}


def test_document_is_built_once(app: Flask) -> None:
    client = app.test_client()
    first = client.get("/api/v1/openapi.json").get_data()
    assert client.get("/api/v1/openapi.json").get_data() == first


def test_all_schema_modules_documented(document: dict[str, Any]) -> None:
    from marshmallow import Schema

    declared = {name for name, value in vars(api_schemas).items()
                if isinstance(value, type) and issubclass(value, Schema) and value.__module__ == api_schemas.__name__}
    query_schemas = {"Page", "StudentPage"}  # expanded into query parameters (Page: the base of StudentPage)
    assert declared - query_schemas - set(document["components"]["schemas"]) == set(), "a schema no operation uses"

