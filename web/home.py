"""The front page: what this ledger holds, until the full web console lands."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template_string

bp = Blueprint("home", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>credledger</title></head>
<body>
<h1>credledger</h1>
<p>Signed, auditable records of industry-recognized credentials.</p>
<h2>Issuers</h2>
<ul>{% for i in issuers %}<li>{{ i.name }} ({{ i.kind }}) <code>{{ i.did }}</code></li>{% endfor %}</ul>
<h2>Catalog</h2>
<ul>{% for c in credentials %}<li>{{ c.fields.name }} ({{ c.fields.certifyingBody }})</li>{% endfor %}</ul>
<p>The issuer console, student pages and public verifier arrive with the web release.
Use the <code>credledger</code> command line meanwhile.</p>
</body></html>"""


@bp.get("/")
def index() -> str:
    ledger = current_app.extensions["ledger"]
    return render_template_string(PAGE, issuers=ledger.issuers(), credentials=ledger.credentials())
