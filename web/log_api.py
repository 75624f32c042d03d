"""The transparency log over HTTP: checkpoint, proofs and C2SP tlog-tiles.

Every tile and entry bundle, full or partial, is cacheable forever: its path
names its width, so its content never changes once served (a growing log
serves a wider tile under another path). Only the checkpoint, the key and
the proofs, which answer "the latest", are cached for a moment. Tile paths
are canonical only (verifiers.tiles); any other spelling is refused, never
served. Entry bundles are gzipped for a client that accepts it, as C2SP
tlog-tiles asks; tiles of hashes are incompressible and go as they are.
"""

from __future__ import annotations

import base64
import binascii
import gzip

from flask import Blueprint, Response, current_app, jsonify, request

from ledger.config import LOG_PATH
from ledger.errors import InputError
from ledger.log import MerkleLog
from verifiers.errors import MalformedError
from verifiers.tiles import tile_index_from_path, tile_level_from_path

bp = Blueprint("log", __name__, url_prefix=LOG_PATH)

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=1, must-revalidate"


def _log() -> MerkleLog:
    log: MerkleLog = current_app.extensions["ledger"].transparency_log
    return log


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _int_arg(name: str, default: int | None = None) -> int:
    raw = request.args.get(name)
    if raw is None:
        if default is None:
            raise InputError.for_field(name, "required")
        return default
    # ASCII only: str.isdigit also takes "²" (int() refuses it: a 500) and other scripts' digits.
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 19:
        raise InputError.for_field(name, "a non-negative integer")
    return int(raw)


@bp.get("/checkpoint")
def checkpoint() -> Response:
    # With a witness quorum configured, the newest checkpoint that has it (ledger.witnessing).
    witnessing = current_app.extensions["ledger"].witnessing
    return Response(witnessing.published(), mimetype="text/plain", headers={"Cache-Control": SHORT})


@bp.get("/key")
def key() -> Response:
    return Response(_log().verifier_key + "\n", mimetype="text/plain", headers={"Cache-Control": SHORT})


@bp.get("/proof/inclusion")
def inclusion() -> Response:
    log = _log()
    latest = log.store.latest_checkpoint()
    size = _int_arg("size", latest[0] if latest else 0)
    if "leaf_hash" in request.args:
        try:
            leaf_hash = base64.b64decode(request.args["leaf_hash"], validate=True)
        except (binascii.Error, ValueError):
            raise InputError.for_field("leaf_hash", "base64 of a 32-byte hash") from None
        if len(leaf_hash) != 32:
            raise InputError.for_field("leaf_hash", "base64 of a 32-byte hash")
        index = log.leaf_index(leaf_hash)
    else:
        index = _int_arg("index")
    proof = log.inclusion_proof(index, size)
    response = jsonify({"index": index, "size": size, "proof": [_b64(h) for h in proof],
                        "root": _b64(log.root(size))})
    response.headers["Cache-Control"] = SHORT
    return response


_CONSISTENCY_PARAMETERS = {"size1": "from", "size": "to"}


@bp.get("/proof/consistency")
def consistency() -> Response:
    log = _log()
    size1, size2 = _int_arg("from"), _int_arg("to")
    try:
        proof = log.consistency_proof(size1, size2)
    except InputError as e:  # name the query parameters, not the log's arguments
        errors = {_CONSISTENCY_PARAMETERS.get(k, k): v for k, v in e.errors.items()}
        raise InputError("; ".join(f"{k}: {m}" for k, ms in errors.items() for m in ms), errors) from None
    response = jsonify({"from": size1, "to": size2, "proof": [_b64(h) for h in proof]})
    response.headers["Cache-Control"] = SHORT
    return response


# merge_slashes off: `tile/0//000` is not a spelling of `tile/0/000` to redirect to, but an error.
@bp.get("/tile/entries/<path:index_path>", merge_slashes=False)
def entries(index_path: str) -> Response:
    index, width = _tile_coordinates(index_path)
    response = _tile_response(_log().entries(index, width))
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"]:  # its quality: 0 when absent or refused (gzip;q=0)
        # mtime 0: the same bundle always compresses to the same bytes, whoever asks and when.
        response.set_data(gzip.compress(response.get_data(), mtime=0))
        response.content_encoding = "gzip"
    return response


@bp.get("/tile/<level_text>/<path:index_path>", merge_slashes=False)
def tile(level_text: str, index_path: str) -> Response:
    try:
        level = tile_level_from_path(level_text)
    except MalformedError as e:
        raise InputError.for_field("level", str(e)) from None
    index, width = _tile_coordinates(index_path)
    return _tile_response(_log().tile(level, index, width))


def _tile_coordinates(index_path: str) -> tuple[int, int | None]:
    try:
        return tile_index_from_path(index_path)
    except MalformedError as e:
        raise InputError.for_field("tile", str(e)) from None


def _tile_response(body: bytes) -> Response:
    return Response(body, mimetype="application/octet-stream", headers={"Cache-Control": IMMUTABLE})
