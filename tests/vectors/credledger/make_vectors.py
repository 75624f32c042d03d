"""Make the golden vectors of credledger's own formats. Run by hand; pytest never runs or collects it.

    PYTHONPATH=. python tests/vectors/credledger/make_vectors.py           # (re)write the files here
    PYTHONPATH=. python tests/vectors/credledger/make_vectors.py --check   # rebuild in a temp dir and
                                                                           # say what would change; write nothing

It builds a small fictional instance (Quillfeather Unified School District, Hollowmere Career &
Technical Center, Saltmarsh County Schools; students Odalys Fennimore-Quist, Brannock Teague and
Ysolde Marchetti-Brun, all invented) in a temporary directory, with a fixed clock and, so that a
second run writes the same bytes, seeded ids, keys and salts (see `deterministic`): the keys of
this instance are derived from a published seed and are good for nothing but these vectors.

Every expected outcome below is written by hand (`want`, `Fails`, the error class and message
fragment) and checked against what `verifiers` actually answers before anything is written: a
vector whose stated expectation is wrong is never committed. Regenerating is a deliberate,
reviewed act (see README.md); the tests only read what this wrote.
"""

from __future__ import annotations

import argparse
import base64
import difflib
import hashlib
import json
import random
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from keys.store import FileKeyStore  # noqa: E402
from verifiers.protocol import documents as d  # noqa: E402
from ledger.application import IssueRequest, Ledger  # noqa: E402
from ledger.config import legacy_log_origin  # noqa: E402
from ledger.export import export_bundle, online_evidence  # noqa: E402
from ledger.instance import init_instance  # noqa: E402
from ledger.vault import Identity  # noqa: E402
from tests.support import Clock, json_patch  # noqa: E402
from verifiers import errors  # noqa: E402
from verifiers.bundle import (  # noqa: E402
    OFFLINE_ONLY,
    STEPS,
    WITHDRAWN,
    BundleResult,
    OnlineEvidence,
    leaf_from_entry,
    verify_bundle,
)
from verifiers.checkpoint import checkpoint_from_text, verify_checkpoint  # noqa: E402
from verifiers.commitments import SALT_BYTES  # noqa: E402
from verifiers.didkey import did_key_from_public_key  # noqa: E402
from verifiers.merkle import EMPTY_ROOT, hash_leaf, verify_consistency, verify_inclusion  # noqa: E402
from verifiers.note import Verifier, note_from_text, signature_line  # noqa: E402
from verifiers.protocol.status import is_withdrawn  # noqa: E402
from verifiers.timestamps import format_timestamp  # noqa: E402

SEED = "credledger golden vectors v1"
PASSPHRASE = "golden-vectors-passphrase"
DOMAIN = "records.quillfeather.example"
# The vectors' log is an instance made before origins were the log's URL prefix: its origin, which
# such instances keep, is the older form (the ledger id's first 8 hex digits, seeded below).
LOG_ORIGIN = legacy_log_origin(DOMAIN, "4149d6f7")
START = datetime(2026, 9, 1, 12, 0, tzinfo=timezone.utc)
TODAY = date(2026, 12, 1)  # every bundle case is verified as of this day (expiry)
OFFLINE = ["consistency", "current_status"]

ODALYS, BRANNOCK = "odalys-fennimore-quist", "brannock-teague"


# A reproducible instance ------------------------------------------------------------------------


def deterministic(seed: str) -> random.Random:
    """Seeded stand-ins for the three sources of randomness that reach an export: stream ids
    (uuid4), Ed25519 keys (the key store's `generate`) and the vault's commitment salts.
    Monkeypatched here, in this script only; product code is untouched. Returns a generator for
    the few extra keys the corruptions need (another log's key, another operator)."""
    ids, keys, salts = (random.Random(f"{seed}:{what}") for what in ("ids", "keys", "salts"))
    uuid.uuid4 = lambda: uuid.UUID(bytes=ids.randbytes(16), version=4)  # type: ignore[assignment]
    FileKeyStore.generate = (  # type: ignore[method-assign]
        lambda self, label: self.import_private_key(keys.randbytes(32), label))
    Identity.new = classmethod(  # type: ignore[method-assign]
        lambda cls, claims: cls(claims=dict(claims), salts={n: salts.randbytes(SALT_BYTES) for n in claims}))
    return random.Random(f"{seed}:extra")


@dataclass
class Instance:
    ledger: Ledger
    clock: Clock
    students: dict[str, str]
    awards: dict[str, dict[str, str]]  # student -> role -> award id
    bundles: dict[str, dict[str, Any]]  # student -> bundle, exported at checkpoint N1
    online: dict[str, dict[str, Any]]  # student -> online evidence at N2 since N1
    notes: dict[str, str]  # "empty", "N1", "N2" -> the signed checkpoint note
    story: list[str] = field(default_factory=list)  # what happened, in order, for README-minded readers


