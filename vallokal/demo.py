"""`vallokal demo`: a station and its office with a realistic signed election, in one command.

The data folder keeps the office (its keys, database and two rehearsal clerks),
the signed package and the station's own data, so running the demo again
continues where it stopped. The station is enrolled with the office and sends
its ballots there, so a newcomer sees the whole chain: vote, sync, count, publish.
"""

from __future__ import annotations

import json
import secrets
import threading
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import click
import waitress.server
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

from .demo_texts import in_all_languages, survey
from .election import keys, package as packages
from .election.material import Draft
from .kiosk import create_app, outbox, pairing, prepare, server, store
from .kiosk.cli import refuse_plain_http
from .sync.office import audio, create_app as create_office, prepare as prepare_office, signing_key, store as office_store
from .sync.office.authority import key_files
from .sync.office.store import REHEARSAL_CLERKS, REHEARSAL_PASSWORD

STOCKHOLM = ZoneInfo("Europe/Stockholm")
DEMO_PASSPHRASE = "vallokal-demo"

PROJECTS = [
    ("belysning", 180_000, "Trygg belysning längs gångvägen till Spånga station", "Safe lighting along the footpath to Spånga station",
     "Nya lampor längs den mörka gångvägen, så att fler vågar gå där på kvällen.", "New lamps along the dark footpath, so that more people feel safe walking there in the evening.", "Trygghet", "Safety"),
    ("utegym", 250_000, "Utegym vid Tensta träff", "Outdoor gym at Tensta träff",
     "Ett gratis utegym med redskap för alla åldrar och för personer som använder rullstol.", "A free outdoor gym with equipment for all ages and for wheelchair users.", "Idrott", "Sport"),
    ("bankar", 60_000, "Fler bänkar på Tensta torg", "More benches in Tensta square",
     "Tolv nya bänkar med ryggstöd och armstöd, så att äldre kan vila när de handlar.", "Twelve new benches with back and arm rests, so that older people can rest while shopping.", "Torg och parker", "Squares and parks"),
    ("odling", 95_000, "Odlingslådor för grannar", "Planting boxes for neighbours",
     "Trettio odlingslådor i Hjulstaparken som grannar kan låna en säsong i taget.", "Thirty planting boxes in Hjulsta park that neighbours can borrow one season at a time.", "Torg och parker", "Squares and parks"),
    ("laxhjalp", 140_000, "Läxhjälp i biblioteket på kvällar", "Evening homework help at the library",
     "Läxhjälp tre kvällar i veckan under ett läsår, med hjälp på flera språk.", "Homework help three evenings a week for a school year, with help in several languages.", "Unga", "Young people"),
    ("konstgras", 420_000, "Konstgräs på bollplanen i Hjulsta", "Artificial turf on the Hjulsta pitch",
     "Bollplanen får konstgräs och kan användas från tidig vår till sen höst.", "The pitch gets artificial turf and can be used from early spring to late autumn.", "Idrott", "Sport"),
    ("lekplats", 310_000, "Lekplats med gunga för alla barn", "Playground with a swing for every child",
     "Lekplatsen byggs om med en gunga och sandlåda som barn i rullstol också kan använda.", "The playground is rebuilt with a swing and sandpit that children in wheelchairs can use too.", "Barn", "Children"),
    ("cykelstall", 75_000, "Cykelställ med tak vid skolan", "Covered bike racks at the school",
     "Sextio platser under tak, med ställ där cykeln kan låsas fast i ramen.", "Sixty covered places, with racks that the bike frame can be locked to.", "Trafik", "Traffic"),
    ("sommarbio", 45_000, "Sommarbio i parken", "Summer cinema in the park",
     "Sex gratis filmkvällar i parken under sommarlovet, med textning.", "Six free film evenings in the park during the summer holidays, with subtitles.", "Kultur", "Culture"),
    ("fontaner", 110_000, "Dricksvattenfontäner", "Drinking fountains",
     "Fyra fontäner med dricksvatten vid lekplatser och bollplaner.", "Four drinking-water fountains by playgrounds and pitches.", "Torg och parker", "Squares and parks"),
    ("tunneln", 160_000, "Ljusare gångtunnel under Tenstavägen", "A brighter underpass below Tenstavägen",
     "Tunneln får ljus, färg och konst som barn i området får vara med och göra.", "The underpass gets light, colour and art made together with local children.", "Trygghet", "Safety"),
    ("skugga", 85_000, "Skugga och sittplatser vid Tensta träff", "Shade and seating at Tensta träff",
     "Solsegel och sittplatser så att fler kan vara ute på varma dagar.", "Shade sails and seating so that more people can be outside on hot days.", "Torg och parker", "Squares and parks"),
]


