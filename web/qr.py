"""QR codes for share links, as inline SVG (no image request, no inline style).

`segno` writes the code as one `<path>` with presentation attributes only
(`stroke`, `fill`), which the Content-Security-Policy allows; no `style`
attribute and no script. The SVG scales to the `.qr` box of the stylesheet
through its viewBox.
"""

from __future__ import annotations

import segno
from markupsafe import Markup

# Level M restores up to 15% of a damaged or smudged print: enough for a
# printed page, while a 60-character link still fits in a version 4–5 code.
ERROR_LEVEL = "m"


def qr_svg(text: str, *, title: str = "QR code") -> Markup:
    """An `<svg class="qr">` element encoding `text`, safe to put in a template as is."""
    if not text:
        raise ValueError("nothing to encode")
    code = segno.make(text, error=ERROR_LEVEL, micro=False)
    # segno escapes the title; the path data is digits and letters only.
    svg = code.svg_inline(scale=1, border=4, omitsize=True, svgclass="qr", lineclass=None, title=title,
                          dark="#000", light="#fff")
    return Markup(svg)