def build(data: Path) -> Instance:
    clock = Clock(START)
    ledger = init_instance(data, PASSPHRASE, domain=DOMAIN, scrypt_n=2**10, log_origin=LOG_ORIGIN)
    ledger.clock = clock
    story: list[str] = []

    def then(what: str) -> None:
        story.append(f"{clock.now.strftime('%Y-%m-%d %H:%M')}Z {what}")
        clock.advance(minutes=1)

    notes = {"empty": ledger.transparency_log.checkpoint()}
    ledger.register_issuer("quillfeather", "Quillfeather Unified School District", "district")
    ledger.register_issuer("hollowmere-ctc", "Hollowmere Career & Technical Center", "cte_center")
    ledger.register_issuer("saltmarsh", "Saltmarsh County Schools", "district")
    then("the operator registers three issuers")
    catalog = {
        "servsafe-handler": ("ServSafe Food Handler", "National Restaurant Association", 36, "Hospitality & Tourism"),
        "nccer-core": ("NCCER Core Curriculum", "NCCER", None, "Construction"),
        "osha10-general": ("OSHA 10-Hour General Industry", "OSHA Outreach Training Program", None, "Manufacturing"),
        "epa-608": ("EPA Section 608 Technician", "U.S. EPA", None, "Manufacturing"),
        "aws-welder": ("AWS Certified Welder", "American Welding Society", 6, "Manufacturing"),
    }
    for code, (name, body, months, career) in catalog.items():
        ledger.define_credential(code, {"name": name, "certifyingBody": body, "credentialType": "certification",
                                        "validityMonths": months, "careerField": career})
    then("the operator defines five catalog entries")
    odalys, brannock, ysolde = ledger.register_students("quillfeather", [
        {"name": "Odalys Fennimore-Quist", "birth_date": "2008-03-14", "local_id": "QF-3001"},
        {"name": "Brannock Teague", "birth_date": "2008-11-02", "local_id": "QF-3002"},
        {"name": "Ysolde Marchetti-Brun", "birth_date": "2009-01-27", "local_id": "QF-3003"},
    ])
    then("Quillfeather registers three students")
    for grantee in ("hollowmere-ctc", "saltmarsh"):
        ledger.share_roster("quillfeather", grantee, [odalys, brannock, ysolde], purpose="record",
                            until=date(2027, 6, 30), note="CTE roster, 2026-27")
    then("Quillfeather shares its roster with Hollowmere and Saltmarsh, to record")

    def issue(issuer: str, student: str, code: str, earned: str, supersedes: str | None = None,
              **evidence: str | int) -> str:
        (award,) = ledger.issue([IssueRequest(issuer, student, code, date.fromisoformat(earned), evidence,
                                              supersedes=supersedes)])
        return award

    a = {"servsafe-active": issue("quillfeather", odalys, "servsafe-handler", "2026-08-20",
                                  certificate="SS-4410001", score=92)}
    b = {"servsafe-revoked-later": issue("quillfeather", brannock, "servsafe-handler", "2026-08-20",
                                         certificate="SS-4410002", score=85),
         "aws-expired": issue("quillfeather", brannock, "aws-welder", "2025-11-03", certificate="AWS-1180031")}
    then("Quillfeather issues ServSafe to Odalys; ServSafe and an AWS welder (expired 2026-05-03) to Brannock")
    a["nccer-revoked"] = issue("hollowmere-ctc", odalys, "nccer-core", "2026-08-21", certificate="NC-5520001")
    a["osha-superseded"] = issue("hollowmere-ctc", odalys, "osha10-general", "2026-08-28", card="OSHA-6630001")
    then("Hollowmere issues NCCER Core and OSHA-10 (with a wrong earned date) to Odalys")
    a["epa-transferred"] = issue("quillfeather", odalys, "epa-608", "2026-08-25", certificate="EPA-7740001")
    then("Quillfeather issues EPA 608 to Odalys")
    ledger.revoke(a["osha-superseded"], "superseded", "Earned date corrected from the course roster.")
    then("Hollowmere revokes the OSHA-10 award as superseded")
    ledger.rotate_issuer_key("hollowmere-ctc")
    then("Hollowmere rotates its key (the old key is retired now)")
    a["osha-amendment"] = issue("hollowmere-ctc", odalys, "osha10-general", "2026-08-21",
                                supersedes=a["osha-superseded"], card="OSHA-6630001")
    then("Hollowmere issues the amendment (the corrected earned date), signed with the new key")
    ledger.revoke(a["nccer-revoked"], "issued_in_error", "Recorded for the wrong student.")
    then("Hollowmere revokes NCCER Core (issued in error), signed with the new key")
    offer = ledger.offer_transfer("quillfeather", "saltmarsh", odalys, "Odalys enrolled at Saltmarsh",
                                  awards=[a["epa-transferred"]])
    then("Quillfeather offers the EPA 608 record to Saltmarsh")
    ledger.accept_transfer(offer, "saltmarsh")
    then("Saltmarsh accepts: the transfer carries Quillfeather's signature and Saltmarsh's countersignature")
    bundles = {ODALYS: export_bundle(ledger, odalys, disclose=["name"]), BRANNOCK: export_bundle(ledger, brannock)}
    notes["N1"] = ledger.transparency_log.checkpoint()
    then("Odalys exports her transcript disclosing her name; Brannock exports his, disclosing nothing")
    ledger.revoke(b["servsafe-revoked-later"], "evidence_withdrawn",
                  "Certificate number not found in the certifying body's registry.")
    then("after the export, Quillfeather revokes Brannock's ServSafe")
    issue("saltmarsh", ysolde, "osha10-general", "2026-09-01", card="OSHA-6630002")
    then("Saltmarsh issues OSHA-10 to Ysolde")
    ledger.transparency_log.integrate()
    notes["N2"] = ledger.transparency_log.checkpoint()
    since = int(notes["N1"].split("\n")[1])
    online = {ODALYS: online_evidence(ledger, bundles[ODALYS]["awards"], since).to_json(),
              BRANNOCK: online_evidence(ledger, bundles[BRANNOCK]["awards"], since).to_json()}
    assert online[ODALYS]["checkpoint"] == notes["N2"]
    return Instance(ledger, clock, {ODALYS: odalys, BRANNOCK: brannock}, {ODALYS: a, BRANNOCK: b}, bundles,
                    online, notes, story)


# Small helpers -------------------------------------------------------------------------------


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def flip_char(text: str, at: int) -> str:
    """`text` with the lowest bit of its character at `at` flipped (one bit of the UTF-8)."""
    return text[:at] + chr(ord(text[at]) ^ 1) + text[at + 1:]


def flip_b64(value: str, at: int = 0) -> str:
    """Base64 of the same bytes with one bit of byte `at` flipped (still canonical base64)."""
    raw = bytearray(base64.b64decode(value))
    raw[at] ^= 1
    return b64(bytes(raw))


def note_lines(note: str) -> list[str]:
    return note.split("\n")


def with_line(note: str, index: int, line: str) -> str:
    lines = note_lines(note)
    lines[index] = line
    return "\n".join(lines)


def error_of(run: Callable[[], Any]) -> dict[str, str] | None:
    try:
        run()
    except errors.VerificationError as e:
        return {"class": type(e).__name__, "message": str(e)}
    return None


class VectorError(Exception):
    """A hand-written expectation the verifier does not meet: nothing is written."""


def expect_error(desc: str, run: Callable[[], Any], cls: str, fragment: str) -> dict[str, str]:
    got = error_of(run)
    if got is None or got["class"] != cls or fragment not in got["message"]:
        raise VectorError(f"{desc}: expected {cls} containing {fragment!r}, got {got}")
    return {"class": cls, "message": fragment}


def expect_ok(desc: str, run: Callable[[], Any]) -> None:
    got = error_of(run)
    if got is not None:
        raise VectorError(f"{desc}: expected success, got {got}")


# Leaf records -------------------------------------------------------------------------------------


def leaves_file(inst: Instance) -> dict[str, Any]:
    ledger = inst.ledger
    size, root, _ = ledger.transparency_log.latest()
    rows = ledger.store.select_journal(0, size)
    stored = ledger.store.select_journal_leaves(0, size)
    cases, seen = [], set()
    for row, document, recorded in ledger.documents_of(rows):
        kind = document["type"]
        signed_by_new_key = kind == d.CREDENTIAL_ISSUED and document.get("supersedes")
        label = kind + (" (the amendment, signed with a rotated key)" if signed_by_new_key else "")
        if label in seen:
            continue
        seen.add(label)
        entry = {"event": document, "recorded": format_timestamp(recorded)}
        leaf = leaf_from_entry(entry)
        assert leaf == stored[row.position], "the verifier's leaf differs from the ledger's journal"
        proof = [b64(h) for h in ledger.transparency_log.inclusion_proof(row.position, size)]
        verify_inclusion(row.position, size, hash_leaf(leaf), [base64.b64decode(h) for h in proof], root)
        cases.append({
            "desc": f"{label}: " + ("two signers, actor then receiver" if kind == d.CREDENTIAL_TRANSFERRED
                                    else "one signer, the actor"),
            "event": document,
            "recorded": entry["recorded"],
            "event_hash": d.document_hash(document),
            "leaf": leaf.decode("utf-8"),
            "leaf_hash": b64(hash_leaf(leaf)),
            "index": row.position,
            "inclusion": proof,
        })
    issued = next(c for c in cases if c["event"]["type"] == d.CREDENTIAL_ISSUED)
    transfer = next(c for c in cases if c["event"]["type"] == d.CREDENTIAL_TRANSFERRED)
    bad = []

    def malformed(desc: str, derived: str, entry: Any, cls: str, fragment: str) -> None:
        bad.append({"desc": desc, "derived": derived, "entry": entry,
                    "want_error": expect_error(desc, lambda: leaf_from_entry(entry), cls, fragment)})

    base = {"event": issued["event"], "recorded": issued["recorded"]}
    malformed("event is not an object", "the CredentialIssued case with 'event' replaced by its hash",
              {**base, "event": issued["event_hash"]}, "MalformedError", "the entry has no event object")
    malformed("recorded with an offset instead of Z", "the CredentialIssued case, recorded '…Z' written '…+00:00'",
              {**base, "recorded": base["recorded"].replace("Z", "+00:00")}, "MalformedError",
              "not an RFC 3339 UTC timestamp ending in Z")
    malformed("recorded with nanoseconds", "the CredentialIssued case, recorded given 9 fractional digits",
              {**base, "recorded": base["recorded"].replace("Z", "000Z")}, "MalformedError",
              "not an RFC 3339 UTC timestamp ending in Z")
    malformed("recorded missing", "the CredentialIssued case without 'recorded'", {"event": issued["event"]},
              "MalformedError", "timestamp must be a string")
    no_proof = {k: v for k, v in issued["event"].items() if k != "proof"}
    malformed("event without a proof", "the CredentialIssued case with 'proof' removed",
              {**base, "event": no_proof}, "MalformedError", "document has no proof")
    no_method = {**issued["event"], "proof": {k: v for k, v in issued["event"]["proof"].items()
                                             if k != "verificationMethod"}}
    malformed("proof without verificationMethod", "the CredentialIssued case, proof.verificationMethod removed",
              {**base, "event": no_method}, "MalformedError", "names no verificationMethod")
    no_to = {k: v for k, v in transfer["event"].items() if k != "to"}
    malformed("transfer without its receiver", "the CredentialTransferred case with 'to' removed",
              {"event": no_to, "recorded": transfer["recorded"]}, "MalformedError", "has no 'to' text")
    return {
        "desc": "Leaf records of credledger's transparency log (docs/transcript-bundle.md, 'The leaf of an entry'): "
                "leaf = JCS({event: sha256hex(JCS(event)), type, signers: [{did, key}], recorded}), "
                "leaf_hash = SHA-256(0x00 || leaf). One case per event type in the instance's log, first occurrence.",
        "tree_size": size,
        "root": b64(root),
        "cases": cases,
        "malformed": bad,
    }


