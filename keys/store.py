"""Private keys and data keys, encrypted at rest under one passphrase.

``KeyStore`` is the port the rest of credledger depends on; ``FileKeyStore``
implements it on a directory::

    <directory>/                      mode 0700
        keystore.json                 KDF salt and parameters, passphrase check value
        <sha256(key_id)[:16]>.json    one Ed25519 private key, AES-256-GCM encrypted
        data-<name>.json              one named 32-byte data key (e.g. "vault"), encrypted

Every file is mode 0600, written once (temporary file, fsync, then published
with a hard link, which never replaces an existing file) and never rewritten.

Scheme (format version 1):

1. wrapping key = scrypt(NFC-normalised UTF-8 passphrase, salt 16 random bytes,
   n, r=8, p=1) → 32 bytes, derived once per ``open``;
2. every secret = AES-256-GCM(wrapping key, random 96-bit nonce, secret,
   associated data) where the associated data binds the ciphertext to its
   place: the key id for a private key, ``credledger:data-key:<name>`` for a
   data key, ``credledger:keystore-check`` for the check value;
3. ``keystore.json`` holds the check value (a known plaintext encrypted as in 2)
   so a wrong passphrase fails at ``open`` with :class:`WrongPassphraseError`.

A file that does not decrypt is reported as :class:`CorruptKeyFileError`
naming the file, never its contents.
"""

from __future__ import annotations

import base64
import binascii
import errno
import hashlib
import json
import os
import re
import secrets
import unicodedata
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol, TypeGuard, runtime_checkable

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keys.errors import (
    CorruptKeyFileError,
    KeyStoreError,
    KeyStoreExistsError,
    KeyStoreMissingError,
    UnknownKeyError,
    WrongPassphraseError,
)
from keys.signer import PRIVATE_KEY_SIZE, Signer
from verifiers.didkey import verification_method_from_public_key
from verifiers.timestamps import format_timestamp

__all__ = ["DEFAULT_SCRYPT_N", "FileKeyStore", "KeyStore"]

FORMAT_VERSION = 1
MANIFEST_NAME = "keystore.json"

# scrypt cost. 2**15 (32 MiB at r=8) takes ~90 ms on the 2-core VM this was
# measured on, paid once per process at open; that is the interactive-login
# setting of RFC 7914 / OWASP and makes each passphrase guess cost the same.
# Tests pass 2**10 (~4 ms).
DEFAULT_SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_SCRYPT_N = 2**10
# A tampered keystore.json must not make open() allocate unbounded memory:
# scrypt needs 128 * n * r bytes; 2**20 at r=8 is 1 GiB, the most we accept.
MAX_SCRYPT_N = 2**20
MAX_SCRYPT_MEMORY = 2**30
SALT_SIZE = 16
WRAPPING_KEY_SIZE = 32
NONCE_SIZE = 12
DATA_KEY_SIZE = 32
MAX_LABEL_LENGTH = 200
MAX_FILE_SIZE = 64 * 1024

_CHECK_PLAINTEXT = b"credledger key store check v1"
_CHECK_AAD = b"credledger:keystore-check"
_DATA_KEY_AAD = b"credledger:data-key:"
_DATA_KEY_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}\Z")
_KEY_FILE_NAME = re.compile(r"[0-9a-f]{16}\.json\Z")


@runtime_checkable
class KeyStore(Protocol):
    """Where private keys live. Public keys are published in the ledger, not here."""

    def generate(self, label: str) -> str:
        """Make and keep a new Ed25519 key; return its key id (did:key verification method)."""
        ...

    def import_private_key(self, raw32: bytes, label: str) -> str:
        """Keep an existing raw 32-byte Ed25519 secret key; return its key id."""
        ...

    def signer(self, key_id: str) -> Signer:
        """The signer for ``key_id``; :class:`UnknownKeyError` if its private part is not held."""
        ...

    def public_key(self, key_id: str) -> bytes:
        """The raw public key of a held key; :class:`UnknownKeyError` if not held."""
        ...

    def __contains__(self, key_id: object) -> bool:
        """Whether the private part of ``key_id`` is held."""
        ...

    def key_ids(self) -> list[str]:
        """The ids of every held key, sorted."""
        ...

    def destroy(self, key_id: str) -> None:
        """Delete the private part of ``key_id`` (after retirement or compromise)."""
        ...

    def data_key(self, name: str) -> bytes:
        """The named 32-byte secret (e.g. ``"vault"``), made on first request, stable afterwards."""
        ...


def _wall_clock() -> datetime:
    return datetime.now(timezone.utc)


