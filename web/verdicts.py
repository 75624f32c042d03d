"""What a person reads first about each credential of a verified transcript: one verdict, in words.

    current    genuine and current: every check passed, including online ones (or the server built
               the result from its newest records)
    unknown    genuine, but whether it is still current was not checked (a file checked offline)
    expired    genuine, past its end date: it was valid and was not revoked
    replaced   replaced by a correction (revoked as superseded; the amended record replaces it)
    revoked    revoked by the institution, with the reason in words and the date it took effect
    altered    altered or not genuine: a check of the evidence itself failed; do not rely on it

Each verdict has its own words, icon and colour class, so status is never colour alone. Never
"current" without having checked: a step that was not checked keeps a verdict at "unknown".
Pure: reads the stable JSON of `web.verifier.result_json`.
"""

from __future__ import annotations

from typing import Any

from verifiers.protocol.status import EXPIRED, REVOCATION_REASONS, REVOKED, SUPERSEDED, is_withdrawn

# verdict: (colour class, icon, short words for counts)
VERDICTS = {
    "current": ("ok", "✓", "genuine and current"),
    "unknown": ("warn", "?", "genuine, current status not checked"),
    "expired": ("warn", "⌛", "expired (genuine)"),
    "replaced": ("warn", "↻", "replaced by a correction"),
    "revoked": ("bad", "✗", "revoked"),
    "altered": ("bad", "✗", "altered or not genuine"),
}
ORDER = ("altered", "revoked", "replaced", "expired", "unknown", "current")  # worst first
STATUS_STEPS = {"status", "current_status"}  # they fail for a revocation, which is not an alteration


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
    """The sentence at the top of a credential's card."""
    when = f" on {credential['revoked_on'][:10]}" if credential.get("revoked_on") else ""
    if verdict == "current":
        return "Genuine and current: issued by the institution shown, unchanged, and not revoked."
    if verdict == "unknown":
        return "Genuine, but whether it is still current was not checked: ask the site it comes from."
    if verdict == "expired":
        return f"Expired (genuine): it was valid and was not revoked; it ended on {credential['expires']}."
    if verdict == "replaced":
        return f"Replaced by a correction{when}: the institution issued an amended record instead of this one."
    if verdict == "revoked":
        reason = credential["status"].removeprefix(f"{REVOKED}: ")
        return f"Revoked{when}: {REVOCATION_REASONS.get(reason, reason)}. Do not rely on it."
    return "Altered or not genuine: a check of its evidence failed. Do not rely on anything it says."


def headline(verdicts: list[str]) -> str:
    """"4 genuine and current, 1 altered": every verdict counted, worst first."""
    counts = [(v, verdicts.count(v)) for v in ORDER if v in verdicts]
    return ", ".join(f"{n} {VERDICTS[v][2]}" for v, n in counts)


def worst(verdicts: list[str]) -> str | None:
    return next((v for v in ORDER if v in verdicts), None)