# Checkpoints --------------------------------------------------------------------------------------


def checkpoints_file(inst: Instance, extra: random.Random) -> dict[str, Any]:
    log = inst.ledger.transparency_log
    key = log.verifier_key
    verifier = Verifier.from_key_string(key)
    origin = log.origin
    sign = log.signer.sign_bytes
    witness = Ed25519PrivateKey.from_private_bytes(extra.randbytes(32))
    witness_v = Verifier.from_public_key("witness.quillfeather.example", witness.public_key().public_bytes_raw())
    impostor = Ed25519PrivateKey.from_private_bytes(extra.randbytes(32))
    impostor_key = Verifier.from_public_key(origin, impostor.public_key().public_bytes_raw()).to_key_string()
    other = Ed25519PrivateKey.from_private_bytes(extra.randbytes(32))
    other_v = Verifier.from_public_key("records.elsewhere.example/credledger/0badc0de",
                                       other.public_key().public_bytes_raw())

    def resigned(text: str) -> str:
        """`text` signed as a note with the instance's real log key (for malformed bodies)."""
        return text + "\n" + signature_line(origin, verifier.key_id, sign(text.encode("utf-8")))

    def signed_by(private: Ed25519PrivateKey, v: Verifier, text: str) -> str:
        return signature_line(v.name, v.key_id, private.sign(text.encode("utf-8")))

    good = []
    for name, desc in (("empty", "the empty tree, signed when the instance was made"),
                       ("N1", "the checkpoint the two transcript bundles were exported at"),
                       ("N2", "the later checkpoint of the online evidence")):
        note = inst.notes[name]
        cp = checkpoint_from_text(note_from_text(note).text)
        assert verify_checkpoint(note, verifier) == cp
        good.append({"name": name, "desc": desc, "note": note, "origin": cp.origin, "size": cp.size,
                     "root": b64(cp.root_hash), "extensions": list(cp.extensions)})
    assert good[0]["root"] == b64(EMPTY_ROOT)
    n1 = inst.notes["N1"]
    n1_text = note_from_text(n1).text
    size1 = int(note_lines(n1)[1])
    root1 = note_lines(n1)[2]
    cases: list[dict[str, Any]] = []

    def case(desc: str, derived: str, note: str, *, key_: str = key, error: tuple[str, str] | None = None,
             want: dict[str, Any] | None = None) -> None:
        v = Verifier.from_key_string(key_)
        entry: dict[str, Any] = {"desc": desc, "derived": derived, "note": note}
        if key_ != key:
            entry["log_key"] = key_
        if error:
            entry["want_error"] = expect_error(desc, lambda: verify_checkpoint(note, v), *error)
        else:
            cp = verify_checkpoint(note, v)
            got = {"origin": cp.origin, "size": cp.size, "root": b64(cp.root_hash), "extensions": list(cp.extensions)}
            if got != want:
                raise VectorError(f"{desc}: expected {want}, got {got}")
            entry["want"] = want
        cases.append(entry)

    n1_want = {"origin": origin, "size": size1, "root": root1, "extensions": []}
    case("a witness cosignature by a key not pinned is ignored", "N1 with a second signature line, by another key",
         n1 + signed_by(witness, witness_v, n1_text), want=n1_want)
    case("the same signature twice counts once", "N1 with its signature line repeated",
         n1 + note_lines(n1)[4] + "\n", want=n1_want)
    case("an extension line is kept", "N1's text plus the line 'quillfeather-extension 1', re-signed with the log key",
         resigned(n1_text + "quillfeather-extension 1\n"), want={**n1_want, "extensions": ["quillfeather-extension 1"]})
    sig_error = ("CheckpointError", "invalid signature for key")
    case("tree size + 1, signature kept", "N1 with its size line incremented",
         with_line(n1, 1, str(size1 + 1)), error=sig_error)
    case("tree size * 2, signature kept", "N1 with its size line doubled",
         with_line(n1, 1, str(size1 * 2)), error=sig_error)
    case("root hash: one bit flipped, signature kept", "N1 with the lowest bit of the root's first byte flipped",
         with_line(n1, 2, flip_b64(root1)), error=sig_error)
    case("origin changed, signature kept", "N1 with the origin line's last character's lowest bit flipped",
         with_line(n1, 0, flip_char(origin, len(origin) - 1)), error=sig_error)
    signature = note_lines(n1)[4]
    blob_at = signature.rindex(" ") + 1
    case("signature: one bit flipped", "N1 with one bit of the first signature byte (after the 4-byte key ID) flipped",
         with_line(n1, 4, signature[:blob_at] + flip_b64(signature[blob_at:], 4)), error=sig_error)
    case("signed by another key with the log's name", "N1 verified with a different Ed25519 key named like the log",
         n1, key_=impostor_key, error=("CheckpointError", "note has no signature from a known key"))
    case("signed only by a witness, not by the log", "N1's text with the witness's signature line only",
         n1_text + "\n" + signed_by(witness, witness_v, n1_text),
         error=("CheckpointError", "note has no signature from a known key"))
    case("a key of another log vouching for this origin", "N1's text signed by a key named for another log, "
         "verified with that key", n1_text + "\n" + signed_by(other, other_v, n1_text), key_=other_v.to_key_string(),
         error=("CheckpointError", "is not the log key name"))
    case("another origin, signed by the log key",
         "N1's text with the origin of another log, re-signed with the log key",
         resigned(n1_text.replace(origin, other_v.name, 1)), error=("CheckpointError", "is not the log key name"))
    case("trailing garbage after the signature", "N1 followed by the line 'garbage'",
         n1 + "garbage\n", error=("MalformedError", "signature line does not start with an em dash"))
    case("trailing garbage without a newline", "N1 followed by 'garbage' and no newline",
         n1 + "garbage", error=("MalformedError", "note text does not end in a newline"))
    case("signature line removed", "N1 without its signature line",
         n1_text + "\n", error=("MalformedError", "note has no signature lines"))
    case("blank line removed", "N1 without the blank line between text and signature",
         n1.replace("\n\n", "\n", 1), error=("MalformedError", "note has no blank line before its signatures"))
    case("CRLF line endings", "N1 with every newline written CR LF",
         n1.replace("\n", "\r\n"), error=("MalformedError", "control character other than newline"))
    case("size with a leading zero, signed", "N1's text with size '0<size>', re-signed with the log key",
         resigned(with_line(n1_text, 1, "0" + str(size1))),
         error=("MalformedError", "tree size is not a decimal number without leading zeros"))
    case("size beyond 64 bits, signed", "N1's text with size 2**64, re-signed with the log key",
         resigned(with_line(n1_text, 1, str(2**64))), error=("MalformedError", "tree size does not fit in 64 bits"))
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    # 32 bytes are 43 base64 digits and '=': the lowest 2 bits of the 43rd digit are padding.
    noncanonical = root1[:42] + alphabet[alphabet.index(root1[42]) ^ 1] + "="
    assert base64.b64decode(noncanonical) == base64.b64decode(root1)
    case("root in non-canonical base64, signed", "N1's text with unused padding bits of the root set, "
         "re-signed with the log key", resigned(with_line(n1_text, 2, noncanonical)),
         error=("MalformedError", "root hash is not canonical base64"))
    case("root of 31 bytes, signed", "N1's text with the root's last byte dropped, re-signed with the log key",
         resigned(with_line(n1_text, 2, b64(base64.b64decode(root1)[:31]))),
         error=("MalformedError", "root hash is not 32 bytes"))
    case("only two lines, signed", "N1's text without its root line, re-signed with the log key",
         resigned("\n".join(note_lines(n1_text)[:2]) + "\n"), error=("MalformedError", "fewer than three lines"))
    return {
        "desc": "C2SP signed-note checkpoints (c2sp.org/tlog-checkpoint) of the instance's log, verified with "
                "verifiers.checkpoint.verify_checkpoint and the pinned log key.",
        "log_key": key,
        "origin": origin,
        "checkpoints": good,
        "cases": cases,
    }


