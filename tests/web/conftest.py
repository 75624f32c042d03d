"""The console's demo world (tests.web.test_console.make_env), one per test module that asks for `env`
and does not make its own."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.web.test_console import Env, make_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Env]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("web.security.SCRYPT_N", 2**10)  # staff passwords: fast in tests
        environment = make_env(tmp_path_factory.mktemp(request.module.__name__.rsplit(".", 1)[-1]) / "instance")
        yield environment
    environment.ledger.close()
