"""Bytes each voter page sends: HTML plus the CSS and JavaScript it links (images excluded).

Builds stations for the three check-in modes and the four ballot rules from the
demo package, walks a voter through each, and weighs every page as served
(uncompressed: waitress does not compress). Target: every voter page under 60 KB.

    .venv/bin/python bench/page_weight.py
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from vallokal.election import crockford, keys, package as packages
from vallokal.kiosk import create_app, prepare, store

from vallokal.demo import demo_document

TARGET_BYTES = 60 * 1024
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LINKED = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')


def station(folder: Path, authority: Ed25519PrivateKey, **options):
    sealing = X25519PrivateKey.generate()
    document = demo_document(keys.public_text(authority), keys.public_text(sealing), datetime.now(timezone.utc), **options)
    app = create_app({"AUTHORITY_KEY": keys.public_text(authority), "SECRET_KEY": "bench"}, data_dir=folder)
    prepare(app)
    with app.app_context():
        now = datetime.now(timezone.utc)
        store.load_package(packages.build_file(document, authority), now)
        store.set_pin("24681357")
        store.open_polls(now)
    return app.test_client()


def weigh(client, path: str, response=None) -> tuple[int, int]:
    page = response if response is not None else client.get(path)
    html = page.get_data()
    linked = sum(len(client.get(url).get_data()) for url in LINKED.findall(html.decode("utf-8")))
    return len(html), linked


def post(client, path: str, token_from: str, **fields):
    token = CSRF.search(client.get(token_from).get_data(as_text=True)).group(1)
    return client.post(path, data={"csrf_token": token, **fields})


def main() -> None:
    authority = Ed25519PrivateKey.generate()
    rows: list[tuple[str, int, int]] = []
    code = crockford.make_code(os.urandom(16), 15)
    code_hash = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        client = station(root / "open", authority)
        rows.append(("welcome", *weigh(client, "/")))
        post(client, "/start", "/")
        rows.append(("eligibility (open check-in)", *weigh(client, "/eligibility")))
        post(client, "/eligibility", "/eligibility", confirm="yes")
        rows.append(("ballot, knapsack (12 projects)", *weigh(client, "/ballot")))
        over = post(client, "/ballot", "/ballot", project=["konstgras", "lekplats", "utegym", "belysning"])
        rows.append(("ballot with an error", *weigh(client, "/ballot", over)))
        rows.append(("project detail", *weigh(client, "/project/konstgras")))
        post(client, "/ballot", "/ballot", project=["konstgras", "lekplats"])
        rows.append(("review", *weigh(client, "/review")))
        post(client, "/cast", "/review")
        rows.append(("receipt with QR code", *weigh(client, "/receipt")))
        rows.append(("error page (404)", *weigh(client, "/missing")))

        client = station(root / "code", authority, check_in="code", code_hashes=[code_hash])
        post(client, "/start", "/")
        rows.append(("voting code entry", *weigh(client, "/code")))
        client = station(root / "staff", authority, check_in="staff")
        post(client, "/start", "/")
        rows.append(("staff activation on the tablet", *weigh(client, "/activate")))
        for name, rule in [
            ("approval", {"rule": "approval", "max_selections": 5}),
            ("ranking", {"rule": "ranking", "max_rank": 5}),
            ("points", {"rule": "points", "total": 10}),
        ]:
            client = station(root / name, authority, rule=rule)
            post(client, "/start", "/")
            post(client, "/eligibility", "/eligibility", confirm="yes")
            rows.append((f"ballot, {name} (12 projects)", *weigh(client, "/ballot")))

    print(f"{'page':36s} {'HTML':>8s} {'CSS+JS':>8s} {'total':>8s} {'of 60 KB':>9s}")
    for name, html, linked in rows:
        total = html + linked
        print(f"{name:36s} {html:8,d} {linked:8,d} {total:8,d} {total / TARGET_BYTES:8.0%}")
    heaviest = max(html + linked for _, html, linked in rows)
    print(f"heaviest page: {heaviest:,d} bytes, {heaviest / TARGET_BYTES:.2f} of the 60 KB target "
          f"({'met' if heaviest < TARGET_BYTES else 'NOT met'})")


if __name__ == "__main__":
    main()
