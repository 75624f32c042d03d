"""W3C Bitstring Status List v1.0: the bitstring's encoding, and checking a credential's status entry
against a signed `BitstringStatusListCredential`.

The bitstring (§3.1, §4): bit `i` is the status of the credential whose entry names index `i`; bit 0
is the most significant bit of byte 0 (so setting bit 0 makes the first byte 0x80, bit 9 the second
byte 0x40). A list has at least 131,072 entries (16 KiB), so one credential hides among many. On the
wire, `encodedList` is the bitstring GZIP-compressed, then base64url without padding, with the
multibase prefix `u`.

Decoding is bounded: a list that inflates past `MAX_LIST_BYTES` (a gzip bomb: a few kilobytes that
would inflate to gigabytes) is refused after at most that much output, and so is one shorter than
the minimum, or whose index is outside it, each with a message that says so.

Pure: the list credential, the DID documents and the moment are parameters (fetching the list from
its `statusListCredential` URL is the caller's I/O).
"""

from __future__ import annotations

import base64
import binascii
import zlib
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from verifiers.bundle_results import StepResult
from verifiers.dataintegrity import EDDSA_RDFC_2022, proofs_of, verify_proof
from verifiers.didweb import key_of_method
from verifiers.errors import MalformedError, VerificationError

__all__ = ["ENTRY_TYPE", "LIST_CREDENTIAL_TYPE", "LIST_SIZE", "MAX_LIST_BYTES", "REVOCATION", "bit", "check_status",
           "decode_list", "encode_list", "status_entries"]

LIST_SIZE = 131_072  # entries: the specification's minimum, and the size of every list made here
MIN_LIST_BYTES = LIST_SIZE // 8
MAX_LIST_BYTES = 2 * 1024 * 1024  # 16.7 million entries: far above any list, far below a bomb's harm
MAX_ENCODED_CHARS = 4 * 1024 * 1024  # the text before decoding
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
REVOCATION = "revocation"


def encode_list(set_bits: Iterable[int], size: int = LIST_SIZE) -> str:
    """`encodedList` of a bitstring of `size` entries with `set_bits` set: GZIP (no timestamp, so the
    same bits give the same text), base64url without padding, multibase prefix `u`."""
    if size % 8 or size < LIST_SIZE:
        raise ValueError(f"a list has a multiple of 8 entries, at least {LIST_SIZE}")
    bits = bytearray(size // 8)
    for index in set_bits:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a list of {size} entries")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = zlib.compress(bytes(bits), 9, wbits=31)  # wbits 31: a GZIP member, mtime 0
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: object, *, max_bytes: int = MAX_LIST_BYTES) -> bytes:
    """The bitstring of an `encodedList`. MalformedError, in words, for text that is not multibase
    base64url (`u…`), not GZIP, inflates past `max_bytes`, or is shorter than 131,072 entries."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise MalformedError("the status list's encodedList is not multibase base64url (it must start with 'u')")
    if len(encoded) > MAX_ENCODED_CHARS:
        raise MalformedError(f"the status list's encodedList is longer than {MAX_ENCODED_CHARS} characters")
    text = encoded[1:]
    if "=" in text or "+" in text or "/" in text:
        raise MalformedError("the status list's encodedList is not base64url without padding")
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise MalformedError("the status list's encodedList is not base64url") from None
    inflater = zlib.decompressobj(wbits=31)  # GZIP only
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error:
        raise MalformedError("the status list's encodedList is not GZIP-compressed data") from None
    if len(bits) > max_bytes or inflater.unconsumed_tail:
        raise MalformedError(f"the status list inflates to more than {max_bytes} bytes: refused (a gzip bomb?)")
    if not inflater.eof:
        raise MalformedError("the status list's GZIP data is truncated")
    if len(bits) < MIN_LIST_BYTES:
        raise MalformedError(f"the status list has {len(bits) * 8} entries, fewer than the {LIST_SIZE} "
                             "the specification requires")
    return bits


def bit(bits: bytes, index: int) -> bool:
    """Bit `index` of a bitstring (bit 0: the most significant bit of byte 0). MalformedError outside it."""
    if not 0 <= index < len(bits) * 8:
        raise MalformedError(f"status index {index} is outside the list of {len(bits) * 8} entries")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entries(credential: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The credential's revocation entries of the Bitstring type (`credentialStatus`: one or a list)."""
    status = credential.get("credentialStatus")
    entries = status if isinstance(status, list) else [status] if status is not None else []
    return [e for e in entries if isinstance(e, dict) and e.get("type") == ENTRY_TYPE
            and e.get("statusPurpose") == REVOCATION]


