"""Pure verification for credledger: canonical encoding, keys, signatures and proofs.

This package is pure on purpose, so an employer or auditor can use it alone: it
imports only the standard library and ``cryptography``, does no I/O, reads no
clock and no environment. Time, keys and evidence are always parameters.
"""
