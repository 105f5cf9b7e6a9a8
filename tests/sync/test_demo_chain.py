"""`vallokal demo` runs a station and an office: a ballot cast at the station arrives at the office."""

from __future__ import annotations

import http.cookiejar
import re
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from helpers import CSRF_FIELD, VALLOKAL


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """A cookie-keeping client for a served app, as a browser without JavaScript would use it."""

    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=20) as response:
            return response.read().decode("utf-8")

    def post(self, path: str, fields: dict[str, str], token_from: str) -> str:
        token = CSRF_FIELD.search(self.get(token_from)).group(1)
        data = urllib.parse.urlencode({"csrf_token": token, **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=20) as response:
            return response.read().decode("utf-8")


def wait_until(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def test_the_demo_station_sends_its_ballots_to_the_demo_office(tmp_path: Path):
    station_port, office_port = free_port(), free_port()
    demo = subprocess.Popen(
        [*VALLOKAL, "demo", "--data", str(tmp_path / "demo"), "--port", str(station_port), "--office-port", str(office_port), "--no-speech"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        lines = []
        for line in demo.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{office_port}/" in output, output
        logins = re.findall(r"clerk (\S+), password '([^']+)'", output)
        assert len(logins) == 2, output
        assert re.search(r"PIN \d{6}", output)

        station = Browser(f"http://127.0.0.1:{station_port}")
        assert wait_until(lambda: "csrf_token" in station.get("/"), 30)
        page = station.post("/start", {}, token_from="/")
        if "eligibility" in page or 'name="confirm"' in page:
            station.post("/eligibility", {"confirm": "yes"}, token_from="/eligibility")
        station.post("/ballot", {"project": "bankar"}, token_from="/ballot")
        receipt = station.post("/cast", {}, token_from="/review")
        assert re.search(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", receipt), receipt

        office = Browser(f"http://127.0.0.1:{office_port}")
        for username, password in logins:
            clerk = Browser(office.base)
            stations = clerk.post("/login", {"username": username, "password": password}, token_from="/login")
            assert "Tensta bibliotek" in stations, stations

        def arrived() -> bool:
            page = clerk.get("/")
            row = re.search(r'<tr id="device-.*?</tr>', page, re.S)
            return row is not None and re.search(r"<td[^>]*>\s*1\s*</td>", row.group(0)) is not None

        assert wait_until(arrived, 45), clerk.get("/")
    finally:
        demo.terminate()
        demo.wait(timeout=20)
        demo.stdout.close()
