"""Staff secrets: Werkzeug's hashes for new secrets, and hashes stored by earlier versions still verify."""

from vallokal.web import passwords

# Made by the hand-written scrypt hashing that stations and offices used before Werkzeug's format.
EARLIER_HASH = "scrypt$32768$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$MfujdSs+pirlMYG62U3f0vURh8BHIBXDM/MHZRiRTRw="


def test_a_hash_stored_by_the_earlier_format_still_verifies():
    assert passwords.check_secret("2468 1357", EARLIER_HASH)
    assert not passwords.check_secret("2468 1358", EARLIER_HASH)


def test_new_hashes_are_werkzeugs_scrypt_and_verify():
    stored = passwords.hash_secret("correct horse")
    assert stored.startswith("scrypt:32768:8:1$")
    assert passwords.check_secret("correct horse", stored)
    assert not passwords.check_secret("correct horsf", stored)


def test_a_damaged_hash_refuses_rather_than_fails():
    for damaged in ["", "scrypt$", "scrypt$x$8$1$a$b", "pbkdf2", "scrypt:1:1:1$$", EARLIER_HASH[:-8]]:
        assert not passwords.check_secret("anything", damaged)
