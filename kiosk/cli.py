"""`vallokal station …`: the commands a station's staff or installer runs on the device."""

from __future__ import annotations

import dataclasses
import io
import ipaddress
import json
import os
import re
import shlex
import socket
import subprocess
import tomllib
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click
import qrcode
import tomli_w
from cryptography import x509
from flask import Flask

from ..election import keys, package as packages
from ..election.certificate import CertificateError
from ..election.package import PackageError
from ..web import commands
from ..web.clock import now
from ..web.qr import qr_svg
from . import create_app, hotspot, outbox, pairing, prepare, server, store, tls as certificates
from .pin import valid_pin

MAX_PACKAGE_DOWNLOAD = 64 * 1024 * 1024

data_option = commands.data_option("VALLOKAL_DATA", "instance", "The station's data folder (database, device key, station.toml).")


def station_app(data_dir: Path, needs_authority: bool = True) -> Flask:
    """The station in `data_dir`, its database brought up to date; refused without an authority key unless told."""

    def trusts_an_authority(app: Flask) -> None:
        if needs_authority and not app.config["AUTHORITY_KEY"]:
            raise click.ClickException(
                f"AUTHORITY_KEY is not set (in {data_dir / 'station.toml'} or VALLOKAL_AUTHORITY_KEY), "
                "so no package can be trusted"
            )

    return commands.open_app(data_dir, create_app, prepare, trusts_an_authority)


@click.group("station")
def station() -> None:
    """Run and look after a voting station on this device."""


@station.command("serve")
@data_option
@click.option(
    "--host", default=None,
    help="Address to listen on (loopback only: tablets on the network come through the TLS terminator, see vallokal station tls). "
    "Default: HOST in station.toml, else 127.0.0.1.",
)
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Default: PORT in station.toml, else 8080.")
@click.option(
    "--threads",
    default=server.default_threads(),
    show_default="the number of CPU cores, at least 2",
    type=click.IntRange(1, 64),
    help="Worker threads. More than the cores only adds waiting: see docs/benchmarks.md.",
)
def serve(data_dir: Path, host: str | None, port: int | None, threads: int) -> None:
    """Serve the voter and staff pages under waitress."""
    app = station_app(data_dir)
    host = host or app.config["HOST"]
    port = port or int(app.config["PORT"])
    refuse_plain_http(host, f"vallokal station tls --data {data_dir} --name station.local")
    click.echo(f"Station serving on http://{host}:{port}/ (data in {data_dir.resolve()})")
    if app.config["PUBLIC_URL"]:
        click.echo(f"Tablets reach it through the TLS terminator at {app.config['PUBLIC_URL']}/")
    server.serve(app, host, port, threads)


def refuse_plain_http(host: str, tls_command: str) -> None:
    """Waitress speaks plain HTTP: anything but loopback would put ballots on a shared network in clear text."""
    if host == "localhost" or pairing.is_loopback(host):
        return
    click.echo(
        f"Refusing to serve plain HTTP on {host}: on a shared network anyone could read and change ballots.\n"
        "Serve on 127.0.0.1 and put TLS in front of it for the tablets:\n"
        f"  {tls_command}\n"
        "makes the station's own certificate and a Caddyfile; start Caddy with it (the vallokal-caddy service,\n"
        "see provisioning/README.md) and pair each tablet with its https address.",
        err=True,
    )
    raise SystemExit(2)


@station.command("tls")
@data_option
@click.option("--name", "names", required=True, multiple=True, help="A name tablets use for the station, such as its mDNS name station.local "
    "(repeatable; an address works too).")
@click.option("--https-port", default=443, show_default=True, type=click.IntRange(1, 65535), help="Where Caddy listens for the tablets.")
@click.option("--port", default=None, type=click.IntRange(1, 65535), help="Where waitress listens on loopback. Default: PORT in station.toml, else 8080.")
def tls(data_dir: Path, names: tuple[str, ...], https_port: int, port: int | None) -> None:
    """Make the station its own small CA and certificate, and a Caddyfile that serves it in front of waitress."""
    set_up_tls(data_dir, station_names(names), https_port, port)