def demo_document(
    authority_public: str,
    sealing_public: str,
    now: datetime,
    office_signing_public: str | None = None,
    rule: dict[str, Any] | None = None,
    check_in: str = "open",
    code_hashes: list[str] | None = None,
    election_id: str = "tensta-2026",
) -> dict[str, Any]:
    """A realistic package document: a Stockholm district, twelve projects, 1 000 000 kr."""
    today = now.astimezone(STOCKHOLM).date()
    opens = datetime.combine(today - timedelta(days=1), time(8, 0), STOCKHOLM)
    closes = datetime.combine(today + timedelta(days=30), time(20, 0), STOCKHOLM)
    document: dict[str, Any] = {
        "schema_version": packages.SCHEMA_VERSION,
        "id": election_id,
        "title": {"sv": "Medborgarbudget Tensta 2026", "en": "Citizens' budget Tensta 2026"},
        "description": {
            "sv": "Boende i Tensta och Hjulsta röstar om vilka förslag som ska bli verklighet nästa år.",
            "en": "People living in Tensta and Hjulsta vote on which proposals become real next year.",
        },
        "area": {"name": {"sv": "Tensta och Hjulsta", "en": "Tensta and Hjulsta"}, "municipality": "Stockholm"},
        "languages": ["sv", "en"],
        "budget": 1_000_000,
        "currency": "SEK",
        "voting": {"opens": opens.isoformat(), "closes": closes.isoformat(), "timezone": "Europe/Stockholm"},
        "ballot": rule or {"rule": "knapsack", "min_selections": 1},
        "eligibility": {
            "minimum_age": 12,
            "area_statement": {"sv": "Du ska bo, arbeta eller gå i skolan i Tensta eller Hjulsta.", "en": "You must live, work or go to school in Tensta or Hjulsta."},
        },
        "check_in": check_in,
        "projects": [
            {
                "id": project_id,
                "title": {"sv": title_sv, "en": title_en},
                "summary": {"sv": summary_sv, "en": summary_en},
                "cost": cost,
                "category": {"sv": category_sv, "en": category_en},
                "location": {"sv": "Tensta", "en": "Tensta"},
            }
            for project_id, cost, title_sv, title_en, summary_sv, summary_en, category_sv, category_en in PROJECTS
        ],
        "counting": {"rule": "greedy", "tie_break": "project-id"},
        "keys": {"authority_signing": authority_public, "office_sealing": sealing_public},
        "survey": survey(("sv", "en")),
    }
    if office_signing_public:
        document["keys"]["office_signing"] = office_signing_public
    if code_hashes is not None:
        document["voting_codes"] = {"hash": "sha256", "hashes": sorted(code_hashes)}
    return document


