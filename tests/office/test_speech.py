"""Speech made at the office with espeak-ng, shipped in the package, and served by the station."""

from __future__ import annotations

import json
import subprocess
import wave
import zipfile
from pathlib import Path

from helpers import STAFF_PIN, Voter
from test_provisioning import PASSPHRASE, projects_text, run, settings_text
from vallokal.election import package as packages
from vallokal.election.material import Draft
from vallokal.sync.office import audio


def duration(clip: bytes, tmp_path: Path) -> float:
    """Seconds of speech in an Ogg Opus clip, decoded back with opusdec."""
    (tmp_path / "clip.opus").write_bytes(clip)
    subprocess.run(["opusdec", "--quiet", str(tmp_path / "clip.opus"), str(tmp_path / "clip.wav")], check=True)
    with wave.open(str(tmp_path / "clip.wav")) as decoded:
        return decoded.getnframes() / decoded.getframerate()


def test_the_package_speaks_every_text_in_each_language_with_a_voice(tmp_path: Path) -> None:
    office = tmp_path / "office"
    run("office", "keys", "--data", office, "--passphrase", PASSPHRASE)
    (tmp_path / "projects.csv").write_text(projects_text(3).replace("lekplats.svg", ""), encoding="utf-8")
    (tmp_path / "settings.toml").write_text(settings_text(check_in="open", languages='["sv", "en", "so"]'), encoding="utf-8")
    built = run("office", "package", "--data", office, "--projects", tmp_path / "projects.csv", "--settings", tmp_path / "settings.toml",
                "--out", tmp_path / "package.zip", "--passphrase", PASSPHRASE)
    assert "audio: sv (sv), 7 clips" in built.output and "audio: en (en-gb), 7 clips" in built.output
    assert "audio: no so voice in espeak-ng" in built.output
    with zipfile.ZipFile(tmp_path / "package.zip") as archive:
        document = json.loads(archive.read("package.json"))
        assert set(document["audio"]) == {"sv", "en"} and document["audio_missing"] == ["so"]
        keys = {"intro", "ballot", "review", "receipt", "project:projekt-0", "project:projekt-1", "project:projekt-2"}
        for language in ("sv", "en"):
            assert set(document["audio"][language]) == keys
            clip = archive.read(document["audio"][language]["project:projekt-1"])
            assert clip.startswith(b"OggS") and 2.0 < duration(clip, tmp_path) < 20.0
        assert document["audio"]["sv"]["intro"] != document["audio"]["en"]["intro"]

    spoken = audio.texts(document, "sv")
    assert spoken["project:projekt-1"] == "Förslag 1. Kort om förslag 1. Kostnad: 80\xa0000 kr."
    assert "Tillsammans får de kosta högst 1\xa0000\xa0000 kr" in spoken["ballot"]
    assert audio.texts(document, "en")["project:projekt-1"].startswith("Proposal 1. About proposal 1. Cost: 80,000 kr.")

    silent = run("office", "package", "--data", office, "--projects", tmp_path / "projects.csv", "--settings", tmp_path / "settings.toml",
                 "--out", tmp_path / "silent.zip", "--passphrase", PASSPHRASE, "--no-audio")
    assert "audio:" not in silent.output
    with zipfile.ZipFile(tmp_path / "silent.zip") as archive:
        assert "audio" not in json.loads(archive.read("package.json"))


def test_a_package_whose_speech_points_nowhere_is_refused(make_document) -> None:
    document = make_document()
    document["audio"] = {"sv": {"intro": "assets/missing.opus"}}
    try:
        packages.validate_document(document)
    except packages.PackageError as error:
        assert "$.audio.sv.intro" in str(error)
    else:
        raise AssertionError("accepted speech that is not in the package")


def test_the_station_serves_the_speech_and_tells_staff_what_is_missing(make_station, make_document) -> None:
    document = make_document()
    document["languages"] = ["sv", "en", "so"]
    document["projects"] = document["projects"][:2]
    spoken = audio.add_audio(Draft(document))
    app = make_station(spoken.document, assets=spoken.assets)
    voter = Voter(app.test_client())
    voter.check_in()
    ballot = voter.client.get("/ballot").get_data(as_text=True)
    clip = spoken.document["audio"]["sv"]["project:belysning"].removeprefix("assets/")
    assert f'data-audio="/assets/{clip}"' in ballot and ballot.count('class="secondary listen"') == 3
    served = voter.client.get(f"/assets/{clip}")
    assert served.status_code == 200 and served.mimetype == "audio/ogg" and served.data.startswith(b"OggS")
    voter.post("/settings", {"language": "so", "next": "/ballot"})
    assert "listen" not in voter.client.get("/ballot").get_data(as_text=True).replace("listening", "")

    staff = Voter(app.test_client())
    staff.post("/staff/login", {"pin": STAFF_PIN}, token_from="/staff/login")
    panel = staff.client.get("/staff/").get_data(as_text=True)
    assert "Svenska, English" in panel and "Ingen röst, och därför inget tal, på: Soomaali" in panel