# Merkle proofs ------------------------------------------------------------------------------------


def proofs_file(inst: Instance) -> dict[str, Any]:
    log = inst.ledger.transparency_log
    size2, root2, _ = log.latest()
    size1 = int(note_lines(inst.notes["N1"])[1])
    root1 = log.root(size1)
    leaves = inst.ledger.store.select_journal_leaves(0, size2)
    inclusion: list[dict[str, Any]] = []

    def inc(desc: str, derived: str, index: int, size: int, leaf_hash: bytes, proof: list[bytes], root: bytes,
            error: tuple[str, str] | None = None) -> None:
        entry = {"desc": desc, "derived": derived, "index": index, "size": size, "leaf_hash": b64(leaf_hash),
                 "proof": [b64(p) for p in proof], "root": b64(root)}
        run = lambda: verify_inclusion(index, size, leaf_hash, proof, root)  # noqa: E731
        if error:
            entry["want_error"] = expect_error(desc, run, *error)
        else:
            expect_ok(desc, run)
        inclusion.append(entry)

    for index in (0, 13, size2 - 1):
        inc(f"leaf {index} of {size2}", "the log's own proof", index, size2, hash_leaf(leaves[index]),
            log.inclusion_proof(index, size2), root2)
    i = 13
    leaf, proof = hash_leaf(leaves[i]), log.inclusion_proof(i, size2)
    assert len(proof) >= 3
    root_err = ("ProofError", "does not lead to the expected root")
    inc("wrong index: index + 1", f"leaf {i}'s proof at index {i + 1}", i + 1, size2, leaf, proof, root2, root_err)
    inc("wrong index: index - 1", f"leaf {i}'s proof at index {i - 1}", i - 1, size2, leaf, proof, root2, root_err)
    inc("index equal to the size", f"leaf {i}'s proof at index {size2}", size2, size2, leaf, proof, root2,
        ("ProofError", "is not below tree size"))
    inc("size * 2", f"leaf {i}'s proof for a tree of {size2 * 2}", i, size2 * 2, leaf, proof, root2,
        ("ProofError", "shorter than the path"))
    # Not an error: leaf i's path has the same shape in a tree of size2 + 1, so it leads to the same root.
    # The root binds the proof; the signed checkpoint binds root and size together.
    inc("size + 1: the same path shape still leads to the root", f"leaf {i}'s proof for a tree of {size2 + 1}",
        i, size2 + 1, leaf, proof, root2)
    inc("wrong leaf", f"leaf {i + 1}'s hash with leaf {i}'s proof", i, size2, hash_leaf(leaves[i + 1]), proof, root2,
        root_err)
    inc("leaf hash: one bit flipped", "the leaf hash's first byte, lowest bit", i, size2,
        base64.b64decode(flip_b64(b64(leaf))), proof, root2, root_err)
    inc("proof element: one bit flipped", "the first element's first byte, lowest bit", i, size2, leaf,
        [base64.b64decode(flip_b64(b64(proof[0])))] + proof[1:], root2, root_err)
    inc("proof elements swapped", "the first two elements exchanged", i, size2, leaf,
        [proof[1], proof[0], *proof[2:]], root2, root_err)
    inc("proof truncated", "the last element removed", i, size2, leaf, proof[:-1], root2,
        ("ProofError", "shorter than the path"))
    inc("trailing garbage: an element appended", "SHA-256('garbage') appended", i, size2, leaf,
        proof + [hashlib.sha256(b"garbage").digest()], root2, ("ProofError", "longer than the path"))
    inc("proof empty", "no elements", i, size2, leaf, [], root2, ("ProofError", "shorter than the path"))
    inc("root of an older tree", f"the right proof, compared with the root at size {size1}", i, size2, leaf, proof,
        root1, root_err)
    inc("proof for an older tree", f"the proof of leaf {i} in the tree of {size1}, against the tree of {size2}",
        i, size2, leaf, log.inclusion_proof(i, size1), root2, root_err)

    consistency: list[dict[str, Any]] = []

    def con(desc: str, derived: str, s1: int, s2: int, proof: list[bytes], r1: bytes, r2: bytes,
            error: tuple[str, str] | None = None) -> None:
        entry = {"desc": desc, "derived": derived, "size1": s1, "size2": s2, "proof": [b64(p) for p in proof],
                 "root1": b64(r1), "root2": b64(r2)}
        run = lambda: verify_consistency(s1, s2, proof, r1, r2)  # noqa: E731
        if error:
            entry["want_error"] = expect_error(desc, run, *error)
        else:
            expect_ok(desc, run)
        consistency.append(entry)

    proof = log.consistency_proof(size1, size2)
    assert len(proof) >= 2
    con(f"N1 ({size1}) to N2 ({size2})", "the log's own proof", size1, size2, proof, root1, root2)
    con(f"1 to {size2}", "the log's own proof", 1, size2, log.consistency_proof(1, size2), log.root(1), root2)
    con(f"0 to {size2}: the empty tree is a prefix of every tree", "empty proof", 0, size2, [], EMPTY_ROOT, root2)
    con(f"{size2} to itself", "empty proof", size2, size2, [], root2, root2)
    con("a later checkpoint without its consistency proof", "N1 to N2 with the proof left out",
        size1, size2, [], root1, root2, ("ProofError", "consistency proof is empty"))
    con("proof element: one bit flipped", "the first element's first byte, lowest bit", size1, size2,
        [base64.b64decode(flip_b64(b64(proof[0])))] + proof[1:], root1, root2,
        ("ProofError", "does not lead to the first root"))
    con("proof elements swapped", "the first two elements exchanged", size1, size2, [proof[1], proof[0], *proof[2:]],
        root1, root2, ("ProofError", "does not lead to the first root"))
    con("proof truncated", "the last element removed", size1, size2, proof[:-1], root1, root2,
        ("ProofError", "shorter than the path"))
    con("trailing garbage: an element appended", "SHA-256('garbage') appended", size1, size2,
        proof + [hashlib.sha256(b"garbage").digest()], root1, root2, ("ProofError", "longer than the path"))
    con("size2 * 2", f"the proof for {size1} to {size2 * 2}", size1, size2 * 2, proof, root1, root2,
        ("ProofError", "shorter than the path"))
    con("size1 + 1", f"the proof for {size1 + 1} to {size2}", size1 + 1, size2, proof, root1, root2,
        ("ProofError", "longer than the path"))
    con("sizes exchanged", f"{size2} to {size1}", size2, size1, proof, root2, root1,
        ("ProofError", "exceeds second"))
    con("roots exchanged", "root1 and root2 exchanged", size1, size2, proof, root2, root1,
        ("ProofError", "does not lead to the first root"))
    con("second root: one bit flipped", "root2's first byte, lowest bit", size1, size2, proof, root1,
        base64.b64decode(flip_b64(b64(root2))), ("ProofError", "does not lead to the second root"))
    con("equal sizes with a proof", f"{size2} to itself with one element", size2, size2, proof[:1], root2, root2,
        ("ProofError", "between equal sizes must be empty"))
    con("from the empty tree with a proof", f"0 to {size2} with one element", 0, size2, proof[:1], EMPTY_ROOT, root2,
        ("ProofError", "from the empty tree must be empty"))
    return {
        "desc": "RFC 9162 inclusion and consistency proofs from the instance's log (verifiers.merkle). "
                "Hashes are standard base64, as in bundles and checkpoints.",
        "checkpoints": {"N1": {"size": size1, "root": b64(root1)}, "N2": {"size": size2, "root": b64(root2)}},
        "inclusion": inclusion,
        "consistency": consistency,
    }


