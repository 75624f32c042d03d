"""Which passwords staff may choose: one rule, `password_problem()`, asked wherever a password is set
(adding an account in the console or with `credledger user add`, a change, an administrator's reset).

Length is what counts most (NIST SP 800-63B): at least 10 characters. Beyond that only what an
attacker tries first is refused: the few hundred most common passwords (`common-passwords.txt`,
shipped with the code, no network), those with digits or symbols stuck on either end, a repeated
pattern such as `aaaaaaaaaa` or `abcabcabcabc`, digits alone, and the account's own email or name.
"""

from __future__ import annotations

import functools
import re
import string
from importlib import resources

MIN_LENGTH = 10
MAX_LENGTH = 256  # scrypt takes any length; a cap keeps a megabyte "password" from being hashed
_AFFIXES = string.digits + string.punctuation + " "


@functools.cache
def common_passwords() -> frozenset[str]:
    text = resources.files("web").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _letters(text: str) -> str:
    return re.sub(r"[\W_]", "", text.lower())


def password_problem(password: str, email: str, name: str) -> str | None:
    """Why `password` may not be used for this account, in words for the form; None when it may."""
    if len(password) < MIN_LENGTH:
        return f"at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"at most {MAX_LENGTH} characters"
    lower = password.lower()
    core = lower.strip(_AFFIXES)
    if not core:
        return "not digits and symbols alone"
    if re.fullmatch(r"(.+?)\1+", lower) or re.fullmatch(r"(.+?)\1+", core):
        return "not a repeated pattern"
    if lower in common_passwords() or core in common_passwords():
        return "not one of the most common passwords"
    local = email.strip().lower().partition("@")[0]
    own = {_letters(email), _letters(local), _letters(name)} | {_letters(p) for p in name.split() if len(p) > 2}
    if {_letters(password), _letters(core)} & (own - {""}):
        return "not your email or name"
    return None
