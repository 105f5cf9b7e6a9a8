"""A new office: the login page says how to make the first clerk, until there is one."""

from __future__ import annotations

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
