#!/usr/bin/env python3
"""Screenshots for docs/screens/, for municipalities to review: run `.venv/bin/python scripts/screens.py`.

Builds a station with a demo election in a scratch folder, serves it on loopback and
photographs its pages in Debian's Chromium through Playwright (no browser download).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path

import waitress.server
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from playwright.sync_api import sync_playwright

from vallokal.demo import demo_document
from vallokal.election import keys, package as packages, rules, voting_codes
from vallokal.kiosk import create_app, prepare, store
from vallokal.election.material import Draft
from vallokal.sync.office import audio
from vallokal.sync.office.authority import code_sheet

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE / "tests" / "browser"))
from accessibility import each_page_of_every_check_in, multilingual  # noqa: E402 (the walk the accessibility tests take)

VOTER_SCREENS = {"sv": {"language": "sv"}, "ar": {"language": "ar"}, "sv-high-contrast": {"language": "sv", "contrast": "dark"}}
PIN = "24681012"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def station(folder: Path, codes: list[str]) -> tuple[object, str]:
    authority, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    now = datetime.now(timezone.utc)
    document = demo_document(keys.public_text(authority), keys.public_text(sealing), now, check_in="staff",
                             code_hashes=[voting_codes.code_hash(code) for code in codes])
    stick = folder / "media" / "USB-STICK"
    stick.mkdir(parents=True)
    app = create_app({"AUTHORITY_KEY": keys.public_text(authority), "STATION_NAME": "Tensta bibliotek",
                      "EXPORT_FOLDERS": [str(stick)], "EXPORT_MOUNT_ROOTS": []}, data_dir=folder / "station")
    prepare(app)
    with app.test_request_context():
        store.load_package(packages.build_file(document, authority), now)
        store.set_pin(PIN)
        store.open_polls(now)
        for projects in (("bankar", "odling"), ("utegym",), ("laxhjalp", "sommarbio", "bankar")):
            store.cast(secrets.token_hex(8), rules.Ballot(selected=projects), None, app.extensions["vallokal_device_key"], now)
        for name in ("Surfplatta 2", "Surfplatta 3"):
            store.name_tablet(secrets.token_urlsafe(24), name)
    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def voter_stations(folder: Path) -> tuple[list[object], dict[str, str]]:
    """One station per check-in mode, with the demo election in six languages and its speech."""
    authority, sealing = Ed25519PrivateKey.generate(), X25519PrivateKey.generate()
    now = datetime.now(timezone.utc)
    servers, urls = [], {}
    for mode in ("open", "code", "staff"):
        document = multilingual(demo_document(keys.public_text(authority), keys.public_text(sealing), now, check_in=mode,
                                              code_hashes=["0" * 64] if mode == "code" else None))
        built = audio.add_audio(Draft(document)) if mode == "open" and not audio.tools_missing() else Draft(document)
        app = create_app({"AUTHORITY_KEY": keys.public_text(authority), "STATION_NAME": "Tensta bibliotek"}, data_dir=folder / mode)
        prepare(app)
        with app.app_context():
            store.load_package(packages.build_file(built.document, authority, built.assets), now)
            store.set_pin(PIN)
            store.open_polls(now)
        server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
        threading.Thread(target=server.run, daemon=True).start()
        servers.append(server)
        urls[mode] = f"http://127.0.0.1:{server.effective_port}"
    return servers, urls


def photograph_voter_screens(browser: object, folder: Path, out: Path) -> None:
    servers, urls = voter_stations(folder / "voters")
    try:
        for name, display in VOTER_SCREENS.items():
            page = browser.new_page(viewport={"width": 768, "height": 1024})
            each_page_of_every_check_in(
                page, urls, lambda screen: page.screenshot(path=out / f"voter-{name}-{screen.replace(' ', '-')}.png", full_page=True), **display
            )
            page.close()
    finally:
        for server in servers:
            server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "docs" / "screens")
    arguments = parser.parse_args()
    arguments.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch, sync_playwright() as playwright:
        folder = Path(scratch)
        codes = voting_codes.generate(8)
        sheet = folder / "codes.html"
        sheet.write_text(code_sheet(codes, "Medborgarbudget Tensta 2026"), encoding="utf-8")
        server, url = station(folder, codes)
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.goto(sheet.as_uri())
            page.screenshot(path=arguments.out / "code-sheet.png", full_page=True)
            page.emulate_media(media="print")
            page.set_viewport_size({"width": 794, "height": 1123})
            page.screenshot(path=arguments.out / "code-sheet-print.png", full_page=True)

            tablet = browser.new_page(viewport={"width": 1024, "height": 768})
            tablet.goto(url + "/staff/login")
            tablet.get_by_label("PIN").fill(PIN)
            tablet.get_by_role("button", name="Logga in").click()
            tablet.get_by_label("Namnge den här enheten som surfplatta").fill("Surfplatta 1")
            tablet.get_by_role("button", name="Spara namnet").click()
            tablet.screenshot(path=arguments.out / "staff-panel.png", full_page=True)
            tablet.get_by_role("button", name="Logga ut").first.click()
            tablet.goto(url + "/activate")
            tablet.screenshot(path=arguments.out / "tablet-waiting.png", full_page=True)

            phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
            phone.goto(url + "/staff/login")
            phone.get_by_label("PIN").fill(PIN)
            phone.get_by_role("button", name="Logga in").click()
            phone.screenshot(path=arguments.out / "staff-panel-phone.png", full_page=True)
            photograph_voter_screens(browser, folder, arguments.out)
        finally:
            browser.close()
            server.close()
    for path in sorted(arguments.out.glob("*.png")):
        print(path.relative_to(HERE) if path.is_relative_to(HERE) else path)


if __name__ == "__main__":
    main()
