"""The package page speaks the ballot like the command line, and says plainly which languages have no voice."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from syncing import PASSWORD, log_in, token
from test_provisioning import PASSPHRASE, office_with_keys, projects_text, settings_text  # noqa: F401 (a fixture)
from vallokal.sync.office import create_app as create_office, prepare as prepare_office, store as office_store


def test_a_package_signed_on_the_page_has_speech_and_names_languages_without_a_voice(tmp_path: Path, office_with_keys: Path) -> None:
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_with_keys)
    prepare_office(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    log_in(client)
    projects = projects_text(2).replace("lekplats.svg", "")
    settings = settings_text(check_in="open", languages='["sv", "en", "so"]')
    draft = client.post("/package/", data={
        "csrf_token": token(client, "/package/"),
        "projects": (io.BytesIO(projects.encode("utf-8")), "projekt.csv"),
        "settings": (io.BytesIO(settings.encode("utf-8")), "settings.toml"),
    }, content_type="multipart/form-data")
    page = draft.get_data(as_text=True)
    assert draft.status_code == 200, page
    assert 'id="speech-voiceless"' in page and "Soomaali" in re.search(r'id="speech-voiceless">(.*?)</p>', page, re.S).group(1)
    sign_path = re.search(r'action="(/package/[^"]+/sign)"', page).group(1)

    wrong = client.post(sign_path, data={"csrf_token": token(client, sign_path.rsplit("/", 1)[0]), "passphrase": "not it", "speech": "yes"})
    assert wrong.status_code == 422
    signed = client.post(sign_path, data={"csrf_token": token(client, sign_path.rsplit("/", 1)[0]), "passphrase": PASSPHRASE, "speech": "yes"})
    assert signed.status_code == 200 and signed.mimetype == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(signed.data)).namelist()
    clips = [name for name in names if name.endswith(".opus")]
    assert len(clips) >= 10, names
