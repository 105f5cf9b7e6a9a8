"""The station as its own Wi-Fi access point: the files it writes, a dry run that changes nothing, and TLS and pairing on it."""

from __future__ import annotations

import configparser
import os
import re
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography import x509
from vallokal.kiosk import create_app, hotspot, prepare, store, tls
from vallokal.web.clock import now

from vallokal.cli import cli
from vallokal.simulate import CSRF

KEYFILE = "etc/NetworkManager/system-connections/vallokal-hotspot.nmconnection"
PASSPHRASE = re.compile(r"passphrase  (\S+)")


def run(*arguments: str):
    return CliRunner().invoke(cli, list(arguments))


def hotspot_run(tmp_path: Path, *extra: str):
    data, root = tmp_path / "station", tmp_path / "root"
    result = run("station", "hotspot", "--data", str(data), "--root", str(root), "--name", "tensta-station.local", *extra)
    return result, data, root


def every_file(*folders: Path) -> dict[str, tuple[int, bytes]]:
    return {
        str(path): (path.stat().st_mode, path.read_bytes())
        for folder in folders if folder.exists() for path in sorted(folder.rglob("*")) if path.is_file()
    }


def test_networkmanager_gets_a_keyfile_it_reads_with_a_random_passphrase_only_root_reads(tmp_path):
    result, data, root = hotspot_run(tmp_path, "--backend", "networkmanager", "--ssid", "Vallokal Tensta")
    assert result.exit_code == 0, result.output
    keyfile = root / KEYFILE
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o600
    profile = configparser.ConfigParser(interpolation=None)
    profile.read_string(keyfile.read_text())
    assert profile["connection"]["type"] == "wifi" and profile["connection"]["interface-name"] == "wlan0"
    assert profile["wifi"]["mode"] == "ap" and profile["wifi"]["ssid"] == "Vallokal Tensta"
    assert profile["wifi"]["band"] == "bg" and profile["wifi"]["channel"] == "6"
    assert profile["wifi-security"]["key-mgmt"] == "wpa-psk" and profile["wifi-security"]["pairwise"] == "ccmp"
    assert profile["ipv4"]["method"] == "shared" and profile["ipv4"]["address1"] == "10.42.0.1/24"
    passphrase = profile["wifi-security"]["psk"]
    assert PASSPHRASE.search(result.output).group(1) == passphrase
    assert len(passphrase.replace("-", "")) >= 12 and set(passphrase.replace("-", "")) <= set(hotspot.PASSPHRASE_ALPHABET)

    again, _, _ = hotspot_run(tmp_path, "--backend", "networkmanager")
    assert PASSPHRASE.search(again.output).group(1) != passphrase
    assert "address=/tensta-station.local/10.42.0.1" in (root / "etc/NetworkManager/dnsmasq-shared.d/vallokal-hotspot.conf").read_text()


def test_wpa3_through_networkmanager_is_sae_with_management_frames_required(tmp_path):
    result, _, root = hotspot_run(tmp_path, "--backend", "networkmanager", "--security", "wpa3", "--band", "5")
    assert result.exit_code == 0, result.output
    profile = configparser.ConfigParser(interpolation=None)
    profile.read_string((root / KEYFILE).read_text())
    assert profile["wifi-security"]["key-mgmt"] == "sae" and profile["wifi-security"]["pmf"] == "3"
    assert profile["wifi"]["band"] == "a" and profile["wifi"]["channel"] == "36"


@pytest.mark.parametrize("security, key_management, management_frames", [
    ("wpa2", "WPA-PSK", "1"), ("wpa3", "SAE", "2"), ("wpa2-wpa3", "WPA-PSK SAE", "1"),
])
def test_hostapd_gets_wpa2_or_wpa3_with_ccmp_and_protected_management_frames(tmp_path, security, key_management, management_frames):
    result, data, root = hotspot_run(tmp_path, "--backend", "hostapd", "--security", security, "--interface", "wlan1")
    assert result.exit_code == 0, result.output
    path = root / "etc/hostapd/wlan1.conf"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = dict(line.split("=", 1) for line in path.read_text().splitlines())
    assert settings["interface"] == "wlan1" and settings["wpa"] == "2" and settings["rsn_pairwise"] == "CCMP"
    assert settings["wpa_key_mgmt"] == key_management and settings["ieee80211w"] == management_frames
    assert settings["wpa_passphrase"] == PASSPHRASE.search(result.output).group(1)
    assert "wpa_pairwise" not in settings  # no TKIP
    dnsmasq = (root / "etc/dnsmasq.d/vallokal-hotspot.conf").read_text()
    assert "interface=wlan1" in dnsmasq and "dhcp-range=10.42.0.10,10.42.0.254,255.255.255.0,12h" in dnsmasq
    assert "Address=10.42.0.1/24" in (root / "etc/systemd/network/50-vallokal-hotspot.network").read_text()
    assert "systemctl enable --now hostapd@wlan1.service" in result.output


def test_the_wifi_qr_code_joins_the_network_and_escapes_what_the_format_reserves(tmp_path):
    result, data, _ = hotspot_run(tmp_path, "--backend", "hostapd", "--ssid", "Vallokal Rinkeby")
    svg = data / "hotspot-wifi.svg"
    assert svg.read_text().startswith("<svg") and stat.S_IMODE(svg.stat().st_mode) == 0o600
    spot = hotspot.Hotspot(ssid="a;b", passphrase="p:q")
    assert hotspot.wifi_qr_text(spot) == r"WIFI:T:WPA;S:a\;b;P:p\:q;;"
    assert hotspot.wifi_qr_text(hotspot.Hotspot(ssid="x", passphrase="y", security="wpa3")).startswith("WIFI:T:SAE;")


