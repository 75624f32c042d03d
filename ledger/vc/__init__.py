"""Credentials for the ecosystem, derived from the signed events and signed when exported: W3C
Verifiable Credentials that wallets, LinkedIn and other verifiers read.

    addresses   the contexts every export names and where this instance publishes
    openbadge   each award as an Open Badges 3.0 OpenBadgeCredential (eddsa-rdfc-2022, did:web)
    clr         the transcript as a CLR 2.0 ClrCredential holding the badges, signed by the home institution
    statuslist  each issuer's W3C Bitstring Status Lists (revocation), signed like the badges and
                kept signed in the read models by the worker

May import `ledger` and `verifiers`; the events stay the source of truth and nothing here is
evidence (the signed status lists are kept as a rebuildable read model).
"""
