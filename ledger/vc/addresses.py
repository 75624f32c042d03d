"""What every export names: the JSON-LD contexts it is read in and where this instance publishes
(its https base URL: did:web resolves over https, so the exports name https)."""

from __future__ import annotations

from ledger.application import Ledger

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


def base_url(ledger: Ledger) -> str:
    return f"https://{ledger.config.domain}"
