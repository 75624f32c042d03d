"""FileKeyStore on real files: encryption at rest, passphrase, tampering, permissions."""

from __future__ import annotations

import base64
import json
import os
import stat
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest

from keys import (
    CorruptKeyFileError,
    FileKeyStore,
    KeyStore,
    KeyStoreError,
    KeyStoreExistsError,
    KeyStoreMissingError,
    Signer,
    UnknownKeyError,
    WrongPassphraseError,
)
from keys.store import DEFAULT_SCRYPT_N, MANIFEST_NAME
from verifiers.dataintegrity import verify_proof

CREATED = "2025-03-01T12:00:00Z"
# Fast for tests (~4 ms); production uses DEFAULT_SCRYPT_N (2**15).
TEST_SCRYPT_N = 2**10
PASSPHRASE = "correct horse battery staple"
# RFC 8032 §7.1 TEST 1 secret key: a known value to hunt for in the files.
KNOWN_SECRET = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
KNOWN_PUBLIC = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


@pytest.fixture
def store(store_dir: Path) -> FileKeyStore:
    return FileKeyStore.create(store_dir, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)


def reopen(store: FileKeyStore) -> FileKeyStore:
    return FileKeyStore.open(store.directory, PASSPHRASE)


def key_file(store: FileKeyStore, key_id: str) -> Path:
    (path,) = [p for p in store.directory.glob("*.json") if json.loads(p.read_text()).get("key_id") == key_id]
    return path


def rewrite(path: Path, change) -> None:
    record = json.loads(path.read_text())
    change(record)
    os.chmod(path, 0o600)
    path.write_text(json.dumps(record))


def flip_first_byte(b64: str) -> str:
    data = bytearray(base64.b64decode(b64))
    data[0] ^= 0x01
    return base64.b64encode(bytes(data)).decode()


def encodings(secret: bytes) -> list[bytes]:
    """Every way a secret could plausibly appear in a text file."""
    forms = [
        secret,
        secret.hex().encode(),
        secret.hex().upper().encode(),
        base64.b64encode(secret),
        base64.urlsafe_b64encode(secret),
        base64.b64encode(secret).rstrip(b"="),
        base64.urlsafe_b64encode(secret).rstrip(b"="),
        base64.b32encode(secret).rstrip(b"="),
    ]
    # JSON escapes of the raw bytes read as Latin-1 would not match raw, so add that form too.
    forms.append(json.dumps(secret.decode("latin-1"))[1:-1].encode())
    return forms


def every_file(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()]


# --- round trip ------------------------------------------------------------------------


def test_generate_reopen_sign_verify(store):
    key_id = store.generate("Lincoln High School")
    assert key_id.startswith("did:key:z6Mk") and "#z6Mk" in key_id
    reopened = reopen(store)
    assert reopened.key_ids() == [key_id]
    assert key_id in reopened
    signer = reopened.signer(key_id)
    assert signer.key_id == key_id
    assert reopened.public_key(key_id) == signer.public_key
    assert reopened.label(key_id) == "Lincoln High School"
    signed = signer.sign({"type": "IssuerKeyAdded", "issuer": "issuer-1"}, CREATED)
    verify_proof(signed, signed["proof"], reopened.public_key(key_id))


def test_file_key_store_implements_the_port(store):
    assert isinstance(store, KeyStore)


def test_import_known_key_gives_its_did_key(store):
    key_id = store.import_private_key(KNOWN_SECRET, "imported")
    assert store.public_key(key_id) == KNOWN_PUBLIC
    assert reopen(store).signer(key_id) == Signer.from_private_bytes(KNOWN_SECRET)


def test_import_is_idempotent_and_keeps_the_first_label(store):
    first = store.import_private_key(KNOWN_SECRET, "first")
    assert store.import_private_key(KNOWN_SECRET, "second") == first
    assert store.key_ids() == [first]
    assert store.label(first) == "first"


@pytest.mark.parametrize("raw", [b"", bytes(31), bytes(33)])
def test_import_of_wrong_size_is_a_value_error(store, raw):
    with pytest.raises(ValueError):
        store.import_private_key(raw, "bad")


def test_key_ids_are_sorted_and_complete(store):
    ids = [store.generate(f"key {n}") for n in range(5)]
    assert store.key_ids() == sorted(ids)
    assert reopen(store).key_ids() == sorted(ids)


