"""The checkpoint origin: the log's URL prefix for a new instance, the older form kept by an older one.

C2SP tlog-tiles ("Parameters"): "The origin line SHOULD be one of the URL prefixes of the log, with
the scheme removed and no trailing slashes". The origin is also the log key's name, so an instance
never changes it: every verifier key string pinned out of band would stop matching.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from ledger.application import IssueRequest, Ledger
from ledger.config import as_dict, legacy_log_origin
from ledger.instance import init_instance, migrate_instance, open_ledger
from tests.conftest import PASSPHRASE, TEST_SCRYPT_N
from verifiers.checkpoint import verify_checkpoint
from verifiers.note import Verifier, key_string_from_public_key

DOMAIN = "records.example.org"
CPR = {
    "name": "BLS Provider",
    "certifyingBody": "American Heart Association",
    "credentialType": "certificate",
    "validityMonths": 24,
    "careerField": "Health",
}


def issue_one(ledger: Ledger) -> None:
    ledger.register_issuer("alder-ridge", "Alder Ridge Test High School", "school")
    ledger.define_credential("bls-provider", CPR)
    student = ledger.register_student(
        "alder-ridge", {"name": "Sasha Placeholder", "birth_date": "2008-09-12", "local_id": "AR-4004"}
    )
    ledger.issue([IssueRequest("alder-ridge", student, "bls-provider", date(2026, 4, 2), {"certificate": "BLS-1"})])


def test_a_new_instance_names_its_log_by_its_url_prefix(tmp_path: Path) -> None:
    ledger = init_instance(tmp_path / "instance", PASSPHRASE, domain=DOMAIN, scrypt_n=TEST_SCRYPT_N)
    try:
        log = ledger.transparency_log
        assert log.origin == "records.example.org/log"  # https://records.example.org/log/checkpoint …
        assert json.loads((tmp_path / "instance" / "config.json").read_text())["log_origin"] == log.origin
        assert as_dict(ledger.config)["log_origin"] == log.origin
        assert log.verifier_key.startswith("records.example.org/log+")
        assert log.checkpoint().splitlines()[0] == log.origin
    finally:
        ledger.close()


def test_an_older_instance_keeps_its_origin_and_its_pinned_key(tmp_path: Path) -> None:
    data = tmp_path / "instance"
    init_instance(data, PASSPHRASE, domain=DOMAIN, scrypt_n=TEST_SCRYPT_N).close()
    # What a version before URL-prefix origins wrote: no log_origin in config.json.
    config = json.loads((data / "config.json").read_text())
    del config["log_origin"]
    (data / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    written = (data / "config.json").read_bytes()
    old_origin = legacy_log_origin(DOMAIN, config["ledger_id"])
    assert old_origin == f"records.example.org/credledger/{config['ledger_id'][:8]}"

    ledger = open_ledger(data, PASSPHRASE)
    try:
        log = ledger.transparency_log
        pinned = key_string_from_public_key(old_origin, log.signer.public_key)  # what its verifiers hold
        assert (log.origin, log.verifier_key) == (old_origin, pinned)
        issue_one(ledger)
        log.integrate()
        checkpoint = verify_checkpoint(log.checkpoint(), Verifier.from_key_string(pinned))
        assert (checkpoint.origin, checkpoint.size) == (old_origin, ledger.store.journal_size())
    finally:
        ledger.close()
    migrate_instance(data, PASSPHRASE)
    reopened = open_ledger(data, PASSPHRASE)
    try:
        assert reopened.transparency_log.verifier_key == pinned
    finally:
        reopened.close()
    assert (data / "config.json").read_bytes() == written  # never rewritten, not even by migrate
