"""verifiers.note against the published signed-note examples.

Known answers typed in from golang.org/x/mod, sumdb/note/note_test.go
(https://github.com/golang/mod/blob/master/sumdb/note/note_test.go, stored
version at commit 02c991387e35f9e4c0a9b7ce137717055f8d716d): the
PeterNeumann and EnochRoot verifier keys, the PeterNeumann signer key, the
note text and both signature lines (TestNewVerifier, TestSign, TestOpen).
The quasimodo note is the example at the top of the C2SP spec
(https://github.com/C2SP/C2SP/blob/main/signed-note.md, commit
055287621bf3cd13ff4394418a3e8efc2d5e8ed7); its public key is not published.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given
from hypothesis import strategies as st

from verifiers.errors import CheckpointError, MalformedError
from verifiers.note import (
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    NoteVerifier,
    Verifier,
    is_valid_key_name,
    key_id_for,
    key_string_from_public_key,
    note_from_text,
    note_with_signatures,
    signature_line,
    signed_message,
    verify_note,
)

PETER_KEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
PETER_SIGNER_KEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
ENOCH_KEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
PETER_SIG = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
ENOCH_SIG = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n"

QUASIMODO_NOTE = (
    "Ognuno sta solo sul cuor della terra\n"
    "trafitto da un raggio di sole:\n"
    "\n"
    "ed è subito sera.\n"
    "\n"
    "— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

PETER = Verifier.from_key_string(PETER_KEY)
ENOCH = Verifier.from_key_string(ENOCH_KEY)


def _peter_private_key() -> Ed25519PrivateKey:
    encoded = PETER_SIGNER_KEY.split("+", 4)[4]
    material = base64.b64decode(encoded)
    assert material[0] == 0x01
    return Ed25519PrivateKey.from_private_bytes(material[1:])


# --- verifier keys -----------------------------------------------------------


def test_peter_key_parses_and_round_trips() -> None:
    assert PETER.name == "PeterNeumann"
    assert PETER.key_id == 0xC74F20A3
    assert PETER.key_id == key_id_for("PeterNeumann", PETER.public_key)
    assert PETER.to_key_string() == PETER_KEY
    assert ENOCH.to_key_string() == ENOCH_KEY


def test_key_string_from_the_published_private_key() -> None:
    public = _peter_private_key().public_key()
    assert key_string_from_public_key("PeterNeumann", public) == PETER_KEY
    assert Verifier.from_public_key("PeterNeumann", PETER.public_key) == PETER


def _manglings(key: str) -> list[str]:
    # As TestNewVerifier: every proper substring, and every character bumped.
    out = [key[i:j] for i in range(len(key) + 1) for j in range(i + 1, len(key) + 1)]
    out.remove(key)
    out += [key[:i] + chr(ord(key[i]) + 1) + key[i + 1 :] for i in range(len(key))]
    return out


def test_mangled_verifier_keys_are_rejected() -> None:
    for bad in _manglings(PETER_KEY):
        with pytest.raises(MalformedError):
            Verifier.from_key_string(bad)


@pytest.mark.parametrize(
    "bad",
    [
        # wrong length key, with adjusted key hash (TestNewVerifier)
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        # unknown algorithm, with adjusted key hash (TestNewVerifier)
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        # uppercase hex key ID: not the canonical form
        "PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "",
    ],
)
def test_bad_verifier_keys_are_rejected(bad: str) -> None:
    with pytest.raises(MalformedError):
        Verifier.from_key_string(bad)


@pytest.mark.parametrize("name", ["", "a+b", "a b", "a\u00a0b", "tab\there", "new\nline", "a\u2003b"])
def test_invalid_key_names(name: str) -> None:
    assert not is_valid_key_name(name)
    with pytest.raises(ValueError):
        signature_line(name, 1, b"sig")
    with pytest.raises(ValueError):
        Verifier.from_public_key(name, PETER.public_key)


def test_valid_key_names() -> None:
    for name in ["PeterNeumann", "example.com/log42", "quasimodo.example/salvatore", "ü/ñ"]:
        assert is_valid_key_name(name)


# --- signing helpers reproduce the published note byte for byte ----------------


def test_signing_reproduces_the_published_signature() -> None:
    signature = _peter_private_key().sign(signed_message(TEXT))
    line = signature_line(PETER.name, PETER.key_id, signature)
    assert line == PETER_SIG
    assert note_with_signatures(TEXT, [line]) == TEXT + "\n" + PETER_SIG


def test_signed_message_requires_a_valid_text() -> None:
    for bad in ["no newline", "control\x01\n", "\ud800\n"]:
        with pytest.raises(ValueError):
            signed_message(bad)


def test_note_with_signatures_rejects_bad_lines() -> None:
    for lines in [[], ["not a signature\n"], [PETER_SIG[:-1]], ["\n" + PETER_SIG]]:
        with pytest.raises(ValueError):
            note_with_signatures(TEXT, lines)


# --- verification (TestOpen) -----------------------------------------------------


def test_published_note_verifies() -> None:
    note = verify_note(TEXT + "\n" + PETER_SIG, [PETER])
    assert note.text == TEXT
    assert [(s.name, s.key_id) for s in note.signatures] == [("PeterNeumann", 0xC74F20A3)]
    assert note.to_text() == TEXT + "\n" + PETER_SIG


def test_bytes_input_is_accepted() -> None:
    assert verify_note((TEXT + "\n" + PETER_SIG).encode("utf-8"), [PETER]).text == TEXT


def test_unknown_key_signatures_are_ignored() -> None:
    note = verify_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER])
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    both = verify_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [PETER, ENOCH])
    assert [s.name for s in both.signatures] == ["PeterNeumann", "EnochRoot"]


def test_no_known_signature_fails() -> None:
    with pytest.raises(CheckpointError):
        verify_note(TEXT + "\n" + PETER_SIG + ENOCH_SIG, [])
    with pytest.raises(CheckpointError):
        verify_note(TEXT + "\n" + ENOCH_SIG, [PETER])


def test_same_name_or_same_id_alone_is_an_unknown_key() -> None:
    # A key named like Peter's but with another ID, and one with Peter's ID
    # under another name, are both unknown: their signatures are ignored.
    other = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    forged_name = signature_line("PeterNeumann", 0xC74F20A4, other.sign(TEXT.encode()))
    forged_id = signature_line("PeterNeuman", 0xC74F20A3, other.sign(TEXT.encode()))
    note = verify_note(TEXT + "\n" + forged_name + forged_id + PETER_SIG, [PETER])
    assert [(s.name, s.key_id) for s in note.signatures] == [("PeterNeumann", 0xC74F20A3)]
    with pytest.raises(CheckpointError):
        verify_note(TEXT + "\n" + forged_name + forged_id, [PETER])


def test_tampered_text_fails() -> None:
    tampered = TEXT.replace("cryptography", "cryptographY")
    with pytest.raises(CheckpointError):
        verify_note(tampered + "\n" + PETER_SIG, [PETER])


def test_invalid_signature_from_a_known_key_rejects_the_note() -> None:
    raw = (TEXT + "\n").encode() + PETER_SIG.encode()
    position = len((TEXT + "\n").encode()) + 60
    mangled = raw[:position] + b"ABCD" + raw[position:]
    with pytest.raises(CheckpointError):
        verify_note(mangled, [PETER])
    # ... even when another known key signed it correctly.
    with pytest.raises(CheckpointError):
        verify_note(mangled + ENOCH_SIG.encode(), [PETER, ENOCH])


def test_repeated_signatures_are_dropped() -> None:
    enoch_abcd = ENOCH_SIG[:60] + "ABCD" + ENOCH_SIG[60:]
    text = TEXT + "\n" + PETER_SIG + PETER_SIG + ENOCH_SIG + ENOCH_SIG + enoch_abcd
    note = verify_note(text, [PETER])
    assert [s.name for s in note.signatures] == ["PeterNeumann"]
    assert len(note_from_text(text).signatures) == 5


def _colliding_key_ids(name: str) -> tuple[bytes, bytes]:
    """Two 32-byte keys whose key IDs under ``name`` collide (a 32-bit birthday search)."""
    seen: dict[int, bytes] = {}
    counter = 0
    while True:
        key = counter.to_bytes(32, "big")
        found = seen.setdefault(key_id_for(name, key), key)
        if found != key:
            return found, key
        counter += 1


def test_ambiguous_verifiers_are_a_configuration_error() -> None:
    first, second = _colliding_key_ids("example.com/log")
    one = Verifier.from_public_key("example.com/log", first)
    two = Verifier.from_public_key("example.com/log", second)
    assert (one.name, one.key_id) == (two.name, two.key_id) and one != two
    with pytest.raises(ValueError):
        verify_note(TEXT + "\n" + PETER_SIG, [PETER, one, two])
    # The same verifier twice is not ambiguous.
    verify_note(TEXT + "\n" + PETER_SIG, [PETER, ENOCH, PETER])


@dataclass(frozen=True)
class _OtherKind:
    """A note verifier of another signature kind (as a tlog-cosignature/v1 witness key will be):
    verify_note asks it about its own lines only, through NoteVerifier."""

    name: str
    key_id: int
    accepts: bytes

    def signature_valid(self, message: bytes, signature: bytes) -> bool:
        return message == TEXT.encode() and signature == self.accepts


def test_any_note_verifier_checks_its_own_lines() -> None:
    witness = _OtherKind("witness.example", 7, b"stamp+signature")
    assert isinstance(witness, NoteVerifier) and isinstance(PETER, NoteVerifier)
    line = signature_line(witness.name, witness.key_id, b"stamp+signature")
    note = verify_note(TEXT + "\n" + PETER_SIG + line, [PETER, witness])
    assert [s.name for s in note.signatures] == ["PeterNeumann", "witness.example"]
    with pytest.raises(CheckpointError):
        verify_note(TEXT + "\n" + PETER_SIG + signature_line(witness.name, 7, b"forged"), [PETER, witness])
    with pytest.raises(TypeError):
        verify_note(TEXT + "\n" + PETER_SIG, [PETER_KEY])  # a key string is not a verifier


def test_too_many_signatures() -> None:
    assert MAX_SIGNATURES >= 16
    with pytest.raises(MalformedError):
        verify_note(TEXT + "\n" + PETER_SIG * (MAX_SIGNATURES + 1), [PETER])
    verify_note(TEXT + "\n" + PETER_SIG * 16, [PETER])


@pytest.mark.parametrize(
    "message",
    [
        # The badMsgs table of TestOpen.
        TEXT,
        TEXT + "\n",
        TEXT + "\n" + PETER_SIG[:-1],
        "\x01" + TEXT + "\n" + PETER_SIG,
        b"\xff" + (TEXT + "\n" + PETER_SIG).encode(),
        TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=",
        TEXT + "\n" + PETER_SIG + "Unexpected line.\n",
        # More malformed signature lines.
        TEXT + "\n" + "— Bad+Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        TEXT + "\n" + "— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        TEXT + "\n" + "- PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        TEXT + "\n" + "—PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n",
        TEXT + "\n" + "— PeterNeumann\n",
        TEXT + "\n" + "— PeterNeumann \n",
        TEXT + "\n" + "— PeterNeumann x08g\n",
        TEXT + "\n" + "— PeterNeumann not*base64\n",
        TEXT + "\n" + PETER_SIG.replace("AM=\n", "AM\n"),
        TEXT + "\n" + PETER_SIG.replace("\n", "\r\n"),
        TEXT.replace("\n", "\r\n") + "\r\n" + PETER_SIG,
        TEXT + "\n" + PETER_SIG + "\n",
        "\n" + PETER_SIG,
        "",
    ],
)
def test_malformed_notes(message: str | bytes) -> None:
    with pytest.raises(MalformedError):
        verify_note(message, [PETER])
    with pytest.raises(MalformedError):
        note_from_text(message)


def test_text_may_contain_blank_lines() -> None:
    # The last blank line separates the text from the signatures.
    note = note_from_text(QUASIMODO_NOTE)
    assert note.text.endswith("ed è subito sera.\n")
    assert "\n\n" in note.text
    assert [s.name for s in note.signatures] == ["quasimodo.example/salvatore"]
    assert note.to_text() == QUASIMODO_NOTE
    with pytest.raises(CheckpointError):
        verify_note(QUASIMODO_NOTE, [PETER])


# --- round trips -------------------------------------------------------------

_TEXT_CHARS = st.characters(
    exclude_categories=("Cs",), exclude_characters=[chr(c) for c in range(0x20)]
)
_NAME_CHARS = st.characters(exclude_categories=("Cs",)).filter(
    lambda c: not c.isspace() and c != "+" and ord(c) >= 0x20
)

note_texts = st.lists(st.text(_TEXT_CHARS, max_size=20), min_size=1, max_size=6).map(
    lambda lines: "".join(line + "\n" for line in lines)
)
key_names = st.text(_NAME_CHARS, min_size=1, max_size=20)
note_signatures = st.builds(
    NoteSignature, key_names, st.integers(0, 2**32 - 1), st.binary(min_size=1, max_size=80)
)


@given(st.builds(Note, note_texts, st.lists(note_signatures, min_size=1, max_size=5).map(tuple)))
def test_note_round_trip(note: Note) -> None:
    assert note_from_text(note.to_text()) == note
    assert note_from_text(note.to_text().encode("utf-8")) == note


@given(key_names, st.binary(min_size=32, max_size=32))
def test_verifier_key_round_trip(name: str, public_key: bytes) -> None:
    verifier = Verifier.from_public_key(name, public_key)
    assert Verifier.from_key_string(verifier.to_key_string()) == verifier


@given(note_texts, st.binary(min_size=32, max_size=32))
def test_sign_then_verify_round_trip(text: str, seed: bytes) -> None:
    private = Ed25519PrivateKey.from_private_bytes(seed)
    verifier = Verifier.from_public_key("example.com/log", private.public_key())
    line = signature_line(verifier.name, verifier.key_id, private.sign(signed_message(text)))
    signed = note_with_signatures(text, [line])
    assert verify_note(signed, [verifier]).text == text


def test_short_signature_from_a_known_key_is_invalid_not_malformed() -> None:
    # Well-formed (key ID and 2 signature bytes) but not an Ed25519 signature.
    with pytest.raises(CheckpointError):
        verify_note(TEXT + "\n" + "— PeterNeumann x08go/ZJ\n", [PETER])
