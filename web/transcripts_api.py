"""Evidence for online verification of a transcript bundle, bound to a live link.

`GET /transcripts/evidence?since=N&award=ID…` answers what `credledger verify
--online` asks: the newest signed checkpoint, the consistency proof from the
bundle's checkpoint size N, and the awards' streams (with the issuer and
catalog streams they rely on) as entries proven against the newer checkpoint.
Everything in it is verifiable; nothing has to be trusted.

The awards' events carry the student's id, evidence numbers, scores and
revocation notes, so the answer is a disclosure the student controls:

- The request carries the link of the bundle (its `online.link`): the token of a
  share link or of the file's own link, in `Authorization: Bearer <token>` or
  `X-Credledger-Link: <token>`, never in the URL (a `link` or `token` query
  parameter is refused with 400, before anything is looked up).
- Only a live link answers, and only for awards it covers (a chosen-awards or
  file link: its awards; a whole-transcript link: the student's awards now, as
  `/v/<token>` shows them). A missing, unknown, withdrawn or expired link and an
  award outside the link all get the same 404, so an unknown award id and an
  award outside the link cannot be told apart.
- Every answer is recorded on that link in the student's record of disclosures
  (34 CFR 99.32), channel `online`.

The public log endpoints (`/log/…`) stay public: they carry no PII.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from ledger.errors import InputError, NotFoundError
from ledger.export import online_evidence
from web.exceptions import GoneError
from web.services import ledger as _ledger
from web.services import sharing as _sharing
from web.sharing import FILE, ONLINE_CHANNEL, SHARE, ShareLink, viewer_family
from web.verifier import link_awards

bp = Blueprint("transcripts", __name__, url_prefix="/transcripts")

MAX_AWARDS = 100
LINK_HEADER = "X-Credledger-Link"
NO_EVIDENCE = ("No online evidence for these credentials with this link. The student may have withdrawn "
               "the link, or it expired; the file's own proof can still be checked offline.")


def link_token() -> str | None:
    """The link credential of the request, from its headers only."""
    bearer = request.headers.get("Authorization", "")
    if bearer[:7].lower() == "bearer ":
        return bearer[7:].strip() or None
    return request.headers.get(LINK_HEADER, "").strip() or None


def _covering_link(token: str | None, awards: list[str]) -> ShareLink:
    """The live link behind the request if it covers every award; one NotFoundError for every other case."""
    ledger = _ledger()
    link = None
    if token is not None:
        try:
            link = _sharing().open(token, ledger.clock(), kinds=(SHARE, FILE))
        except (NotFoundError, GoneError):
            link = None
    if link is None or not set(awards) <= set(link_awards(ledger, link)):
        raise NotFoundError(NO_EVIDENCE)
    return link


@bp.get("/evidence")
def evidence() -> Response:
    if "link" in request.args or "token" in request.args:
        raise InputError.for_field("link", f"send the link in the Authorization or {LINK_HEADER} header, "
                                           "never in the URL")
    awards = request.args.getlist("award")
    since = request.args.get("since", "")
    if not awards or len(awards) > MAX_AWARDS:
        raise InputError.for_field("award", f"1 to {MAX_AWARDS} award ids")
    if not since.isdigit():
        raise InputError.for_field("since", "the bundle's checkpoint size")
    link = _covering_link(link_token(), awards)
    ledger = _ledger()
    response = jsonify(online_evidence(ledger, awards, int(since)).to_json())
    _sharing().record_view(link, ONLINE_CHANNEL, viewer_family(request.headers.get("User-Agent", "")),
                           ledger.clock())
    response.headers["Cache-Control"] = "no-store"
    return response
