"""Evidence for online verification of a transcript bundle.

`GET /transcripts/evidence?since=N&award=ID…` answers what `credledger verify
--online` asks: the newest signed checkpoint, the consistency proof from the
bundle's checkpoint size N, and the awards' streams (with the issuer and
catalog streams they rely on) as entries proven against the newer checkpoint.
Everything in it is verifiable; nothing has to be trusted.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from ledger.errors import InputError
from ledger.export import online_evidence

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts")

MAX_AWARDS = 100


@bp.get("/evidence")
def evidence() -> Response:
    awards = request.args.getlist("award")
    since = request.args.get("since", "")
    if not awards or len(awards) > MAX_AWARDS:
        raise InputError.for_field("award", f"1 to {MAX_AWARDS} award ids")
    if not since.isdigit():
        raise InputError.for_field("since", "the bundle's checkpoint size")
    response = jsonify(online_evidence(current_app.extensions["ledger"], awards, int(since)))
    response.headers["Cache-Control"] = "no-store"
    return response
