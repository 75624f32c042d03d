"""Pure verification for credledger: the protocol, canonical encoding, keys, signatures and proofs.

This package is pure on purpose, so an employer, auditor or witness can use it alone:
it imports only the standard library and ``cryptography``, does no I/O, reads no
clock and no environment. Time, keys and evidence are always parameters. It owns the
protocol (``verifiers.protocol``): the ledger writes with the definitions it reads with.
"""
