"""eddsa-rdfc-2022 and RDFC-1.0 in safe mode (verifiers.rdfc, verifiers.dataintegrity).

The W3C vc-di-eddsa vectors are reproduced through our signer byte for byte (tests/vectors/
w3c-vc-di-eddsa, SOURCE.md there); 1EdTech's signed samples verify (tests/vectors/1edtech-validator);
everything the reference verifiers would read differently is refused, each with its own message.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from keys.signer import Signer
from verifiers import dataintegrity
from verifiers.contexts import BUNDLED
from verifiers.dataintegrity import EDDSA_RDFC_2022, EddsaRdfc2022, hash_data, verify_proof
from verifiers.didkey import public_key_from_verification_method
from verifiers.errors import CanonicalizationError, MalformedError, SignatureError
from verifiers.multibase import multibase_decode
from verifiers.rdfc import Limits, canonical_nquads

VECTORS = Path(__file__).resolve().parents[1] / "vectors"
W3C = VECTORS / "w3c-vc-di-eddsa"
ONE_EDTECH = VECTORS / "1edtech-validator"
CONTEXTS_DIR = Path(__file__).resolve().parents[2] / "verifiers" / "contexts"

# The W3C vectors name two contexts only tests need (tests/vectors/contexts/SOURCE.md).
TEST_CONTEXTS = {
    **BUNDLED,
    "https://www.w3.org/ns/credentials/examples/v2": json.loads(
        (VECTORS / "contexts" / "credentials-examples-v2.json").read_text()),
    "https://w3id.org/citizenship/v4rc1": json.loads((VECTORS / "contexts" / "citizenship-v4rc1.jsonld").read_text()),
}
W3C_SUITE = EddsaRdfc2022(TEST_CONTEXTS)

# verifiers/contexts/README.md: the bytes the reference verifiers use, by hash.
CONTEXT_HASHES = {
    "credentials-v2.jsonld": "8a9f494a89ecc51db093e90e84713e07e84d6d9204364a9b3c7868b21751236f",
    "ob-v3p0-context-3.0.3.json": "ef2fa9c7846dce233cc166b43639027278be4ee44f00bb1d45c75de2dd0cd761",
    "ob-v3p0-context-3.0.2.json": "00666ad080ba407687ed1846b7f5e7495f5019042b202a727de47c48a1755c53",
    "ob-v3p0-extensions.json": "2d013f981d1f4516081a6a04e55468ba2b071d4153b794f19a79715c45a89a5e",
    "clr-v2p0-context-2.0.1.json": "880f1902d4158f2f33ce06af41b90719977cd1ea337a9de2e41edb3ff5e543d6",
    "clr-v2p0-context-2.0.json": "e198d7b517d74c5036434ce495086f67b10244709e9a3df9dcb7f8b1579b6167",
}
VC = "https://www.w3.org/ns/credentials/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_bundled_contexts_are_the_reference_bytes() -> None:
    index = _json(CONTEXTS_DIR / "index.json")
    assert sorted(index.values()) == sorted(CONTEXT_HASHES)
    for name, digest in CONTEXT_HASHES.items():
        assert hashlib.sha256((CONTEXTS_DIR / name).read_bytes()).hexdigest() == digest, name
    assert set(BUNDLED) == set(index)


# --- The W3C vectors, through our signer ----------------------------------------------------


@pytest.mark.parametrize("folder", ["eddsa-rdfc-2022", "eddsa-rdfc-2022/employ"])
def test_each_step_of_the_w3c_vector_reproduces(folder: str) -> None:
    here = W3C / folder
    signed = _json(here / "signedDataInt.json")
    document = {k: v for k, v in signed.items() if k != "proof"}
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    # The published proof configuration is the options with the document's @context.
    assert {**options, "@context": document["@context"]} == _json(here / "proofConfigDataInt.json")
    transformed = W3C_SUITE.transform(document, options)
    assert transformed.decode() == (here / "canonDocDataInt.txt").read_text()
    configuration = W3C_SUITE.proof_configuration(options, document)
    assert configuration.decode() == (here / "proofCanonDataInt.txt").read_text()
    assert hashlib.sha256(transformed).hexdigest() == (here / "docHashDataInt.txt").read_text().strip()
    assert hashlib.sha256(configuration).hexdigest() == (here / "proofHashDataInt.txt").read_text().strip()
    data = W3C_SUITE.hash(transformed, configuration)
    assert data.hex() == (here / "combinedHashDataInt.txt").read_text().strip()
    # Ed25519 is deterministic: our signer makes the published document, proof and all.
    seed = multibase_decode(_json(W3C / "keyPair.json")["privateKeyMultibase"])[2:]
    ours = Signer.from_private_bytes(seed).sign(document, options["created"], W3C_SUITE,
                                                verification_method=options["verificationMethod"])
    assert ours == signed
    assert multibase_decode(ours["proof"]["proofValue"]).hex() == (here / "sigHexDataInt.txt").read_text().strip()


def test_the_w3c_vector_verifies_and_a_changed_byte_does_not(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dataintegrity, "CRYPTOSUITES", {**dataintegrity.CRYPTOSUITES, W3C_SUITE.name: W3C_SUITE})
    signed = _json(W3C / "eddsa-rdfc-2022" / "signedDataInt.json")
    key = public_key_from_verification_method(signed["proof"]["verificationMethod"])
    verify_proof(signed, signed["proof"], key)
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["alumniOf"] = "The School of Examplez"
    with pytest.raises(SignatureError):
        verify_proof(forged, forged["proof"], key)


# --- 1EdTech's signed samples -------------------------------------------------------------------

VERIFY = ["simple", "complete", "endorsement-valid", "simple-context-version", "simple-context-alias",
          "simple-did-web-method", "simple-err-expired"]  # expired: the proof holds; the dates are the VC's check


def _sample_key(proof: dict[str, Any]) -> bytes:
    """The key 1EdTech's validator reads: the fragment of `[controller URL]#[publicKeyMultibase]`."""
    return public_key_from_verification_method("did:key:" + proof["verificationMethod"].rpartition("#")[2])


