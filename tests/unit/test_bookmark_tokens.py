"""The bookmark tokens of `X-Neo4j-Bookmarks` (`clustergraph.bookmarks`): what verifies, what does not, and which
settings may use a key of their process's own."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from clustergraph import bookmarks
from clustergraph.settings import Settings

OWN_SECRET = SecretStr("a-jwt-secret-of-our-own-32-bytes-long")


def test_a_sealed_token_gives_back_its_bookmarks_and_several_tokens_combine():
    settings = Settings(_env_file=None, jwt_secret=OWN_SECRET)  # type: ignore[call-arg]
    one, two = bookmarks.seal(settings, ["FB:b", "FB:a"]), bookmarks.seal(settings, ["FB:c"])
    assert bookmarks.unseal(settings, one) == ["FB:a", "FB:b"]
    assert bookmarks.unseal(settings, f"{one}, {two}") == ["FB:a", "FB:b", "FB:c"]
    assert bookmarks.unseal(settings, "") == []


@pytest.mark.parametrize(
    "header",
    ["FB:kcwQAAAAAAAAAAAAAAAAAAAAAcp3NZQAkA==", "cgb1.e30", "cgb1.!!.!!", "cgb2.W10.AAAA", "x" * 5000],
)
def test_anything_not_sealed_by_the_service_is_refused(header):
    settings = Settings(_env_file=None, jwt_secret=OWN_SECRET)  # type: ignore[call-arg]
    with pytest.raises(bookmarks.BookmarkError):
        bookmarks.unseal(settings, header)


def test_too_many_tokens_are_refused():
    settings = Settings(_env_file=None, jwt_secret=OWN_SECRET)  # type: ignore[call-arg]
    token = bookmarks.seal(settings, ["FB:a"])
    with pytest.raises(bookmarks.BookmarkError, match="at most"):
        bookmarks.unseal(settings, ",".join([token] * (bookmarks.MAX_TOKENS + 1)))


def test_the_key_is_the_bookmark_secret_else_derived_from_the_jwt_secret():
    """BOOKMARK_SECRET wins; without it two services with one JWT secret share the key, and it is not the JWT
    secret itself."""
    derived = Settings(_env_file=None, jwt_secret=OWN_SECRET)  # type: ignore[call-arg]
    assert bookmarks.signing_key(derived) == bookmarks.signing_key(derived.model_copy())
    assert bookmarks.signing_key(derived) != OWN_SECRET.get_secret_value().encode()
    explicit = derived.model_copy(update={"bookmark_secret": SecretStr("b" * 32)})
    assert bookmarks.signing_key(explicit) == b"b" * 32


@pytest.mark.parametrize("changes", [{"workers": 2}, {"production": True, "jwt_algorithm": "ES256"}])
def test_several_workers_or_production_need_a_shared_key(changes):
    """With the development defaults the key is random per process: several workers, or production, would refuse
    each other's tokens, so those settings are refused until a secret is configured."""
    with pytest.raises(ValueError, match="BOOKMARK_SECRET"):
        Settings(_env_file=None, **changes)  # type: ignore[call-arg]
    Settings(_env_file=None, bookmark_secret=SecretStr("b" * 32), **changes)  # type: ignore[call-arg]


def test_a_short_bookmark_secret_is_refused():
    with pytest.raises(ValueError, match="at least 32 bytes"):
        Settings(_env_file=None, bookmark_secret=SecretStr("short"))  # type: ignore[call-arg]
