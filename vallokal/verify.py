"""`vallokal verify PUBLICATION`: check a published count from a folder, its zip, or the zip's address.

Reading and downloading live here; every check is `vallokal.election.verify`,
which uses the pure core alone, so anyone can run it away from the office.
"""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import click

from .election import verify as checker

MAX_BYTES = 2 * 1024**3


class PublicationError(click.ClickException):
    """The publication cannot be read at all."""


def read(source: str) -> dict[str, bytes]:
    """The publication's files by name, from a folder, a zip file or an http(s) address of the zip."""
    if source.startswith(("http://", "https://")):
        return _unzip(_download(source), source)
    path = Path(source)
    if path.is_dir():
        return {item.name: item.read_bytes() for item in sorted(path.iterdir()) if item.is_file()}
    if path.is_file():
        return _unzip(path.read_bytes(), source)
    raise PublicationError(f"{source} is neither a folder, a file nor an http(s) address")


def _download(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            data = response.read(MAX_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise PublicationError(f"{url} could not be downloaded: {error}") from None
    if len(data) > MAX_BYTES:
        raise PublicationError(f"{url} is larger than {MAX_BYTES // 1024**3} GiB")
    return data


def _unzip(data: bytes, source: str) -> dict[str, bytes]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {Path(name).name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise PublicationError(f"{source} is not a publication zip") from None


@click.command("verify")
@click.argument("publication")
@click.option("--authority-key", default=None, help="The authority's public signing key, if you have it from elsewhere (default: the one the package names).")
def verify(publication: str, authority_key: str | None) -> None:
    """Check a published count: signatures, each station's signed records, the tracking codes, the totals,
    the rule, and the outcome recomputed from ballots.pb."""
    results = checker.verify(read(publication), authority_key)
    for check in results:
        click.echo(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.reason}")
    failed = [check.name for check in results if not check.passed]
    if failed:
        click.echo(f"{len(failed)} of {len(results)} checks failed: {', '.join(failed)}", err=True)
        raise SystemExit(1)
    click.echo(f"all {len(results)} checks passed")