def test_tls_and_pairing_work_the_same_on_the_hotspot(tmp_path):
    tls_result = run("station", "tls", "--data", str(tmp_path / "station"), "--name", "tensta-station.local")
    assert tls_result.exit_code == 0, tls_result.output
    result, data, _ = hotspot_run(tmp_path, "--backend", "networkmanager")
    assert result.exit_code == 0, result.output
    certificate = tls.load_certificate(data)
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["tensta-station.local"]
    assert [str(address) for address in names.get_values_for_type(x509.IPAddress)] == ["10.42.0.1"]

    app = create_app(data_dir=data)
    prepare(app)
    assert app.config["PUBLIC_URL"] == "https://tensta-station.local"
    with app.app_context():
        token = store.issue_pairing_code(now())
    tablet = app.test_client()
    forwarded = {"X-Forwarded-For": "10.42.0.37", "X-Forwarded-Proto": "https"}
    for base in ("https://10.42.0.1", "https://tensta-station.local"):
        assert tablet.get("/", base_url=base, headers=forwarded).status_code == 403  # unpaired: ask staff
    page = tablet.get(f"/pair/{token}", base_url="https://10.42.0.1", headers=forwarded).get_data(as_text=True)
    csrf = CSRF.search(page).group(1)
    paired = tablet.post(f"/pair/{token}", data={"csrf_token": csrf}, base_url="https://10.42.0.1", headers=forwarded)
    assert paired.status_code == 302 and "Secure" in paired.headers["Set-Cookie"]
    assert tablet.get("/", base_url="https://10.42.0.1", headers=forwarded).status_code == 200
    assert tablet.get("/", base_url="https://rebinding.example", headers=forwarded).status_code == 400

    kept = tls.spki_hash(certificate)
    again, _, _ = hotspot_run(tmp_path, "--backend", "networkmanager")
    assert "it is kept" in again.output and tls.spki_hash(tls.load_certificate(data)) == kept


def test_tls_after_the_hotspot_keeps_the_hotspot_address_in_the_certificate_and_the_allow_list(tmp_path):
    result, data, _ = hotspot_run(tmp_path, "--backend", "networkmanager")
    assert result.exit_code == 0, result.output
    renamed = run("station", "tls", "--data", str(data), "--name", "rinkeby-station.local")
    assert renamed.exit_code == 0, renamed.output
    names = tls.load_certificate(data).extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["rinkeby-station.local"]
    assert [str(address) for address in names.get_values_for_type(x509.IPAddress)] == ["10.42.0.1"]

    app = create_app(data_dir=data)
    prepare(app)
    forwarded = {"X-Forwarded-For": "10.42.0.37", "X-Forwarded-Proto": "https"}
    tablet = app.test_client()
    assert tablet.get("/", base_url="https://10.42.0.1", headers=forwarded).status_code == 403  # reached: unpaired, ask staff
    assert tablet.get("/", base_url="https://rinkeby-station.local", headers=forwarded).status_code == 403
    assert tablet.get("/", base_url="https://tensta-station.local", headers=forwarded).status_code == 400  # the old name is gone


def test_a_dry_run_changes_nothing(tmp_path):
    data, root = tmp_path / "station", tmp_path / "root"
    run("station", "tls", "--data", str(data), "--name", "tensta-station.local")
    before = every_file(data, root)
    result = run("station", "hotspot", "--data", str(data), "--root", str(root), "--backend", "hostapd", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "wpa_key_mgmt=WPA-PSK" in result.output and "systemctl enable --now hostapd@wlan0.service" in result.output
    assert every_file(data, root) == before and not root.exists()

    fresh = tmp_path / "fresh"
    assert run("station", "hotspot", "--data", str(fresh), "--root", str(root), "--dry-run").exit_code == 0
    assert not fresh.exists() and not root.exists()


@pytest.mark.parametrize("arguments, mentions", [
    (["--channel", "14"], "--channel"),
    (["--band", "5", "--channel", "6"], "--channel"),
    (["--band", "6"], "--band"),
    (["--ssid", ""], "--ssid"),
    (["--ssid", "x" * 33], "--ssid"),
    (["--ssid", "semi;colon"], "--ssid"),
    (["--interface", "wlan0; reboot"], "--interface"),
    (["--address", "8.8.8.8/24"], "--address"),
    (["--address", "10.42.0.0/24"], "--address"),
    (["--address", "10.42.0.1"], "--address"),
    (["--country", "Sweden"], "--country"),
    (["--security", "wep"], "--security"),
    (["--backend", "networkmanager", "--security", "wpa2-wpa3"], "--security"),
    (["--name", "evil/../name"], "--name"),
    (["--start"], "--start"),
])
def test_bad_arguments_get_a_message_and_exit_2_and_nothing_is_written(tmp_path, arguments, mentions):
    data, root = tmp_path / "station", tmp_path / "root"
    result = run("station", "hotspot", "--data", str(data), "--root", str(root), "--backend", "hostapd", *arguments)
    assert result.exit_code == 2, result.output
    assert mentions in result.output and "Traceback" not in result.output
    assert not root.exists() and not data.exists()


def test_written_files_replace_old_ones_without_a_moment_of_wider_permissions(tmp_path):
    path = tmp_path / "etc" / "hostapd" / "wlan0.conf"
    path.parent.mkdir(parents=True)
    path.write_text("old")
    os.chmod(path, 0o644)
    result, _, _ = hotspot_run(tmp_path, "--backend", "hostapd", "--root", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and "wpa=2" in path.read_text()
    assert not list(path.parent.glob(".*.new"))
