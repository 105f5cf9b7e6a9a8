"""The board's protocol in every language: no two facts share a label, and times are local."""

from __future__ import annotations

import re

from syncing import bundle_of, cast, now, post_bundle, token
from vallokal.sync.office import counting
from vallokal.web.i18n import LANGUAGES


def test_the_protocol_has_distinct_labels_and_local_times_in_every_language(election, sealing_key):
    station = election.station()
    cast(station, 3)
    assert post_bundle(election, bundle_of(station)).status_code == 200
    with election.office.app_context():
        counting.publish(counting.run(sealing_key, "command line", now()).id, now(), published_by="anna", approved_by="bertil")
    client = election.office.test_client()
    for language in LANGUAGES:
        client.post("/results/language", data={"csrf_token": token(client, "/results/"), "language": language})
        page = client.get("/results/protocol").get_data(as_text=True)
        labels = [re.sub(r"<[^>]+>", "", label).strip() for label in re.findall(r"<dt>(.*?)</dt>", page, re.S)]
        assert len(labels) == len(set(labels)), (language, labels)
        assert "UTC" not in page and "Europe/Stockholm" in page, language
        assert not re.search(r"(by|av) command line", page), language
