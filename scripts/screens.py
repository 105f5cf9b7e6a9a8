#!/usr/bin/env python3
"""Screenshots for docs/screens/, for municipalities to review: run `.venv/bin/python scripts/screens.py`.

Builds a station with a demo election in a scratch folder, serves it on loopback and
photographs its pages in Debian's Chromium through Playwright (no browser download); then runs
`vallokal demo` (station and office), votes, counts and publishes through the office's pages and
photographs every office page and the printed protocol and reports. `--voters` makes only the
voter's screens (voter-*.png: every voter page in Swedish, Arabic and white on black).
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
from vallokal.election import keys, package as packages, rules, voting_codes
from vallokal.election.material import Draft
from vallokal.kiosk import create_app, prepare, store
from vallokal.sync.office import audio
from vallokal.sync.office.authority import code_sheet

from vallokal.demo import demo_document

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


OFFICE_PAGES = {"dashboard": "/", "alerts": "/alerts", "voting-codes": "/audit", "paper-ballots": "/paper", "imported-votes": "/imports",
                "counts": "/counts", "package": "/package/", "count-results": "/counts/1/", "results": "/results/",
                "keys": "/keys", "make-voting-codes": "/codes", "participation": "/participation/", "follow-up": "/follow-up/",
                "held": "/held"}


def photograph_office(browser: object, folder: Path, out: Path) -> None:
    """The demo's office after a few ballots, a count and publishing, at 1280 px and on a phone; the paper as printed."""
    import re
    import subprocess

    from vallokal.simulate import wait_for_port

    station_port, office_port = free_port(), free_port()
    demo = subprocess.Popen([sys.executable, "-m", "vallokal", "demo", "--data", str(folder / "demo"), "--port", str(station_port),
                             "--office-port", str(office_port), "--no-speech"], stdout=subprocess.PIPE, text=True)
    try:
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(lines)
        (clerk, password), (second, second_password) = re.findall(r"clerk (\S+), password '([^']+)'", output)[:2]
        staff_pin = re.search(r"PIN (\d+)", output).group(1)
        wait_for_port(station_port, 30)
        station_url, office_url = f"http://127.0.0.1:{station_port}", f"http://127.0.0.1:{office_port}"
        for projects in (["bankar", "odling"], ["utegym"], ["lekplats", "bankar"]):
            vote(station_url, projects)
        office = browser.new_page(viewport={"width": 1280, "height": 900})
        office.goto(office_url + "/login")
        office.fill("#username", clerk)
        office.fill("#password", password)
        office.locator("main form button[type=submit]").click()
        for _ in range(60):
            if "Mottagna röster per timme" in office.content():
                break
            office.wait_for_timeout(500)
            office.reload()
        office.goto(office_url + "/counts")
        office.fill("#passphrase", "vallokal-demo")
        office.locator("form[action='/counts'] button").click()
        office.wait_for_url(re.compile(r".*/counts/\d+/$"), timeout=120_000)
        office.goto(office_url + "/counts")
        publish = office.locator("form[action$='/publish']").first
        publish.locator("input[name=second_user]").fill(second)
        publish.locator("input[name=second_password]").fill(second_password)
        publish.locator("button").click()
        for name, path in OFFICE_PAGES.items():
            office.goto(office_url + path)
            office.screenshot(path=out / f"office-{name}.png", full_page=True)
        phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2).new_page()
        phone.goto(office_url + "/login")
        phone.fill("#username", clerk)
        phone.fill("#password", password)
        phone.locator("main form button[type=submit]").click()
        phone.screenshot(path=out / "office-dashboard-phone.png", full_page=True)
        office.goto(office_url + "/login")
        office.screenshot(path=out / "office-login.png", full_page=True)
        staff = browser.new_page(viewport={"width": 794, "height": 1123})
        staff.goto(station_url + "/staff/login")
        staff.fill("#pin", staff_pin)
        staff.locator("form[action='/staff/login'] button").click()
        for name, page, path in (("protocol", office, office_url + "/results/protocol"), ("zero-report", staff, station_url + "/staff/report/zero")):
            page.goto(path)
            page.pdf(path=str(folder / f"{name}.pdf"), prefer_css_page_size=True)
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(folder / f"{name}.pdf"), str(out / f"paper-{name}")], check=True
            )
    finally:
        demo.terminate()
        demo.wait(timeout=20)
        demo.stdout.close()


def vote(station_url: str, projects: list[str]) -> None:
    """One ballot through the station's pages, as a browser without JavaScript sends it."""
    import http.cookiejar
    import re
    import urllib.parse
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(path: str, fields: list[tuple[str, str]], token_from: str) -> None:
        page = opener.open(station_url + token_from, timeout=20).read().decode("utf-8")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        opener.open(station_url + path, data=urllib.parse.urlencode([("csrf_token", token), *fields]).encode(), timeout=20).read()

    post("/start", [], "/")
    post("/eligibility", [("confirm", "yes")], "/eligibility")
    post("/ballot", [("project", project) for project in projects], "/ballot")
    post("/cast", [], "/review")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=HERE / "docs" / "screens")
    parser.add_argument("--voters", action="store_true", help="Only the voter's screens (voter-*.png).")
    parser.add_argument("--office", action="store_true", help="Only the office's pages and paper (office-*.png).")
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
            if arguments.voters:
                photograph_voter_screens(browser, folder, arguments.out)
                return
            if arguments.office:
                photograph_office(browser, folder, arguments.out)
                return
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
            photograph_office(browser, folder, arguments.out)
        finally:
            browser.close()
            server.close()
    for path in sorted(arguments.out.glob("*.png")):
        print(path.relative_to(HERE) if path.is_relative_to(HERE) else path)


if __name__ == "__main__":
    main()