@pytest.mark.parametrize("name", [*(f"ob30/{n}" for n in VERIFY), "clr20/simple"])
def test_1edtech_samples_verify(name: str) -> None:
    sample = _json(ONE_EDTECH / f"{name}.json")
    for proof in dataintegrity.proofs_of(sample):
        verify_proof(sample, proof, _sample_key(proof))


def test_1edtech_forged_samples_fail() -> None:
    forged = _json(ONE_EDTECH / "ob30" / "simple-err-proof-value.json")
    with pytest.raises(SignatureError, match="Signature is invalid"):
        verify_proof(forged, dataintegrity.proofs_of(forged)[0], _sample_key(dataintegrity.proofs_of(forged)[0]))
    wrong_method = _json(ONE_EDTECH / "ob30" / "simple-err-proof-method.json")
    proof = dataintegrity.proofs_of(wrong_method)[0]
    with pytest.raises(MalformedError, match="did:key is not an Ed25519 key"):  # its fragment is no key at all
        _sample_key(proof)


# --- Safe mode: what is refused rather than left unsigned ---------------------------------------


def _credential(**extra: Any) -> dict[str, Any]:
    return {"@context": [VC, OB], "id": "urn:uuid:0b8a2a3e-5f0c-4f1e-9a57-2b7e4c1d9f00",
            "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": "did:web:example.org",
            "validFrom": "2026-05-20T00:00:00Z", "name": "OSHA 10", **extra}


