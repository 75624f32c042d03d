"""The demo: a realistic, entirely fictional district, and its people's links.

    catalog    the demo catalog (DOMAIN.md's sample) and its illustrative state listings
    district   `load_demo`: issuers, students, awards, a roster share, a transfer, a key rotation
    people     the demo's staff accounts and fresh claim and share links (what `credledger demo` prints)
"""
