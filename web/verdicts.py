"""What a person reads first about each credential of a verified transcript: one verdict, in words.

    current    genuine and current: every check passed, including online ones (or the server built
               the result from its newest records)
    unknown    genuine, but whether it is still current was not checked (a file checked offline)
    expired    genuine, past its end date: it was valid and was not revoked
    replaced   replaced by a correction (revoked as superseded; the amended record replaces it)
    revoked    revoked by the institution, with the reason in words and the date it took effect
    altered    altered or not genuine: a check of the evidence itself failed; do not rely on it
    unchecked  (badges and CLRs only) from another site, whose keys this verifier does not fetch

The same words for transcript bundles, Open Badges and CLRs (web.badge_verifier maps a badge's steps
onto them), on the page and in `credledger verify`.

Each verdict has its own words, icon and colour class, so status is never colour alone. Never
"current" without having checked: a step that was not checked keeps a verdict at "unknown".
Pure but for the page's language (web.i18n): reads the stable JSON of `web.verifier.result_json`.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext, lazy_gettext as _l, ngettext

from verifiers.protocol.status import ACTIVE, EXPIRED, REVOKED, SUPERSEDED, is_withdrawn
from web.i18n import day

# verdict: (colour class, icon, short words for a badge)
VERDICTS = {
    "current": ("ok", "✓", _l("genuine and current")),
    "unknown": ("warn", "?", _l("genuine, current status not checked")),
    "expired": ("warn", "⌛", _l("expired (genuine)")),
    "replaced": ("warn", "↻", _l("replaced by a correction")),
    "revoked": ("bad", "✗", _l("revoked")),
    "altered": ("bad", "✗", _l("altered or not genuine")),
    # An uploaded badge of another site: this verifier fetches no other site's keys (web.badge_verifier).
    "unchecked": ("warn", "?", _l("not checked: from another site")),
}
ORDER = ("altered", "revoked", "replaced", "expired", "unknown", "current")  # worst first
STATUS_STEPS = {"status", "current_status"}  # they fail for a revocation, which is not an alteration
# Why an award was revoked, in the page's words (the verifiers' REVOCATION_REASONS are the command line's).
REASON_WORDS = {
    "issued_in_error": _l("recorded by mistake"),
    SUPERSEDED: _l("replaced by a corrected award (amendment)"),
    "evidence_withdrawn": _l("the certifying body withdrew or voided the result"),
    "misconduct": _l("obtained by cheating or fraud"),
    "other": _l("another reason, explained in the note"),
}
STATUS_WORDS = {ACTIVE: _l("active"), EXPIRED: _l("expired"), SUPERSEDED: _l("replaced by a correction"),
                REVOKED: _l("revoked")}

# The evidence names the console's CSV format uses (web.imports), in the page's words; others as written.
EVIDENCE_NAMES = {"certificate": _l("certificate number"), "license_number": _l("license number"),
                  "score": _l("score"), "level": _l("level")}


def evidence_view(credential: dict[str, Any]) -> list[dict[str, str]]:
    """The evidence the institution signed (certificate or license number, score…), each named in words."""
    return [{"name": str(EVIDENCE_NAMES.get(name) or name.replace("_", " ")), "value": str(value)}
            for name, value in credential["evidence"].items()]


def reason_in_words(reason: str) -> str:
    return str(REASON_WORDS[reason]) if reason in REASON_WORDS else reason


def status_words(status: str) -> str:
    """A status for a person, in the page's language: "revoked: misconduct" → "revoked (obtained by
    cheating or fraud)" (verifiers.protocol.status.status_in_words, translated)."""
    if status.startswith(f"{REVOKED}: "):
        return gettext("revoked (%(reason)s)", reason=reason_in_words(status.removeprefix(f"{REVOKED}: ")))
    return str(STATUS_WORDS[status]) if status in STATUS_WORDS else status


def verdict_of(credential: dict[str, Any], live_detail: str) -> str:
    status: str = credential["status"]
    steps = {s["step"]: s for s in credential["steps"]}
    failed = {name for name, s in steps.items() if s["ok"] is False}
    withdrawn = is_withdrawn(status)
    if status == "unknown" or failed - STATUS_STEPS or (failed and not withdrawn):
        return "altered"
    if status == SUPERSEDED:
        return "replaced"
    if withdrawn:
        return "revoked"
    if status == EXPIRED:
        return "expired"
    current = steps.get("current_status")
    checked = current is not None and (current["ok"] is True or current["detail"] == live_detail)
    return "current" if checked else "unknown"


def verdict_line(credential: dict[str, Any], verdict: str) -> str:
    """The sentence at the top of a credential's card, in the page's language."""
    when = day(credential.get("revoked_on"))
    if verdict == "current":
        return gettext("Genuine and current: recorded by the institution shown, unchanged, and not revoked.")
    if verdict == "unknown":
        return gettext("Genuine, but whether it is still current was not checked: ask the site it comes from.")
    if verdict == "expired":
        return gettext("Expired (genuine): it was valid and was not revoked; it ended on %(day)s.",
                       day=day(credential["expires"]))
    if verdict == "replaced":
        if when:
            return gettext("Replaced by a correction on %(day)s: the institution issued an amended record instead "
                           "of this one.", day=when)
        return gettext("Replaced by a correction: the institution issued an amended record instead of this one.")
    if verdict == "revoked":
        reason = reason_in_words(credential["status"].removeprefix(f"{REVOKED}: "))
        if when:
            return gettext("Revoked on %(day)s: %(reason)s. Do not rely on it.", day=when, reason=reason)
        return gettext("Revoked: %(reason)s. Do not rely on it.", reason=reason)
    return gettext("Altered or not genuine: a check of its evidence failed. Do not rely on anything it says.")


def _counted(verdict: str, n: int) -> str:
    """"4 genuine and current": the count agrees with its words (Spanish adjectives have a plural)."""
    words = {
        "current": lambda: ngettext("%(num)d genuine and current", "%(num)d genuine and current", n),
        "unknown": lambda: ngettext("%(num)d genuine, current status not checked",
                                    "%(num)d genuine, current status not checked", n),
        "expired": lambda: ngettext("%(num)d expired (genuine)", "%(num)d expired (genuine)", n),
        "replaced": lambda: ngettext("%(num)d replaced by a correction", "%(num)d replaced by a correction", n),
        "revoked": lambda: ngettext("%(num)d revoked", "%(num)d revoked", n),
        "altered": lambda: ngettext("%(num)d altered or not genuine", "%(num)d altered or not genuine", n),
    }
    return words[verdict]()


def headline(verdicts: list[str]) -> str:
    """"4 genuine and current, 1 altered": every verdict counted, worst first."""
    return ", ".join(_counted(v, verdicts.count(v)) for v in ORDER if v in verdicts)


def worst(verdicts: list[str]) -> str | None:
    return next((v for v in ORDER if v in verdicts), None)
