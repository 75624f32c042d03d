"""The public verifier: share links (`/v/<token>`) and bundle upload (`/verify`).

Routes
------
- `GET /v/<token>`          the shared transcript, verified, as a page; JSON when the
                            client's Accept header prefers `application/json`
- `GET /v/<token>.json`     the same as JSON, whatever the Accept header
- `GET /v/<token>/print`    a printable page with a QR code of the link
- `GET /v/<token>.pdf`      the same as a designed PDF (web.pdf), with the QR code; 503 when the
                            server lacks its fonts
- `GET /verify`             a form to upload a transcript file
- `POST /verify`            verify the uploaded file (multipart field `bundle`),
                            against the pinned log key: this server's own, or one
                            pasted in the `log_key` field (a bundle from another
                            credledger); 400 when the file is not a bundle, 413 when
                            it is larger than the app's MAX_CONTENT_LENGTH

A share link is verified the way an employer would verify the file: the server
builds the link's bundle (`ledger.export.export_bundle`: the link's awards for a
chosen-credentials link; for a whole-transcript link every current award: not those revoked
or replaced by a correction, which go in only when the student picks them) and checks it with `verifiers.bundle.verify_bundle`
against its own log key and today's date; nothing is taken from the read models.
The link discloses the student's **name** (it opens its commitment in every
award), so the person receiving it can match the transcript to the applicant in
front of them; the birth date and local id stay undisclosed. The create-link page
says so. Every view is recorded for the student (34 CFR 99.32) with its channel
(`html`, `json`, `print`, `pdf`) and the viewer's browser family; an expired or revoked
link is 410, an unknown one 404, and so is the token of a file's own link (web.sharing:
it answers only online checks of the file's awards, never a page). Verify endpoints
are rate limited per client (`VERIFY_RATE_LIMIT` in the app config: (hits, seconds), default 120 a minute;
None turns it off, for a load benchmark) → 429.

The JSON of a share link (`/v/<token>.json`), stable::

    {
      "verified": true,              # every credential verified and none is revoked
      "student": {"name": "…"},      # "name" only when disclosed and it opened its commitments
      "checkpoint": {"origin": "<log origin>", "size": 123},   # the signed tree it was checked against
      "credentials": [
        {
          "award": "<award id>", "credential": "<catalog code>", "name": "<credential name>",
          "issuer": "<issuer DID>", "issuer_name": "…",
          "earned": "YYYY-MM-DD", "expires": "YYYY-MM-DD" | null,
          "status": "active" | "expired" | "superseded" | "revoked: <reason>",   # verifiers.protocol.status
          "revoked_on": "<RFC 3339>" | null,   # when the revocation (in the file, or found online) took effect
          "evidence": {"certificate": "SSM-5501234", "score": 91, …},   # as the institution signed it
          "lookup_url": "https://…" | null,    # the certifying body's public lookup page (the catalog's)
          "verified": true,           # every step passed, not revoked or superseded (expired is not a failure)
          "steps": [{"step": "<name>", "ok": true | false | null, "detail": "<plain words>"}, …]
        }
      ]
    }

`steps` lists, in this order, every step of `verifiers.bundle.STEPS`:
checkpoint, witnessed, log_inclusion, hash_chain, signature, key_validity, issuer_authority,
status, identity, consistency, current_status; `ok` is null for a step not
checked or not applicable (a share link is built from the log's newest state,
so the two online steps are not needed). Errors are
`{"code", "status", "message", "errors"}`.

Performance: the verified result of a link is immutable for a given (student,
awards, journal head, day), so it is cached per process (LRU) and the JSON bytes
with it. A request costs the rate-limit counter, the link lookup, one indexed
read of the journal head and the disclosure record; no key store, no vault, no
signature check unless something was recorded since.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask_babel import force_locale, gettext, lazy_gettext as _l

from ledger.application import Ledger
from ledger.errors import InputError, NotFoundError
from ledger.export import export_bundle, online_evidence, student_awards
from verifiers.bundle import BundleResult, OnlineEvidence, OnlineUnavailable, StepResult, verify_bundle
from verifiers.checkpoint import checkpoint_from_text
from verifiers.note import note_from_text
from verifiers.errors import BundleFormatError, MalformedError
from verifiers.policy import VerificationPolicy
from verifiers.protocol.status import is_withdrawn
from web.auth import rate_limited
from web.badge_verifier import check_credential, credential_page_view, kind_of
from web.verdicts import VERDICTS, evidence_view, headline, status_words, verdict_line, verdict_of, worst
from web.errors import error_response, wants_json
from web.exceptions import GoneError
from web.pdf import FontsMissing, find_fonts, pdf_filename, transcript_pdf
from web.qr import qr_svg
from web.sharing import ShareLink, Sharing, viewer_family

bp = Blueprint("verifier", __name__)

VERIFY_LIMIT = (120, 60)  # per client: a clerk never gets near it; a scraper does
CACHE_SIZE = 512
DISCLOSED_BY_LINK = ("name",)

STEP_TITLES = {
    "checkpoint": _l("Public log checkpoint"),
    "witnessed": _l("Seen by independent witnesses"),
    "log_inclusion": _l("Recorded in the public log"),
    "hash_chain": _l("Record history unbroken"),
    "signature": _l("Signature"),
    "key_validity": _l("Issuer's key valid at the time"),
    "issuer_authority": _l("Issuer's authority"),
    "status": _l("Status"),
    "identity": _l("Belongs to this person"),
    "consistency": _l("Consistent with the newest log"),
    "current_status": _l("Still current"),
}
# Each step in plain words, when it passed and when it failed; the verifier's own detail (technical,
# in English: the command line's words) follows. A step not checked says why in that detail.
STEP_WORDS = {
    "checkpoint": (_l("The public log's signed summary is genuine."),
                   _l("The public log's signed summary does not verify.")),
    "witnessed": (_l("Enough independent witnesses confirmed they saw this same public log."),
                  _l("Too few independent witnesses confirmed this public log: another version may exist.")),
    "log_inclusion": (_l("The record is written in the public log."),
                      _l("The record is not in the public log as the file claims.")),
    "hash_chain": (_l("No record of its history is missing or out of order."),
                   _l("Its history was changed: a record is missing, altered or out of order.")),
    "signature": (_l("The institution's signature matches the record exactly."),
                  _l("The signature does not match: the record was changed after it was signed.")),
    "key_validity": (_l("The institution's key was valid when the log recorded it."),
                     _l("The key was not valid when the log recorded it.")),
    "issuer_authority": (_l("The institution was entitled to record it."),
                         _l("Someone without the authority to record it signed it.")),
    "status": (_l("Not revoked."), _l("Revoked or replaced by the institution.")),
    "identity": (_l("It belongs to the student this transcript is about."),
                 _l("It does not belong to this student, or a disclosed detail was altered.")),
    "consistency": (_l("The log has only grown since the file was made: nothing was rewritten."),
                    _l("The log's newer state does not extend the file's: it is not the same history.")),
    "current_status": (_l("Still current today: nothing was recorded against it since."),
                       _l("Something recorded since contradicts the file, or the credential was revoked.")),
}
ONLINE_STEPS = ("consistency", "current_status")
LIVE_STEP_DETAIL = "not needed: this result was built from the log's newest entries"


# The result, for machines and for people ------------------------------------------------


def result_json(result: BundleResult, *, disclosed_name: str | None = None, live: bool = False) -> dict[str, Any]:
    """The stable JSON of a verification (the module docstring documents it).

    `disclosed_name`: the bundle's disclosed name, shown only if it opened its
    commitments. `live`: the bundle was built by this server from its newest
    entries just now, so the online steps (consistency, current status) are not needed.
    """
    name = disclosed_name if result.identity.get("name") else None
    return {
        "verified": result.ok,
        "student": {"name": name} if name else {},
        "checkpoint": {"origin": result.log_origin, "size": result.checkpoint_size},
        "credentials": [
            {
                "award": c.award, "credential": c.credential, "name": c.name, "issuer": c.issuer,
                "issuer_name": c.issuer_name, "earned": c.earned, "expires": c.expires, "status": c.status,
                "revoked_on": c.revoked_on, "evidence": dict(c.evidence), "lookup_url": c.lookup_url,
                "verified": c.ok,
                "steps": [{"step": s.step, "ok": s.ok, "detail": _detail(s, live)} for s in c.steps],
            }
            for c in result.credentials
        ],
    }


def _detail(step: StepResult, live: bool) -> str:
    if live and step.ok is None and step.step in ONLINE_STEPS:
        return LIVE_STEP_DETAIL
    return step.detail


def _disclosed_name(bundle: object) -> str | None:
    disclosed = bundle.get("disclosed") if isinstance(bundle, dict) else None
    opening = disclosed.get("name") if isinstance(disclosed, dict) else None
    value = opening.get("value") if isinstance(opening, dict) else None
    return value if isinstance(value, str) else None


def check(bundle: object, policy: VerificationPolicy, today: date, *, live: bool = False,
          online: OnlineEvidence | OnlineUnavailable | None = None) -> dict[str, Any]:
    """Verify a bundle and return its stable JSON. Raises BundleFormatError if it is not a bundle."""
    result = verify_bundle(bundle, today=today, policy=policy, online=online)
    return result_json(result, disclosed_name=_disclosed_name(bundle), live=live)


def own_evidence(ledger: Ledger, bundle: object) -> OnlineEvidence | OnlineUnavailable | None:
    """For a file of this site's ledger, the online evidence `credledger verify --online` would fetch,
    taken from this server's own store (a newer checkpoint, consistency from the file's, every later
    event of its awards' streams). None for a file of another ledger: it is checked offline only."""
    if not (isinstance(bundle, dict) and bundle.get("ledger") == ledger.config.ledger_id):
        return None
    awards, note = bundle.get("awards"), bundle.get("checkpoint")
    if not (isinstance(awards, list) and all(isinstance(a, str) for a in awards) and isinstance(note, str)):
        return None  # not a bundle: the verifier says so
    try:
        since = checkpoint_from_text(note_from_text(note).text).size
        return online_evidence(ledger, awards, since)
    except (MalformedError, NotFoundError, InputError):
        # Its checkpoint is unreadable or larger than this log, or it names an award this ledger does
        # not hold: whatever the offline checks find, its current state cannot come from here.
        return OnlineUnavailable("the file names a checkpoint or an award this site's ledger does not have")