def check_status(credential: Mapping[str, Any], status_list: Mapping[str, Any] | None,
                 did_documents: Mapping[str, Mapping[str, Any]], now: datetime) -> tuple[StepResult, bool | None]:
    """The `status` step of a credential whose issuer signs its status list, and whether it is revoked
    (None: not known). `status_list` is the list credential its entry names, as fetched by the caller."""
    entries = status_entries(credential)
    if not entries:
        return StepResult("status", None, "not checked: this credential carries no revocation status entry "
                                          "(the issuer records no status list for it; ask the issuer "
                                          "whether it still stands)"), None
    entry = entries[0]
    url = entry.get("statusListCredential")
    if status_list is None:
        return StepResult("status", None, f"not checked: no status list was given (it is published at {url})"), None
    try:
        index = _index_of(entry)
        issuer = _issuer_id(credential)
        _check_list_shape(status_list, url, issuer)
        _check_list_signature(status_list, issuer, did_documents)
        expired = _expired(status_list, now)
        if expired:
            return StepResult("status", None, f"not checked: the status list given expired at {expired}; "
                                              f"fetch a current one from {url}"), None
        revoked = bit(decode_list(status_list["credentialSubject"].get("encodedList")), index)
    except VerificationError as e:
        return StepResult("status", False, f"status list refused: {e}"), None
    signed = _created(status_list)
    if revoked:
        return StepResult("status", False, f"revoked: entry {index} of {url} is set (list signed {signed})"), True
    return StepResult("status", True, f"not revoked: entry {index} of {url} is clear (list signed {signed})"), False


def _index_of(entry: Mapping[str, Any]) -> int:
    text = entry.get("statusListIndex")
    if not isinstance(text, str) or not text.isdigit() or not text.isascii() or len(text) > 10:
        raise MalformedError(f"the status entry's statusListIndex {text!r} is not a decimal integer as text")
    url = entry.get("statusListCredential")
    if not isinstance(url, str) or entry.get("id") not in (None, f"{url}#{text}"):
        raise MalformedError("the status entry's id is not its statusListCredential and index")
    return int(text)


def _issuer_id(doc: Mapping[str, Any]) -> str:
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(issuer_id, str):
        raise MalformedError("it names no issuer id")
    return issuer_id


def _check_list_shape(status_list: Mapping[str, Any], url: object, issuer: str) -> None:
    types = status_list.get("type")
    if not isinstance(types, list) or LIST_CREDENTIAL_TYPE not in types or "VerifiableCredential" not in types:
        raise MalformedError(f"it is not a {LIST_CREDENTIAL_TYPE}")
    if status_list.get("id") != url:
        raise MalformedError(f"it is {status_list.get('id')!r}, not the list the entry names ({url})")
    if _issuer_id(status_list) != issuer:
        raise MalformedError(f"it is issued by {_issuer_id(status_list)}, not by the credential's issuer {issuer}")
    subject = status_list.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != "BitstringStatusList":
        raise MalformedError("its credentialSubject is not a BitstringStatusList")
    if subject.get("statusPurpose") != REVOCATION:
        raise MalformedError(f"its statusPurpose is {subject.get('statusPurpose')!r}, not 'revocation'")


def _check_list_signature(status_list: Mapping[str, Any], issuer: str,
                          did_documents: Mapping[str, Mapping[str, Any]]) -> None:
    proofs = [p for p in proofs_of(dict(status_list)) if p.get("cryptosuite") == EDDSA_RDFC_2022.name]
    if not proofs:
        raise MalformedError("it has no eddsa-rdfc-2022 proof")
    proof = proofs[0]
    method = proof.get("verificationMethod")
    if proof.get("proofPurpose") != "assertionMethod":
        raise MalformedError("its proof is not for assertionMethod")
    if not isinstance(method, str) or method.partition("#")[0] != issuer:
        raise MalformedError(f"it is signed by {method!r}, not by a key of the issuer {issuer}")
    document = did_documents.get(issuer)
    if document is None:
        raise MalformedError(f"no DID document of {issuer} to check its signature against")
    verify_proof(dict(status_list), proof, key_of_method(document, method))


def _expired(status_list: Mapping[str, Any], now: datetime) -> str | None:
    """The list's validUntil when it has passed (or validFrom has not come), else None."""
    for name in ("validFrom", "validUntil"):
        value = status_list.get(name)
        if value is None:
            continue
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
            if moment.tzinfo is None:
                raise ValueError(value)
        except ValueError:
            raise MalformedError(f"its {name} is not a date-time with a time zone") from None
        if (name == "validFrom" and now < moment) or (name == "validUntil" and now > moment):
            return str(value) if name == "validUntil" else f"(not valid before {value})"
    return None


def _created(status_list: Mapping[str, Any]) -> str:
    proofs = proofs_of(dict(status_list))
    created = proofs[0].get("created") if proofs else None
    return str(created) if created else "at an unknown time"