def station_names(names: tuple[str, ...] | list[str]) -> list[str]:
    cleaned = list(dict.fromkeys(name.strip().lower() for name in names if name.strip()))
    if not cleaned or any(not name.replace(".", "").replace("-", "").replace(":", "").isalnum() for name in cleaned):
        raise click.BadParameter("give names such as station.local (letters, digits, dots and dashes)", param_hint="--name")
    return cleaned


def set_up_tls(data_dir: Path, names: list[str], https_port: int, port: int | None) -> None:
    """The certificate for `names` (the first one in PUBLIC_URL) and the hotspot's address if it has one, the Caddyfile,
    and the Host allow-list in station.toml: so `tls` after `hotspot` keeps the tablets on the hotspot reaching it."""
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_app(data_dir=data_dir)
    hotspot_address = app.config.get("HOTSPOT_ADDRESS")
    names = list(dict.fromkeys([*names, *([str(hotspot_address)] if hotspot_address else [])]))
    port = port or int(app.config["PORT"])
    folder = certificates.make_certificates(data_dir.resolve(), names)
    caddyfile = folder / certificates.CADDYFILE
    caddyfile.write_text(certificates.caddyfile(folder, names, https_port, port), encoding="utf-8")
    certificate = certificates.load_certificate(data_dir)
    spki = certificates.spki_hash(certificate)
    (folder / "station.spki").write_text(spki + "\n", encoding="utf-8")
    public_url = f"https://{names[0]}" + ("" if https_port == 443 else f":{https_port}")
    write_settings(data_dir, {"HOST": "127.0.0.1", "PORT": port, "PUBLIC_URL": public_url, "STATION_NAMES": ",".join(names)})
    click.echo(f"Certificate for {', '.join(names)} in {folder} (CA {folder / certificates.CA_CERTIFICATE}).")
    click.echo(f"  Caddyfile   {caddyfile} (https on port {https_port}, to waitress on 127.0.0.1:{port})")
    click.echo(f"  SPKI pin    {spki}  (for the kiosk launcher: VALLOKAL_KIOSK_SPKI)")
    click.echo(f"  CA SHA-256  {certificates.fingerprint_for(app)}  (tablets that install the CA compare this)")
    click.echo(f"Tablets pair at {public_url}/pair/… (vallokal station pair --data {data_dir}).")


@station.command("hotspot")
@data_option
@click.option("--ssid", default=None, help="The network's name (1 to 32 bytes). Default: \"Vallokal\" and the station's name.")
@click.option("--interface", default="wlan0", show_default=True, help="The Wi-Fi interface that becomes the access point.")
@click.option("--backend", type=click.Choice(["networkmanager", "hostapd"]), default=None,
              help="Default: networkmanager where nmcli is installed, else hostapd with dnsmasq.")
@click.option("--security", type=click.Choice(hotspot.SECURITIES), default="wpa2", show_default=True,
              help="wpa2 suits every tablet; wpa3 (SAE) only newer ones; wpa2-wpa3 offers both (hostapd only).")