# Bundles ----------------------------------------------------------------------------------------


def cred(status: str, fail: Sequence[str] = (), unchecked: Sequence[str] = OFFLINE,
         detail: dict[str, str] | None = None) -> dict[str, Any]:
    """One credential's expected result: `fail` steps ok=False, `unchecked` ok=None, every other step ok=True."""
    fail = [s for s in STEPS if s in fail]
    # These cases pin no witnesses, so "witnessed" is never checked (tests/verifiers/test_bundle_witnessed.py).
    unchecked = [s for s in STEPS if s in unchecked or s == "witnessed"]
    want = {"ok": not fail and not is_withdrawn(status), "status": status, "fail": fail,
            "unchecked": unchecked}
    return want | ({"detail": detail} if detail else {})


def summary(result: BundleResult, roles: dict[str, str]) -> dict[str, Any]:
    return {
        "ok": result.ok,
        "checkpoint": result.checkpoint.ok,
        "checkpoint_size": result.checkpoint_size,
        "identity": result.identity,
        "credentials": {roles.get(c.award, c.award): {
            "ok": c.ok, "status": c.status, "fail": [s.step for s in c.steps if s.ok is False],
            "unchecked": [s.step for s in c.steps if s.ok is None]} for c in result.credentials},
    }


def check_want(desc: str, result: BundleResult, roles: dict[str, str], want: dict[str, Any]) -> None:
    got = summary(result, roles)
    bare = {**want, "credentials": {r: {k: v for k, v in c.items() if k != "detail"}
                                    for r, c in want["credentials"].items()}}
    if got != bare:
        raise VectorError(f"{desc}:\n  want {json.dumps(bare)}\n  got  {json.dumps(got)}")
    by_role = {roles.get(c.award, c.award): c for c in result.credentials}
    for role, c in want["credentials"].items():
        for step, fragment in c.get("detail", {}).items():
            detail = by_role[role].step(step).detail
            if fragment not in detail:
                raise VectorError(f"{desc}: {role} {step}: {fragment!r} not in {detail!r}")


