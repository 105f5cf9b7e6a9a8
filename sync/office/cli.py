"""`vallokal office …`: the office's commands for its staff and administrators."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click
import waitress
from flask import Flask

from ...election import certificate as certificates, keys, material, participation as participations
from ...election.package import PackageError
from ...web import commands
from ...web.clock import now
from . import (
    audio as speech,
    authority,
    channels,
    counting,
    create_app,
    followup,
    jobs,
    key_shares,
    prepare,
    publication,
    setup,
    signing_key as signing_key_of,
    store,
)

data_option = commands.data_option(
    "VALLOKAL_OFFICE_DATA", "office-data", "The office's data folder (office.toml, keys, and the SQLite database unless DATABASE_URL is set)."
)


def office_app(data_dir: Path) -> Flask:
    """The office in `data_dir`, its database brought up to date; closed when the command ends."""
    return commands.open_app(data_dir, create_app, prepare)


def four_eyes(command):
    """Options for two named clerks, each with their own password (asked for when not given)."""
    for option in reversed([
        click.option("--by", "clerk", help="The first clerk's user name."),
        click.option("--password", "clerk_password", envvar="VALLOKAL_CLERK_PASSWORD", help="The first clerk's password (asked for when not given)."),
        click.option("--approved-by", "second", help="The second, different clerk's user name."),
        click.option("--second-password", "second_password", envvar="VALLOKAL_SECOND_CLERK_PASSWORD", help="The second clerk's password (asked for "
            "when not given)."),
    ]):
        command = option(command)
    return command


def two_clerks(clerk: str | None, clerk_password: str | None, second: str | None, second_password: str | None) -> tuple[str, str]:
    """Both clerks checked by their own passwords (inside an app context); a ClickException if either fails."""
    if not clerk or not second:
        raise click.ClickException("this changes the outcome: name two different clerks with --by and --approved-by")
    if clerk_password is None:
        clerk_password = click.prompt(f"Password of {clerk}", hide_input=True)
    if second_password is None:
        second_password = click.prompt(f"Password of {second}", hide_input=True)
    try:
        first = store.clerk(clerk, clerk_password, now())
        return first, store.second_clerk(first, second, second_password, now())
    except store.NotApproved as error:
        raise click.ClickException(str(error)) from None


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
    app = office_app(data_dir)
    interrupted = jobs.recover(app)
    if interrupted:
        click.echo(f"{interrupted} job(s) were interrupted when the office stopped; a count starts again once its sealing key's passphrase is "
            "entered on its page.")
    token = setup.ensure_token(app)
    if token:
        click.echo(f"This office needs its first two clerks: open http://{host}:{port}/setup and give the setup token {token}")
        click.echo(f"(it is also in {setup.token_path(data_dir.resolve())}; it stops working once both clerks exist).")
    click.echo(f"Office serving on http://{host}:{port}/ (API at /api/v1, data in {data_dir.resolve()})")
    waitress.serve(app, host=host, port=port, threads=threads, ident="vallokal-office")


@office.command("signing-key")
@data_option
def signing_key(data_dir: Path) -> None:
    """Print the office's acknowledgement key, for the election package's keys.office_signing."""
    app = create_app(data_dir=data_dir)
    click.echo(keys.public_text(app.extensions["vallokal_office_key"]))


@office.command("keys")
@data_option
@click.option("--passphrase", envvar="VALLOKAL_AUTHORITY_PASSPHRASE", prompt="Passphrase for the new keys (at least 12 "
    "characters)", hide_input=True, confirmation_prompt=True)
@click.option("--shares", "share_count", default=5, show_default=True, type=click.IntRange(1, 255), help="Board members who each hold a share of the "
    "sealing key; 1 keeps one passphrase for it (a trial).")
@click.option("--threshold", default=3, show_default=True, type=click.IntRange(1, 255), help="How many of the shares open the sealing key.")
@click.option("--member", "members", multiple=True, help="A board member's name, once per share, in order (default: board member 1, 2, …).")
@click.option("--sheets", "sheets_dir", type=click.Path(file_okay=False, path_type=Path), help="Where to write each member's printable share sheet. "
    "Default: board-sheets in the data folder.")
def make_keys(data_dir: Path, passphrase: str, share_count: int, threshold: int, members: tuple[str, ...], sheets_dir: Path | None) -> None:
    """Create the authority's signing key and the office's sealing key, split among the board, once per election."""
    data_dir.mkdir(parents=True, exist_ok=True)
    office_key = signing_key_of(data_dir)
    if share_count == 1:
        _make_passphrase_keys(data_dir, passphrase, keys.public_text(office_key))
        return
    holders = list(members) or [f"board member {number}" for number in range(1, share_count + 1)]
    if len(holders) != share_count:
        raise click.BadParameter(f"{len(holders)} names for {share_count} shares", param_hint="--member")
    if not 2 <= threshold <= share_count:
        raise click.BadParameter(f"the threshold must be from 2 to the number of shares ({share_count})", param_hint="--threshold")
    try:
        public, split = key_shares.create_keys(data_dir, passphrase, keys.public_text(office_key), holders, threshold)
    except authority.AuthorityError as error:
        raise click.ClickException(str(error)) from None
    sheets = sheets_dir or data_dir / "board-sheets"
    sheets.mkdir(parents=True, exist_ok=True)
    fingerprint = keys.fingerprint(public["office_sealing"])
    for holder, share in split:
        sheet = sheets / f"share-{share.index}.html"
        sheet.write_text(key_shares.share_sheet(data_dir.resolve().name, holder, share, share_count, threshold, fingerprint), encoding="utf-8")
        sheet.chmod(0o600)
    files = authority.key_files(data_dir)
    click.echo(f"Signing key (signs packages and station certificates): {files.signing.resolve()}")
    click.echo(f"  fingerprint {keys.fingerprint(public['authority_signing'])}")
    click.echo(f"Sealing key (opens the ballots at the count), split {threshold} of {share_count}: {key_shares.shared_key_file(data_dir).resolve()}")
    click.echo(f"  fingerprint {fingerprint}")
    click.echo(f"Public halves, for packages and stations: {files.public.resolve()}")
    click.echo("")
    click.echo(f"One share sheet per board member in {sheets.resolve()}:")
    for holder, share in split:
        click.echo(f"  share-{share.index}.html  {holder}")
    click.echo(f"Print each sheet, hand it to its member in a sealed envelope, then delete the folder. Any {threshold} members")
    click.echo(f"together open the ballots at the count; {threshold - 1} cannot. No whole copy of the sealing key is kept:")
    click.echo(f"if more than {share_count - threshold} sheets are lost, no ballot can be counted. Back up the wrapped key")
    click.echo("file with the signing key file on two USB sticks kept in two locked places, and the signing key's passphrase")
    click.echo("on paper in a sealed envelope apart from them; anyone with the signing key and passphrase can make packages")
    click.echo("the stations trust. Stations need only AUTHORITY_KEY:")
    click.echo(f'  AUTHORITY_KEY = "{public["authority_signing"]}"')


def _make_passphrase_keys(data_dir: Path, passphrase: str, office_signing_public: str) -> None:
    """Both keys under one passphrase: for a trial only, since one person can then open every ballot."""
    try:
        public = authority.create_keys(data_dir, passphrase, office_signing_public)
    except authority.AuthorityError as error:
        raise click.ClickException(str(error)) from None
    files = authority.key_files(data_dir)
    click.echo(f"Signing key (signs packages and station certificates): {files.signing.resolve()}")
    click.echo(f"  fingerprint {keys.fingerprint(public['authority_signing'])}")
    click.echo(f"Sealing key (opens the ballots at the count): {files.sealing.resolve()}")
    click.echo(f"  fingerprint {keys.fingerprint(public['office_sealing'])}")
    click.echo(f"Public halves, for packages and stations: {files.public.resolve()}")
    click.echo("")
    click.echo("TRIAL: one passphrase opens every ballot; the protocol of each count will say so. For a real vote")
    click.echo("split the sealing key among the board (the default, --shares 5 --threshold 3).")
    click.echo("Back up both key files now, on two USB sticks kept in two locked places, and the")
    click.echo("passphrase on paper in a sealed envelope apart from them. Without the sealing key and its")
    click.echo("passphrase no ballot can be counted; anyone with the signing key and passphrase can make")
    click.echo("packages the stations trust. Stations need only AUTHORITY_KEY:")
    click.echo(f'  AUTHORITY_KEY = "{public["authority_signing"]}"')


@office.command("codes")
@data_option
@click.option("--count", required=True, type=click.IntRange(1, 200_000), help="How many voting codes to make.")
@click.option("--title", default="Medborgarbudget", show_default=True, help="The vote's name, printed on every code.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the printable sheet (HTML).")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False, path_type=Path), help="Also write the codes as CSV, for a mail merge.")
def codes(data_dir: Path, count: int, title: str, out_file: Path, csv_file: Path | None) -> None:
    """Make voting codes for check-in by code; only their hashes go into the package."""
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        made = authority.make_codes(data_dir, count)
    except authority.AuthorityError as error:
        raise click.ClickException(str(error)) from None
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(authority.code_sheet(made, title), encoding="utf-8")
    if csv_file:
        csv_file.write_text("number,code\n" + "".join(f"{number},{code}\n" for number, code in enumerate(made, 1)), encoding="utf-8")
    total = len(authority.code_hashes(data_dir))
    click.echo(f"{count} codes written to {out_file}" + (f" and {csv_file}" if csv_file else "") + ".")
    click.echo(f"The office now holds the hashes of {total} codes; the next `vallokal office package` puts them in the package.")
    click.echo("The sheet holds the codes themselves: print it, then store and destroy it as you would ballots.")


WINDOW_WARNINGS = {
    "closed": "warning: the voting window lies wholly in the past (it closed {closes}); stations refuse such a package. Change voting.opens and voting.closes.",
    "begun": "warning: the voting window has already begun (it opened {opens}); stations let people vote as soon as they load the package.",
}


@office.command("package")
@data_option
@click.option(
    "--projects", "projects_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The projects spreadsheet, saved as CSV (comma or semicolon).",
)
@click.option(
    "--settings", "settings_file", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The vote's settings (TOML): process, area, budget, window, rules, check-in, languages.",
)
@click.option(
    "--images", "images_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder with the images the spreadsheet's image column names.",
)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the signed package file.")
@click.option("--check", is_flag=True, help="Only check the material; sign nothing.")
@click.option("--audio/--no-audio", default=True, show_default=True, help="Speak every text with espeak-ng, for voters who listen.")
@click.option("--passphrase", envvar="VALLOKAL_AUTHORITY_PASSPHRASE", default=None, help="The signing key's passphrase (asked for when not given).")
def package(
    data_dir: Path, projects_file: Path, settings_file: Path, images_dir: Path | None, out_file: Path, check: bool, audio: bool, passphrase: str | None
) -> None:
    """Build, check and sign the election package from a spreadsheet of projects and a settings file."""
    images = {path.name: path.read_bytes() for path in sorted(images_dir.iterdir()) if path.is_file()} if images_dir else {}
    try:
        built = authority.draft(data_dir, projects_file.read_bytes(), settings_file.read_bytes(), images, projects_file.name, settings_file.name)
    except material.MaterialError as error:
        for problem in error.problems:
            click.echo(f"  {problem}", err=True)
        raise click.ClickException(f"{len(error.problems)} problem(s) in the material; nothing was signed") from None
    except authority.AuthorityError as error:
        raise click.ClickException(str(error)) from None
    summary = authority.describe(built)
    click.echo(f"{summary['id']}: {summary['projects']} projects in {', '.join(summary['languages'])}, budget {summary['budget']}, "
               f"{summary['rule']} ballot, check-in {summary['check_in']}, {summary['codes']} codes, {summary['images']} images. No problems found.")
    for warning in material.window_warnings(built.package, now()):
        click.echo(WINDOW_WARNINGS[warning].format(opens=built.package.opens.isoformat(), closes=built.package.closes.isoformat()), err=True)
    for language, paths in summary["missing_texts"].items():
        click.echo(f"  {language} lacks {len(paths)} text(s), so stations will not offer it until they are added: {', '.join(paths[:8])}"
                   + (" …" if len(paths) > 8 else ""))
    if check:
        return
    if audio:
        try:
            built = speech.add_audio(built, report=click.echo)
        except speech.AudioError as error:
            raise click.ClickException(str(error)) from None
    if passphrase is None:
        passphrase = click.prompt("Passphrase of the signing key", hide_input=True)
    try:
        signed = authority.sign(data_dir, built, passphrase)
    except authority.AuthorityError as error:
        raise click.ClickException(str(error)) from None
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_bytes(signed)
    click.echo(f"Signed package written to {out_file} ({len(signed)} bytes). Copy it to a stick, or load it here with `vallokal office load-package`.")


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
@click.option("--reset-password", "reset", is_flag=True, help="The clerk exists: give them this new password (recorded in the audit log).")
def add_user(data_dir: Path, username: str, password: str, reset: bool) -> None:
    """Add a member of staff; an existing one's password changes only with --reset-password."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            store.add_user(username, password, reset=reset)
        except store.UserExists as error:
            raise click.ClickException(str(error)) from None
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="--password") from None
    click.echo(f"{username} has a new password." if reset else f"{username} can log in.")