# --- passphrase ------------------------------------------------------------------------


def test_wrong_passphrase_fails_fast_with_our_error(store):
    store.generate("k")
    with pytest.raises(WrongPassphraseError) as caught:
        FileKeyStore.open(store.directory, "not the passphrase")
    assert caught.value.__suppress_context__  # no InvalidTag in the traceback
    assert "not the passphrase" not in str(caught.value)
    assert PASSPHRASE not in str(caught.value)


def test_passphrase_is_unicode_normalised(store_dir):
    FileKeyStore.create(store_dir, "caf\u00e9 au lait", scrypt_n=TEST_SCRYPT_N)
    FileKeyStore.open(store_dir, "cafe\u0301 au lait")  # decomposed é opens the same store


@pytest.mark.parametrize("bad", ["", b"bytes"])
def test_empty_or_non_text_passphrase_is_misuse(store_dir, bad):
    with pytest.raises((ValueError, TypeError)):
        FileKeyStore.create(store_dir, bad, scrypt_n=TEST_SCRYPT_N)


def test_manifest_records_version_and_scrypt_parameters(store_dir):
    FileKeyStore.create(store_dir, PASSPHRASE)  # the production default, once
    manifest = json.loads((store_dir / MANIFEST_NAME).read_text())
    assert manifest["version"] == 1
    kdf = manifest["kdf"]
    assert (kdf["name"], kdf["n"], kdf["r"], kdf["p"], kdf["length"]) == ("scrypt", DEFAULT_SCRYPT_N, 8, 1, 32)
    assert len(base64.b64decode(kdf["salt"])) == 16
    assert DEFAULT_SCRYPT_N == 2**15


def test_each_store_has_its_own_salt(tmp_path):
    salts = set()
    for name in ("a", "b"):
        FileKeyStore.create(tmp_path / name, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)
        salts.add(json.loads((tmp_path / name / MANIFEST_NAME).read_text())["kdf"]["salt"])
    assert len(salts) == 2


@pytest.mark.parametrize("n", [2**9, 3 * 2**10, 2**21, 0])
def test_unacceptable_scrypt_cost_is_refused_at_create(store_dir, n):
    with pytest.raises(ValueError):
        FileKeyStore.create(store_dir, PASSPHRASE, scrypt_n=n)


@pytest.mark.parametrize(
    "change",
    [{"n": 2**40}, {"n": 2**20, "r": 32}, {"r": 0}, {"p": 10**6}, {"n": "1024"}, {"length": 16}],
    ids=str,
)
def test_tampered_scrypt_parameters_are_refused_before_deriving(store, change):
    rewrite(store.directory / MANIFEST_NAME, lambda m: m["kdf"].update(change))
    with pytest.raises(CorruptKeyFileError, match=MANIFEST_NAME):
        reopen(store)


def test_unknown_format_version_is_refused(store):
    rewrite(store.directory / MANIFEST_NAME, lambda m: m.update(version=2))
    with pytest.raises(KeyStoreError, match="version"):
        reopen(store)


# --- creating and opening --------------------------------------------------------------


def test_create_twice_is_refused(store):
    with pytest.raises(KeyStoreExistsError):
        FileKeyStore.create(store.directory, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)