@click.option("--band", type=click.Choice(list(hotspot.BANDS)), default="2.4", show_default=True, help="GHz.")
@click.option("--channel", type=int, default=None, help="Default: 6 on 2.4 GHz, 36 on 5 GHz.")
@click.option("--country", default="SE", show_default=True, help="The country whose radio rules apply (two letters).")
@click.option("--address", default="10.42.0.1/24", show_default=True, help="The station's address and the network's size on the hotspot.")
@click.option("--name", "names", multiple=True, help="A name for the station besides those it has (default: its TLS names, else <hostname>.local).")
@click.option("--root", default="/", show_default=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where /etc is: a temporary folder to look at the files first.")
@click.option("--dry-run", is_flag=True, help="Print what would be written and run; change nothing.")
@click.option("--start", is_flag=True, help="Also bring the network up now (as root, with --root /; install.sh --hotspot does).")
def hotspot_command(
    data_dir: Path, ssid: str | None, interface: str, backend: str | None, security: str, band: str, channel: int | None,
    country: str, address: str, names: tuple[str, ...], root: Path, dry_run: bool, start: bool,
) -> None:
    """Make the station its own Wi-Fi access point (WPA2/WPA3) for its tablets, with a new random passphrase."""
    if start and root.resolve() != Path("/"):
        raise click.BadParameter("--start brings up this machine's network, so it goes only with --root /", param_hint="--start")
    settings = read_settings(data_dir)
    backend = backend or ("networkmanager" if (root / "usr/bin/nmcli").exists() else "hostapd")
    if backend == "networkmanager" and security == "wpa2-wpa3":
        raise click.BadParameter("NetworkManager's hotspot is either wpa2 or wpa3; for both at once use --backend hostapd", param_hint="--security")
    spot = hotspot.Hotspot(
        ssid=checked_ssid(ssid if ssid is not None else default_ssid(settings)),
        passphrase=hotspot.new_passphrase(),
        interface=checked_interface(interface),
        security=security,
        band=band,
        channel=checked_channel(band, channel),
        country=checked_country(country),
        address=checked_address(address),
    )
    known = settings.get("STATION_NAMES") or []
    known = [name for name in known.split(",")] if isinstance(known, str) else list(known)
    dns_names = station_names([*known, *names] or [f"{socket.gethostname().lower()}.local"])
    spot = dataclasses.replace(spot, names=tuple(name for name in dns_names if not is_address(name)))
    all_names = list(dict.fromkeys([*dns_names, spot.station_address]))
    https_port = urllib.parse.urlsplit(str(settings.get("PUBLIC_URL") or "https://x")).port or 443
    written = hotspot.files(spot, backend)
    commands = hotspot.start_commands(spot, backend) + ["systemctl try-restart vallokal-station vallokal-caddy"]
    if dry_run:
        click.echo(f"Dry run: nothing is written. With --backend {backend} this would write:")
        for relative, (text, mode) in written.items():
            click.echo(f"\n--- {root / relative} (mode {mode:o})\n{text}", nl=False)
        click.echo(f"\nand in {data_dir}: a certificate for {', '.join(all_names)} (if the present one does not name them all), "
                   "STATION_NAMES in station.toml, and the Wi-Fi QR code hotspot-wifi.svg. Then run, as root:")
        for command in commands:
            click.echo(f"  {command}")
        return
    for relative, (text, mode) in written.items():
        write_private(root / relative, text, mode)
    if certificate_names(data_dir) >= set(all_names):
        write_settings(data_dir, {"STATION_NAMES": ",".join(list(dict.fromkeys([*known, *all_names])))})
        click.echo(f"The station's certificate already names {', '.join(all_names)}; it is kept, and so is its SPKI pin.")
    else:
        set_up_tls(data_dir, all_names, https_port, None)
        click.echo("A new certificate, so a new SPKI pin: give it to kiosk launchers that pin the old one.")
    write_settings(data_dir, {"HOTSPOT_ADDRESS": spot.station_address})
    qr_file = data_dir / "hotspot-wifi.svg"
    write_private(qr_file, str(qr_svg(hotspot.wifi_qr_text(spot))), 0o600)
    hand_data_folder_back(data_dir)
    click.echo(f"Wi-Fi network for the tablets ({backend}, {security.upper()}, {band} GHz channel {spot.channel}):")
    click.echo(f"  network     {spot.ssid}")
    click.echo(f"  passphrase  {spot.passphrase}")
    click.echo(f"  station     https://{(dns_names or all_names)[0]} and https://{spot.station_address} on that network")
    click.echo(f"Tablets join by scanning this code (also in {qr_file}):")
    terminal_qr(hotspot.wifi_qr_text(spot))
    click.echo("Files written:")
    for relative in written:
        click.echo(f"  {root / relative}")
    if not start:
        click.echo("Start the network (as root):")
        for command in commands:
            click.echo(f"  {command}")
        return
    for command in commands:
        click.echo(f"+ {command}")
        if subprocess.run(shlex.split(command), check=False).returncode != 0:
            raise click.ClickException(f"`{command}` failed; the files are written, so fix what it says and run it again")


def read_settings(data_dir: Path) -> dict[str, object]:
    """station.toml as it is, read without creating anything (for a dry run)."""
    path = data_dir / "station.toml"
    try:
        return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise click.ClickException(f"{path} cannot be read ({error}); fix or remove it first") from None


def default_ssid(settings: dict[str, object]) -> str:
    name = "".join(character for character in str(settings.get("STATION_NAME") or "") if character.isalnum() or character in " -")
    ssid = " ".join(f"Vallokal {name}".split())
    while len(ssid.encode("utf-8")) > 32:
        ssid = ssid[:-1].rstrip()
    return ssid


SSID_PUNCTUATION = " -_.'()"


def checked_ssid(ssid: str) -> str:
    if not ssid or ssid != ssid.strip() or len(ssid.encode("utf-8")) > 32 or any(
        not (character.isalnum() or character in SSID_PUNCTUATION) for character in ssid
    ):
        raise click.BadParameter("give 1 to 32 bytes of letters, digits, spaces and -_.'() with no space at either end", param_hint="--ssid")
    return ssid


def checked_interface(interface: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9_.-]{1,15}", interface):
        raise click.BadParameter("give a network interface's name, such as wlan0 (see `ip link`)", param_hint="--interface")
    return interface


def checked_channel(band: str, channel: int | None) -> int:
    channels = hotspot.BANDS[band][2]
    channel = hotspot.DEFAULT_CHANNEL[band] if channel is None else channel
    if channel not in channels:
        raise click.BadParameter(f"on {band} GHz the channel is one of {', '.join(map(str, channels))}", param_hint="--channel")
    return channel


def checked_country(country: str) -> str:
    if not re.fullmatch(r"[A-Za-z]{2}", country):
        raise click.BadParameter("give the two-letter country code, such as SE", param_hint="--country")
    return country.upper()


def checked_address(address: str) -> str:
    try:
        interface = ipaddress.IPv4Interface(address)
    except ValueError:
        interface = None
    if (interface is None or "/" not in address or not interface.ip.is_private or not 16 <= interface.network.prefixlen <= 28
            or interface.ip in (interface.network.network_address, interface.network.broadcast_address)):
        raise click.BadParameter("give a private IPv4 address with its network size, such as 10.42.0.1/24", param_hint="--address")
    return str(interface)


def is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def certificate_names(data_dir: Path) -> set[str]:
    """The names and addresses the station's present certificate covers (none without one)."""
    path = data_dir / certificates.FOLDER / certificates.CERTIFICATE
    if not path.exists():
        return set()
    certificate = certificates.load_certificate(data_dir)
    alternatives = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {str(value) for value in alternatives.get_values_for_type(x509.DNSName) + alternatives.get_values_for_type(x509.IPAddress)}


def write_private(path: Path, text: str, mode: int) -> None:
    """Write `text` whole (a temporary file renamed over the old one), never readable by others even for a moment."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700 if mode == 0o600 else 0o755)
    temporary = path.with_name(f".{path.name}.new")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), mode)
        handle.write(text)
    os.replace(temporary, path)


def hand_data_folder_back(data_dir: Path) -> None:
    """Run as root (it writes /etc), the command still leaves the data folder to the station's own user."""
    owner = data_dir.stat()
    if os.geteuid() != 0 or owner.st_uid == 0:
        return
    for path in [data_dir, *data_dir.rglob("*")]:
        os.chown(path, owner.st_uid, owner.st_gid, follow_symlinks=False)


@station.command("pair")
@data_option
@click.option("--name", default=None, help="The tablet's name on the staff panel (default: the next free \"Tablet N\").")
@click.option("--url", "base_url", default=None, help="The station's address as tablets reach it (default: PUBLIC_URL in station.toml, else the "
    "served address).")
def pair(data_dir: Path, name: str | None, base_url: str | None) -> None:
    """Print a one-time URL that pairs one browser as a voting tablet (valid ten minutes, used once)."""
    app = station_app(data_dir, needs_authority=False)
    with app.app_context():
        token = store.issue_pairing_code(now(), name)
    click.echo(pairing.pairing_url(token, base_url or pairing.station_base_url(app.config)))


@station.command("load-package")
@data_option
@click.argument("package_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_package(data_dir: Path, package_file: Path) -> None:
    """Verify a signed election package and install it on this station."""
    app = station_app(data_dir)
    with app.app_context():
        try:
            package = store.load_package(package_file.read_bytes(), now())
        except PackageError as error:
            raise click.ClickException(f"the package was refused: {error}") from None
    click.echo(f"Loaded election {package.id} (package sha256 {package.hash}).")


@station.command("set-pin")
@data_option
@click.option("--pin", prompt="New staff PIN", hide_input=True, confirmation_prompt=True, help="8 to 32 digits.")
def set_pin(data_dir: Path, pin: str) -> None:
    """Set the staff PIN (stored only as a scrypt hash)."""
    app = station_app(data_dir, needs_authority=False)
    with app.app_context():
        try:
            store.set_pin(pin)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--pin") from None
    click.echo("The staff PIN is set.")


@station.command("status")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print one line of JSON.")
def status(data_dir: Path, as_json: bool) -> None:
    """Show the loaded election, the polls and the ballots cast."""
    app = station_app(data_dir)
    with app.app_context():
        package = store.current_package()
        facts = {
            "station": store.station().name,
            "device_id": store.station().device_id,
            "election": package.id if package else None,
            "package_sha256": package.hash if package else None,
            "polls": store.station().polls,
            "ballots_cast": store.ballots_cast(),
            "unsynced": store.unsynced(),
            "chain_head": store.chain_head(),
        }
    if as_json:
        click.echo(json.dumps(facts))
    else:
        for key, value in facts.items():
            click.echo(f"{key}: {value}")


@station.command("enrolment-request")
@data_option
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the request for the office.")
def enrolment_request(data_dir: Path, out_file: Path) -> None:
    """Write this device's enrolment request, for `vallokal office enrol`."""

    app = station_app(data_dir)
    with app.app_context():
        try:
            request = outbox.enrolment_request()
        except CertificateError as error:
            raise click.ClickException(str(error)) from None
    out_file.write_text(json.dumps(request, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    click.echo(f"Enrolment request for {request['body']['station_name']} ({request['body']['device_id']}) written to {out_file}.")


@station.command("install-certificate")
@data_option
@click.argument("certificate_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def install_certificate(data_dir: Path, certificate_file: Path) -> None:
    """Install the certificate the office issued for this device."""

    app = station_app(data_dir)
    with app.app_context():
        try:
            document = json.loads(certificate_file.read_text(encoding="utf-8"))
            outbox.install_certificate(document)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise click.ClickException(f"{certificate_file} is not a certificate (not JSON)") from None
        except CertificateError as error:
            raise click.ClickException(str(error)) from None
    click.echo("The certificate is installed; this station can deliver its ballots.")


@station.command("sync")
@data_option
def sync(data_dir: Path) -> None:
    """Send every record the office has not acknowledged, once, now."""

    app = station_app(data_dir)
    with app.app_context():
        try:
            result = outbox.push()
        except outbox.SyncError as error:
            raise click.ClickException(f"sync failed: {error}") from None
    click.echo(f"Sent {result.bundles} bundles; the office has everything up to {result.acknowledged}; {result.pending} pending.")


@station.command("export")
@data_option
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path), help="Folder to write to, such as a USB stick.")
def export(data_dir: Path, out_dir: Path) -> None:
    """Write every record as bundle files for `vallokal office import`."""

    app = station_app(data_dir)
    with app.app_context():
        try:
            written = outbox.export(out_dir)
        except outbox.SyncError as error:
            raise click.ClickException(str(error)) from None
        except OSError as error:
            raise click.ClickException(f"cannot write to {out_dir}: {error.strerror}") from None
    for path in written:
        click.echo(f"Wrote {path}")


def read_package_source(source: str) -> bytes:
    """A package from a file, or from the office's download address."""
    if source.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(source, timeout=30) as answer:
                data = answer.read(MAX_PACKAGE_DOWNLOAD + 1)
        except (urllib.error.URLError, OSError, ValueError) as error:
            raise click.ClickException(f"cannot download the package from {source}: {getattr(error, 'reason', error)}") from None
        if len(data) > MAX_PACKAGE_DOWNLOAD:
            raise click.ClickException(f"{source} is larger than a package can be")
        return data
    try:
        return Path(source).read_bytes()
    except OSError as error:
        raise click.ClickException(f"cannot read the package file {source}: {error.strerror}") from None


def write_settings(data_dir: Path, changes: dict[str, str | int]) -> Path:
    """Merge `changes` into station.toml, keeping any setting already there."""
    path = data_dir / "station.toml"
    settings: dict[str, object] = {}
    if path.exists():
        try:
            settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise click.ClickException(f"{path} cannot be read ({error}); fix or remove it first") from None
    settings.update(changes)
    path.write_text(tomli_w.dumps(settings), encoding="utf-8")
    return path


@station.command("provision")
@data_option
@click.option("--name", required=True, help="The station's name, as staff and the office see it (\"Rinkeby bibliotek\").")
@click.option("--authority-key", required=True, help="The authority's public signing key, as `vallokal office keys` printed it.")
@click.option("--package", "package_source", required=True, help="The signed package: a file, or the office's address for it.")
@click.option("--office-url", default=None, help="The office's address, for sending ballots when online.")
@click.option("--pin", prompt="Staff PIN for this station (8 to 32 digits)", hide_input=True, confirmation_prompt=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address waitress serves on (loopback; tablets on the network come through TLS: "
    "vallokal station tls).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535))
def provision(data_dir: Path, name: str, authority_key: str, package_source: str, office_url: str | None, pin: str, host: str, port: int) -> None:
    """Set up this device as a station in one step, and write its enrolment request for the office."""

    name = name.strip()
    if not name or len(name) > 200:
        raise click.BadParameter("give a name of 1 to 200 characters", param_hint="--name")
    try:
        keys.signing_public(authority_key.strip(), "--authority-key")
    except keys.KeyFileError as error:
        raise click.BadParameter(f"{error}; copy the AUTHORITY_KEY line `vallokal office keys` printed", param_hint="--authority-key") from None
    refuse_plain_http(host, f"vallokal station tls --data {data_dir} --name station.local")
    if office_url and not office_url.startswith(("http://", "https://")):
        raise click.BadParameter("give the office's address starting with https://", param_hint="--office-url")
    if not valid_pin(pin):
        raise click.BadParameter("a PIN is 8 to 32 digits", param_hint="--pin")
    package_file = read_package_source(package_source)
    try:
        packages.check_window(packages.read_file(package_file, authority_key.strip()).package, now())
    except PackageError as error:
        raise click.ClickException(f"the package was refused: {error}") from None

    data_dir.mkdir(parents=True, exist_ok=True)
    settings: dict[str, str | int] = {"STATION_NAME": name, "AUTHORITY_KEY": authority_key.strip(), "HOST": host, "PORT": port}
    if office_url:
        settings["OFFICE_URL"] = office_url.rstrip("/")
    config = write_settings(data_dir, settings)
    app = station_app(data_dir)
    with app.app_context():
        try:
            package = store.load_package(package_file, now())
        except PackageError as error:
            raise click.ClickException(f"the package was refused: {error}") from None
        store.set_pin(pin)
        try:
            request = outbox.enrolment_request()
        except CertificateError as error:
            raise click.ClickException(str(error)) from None
    text = json.dumps(request, sort_keys=True, separators=(",", ":"))
    request_file = data_dir / "enrolment-request.json"
    request_file.write_text(json.dumps(request, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    qr_file = data_dir / "enrolment-request.svg"
    qr_file.write_text(str(qr_svg(text)), encoding="utf-8")
    click.echo(f"Station {name!r} ({request['body']['device_id']}) is set up in {data_dir.resolve()}:")
    click.echo(f"  settings   {config}")
    click.echo(f"  election   {package.id} (package sha256 {package.hash[:16]}…)")
    click.echo("  staff PIN  set")
    click.echo(f"  serves on  http://{host}:{port}/")
    click.echo(f"Enrolment request: {request_file} and {qr_file}. Give the file to the office, or let it scan this code:")
    terminal_qr(text)
    click.echo("Then install the certificate the office gives back: vallokal station install-certificate --data "
               f"{data_dir} certificate.json")


def terminal_qr(text: str) -> None:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_L, border=2)
    code.add_data(text)
    buffer = io.StringIO()
    code.print_ascii(out=buffer, invert=True)
    click.echo(buffer.getvalue())
