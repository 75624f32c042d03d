"""The JSON-LD contexts `verifiers.rdfc` canonicalizes with, bundled as package data (README.md here
says where each file comes from). `BUNDLED` maps each context URL to its parsed content; it is read
once, from this package's own files, and nothing is ever fetched."""

from __future__ import annotations

import json
from importlib import resources
from types import MappingProxyType
from typing import Any


def _read(name: str) -> Any:
    return json.loads(resources.files(__name__).joinpath(name).read_text(encoding="utf-8"))


BUNDLED: MappingProxyType[str, Any] = MappingProxyType({url: _read(name) for url, name in _read("index.json").items()})