def test_create_in_a_non_empty_directory_is_refused(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(KeyStoreExistsError):
        FileKeyStore.create(tmp_path, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)


def test_create_in_an_existing_empty_directory(tmp_path):
    FileKeyStore.create(tmp_path, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_open_missing_store(tmp_path):
    with pytest.raises(KeyStoreMissingError):
        FileKeyStore.open(tmp_path / "nowhere", PASSPHRASE)
    with pytest.raises(KeyStoreMissingError):
        FileKeyStore.open(tmp_path, PASSPHRASE)


# --- tampering -------------------------------------------------------------------------


def test_flipped_ciphertext_byte_names_the_file_not_the_key(store):
    key_id = store.import_private_key(KNOWN_SECRET, "k")
    path = key_file(store, key_id)
    rewrite(path, lambda r: r.update(ciphertext=flip_first_byte(r["ciphertext"])))
    with pytest.raises(CorruptKeyFileError) as caught:
        reopen(store).signer(key_id)
    assert isinstance(caught.value, KeyStoreError)
    message = str(caught.value)
    assert path.name in message
    assert caught.value.__suppress_context__
    for form in encodings(KNOWN_SECRET):
        assert form.decode("latin-1") not in message


def test_flipped_nonce_byte_is_caught(store):
    key_id = store.generate("k")
    rewrite(key_file(store, key_id), lambda r: r.update(nonce=flip_first_byte(r["nonce"])))
    with pytest.raises(CorruptKeyFileError):
        store.signer(key_id)


def test_ciphertext_moved_to_another_key_file_is_caught(store):
    """The key id is associated data: a ciphertext only decrypts in its own file."""
    a, b = store.generate("a"), store.generate("b")
    stolen = json.loads(key_file(store, a).read_text())
    rewrite(key_file(store, b), lambda r: r.update(nonce=stolen["nonce"], ciphertext=stolen["ciphertext"]))
    with pytest.raises(CorruptKeyFileError):
        store.signer(b)


def test_key_file_renamed_to_another_key_is_caught(store):
    a, b = store.generate("a"), store.generate("b")
    path_a, path_b = key_file(store, a), key_file(store, b)
    os.replace(path_a, path_b)
    with pytest.raises(CorruptKeyFileError):
        store.signer(b)
    with pytest.raises(CorruptKeyFileError):
        store.key_ids()


def test_substituted_public_key_is_caught(store):
    key_id = store.generate("k")
    other = base64.b64encode(Signer.generate().public_key).decode()
    rewrite(key_file(store, key_id), lambda r: r.update(public_key=other))
    with pytest.raises(CorruptKeyFileError):
        store.public_key(key_id)


def test_garbage_key_file_is_caught(store):
    key_id = store.generate("k")
    path = key_file(store, key_id)
    data = bytearray(path.read_bytes())
    data[0] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(CorruptKeyFileError, match=path.name):
        store.signer(key_id)


def test_key_file_from_another_store_does_not_decrypt(tmp_path, store):
    other = FileKeyStore.create(tmp_path / "other", PASSPHRASE, scrypt_n=TEST_SCRYPT_N)
    key_id = other.generate("foreign")
    path = key_file(other, key_id)
    (store.directory / path.name).write_bytes(path.read_bytes())
    with pytest.raises(CorruptKeyFileError):
        store.signer(key_id)


def test_tampered_check_value_reads_as_a_wrong_passphrase(store):
    rewrite(
        store.directory / MANIFEST_NAME,
        lambda m: m["check"].update(ciphertext=flip_first_byte(m["check"]["ciphertext"])),
    )
    with pytest.raises(WrongPassphraseError):
        reopen(store)


# --- unknown keys ----------------------------------------------------------------------


def test_unknown_key(store):
    missing = Signer.generate().key_id
    assert missing not in store
    assert 42 not in store
    for call in (store.signer, store.public_key, store.destroy):
        with pytest.raises(UnknownKeyError):
            call(missing)


# --- secrets never in clear ------------------------------------------------------------


def test_no_file_holds_a_secret_in_clear(store):
    randoms = [os.urandom(32) for _ in range(3)]
    key_ids = [store.import_private_key(raw, f"r{n}") for n, raw in enumerate([KNOWN_SECRET, *randoms])]
    vault = store.data_key("vault")
    store = reopen(store)
    secrets_ = [KNOWN_SECRET, *randoms, vault]
    assert [store.signer(k) for k in key_ids] == [Signer.from_private_bytes(s) for s in [KNOWN_SECRET, *randoms]]
    files = every_file(store.directory)
    assert len(files) == 1 + 4 + 1
    for path in files:
        content = path.read_bytes()
        assert PASSPHRASE.encode() not in content
        for secret in secrets_:
            for form in encodings(secret):
                assert form not in content, f"{path.name} holds a secret in clear"


def test_no_temporary_files_are_left_behind(store):
    store.generate("k")
    store.data_key("vault")
    assert not [p for p in store.directory.iterdir() if p.name.startswith(".")]


# --- permissions -----------------------------------------------------------------------


def test_permissions_are_0700_and_0600_even_with_a_lax_umask(store_dir):
    old = os.umask(0)
    try:
        store = FileKeyStore.create(store_dir, PASSPHRASE, scrypt_n=TEST_SCRYPT_N)
        store.generate("k")
        store.data_key("vault")
    finally:
        os.umask(old)
    assert stat.S_IMODE(store_dir.stat().st_mode) == 0o700
    files = every_file(store_dir)
    assert len(files) == 3
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


# --- destroy ---------------------------------------------------------------------------


def test_destroy_removes_only_the_private_part_of_that_key(store):
    doomed, kept = store.generate("retired"), store.generate("current")
    doomed_path = key_file(store, doomed)
    store.destroy(doomed)
    assert not doomed_path.exists()
    assert doomed not in store
    with pytest.raises(UnknownKeyError):
        store.signer(doomed)
    reopened = reopen(store)
    assert reopened.key_ids() == [kept]
    assert doomed not in reopened
    reopened.signer(kept).sign({"type": "x"}, CREATED)
    with pytest.raises(UnknownKeyError):
        store.destroy(doomed)


# --- data keys -------------------------------------------------------------------------


def test_data_key_is_stable_across_reopen(store):
    vault = store.data_key("vault")
    assert len(vault) == 32
    assert store.data_key("vault") == vault
    assert reopen(store).data_key("vault") == vault
    assert store.data_key("events") != vault
    assert (store.directory / "data-vault.json").exists()


def test_data_key_is_not_a_private_key(store):
    store.data_key("vault")
    assert store.key_ids() == []


@pytest.mark.parametrize("name", ["", "../escape", "Vault", "a/b", "x" * 65, ".hidden"])
def test_data_key_names_are_restricted(store, name):
    with pytest.raises(ValueError):
        store.data_key(name)


def test_tampered_data_key_is_caught(store):
    store.data_key("vault")
    path = store.directory / "data-vault.json"
    rewrite(path, lambda r: r.update(ciphertext=flip_first_byte(r["ciphertext"])))
    with pytest.raises(CorruptKeyFileError, match="data-vault.json"):
        store.data_key("vault")


def test_data_key_renamed_is_caught(store):
    store.data_key("vault")
    os.replace(store.directory / "data-vault.json", store.directory / "data-events.json")
    with pytest.raises(CorruptKeyFileError):
        store.data_key("events")


def test_concurrent_first_requests_agree_on_one_data_key(store):
    handles = [reopen(store) for _ in range(8)]
    barrier = threading.Barrier(len(handles))
    results: list[bytes] = []
    lock = threading.Lock()

    def request(handle: FileKeyStore) -> None:
        barrier.wait()
        value = handle.data_key("race")
        with lock:
            results.append(value)

    threads = [threading.Thread(target=request, args=(h,)) for h in handles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 8 and len(set(results)) == 1
    assert store.data_key("race") == results[0]


def test_repr_shows_the_directory_only(store):
    assert repr(store) == f"FileKeyStore({str(store.directory)!r})"


def test_losing_the_race_to_create_a_data_key_returns_the_winners(store, monkeypatch):
    """Two processes ask for a new data key at once: the second must not overwrite the first."""
    other = reopen(store)
    original = FileKeyStore._read_data_key
    winner: list[bytes] = []

    def racing(path, name, aad):
        if not winner:
            winner.append(other.data_key(name))  # the other process writes it first...
            raise FileNotFoundError(path)  # ...just after our read found nothing
        return original(store, path, name, aad)

    monkeypatch.setattr(store, "_read_data_key", racing)
    assert store.data_key("vault") == winner[0]
    assert reopen(store).data_key("vault") == winner[0]


def test_the_files_it_writes_are_dated_by_its_clock(tmp_path: Path) -> None:
    """An instance's key store dates its files on the ledger's clock, so tests drive time there too."""
    moment = datetime(2031, 3, 4, 5, 6, 7, tzinfo=timezone.utc)
    store = FileKeyStore.create(tmp_path / "ks", PASSPHRASE, scrypt_n=TEST_SCRYPT_N, clock=lambda: moment)
    key_id = store.generate("dated")
    store.data_key("dated")
    reopened = FileKeyStore.open(tmp_path / "ks", PASSPHRASE, clock=lambda: moment)
    reopened.data_key("reopened")
    created = {path.name: json.loads(path.read_text())["created"] for path in (tmp_path / "ks").rglob("*.json")}
    assert len(created) == 4 and set(created.values()) == {"2031-03-04T05:06:07.000000Z"}, created
    assert key_id in store
