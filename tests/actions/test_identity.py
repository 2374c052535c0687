from __future__ import annotations

from shop.identity import sign_customer, verify_customer_token

NOW = 1_800_000_000.0


def test_a_signed_token_names_its_customer_until_it_expires() -> None:
    token = sign_customer("C0042", "s3cret", ttl_seconds=60, now=NOW)
    assert verify_customer_token(token, "s3cret", now=NOW + 59) == "C0042"
    assert verify_customer_token(token, "s3cret", now=NOW + 61) is None


def test_a_token_is_worthless_with_another_secret_or_when_edited() -> None:
    token = sign_customer("C0042", "s3cret", ttl_seconds=60, now=NOW)
    assert verify_customer_token(token, "other", now=NOW) is None
    forged = sign_customer("C0001", "attacker", ttl_seconds=60, now=NOW)
    assert verify_customer_token(forged, "s3cret", now=NOW) is None
    encoded, expiry, mac = token.split(".")
    longer = f"{encoded}.{int(expiry) + 10_000}.{mac}"
    assert verify_customer_token(longer, "s3cret", now=NOW) is None


def test_garbage_and_an_empty_secret_never_verify() -> None:
    for junk in (None, 42, "", "C0042", "a.b", "a.b.c.d", {"customer_id": "C0042"}):
        assert verify_customer_token(junk, "s3cret", now=NOW) is None
    token = sign_customer("C0042", "s3cret", ttl_seconds=60, now=NOW)
    assert verify_customer_token(token, "", now=NOW) is None
