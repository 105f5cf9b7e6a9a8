"""The real Caddy, configured by `vallokal station tls`, terminating TLS in front of a real waitress station."""

from __future__ import annotations

import contextlib
import os
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from helpers import VALLOKAL, served
from vallokal.kiosk import store, tls

from vallokal.simulate import HttpVoter, free_port, wait_for_port

CADDY = shutil.which("caddy") or "/usr/bin/caddy"


@contextlib.contextmanager
def caddy(caddyfile: Path, port: int, home: Path) -> Iterator[subprocess.Popen]:
    """Caddy running the given configuration until the block ends."""
    home.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_CONFIG_HOME": str(home / "config")}
    log = home / "caddy.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([CADDY, "run", "--config", str(caddyfile), "--adapter", "caddyfile"],
                                   stdout=output, stderr=output, env=environment)
    try:
        try:
            wait_for_port(port, 20)
        except Exception:
            process.kill()
            raise AssertionError(log.read_text()[-2000:]) from None
        yield process
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def terminated(make_station, tmp_path) -> Iterator[tuple[object, int, ssl.SSLContext]]:
    """A station under waitress on loopback, Caddy in front with the station's own certificate; yields app, https port, a context trusting the station's CA."""
    https_port = free_port()
    app = make_station(STATION_NAMES="station.local", PUBLIC_URL=f"https://station.local:{https_port}")
    with served(app) as url:
        upstream = int(url.rsplit(":", 1)[1])
        folder = tls.make_certificates(Path(app.instance_path), ["station.local", "127.0.0.1"])
        caddyfile = folder / tls.CADDYFILE
        caddyfile.write_text(tls.caddyfile(folder, ["station.local", "127.0.0.1"], https_port, upstream), encoding="utf-8")
        context = ssl.create_default_context(cafile=str(folder / tls.CA_CERTIFICATE))
        with caddy(caddyfile, https_port, tmp_path / "caddy-home"):
            yield app, https_port, context
    for client in OPENED:
        client.close()
    OPENED.clear()


OPENED: list[HttpVoter] = []


def client(port: int, context: ssl.SSLContext | None = None) -> HttpVoter:
    """A tablet's browser through the terminator; closed when the test ends."""
    opened = HttpVoter("127.0.0.1", port, ssl_context=context)
    OPENED.append(opened)
    return opened


def pairing_token(app) -> str:
    with app.app_context():
        return store.issue_pairing_code(datetime.now(timezone.utc))


def cookie_attributes(voter: HttpVoter, name: str) -> list[set[str]]:
    """The attributes of every cookie `name` the station set (not the ones that delete it)."""
    headers = [header for header in voter.set_cookies if header.startswith(name + "=") and not header.startswith(name + "=;")]
    assert headers, voter.set_cookies
    return [{part.strip().lower() for part in header.split(";")[1:]} for header in headers]


def test_a_paired_tablet_votes_over_https_with_secure_cookies(terminated):
    app, port, context = terminated
    tablet = client(port, context)
    status, _, page = tablet.request("GET", "/")
    assert status == 403 and "Fråga personalen".encode() in page
    token = pairing_token(app)
    status, _, page = tablet.request("GET", f"/pair/{token}")
    assert status == 200 and tls.fingerprint_for(app).encode() in page
    tablet.pair(token)
    tablet.vote({"project": ["bankar"]})
    with app.app_context():
        assert store.ballots_cast() == 1
    for name in ("vallokal_station", "vallokal_tablet"):
        for attributes in cookie_attributes(tablet, name):
            assert {"secure", "httponly", "samesite=strict"} <= attributes, (name, attributes)


def test_the_terminator_answers_only_tls_and_a_forged_forwarded_address_is_no_pairing(terminated):
    app, port, context = terminated
    plain = client(port)
    status, _, _ = plain.request("GET", "/")
    assert status == 400  # Caddy: "Client sent an HTTP request to an HTTPS server."
    forger = client(port, context)
    forger.connection.request("GET", "/", headers={"X-Forwarded-For": "127.0.0.1"})
    response = forger.connection.getresponse()
    assert response.status == 403, response.read()[:200]


