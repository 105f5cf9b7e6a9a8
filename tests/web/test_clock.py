"""One clock, passed to each app's factory: what the station records and the office receives follow it."""

from datetime import datetime, timedelta, timezone

from helpers import STAFF_PIN, Voter
from vallokal.election import keys, package as packages
from vallokal.kiosk import create_app, prepare, store
from vallokal.web import clock


def test_the_station_records_the_time_of_the_clock_it_was_given(tmp_path, authority_key, make_document):
    moment = [datetime.now(timezone.utc).replace(second=0, microsecond=0)]
    app = create_app({"AUTHORITY_KEY": keys.public_text(authority_key)}, data_dir=tmp_path / "station", clock=lambda: moment[0])
    prepare(app)
    with app.app_context():
        store.load_package(packages.build_file(make_document(), authority_key), moment[0])
        store.set_pin(STAFF_PIN)
        store.open_polls(moment[0])
    moment[0] += timedelta(minutes=7)
    Voter(app.test_client()).vote(project=["bankar"])
    with app.app_context():
        assert [record.cast_minute for record in store.records()] == [moment[0].strftime("%Y-%m-%dT%H:%MZ")]


def test_outside_an_app_the_clock_is_the_systems():
    before = datetime.now(timezone.utc)
    assert before <= clock.now() <= datetime.now(timezone.utc)
