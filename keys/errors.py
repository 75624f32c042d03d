"""Errors raised by the key store.

Grouped by what the caller can do about them::

    KeyStoreError                 root: anything the key store refuses or cannot do
    ├── WrongPassphraseError      ask for the passphrase again
    ├── PassphraseError           no usable passphrase: set the variable or run interactively
    ├── KeyStoreExistsError       open the existing store instead of creating one
    ├── KeyStoreMissingError      create the store first (or fix the path)
    ├── UnknownKeyError           pick a key this store holds (or generate / import it)
    └── CorruptKeyFileError       restore the named file from a backup

No message ever contains a passphrase, a private key or a data key; messages
name files and key ids (which are public), never secrets.
"""

from __future__ import annotations

__all__ = [
    "CorruptKeyFileError",
    "KeyStoreError",
    "KeyStoreExistsError",
    "KeyStoreMissingError",
    "PassphraseError",
    "UnknownKeyError",
    "WrongPassphraseError",
]


class KeyStoreError(Exception):
    """Root of every error raised by :mod:`keys`."""


class WrongPassphraseError(KeyStoreError):
    """Raised when the passphrase does not open the key store."""


class PassphraseError(KeyStoreError):
    """Raised when no usable passphrase can be obtained (unset and no terminal, empty, mismatch)."""


class KeyStoreExistsError(KeyStoreError):
    """Raised when creating a key store in a directory that already holds files."""


class KeyStoreMissingError(KeyStoreError):
    """Raised when opening a directory that holds no key store."""


class UnknownKeyError(KeyStoreError):
    """Raised when the store holds no private key for the requested key id."""


class CorruptKeyFileError(KeyStoreError):
    """Raised when a store file is unreadable, malformed or fails authentication (tampered)."""
