from __future__ import annotations

import io

import pytest

from keys.errors import KeyStoreError, PassphraseError
from keys.passphrase import passphrase_from_env_or_prompt


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def answers(*replies: str):
    queue = list(replies)
    asked = []

    def prompt(text: str) -> str:
        asked.append(text)
        if not queue:
            raise EOFError
        return queue.pop(0)

    prompt.asked = asked  # type: ignore[attr-defined]
    return prompt


def test_environment_variable_wins_without_prompting():
    prompt = answers()
    value = passphrase_from_env_or_prompt(
        environ={"CREDLEDGER_PASSPHRASE": "from-env"}, stdin=Terminal(), prompt=prompt
    )
    assert value == "from-env"
    assert prompt.asked == []


def test_custom_variable_name():
    assert passphrase_from_env_or_prompt("OTHER", environ={"OTHER": "x"}, stdin=io.StringIO()) == "x"


def test_no_variable_and_no_terminal_is_refused():
    with pytest.raises(PassphraseError, match="set CREDLEDGER_PASSPHRASE or run interactively"):
        passphrase_from_env_or_prompt(environ={}, stdin=io.StringIO(), prompt=answers("never"))


def test_empty_variable_counts_as_unset():
    with pytest.raises(PassphraseError):
        passphrase_from_env_or_prompt(environ={"CREDLEDGER_PASSPHRASE": ""}, stdin=io.StringIO())


def test_passphrase_error_is_a_key_store_error():
    assert issubclass(PassphraseError, KeyStoreError)


def test_prompt_on_a_terminal():
    assert passphrase_from_env_or_prompt(environ={}, stdin=Terminal(), prompt=answers("typed")) == "typed"


def test_confirm_asks_twice_and_accepts_a_match():
    prompt = answers("typed", "typed")
    assert passphrase_from_env_or_prompt(confirm=True, environ={}, stdin=Terminal(), prompt=prompt) == "typed"
    assert len(prompt.asked) == 2


def test_confirm_mismatch_is_refused_without_echoing_either():
    with pytest.raises(PassphraseError) as caught:
        passphrase_from_env_or_prompt(
            confirm=True, environ={}, stdin=Terminal(), prompt=answers("first-secret", "second-secret")
        )
    assert "secret" not in str(caught.value)


@pytest.mark.parametrize("replies", [("",), ()])
def test_empty_answer_or_end_of_input_is_refused(replies):
    with pytest.raises(PassphraseError):
        passphrase_from_env_or_prompt(environ={}, stdin=Terminal(), prompt=answers(*replies))


def test_missing_stdin_is_refused(monkeypatch):
    monkeypatch.setattr("sys.stdin", None)
    with pytest.raises(PassphraseError):
        passphrase_from_env_or_prompt(environ={})
