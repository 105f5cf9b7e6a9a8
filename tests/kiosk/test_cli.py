"""The `vallokal` command: the demo and the station commands, as staff would run them."""

from __future__ import annotations

import json
import sqlite3

from click.testing import CliRunner

from vallokal.cli import cli


def run(*arguments: str, input: str | None = None):
    return CliRunner().invoke(cli, list(arguments), input=input)


def test_demo_sets_up_a_station_and_keeps_ballots_when_run_again(tmp_path):
    data = tmp_path / "demo"
    first = run("demo", "--data", str(data), "--no-serve", "--port", "8123")
    assert first.exit_code == 0, first.output
    assert "http://127.0.0.1:8123/" in first.output
    pin = (data / "staff-pin.txt").read_text().strip()
    assert f"PIN {pin}" in first.output and len(pin) == 8

    status = run("station", "status", "--data", str(data / "station"), "--json")
    facts = json.loads(status.output)
    assert facts["election"] == "tensta-2026" and facts["polls"] == "open" and facts["ballots_cast"] == 0

    from helpers import Voter
    from vallokal.kiosk import create_app

    app = create_app(data_dir=data / "station")
    Voter(app.test_client()).vote(project=["bankar"])

    second = run("demo", "--data", str(data), "--no-serve")
    assert second.exit_code == 0, second.output
    assert "Ballots cast so far: 1" in second.output
    assert f"PIN {pin}" in second.output


def test_load_package_refuses_a_bad_file_clearly(tmp_path, signed_package, authority_key):
    from vallokal.election import keys

    data = tmp_path / "station"
    data.mkdir()
    (data / "station.toml").write_text(f'AUTHORITY_KEY = "{keys.public_text(authority_key)}"\n')
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"not a package")
    result = run("station", "load-package", "--data", str(data), str(bad))
    assert result.exit_code == 1
    assert "the package was refused" in result.output and "Traceback" not in result.output

    good = tmp_path / "good.zip"
    good.write_bytes(signed_package)
    result = run("station", "load-package", "--data", str(data), str(good))
    assert result.exit_code == 0 and "Loaded election tensta-2026" in result.output


def test_station_without_a_trusted_authority_refuses_every_package(tmp_path, signed_package):
    package = tmp_path / "package.zip"
    package.write_bytes(signed_package)
    result = run("station", "load-package", "--data", str(tmp_path / "s"), str(package))
    assert result.exit_code == 1 and "AUTHORITY_KEY is not set" in result.output


def test_set_pin_refuses_a_short_pin_and_stores_only_a_hash(tmp_path):
    data = tmp_path / "station"
    short = run("station", "set-pin", "--data", str(data), "--pin", "12")
    assert short.exit_code == 2 and "8 to 32 digits" in short.output
    good = run("station", "set-pin", "--data", str(data), input="97531086\n97531086\n")
    assert good.exit_code == 0, good.output
    stored = sqlite3.connect(data / "station.sqlite3").execute("SELECT pin_hash FROM station").fetchone()[0]
    assert stored.startswith("scrypt:") and "97531086" not in stored


def test_bad_arguments_get_usage_errors_not_tracebacks(tmp_path):
    result = run("demo", "--port", "99999")
    assert result.exit_code == 2 and "99999" in result.output
    result = run("station", "load-package", "--data", str(tmp_path), str(tmp_path / "missing.zip"))
    assert result.exit_code == 2 and "does not exist" in result.output
