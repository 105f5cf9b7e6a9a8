"""A new office: the login page says how to make the first clerk, until there is one."""

from __future__ import annotations

from pathlib import Path

from syncing import PASSWORD
from vallokal.sync.office import store as office_store


def test_an_office_without_clerks_says_how_to_create_the_first_one(election):
    client = election.office.test_client()
    page = client.get("/login").get_data(as_text=True)
    assert "Kontoret har inga handläggare ännu" in page
    assert f"vallokal office add-user NAMN --data {election.office.instance_path}" in page

    with election.office.app_context():
        office_store.add_user("anna", PASSWORD)
    page = client.get("/login").get_data(as_text=True)
    assert "add-user" not in page and "Kontoret har inga handläggare" not in page


def test_the_first_two_clerks_are_made_on_the_setup_page_only_with_the_setup_token(election):
    from syncing import token
    from vallokal.sync.office import setup

    client = election.office.test_client()
    assert client.get("/setup").status_code == 404, "no token written yet: nobody on the network can make a clerk"
    secret = setup.ensure_token(election.office)
    path = setup.token_path(Path(election.office.instance_path))
    assert path.stat().st_mode & 0o077 == 0 and setup.ensure_token(election.office) == secret
    assert 'id="setup-link"' in client.get("/login").get_data(as_text=True)

    def make(username: str, typed: str, password: str = PASSWORD, again: str | None = None):
        return client.post("/setup", data={"csrf_token": token(client, "/setup"), "token": typed, "username": username,
                                           "password": password, "password_again": password if again is None else again})

    wrong = make("mallory", "guessed")
    assert wrong.status_code == 422 and "inte installationsnyckeln" in wrong.get_data(as_text=True)
    assert make("anna", secret, "short").status_code == 422
    assert make("anna", secret, again="something else entirely").status_code == 422
    with election.office.app_context():
        assert office_store.user_names() == set()
    assert make("anna", secret).status_code == 303
    assert make("anna", secret).status_code == 422, "a name is used once"
    last = make("bertil", secret)
    assert last.status_code == 303 and last.headers["Location"].endswith("/login")
    with election.office.app_context():
        assert office_store.user_names() == {"anna", "bertil"}
    assert not path.exists() and client.get("/setup").status_code == 404
    assert setup.ensure_token(election.office) is None and not path.exists()


def test_keys_and_voting_codes_are_made_on_their_pages(tmp_path):
    from syncing import log_in, token
    from vallokal.sync.office import authority, create_app, prepare

    office = create_app({"SESSION_COOKIE_SECURE": False}, data_dir=tmp_path / "office")
    prepare(office)
    with office.app_context():
        office_store.add_user("anna", PASSWORD)
    client = office.test_client()
    log_in(client)
    differ = client.post("/keys", data={"csrf_token": token(client, "/keys"), "passphrase": "a long passphrase", "passphrase_again": "another one"})
    assert differ.status_code == 422 and not authority.key_files(tmp_path / "office").public.exists()
    made = client.post("/keys", data={"csrf_token": token(client, "/keys"), "passphrase": "a long passphrase", "passphrase_again": "a long passphrase"})
    assert made.status_code == 303
    public = authority.public_keys(tmp_path / "office")
    assert office.config["AUTHORITY_KEY"] == public["authority_signing"]
    page = client.get("/keys").get_data(as_text=True)
    assert public["authority_signing"] in page and 'id="passphrase"' not in page
    again = client.post("/keys", data={"csrf_token": token(client, "/keys"), "passphrase": "x" * 20, "passphrase_again": "x" * 20})
    assert again.status_code == 200 and authority.public_keys(tmp_path / "office") == public, "keys are made once"

    assert client.post("/codes", data={"csrf_token": token(client, "/codes"), "count": "lots"}).status_code == 422
    assert client.post("/codes", data={"csrf_token": token(client, "/codes"), "count": "0"}).status_code == 422
    sheet = client.post("/codes", data={"csrf_token": token(client, "/codes"), "count": "5", "title": "Tensta 2027"})
    assert sheet.status_code == 200 and "attachment" in sheet.headers["Content-Disposition"] and "Tensta 2027" in sheet.get_data(as_text=True)
    assert len(authority.code_hashes(tmp_path / "office")) == 5
    assert "5 röstkoder" in client.get("/codes").get_data(as_text=True)
    with office.app_context():
        office_store.db.engine.dispose()
