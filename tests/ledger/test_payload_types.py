"""The typed event documents (verifiers.protocol.payloads) say what the marshmallow schemas
(ledger.schemas) accept: per event type, the same members by their wire names, the same ones
required, each of the same JSON kind (null included), so the two cannot drift apart.

No `from __future__ import annotations`: the broken TypedDicts below must keep their
NotRequired, which Python 3.11 does not see in a string annotation.
"""

import types
import typing
from typing import Any, NotRequired, Union

from marshmallow import Schema, fields

from ledger.schemas import SCHEMAS, CodeList, EventSchema, ProofsField
from verifiers.protocol import documents as d
from verifiers.protocol.payloads import PAYLOAD_TYPES, EventDocument, payload_as

import pytest

# The JSON kind each field loads (ProofsField: one proof, or a proof set; CodeList: SOC / CIP codes as a
# list, or one code as a string in events signed before lists).
KINDS: dict[type[fields.Field], set[type]] = {
    fields.String: {str}, fields.Integer: {int}, fields.Dict: {dict}, fields.List: {list}, ProofsField: {dict, list},
    CodeList: {list, str},
}


def _schema_kinds(field: fields.Field) -> set[type]:
    return KINDS[type(field)] | ({type(None)} if field.allow_none else set())


def _hint_kinds(hint: Any) -> set[type]:
    """`str | None` -> {str, NoneType}; `dict[str, int]` -> {dict}."""
    members = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else (hint,)
    return {typing.get_origin(m) or m for m in members}


def mismatches(event_type: str, kind: type, schema: type[Schema]) -> list[str]:
    """Where the TypedDict `kind` and the schema disagree about `event_type`'s documents, in words."""
    declared = {field.data_key or name: field for name, field in schema().fields.items()}
    hints = typing.get_type_hints(kind)
    problems = [f"{event_type}.{name}: in the schema, not the TypedDict" for name in declared.keys() - hints.keys()]
    problems += [f"{event_type}.{name}: in the TypedDict, not the schema" for name in hints.keys() - declared.keys()]
    for name in sorted(declared.keys() & hints.keys()):
        field = declared[name]
        if field.required != (name in kind.__required_keys__):
            problems.append(f"{event_type}.{name}: required is {field.required} in the schema, not in the TypedDict")
        if _schema_kinds(field) != _hint_kinds(hints[name]):
            problems.append(f"{event_type}.{name}: {sorted(t.__name__ for t in _schema_kinds(field))} in the "
                            f"schema, {sorted(t.__name__ for t in _hint_kinds(hints[name]))} in the TypedDict")
    return problems


def test_every_event_type_has_a_schema_and_a_typed_document() -> None:
    assert set(PAYLOAD_TYPES) == set(SCHEMAS) == d.EVENT_TYPES


def test_the_common_members_are_the_event_schemas() -> None:
    assert mismatches("EventDocument", EventDocument, EventSchema) == []


@pytest.mark.parametrize("event_type", sorted(d.EVENT_TYPES))
def test_typed_document_matches_schema(event_type: str) -> None:
    assert mismatches(event_type, PAYLOAD_TYPES[event_type], SCHEMAS[event_type]) == []


class _BrokenKeyAdded(EventDocument):
    issuer: str
    key: NotRequired[str]  # required in the schema
    validFrom: int  # a timestamp is text
    retired: str  # no such member


def test_a_drifted_typed_document_is_named_member_by_member() -> None:
    assert sorted(mismatches(d.ISSUER_KEY_ADDED, _BrokenKeyAdded, SCHEMAS[d.ISSUER_KEY_ADDED])) == [
        "IssuerKeyAdded.key: required is True in the schema, not in the TypedDict",
        "IssuerKeyAdded.retired: in the TypedDict, not the schema",
        "IssuerKeyAdded.validFrom: ['str'] in the schema, ['int'] in the TypedDict",
    ]
    assert mismatches(d.ISSUER_KEY_RETIRED, PAYLOAD_TYPES[d.ISSUER_KEY_ADDED], SCHEMAS[d.ISSUER_KEY_RETIRED]) == [
        "IssuerKeyRetired.at: in the schema, not the TypedDict",
        "IssuerKeyRetired.validFrom: in the TypedDict, not the schema",
    ]


def test_payload_as_refuses_a_document_of_another_type() -> None:
    document = {"type": d.CREDENTIAL_REVOKED}
    assert payload_as(PAYLOAD_TYPES[d.CREDENTIAL_REVOKED], document) is document
    with pytest.raises(ValueError, match="a CredentialRevoked event is no CredentialIssued"):
        payload_as(PAYLOAD_TYPES[d.CREDENTIAL_ISSUED], document)
