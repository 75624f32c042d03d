"""Spanish for the student and employer pages (web.i18n): a catalog with every message translated,
its compiled copy current, and every page rendered in Spanish with no English sentence left.

Two nets, so that an untranslated string fails whichever way it slipped through:
- the catalog: every message extracted from the sources (babel.cfg, as `make translations` does)
  has a Spanish translation, none fuzzy, with the same placeholders; the committed `.mo` says the
  same as the `.po`;
- the pages: each page is rendered in English and in Spanish from the same state, and a visible
  text (or a label a screen reader reads) that is the same in both is English left in the Spanish
  page, unless it is data (names of people, credentials, institutions) or marked `lang="en"` (the
  verifier's technical detail and the state rules' words, English on purpose).
"""

from __future__ import annotations

import copy
import io
import itertools
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient

from ledger.export import export_bundle
from tests.support import make_demo_world
from web.accounts import Accounts
from web.i18n import COOKIE
from web.sharing import Sharing

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "web" / "translations" / "es" / "LC_MESSAGES"
KEYWORDS = DEFAULT_KEYWORDS | {"_l": None, "lazy_gettext": None}
# Names that are the same in both languages: products, formats, the tool.
BRANDS = ("Open Badges 3.0", "Open Badge", "CLR 2.0", "LinkedIn", "credledger verify", "Learner Credential Wallet")
_addresses = itertools.count(1)


# The catalog ------------------------------------------------------------------------------


def extracted() -> set[str | tuple[str, ...]]:
    with open(ROOT / "babel.cfg", encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    return {message for _, _, message, *_ in extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)}


def spanish() -> Any:
    with open(CATALOG / "messages.po", "rb") as po:
        return read_po(po, locale="es")


def test_every_message_of_those_pages_has_a_spanish_translation() -> None:
    catalog = spanish()
    messages = extracted()
    assert len(messages) > 300  # the extraction found the templates and the modules
    untranslated = []
    for message in messages:
        key = message[0] if isinstance(message, tuple) else message
        entry = catalog.get(key)
        strings = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry is None or entry.fuzzy or not strings or not all(s.strip() for s in strings):
            untranslated.append(key)
    assert untranslated == []


def test_translations_keep_their_placeholders() -> None:
    catalog = spanish()
    problems = [(message.id, [str(e) for e in errors]) for message, errors in catalog.check() if errors]
    assert problems == []
    for message in catalog:
        if message.id and not isinstance(message.id, tuple):
            assert re.findall(r"%\(\w+\)\w", message.id) == re.findall(r"%\(\w+\)\w", message.string), message.id


def test_the_committed_mo_says_what_the_po_says() -> None:
    def entries(catalog: Any) -> dict[Any, Any]:
        return {_hashable(m.id): _hashable(m.string) for m in catalog if m.id and not m.fuzzy}

    with open(CATALOG / "messages.mo", "rb") as mo:
        compiled = entries(read_mo(mo))
    written = entries(spanish())
    assert compiled == written, "run `make translations` and commit web/translations"


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, (list, tuple)) else value


# The pages --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    world = make_demo_world(Path(tmp_path_factory.mktemp("i18n")) / "i", students=8,
                            app_config={"VERIFY_RATE_LIMIT": (10_000, 60)})
    ledger, app = world.ledger, world.app
    projections = app.extensions["projections"]
    projections.catch_up()
    today = ledger.clock().date()
    # The student with the most credentials, one of them revoked now (a reason and a date to translate).
    student = max((s["student"] for s in projections.students()),
                  key=lambda s: len(projections.transcript(s, today)["awards"]))
    awards = [a["award"] for a in projections.transcript(student, today)["awards"] if a["status"] == "active"]
    ledger.revoke(awards[-1], "issued_in_error", "Entered for the wrong student")
    ledger.transparency_log.integrate()
    projections.catch_up()
    # A link to chosen credentials, the revoked one among them: every verdict's words on one page.
    token = Sharing(ledger.store).create(student, "Application", awards=awards, days=30, now=datetime.now(timezone.utc))
    from ledger.vc.clr import clr_credential

    clr = clr_credential(ledger, student)  # its name is the signed file's, not the page's words
    yield {"ledger": ledger, "app": app, "student": student, "awards": awards, "token": token, "clr": clr}
    ledger.close()


def client(app: Flask, language: str) -> FlaskClient:
    c = app.test_client()
    c.environ_base["REMOTE_ADDR"] = f"10.5.0.{next(_addresses)}"
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = {"es": "es-MX,es;q=0.9,en;q=0.5", "en": "en-US,en;q=0.9"}[language]
    return c


