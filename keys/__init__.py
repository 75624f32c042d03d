"""Ed25519 signing keys for credledger: the signing routine and the encrypted key store.

    from keys import FileKeyStore, passphrase_from_env_or_prompt

    store = FileKeyStore.open("instance/keys", passphrase_from_env_or_prompt())
    key_id = store.generate("Lincoln High School 2025")
    signed = store.signer(key_id).sign(event, created="2025-03-01T12:00:00Z")

Depends on :mod:`verifiers` (did:key, Data Integrity) and ``cryptography`` only.
"""

from __future__ import annotations

from keys.errors import (
    CorruptKeyFileError,
    KeyStoreError,
    KeyStoreExistsError,
    KeyStoreMissingError,
    PassphraseError,
    UnknownKeyError,
    WrongPassphraseError,
)
from keys.passphrase import passphrase_from_env_or_prompt
from keys.signer import Signer
from keys.store import DEFAULT_SCRYPT_N, FileKeyStore, KeyStore

__all__ = [
    "DEFAULT_SCRYPT_N",
    "CorruptKeyFileError",
    "FileKeyStore",
    "KeyStore",
    "KeyStoreError",
    "KeyStoreExistsError",
    "KeyStoreMissingError",
    "PassphraseError",
    "Signer",
    "UnknownKeyError",
    "WrongPassphraseError",
    "passphrase_from_env_or_prompt",
]
