"""Where the key store passphrase comes from: the environment, else a terminal prompt."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable, Mapping
from typing import TextIO

from keys.errors import PassphraseError

__all__ = ["DEFAULT_ENV_VAR", "passphrase_from_env_or_prompt"]

DEFAULT_ENV_VAR = "CREDLEDGER_PASSPHRASE"


def passphrase_from_env_or_prompt(
    env_var: str = DEFAULT_ENV_VAR,
    confirm: bool = False,
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
    prompt: Callable[[str], str] = getpass.getpass,
) -> str:
    """Return the passphrase from ``env_var`` if set and non-empty, else ask on the terminal.

    ``confirm`` asks twice (use it when creating a store). Raises
    :class:`~keys.errors.PassphraseError` (a ``KeyStoreError``) when the variable
    is unset and stdin is not a terminal, when the answer is empty, or when the
    two answers differ. ``environ``, ``stdin`` and ``prompt`` are for tests.
    """
    environ = os.environ if environ is None else environ
    value = environ.get(env_var)
    if value:
        return value
    stdin = sys.stdin if stdin is None else stdin
    if stdin is None or not _isatty(stdin):
        raise PassphraseError(f"set {env_var} or run interactively")
    try:
        first = prompt("Key store passphrase: ")
        if not first:
            raise PassphraseError("the passphrase must not be empty")
        if confirm and prompt("Repeat the passphrase: ") != first:
            raise PassphraseError("the passphrases do not match")
    except (EOFError, KeyboardInterrupt):
        raise PassphraseError("no passphrase entered") from None
    return first


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # closed or replaced streams
        return False