def page_view(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON result with what a page needs besides, in the page's language: each credential's
    verdict (web.verdicts), its badge, its steps in words and the evidence it may show, and the
    headline that counts the verdicts."""
    credentials = []
    for c in data["credentials"]:
        verdict = verdict_of(c, LIVE_STEP_DETAIL)
        colour, icon, words = VERDICTS[verdict]
        credentials.append(c | {
            "verdict": verdict, "verdict_class": colour, "verdict_icon": icon, "verdict_words": str(words),
            "verdict_line": verdict_line(c, verdict),
            # A forged card shows no status of its own as fact: the badge says what was found.
            "badge": colour if verdict != "altered" else "bad",
            "badge_text": str(words) if verdict in ("altered", "unknown") else status_words(c["status"]),
            "steps": [_step_view(s) for s in c["steps"]],
            # Nor its evidence numbers: what a forged card claims is not shown as fact.
            "evidence": evidence_view(c) if verdict != "altered" else [],
        })
    verdicts = [c["verdict"] for c in credentials]
    top = worst(verdicts)
    return data | {"credentials": credentials, "headline": headline(verdicts), "worst": top,
                   "headline_class": VERDICTS[top][0] if top else "bad",
                   "headline_icon": VERDICTS[top][1] if top else "✗",
                   "all_current": bool(verdicts) and set(verdicts) == {"current"}}


def _step_view(step: dict[str, Any]) -> dict[str, Any]:
    mark = {True: "ok", False: "bad"}.get(step["ok"], "skip")
    passed, failed = STEP_WORDS.get(step["step"], ("", ""))
    words = {"ok": passed, "bad": failed}.get(mark) or (
        gettext("Not needed: this result was built from the log's newest entries.")
        if step["detail"] == LIVE_STEP_DETAIL else gettext("Not checked."))
    return step | {"title": str(STEP_TITLES.get(step["step"], step["step"])), "mark": mark, "words": str(words)}


# Share links ------------------------------------------------------------------------------


class SharedTranscripts:
    """Verified results of share links, cached per (student, awards, journal head, day)."""

    def __init__(self, ledger: Ledger, size: int = CACHE_SIZE):
        self.ledger = ledger
        self.log_key = ledger.transparency_log.verifier_key  # read once: the key store is not touched per request
        self.policy = VerificationPolicy.from_log_keys([self.log_key])
        self.size = size
        self._cache: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def freshness(self, student_id: str) -> tuple[int, bool]:
        """What a cached result depends on: the newest log entry, and whether the identity still exists.

        One query: MAX over the journal's primary key, and the vault row by its key. Erasing a
        student records no event, so the vault row itself must be part of the key.
        """
        return self.ledger.store.freshness(student_id)

    def result(self, link: ShareLink, today: date) -> tuple[dict[str, Any], bytes]:
        """The link's verified JSON result and its serialized bytes."""
        key = (link.student_id, tuple(link.awards) if link.awards else None, *self.freshness(link.student_id), today)
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        data = check(self._bundle(link), self.policy, today, live=True)
        value = (data, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return value

    def _bundle(self, link: ShareLink) -> dict[str, Any]:
        only = link_awards(self.ledger, link) or None
        try:
            return export_bundle(self.ledger, link.student_id, only=only, disclose=DISCLOSED_BY_LINK)
        except InputError:
            # The student's identity was erased: the credentials still verify, without a name.
            return export_bundle(self.ledger, link.student_id, only=only)


def link_awards(ledger: Ledger, link: ShareLink) -> list[str]:
    """The awards a link covers now: its chosen ones; for a whole-transcript link every award of the
    student's that still counts (revoked and replaced ones only when chosen: honest defaults)."""
    if link.awards:
        return list(link.awards)
    return [award_id for award_id in student_awards(ledger, link.student_id)
            if not is_withdrawn(ledger.award(award_id).status)]


def shared_transcripts() -> SharedTranscripts:
    found = current_app.extensions.get("shared_transcripts")
    if found is None:
        found = current_app.extensions["shared_transcripts"] = SharedTranscripts(current_app.extensions["ledger"])
    return found


def _limit() -> None:
    limit = current_app.config.get("VERIFY_RATE_LIMIT", VERIFY_LIMIT)
    if limit and rate_limited("verify", tuple(limit)):
        abort(429, description=gettext("Too many verifications from your address. Wait a minute and try again."))


def _open_link(token: str, channel: str) -> tuple[ShareLink, dict[str, Any], bytes]:
    """The link's verified result (its view recorded through `channel`)."""
    link = _open(token)
    now = current_app.extensions["ledger"].clock()
    data, body = shared_transcripts().result(link, now.date())
    current_app.extensions["sharing"].record_view(link, channel, viewer_family(request.headers.get("User-Agent", "")),
                                                  now)
    return link, data, body


def _open(token: str) -> ShareLink:
    """A live link, or the words an employer reads for a wrong, withdrawn or expired one."""
    _limit()
    sharing: Sharing = current_app.extensions["sharing"]
    try:
        link = sharing.open(token, current_app.extensions["ledger"].clock())
    except NotFoundError:
        raise NotFoundError(gettext("No transcript is shared at this address. Check that the whole link was "
                                    "copied, or ask the student to send it again.")) from None
    except GoneError as e:
        if "revoked" in str(e):
            raise GoneError(gettext("The student has withdrawn this share link. Ask them for a new one if you "
                                    "still need to check their credentials.")) from None
        raise GoneError(gettext("This share link has expired. Ask the student for a new one.")) from None
    return link


def _json(body: bytes) -> Response:
    response = Response(body, mimetype="application/json")
    response.headers["Vary"] = "Accept"
    return response


@bp.get("/v/<token>.json")
def shared_json(token: str) -> Response:
    _, _, body = _open_link(token, "json")
    return _json(body)


@bp.get("/v/<token>.clr.json")
def shared_clr(token: str) -> Response:
    """The link's credentials as a CLR 2.0 transcript (what a wallet or another verifier reads); it
    shows the name, as the link does. Recorded in the student's disclosures as channel "clr"."""
    from ledger.vc.clr import clr_credential

    link = _open(token)
    ledger = current_app.extensions["ledger"]
    clr = clr_credential(ledger, link.student_id, only=link_awards(ledger, link), name_in_plain=True)
    current_app.extensions["sharing"].record_view(link, "clr", viewer_family(request.headers.get("User-Agent", "")),
                                                  ledger.clock())
    response = Response(json.dumps(clr, ensure_ascii=False, indent=1), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="transcript-clr.json"'
    return response


@bp.get("/v/<token>")
def shared(token: str) -> Any:
    if wants_json():
        return shared_json(token)
    link, data, _ = _open_link(token, "html")
    url = url_for("verifier.shared", token=token, _external=True)
    page = render_template("verifier/result.html", result=page_view(data), source="link", link=link,
                           link_url=url, print_url=url_for("verifier.printable", token=token),
                           pdf_url=url_for("verifier.shared_pdf", token=token), own_log=True)
    return Response(page, headers={"Vary": "Accept"})


@bp.get("/v/<token>/print")
def printable(token: str) -> Any:
    link, data, _ = _open_link(token, "print")
    url = url_for("verifier.shared", token=token, _external=True)
    return render_template("verifier/print.html", result=page_view(data), link=link, link_url=url,
                           pdf_url=url_for("verifier.shared_pdf", token=token),
                           qr=qr_svg(url, title=gettext("QR code of this share link")))


@bp.get("/v/<token>.pdf")
def shared_pdf(token: str) -> Response:
    try:  # before the link is opened: no disclosure is recorded for a PDF not made
        fonts = find_fonts()
    except FontsMissing:
        current_app.logger.error("PDF fonts missing: install Debian's fonts-dejavu-core")
        abort(503, description=gettext("The PDF cannot be made on this server now. Open the link for the same "
                                       "transcript as a page (it has a printable view)."))
    link, data, _ = _open_link(token, "pdf")
    url = url_for("verifier.shared", token=token, _external=True)
    made = current_app.extensions["ledger"].clock()
    with force_locale("en"):  # the PDF is English (web.pdf): its verdicts too, whatever the page's language
        view = page_view(data)
    body = transcript_pdf(view, link_url=url, link_expires=link.expires, made=made, fonts=fonts)
    return Response(body, mimetype="application/pdf", headers={
        "Cache-Control": "no-store", "Content-Disposition": f'inline; filename="{pdf_filename(made)}"'})


# Upload ---------------------------------------------------------------------------------


@bp.get("/verify")
def upload() -> Any:
    return render_template("verifier/upload.html", log_key=_own_log_key(), error=None)


def _own_log_key() -> str:
    return shared_transcripts().log_key


def _refuse(message: str, code: str) -> Any:
    if wants_json():
        return error_response(400, code, message)
    return render_template("verifier/upload.html", log_key=_own_log_key(), error=message), 400


@bp.post("/verify")
def upload_check() -> Any:
    _limit()
    upload = request.files.get("bundle")
    raw = upload.read() if upload is not None else b""
    if not raw:
        return _refuse(gettext("Choose the transcript file (a .json file the student gave you) and try again."),
                       "no_file")
    try:
        bundle = json.loads(raw)
    except (ValueError, RecursionError):
        return _refuse(gettext("This file is not a credledger transcript: it is not JSON. Ask the student for the "
                               "file they downloaded from their credentials page."), "not_a_bundle")
    ledger = current_app.extensions["ledger"]
    if kind_of(bundle):  # an Open Badges 3.0 or CLR 2.0 file: checked against this site's DID documents
        data = check_credential(ledger, current_app.extensions["projections"], bundle)
        if wants_json():
            return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")
        template = "verifier/clr_result.html" if data["kind"] == "clr" else "verifier/badge_result.html"
        return render_template(template, result=credential_page_view(data),
                               filename=upload.filename if upload is not None else "")
    pasted = request.form.get("log_key", "").strip()
    policy = shared_transcripts().policy
    if pasted:
        # Parsed alone: a ValueError from verifying itself would be a fault of ours, not the pasted key.
        try:
            policy = VerificationPolicy.from_log_keys([pasted])
        except ValueError:
            return _refuse(gettext("The log key you pasted is not a log key. It looks like "
                                   "“name+1a2b3c4d+AbC…”; leave the field empty to use this site's own log."),
                           "bad_log_key")
    online = own_evidence(ledger, bundle) if not pasted else None
    try:
        data = check(bundle, policy, ledger.clock().date(), online=online)
    except BundleFormatError as e:
        return _refuse(gettext("This file is not a credledger transcript (%(why)s).", why=str(e)), "not_a_bundle")
    except RecursionError:
        return _refuse(gettext("This file is not a credledger transcript: it is nested too deeply."), "not_a_bundle")
    if wants_json():
        return Response(json.dumps(data, ensure_ascii=False), mimetype="application/json")
    own = data["checkpoint"]["origin"] == ledger.transparency_log.origin
    return render_template("verifier/result.html", result=page_view(data), source="file", link=None,
                           link_url=None, print_url=None, own_log=own, pasted_key=bool(pasted),
                           checked_online=isinstance(online, OnlineEvidence),
                           # A name in the file that did not open its commitments was altered (issue 13).
                           name_unproven=_disclosed_name(bundle) is not None and not data["student"].get("name"),
                           filename=upload.filename if upload is not None else "")
