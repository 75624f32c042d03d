"""The log asks its witnesses to cosign each new checkpoint (C2SP tlog-witness `add-checkpoint`).

After the log signs a checkpoint, the worker (`Witnessing.ask`) sends it to every configured witness
that has not cosigned it yet, all at once (one thread each, a short timeout), with the old size it
believes the witness holds (the largest checkpoint that witness cosigned for us, kept with its
cosignature; 0 at first) and the consistency proof from there. The answers the specification gives:

- 200: the cosignature lines; the one of that witness's pinned key is verified and kept beside the
  checkpoint (`log_cosignatures`), and `/log/checkpoint` and every exported bundle carry it.
- 409 with `text/x.tlog.size`: the witness holds another size. Smaller than ours: ask again from
  there (a witness that was down, or a first contact after a restart). The same size again, or
  larger than ours: the witness holds a checkpoint this log does not extend (a split view, or this
  store rolled back): reported, never retried into agreement.
- anything else (404 unknown log, 403 key not trusted, 422, 429, 5xx, unreachable): reported, and
  asked again at the next checkpoint.

A witness that is down never stops the log: the checkpoint is signed, stored and served first;
cosignatures join it as they arrive. The outcome of each request is returned for the worker's log.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ledger.errors import InputError
from ledger.log import MerkleLog
from verifiers.cosignature import CosignatureVerifier, cosignatures
from verifiers.errors import MalformedError
from verifiers.witness import SIZE_CONTENT_TYPE, add_checkpoint_body

TIMEOUT = 3.0  # seconds a witness may take to answer; the next checkpoint asks again
Post = Callable[[str, bytes], tuple[int, str, str]]  # (url, body) -> (status, body, content type); status 0: no answer


@dataclass(frozen=True)
class Witness:
    verifier: CosignatureVerifier
    url: str  # its submission prefix: requests go to <url>/add-checkpoint

    @classmethod
    def from_setting(cls, key: str, url: str) -> Witness:
        """InputError naming the field for a key that is not a witness key or a URL that is not http(s)."""
        try:
            verifier = CosignatureVerifier.from_key_string(key)
        except MalformedError as e:
            raise InputError.for_field("witness_key", f"not a witness verifier key ({e})") from None
        if not url.startswith(("https://", "http://")):
            raise InputError.for_field("url", "the witness's submission prefix is an http(s) URL")
        return cls(verifier, url.rstrip("/"))


def post_add_checkpoint(url: str, body: bytes) -> tuple[int, str, str]:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "text/plain", "User-Agent": "credledger-log"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.read(65536).decode("utf-8", "replace"), response.headers.get_content_type()
    except urllib.error.HTTPError as e:
        return e.code, e.read(4096).decode("utf-8", "replace"), e.headers.get_content_type()
    except (urllib.error.URLError, OSError) as e:
        return 0, str(getattr(e, "reason", e)), ""


class Witnessing:
    def __init__(self, log: MerkleLog, witnesses: Sequence[Witness], quorum: int = 0,
                 post: Post = post_add_checkpoint) -> None:
        if not 0 <= quorum <= len(witnesses):
            raise InputError.for_field("witness_quorum", f"between 0 and the {len(witnesses)} witnesses configured")
        self.log = log
        self.witnesses = list(witnesses)
        self.quorum = quorum
        self._post = post

    def published(self) -> str:
        """What /log/checkpoint serves: the newest checkpoint with a quorum of cosignatures (and all it
        has), or, until one has, the newest one (a log that waits for its first quorum is not blank)."""
        held = self.log.store.latest_checkpoint_cosigned_by(self.quorum) if self.quorum else None
        if held is None:
            return self.log.checkpoint()
        return held[2] + "".join(self.log.store.cosignature_lines(held[0]).values())

    def witnessed_latest(self) -> tuple[int, bytes, str]:
        """The latest checkpoint for a bundle: asked of the witnesses first when it lacks its quorum
        (one round, each at most TIMEOUT: an export right after an issuance carries its cosignatures)."""
        size, root, note = self.log.latest()
        if self.quorum and len(self.log.store.cosignature_lines(size)) < self.quorum:
            self.ask()
            size, root, note = self.log.latest()
        return size, root, note

    def ask(self) -> dict[str, str]:
        """Ask every witness that has not cosigned the latest checkpoint; {witness name: outcome}."""
        latest = self.log.store.latest_checkpoint()
        if latest is None or not self.witnesses:
            return {}
        size, _, note = latest
        have = self.log.store.cosignature_lines(size)
        outcomes: dict[str, str] = {}
        threads = [threading.Thread(target=lambda w=w: outcomes.__setitem__(w.verifier.name, self._ask(w, size, note)))
                   for w in self.witnesses if w.verifier.name not in have]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return outcomes

    def _ask(self, witness: Witness, size: int, note: str) -> str:
        old = self.log.store.latest_cosigned_size(witness.verifier.name) or 0
        for _ in range(2):  # once from what we believe, once from what a 409 told us
            proof = self.log.consistency_proof(old, size) if 0 < old < size else []
            status, text, content_type = self._post(f"{witness.url}/add-checkpoint",
                                                    add_checkpoint_body(old, proof, note))
            if status == 200:
                return self._keep(witness, size, note, text)
            if status == 409 and content_type == SIZE_CONTENT_TYPE and text.strip().isdigit():
                held = int(text.strip())
                if held >= size or held == old:
                    return (f"conflict: the witness holds a checkpoint of {held} entries that this log's "
                            f"{size} does not extend (a split view, or this store was rolled back)")
                old = held
                continue
            return f"refused: HTTP {status} {text.strip()[:200]}" if status else f"unreachable: {text[:200]}"
        return "conflict: the witness's size changed while it was asked"

    def _keep(self, witness: Witness, size: int, note: str, answer: str) -> str:
        lines = [line + "\n" for line in answer.splitlines() if line.startswith("\u2014 ")]
        for line in lines:
            try:
                found = cosignatures(note + line, [witness.verifier])
            except MalformedError:
                continue
            if found:
                self.log.store.insert_cosignature(size, witness.verifier.name, line, found[0].timestamp)
                return "cosigned"
        return "refused: the answer holds no valid cosignature of the witness's pinned key"
