"""A share link's verified transcript as a PDF (`GET /v/<token>.pdf`), made with fpdf2.

The PDF says what the share page says, for a person holding paper: the student's name (the link
discloses it), the headline that counts the verdicts, and for each credential its verdict in words
with a mark, its name, institution, earned and expiry dates, and what failed if anything did; the
checkpoint of the public log it was verified against, when it was made, and a QR code of the live link
with "check it at <url>". Status is never colour alone: every verdict is a word and a mark that
survive black-and-white printing and photocopying (colour only repeats them).

Fonts: PDF core fonts know only Latin-1, which has neither a student's every name nor ✓ and ✗, so
DejaVu Sans is embedded (subset to the glyphs used), from Debian's `fonts-dejavu-core` (the
Makefile installs it) or the folder `CREDLEDGER_PDF_FONTS` names. DejaVu has no ⌛, the page's
mark for "expired", so the PDF marks an expired credential with ◷. Without the fonts no PDF is made
(`FontsMissing`, a 503): a transcript with a name misprinted is worse than none.

Pure but for reading the font files: takes `web.verifier.page_view` of the link's result.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import segno
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/dejavu", "/usr/local/share/fonts/dejavu")
FONT_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}

# verdict: the mark printed beside its words (the page's icons, but ◷ for ⌛, which DejaVu lacks)
MARKS = {"current": "✓", "unknown": "?", "expired": "◷", "replaced": "↻", "revoked": "✗", "altered": "✗"}
# verdict: the colour that repeats the words (grey on black-and-white paper; never the only sign)
COLOURS = {"ok": (0, 110, 50), "warn": (150, 90, 0), "bad": (180, 20, 20)}
INK = (20, 20, 20)
MUTED = (85, 85, 85)

PAGE = "letter"
MARGIN = 18.0  # mm
FOOTER = 14.0  # mm kept free at the foot of each page
QR_SIZE = 38.0  # mm: a code of a ~70-character link scans from a phone at arm's length
CARD_GAP = 5.0
STEP_LIMIT = 4  # failed steps listed on an altered credential's card at most (the page has them all)


class FontsMissing(RuntimeError):
    """The fonts the PDF embeds are not installed on this server."""


@dataclass(frozen=True)
class Fonts:
    regular: Path
    bold: Path


def find_fonts() -> Fonts:
    """DejaVu Sans, regular and bold, from `CREDLEDGER_PDF_FONTS` or Debian's folders."""
    wanted = os.environ.get("CREDLEDGER_PDF_FONTS")
    for folder in ((wanted,) if wanted else FONT_DIRS):
        base = Path(folder)
        paths = [base / FONT_FILES[""], base / FONT_FILES["B"]]
        if all(p.is_file() for p in paths):
            return Fonts(*paths)
    raise FontsMissing("the PDF fonts (DejaVu Sans, Debian's fonts-dejavu-core) are not installed")


def pdf_filename(made: datetime) -> str:
    """The download's name: no student name, no token (a file name travels: mail, disk, print queues)."""
    return f"verified-credentials-{made.date().isoformat()}.pdf"


def _utc(timestamp: str) -> str:
    return timestamp.replace("T", " ")[:16] + " UTC"