class FileKeyStore:
    """A :class:`KeyStore` on a directory. Make one with :meth:`create` or :meth:`open`."""

    def __init__(self, directory: Path, aead: AESGCM, clock: Callable[[], datetime]) -> None:
        # Private: create() and open() derive ``aead`` from the passphrase.
        self._directory = directory
        self._aead = aead
        self.clock = clock  # dates the files it writes ("created"); the ledger's clock in an instance

    def _now(self) -> str:
        return format_timestamp(self.clock().astimezone(timezone.utc))

    # -- opening -----------------------------------------------------------

    @classmethod
    def create(
        cls,
        directory: str | os.PathLike[str],
        passphrase: str,
        *,
        scrypt_n: int = DEFAULT_SCRYPT_N,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> FileKeyStore:
        """Create an empty store in ``directory`` (made if absent, must be empty if present)."""
        secret = _passphrase_bytes(passphrase)
        if not isinstance(scrypt_n, int) or isinstance(scrypt_n, bool):
            raise TypeError("scrypt_n must be an int")
        if not _valid_scrypt_n(scrypt_n):
            raise ValueError(f"scrypt_n must be a power of two in [{MIN_SCRYPT_N}, {MAX_SCRYPT_N}]")
        path = Path(directory)
        if path.exists():
            if not path.is_dir():
                raise KeyStoreExistsError(f"{path} exists and is not a directory")
            if any(path.iterdir()):
                raise KeyStoreExistsError(f"{path} is not empty; open the existing key store")
        else:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(path, 0o700)

        salt = os.urandom(SALT_SIZE)
        aead = AESGCM(_derive(secret, salt, scrypt_n, SCRYPT_R, SCRYPT_P))
        nonce = os.urandom(NONCE_SIZE)
        manifest = {
            "format": "credledger-keystore",
            "version": FORMAT_VERSION,
            "kdf": {
                "name": "scrypt",
                "salt": _b64encode(salt),
                "n": scrypt_n,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "length": WRAPPING_KEY_SIZE,
            },
            "passphrase_encoding": "UTF-8, NFC",
            "cipher": "AES-256-GCM",
            "check": {
                "nonce": _b64encode(nonce),
                "ciphertext": _b64encode(aead.encrypt(nonce, _CHECK_PLAINTEXT, _CHECK_AAD)),
            },
            "created": format_timestamp(clock().astimezone(timezone.utc)),
        }
        store = cls(path, aead, clock)
        try:
            store._write_new(path / MANIFEST_NAME, manifest)
        except FileExistsError:
            raise KeyStoreExistsError(f"{path} already holds a key store") from None
        return store

    @classmethod
    def open(cls, directory: str | os.PathLike[str], passphrase: str, *,
             clock: Callable[[], datetime] = _wall_clock) -> FileKeyStore:
        """Open an existing store; :class:`WrongPassphraseError` if the passphrase does not open it."""
        secret = _passphrase_bytes(passphrase)
        path = Path(directory)
        manifest_path = path / MANIFEST_NAME
        try:
            manifest = _read_json(manifest_path)
        except FileNotFoundError:
            raise KeyStoreMissingError(f"no key store at {path} (no {MANIFEST_NAME})") from None
        if manifest.get("format") != "credledger-keystore":
            raise CorruptKeyFileError(f"{manifest_path} is not a credledger key store file")
        if manifest.get("version") != FORMAT_VERSION:
            raise KeyStoreError(
                f"{manifest_path} has key store version {manifest.get('version')!r};"
                f" this credledger reads version {FORMAT_VERSION}"
            )
        kdf = manifest.get("kdf")
        check = manifest.get("check")
        if not isinstance(kdf, dict) or not isinstance(check, dict) or kdf.get("name") != "scrypt":
            raise CorruptKeyFileError(f"{manifest_path} is malformed")
        n, r, p = kdf.get("n"), kdf.get("r"), kdf.get("p")
        if (
            not _valid_scrypt_n(n)
            or not isinstance(r, int)
            or not isinstance(p, int)
            or not 1 <= r <= 32
            or not 1 <= p <= 16
            or 128 * n * r > MAX_SCRYPT_MEMORY
            or kdf.get("length") != WRAPPING_KEY_SIZE
        ):
            raise CorruptKeyFileError(f"{manifest_path} has unacceptable scrypt parameters")
        salt = _b64field(kdf, "salt", manifest_path, SALT_SIZE)
        aead = AESGCM(_derive(secret, salt, n, r, p))
        nonce = _b64field(check, "nonce", manifest_path, NONCE_SIZE)
        ciphertext = _b64field(check, "ciphertext", manifest_path)
        try:
            plaintext = aead.decrypt(nonce, ciphertext, _CHECK_AAD)
        except InvalidTag:
            raise WrongPassphraseError(f"the passphrase does not open the key store at {path}") from None
        if plaintext != _CHECK_PLAINTEXT:
            raise CorruptKeyFileError(f"{manifest_path} has an unexpected check value")
        return cls(path, aead, clock)

    @property
    def directory(self) -> Path:
        return self._directory

    def __repr__(self) -> str:
        return f"FileKeyStore({str(self._directory)!r})"

    # -- private keys ------------------------------------------------------

    def generate(self, label: str) -> str:
        return self._keep(Ed25519PrivateKey.generate().private_bytes_raw(), label)

    def import_private_key(self, raw32: bytes, label: str) -> str:
        """Keep ``raw32``; importing a key already held returns its id and keeps the first label."""
        if not isinstance(raw32, (bytes, bytearray)):
            raise TypeError("raw32 must be bytes")
        if len(raw32) != PRIVATE_KEY_SIZE:
            raise ValueError(f"an Ed25519 private key is {PRIVATE_KEY_SIZE} bytes")
        return self._keep(bytes(raw32), label)

    def signer(self, key_id: str) -> Signer:
        path, record = self._key_record(key_id)
        nonce = _b64field(record, "nonce", path, NONCE_SIZE)
        ciphertext = _b64field(record, "ciphertext", path)
        try:
            raw = self._aead.decrypt(nonce, ciphertext, key_id.encode("utf-8"))
        except InvalidTag:
            raise CorruptKeyFileError(
                f"{path} does not decrypt: the file was altered, or belongs to another key store"
            ) from None
        if len(raw) != PRIVATE_KEY_SIZE:
            raise CorruptKeyFileError(f"{path} holds a private key of the wrong size")
        signer = Signer.from_private_bytes(raw)
        if signer.key_id != key_id:
            raise CorruptKeyFileError(f"{path} holds a private key that does not match its key id")
        return signer

    def public_key(self, key_id: str) -> bytes:
        path, record = self._key_record(key_id)
        public_key = _b64field(record, "public_key", path, 32)
        if verification_method_from_public_key(public_key) != key_id:
            raise CorruptKeyFileError(f"{path} holds a public key that does not match its key id")
        return public_key

    def label(self, key_id: str) -> str:
        """The label given at generation or import (not authenticated; informational)."""
        path, record = self._key_record(key_id)
        label = record.get("label")
        if not isinstance(label, str):
            raise CorruptKeyFileError(f"{path} has no label")
        return label

    def __contains__(self, key_id: object) -> bool:
        return isinstance(key_id, str) and self._key_path(key_id).is_file()

    def key_ids(self) -> list[str]:
        found = []
        with os.scandir(self._directory) as entries:
            for entry in entries:
                if not _KEY_FILE_NAME.match(entry.name):
                    continue
                path = Path(entry.path)
                try:
                    key_id = _read_json(path).get("key_id")
                except FileNotFoundError:
                    continue  # destroyed meanwhile
                if not isinstance(key_id, str) or self._key_path(key_id) != path:
                    raise CorruptKeyFileError(f"{path} does not hold the key its name says")
                found.append(key_id)
        return sorted(found)

    def destroy(self, key_id: str) -> None:
        """Delete the private part of ``key_id``.

        Deletes the file; copies in backups stay encrypted under the passphrase.
        """
        path, _record = self._key_record(key_id)
        try:
            os.unlink(path)
        except FileNotFoundError:
            raise UnknownKeyError(f"no private key for {key_id}") from None
        _fsync_directory(self._directory)

    # -- data keys ---------------------------------------------------------

    def data_key(self, name: str) -> bytes:
        if not isinstance(name, str):
            raise TypeError("data key name must be a str")
        if not _DATA_KEY_NAME.match(name):
            raise ValueError("data key name must match [a-z0-9][a-z0-9_-]{0,63}")
        path = self._directory / f"data-{name}.json"
        aad = _DATA_KEY_AAD + name.encode("ascii")
        try:
            return self._read_data_key(path, name, aad)
        except FileNotFoundError:
            pass
        secret = os.urandom(DATA_KEY_SIZE)
        nonce = os.urandom(NONCE_SIZE)
        record = {
            "format": "credledger-data-key",
            "version": FORMAT_VERSION,
            "name": name,
            "nonce": _b64encode(nonce),
            "ciphertext": _b64encode(self._aead.encrypt(nonce, secret, aad)),
            "created": self._now(),
        }
        try:
            self._write_new(path, record)
        except FileExistsError:
            # Another process made it first: theirs is the key, ours was never used.
            return self._read_data_key(path, name, aad)
        return secret

    # -- internals ---------------------------------------------------------

    def _keep(self, raw: bytes, label: str) -> str:
        if not isinstance(label, str):
            raise TypeError("label must be a str")
        if len(label) > MAX_LABEL_LENGTH:
            raise ValueError(f"label longer than {MAX_LABEL_LENGTH} characters")
        signer = Signer.from_private_bytes(raw)
        key_id = signer.key_id
        nonce = os.urandom(NONCE_SIZE)
        record = {
            "format": "credledger-key",
            "version": FORMAT_VERSION,
            "key_id": key_id,
            "label": label,
            "algorithm": "Ed25519",
            "public_key": _b64encode(signer.public_key),
            "nonce": _b64encode(nonce),
            "ciphertext": _b64encode(self._aead.encrypt(nonce, raw, key_id.encode("utf-8"))),
            "created": self._now(),
        }
        try:
            self._write_new(self._key_path(key_id), record)
        except FileExistsError:
            pass  # already held: the key id names the key, so nothing to add
        return key_id

    def _key_path(self, key_id: str) -> Path:
        digest = hashlib.sha256(key_id.encode("utf-8")).hexdigest()
        return self._directory / f"{digest[:16]}.json"

    def _key_record(self, key_id: str) -> tuple[Path, dict[str, Any]]:
        if not isinstance(key_id, str):
            raise TypeError("key_id must be a str")
        path = self._key_path(key_id)
        try:
            record = _read_json(path)
        except FileNotFoundError:
            raise UnknownKeyError(f"no private key for {key_id}") from None
        if record.get("key_id") != key_id:
            raise CorruptKeyFileError(f"{path} does not hold the key its name says")
        return path, record

    def _read_data_key(self, path: Path, name: str, aad: bytes) -> bytes:
        record = _read_json(path)
        if record.get("name") != name:
            raise CorruptKeyFileError(f"{path} does not hold the data key its name says")
        nonce = _b64field(record, "nonce", path, NONCE_SIZE)
        ciphertext = _b64field(record, "ciphertext", path)
        try:
            secret = self._aead.decrypt(nonce, ciphertext, aad)
        except InvalidTag:
            raise CorruptKeyFileError(
                f"{path} does not decrypt: the file was altered, or belongs to another key store"
            ) from None
        if len(secret) != DATA_KEY_SIZE:
            raise CorruptKeyFileError(f"{path} holds a data key of the wrong size")
        return secret

    def _write_new(self, path: Path, record: dict[str, Any]) -> None:
        """Write ``path`` atomically, mode 0600; FileExistsError if it already exists.

        Temporary file + fsync, then os.link (not os.replace): every store file is
        written once, and replacing one (a data key, say) would lose what it protects.
        """
        data = (json.dumps(record, indent=2, sort_keys=True) + "\n").encode("ascii")
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            _publish(temporary, path)
        finally:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
        _fsync_directory(path.parent)


def _publish(temporary: Path, path: Path) -> None:
    try:
        os.link(temporary, path)
    except FileExistsError:
        raise
    except OSError as error:
        # Filesystems without hard links: exclusive check then rename (small race window).
        if error.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS):
            raise
        if path.exists():
            raise FileExistsError(errno.EEXIST, "exists", str(path)) from None
        os.replace(temporary, path)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _passphrase_bytes(passphrase: str) -> bytes:
    if not isinstance(passphrase, str):
        raise TypeError("passphrase must be a str")
    if not passphrase:
        raise ValueError("passphrase must not be empty")
    # NFC so the same passphrase typed on different systems gives the same bytes.
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _valid_scrypt_n(n: object) -> TypeGuard[int]:
    return (
        isinstance(n, int)
        and not isinstance(n, bool)
        and MIN_SCRYPT_N <= n <= MAX_SCRYPT_N
        and n & (n - 1) == 0
    )


def _derive(secret: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    return Scrypt(salt=salt, length=WRAPPING_KEY_SIZE, n=n, r=r, p=p).derive(secret)




def _b64encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _read_json(path: Path) -> dict[str, Any]:
    """Parse a store file; FileNotFoundError passes through, anything else is CorruptKeyFileError."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_FILE_SIZE + 1)
    except FileNotFoundError:
        raise
    except OSError as error:
        raise CorruptKeyFileError(f"{path} cannot be read ({error.strerror})") from None
    if len(data) > MAX_FILE_SIZE:
        raise CorruptKeyFileError(f"{path} is too large to be a key store file")
    try:
        record = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CorruptKeyFileError(f"{path} is not valid JSON") from None
    if not isinstance(record, dict):
        raise CorruptKeyFileError(f"{path} is not a JSON object")
    return record


def _b64field(record: dict[str, Any], field: str, path: Path, size: int | None = None) -> bytes:
    value = record.get(field)
    if not isinstance(value, str):
        raise CorruptKeyFileError(f"{path} has no {field}")
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise CorruptKeyFileError(f"{path} has a malformed {field}") from None
    if size is not None and len(data) != size:
        raise CorruptKeyFileError(f"{path} has a {field} of the wrong size")
    return data
