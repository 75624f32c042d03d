"""RDF Dataset Canonicalization (RDFC-1.0) of a JSON-LD document, as ``eddsa-rdfc-2022`` needs it.

The reference verifiers (Digital Bazaar's jsonld.js / rdf-canonize, inside the DCC verifier and the
Learner Credential Wallet) canonicalize in jsonld.js *safe mode*, with ``rdfDirection:
'i18n-datatype'``. A signature is only worth what it covers, so this module refuses, rather than
silently leaving unsigned, anything the two could read differently:

- a term no context defines (JSON-LD would drop it: the signature would not cover it);
- a relative IRI in ``@id`` or ``@type`` (JSON-LD would drop the node or its type);
- a context that is not bundled (``verifiers/contexts``): contexts are never fetched;
- a control character that canonical N-Quads escape (U+0000–U+0008, U+000B, U+000C, U+000E–U+001F,
  U+007F): PyLD writes them raw where RDFC-1.0 writes ``\\b``, ``\\f``, ``\\u0001``;
- a number the two would type differently: a non-integer below 1e-6 in magnitude (JavaScript
  writes it without a '.', so jsonld.js reads it as an integer) and an integer beyond ±(2^53 − 1);
- more than a fixed amount of input or work: nesting, size, and the blank-node "poison" graphs
  whose canonicalization is factorial (counted in calls of Hash N-Degree Quads and in the size of
  the groups it permutes, as rdf-canonize bounds its work, so the refusal is deterministic).

Implementation, chosen by measurement (README "Exports for the ecosystem"): PyLD 3.3 for JSON-LD
to RDF and its URDNA2015 (= RDFC-1.0) for canonicalization, with the refusals above. pyoxigraph 0.5
canonicalizes as fast and escapes correctly, but has no bound on work (a 9-node blank clique takes
minutes) and no hook for dropped terms.

Purity: like all of ``verifiers``, no network, no clock, no environment. The contexts are package
data, read once (``verifiers.contexts``); PyLD is always given the bundled document loader, so its
own loader, which could fetch, is never called.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cachetools import LRUCache
from pyld import jsonld  # type: ignore[import-untyped]
from pyld.canon import URDNA2015  # type: ignore[import-untyped]
from pyld.context_resolver import ContextResolver  # type: ignore[import-untyped]

from verifiers.contexts import BUNDLED
from verifiers.errors import CanonicalizationError
from verifiers.jcs import MAX_SAFE_INTEGER

__all__ = ["Limits", "LIMITS", "canonical_nquads"]

# Characters canonical N-Quads escape with \b, \f or \uXXXX (RDF 1.2 N-Quads, canonical form).
_ESCAPED_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")


@dataclass(frozen=True)
class Limits:
    """What one canonicalization may take. The defaults fit a CLR of a few hundred badges."""

    depth: int = 48  # JSON nesting
    values: int = 200_000  # JSON values (objects, arrays, scalars) in the document
    text: int = 4_000_000  # characters in all its strings and keys
    deep_hashes: int = 500  # calls of Hash N-Degree Quads (0 for documents without look-alike blank nodes)
    group: int = 6  # look-alike blank nodes permuted together (6! = 720 orders)


LIMITS = Limits()


def canonical_nquads(document: Any, contexts: Mapping[str, Any] = BUNDLED, limits: Limits = LIMITS) -> str:
    """The RDFC-1.0 canonical N-Quads of a JSON-LD document, or CanonicalizationError saying why not.

    `contexts` maps each context URL the document may name to its parsed content (the bundled ones
    unless told: a test adds the W3C examples context this way).
    """
    _check_json(document, limits)

    def load(url: str, options: Any = None) -> dict[str, Any]:
        if url not in contexts:
            raise CanonicalizationError(f"the context {url} is not one this verifier knows (contexts are never fetched)")
        # "static": the content never changes, so PyLD may keep the resolved context (in this mapping's cache).
        return {"contextUrl": None, "documentUrl": url, "document": contexts[url], "tag": "static"}

    def dropped(term: str | None) -> None:
        raise CanonicalizationError(f"the term {term!r} is not defined by the document's contexts, "
                                    "so a signature would not cover it")

    options = {"documentLoader": load, "base": None, "rdfDirection": "i18n-datatype", "processingMode": "json-ld-1.1",
               "extractAllScripts": False, "contextResolver": ContextResolver(_resolved_cache(contexts), load)}
    processor = jsonld.JsonLdProcessor(on_property_dropped=dropped)
    try:
        expanded = processor.expand(document, options)
        _check_expanded(expanded)
        dataset = processor.to_rdf(expanded, options)
        _check_dataset(dataset)
        return str(_BoundedCanonicalizer(limits).main(dataset, {"format": "application/n-quads"}))
    except jsonld.JsonLdError as e:
        raise CanonicalizationError(f"not valid JSON-LD: {_cause(e)}") from None


# Resolved contexts, one cache per contexts mapping: PyLD's own cache is module-wide and keyed by URL
# alone, so a canonicalization with other contexts could be served this one's. Holding the mapping
# keeps its id from being reused. Bounded: inline contexts in uploads are cached too.
_CACHES: dict[int, tuple[Mapping[str, Any], LRUCache[str, Any]]] = {}


def _resolved_cache(contexts: Mapping[str, Any]) -> LRUCache[str, Any]:
    held = _CACHES.get(id(contexts))
    if held is None or held[0] is not contexts:
        held = _CACHES[id(contexts)] = (contexts, LRUCache(maxsize=64))
    return held[1]


def _cause(error: BaseException) -> str:
    """The innermost message: PyLD wraps ours (and its own) in several layers."""
    while True:
        if isinstance(error, CanonicalizationError):
            return str(error)
        inner = error.__cause__ or getattr(error, "cause", None)
        if not isinstance(inner, BaseException):
            return str(getattr(error, "message", error)).splitlines()[0]
        error = inner


def _check_json(document: Any, limits: Limits) -> None:
    """Bounds and the numbers jsonld.js would type differently, before any JSON-LD processing."""
    if not isinstance(document, dict):
        raise CanonicalizationError("a JSON-LD document here is a JSON object")
    values = text = 0
    pending: list[tuple[Any, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        values += 1
        if depth > limits.depth:
            raise CanonicalizationError(f"the document is nested more than {limits.depth} levels deep")
        if values > limits.values:
            raise CanonicalizationError(f"the document holds more than {limits.values} values")
        if isinstance(value, dict):
            text += sum(len(k) for k in value)
            pending.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            pending.extend((v, depth + 1) for v in value)
        elif isinstance(value, str):
            text += len(value)
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int):
            if abs(value) > MAX_SAFE_INTEGER:
                raise CanonicalizationError(f"the integer {value} is beyond ±(2^53 − 1): JavaScript verifiers read it differently")
        elif isinstance(value, float):
            if not math.isfinite(value) or (0 < abs(value) < 1e-6):
                raise CanonicalizationError(f"the number {value!r} canonicalizes differently in JavaScript verifiers; "
                                            "send it as a string")
        else:
            raise CanonicalizationError(f"a {type(value).__name__} is not a JSON value")
        if text > limits.text:
            raise CanonicalizationError(f"the document holds more than {limits.text} characters of text")


def _check_expanded(expanded: Any) -> None:
    """No relative IRI in @id or @type: JSON-LD would silently drop the node or the type."""
    pending = [expanded]
    while pending:
        value = pending.pop()
        if isinstance(value, list):
            pending.extend(value)
            continue
        if not isinstance(value, dict):
            continue
        types = value.get("@type", [])
        for key, iri in [("@id", value.get("@id")), *(("@type", t) for t in (types if isinstance(types, list) else [types]))]:
            if isinstance(iri, str) and iri != "@json" and not iri.startswith("_:") and not _SCHEME.match(iri):
                raise CanonicalizationError(f"the {key} {iri!r} is a relative IRI, which JSON-LD drops")
        if "@value" not in value:  # a value object's @value is data (a JSON literal may hold anything)
            pending.extend(v for v in value.values() if isinstance(v, (dict, list)))


def _check_dataset(dataset: dict[str, list[dict[str, Any]]]) -> None:
    for triples in dataset.values():
        for triple in triples:
            for component in triple.values():
                text = component.get("value", "")
                found = _ESCAPED_CONTROLS.search(text)
                if found:
                    raise CanonicalizationError(
                        f"a value holds the control character U+{ord(found.group()):04X}, which this "
                        "canonicalizer cannot escape as RDFC-1.0 does")


class _BoundedCanonicalizer(URDNA2015):  # type: ignore[misc]
    """PyLD's URDNA2015 (RDFC-1.0), refusing a dataset that needs more than `limits` of work."""

    def __init__(self, limits: Limits) -> None:
        super().__init__()
        self._limits = limits
        self._deep_hashes = 0

    def hash_n_degree_quads(self, id_: str, issuer: Any) -> Any:
        self._deep_hashes += 1
        if self._deep_hashes > self._limits.deep_hashes:
            raise CanonicalizationError(
                f"canonicalizing needs more than {self._limits.deep_hashes} deep hashes of look-alike blank "
                "nodes (a 'poison' graph): refused")
        return super().hash_n_degree_quads(id_, issuer)

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        groups: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        if any(len(group) > self._limits.group for group in groups.values()):
            raise CanonicalizationError(
                f"more than {self._limits.group} look-alike blank nodes are related to one node (a 'poison' "
                "graph): refused")
        return groups
