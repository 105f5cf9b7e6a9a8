"""The package page makes speech like the command line, as a background job with progress per language,
says plainly which languages have no voice, and survives the office restarting."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from pathlib import Path

import sqlalchemy as sa
from syncing import PASSWORD, log_in, now, token
from test_provisioning import PASSPHRASE, office_with_keys, projects_text, settings_text  # noqa: F401 (a fixture)
from vallokal.sync.office import create_app as create_office, jobs, prepare as prepare_office, store as office_store
from vallokal.sync.office.extensions import db
from vallokal.sync.office.models import Job


def office_and_draft(office_dir: Path):
    office = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_dir)
    prepare_office(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    log_in(client)
    draft = client.post("/package/", data={
        "csrf_token": token(client, "/package/"),
        "projects": (io.BytesIO(projects_text(2).replace("lekplats.svg", "").encode("utf-8")), "projekt.csv"),
        "settings": (io.BytesIO(settings_text(check_in="open", languages='["sv", "en", "so"]').encode("utf-8")), "settings.toml"),
    }, content_type="multipart/form-data")
    page = draft.get_data(as_text=True)
    assert draft.status_code == 200, page
    return office, client, re.search(r'action="/package/([^"/]+)/sign"', page).group(1), page


def test_speech_is_made_in_the_background_with_progress_per_language_then_signed_in(office_with_keys: Path) -> None:
    office, client, name, page = office_and_draft(office_with_keys)
    assert "Soomaali" in re.search(r'id="speech-voiceless">(.*?)</p>', page, re.S).group(1)
    assert 'id="make-speech"' in page and 'id="sign-without-speech"' in page

    too_early = client.post(f"/package/{name}/sign", data={"csrf_token": token(client, f"/package/{name}"), "passphrase": PASSPHRASE, "speech": "yes"})
    assert too_early.status_code == 422 and "Det finns inget tal" in too_early.get_data(as_text=True)

    started = client.post(f"/package/{name}/speech", data={"csrf_token": token(client, f"/package/{name}")})
    assert started.status_code == 303 and started.headers["Location"].endswith(f"/package/{name}/speech")
    again = client.post(f"/package/{name}/speech", data={"csrf_token": token(client, f"/package/{name}")})
    assert again.status_code == 303
    progress = client.get(f"/package/{name}/speech").get_data(as_text=True)
    assert "Ingen röst för Soomaali" in progress and "Svenska" in progress and "English" in progress
    jobs.wait(office, 120)
    with office.app_context():
        assert [job.state for job in db.session.scalars(sa.select(Job).where(Job.kind == jobs.SPEECH))] == ["done"], "one job per draft"
    done = client.get(f"/package/{name}/speech").get_data(as_text=True)
    assert 'id="speech-state"' in done and "Talet är klart" in done
    assert done.count("6 av 6") == 2, done

    ready = client.get(f"/package/{name}").get_data(as_text=True)
    assert 'id="speech-ready"' in ready and "12" in re.search(r'id="speech-ready">(.*?)</p>', ready, re.S).group(1)
    signed = client.post(f"/package/{name}/sign", data={"csrf_token": token(client, f"/package/{name}"), "passphrase": PASSPHRASE, "speech": "yes"})
    assert signed.status_code == 200 and signed.mimetype == "application/zip"
    clips = [item for item in zipfile.ZipFile(io.BytesIO(signed.data)).namelist() if item.endswith(".opus")]
    assert len(clips) == 12, clips
    with office.app_context():
        db.engine.dispose()


def test_a_speech_job_the_office_was_running_when_it_stopped_starts_again_or_says_it_failed(office_with_keys: Path) -> None:
    office, client, name, _ = office_and_draft(office_with_keys)
    _, _, gone, _ = office_and_draft_again(office, client)
    with office.app_context():
        interrupted = []
        for draft in (name, gone):
            job = Job(kind=jobs.SPEECH, state="running", phase="sv", done=3, total=12, message="", requested_by="anna", queued_at=now(), started_at=now())
            db.session.add(job)
            db.session.commit()
            (office_with_keys / "package-drafts" / draft / "speech-job").write_text(str(job.id))
            interrupted.append(job.id)
        db.engine.dispose()
    shutil.rmtree(office_with_keys / "package-drafts" / gone)

    restarted = create_office({"SESSION_COOKIE_SECURE": False}, data_dir=office_with_keys)
    assert jobs.recover(restarted) == 2
    jobs.wait(restarted, 120)
    client = restarted.test_client()
    log_in(client)
    assert "Talet är klart" in client.get(f"/package/{name}/speech").get_data(as_text=True)
    assert client.get(f"/package/{gone}/speech").status_code == 404
    with restarted.app_context():
        assert [(db.session.get(Job, job_id).state, db.session.get(Job, job_id).message) for job_id in interrupted] == [
            ("done", ""), ("failed", "the draft was removed")]
        db.engine.dispose()


def office_and_draft_again(office, client):
    draft = client.post("/package/", data={
        "csrf_token": token(client, "/package/"),
        "projects": (io.BytesIO(projects_text(2).replace("lekplats.svg", "").encode("utf-8")), "projekt.csv"),
        "settings": (io.BytesIO(settings_text(check_in="open", languages='["sv", "en", "so"]').encode("utf-8")), "settings.toml"),
    }, content_type="multipart/form-data")
    page = draft.get_data(as_text=True)
    return office, client, re.search(r'action="/package/([^"/]+)/sign"', page).group(1), page