class _Document(FPDF):
    def __init__(self, fonts: Fonts, footer_text: str):
        super().__init__(orientation="P", unit="mm", format=PAGE)
        self.footer_text = footer_text
        self.add_font("sans", "", str(fonts.regular))
        self.add_font("sans", "B", str(fonts.bold))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + FOOTER)
        self.set_text_color(*INK)

    def footer(self) -> None:
        self.set_y(-(MARGIN + FOOTER / 2))
        self.set_font("sans", "", 8)
        self.set_text_color(*MUTED)
        self.cell(self.epw * 0.75, 5, self.footer_text, new_x=XPos.RIGHT, new_y=YPos.TOP)
        self.cell(self.epw * 0.25, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(*INK)

    def text_height(self, width: float, line: float, text: str) -> float:
        height = self.multi_cell(width, line, text, align="L", dry_run=True,
                                output=MethodReturnValue.HEIGHT)
        assert isinstance(height, (int, float))  # what output=HEIGHT returns
        return float(height)

    def qr(self, url: str, x: float, y: float, size: float) -> None:
        """The link as a QR code of filled squares (vector: sharp at any print size)."""
        rows = list(segno.make(url, error="m", micro=False).matrix_iter(scale=1, border=4))
        module = size / len(rows)
        self.set_fill_color(255, 255, 255)
        self.rect(x, y, size, size, style="F")
        self.set_fill_color(0, 0, 0)
        for r, row in enumerate(rows):
            for start, length in _runs(row):
                self.rect(x + start * module, y + r * module, length * module, module, style="F")
        self.link(x, y, size, size, url)


def _runs(row: Any) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of dark modules in a row of the matrix."""
    start = None
    for i, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = i
        elif not dark and start is not None:
            yield start, i - start
            start = None


def transcript_pdf(result: dict[str, Any], *, link_url: str, link_expires: str, made: datetime,
                   fonts: Fonts | None = None) -> bytes:
    """The PDF of a link's `page_view` result."""
    fonts = fonts or find_fonts()
    name = result["student"].get("name")
    made_text = made.strftime("%Y-%m-%d %H:%M UTC")
    doc = _Document(fonts, f"A verified transcript, made by credledger on {made_text}")
    doc.set_title(f"Credentials of {name}" if name else "Credentials")
    doc.set_subject("A verified transcript of credentials, from a share link")
    doc.set_creator("credledger")
    doc.set_lang("en")
    doc.set_creation_date(made)
    doc.add_page()
    _head(doc, result, name, link_url, link_expires, made_text)
    credentials = result["credentials"]
    if not credentials:
        doc.set_font("sans", "B", 12)
        doc.multi_cell(doc.epw, 7, "✗ This transcript holds no credentials: there is nothing to rely on.", align="L")
    for credential in credentials:
        _card(doc, credential)
    return bytes(doc.output())


def _head(doc: _Document, result: dict[str, Any], name: str | None, link_url: str, link_expires: str,
          made_text: str) -> None:
    top = doc.get_y()
    text_width = doc.epw - QR_SIZE - 8
    doc.set_font("sans", "B", 20)
    doc.multi_cell(text_width, 9, f"Credentials of {name}" if name else "Credentials",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    doc.set_font("sans", "", 9)
    doc.set_text_color(*MUTED)
    doc.multi_cell(text_width, 4.5, "The name is proven: it matches what each school signed." if name else
                   "The link discloses no name.", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    doc.set_text_color(*INK)
    doc.ln(3)
    n = len(result["credentials"])
    if not n:
        headline, colour, mark = "Nothing to rely on: no credentials.", "bad", "✗"
    elif result["all_current"]:
        every = "the credential is" if n == 1 else f"all {n} credentials are"
        headline, colour, mark = f"Verified: {every} genuine and current.", "ok", "✓"
    else:
        headline = result["headline"][:1].upper() + result["headline"][1:] + "."
        colour, mark = result["headline_class"], MARKS.get(result["worst"] or "", "✗")
    doc.set_font("sans", "B", 13)
    doc.set_text_color(*COLOURS.get(colour, INK))
    doc.multi_cell(text_width, 6.5, f"{mark} {headline}", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    doc.set_text_color(*INK)
    doc.ln(2)
    doc.set_font("sans", "", 9.5)
    checkpoint = result["checkpoint"]
    doc.multi_cell(text_width, 5, f"Verified against the public log {checkpoint['origin'] or 'unknown'}, "
                   f"a signed tree of {checkpoint['size']} entries, on {made_text}.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    # The live link, under the code at the page's full width: on one line when it can be (smaller
    # type rather than a break inside the address).
    doc.qr(link_url, doc.l_margin + doc.epw - QR_SIZE, top, QR_SIZE)
    doc.set_y(max(doc.get_y() + 1, top + QR_SIZE + 2))
    doc.multi_cell(doc.epw, 5, "Check it at", new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    size = 10.0
    doc.set_font("sans", "B", size)
    while size > 7 and doc.get_string_width(link_url) > doc.epw - 1:
        size -= 0.5
        doc.set_font("sans", "B", size)
    doc.multi_cell(doc.epw, 5, link_url, new_x=XPos.LMARGIN, new_y=YPos.NEXT, link=link_url, align="L")
    doc.set_font("sans", "", 9.5)
    doc.multi_cell(doc.epw, 5, f"or scan the code (the link works until {_utc(link_expires)}): the page shows "
                   "the credentials as they are then, each check in plain words.",
                   new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
    doc.ln(4)
    doc.set_draw_color(*MUTED)
    doc.set_line_width(0.3)
    doc.line(doc.l_margin, doc.get_y(), doc.l_margin + doc.epw, doc.get_y())
    doc.ln(CARD_GAP)


def _card_lines(credential: dict[str, Any]) -> list[tuple[str, float, str]]:
    """The card's lines below its verdict: (font style, size, text)."""
    lines = [("B", 12, credential["name"] or credential["credential"] or "Unknown credential"),
             ("", 9.5, f"Recorded by {credential['issuer_name'] or credential['issuer']}"),
             ("", 9.5, f"Earned {credential['earned'] or 'unknown'} · "
                       f"{'Expires ' + credential['expires'] if credential['expires'] else 'Does not expire'}")]
    failed = [s for s in credential["steps"] if s["ok"] is False]
    passed = sum(s["ok"] is True for s in credential["steps"])
    checks = f"{passed} of {len(credential['steps'])} checks passed"
    if credential["verdict"] == "altered":  # what failed, in the verifier's words
        for step in failed[:STEP_LIMIT]:
            lines.append(("", 8.5, f"✗ {step['title']}: {step['detail']}"))
        if len(failed) > STEP_LIMIT:
            lines.append(("", 8.5, f"… and {len(failed) - STEP_LIMIT} more failed checks: open the link."))
    elif failed:  # revoked or replaced: the record is genuine, its status is what failed
        lines.append(("", 8.5, f"{checks}: the record is genuine and unchanged; its status checks "
                               "failed because the institution withdrew it."))
    else:
        lines.append(("", 8.5, f"{checks}; none failed (the rest were not needed or do not apply)."))
    return lines


def _card(doc: _Document, credential: dict[str, Any]) -> None:
    """One credential in a box, kept on one page (a new page when it would not fit)."""
    pad, inner = 4.0, doc.epw - 8.0 - 14.0
    verdict = credential["verdict"]
    mark = MARKS.get(verdict, "✗")
    head = f"{credential['verdict_words'][:1].upper()}{credential['verdict_words'][1:]}"
    lines = _card_lines(credential)
    doc.set_font("sans", "B", 11)
    height = doc.text_height(inner, 5.5, head)
    doc.set_font("sans", "", 9.5)
    height += doc.text_height(inner, 5, credential["verdict_line"]) + 2
    for style, size, text in lines:
        doc.set_font("sans", style, size)
        height += doc.text_height(inner, size * 0.5, text)
    height += 2 * pad
    if doc.get_y() + height > doc.h - doc.b_margin:
        doc.add_page()
    x, y = doc.l_margin, doc.get_y()
    colour = COLOURS.get(credential["verdict_class"], INK)
    doc.set_draw_color(*colour)
    doc.set_line_width(0.4 if verdict == "current" else 0.8)  # a heavier frame for what needs a second look
    doc.rect(x, y, doc.epw, height)
    # The mark, large, in its own column: legible in black and white.
    doc.set_xy(x + pad, y + pad)
    doc.set_font("sans", "B", 18)
    doc.set_text_color(*colour)
    doc.cell(10, 8, mark, align="C")
    text_x = x + pad + 14
    doc.set_xy(text_x, y + pad)
    doc.set_font("sans", "B", 11)
    doc.multi_cell(inner, 5.5, head, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    doc.set_text_color(*INK)
    doc.set_font("sans", "", 9.5)
    doc.multi_cell(inner, 5, credential["verdict_line"], new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    doc.ln(2)
    doc.set_x(text_x)
    for style, size, text in lines:
        doc.set_font("sans", style, size)
        doc.set_text_color(*(INK if style == "B" or size > 9 else MUTED))
        doc.multi_cell(inner, size * 0.5, text, new_x=XPos.LEFT, new_y=YPos.NEXT, align="L")
    doc.set_text_color(*INK)
    doc.set_xy(doc.l_margin, y + height + CARD_GAP)