def csrf(c: FlaskClient) -> str:
    c.get("/claim")
    with c.session_transaction() as session:
        return str(session["csrf"])


def student_client(env: dict[str, Any], language: str) -> FlaskClient:
    c = client(env["app"], language)
    code = Accounts(env["ledger"].store).add_claim(env["student"], "riverbend")
    assert c.post("/claim", data={"code": code, "csrf_token": csrf(c)}).status_code == 302
    return c


def upload(c: FlaskClient, document: Any) -> str:
    data = {"csrf_token": csrf(c), "bundle": (io.BytesIO(json.dumps(document).encode()), "file.json")}
    return c.post("/verify", data=data, content_type="multipart/form-data").get_data(as_text=True)


class Visible(HTMLParser):
    """The texts a person sees or hears (text, and the labels and titles of elements), each with
    whether it sits inside an element marked `lang="en"`."""

    SPOKEN = ("aria-label", "title", "placeholder", "data-label", "alt")

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[tuple[str, bool]] = []
        self._stack: list[tuple[str, bool]] = []
        self.lang: str | None = None

    @property
    def _english(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.lang = values.get("lang")
        english = values.get("lang") == "en" or (self._english and "lang" not in values)
        for name in self.SPOKEN:
            if values.get(name):
                self.texts.append((str(values[name]), english))
        if tag not in ("br", "img", "input", "meta", "link", "hr"):
            self._stack.append((tag, english))

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            if self._stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        if data.strip() and not any(tag in ("script", "style") for tag, _ in self._stack):
            self.texts.append((" ".join(data.split()), self._english))


def visible(html: str) -> Visible:
    parser = Visible()
    parser.feed(html)
    return parser


def data_of(env: dict[str, Any]) -> list[str]:
    """What a page shows as data, the same in any language: names of the student, credentials,
    certifying bodies, institutions, the revocation note, the link's label."""
    ledger = env["ledger"]
    awards = env["app"].extensions["projections"].transcript(env["student"], ledger.clock().date())["awards"]
    names = [ledger.identity(env["student"]).claims["name"], "Application", "Entered for the wrong student",
             env["clr"]["name"],
             *(i.name for i in ledger.issuers())]
    for a in awards:
        names += [a["name"], a["certifying_body"], a["issuer_name"], a.get("custodian_name") or ""]
    return sorted({n for n in names if n}, key=len, reverse=True) + list(BRANDS)


def english_left(english: str, spanish_page: str, data: list[str]) -> list[str]:
    """The Spanish page's texts that are word for word the English page's, data and `lang="en"` aside."""
    seen_in_english = {text for text, _ in visible(english).texts}
    left = []
    for text, marked_english in visible(spanish_page).texts:
        if marked_english or text not in seen_in_english:
            continue
        rest = text
        for value in data:
            rest = rest.replace(value, " ")
        words = [t for t in rest.split() if re.fullmatch(r"[(“\"]?[A-Za-z][a-z’']+[.,;:!?)”\"]*", t)]
        if len(words) >= 2:  # a sentence or a phrase, not a code, an address or a file name
            left.append(text)
    return left


def pages(env: dict[str, Any], language: str) -> dict[str, str]:
    """Every student and employer page, in `language`."""
    app, ledger, student = env["app"], env["ledger"], env["student"]
    me = student_client(env, language)
    anyone = client(app, language)
    out = {path: me.get(path).get_data(as_text=True)
           for path in ("/me/", "/me/share", "/me/links", "/me/disclosures", "/me/download")}
    out["share created"] = me.post("/me/share", data={"csrf_token": csrf(me), "label": "Application", "days": "7",
                                                      "scope": "chosen", "award": env["awards"][0]}).get_data(as_text=True)
    out["share refused"] = me.post("/me/share", data={"csrf_token": csrf(me), "days": "0"}).get_data(as_text=True)
    token = env["token"]
    for path in ("/", "/claim", "/claim/ABCD-EFGH", "/verify", f"/v/{token}", f"/v/{token}/print", "/v/no-such-link",
                 "/no-such-page", "/issuers/", "/issuers/riverbend"):
        out[path] = anyone.get(path).get_data(as_text=True)
    bundle = export_bundle(ledger, student, only=env["awards"][:2], disclose=["name"])
    out["upload"] = upload(anyone, bundle)
    forged = copy.deepcopy(bundle)
    forged["streams"][env["awards"][0]][0]["event"]["evidence"]["certificate"] = "FORGED-0000001"
    out["upload forged"] = upload(anyone, forged)
    out["upload refused"] = upload(anyone, {"format": "something/else"})
    from ledger.vc.openbadge import open_badge

    out["badge"] = upload(anyone, open_badge(ledger, env["awards"][0]))
    out["clr"] = upload(anyone, env["clr"])
    return out


def test_every_page_in_spanish_has_no_english_left(env: dict[str, Any]) -> None:
    english, spanish_pages, data = pages(env, "en"), pages(env, "es"), data_of(env)
    assert set(english) == set(spanish_pages)
    left = {name: english_left(english[name], page, data) for name, page in spanish_pages.items()}
    assert {name: texts for name, texts in left.items() if texts} == {}
    for name, page in spanish_pages.items():
        assert visible(page).lang == "es", name
        assert visible(english[name]).lang == "en", name


def test_the_net_catches_an_english_sentence() -> None:
    english = '<html lang="en"><p>Genuine and current.</p><p lang="en">technical detail</p></html>'
    assert english_left(english, english.replace('lang="en">', 'lang="es">', 1), []) == ["Genuine and current."]
    assert english_left(english, '<html lang="es"><p>Auténtica y vigente.</p><p lang="en">technical detail</p></html>',
                        []) == []


def test_spanish_verifier_reads_as_spanish(env: dict[str, Any]) -> None:
    page = client(env["app"], "es").get(f"/v/{env['token']}").get_data(as_text=True)
    assert "Credenciales de " in page and "auténtica y vigente" in page
    assert "Cómo se comprobó" in page
    revoked = re.search(r"Revocada el (\d{1,2} de \w+ de \d{4}): registrada por error\. No confíe en ella\.", page)
    assert revoked, "a revocation in words, its date in Spanish"
    # The evidence numbers, named in Spanish.
    assert "número de certificado" in page


def test_the_switch_changes_the_language_and_remembers_it(env: dict[str, Any]) -> None:
    c = client(env["app"], "en")
    page = c.get("/verify").get_data(as_text=True)
    assert '<html lang="en">' in page and 'href="?lang=es"' in page and ">Español</a>" in page
    assert "Vary" in c.get("/verify").headers and "Accept-Language" in c.get("/verify").headers["Vary"]
    switched = c.get("/verify?lang=es")
    assert '<html lang="es">' in switched.get_data(as_text=True)
    cookie = c.get_cookie(COOKIE)
    assert cookie is not None and cookie.value == "es" and cookie.http_only  # the language code, nothing else
    again = c.get("/verify").get_data(as_text=True)  # the browser still says English; the choice stands
    assert '<html lang="es">' in again and 'href="?lang=en"' in again and ">English</a>" in again
    assert "Verificar el archivo de un expediente" in again
    back = c.get("/verify?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in back and c.get_cookie(COOKIE).value == "en"  # type: ignore[union-attr]


def test_the_switch_never_links_off_the_site(env: dict[str, Any]) -> None:
    page = client(env["app"], "es").get("//elsewhere.example/x").get_data(as_text=True)  # a 404 page, in Spanish
    assert '<html lang="es">' in page and "elsewhere.example" not in page and 'href="?lang=en"' in page


def test_an_unknown_language_is_ignored(env: dict[str, Any]) -> None:
    c = client(env["app"], "en")
    page = c.get("/verify?lang=xx").get_data(as_text=True)
    assert '<html lang="en">' in page and c.get_cookie(COOKIE) is None


def test_english_stays_the_default(env: dict[str, Any]) -> None:
    c = env["app"].test_client()  # no Accept-Language at all
    assert '<html lang="en">' in c.get("/verify").get_data(as_text=True)
    c.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr-FR,de;q=0.8"
    assert '<html lang="en">' in c.get("/verify").get_data(as_text=True)


def test_staff_pages_stay_english_without_a_switch(env: dict[str, Any]) -> None:
    c = client(env["app"], "es")
    page = c.get("/login?lang=es").get_data(as_text=True)
    assert '<html lang="en">' in page and "?lang=" not in page
    assert c.get_cookie(COOKIE) is None


def test_machines_get_the_same_json_in_any_language(env: dict[str, Any]) -> None:
    english = client(env["app"], "en").get(f"/v/{env['token']}.json").get_json()
    spanish_json = client(env["app"], "es").get(f"/v/{env['token']}.json").get_json()
    assert english == spanish_json
