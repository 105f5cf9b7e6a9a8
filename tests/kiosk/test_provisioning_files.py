"""What turns a bare device into a station: the install script, the systemd units and the kiosk launcher."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

PROVISIONING = Path(__file__).resolve().parents[2] / "provisioning"
UNITS = ["vallokal-station.service", "vallokal-kiosk.service", "vallokal-caddy.service"]
STUB_COMMANDS = ["/opt/vallokal/venv/bin/vallokal", "/opt/vallokal/venv/bin/vallokal-kiosk", "/usr/bin/cage", "/usr/bin/caddy"]


def test_the_scripts_pass_shellcheck() -> None:
    result = subprocess.run(["shellcheck", "--severity=style", str(PROVISIONING / "install.sh"), str(PROVISIONING / "vallokal-kiosk")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def fake_root(tmp_path: Path) -> Path:
    """A root with the system's own units and the programs our units start, as the install script leaves them."""
    root = tmp_path / "root"
    (root / "usr/lib/systemd").mkdir(parents=True)
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "etc/systemd/system").mkdir(parents=True)
    for unit in UNITS:
        shutil.copy(PROVISIONING / unit, root / "etc/systemd/system" / unit)
    for command in STUB_COMMANDS:
        path = root / command.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    return root


def verify(root: Path, unit: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}", f"/etc/systemd/system/{unit}"],
                          capture_output=True, text=True)


@pytest.mark.parametrize("unit", UNITS)
def test_the_units_pass_systemd_analyze_verify(tmp_path: Path, unit: str) -> None:
    root = fake_root(tmp_path)
    result = verify(root, unit)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    text = (PROVISIONING / unit).read_text()
    assert "Restart=always" in text

    broken = root / "etc/systemd/system" / unit
    broken.write_text(text.replace("Restart=always", "Restrat=always"))
    assert "Unknown key" in verify(root, unit).stderr


def test_the_station_unit_serves_from_its_data_folder_and_may_write_to_sticks() -> None:
    text = (PROVISIONING / "vallokal-station.service").read_text()
    assert "ExecStart=/opt/vallokal/venv/bin/vallokal station serve --data /var/lib/vallokal" in text
    assert "User=vallokal" in text and "ProtectSystem=strict" in text and "-/media" in text


@pytest.mark.parametrize("kiosk, expected, absent", [
    ("cage", ["apt-get install -y -q python3 python3-venv curl", "cage", "systemctl enable vallokal-kiosk.service", "adduser --system --group --home /var/lib/vallokal-kiosk"], ["/etc/xdg/autostart"]),
    ("desktop", ["/etc/xdg/autostart/vallokal-kiosk.desktop", "systemctl enable vallokal-station.service"], ["vallokal-kiosk.service", " cage"]),
    ("none", ["systemctl enable vallokal-station.service", "vallokal station provision --data /var/lib/vallokal"], ["chromium", "vallokal-kiosk.service"]),
])
def test_the_install_script_does_the_steps_in_order(kiosk: str, expected: list[str], absent: list[str]) -> None:
    result = subprocess.run([str(PROVISIONING / "install.sh"), "--dry-run", "--kiosk", kiosk], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for text in expected:
        assert text in result.stdout, (text, result.stdout)
    for text in absent:
        assert text not in result.stdout, (text, result.stdout)
    steps = [line for line in result.stdout.splitlines() if line.startswith("== ")]
    assert steps == ["== Debian packages", "== System users", "== Vallokal in /opt/vallokal/venv", "== Services", "== Next"]


def test_the_install_script_refuses_unknown_options() -> None:
    result = subprocess.run([str(PROVISIONING / "install.sh"), "--kiosk", "firefox"], capture_output=True, text=True)
    assert result.returncode == 2 and "--kiosk must be cage, desktop or none" in result.stderr


class Healthy(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *arguments: object) -> None:
        pass


def test_the_kiosk_launcher_waits_for_the_station_and_locks_chromium_down(tmp_path: Path) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Healthy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    bin_dir, record = tmp_path / "bin", tmp_path / "chromium-arguments"
    bin_dir.mkdir()
    fake = bin_dir / "chromium"
    fake.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(0o755)
    profile = tmp_path / "profile"
    (profile / "Default").mkdir(parents=True)
    (profile / "Default" / "Preferences").write_text('{"profile":{"exited_cleanly":false,"exit_type":"Crashed"}}')
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    environment = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "VALLOKAL_KIOSK_URL": url, "VALLOKAL_KIOSK_PROFILE": str(profile)}
    environment.pop("DISPLAY", None)
    try:
        result = subprocess.run([str(PROVISIONING / "vallokal-kiosk")], env=environment, capture_output=True, text=True, timeout=30)
    finally:
        server.shutdown()
        server.server_close()
    assert result.returncode == 0, result.stderr
    arguments = record.read_text().splitlines()
    assert arguments[:2] == ["--kiosk", url]
    for flag in ("--no-first-run", "--disable-translate", "--disable-pinch", "--overscroll-history-navigation=0", "--noerrdialogs",
                 "--disable-session-crashed-bubble", f"--user-data-dir={profile}"):
        assert flag in arguments
    assert any("OverscrollHistoryNavigation" in argument and "TranslateUI" in argument for argument in arguments)
    assert '"exited_cleanly":true' in (profile / "Default" / "Preferences").read_text()