def test_a_voter_cookie_copied_through_the_terminator_gets_nothing(terminated):
    app, port, context = terminated
    owner, thief = (client(port, context) for _ in range(2))
    for tablet in (owner, thief):
        tablet.pair(pairing_token(app))
    assert owner.post("/start", "/")[0] == 302
    assert owner.post("/eligibility", "/eligibility", {"confirm": "yes"})[0] == 302
    assert owner.post("/ballot", "/ballot", {"project": ["bankar"]})[1].endswith("/review")
    thief.cookies["vallokal_station"] = owner.cookies["vallokal_station"]
    status, location, page = thief.request("GET", "/review")
    assert status == 302 and b"bankar" not in page
    thief.cookies["vallokal_station"] = owner.cookies["vallokal_station"]
    token_page = thief.get("/")
    thief.cookies["vallokal_station"] = owner.cookies["vallokal_station"]
    import re

    thief.request("POST", "/cast", {"csrf_token": re.search(rb'name="csrf_token" value="([^"]+)"', token_page).group(1).decode()})
    with app.app_context():
        assert store.ballots_cast() == 0


def test_station_tls_writes_a_caddyfile_caddy_accepts(tmp_path):
    data = tmp_path / "station"
    result = subprocess.run([*VALLOKAL, "station", "tls", "--data", str(data), "--name", "station.local", "--https-port", "8443"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "SPKI pin" in result.stdout
    folder = data / "tls"
    spki = (folder / "station.spki").read_text().strip()
    assert spki == tls.spki_hash(tls.load_certificate(data))
    settings = (data / "station.toml").read_text()
    assert 'PUBLIC_URL = "https://station.local:8443"' in settings and 'HOST = "127.0.0.1"' in settings
    check = subprocess.run([CADDY, "validate", "--config", str(folder / "Caddyfile"), "--adapter", "caddyfile"],
                           capture_output=True, text=True, env={**os.environ, "HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CONFIG_HOME": str(tmp_path / "c")})
    assert check.returncode == 0, check.stderr[-2000:]
    pair = subprocess.run([*VALLOKAL, "station", "pair", "--data", str(data)], capture_output=True, text=True, check=True)
    assert pair.stdout.startswith("https://station.local:8443/pair/")


@pytest.mark.parametrize("command", [["station", "serve", "--data", "{data}", "--host", "0.0.0.0"], ["demo", "--data", "{data}", "--host", "192.0.2.1"]])
def test_plain_http_on_a_network_address_is_refused(tmp_path, command):
    arguments = [part.replace("{data}", str(tmp_path / "data")) for part in command]
    result = subprocess.run([*VALLOKAL, *arguments], capture_output=True, text=True, timeout=120,
                            env={**os.environ, "VALLOKAL_AUTHORITY_KEY": "x"})
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "vallokal station tls" in result.stderr and "TLS" in result.stderr


def test_the_kiosk_launcher_pins_the_station_certificate(terminated, tmp_path):
    app, port, _ = terminated
    spki = tls.spki_hash(tls.load_certificate(Path(app.instance_path)))
    spki_file = tmp_path / "station.spki"
    spki_file.write_text(spki + "\n")
    bin_dir, record = tmp_path / "bin", tmp_path / "chromium-arguments"
    bin_dir.mkdir()
    fake = bin_dir / "chromium"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(0o755)
    url = f"https://127.0.0.1:{port}/"
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VALLOKAL_KIOSK_URL": url,
                   "VALLOKAL_KIOSK_PROFILE": str(tmp_path / "profile"), "VALLOKAL_KIOSK_SPKI": str(spki_file)}
    environment.pop("DISPLAY", None)
    launcher = Path(__file__).resolve().parents[2] / "provisioning" / "vallokal-kiosk"
    result = subprocess.run([str(launcher)], env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "does not answer" not in result.stderr, result.stderr
    arguments = record.read_text().splitlines()
    assert f"--ignore-certificate-errors-spki-list={spki}" in arguments and ["--kiosk", url] == arguments[1:3]
