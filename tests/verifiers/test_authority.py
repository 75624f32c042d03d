"""`verifiers.protocol.authority`: who may sign which act and who holds an award, as tables.

The rules are pure functions over a small view; here the view is a fake (an operator and a
set of registered issuers), so each row says exactly which fact decides. How ingest and a
bundle's verifier word the refusals is tested with them (tests/ledger, tests/web,
tests/verifiers/test_bundle.py, which also checks that both run these very functions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from verifiers.errors import AuthorityError, MalformedError
from verifiers.protocol import authority as a
from verifiers.protocol import documents as d

OPERATOR = "did:key:z6MkoperatorOperatorOperatorOperatorOperator"
A = "did:web:example.org:issuers:a"
B = "did:web:example.org:issuers:b"
STRANGER = "did:web:example.org:issuers:stranger"  # well formed, never registered
AWARD = "0b5c1a6e-1f0e-4a43-9d1c-6b8e2c1f7a10"
STUDENT = "5d7e8f90-2a1b-4c3d-8e9f-0a1b2c3d4e5f"


@dataclass
class FakeView:
    operator: str = OPERATOR
    issuers: frozenset[str] = frozenset({A, B})
    asked: list[str] = field(default_factory=list)

    def check_issuer(self, did: str) -> None:
        self.asked.append(did)
        if did not in self.issuers:
            raise AuthorityError(f"{did} is not registered", reason=a.NOT_ISSUER)


def event(kind: str, actor: str, proofs: int = 1, **members: Any) -> dict[str, Any]:
    return {"type": kind, "actor": actor, "proof": [{"verificationMethod": f"k{n}"} for n in range(proofs)],
            **members}


def registration(actor: str = OPERATOR, did: str = A, slug: str = "a", stream: str | None = None) -> dict[str, Any]:
    return event(d.ISSUER_REGISTERED, actor, issuer=did, slug=slug,
                 stream=stream if stream is not None else d.issuer_stream(slug))


def definition(actor: str = OPERATOR, code: str = "osha10", stream: str | None = None) -> dict[str, Any]:
    return event(d.CREDENTIAL_DEFINED, actor, credential=code,
                 stream=stream if stream is not None else d.credential_stream(code))


def issuance(actor: str = A, issuer: str = A, award: str = AWARD, stream: str = AWARD) -> dict[str, Any]:
    return event(d.CREDENTIAL_ISSUED, actor, issuer=issuer, award=award, stream=stream)


def student(actor: str = A, issuer: str = A, student_id: str = STUDENT, stream: str = STUDENT) -> dict[str, Any]:
    return event(d.STUDENT_REGISTERED, actor, issuer=issuer, student=student_id, stream=stream)


def revocation(actor: str = A) -> dict[str, Any]:
    return event(d.CREDENTIAL_REVOKED, actor, stream=AWARD)


def transfer(actor: str = A, to: str = B, proofs: int = 2, **members: Any) -> dict[str, Any]:
    return event(d.CREDENTIAL_TRANSFERRED, actor, proofs, stream=AWARD, **({"from": actor, "to": to} | members))


@dataclass(frozen=True)
class Case:
    desc: str
    check: Callable[[FakeView], None]
    want: str | None  # the reason refused, or None: allowed


C = Case
CASES = [
    # An issuer's stream.
    C("registration by the operator", lambda v: a.check_issuer_registration(v, registration()), None),
    C("registration by an issuer", lambda v: a.check_issuer_registration(v, registration(actor=A)), a.NOT_OPERATOR),
    C("registration: slug not the DID's", lambda v: a.check_issuer_registration(v, registration(slug="b")),
      a.MISMATCH),
    C("registration: another issuer's stream", lambda v: a.check_issuer_registration(
        v, registration(stream=d.issuer_stream("b"))), a.MISMATCH),
    C("registration: a DID outside issuers/", lambda v: a.check_issuer_registration(
        v, registration(did="did:web:example.org:a")), a.MISMATCH),
    C("key added by the operator", lambda v: a.check_key_event(v, A, event(d.ISSUER_KEY_ADDED, OPERATOR)), None),
    C("key retired by the issuer itself", lambda v: a.check_key_event(v, A, event(d.ISSUER_KEY_RETIRED, A)), None),
    C("key compromised by another issuer", lambda v: a.check_key_event(v, A, event(d.ISSUER_KEY_COMPROMISED, B)),
      a.NOT_OPERATOR_OR_ISSUER),
    C("an award event in an issuer's stream", lambda v: a.check_key_event(v, A, revocation(OPERATOR)),
      a.OUT_OF_PLACE),
    C("key added by a stranger", lambda v: a.check_key_event(v, A, event(d.ISSUER_KEY_ADDED, STRANGER)),
      a.NOT_OPERATOR_OR_ISSUER),
    C("a second registration in an issuer's stream", lambda v: a.check_key_event(v, A, registration()),
      a.OUT_OF_PLACE),
    # A catalog entry.
    C("defined by the operator", lambda v: a.check_catalog_entry(v, definition()), None),
    C("defined by a registered issuer", lambda v: a.check_catalog_entry(v, definition(actor=A)), None),
    C("defined by an unregistered one", lambda v: a.check_catalog_entry(v, definition(actor=STRANGER)),
      a.NOT_ISSUER),
    C("defined in another code's stream", lambda v: a.check_catalog_entry(
        v, definition(stream=d.credential_stream("servsafe"))), a.MISMATCH),
    C("updated by its owner", lambda v: a.check_catalog_update(v, A, event(d.CREDENTIAL_UPDATED, A)), None),
    C("updated by the operator", lambda v: a.check_catalog_update(v, A, event(d.CREDENTIAL_UPDATED, OPERATOR)), None),
    C("updated by another issuer", lambda v: a.check_catalog_update(v, A, event(d.CREDENTIAL_UPDATED, B)),
      a.NOT_OPERATOR_OR_OWNER),
    C("defined twice", lambda v: a.check_catalog_update(v, OPERATOR, definition()), a.OUT_OF_PLACE),
    C("updated by a stranger", lambda v: a.check_catalog_update(v, A, event(d.CREDENTIAL_UPDATED, STRANGER)),
      a.NOT_OPERATOR_OR_OWNER),
    # A student.
    C("student registered", lambda v: a.check_student_registration(v, student()), None),
    C("student registered by a stranger", lambda v: a.check_student_registration(
        v, student(actor=STRANGER, issuer=STRANGER)), a.NOT_ISSUER),
    C("student registered by the operator", lambda v: a.check_student_registration(
        v, student(actor=OPERATOR, issuer=OPERATOR)), a.NOT_ISSUER),
    C("student registered in another's name", lambda v: a.check_student_registration(v, student(issuer=B)),
      a.MISMATCH),
    C("student registered in another stream", lambda v: a.check_student_registration(v, student(stream=AWARD)),
      a.MISMATCH),
    # An award: issuance.
    C("issued", lambda v: a.check_issuance(v, issuance()), None),
    C("issued by a stranger", lambda v: a.check_issuance(v, issuance(actor=STRANGER, issuer=STRANGER)),
      a.NOT_ISSUER),
    C("issued by the operator", lambda v: a.check_issuance(v, issuance(actor=OPERATOR, issuer=OPERATOR)),
      a.NOT_ISSUER),
    C("issued in another's name", lambda v: a.check_issuance(v, issuance(issuer=B)), a.MISMATCH),
    C("issued into another stream", lambda v: a.check_issuance(v, issuance(stream=STUDENT)), a.MISMATCH),
    # An award: acts of its custodian.
    C("revoked by the custodian", lambda v: a.check_award_act(v, A, False, revocation()), None),
    C("revoked by the issuer after a transfer", lambda v: a.check_award_act(v, B, False, revocation(A)),
      a.NOT_CUSTODIAN),
    C("revoked by the operator", lambda v: a.check_award_act(v, A, False, revocation(OPERATOR)), a.NOT_CUSTODIAN),
    C("revoked twice", lambda v: a.check_award_act(v, A, True, revocation()), a.ALREADY_REVOKED),
    C("revoked by a stranger", lambda v: a.check_award_act(v, A, False, revocation(STRANGER)), a.NOT_CUSTODIAN),
    C("revoked again by a non-custodian", lambda v: a.check_award_act(v, A, True, revocation(B)), a.NOT_CUSTODIAN),
    C("transferred, countersigned", lambda v: a.check_award_act(v, A, False, transfer()), None),
    C("transferred after a revocation", lambda v: a.check_award_act(v, A, True, transfer()), None),
    C("transferred by a former custodian", lambda v: a.check_award_act(v, B, False, transfer(A, to=B)),
      a.NOT_CUSTODIAN),
    C("transferred by its receiver", lambda v: a.check_award_act(v, A, False, transfer(B, to=B, **{"from": A})),
      a.NOT_CUSTODIAN),
    C("transferred by the operator", lambda v: a.check_award_act(v, A, False, transfer(OPERATOR, **{"from": A})),
      a.NOT_CUSTODIAN),
    C("transferred 'from' someone else", lambda v: a.check_award_act(v, A, False, transfer(**{"from": B})),
      a.NOT_FROM_CUSTODIAN),
    C("transferred to its custodian", lambda v: a.check_award_act(v, A, False, transfer(to=A)), a.TO_ITSELF),
    C("transferred to a stranger", lambda v: a.check_award_act(v, A, False, transfer(to=STRANGER)), a.NOT_ISSUER),
    C("transferred without the receiver's proof", lambda v: a.check_award_act(v, A, False, transfer(proofs=1)),
      a.NO_COUNTERSIGNATURE),
    C("a registration in an award's stream", lambda v: a.check_award_act(v, A, False, student()), a.OUT_OF_PLACE),
    C("issued twice", lambda v: a.check_award_act(v, A, False, issuance()), a.OUT_OF_PLACE),
    C("a key event in an award's stream", lambda v: a.check_award_act(v, A, False, event(d.ISSUER_KEY_ADDED, A)),
      a.OUT_OF_PLACE),
    C("a catalog update in an award's stream", lambda v: a.check_award_act(
        v, A, False, event(d.CREDENTIAL_UPDATED, A)), a.OUT_OF_PLACE),
    # Countersignatures alone.
    C("one proof on a revocation", lambda v: a.check_countersigned(revocation()), None),
    C("one proof on a transfer", lambda v: a.check_countersigned(transfer(proofs=1)), a.NO_COUNTERSIGNATURE),
    C("both proofs on a transfer", lambda v: a.check_countersigned(transfer()), None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.desc)
def test_authority(case: Case) -> None:
    view = FakeView()
    if case.want is None:
        case.check(view)
        return
    with pytest.raises(AuthorityError) as refused:
        case.check(view)
    assert refused.value.reason == case.want


def test_the_view_is_asked_about_the_receiver_only_once_custody_is_settled() -> None:
    view = FakeView()
    with pytest.raises(AuthorityError):
        a.check_award_act(view, B, False, transfer(A, to=STRANGER))  # not the custodian: decided before
    assert view.asked == []
    a.check_award_act(view, A, False, transfer(A, to=B))
    assert view.asked == [B]


def test_custody_follows_the_awards_events() -> None:
    events = [issuance(), transfer(A, to=B), revocation(B), transfer(B, to=A)]
    custody: list[str] = []
    for each in events:
        custody.append(a.custodian_after(custody[-1] if custody else None, each))
    assert custody == [A, B, B, A]
    with pytest.raises(ValueError):
        a.custodian_after(None, transfer())


@pytest.mark.parametrize(
    ("desc", "check"),
    [
        ("registration without a slug", lambda v: a.check_issuer_registration(v, event(d.ISSUER_REGISTERED, OPERATOR,
                                                                                        issuer=A))),
        ("issuance with an actor that is no text", lambda v: a.check_issuance(v, issuance(actor=7))),  # type: ignore[arg-type]
        ("transfer to no one", lambda v: a.check_award_act(v, A, False, transfer(to=None))),  # type: ignore[arg-type]
    ],
)
def test_hostile_members_are_malformed(desc: str, check: Callable[[FakeView], None]) -> None:
    with pytest.raises(MalformedError):
        check(FakeView())
