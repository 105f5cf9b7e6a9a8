"""`vallokal office …`: the office's commands for its staff and administrators."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import click
from flask import Flask

from ...election import certificate as certificates, keys
from ...election.package import PackageError
from . import channels, counting, create_app, prepare, store
from .extensions import db

data_option = click.option(
    "--data",
    "data_dir",
    envvar="VALLOKAL_OFFICE_DATA",
    default="office-data",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The office's data folder (office.toml, keys, and the SQLite database unless DATABASE_URL is set).",
)


def office_app(data_dir: Path) -> Flask:
    """The office in `data_dir`, its database brought up to date; closed when the command ends."""
    app = create_app(data_dir=data_dir)
    prepare(app)
    click.get_current_context().call_on_close(lambda: close(app))
    return app


def close(app: Flask) -> None:
    with app.app_context():
        db.engine.dispose()


def now() -> datetime:
    return datetime.now(timezone.utc)


@click.group("office")
def office() -> None:
    """Run the central office: receive, merge and follow what the stations send."""


@office.command("serve")
@data_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
def serve(data_dir: Path, host: str, port: int, threads: int) -> None:
    """Serve the station API and the staff pages under waitress."""
    import waitress

    app = office_app(data_dir)
    click.echo(f"Office serving on http://{host}:{port}/ (API at /api/v1, data in {data_dir.resolve()})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="vallokal-office")


@office.command("signing-key")
@data_option
def signing_key(data_dir: Path) -> None:
    """Print the office's acknowledgement key, for the election package's keys.office_signing."""
    app = create_app(data_dir=data_dir)
    click.echo(keys.public_text(app.extensions["vallokal_office_key"]))


@office.command("load-package")
@data_option
@click.argument("package_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def load_package(data_dir: Path, package_file: Path) -> None:
    """Verify the signed election package and make it the election this office runs."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            package = store.load_package(package_file.read_bytes())
        except PackageError as error:
            raise click.ClickException(f"the package was refused: {error}") from None
    click.echo(f"The office runs election {package.id} (package sha256 {package.hash}).")


