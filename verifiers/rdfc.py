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

Speed (``credledger bench export``): PyLD keeps each processed context per *active context*. Three
things made it redo that work on every call, and `_Processor` and `_Resolver` mend them for the
pinned PyLD 3.3.0 (whose private methods they name): a type-scoped context (OB 3.0 defines one per
type) was applied to a fresh copy of the active context each time, so its processed form was never
found again; an inline context was looked up by its JCS serialization; and the document was
expanded twice (ours, then `to_rdf`'s own). The results are the objects PyLD would build; only
their reuse across calls is new (`tests/verifiers/test_rdfc.py` compares with PyLD alone after warm
caches and after a change in place between calls).
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
from pyld.identifier_issuer import IdentifierIssuer  # type: ignore[import-untyped]

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
               "extractAllScripts": False, "produceGeneralizedRdf": False,
               "contextResolver": _Resolver(_caches(contexts), load)}
    processor = _Processor(on_property_dropped=dropped)
    try:
        expanded = processor.expand(document, options)
        _check_expanded(expanded)
        dataset = processor.dataset(expanded, options)
        _check_dataset(dataset)
        return str(_BoundedCanonicalizer(limits).main(dataset, {"format": "application/n-quads"}))
    except jsonld.JsonLdError as e:
        raise CanonicalizationError(f"not valid JSON-LD: {_cause(e)}") from None


class _ByIdentity:
    """A bounded map from objects (by identity) to what was made from them. Each entry holds its
    object, so that its id is not reused while the entry lives. A plain dict, emptied when full:
    each of its operations is atomic under the GIL, so threads of a server may share it (the worst
    a race can do is a miss)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._entries: dict[int, tuple[Any, Any]] = {}

    def get(self, key: Any) -> Any:
        held = self._entries.get(id(key))
        return held[1] if held is not None and held[0] is key else None

    def put(self, key: Any, value: Any) -> None:
        if len(self._entries) >= self._size:
            self._entries.clear()
        self._entries[id(key)] = (key, value)


@dataclass
class _Caches:
    """What PyLD may keep between canonicalizations with one contexts mapping. Bounded: inline
    contexts of uploads are kept too."""

    contexts: Mapping[str, Any]  # held, so that its id is not reused while this lives
    resolved: LRUCache[str, Any]  # PyLD's shared cache: context URL or JCS of an inline context -> ResolvedContext
    inline: _ByIdentity  # inline context -> its ResolvedContext


# One per contexts mapping: PyLD's own cache is module-wide and keyed by URL alone, so a
# canonicalization with other contexts could be served this one's.
_CACHES: dict[int, _Caches] = {}
# Active context -> its non-propagating child (see _Processor), shared by every mapping.
_CHILDREN = _ByIdentity(1024)


def _caches(contexts: Mapping[str, Any]) -> _Caches:
    held = _CACHES.get(id(contexts))
    if held is None or held.contexts is not contexts:
        held = _CACHES[id(contexts)] = _Caches(contexts, LRUCache(maxsize=64), _ByIdentity(256))
    return held


class _Resolver(ContextResolver):  # type: ignore[misc]
    """PyLD's resolver, finding an inline context it has seen by identity before serializing it.

    The inline contexts it sees again are those inside processed contexts it keeps (a term's scoped
    context): the same objects each call, never changed (PyLD copies the input document before it
    reads it, so a caller's later change to a document cannot reach a kept context)."""

    def __init__(self, caches: _Caches, load: Any) -> None:
        super().__init__(caches.resolved, load)
        self._caches = caches

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        if not isinstance(context, dict) or "@context" in context:
            return super().resolve(active_ctx, context, base, cycles)
        known = self._caches.inline.get(context)
        if known is not None:
            return [known]
        resolved = super().resolve(active_ctx, context, base, cycles)
        self._caches.inline.put(context, resolved[0])
        return resolved


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """PyLD's processor, reusing the child context a type-scoped context is applied to, and turning
    an already expanded document into its dataset without expanding it again."""

    def _process_context(self, active_ctx: Any, local_ctx: Any, options: Any, override_protected: bool = False,
                         propagate: bool = True, validate_scoped: bool = True, cycles: Any = None) -> Any:
        # PyLD 3.3.0 gives a non-propagating context (a type-scoped one) a fresh child of the active
        # context, under a fresh id, so the processed form it keeps under that id is never found
        # again. The child is fixed by its parent: keep one per parent. Only for an inline context
        # without @propagate, whose propagation the caller's flag alone decides.
        if (not propagate and isinstance(local_ctx, dict) and "@propagate" not in local_ctx
                and not active_ctx.get("previousContext")):
            active_ctx = _child(self, active_ctx)
        return super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                        validate_scoped, cycles)

    def dataset(self, expanded: Any, options: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        """`to_rdf` of an expanded document, minus its second expansion (PyLD 3.3.0's to_rdf body)."""
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        self._create_node_map(expanded, node_map, "@default", issuer)
        return {name: self._graph_to_rdf(graph, issuer, options) for name, graph in sorted(node_map.items())
                if name == "@default" or jsonld._is_absolute_iri(name)}


def _child(processor: _Processor, active_ctx: dict[str, Any]) -> dict[str, Any]:
    child: dict[str, Any] | None = _CHILDREN.get(active_ctx)
    if child is None:
        child = processor._clone_active_context(active_ctx)
        child["previousContext"] = active_ctx
        _CHILDREN.put(active_ctx, child)
    return child


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