def bundle_cases(inst: Instance, extra: random.Random) -> dict[str, Any]:
    log_key = inst.ledger.transparency_log.verifier_key
    foreign = Ed25519PrivateKey.from_private_bytes(extra.randbytes(32))
    foreign_key = Verifier.from_public_key(inst.ledger.transparency_log.origin,
                                           foreign.public_key().public_bytes_raw()).to_key_string()
    other_operator = did_key_from_public_key(
        Ed25519PrivateKey.from_private_bytes(extra.randbytes(32)).public_key().public_bytes_raw())
    unknown_award = str(uuid.UUID(bytes=extra.randbytes(16), version=4))
    roles = {s: {award: role for role, award in inst.awards[s].items()} for s in inst.awards}
    od, br = inst.bundles[ODALYS], inst.bundles[BRANNOCK]
    A, B = inst.awards[ODALYS], inst.awards[BRANNOCK]
    size1 = int(note_lines(od["checkpoint"])[1])
    hollowmere = d.issuer_stream("hollowmere-ctc")
    quill_did = inst.ledger.issuer_did("quillfeather")
    today = TODAY.isoformat()

    def path(*parts: Any) -> str:
        return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in parts)

    def entry(bundle: dict[str, Any], stream: str, n: int) -> dict[str, Any]:
        return bundle["streams"][stream][n]

    def replace(at: str, old: Any, new: Any) -> list[dict[str, Any]]:
        """A `test` of the value the corruption starts from, then the `replace`: a patch that cannot
        silently apply to a bundle it was not made for."""
        return [{"op": "test", "path": at, "value": old}, {"op": "replace", "path": at, "value": new}]

    def odalys_base(online: str | None = None) -> dict[str, dict[str, Any]]:
        unchecked = OFFLINE if online in (None, "offline_only", "withdrawn") else []
        return {
            "servsafe-active": cred("active", unchecked=unchecked, detail={"status": f"active on {today}"}),
            "nccer-revoked": cred("revoked: issued_in_error", ["status"], unchecked,
                                  {"status": "Recorded for the wrong student."}),
            "osha-superseded": cred("superseded", ["status"], unchecked,
                                    {"status": "Earned date corrected from the course roster."}),
            "epa-transferred": cred("active", unchecked=unchecked, detail={
                "issuer_authority": "custody since: " + inst.ledger.issuer_did("saltmarsh")}),
            "osha-amendment": cred("active", unchecked=unchecked),
        }

    def brannock_base(online: str | None = None) -> dict[str, dict[str, Any]]:
        unchecked = [*(OFFLINE if online in (None, "offline_only", "withdrawn") else []), "identity"]
        return {
            "servsafe-revoked-later": cred("active", unchecked=unchecked,
                                           detail={"identity": "no identity claim disclosed"}),
            "aws-expired": cred("expired", unchecked=unchecked,
                                detail={"status": "expired on 2026-05-03: no longer current, but not revoked"}),
        }

    cases: list[dict[str, Any]] = []

    def case(desc: str, bundle: str, derived: str, patch: list[dict[str, Any]] | None = None, *,
             credentials: dict[str, dict[str, Any]] | None = None, everyone: dict[str, Any] | None = None,
             log_keys: list[str] | None = None, online: str | None = None,
             online_patch: list[dict[str, Any]] | None = None,
             day: str | None = None, checkpoint: bool | None = True, checkpoint_size: int = size1,
             identity: dict[str, bool] | None = None, raises: tuple[str, str] | None = None) -> None:
        """`credentials`: role -> the full expected result of that credential (others: as the baseline);
        `everyone`: fields every credential's expectation takes (fail, unchecked, detail added)."""
        source = od if bundle == ODALYS else br
        patched = json_patch(source, patch or [])
        keys = log_keys or [log_key]
        evidence: Any = None
        if online == "offline_only":
            evidence = OFFLINE_ONLY
        elif online == "withdrawn":
            evidence = WITHDRAWN
        elif online == "evidence":
            answer = json_patch(inst.online[bundle], online_patch or [])
            evidence = OnlineEvidence(answer["checkpoint"], [base64.b64decode(h) for h in answer["consistency"]],
                                      answer["streams"])
        verify_day = date.fromisoformat(day or today)
        entry_: dict[str, Any] = {"desc": desc, "bundle": bundle, "derived": derived, "patch": patch or []}
        if log_keys:
            entry_["log_keys"] = log_keys
        if online:
            entry_["online"] = online
        if online_patch:
            entry_["online_patch"] = online_patch
        if day:
            entry_["today"] = day
        run = lambda: verify_bundle(patched, keys, today=verify_day, online=evidence)  # noqa: E731
        if raises:
            entry_["want"] = {"raises": expect_error(desc, run, *raises)}
            cases.append(entry_)
            return
        base = odalys_base(online) if bundle == ODALYS else brannock_base(online)
        if day:  # the baseline's "active on <today>" names the verification day
            for c in base.values():
                c["detail"] = {k: v.replace(today, day) for k, v in c.get("detail", {}).items()}
        if patch or online_patch or log_keys:  # a corruption's fragments are about the corruption
            for c in base.values():
                c.pop("detail", None)
        expected = {}
        for role, c in base.items():
            c = (credentials or {}).get(role, c)
            if everyone:
                fail = sorted(set(c["fail"]) | set(everyone.get("fail", ())), key=STEPS.index)
                unchecked = sorted((set(c["unchecked"]) | set(everyone.get("unchecked", ()))) - set(fail),
                                   key=STEPS.index)
                c = cred(c["status"], fail, unchecked, {**c.get("detail", {}), **everyone.get("detail", {})})
            expected[role] = c
        for role, c in (credentials or {}).items():
            expected.setdefault(role, c)  # an award the corruption added
        if identity is None:
            identity = {"name": True} if bundle == ODALYS else {}
        want = {
            "ok": checkpoint is True and all(c["ok"] for c in expected.values()) and all(identity.values()),
            "checkpoint": checkpoint,
            "checkpoint_size": checkpoint_size,
            "identity": identity,
            "credentials": expected,
        }
        check_want(desc, run(), roles[bundle], want)
        entry_["want"] = want
        cases.append(entry_)

    # Happy paths.
    case("Odalys's transcript as exported, offline", ODALYS, "verbatim")
    case("Brannock's transcript as exported (nothing disclosed), offline", BRANNOCK, "verbatim")
    case("offline only, said so", ODALYS, "verbatim, online evidence unavailable: OFFLINE_ONLY",
         online="offline_only", everyone={"detail": {"consistency": "exported for offline checking only"}})
    case("online checks withdrawn", BRANNOCK, "verbatim, online evidence unavailable: WITHDRAWN",
         online="withdrawn", everyone={"detail": {"current_status": "withdrawn by the student or have expired"}})
    case("Odalys's transcript with the log's later evidence: nothing changed since", ODALYS,
         "verbatim, with online/odalys-fennimore-quist.json", online="evidence",
         everyone={"detail": {"consistency": "verifies and extends the bundle's"}})
    case("Brannock's transcript with the later evidence: a revocation after the export", BRANNOCK,
         "verbatim, with online/brannock-teague.json", online="evidence",
         credentials={"servsafe-revoked-later": cred("revoked: evidence_withdrawn", ["current_status"], ["identity"],
                                                     {"current_status": "revoked after the export"})})
    case("expiry: the last valid day is still active", BRANNOCK, "verbatim, verified on the day it expires",
         day="2026-05-03", credentials={"aws-expired": cred("active", unchecked=[*OFFLINE, "identity"],
                                                            detail={"status": "valid until 2026-05-03"})})
    case("expiry: the day after, expired", BRANNOCK, "verbatim, verified the day after it expires", day="2026-05-04")
    case("two keys pinned, one of them right", ODALYS, "verbatim, another key with the log's name pinned first",
         log_keys=[foreign_key, log_key])
    recorded = entry(od, A["servsafe-active"], 0)["recorded"]
    assert recorded.endswith(".000000Z")
    case("recorded respelled without fractional digits: the same instant, the same leaf", ODALYS,
         "ServSafe's issuance recorded '….000000Z' written '…Z'",
         replace(path("streams", A["servsafe-active"], 0, "recorded"), recorded, recorded.replace(".000000Z", "Z")))

    # Corruptions of one award's evidence.
    a1 = A["servsafe-active"]
    cert = entry(od, a1, 0)["event"]["evidence"]["certificate"]
    case("evidence: one bit flipped in a certificate number", ODALYS, f"{cert} → {flip_char(cert, len(cert) - 1)}",
         replace(path("streams", a1, 0, "event", "evidence", "certificate"), cert, flip_char(cert, len(cert) - 1)),
         credentials={"servsafe-active": cred("active", ["log_inclusion", "signature"],
                                              detail={"signature": "was changed after signing"})})
    earned = entry(od, a1, 0)["event"]["earned"]
    case("earned date changed", ODALYS, f"earned {earned} → 2026-08-19",
         replace(path("streams", a1, 0, "event", "earned"), earned, "2026-08-19"),
         credentials={"servsafe-active": cred("active", ["log_inclusion", "signature"],
                                              detail={"log_inclusion": "not in the log at index"})})
    index = entry(od, a1, 0)["index"]
    case("wrong index: index + 1", ODALYS, f"ServSafe's issuance index {index} → {index + 1}",
         replace(path("streams", a1, 0, "index"), index, index + 1),
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": "does not lead to the expected root"})})
    case("wrong index: the tree size", ODALYS, f"ServSafe's issuance index {index} → {size1}",
         replace(path("streams", a1, 0, "index"), index, size1),
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": f"is not below tree size {size1}"})})
    proof0 = entry(od, a1, 0)["inclusion"][0]
    case("inclusion proof: one bit flipped", ODALYS, "ServSafe's issuance, first proof element, lowest bit of byte 0",
         replace(path("streams", a1, 0, "inclusion", 0), proof0, flip_b64(proof0)),
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": "does not lead to the expected root"})})
    proof_len = len(entry(od, a1, 0)["inclusion"])
    case("inclusion proof truncated", ODALYS, "ServSafe's issuance, last proof element removed",
         [{"op": "remove", "path": path("streams", a1, 0, "inclusion", proof_len - 1)}],
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": "shorter than the path"})})
    case("inclusion proof: trailing garbage", ODALYS, "ServSafe's issuance, SHA-256('garbage') appended to the proof",
         [{"op": "add", "path": path("streams", a1, 0, "inclusion", "-"),
           "value": b64(hashlib.sha256(b"garbage").digest())}],
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": "longer than the path"})})
    case("inclusion proof: not base64 of a hash", ODALYS, "ServSafe's issuance, first proof element → 'garbage'",
         replace(path("streams", a1, 0, "inclusion", 0), proof0, "garbage"),
         credentials={"servsafe-active": cred("unknown", ["log_inclusion"],
                                              [s for s in STEPS if s not in ("checkpoint", "log_inclusion")],
                                              {"log_inclusion": "is unreadable"})})
    a2 = A["nccer-revoked"]
    issue_at, revoke_at = (path("streams", a2, n, "inclusion") for n in (0, 1))
    case("inclusion proofs of two entries swapped", ODALYS, "NCCER's issuance and revocation exchange proofs "
         "(moved through a scratch member 'swap')",
         [{"op": "move", "from": issue_at, "path": path("streams", a2, 0, "swap")},
          {"op": "move", "from": revoke_at, "path": issue_at},
          {"op": "move", "from": path("streams", a2, 0, "swap"), "path": revoke_at}],
         credentials={"nccer-revoked": cred("revoked: issued_in_error", ["log_inclusion", "status"],
                                            detail={"log_inclusion": "not in the log at index"})})
    case("recorded one microsecond later", ODALYS, f"ServSafe's issuance recorded {recorded} + 1 µs",
         replace(path("streams", a1, 0, "recorded"), recorded, recorded.replace(".000000Z", ".000001Z")),
         credentials={"servsafe-active": cred("active", ["log_inclusion"])})
    other_value = entry(od, A["osha-amendment"], 0)["event"]["proof"]["proofValue"]
    value = entry(od, a1, 0)["event"]["proof"]["proofValue"]
    case("proofs swapped: another event's signature", ODALYS, "ServSafe's proofValue replaced by the amendment's",
         replace(path("streams", a1, 0, "event", "proof", "proofValue"), value, other_value),
         credentials={"servsafe-active": cred("active", ["log_inclusion", "signature"],
                                              detail={"signature": "does not verify"})})
    method = entry(od, a1, 0)["event"]["proof"]["verificationMethod"]
    new_key = entry(od, hollowmere, 1)["event"]["key"]
    case("a wrong key: verificationMethod of another issuer", ODALYS,
         "ServSafe's verificationMethod replaced by Hollowmere's rotated key",
         replace(path("streams", a1, 0, "event", "proof", "verificationMethod"), method, new_key),
         credentials={"servsafe-active": cred("active", ["log_inclusion", "signature", "key_validity"],
                                              detail={"key_validity": f"was not a key of {quill_did}"})})
    # The award stream and custody.
    prev = entry(od, a2, 1)["event"]["previous"]
    case("hash chain: previous changed", ODALYS, "NCCER's revocation 'previous' → 64 zeros",
         replace(path("streams", a2, 1, "event", "previous"), prev, "0" * 64),
         credentials={"nccer-revoked": cred("revoked: issued_in_error",
                                            ["log_inclusion", "hash_chain", "signature", "status"],
                                            detail={"hash_chain": "not the hash of the event before"})})
    case("an event removed at the end of a stream: invisible offline", ODALYS,
         "NCCER's revocation (the last entry of its stream) removed",
         [{"op": "remove", "path": path("streams", a2, 1)}],
         credentials={"nccer-revoked": cred("active")})
    case("an event removed at the end of a stream: seen online", ODALYS,
         "NCCER's revocation removed, with online/odalys-fennimore-quist.json",
         [{"op": "remove", "path": path("streams", a2, 1)}], online="evidence",
         credentials={"nccer-revoked": cred("revoked: issued_in_error", ["current_status"], [],
                                            {"current_status": "revoked after the export"})})
    case("events of an award swapped", ODALYS, "NCCER's issuance and revocation exchange places",
         [{"op": "move", "path": path("streams", a2, 0), "from": path("streams", a2, 1)}],
         credentials={"nccer-revoked": cred("unknown", ["hash_chain", "issuer_authority"],
                                            ["status", "identity", *OFFLINE],
                                            {"issuer_authority": "is not an award: it opens with CredentialRevoked"})})
    a5 = A["epa-transferred"]
    countersignature = entry(od, a5, 1)["event"]["proof"][1]
    assert countersignature["verificationMethod"] == entry(od, d.issuer_stream("saltmarsh"), 0)["event"]["key"]
    case("countersignature removed", ODALYS, "EPA 608's transfer without its second proof (Saltmarsh's)",
         [{"op": "test", "path": path("streams", a5, 1, "event", "proof", 1, "verificationMethod"),
           "value": countersignature["verificationMethod"]},
          {"op": "remove", "path": path("streams", a5, 1, "event", "proof", 1)}],
         credentials={"epa-transferred": cred("active", ["log_inclusion", "issuer_authority"],
                                              detail={"issuer_authority": "carries no countersignature"})})
    a4, a3 = A["osha-amendment"], A["osha-superseded"]
    case("the amendment's supersedes changed", ODALYS, "the amendment's 'supersedes' → the NCCER award",
         replace(path("streams", a4, 0, "event", "supersedes"), a3, a2),
         credentials={"osha-amendment": cred("active", ["log_inclusion", "signature"])})
    # The key history.
    hollowmere_users = ("nccer-revoked", "osha-superseded", "osha-amendment")
    key_added = entry(od, hollowmere, 1)
    case("an event removed from the middle of a stream: Hollowmere's key rotation", ODALYS,
         "Hollowmere's IssuerKeyAdded (entry 2 of 3) removed",
         [{"op": "test", "path": path("streams", hollowmere, 1, "event", "type"), "value": d.ISSUER_KEY_ADDED},
          {"op": "remove", "path": path("streams", hollowmere, 1)}],
         credentials={
             "nccer-revoked": cred("revoked: issued_in_error", ["hash_chain", "key_validity", "status"],
                                   detail={"hash_chain": "an event is missing or out of order"}),
             "osha-superseded": cred("superseded", ["hash_chain", "key_validity", "status"]),
             "osha-amendment": cred("active", ["hash_chain", "key_validity"],
                                    detail={"key_validity": "was not a key of"})})
    assert key_added["event"]["type"] == d.ISSUER_KEY_ADDED and all(r in A for r in hollowmere_users)
    case("Hollowmere's key history reordered", ODALYS, "Hollowmere's IssuerKeyAdded and IssuerKeyRetired exchanged",
         [{"op": "move", "path": path("streams", hollowmere, 1), "from": path("streams", hollowmere, 2)}],
         credentials={
             "nccer-revoked": cred("revoked: issued_in_error", ["hash_chain", "status"]),
             "osha-superseded": cred("superseded", ["hash_chain", "status"]),
             "osha-amendment": cred("active", ["hash_chain"], detail={"hash_chain": "out of order"})})
    # Streams and the award list.
    case("the student's registration removed", ODALYS, "the student's stream removed",
         [{"op": "remove", "path": path("streams", inst.students[ODALYS])}],
         everyone={"fail": ["log_inclusion"], "detail": {"log_inclusion": "the student's registration"}})
    servsafe_catalog = d.credential_stream("servsafe-handler")
    case("a catalog entry removed", ODALYS, "the servsafe-handler catalog stream removed",
         [{"op": "remove", "path": path("streams", servsafe_catalog)}],
         credentials={"servsafe-active": cred("active", ["log_inclusion"],
                                              detail={"log_inclusion": "the catalog entry servsafe-handler"})})
    case("an award listed that the bundle does not hold", ODALYS, f"'{unknown_award}' appended to 'awards'",
         [{"op": "add", "path": "/awards/-", "value": unknown_award}],
         credentials={unknown_award: cred("unknown", ["log_inclusion"],
                                          [s for s in STEPS if s not in ("checkpoint", "log_inclusion")],
                                          {"log_inclusion": "is not in the bundle"})})
    # The bundle's own members.
    case("bundle ledger id changed", ODALYS, "'ledger' → a made-up id",
         replace("/ledger", od["ledger"], "00000000-0000-4000-8000-000000000000"),
         everyone={"fail": ["hash_chain"], "detail": {"hash_chain": "not this bundle's ledger"}})
    case("operator replaced", ODALYS, "'operator' → another did:key",
         replace("/operator", od["operator"], other_operator),
         everyone={"fail": ["issuer_authority"], "detail": {"issuer_authority": "not by the operator"}})
    name = od["disclosed"]["name"]["value"]
    case("disclosed name: one bit flipped", ODALYS, f"'{name}' → '{flip_char(name, 0)}'",
         replace("/disclosed/name/value", name, flip_char(name, 0)), identity={"name": False},
         everyone={"fail": ["identity"], "detail": {"identity": "does not match its commitment"}})
    salt = od["disclosed"]["name"]["salt"]
    case("disclosed salt: one bit flipped", ODALYS, "the name's salt, lowest bit of its first character",
         replace("/disclosed/name/salt", salt, flip_char(salt, 0)), identity={"name": False},
         everyone={"fail": ["identity"], "detail": {"identity": "does not match its commitment"}})
    # The checkpoint.
    note = od["checkpoint"]
    no_tree = {"unchecked": ["log_inclusion"], "detail": {"log_inclusion": "no tree to check against"}}
    case("checkpoint: tree size * 2, signature kept", ODALYS, "the size line doubled",
         replace("/checkpoint", note, with_line(note, 1, str(size1 * 2))), checkpoint=False,
         checkpoint_size=size1 * 2, everyone={"fail": ["checkpoint"], **no_tree,
                                               "detail": {**no_tree["detail"], "checkpoint": "invalid signature"}})
    case("checkpoint: root one bit flipped, signature kept", ODALYS, "the root's first byte, lowest bit",
         replace("/checkpoint", note, with_line(note, 2, flip_b64(note_lines(note)[2]))), checkpoint=False,
         everyone={"fail": ["checkpoint"], **no_tree})
    case("checkpoint: trailing garbage", ODALYS, "the line 'garbage' appended to the note",
         replace("/checkpoint", note, note + "garbage\n"), checkpoint=False, checkpoint_size=0,  # unreadable
         everyone={"fail": ["checkpoint"], **no_tree,
                   "detail": {"checkpoint": "signature line does not start with an em dash"}})
    case("a wrong key pinned", ODALYS, "verified with another key named like the log", log_keys=[foreign_key],
         checkpoint=False, everyone={"fail": ["checkpoint"], **no_tree,
                                     "detail": {"checkpoint": "no signature from a known key"}})
    case("the log's empty-tree checkpoint instead", ODALYS, "'checkpoint' → the note of size 0",
         replace("/checkpoint", note, inst.notes["empty"]), checkpoint_size=0,
         everyone={"fail": ["log_inclusion"], "detail": {"log_inclusion": "is not below tree size 0"}})
    size2 = int(note_lines(inst.notes["N2"])[1])
    case("a later checkpoint without new inclusion proofs", ODALYS, "'checkpoint' → the later note (N2)",
         replace("/checkpoint", note, inst.notes["N2"]), checkpoint_size=size2,
         everyone={"fail": ["log_inclusion"], "detail": {"log_inclusion": "not in the log at index"}})
    # Online evidence corrupted.
    n2 = inst.notes["N2"]
    consistency = inst.online[ODALYS]["consistency"]
    no_newer = {"unchecked": ["current_status"], "detail": {"current_status": "no trusted newer checkpoint"}}
    case("a later checkpoint without its consistency proof", ODALYS,
         "online evidence with 'consistency' emptied", online="evidence",
         online_patch=replace("/consistency", consistency, []),
         everyone={"fail": ["consistency"], **no_newer,
                   "detail": {**no_newer["detail"], "consistency": "consistency proof is empty"}})
    case("consistency proof elements swapped", ODALYS, "online evidence, first two consistency elements exchanged",
         online="evidence", online_patch=replace("/consistency", consistency,
                                                 [consistency[1], consistency[0], *consistency[2:]]),
         everyone={"fail": ["consistency"], **no_newer})
    case("later checkpoint: size changed, signature kept", ODALYS, "online evidence, the newer note's size + 1",
         online="evidence", online_patch=replace("/checkpoint", n2, with_line(n2, 1, str(size2 + 1))),
         everyone={"fail": ["consistency"], **no_newer,
                   "detail": {"consistency": "invalid signature"}})
    b1 = B["servsafe-revoked-later"]
    later = inst.online[BRANNOCK]["streams"][b1][1]["index"]
    case("later evidence: the revocation at index + 1", BRANNOCK,
         "online evidence, the later revocation's index + 1", online="evidence",
         online_patch=replace(path("streams", b1, 1, "index"), later, later + 1),
         credentials={"servsafe-revoked-later": cred("active", ["current_status"], ["identity"],
                                                     {"current_status": "the award: inclusion proof is longer "
                                                                        "than the path"})})
    # Not a bundle at all.
    case("not this format", ODALYS, "'format' → credledger.transcript/v2",
         replace("/format", od["format"], "credledger.transcript/v2"),
         raises=("BundleFormatError", "not a transcript bundle"))
    case("awards not a list", ODALYS, "'awards' → its first award id",
         replace("/awards", od["awards"], od["awards"][0]),
         raises=("BundleFormatError", "'awards' is not a list of award ids"))
    case("online member malformed: the link in the URL", ODALYS, "an 'online' member whose url carries the link",
         [{"op": "add", "path": "/online", "value": {"url": "https://records.quillfeather.example/transcripts/"
                                                            "evidence?link=abc"}}],
         raises=("BundleFormatError", "'online' is not an object"))
    return {
        "desc": "Transcript bundles (docs/transcript-bundle.md), verified with verifiers.bundle.verify_bundle. "
                "Each case applies its RFC 6902 'patch' to a committed bundle (and 'online_patch' to its online "
                "evidence), pins 'log_keys' (default: log_key), verifies as of 'today', and must give exactly "
                "'want': per credential, the steps in 'fail' are ok=False, those in 'unchecked' ok=None, every "
                "other step ok=True; each 'detail' fragment is in that step's detail.",
        "log_key": log_key,
        "today": today,
        "bundles": {
            s: {"file": f"bundles/{s}.json", "online": f"online/{s}.json", "student": inst.students[s],
                "awards": inst.awards[s]} for s in (ODALYS, BRANNOCK)},
        "online_modes": {"evidence": "the bundle's online file, as OnlineEvidence", "offline_only": "OFFLINE_ONLY",
                         "withdrawn": "WITHDRAWN"},
        "steps": list(STEPS),
        "cases": cases,
    }


# Writing ------------------------------------------------------------------------------------------


def dump(value: Any) -> str:
    """JSON for people: what fits on a line stays on one line, the rest is indented."""
    return _pretty(value, 0) + "\n"


def _pretty(value: Any, depth: int, column: int = 0, width: int = 120) -> str:
    flat = json.dumps(value, ensure_ascii=False)
    if column + len(flat) <= width or not isinstance(value, (dict, list)) or not value:
        return flat
    pad = " " * (depth + 1)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = f"{pad}{json.dumps(k, ensure_ascii=False)}: "
            items.append(key + _pretty(v, depth + 1, len(key)))
    else:
        items = [pad + _pretty(v, depth + 1, len(pad)) for v in value]
    open_, close = ("{", "}") if isinstance(value, dict) else ("[", "]")
    return open_ + "\n" + ",\n".join(items) + "\n" + " " * depth + close


def render(workdir: Path) -> dict[str, str]:
    extra = deterministic(SEED)
    inst = build(workdir / "instance")
    try:
        files = {f"bundles/{s}.json": dump(b) for s, b in inst.bundles.items()}
        files |= {f"online/{s}.json": dump(o) for s, o in inst.online.items()}
        files["leaves.json"] = dump(leaves_file(inst))
        files["checkpoints.json"] = dump(checkpoints_file(inst, extra))
        files["proofs.json"] = dump(proofs_file(inst))
        files["bundle-cases.json"] = dump(bundle_cases(inst, extra))
        files["story.txt"] = "\n".join(inst.story) + "\n"
    finally:
        inst.ledger.close()
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; say which files would change")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="credledger-vectors-") as tmp:
        try:
            files = render(Path(tmp))
        except VectorError as e:
            print(f"an expectation does not hold, nothing written:\n{e}", file=sys.stderr)
            return 1
    changed = []
    for name, text in sorted(files.items()):
        target = HERE / name
        old = target.read_text(encoding="utf-8") if target.exists() else ""
        if old == text:
            continue
        changed.append(name)
        if args.check:
            sys.stdout.writelines(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                       f"a/{name}", f"b/{name}", n=1))
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    sizes = ", ".join(f"{n} {len(t.encode()) // 1024} KB" for n, t in sorted(files.items()))
    print(f"{'would change' if args.check else 'wrote'}: {', '.join(changed) or 'nothing'} ({sizes})")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    sys.exit(main())