@office.command("enrol")
@data_option
@click.argument("request_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--authority-key", "authority_key_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The authority's signing key (PEM). Default: authority-signing.pem in the data folder.",
)
@click.option("--passphrase", envvar="VALLOKAL_AUTHORITY_PASSPHRASE", prompt="Passphrase of the authority key", hide_input=True, default="", show_default=False)
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Where to write the certificate.")
@click.option("--days", default=store.CERTIFICATE_DAYS, show_default=True, type=click.IntRange(1, 3650))
def enrol(data_dir: Path, request_file: Path, authority_key_file: Path | None, passphrase: str, out_file: Path, days: int) -> None:
    """Issue a device certificate from a station's enrolment request."""
    app = office_app(data_dir)
    try:
        authority_key = keys.read_signing_key(authority_key_file or authority.key_files(data_dir).signing, passphrase or None)
        document = json.loads(request_file.read_text(encoding="utf-8"))
    except keys.KeyFileError as error:
        raise click.ClickException(str(error)) from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise click.ClickException(f"{request_file} is not an enrolment request (not JSON)") from None
    with app.app_context():
        try:
            issued = store.enrol(document, authority_key, now(), days)
        except (certificates.CertificateError, store.Refused) as error:
            raise click.ClickException(str(error)) from None
    out_file.write_text(json.dumps(issued, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    body = issued["body"]
    click.echo(f"Certificate for {body['station_name']} ({body['device_id']}) valid until {body['not_after']}, written to {out_file}.")


@office.command("revoke")
@data_option
@click.argument("device_id")
@click.option("--reason", required=True, help="Why: shown to staff and answered to the device.")
@click.option("--compromised-since", "compromised_since", type=click.DateTime(["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ"]),
              help="When the device's key may have been taken (UTC, e.g. 2026-05-01T10:00Z): its records cast or received since are held for the board.")
def revoke(data_dir: Path, device_id: str, reason: str, compromised_since: datetime | None) -> None:
    """Refuse a device's later bundles; what it already delivered stays (held for the board if after a stated compromise)."""
    app = office_app(data_dir)
    with app.app_context():
        try:
            store.revoke(device_id, reason, now(), compromised_since.replace(tzinfo=timezone.utc) if compromised_since else None)
        except LookupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Device {device_id} is revoked.")


@office.command("import")
@data_option
@click.argument("bundle_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_bundles(data_dir: Path, bundle_files: tuple[Path, ...]) -> None:
    """Import bundles written by `vallokal station export` (from a USB stick)."""
    app = office_app(data_dir)
    failed = new = 0
    with app.app_context():
        for path in bundle_files:
            try:
                outcome = store.ingest(path.read_bytes(), "file", now())
            except store.Refused as refusal:
                failed += 1
                click.echo(f"{path}: refused: {refusal.reason}", err=True)
                continue
            accepted = sum(1 for result in outcome.results if result["status"] == "accepted")
            new += len(outcome.new_rows)
            click.echo(
                f"{path}: {accepted} new records, {len(outcome.results) - accepted} already here; "
                f"device {outcome.device_id} complete up to {outcome.high_water}."
            )
        if new and not app.config["VERIFY_RECORDS_AT_INGEST"]:
            check_signatures_here()
    if failed:
        raise click.ClickException(f"{failed} of {len(bundle_files)} files were refused")


def check_signatures_here() -> None:
    """Check the imported records' own signatures before the command ends, rather than in a thread the command's end would cut off."""
    found: dict[str, int] = {}

    def check(progress: Any) -> None:
        found["checked"], found["failed"] = store.verify_pending(progress)

    try:
        jobs.run_here(store.VERIFY, "office", check)
    except jobs.Busy:
        click.echo("The office's background verifier is running; it checks these records too.")
        return
    click.echo(f"Checked {found['checked']} records' own signatures: {found['failed']} failed (held for the board).")


@office.command("import-votes")
@data_option
@click.argument("votes_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Where the votes come from, for example the digital platform's name.")
@four_eyes
def import_votes(
    data_dir: Path, votes_file: Path, source: str, clerk: str | None, clerk_password: str | None, second: str | None, second_password: str | None
) -> None:
    """Add votes from another platform (a Pabulib .pb file, or CSV with a vote column); two clerks approve."""
    app = office_app(data_dir)
    with app.app_context():
        imported_by, approved_by = two_clerks(clerk, clerk_password, second, second_password)
        try:
            imported = channels.import_votes(votes_file.read_bytes(), votes_file.name, source, imported_by, now(), approved_by=approved_by)
        except channels.ChannelError as error:
            raise click.ClickException(f"{votes_file}: {error}") from None
        except store.Refused as refusal:
            raise click.ClickException(refusal.reason) from None
        click.echo(f"{votes_file}: {imported.ballots} votes from {imported.source} imported")


@office.command("tally")
@data_option
@click.option(
    "--sealing-key",
    "sealing_key_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The office's sealing key (PEM), when one passphrase protects it. Default: office-sealing.pem in the data folder.",
)
@click.option("--passphrase", envvar="VALLOKAL_SEALING_PASSPHRASE", default=None, help="Passphrase of a sealing key that is not split (asked for when needed).")
@click.option("--by", "counted_by", default="command line", show_default=True, help="Who counts: shown in the protocol.")
@click.option("--publish", is_flag=True, help="Publish the outcome on the public results page at once (two clerks approve).")
@click.option("--with-undecided", is_flag=True, help="Publish even while held records are undecided, listing them as such.")
@click.option("--approved-by", "second", help="With --publish: the second, different clerk who approves; --by is the first.")
@click.option("--password", "clerk_password", envvar="VALLOKAL_CLERK_PASSWORD", help="With --publish: the password of --by.")
@click.option("--second-password", "second_password", envvar="VALLOKAL_SECOND_CLERK_PASSWORD", help="With --publish: the password of --approved-by.")
def tally(
    data_dir: Path,
    sealing_key_file: Path | None,
    passphrase: str | None,
    counted_by: str,
    publish: bool,
    with_undecided: bool,
    second: str | None,
    clerk_password: str | None,
    second_password: str | None,
) -> None:
    """Open and count every accepted ballot; store the outcome with a hash of its inputs.

    When the sealing key is split among the board, each of the members needed types their share in turn.
    """
    app = office_app(data_dir)
    path = sealing_key_file or data_dir / "office-sealing.pem"
    with app.app_context():
        if publish:
            clerks = two_clerks(counted_by, clerk_password, second, second_password)
        try:
            board = key_shares.board(data_dir) if sealing_key_file is None else None
            if board is None:
                if passphrase is None:
                    passphrase = click.prompt("Passphrase of the sealing key", hide_input=True, default="", show_default=False)
                opened = counting.OpenedKey(counting.read_sealing_key(path, passphrase), None)
            else:
                opened = counting.OpenedKey(*key_shares.open_sealing_key(data_dir, _ask_shares(board)))
            with ProgressBar() as bar:
                count_id = jobs.run_here(jobs.COUNT, counted_by, lambda progress: counting.count_job(_Requested(counted_by), opened, bar.chain(progress)))
            count = counting.get(count_id)
        except counting.CountError as error:
            raise click.ClickException(str(error)) from None
        except jobs.Busy as busy:
            raise click.ClickException(f"another count is running (job {busy.job_id}); one count at a time") from None
        except store.Refused as refusal:
            raise click.ClickException(refusal.reason) from None
        held = counting.held(count)
        if publish:
            try:
                publication.make(count, now())
                counting.publish(count.id, now(), published_by=clerks[0], approved_by=clerks[1], with_undecided=with_undecided)
            except counting.CountError as error:
                click.echo(f"not published: {error}", err=True)
                publish = False
        result = counting.outcome(count)
        package = store.require_election()
        titles = {project.id: project.title[package.fallback_language] for project in package.projects}
    click.echo(
        f"count {count.id}: {result['received']} ballots received, {result['left_out_duplicates']} left out (voting code used twice), "
        f"{result['valid']} valid, {sum(result['invalid'].values())} invalid"
    )
    if any(held.values()):
        click.echo(f"held for the board: {held['undecided']} undecided (left out), {held['left_out']} left out and {held['counted']} counted by its decision")
    for reason, number in result["invalid"].items():
        click.echo(f"  invalid ({reason}): {number}")
    click.echo(f"rule {result['counting_rule']}: {len(result['winners'])} projects funded, {result['spent']} of {result['budget']} used")
    for project_id in result["winners"]:
        click.echo(f"  {project_id}  {titles[project_id]}")
    click.echo(f"inputs {count.input_hash}\noutcome {count.outcome_hash}")
    if publish:
        click.echo("published on the results page")
    if count.differs_from is not None:
        raise click.ClickException(f"THIS COUNT DIFFERS from count {count.differs_from}, which counted the same inputs. Do not publish; investigate.")


def _ask_shares(board: key_shares.Board) -> list[str]:
    """Each member needed types their share, unseen; a mistyped share is refused at once and asked again."""
    members = ", ".join(f"{index} {name}" for index, name in sorted(board.holders.items()))
    click.echo(f"The sealing key is split among the board ({members}); {board.threshold} of them open it.", err=True)
    typed: list[str] = []
    taken: set[int] = set()
    while len(typed) < board.threshold:
        text = click.prompt(f"Share {len(typed) + 1} of {board.threshold}, typed by its holder", hide_input=True, err=True)
        try:
            share = key_shares.parse(text, board)
        except counting.CountError as error:
            click.echo(f"  refused: {error}; type it again", err=True)
            continue
        if share.index in taken:
            click.echo(f"  share {share.index} ({board.holders[share.index]}) was given already; the next member, please", err=True)
            continue
        taken.add(share.index)
        typed.append(text)
        click.echo(f"  share {share.index} ({board.holders[share.index]}) accepted", err=True)
    return typed


@office.command("publish")
@data_option
@click.argument("count_id", type=click.IntRange(1))
@four_eyes
@click.option("--with-undecided", is_flag=True, help="Publish even while held records are undecided, listing them as such.")
def publish(
    data_dir: Path, count_id: int, clerk: str | None, clerk_password: str | None, second: str | None, second_password: str | None, with_undecided: bool
) -> None:
    """Publish a count's outcome on the public results page; two clerks approve."""
    app = office_app(data_dir)
    with app.app_context():
        published_by, approved_by = two_clerks(clerk, clerk_password, second, second_password)
        try:
            found = counting.get(count_id)
            if found is None:
                raise LookupError(f"there is no count {count_id}")
            publication.make(found, now())
            count = counting.publish(count_id, now(), published_by=published_by, approved_by=approved_by, with_undecided=with_undecided)
        except (LookupError, counting.CountError) as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"count {count.id} is published")


class _Requested:
    """What the count needs to know of its job when it runs here, on the command line."""

    def __init__(self, requested_by: str) -> None:
        self.requested_by = requested_by


class ProgressBar:
    """The tally's progress bar, sized by what is counted once the count knows it, one bar per step."""

    LABELS = {"opening": "Opening the sealed ballots", "checking": "Checking each ballot"}

    def __enter__(self) -> ProgressBar:
        self.bar, self.phase, self.shown = None, None, 0
        return self

    def __exit__(self, *_: object) -> None:
        self._close()

    def _close(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None

    def chain(self, also):
        def progress(phase: str, done: int, total: int) -> None:
            also(phase, done, total)
            if phase not in self.LABELS:
                return
            if phase != self.phase:
                self._close()
                self.phase, self.shown = phase, 0
                self.bar = click.progressbar(length=total, label=self.LABELS[phase], file=sys.stderr)
                self.bar.render_progress()
            self.bar.update(done - self.shown)
            self.shown = done

        return progress


@office.command("held")
@data_option
def held(data_dir: Path) -> None:
    """List the records held for the board, with the evidence side by side."""
    app = office_app(data_dir)
    with app.app_context():
        package = store.election()
        if package is not None:
            store.refresh_holds(package)
        for item in store.held_records():
            hold = item["hold"]
            state = f"{hold.decision} (by {hold.decided_by} and {hold.approved_by}: {hold.decision_reason})" if hold.decision else "UNDECIDED"
            click.echo(f"{hold.id}: {hold.reason}: {item['station']} ({item['device_id']}) record {item['sequence']}, cast {item['cast_minute']}: {state}")
            for other in item["evidence"].get("records", []):
                click.echo(f"      {other['station']} ({other['device_id']}) record {other['sequence']}, cast {other['cast_minute']}")
            if "predecessor" in item["evidence"]:
                before = item["evidence"]["predecessor"]
                click.echo(f"      the record before it: {before['sequence']}, cast {before['cast_minute']}")


@office.command("decide")
@data_option
@click.argument("hold_id", type=click.IntRange(1))
@click.option("--count", "decision", flag_value="count", help="Count the held record.")
@click.option("--leave-out", "decision", flag_value="leave_out", help="Leave the held record out.")
@click.option("--reason", required=True, help="Why: recorded with both names and shown in the protocol.")
@four_eyes
def decide(
    data_dir: Path,
    hold_id: int,
    decision: str | None,
    reason: str,
    clerk: str | None,
    clerk_password: str | None,
    second: str | None,
    second_password: str | None,
) -> None:
    """Decide a held record (see `vallokal office held`); two clerks decide together."""
    if decision is None:
        raise click.UsageError("say --count or --leave-out")
    app = office_app(data_dir)
    with app.app_context():
        first, approved_by = two_clerks(clerk, clerk_password, second, second_password)
        try:
            store.decide_hold(hold_id, decision, reason, first, approved_by, now())
        except (LookupError, ValueError, store.NotApproved) as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"held record {hold_id}: {decision.replace('_', ' ')}, decided by {first} and {approved_by}")


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


@office.command("participation")
@data_option
@click.option("--json", "as_json", is_flag=True, help='Print JSON: one key per breakdown, suppressed cells as "<10".')
def participation(data_dir: Path, as_json: bool) -> None:
    """Participation for the board: ballots by station, day, time of day and channel, small counts hidden."""
    app = office_app(data_dir)
    with app.app_context(), app.test_request_context():
        try:
            figures = followup.current_figures()
        except store.Refused as error:
            raise click.ClickException(str(error)) from None
        document = followup.as_json(figures, followup.threshold())
    if as_json:
        click.echo(json.dumps(document, ensure_ascii=False, sort_keys=True))
        return
    click.echo(f"ballots: {document['total']}, eligible: {document['eligible'] or 'not entered'}, turnout: {document['turnout_percent'] or '–'} %")
    for key in participations.BREAKDOWNS:
        click.echo(f"{key}:")
        for label, value in document[key].items():
            click.echo(f"  {label}: {value}")


@office.command("population")
@data_option
@click.argument("area")
@click.argument("population")
@click.option("--entered-by", required=True, help="Your name, kept with the figure.")
def population(data_dir: Path, area: str, population: str, entered_by: str) -> None:
    """Enter the eligible population of an area, the denominator of turnout in per cent."""
    app = office_app(data_dir)
    with app.app_context(), app.test_request_context():
        try:
            area, number = followup.read_population(area, population)
        except followup.FollowUpError as error:
            raise click.BadParameter(str(error)) from None
        store.set_eligible_population(area, number, entered_by[:100])
    click.echo(f"{area}: {number} eligible residents")
