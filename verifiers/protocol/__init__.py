"""The credledger protocol: one definition, read by the ledger and by every verifier.

- ``documents``  the event vocabulary: type names, which event opens or follows which
                 stream, stream ids, the document hash, who must sign, the log's leaf;
- ``payloads``   each event type's document as a TypedDict (``PAYLOAD_TYPES``), held to
                 the ledger's schemas by a test, and ``payload_as``, the one narrowing cast;
- ``authority``  who may sign which act and who holds an award: the rules that need
                 no ledger state, over a small view (``AuthorityView``);
- ``status``     an award's status (active, expired, superseded, revoked: <reason>), the one
                 vocabulary of the API, pages, CLI, exports and verifier;
- ``bundle``     the transcript bundle's wire model (``Bundle``, ``Entry``,
                 ``OnlineAccess``), each with ``from_json`` and ``to_json``.

``ledger`` imports these (ingest, audit, export); ``verifiers.bundle`` checks a bundle
with them; a monitor or another implementation needs nothing else. Pure like all of
``verifiers``: imports only ``verifiers`` and the standard library.
"""
