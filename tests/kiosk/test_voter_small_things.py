"""Small things a resident notices: a typed code kept, an idle form that can submit, compressed pages, an icon, thumbnails, draft choices."""

from __future__ import annotations

import hashlib
import html
import os
import re

from helpers import Voter
from vallokal.election import crockford, package as packages


def test_a_mistyped_voting_code_stays_in_its_field(make_station, make_document):
    codes = [crockford.make_code(os.urandom(16), 15)]
    app = make_station(make_document(check_in="code", code_hashes=[hashlib.sha256(codes[0].replace("-", "").encode()).hexdigest()]))
    voter = Voter(app.test_client())
    typo = codes[0][:-1] + ("0" if codes[0][-1] != "0" else "1")
    page = voter.check_in(code=typo).get_data(as_text=True)
    assert f'value="{html.escape(typo)}"' in page


def test_the_idle_reset_form_has_a_submit_button(voter):
    voter.check_in()
    page = voter.client.get("/ballot").get_data(as_text=True)
    form = re.search(r'<form id="idle-reset".*?</form>', page, re.S).group(0)
    assert '<button type="submit"' in form


EVERY_ENCODING = {"Accept-Encoding": "gzip, deflate, br, zstd"}


def test_styles_and_scripts_travel_compressed(client):
    for path in ("/static/css/vallokal.css", "/static/js/kiosk.js"):
        with client.get(path, headers=EVERY_ENCODING) as response:
            assert response.headers.get("Content-Encoding") in ("br", "zstd", "gzip", "deflate"), path


def test_pages_that_carry_a_csrf_token_or_a_typed_code_are_never_compressed(make_station, make_document):
    """BREACH: the compressed length of a page that reflects a guess beside a secret tells the guesser when it is right."""
    code = crockford.make_code(os.urandom(16), 15)
    app = make_station(make_document(check_in="code", code_hashes=[hashlib.sha256(code.replace("-", "").encode()).hexdigest()]))
    voter = Voter(app.test_client())
    with voter.client.get("/", headers=EVERY_ENCODING) as welcome:
        assert 'name="csrf_token"' in welcome.get_data(as_text=True) and len(welcome.get_data()) > 500
        assert "Content-Encoding" not in welcome.headers
    typo = code[:-1] + ("0" if code[-1] != "0" else "1")
    voter.check_in(code=typo)
    token = re.search(r'name="csrf_token" value="([^"]+)"', voter.client.get("/code").get_data(as_text=True)).group(1)
    with voter.client.post("/code", data={"csrf_token": token, "code": typo}, headers=EVERY_ENCODING) as mistyped:
        assert typo in mistyped.get_data(as_text=True)
        assert "Content-Encoding" not in mistyped.headers


def test_the_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.data[:4] == b"\x00\x00\x01\x00"
    assert 'rel="icon"' in client.get("/").get_data(as_text=True)


def test_ballot_cards_show_small_lazy_thumbnails_when_the_package_has_images(make_station, make_document):
    document = make_document()
    image = b"<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 4 3'><rect width='4' height='3'/></svg>"
    document["projects"][0]["image"] = "assets/belysning.svg"
    document["projects"][0]["image_text"] = {"sv": "En upplyst gångväg", "en": "A lit footpath"}
    app = make_station(packages.with_asset_hashes(document, {"assets/belysning.svg": image}), assets={"assets/belysning.svg": image})
    voter = Voter(app.test_client())
    voter.check_in()
    page = voter.client.get("/ballot").get_data(as_text=True)
    thumbnails = re.findall(r'<img [^>]*class="thumbnail"[^>]*>', page)
    assert len(thumbnails) == 1 and 'loading="lazy"' in thumbnails[0] and 'width="128"' in thumbnails[0]


def test_draft_choices_are_kept_on_the_way_to_a_project_and_forgotten_at_the_end(voter):
    voter.check_in()
    response = voter.choose(project=["bankar", "odling"], more="bankar")
    assert response.status_code == 302 and response.headers["Location"].endswith("/project/bankar")
    page = voter.client.get("/ballot").get_data(as_text=True)
    assert re.search(r'value="bankar"[^>]*checked', page) and re.search(r'value="odling"[^>]*checked', page)
    assert voter.choose(project=["sommarbio"], action="draft").status_code == 204
    assert re.search(r'value="sommarbio"[^>]*checked', voter.client.get("/ballot").get_data(as_text=True))
    assert voter.choose(project=["bankar"], more="no-such-project").status_code == 404
    voter.post("/done")
    voter.check_in()
    assert "checked" not in voter.client.get("/ballot").get_data(as_text=True)


def test_only_the_languages_the_package_covers_are_offered(make_station, make_document):
    document = make_document()
    document["languages"] = ["sv", "en", "ar"]
    document["title"]["ar"] = "الميزانية التشاركية"
    voter = Voter(make_station(document).test_client())
    page = voter.client.get("/").get_data(as_text=True)
    offered = re.findall(r'name="language" value="([^"]+)"', page)
    assert offered == ["sv", "en"]