def with_speech(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The demo with spoken texts when espeak-ng and opusenc are installed, without them otherwise."""
    if audio.tools_missing():
        click.echo("(No speech in the demo: install espeak-ng and opus-tools to let voters listen.)")
        return document, {}
    spoken = audio.add_audio(Draft(document))
    return spoken.document, spoken.assets


def _key(path: Path, kind: type, passphrase: str | None = None) -> Any:
    if not path.exists():
        keys.write_private(kind.generate(), path, passphrase)
    return keys.read_private(path, passphrase)


def demo_clerks() -> dict[str, str]:
    """The rehearsal office's two built-in clerks (two, because imports, held records and publishing need four eyes)."""
    return {name: REHEARSAL_PASSWORD for name in REHEARSAL_CLERKS}


def demo_office(office_dir: Path, authority: Ed25519PrivateKey, sealing: X25519PrivateKey, package_file: Path, clerks: dict[str, str]) -> Any:
    """The demo's office: the authority's public keys beside the private ones, the election loaded, the clerks able to log in."""
    public_file = key_files(office_dir).public
    if not public_file.exists():
        public = {
            "authority_signing": keys.public_text(authority),
            "office_sealing": keys.public_text(sealing),
            "office_signing": keys.public_text(signing_key(office_dir)),
        }
        public_file.write_text(json.dumps(public, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    # The demo serves plain HTTP on this computer; a real office sits behind TLS and keeps secure cookies.
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_dir)
    prepare_office(office)
    with office.app_context():
        if office_store.election() is None:
            try:
                office_store.load_package(package_file.read_bytes())
            except packages.PackageError as error:
                raise click.ClickException(f"the demo office refused the demo package: {error}") from None
        known = office_store.user_names()
        for name, password in clerks.items():
            if name not in known:
                office_store.add_user(name, password)
    return office


def enrol_with(office: Any) -> None:
    """Enrol the station in the current app context with the demo office, once, as staff would with its QR code."""
    if outbox.certificate() is not None:
        return
    request = outbox.enrolment_request()
    with office.app_context():
        authority = keys.read_signing_key(key_files(Path(office.instance_path)).signing, DEMO_PASSPHRASE)
        issued = office_store.enrol(request, authority, datetime.now(STOCKHOLM))
    outbox.install_certificate(issued)


def serve_office(office: Any, host: str, port: int) -> Any:
    """The office under waitress in a background thread, until the demo stops."""
    try:
        server = waitress.server.create_server(office, host=host, port=port, threads=2, ident="vallokal-office")
    except OSError as error:
        raise click.ClickException(f"the demo office cannot listen on {host}:{port} ({error.strerror}); choose another --office-port") from None
    threading.Thread(target=server.run, name="vallokal-demo-office", daemon=True).start()
    return server


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to serve on.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="The station's port.")
@click.option("--office-port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="The demo office's port.")
@click.option("--data", "data_dir", default="vallokal-demo", show_default=True, type=click.Path(file_okay=False, path_type=Path), help="Folder for the demo's keys, package, office and station data.")
@click.option("--no-serve", is_flag=True, help="Set everything up, print how to reach it, and exit.")
@click.option("--speech/--no-speech", default=True, show_default=True, help="Speak the ballot with espeak-ng, if it is installed.")
def demo(host: str, port: int, office_port: int, data_dir: Path, no_serve: bool, speech: bool) -> None:
    """Set up and serve a demo station with a signed election, polls open, and the office it sends its ballots to."""
    if port == office_port:
        raise click.BadParameter("the station and the office need two different ports", param_hint="--office-port")
    if not no_serve:
        refuse_plain_http(host, f"vallokal station tls --data {data_dir / 'station'} --name station.local")
    data_dir.mkdir(parents=True, exist_ok=True)
    office_dir = data_dir / "office"
    authority = _key(office_dir / "authority-signing.pem", Ed25519PrivateKey, DEMO_PASSPHRASE)
    sealing = _key(office_dir / "office-sealing.pem", X25519PrivateKey, DEMO_PASSPHRASE)
    office_signing = keys.public_text(signing_key(office_dir))
    package_file = data_dir / "election-package.zip"
    now = datetime.now(STOCKHOLM)
    if not package_file.exists():
        document = in_all_languages(demo_document(keys.public_text(authority), keys.public_text(sealing), now, office_signing_public=office_signing))
        spoken, assets = with_speech(document) if speech else (document, {})
        package_file.write_bytes(packages.build_file(spoken, authority, assets))
    office_config = office_dir / "office.toml"
    if not office_config.exists():
        office_config.write_text(f'AUTHORITY_KEY = "{keys.public_text(authority)}"\nREHEARSAL = true\n', encoding="utf-8")
    clerks = demo_clerks()
    office = demo_office(office_dir, authority, sealing, package_file, clerks)
    office_url = f"http://{host}:{office_port}/"

    station_dir = data_dir / "station"
    station_dir.mkdir(exist_ok=True)
    config = station_dir / "station.toml"
    if not config.exists():
        config.write_text(
            'STATION_NAME = "Tensta bibliotek"\n'
            f'AUTHORITY_KEY = "{keys.public_text(authority)}"\n',
            encoding="utf-8",
        )
    pin_file = data_dir / "staff-pin.txt"
    app = create_app({"OFFICE_URL": office_url, "SYNC_INTERVAL_SECONDS": 5}, data_dir=station_dir)
    prepare(app)
    with app.app_context():
        try:
            store.load_package(package_file.read_bytes(), now)
        except packages.PackageError as error:
            raise click.ClickException(f"the demo package was refused: {error}") from None
        enrol_with(office)
        if not pin_file.exists():
            pin = f"{secrets.randbelow(10**8):08d}"
            store.set_pin(pin)
            pin_file.write_text(pin + "\n", encoding="utf-8")
        pin = pin_file.read_text(encoding="utf-8").strip()
        if store.station().polls != "open":
            store.open_polls(now)
        cast = store.ballots_cast()
        pairing_token = store.issue_pairing_code(now)

    url = f"http://{host}:{port}/"
    click.echo(f"Vallokal demo: data in {data_dir.resolve()}")
    click.echo(f"  Voter page:  {url}  (this device's own screen; another browser pairs first)")
    click.echo(f"  Pair a tablet: {pairing.pairing_url(pairing_token, url)}  (once, within ten minutes)")
    click.echo(f"  Staff page:  {url}staff/  (PIN {pin})")
    click.echo(f"  Office:      {office_url}  (a rehearsal office: its protocols say rehearsal)")
    for name, password in clerks.items():
        click.echo(f"    clerk {name}, password '{password}'")
    click.echo(f"  Ballots cast so far: {cast}; the station sends them to the office within seconds.")
    click.echo(f"  The office keys' passphrase (to count at the office) is '{DEMO_PASSPHRASE}'.")
    if no_serve:
        return
    office_server = serve_office(office, host, office_port)
    click.echo("Press Ctrl+C to stop.")
    try:
        server.serve(app, host, port)
    finally:
        office_server.close()