@pytest.mark.parametrize(("document", "error"), [
    (_credential(favouriteColour="teal"),
     "the term 'favouriteColour' is not defined by the document's contexts, so a signature would not cover it"),
    (_credential(id="achievements/1"), "the @id 'achievements/1' is a relative IRI, which JSON-LD drops"),
    (_credential(type=["VerifiableCredential", "NoSuchType"]), "the @type 'NoSuchType' is a relative IRI"),
    ({**_credential(), "@context": [VC, "https://example.org/evil-context.json"]},
     "the context https://example.org/evil-context.json is not one this verifier knows (contexts are never fetched)"),
    (_credential(name="line\x01break"), "holds the control character U+0001, which this canonicalizer cannot escape"),
    (_credential(name="bell\x07"), "control character U+0007"),
    (_credential(name="form\x0cfeed"), "control character U+000C"),
    (_credential(name="del\x7f"), "control character U+007F"),
    (_credential(credentialSubject={"type": ["AchievementSubject"], "identifier": [
        {"type": "IdentityObject", "hashed": False, "identityHash": "x", "identityType": "name",
         "salt": 1e-7}]}), "the number 1e-07 canonicalizes differently in JavaScript verifiers"),
    (_credential(credentialSubject={"type": ["AchievementSubject"], "identifier": [
        {"type": "IdentityObject", "hashed": False, "identityHash": "x", "identityType": "name",
         "salt": 2**53}]}), "the integer 9007199254740992 is beyond ±(2^53 − 1)"),
    (["not", "an", "object"], "a JSON-LD document here is a JSON object"),
])
def test_refused_rather_than_silently_unsigned(document: Any, error: str) -> None:
    with pytest.raises(CanonicalizationError, match=re.escape(error)):
        canonical_nquads(document)


def test_what_the_reference_writes_for_escapes_directions_and_numbers() -> None:
    """Literals as jsonld.js / rdf-canonize write them (RDF 1.2 canonical N-Quads, JSON-LD 1.1 toRdf)."""
    subject = {"type": ["AchievementSubject"], "id": "did:example:learner",
               "achievement": {"id": "urn:uuid:6f4c", "type": ["Achievement"], "criteria": {"narrative": "n"},
                               "name": {"@value": "مرحبا", "@language": "ar", "@direction": "rtl"},
                               "description": 'tab\there "quoted" back\\slash\nnewline\rreturn é',
                               "creditsAvailable": 2.5, "fieldOfStudy": "12"}}
    lines = canonical_nquads(_credential(credentialSubject=subject)).splitlines()
    assert '<urn:uuid:6f4c> <https://schema.org/name> "مرحبا"^^<https://www.w3.org/ns/i18n#ar_rtl> .' in lines
    assert ('<urn:uuid:6f4c> <https://schema.org/description> '
            '"tab\\there \\"quoted\\" back\\\\slash\\nnewline\\rreturn é" .') in lines
    assert ('<urn:uuid:6f4c> <https://purl.imsglobal.org/spec/vc/ob/vocab.html#creditsAvailable> '
            '"2.5E0"^^<https://www.w3.org/2001/XMLSchema#float> .') in lines  # OB 3.0.3 types it so, https and all
    assert lines == sorted(lines)


def test_deep_or_huge_documents_are_refused_before_any_json_ld() -> None:
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(60):
        inner["a"] = {}
        inner = inner["a"]
    with pytest.raises(CanonicalizationError, match="nested more than 48 levels deep"):
        canonical_nquads(deep)
    with pytest.raises(CanonicalizationError, match="holds more than 10 values"):
        canonical_nquads(_credential(), limits=Limits(values=10))
    with pytest.raises(CanonicalizationError, match="more than 100 characters of text"):
        canonical_nquads(_credential(description="x" * 200), limits=Limits(text=100))


def _clique(n: int) -> dict[str, Any]:
    """n blank nodes all related to each other: canonicalization is factorial in n (a poison graph)."""
    nodes = [{"@id": f"_:b{i}"} for i in range(n)]
    for i, node in enumerate(nodes):
        node["https://schema.org/knows"] = [{"@id": f"_:b{j}"} for j in range(n) if j != i]
    return {"@context": {}, "@graph": nodes}