@office.command("add-user")
@data_option
@click.argument("username")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 12 characters.")
def add_user(data_dir: Path, username: str, password: str) -> None:
    """Add a member of staff, or set a new password for one."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            store.add_user(username, password)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--password") from None
    click.echo(f"{username} can log in.")


@office.command("enrol")
@data_option
@click.argument("request_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--authority-key", "authority_key_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path), help="The authority's signing key (PEM).")
@click.option("--passphrase", envvar="VALLOKAL_AUTHORITY_PASSPHRASE", prompt="Passphrase of the authority key", hide_input=True, default="", show_default=False)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the certificate.")
@click.option("--days", default=store.CERTIFICATE_DAYS, show_default=True, type=click.IntRange(1, 3650))
def enrol(data_dir: Path, request_file: Path, authority_key_file: Path, passphrase: str, out_file: Path, days: int) -> None:
    """Issue a device certificate from a station's enrolment request."""
    app = office_app(data_dir)
    try:
        authority = keys.read_signing_key(authority_key_file, passphrase or None)
        document = json.loads(request_file.read_text(encoding="utf-8"))
    except keys.KeyFileError as error:
        raise click.ClickException(str(error)) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise click.ClickException(f"{request_file} is not an enrolment request (not JSON)") from None
    with app.app_context():
        try:
            issued = store.enrol(document, authority, now(), days)
        except (certificates.CertificateError, store.Refused) as error:
            raise click.ClickException(str(error)) from None
    out_file.write_text(json.dumps(issued, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    body = issued["body"]
    click.echo(f"Certificate for {body['station_name']} ({body['device_id']}) valid until {body['not_after']}, written to {out_file}.")


@office.command("revoke")
@data_option
@click.argument("device_id")
@click.option("--reason", required=True, help="Why: shown to staff and answered to the device.")
def revoke(data_dir: Path, device_id: str, reason: str) -> None:
    """Refuse a device's later bundles; what it already delivered stays."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            store.revoke(device_id, reason, now())
        except LookupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Device {device_id} is revoked.")


@office.command("import")
@data_option
@click.argument("bundle_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_bundles(data_dir: Path, bundle_files: tuple[Path, ...]) -> None:
    """Import bundles written by `vallokal station export` (from a USB stick)."""
    app = office_app(data_dir)
    failed = 0
    with app.app_context():
        for path in bundle_files:
            try:
                outcome = store.ingest(path.read_bytes(), "file", now())
            except store.Refused as refusal:
                failed += 1
                click.echo(f"{path}: refused: {refusal.reason}", err=True)
                continue
            accepted = sum(1 for result in outcome.results if result["status"] == "accepted")
            click.echo(
                f"{path}: {accepted} new records, {len(outcome.results) - accepted} already here; "
                f"device {outcome.device_id} complete up to {outcome.high_water}."
            )
    if failed:
        raise click.ClickException(f"{failed} of {len(bundle_files)} files were refused")


@office.command("import-votes")
@data_option
@click.argument("votes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Where the votes come from, for example the digital platform's name.")
@click.option("--by", "imported_by", default="command line", show_default=True)
def import_votes(data_dir: Path, votes_file: Path, source: str, imported_by: str) -> None:
    """Add votes from another platform: a Pabulib .pb file, or CSV with a vote column."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            imported = channels.import_votes(votes_file.read_bytes(), votes_file.name, source, imported_by, now())
        except channels.ChannelError as error:
            raise click.ClickException(f"{votes_file}: {error}") from None
        except store.Refused as refusal:
            raise click.ClickException(refusal.reason) from None
        click.echo(f"{votes_file}: {imported.ballots} votes from {imported.source} imported")


@office.command("tally")
@data_option
@click.option("--sealing-key", "sealing_key_file", type=click.Path(dir_okay=False, path_type=Path), help="The office's sealing key (PEM). Default: office-sealing.pem in the data folder.")
@click.option("--passphrase", envvar="VALLOKAL_SEALING_PASSPHRASE", prompt="Passphrase of the sealing key", hide_input=True, default="", show_default=False)
@click.option("--by", "counted_by", default="command line", show_default=True, help="Who counts: shown in the protocol.")
@click.option("--publish", is_flag=True, help="Publish the outcome on the public results page at once.")
def tally(data_dir: Path, sealing_key_file: Path | None, passphrase: str, counted_by: str, publish: bool) -> None:
    """Open and count every accepted ballot; store the outcome with a hash of its inputs."""
    app = office_app(data_dir)
    path = sealing_key_file or data_dir / "office-sealing.pem"
    with app.app_context():
        try:
            key = counting.read_sealing_key(path, passphrase)
            records = store.totals()["records"]
            with click.progressbar(length=records, label="Opening and checking ballots", file=sys.stderr) as bar:
                count = counting.run(key, counted_by, now(), progress=bar.update)
        except counting.CountError as error:
            raise click.ClickException(str(error)) from None
        except store.Refused as refusal:
            raise click.ClickException(refusal.reason) from None
        if publish:
            counting.publish(count.id, now())
        result = counting.outcome(count)
        package = store.require_election()
        titles = {project.id: project.title[package.fallback_language] for project in package.projects}
    click.echo(f"count {count.id}: {result['received']} ballots received, {result['left_out_duplicates']} left out (voting code used twice), "
               f"{result['valid']} valid, {sum(result['invalid'].values())} invalid")
    for reason, number in result["invalid"].items():
        click.echo(f"  invalid ({reason}): {number}")
    click.echo(f"rule {result['counting_rule']}: {len(result['winners'])} projects funded, {result['spent']} of {result['budget']} used")
    for project_id in result["winners"]:
        click.echo(f"  {project_id}  {titles[project_id]}")
    click.echo(f"inputs {count.input_hash}\noutcome {count.outcome_hash}")
    if publish:
        click.echo("published on the results page")
    if count.differs_from is not None:
        raise click.ClickException(
            f"THIS COUNT DIFFERS from count {count.differs_from}, which counted the same inputs. Do not publish; investigate."
        )


@office.command("publish")
@data_option
@click.argument("count_id", type=click.IntRange(1))
def publish(data_dir: Path, count_id: int) -> None:
    """Publish a count's outcome on the public results page."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            count = counting.publish(count_id, now())
        except (LookupError, counting.CountError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"count {count.id} is published")


@office.command("status")
@data_option
@click.option("--json", "as_json", is_flag=True, help="Print one line of JSON.")
def status(data_dir: Path, as_json: bool) -> None:
    """Show each station: received, complete up to, missing ranges, closing report."""
    app = office_app(data_dir)
    with app.app_context():
        package = store.election()
        rows = [
            {
                "device_id": row["device"].device_id,
                "station": row["device"].station_name,
                "received": row["device"].received,
                "high_water": row["device"].high_water,
                "missing": row["missing"],
                "revoked": row["device"].revoked_at is not None,
                "closing": row["closing"],
            }
            for row in store.stations()
        ]
        facts = {"election": package.id if package else None, **store.totals(), "stations": rows}
    if as_json:
        click.echo(json.dumps(facts))
        return
    click.echo(f"election: {facts['election']}, records: {facts['records']}, devices: {facts['devices']}")
    for row in rows:
        missing = ", ".join(f"{start}-{end}" for start, end in row["missing"]) or "none"
        click.echo(f"  {row['station']} ({row['device_id']}): received {row['received']}, complete up to {row['high_water']}, missing {missing}")