def test_a_poison_graph_is_refused_within_a_fixed_budget() -> None:
    canonical_nquads(_clique(3))  # a small symmetric graph is fine
    started = time.process_time()
    with pytest.raises(CanonicalizationError, match="look-alike blank nodes .*poison.*: refused"):
        canonical_nquads(_clique(9))  # 9! orders: minutes of work unbounded
    with pytest.raises(CanonicalizationError, match="more than 500 deep hashes"):
        canonical_nquads(_clique(6))
    assert time.process_time() - started < 5  # process time, not a speed target: the bound holds


def test_the_bundled_suite_signs_and_verifies_an_open_badge() -> None:
    signer = Signer.generate()
    signed = signer.sign(_credential(), "2026-05-20T12:00:00Z", EDDSA_RDFC_2022)
    assert "@context" not in signed["proof"]  # rdfc proofs are read in the document's context
    verify_proof(signed, signed["proof"], signer.public_key)
    altered = dict(signed, name="OSHA 30")
    with pytest.raises(SignatureError):
        verify_proof(altered, altered["proof"], signer.public_key)
    options = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    assert len(hash_data(_credential(), options)) == 64


def test_resolved_contexts_are_cached_per_mapping_never_across() -> None:
    """Contexts are resolved once per mapping (speed), and a mapping without a context still refuses it
    after another mapping resolved it (PyLD's own cache is keyed by URL alone)."""
    canonical_nquads(_credential())  # OB 3.0.3 resolved with the bundled mapping
    only_vc = {VC: BUNDLED[VC]}
    with pytest.raises(CanonicalizationError, match=re.escape(f"the context {OB} is not one this verifier knows")):
        canonical_nquads(_credential(), only_vc)
    assert canonical_nquads(_credential()) == canonical_nquads(copy.deepcopy(_credential()), dict(BUNDLED))


def _plain_pyld(document: Any) -> str:
    """The same canonicalization by PyLD alone, with nothing kept between calls: what the caches in
    verifiers.rdfc must never change."""
    from pyld import jsonld  # type: ignore[import-untyped]
    from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

    def load(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": TEST_CONTEXTS[url]}

    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": load, "base": None,
               "rdfDirection": "i18n-datatype", "contextResolver": ContextResolver({}, load)}
    return str(jsonld.normalize(copy.deepcopy(document), options))


def test_kept_contexts_change_no_result() -> None:
    """verifiers.rdfc reuses processed contexts across calls (speed): every sample, canonicalized
    after the others warmed the caches, and twice over, equals PyLD's own fresh result."""
    samples = [_json(path) for path in sorted(ONE_EDTECH.rglob("*.json"))]
    samples += [_credential(), _json(W3C / "unsigned.json"), _json(W3C / "employmentAuth.json")]
    for sample in samples:
        unsigned = {k: v for k, v in sample.items() if k != "proof"}
        expected = _plain_pyld(unsigned)
        assert canonical_nquads(unsigned, TEST_CONTEXTS) == expected
        assert canonical_nquads(unsigned, TEST_CONTEXTS) == expected


def test_a_changed_inline_scoped_context_is_read_anew() -> None:
    """An inline context with a type-scoped context, then the same document object changed in place:
    the second result follows the change (the caches hold PyLD's copies, never the caller's)."""
    document = {"@context": [VC, {"Thing": {"@id": "https://example.org/Thing",
                                             "@context": {"colour": "https://example.org/colour"}}}],
                "type": ["VerifiableCredential", "Thing"], "issuer": "did:web:example.org",
                "validFrom": "2026-05-20T00:00:00Z", "colour": "teal"}
    first = canonical_nquads(document)
    assert "<https://example.org/colour>" in first
    document["@context"][1]["Thing"]["@context"]["colour"] = "https://example.org/hue"
    second = canonical_nquads(document)
    assert "<https://example.org/hue>" in second and "colour>" not in second
    assert second == _plain_pyld(document)
