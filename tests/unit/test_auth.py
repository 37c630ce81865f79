"""Tokens: what `create_token` signs, `authenticate` accepts, and what it refuses and why."""

from __future__ import annotations

import time

import jwt
import pytest
from pydantic import SecretStr

from clustergraph.auth import AuthError, Principal, Role, authenticate, create_token
from clustergraph.settings import Settings


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, jwt_secret=SecretStr("unit-test-secret-that-is-long-enough"))  # type: ignore[call-arg]


@pytest.mark.parametrize("role", list(Role))
def test_created_token_authenticates_as_its_role(settings, role):
    """A token from create_token authenticates with the same role and subject."""
    token = create_token(settings, role, ttl_s=60, subject="alice")
    assert authenticate(settings, f"Bearer {token}") == Principal(subject="alice", role=role)


def test_no_header_is_anonymous(settings):
    assert authenticate(settings, None) is None
    assert authenticate(settings, "  ") is None


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Basic abc", "Bearer <token>"),
        ("Bearer", "Bearer <token>"),
        ("Bearer abc.def.ghi", "not valid"),
    ],
)
def test_malformed_headers_are_refused(settings, header, fragment):
    with pytest.raises(AuthError) as info:
        authenticate(settings, header)
    assert fragment in info.value.message
    assert info.value.code == "UNAUTHENTICATED"


def test_expired_token_is_refused(settings):
    claims = {
        "sub": "a",
        "role": "editor",
        "exp": int(time.time()) - 1,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(AuthError, match="expired"):
        authenticate(settings, f"Bearer {token}")


def test_unknown_role_is_refused(settings):
    claims = {
        "sub": "a",
        "role": "root",
        "exp": int(time.time()) + 60,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(AuthError, match="root"):
        authenticate(settings, f"Bearer {token}")


def test_wrong_audience_is_refused(settings):
    claims = {
        "sub": "a",
        "role": "editor",
        "exp": int(time.time()) + 60,
        "iss": settings.jwt_issuer,
        "aud": "someone-else",
    }
    token = jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")
    with pytest.raises(AuthError):
        authenticate(settings, f"Bearer {token}")


def test_es256_tokens_verify_with_the_public_key_only():
    """With ES256 the service verifies with the public key; the private key only signs."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    signer = Settings(_env_file=None, jwt_algorithm="ES256", jwt_private_key=SecretStr(private_pem))  # type: ignore[call-arg]
    verifier = Settings(_env_file=None, jwt_algorithm="ES256", jwt_public_key=public_pem)  # type: ignore[call-arg]
    token = create_token(signer, Role.EDITOR)
    assert authenticate(verifier, f"Bearer {token}") == Principal(subject="local", role=Role.EDITOR)


def test_ttl_out_of_range_is_refused(settings):
    with pytest.raises(ValueError, match="ttl"):
        create_token(settings, Role.EDITOR, ttl_s=0)


def test_role_ranks_order_permissions():
    admin = Principal("a", Role.ADMIN)
    reader = Principal("r", Role.READER)
    assert admin.can(Role.EDITOR)
    assert not reader.can(Role.EDITOR)
    assert reader.can(Role.READER)


# --- lifetime, the development secret, what production tells -------------------------------------------------

TEN_YEARS_S = 10 * 365 * 86400


def _signed(settings: Settings, **claims: object) -> str:
    base = {"sub": "a", "role": "admin", "iss": settings.jwt_issuer, "aud": settings.jwt_audience}
    return jwt.encode({**base, **claims}, settings.jwt_secret.get_secret_value(), algorithm="HS256")


def test_a_ten_year_admin_token_is_refused(settings):
    """The attack: an admin token valid for ten years, correctly signed. Its lifetime is over JWT_MAX_LIFETIME_S
    (a day by default), so it is refused, naming the limit."""
    now = int(time.time())
    token = _signed(settings, iat=now, exp=now + TEN_YEARS_S)
    with pytest.raises(AuthError) as info:
        authenticate(settings, f"Bearer {token}")
    assert info.value.code == "UNAUTHENTICATED"
    assert f"at most {settings.jwt_max_lifetime_s} s" in info.value.message


def test_a_token_issued_long_ago_or_without_iat_but_far_from_expiry_is_refused(settings):
    """exp - iat over the limit is refused even when little of it remains, and exp - now over it without any iat."""
    now = int(time.time())
    longest = settings.jwt_max_lifetime_s
    with pytest.raises(AuthError, match="lives longer"):
        authenticate(settings, f"Bearer {_signed(settings, iat=now - longest, exp=now + 60)}")
    with pytest.raises(AuthError, match="lives longer"):
        authenticate(settings, f"Bearer {_signed(settings, exp=now + longest + 3600)}")


def test_a_token_without_expiry_is_refused(settings):
    with pytest.raises(AuthError, match="exp"):
        authenticate(settings, f"Bearer {_signed(settings, iat=int(time.time()))}")


def test_a_token_within_the_limit_is_accepted(settings):
    """Up to the limit, a token is accepted, whether or not it has an iat."""
    now = int(time.time())
    short = settings.model_copy(update={"jwt_max_lifetime_s": 600})
    assert authenticate(short, f"Bearer {_signed(short, iat=now, exp=now + 590)}") == Principal(
        "a", Role.ADMIN
    )
    assert authenticate(short, f"Bearer {_signed(short, exp=now + 590)}") == Principal("a", Role.ADMIN)
    with pytest.raises(AuthError, match="at most 600 s"):
        authenticate(short, f"Bearer {_signed(short, iat=now, exp=now + 700)}")


def test_token_create_does_not_issue_past_the_limit(settings):
    create_token(settings, Role.EDITOR, ttl_s=settings.jwt_max_lifetime_s)
    with pytest.raises(ValueError, match="JWT_MAX_LIFETIME_S"):
        create_token(settings, Role.EDITOR, ttl_s=settings.jwt_max_lifetime_s + 1)


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.10", "::", "api.example.org"])  # noqa: S104 -- refused
def test_the_development_secret_is_refused_off_loopback(host):
    """docker-compose used to serve on HOST=0.0.0.0 with the public development secret: that start is refused."""
    with pytest.raises(ValueError, match="public development default"):
        Settings(_env_file=None, host=host)  # type: ignore[call-arg]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_development_secret_is_accepted_on_loopback_in_development(host):
    Settings(_env_file=None, host=host)  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="development default"):
        Settings(_env_file=None, host=host, production=True)  # type: ignore[call-arg]


def test_a_secret_of_ones_own_serves_on_any_address():
    Settings(_env_file=None, host="0.0.0.0", jwt_secret=SecretStr("a-secret-of-our-own-32-bytes-long!"))  # type: ignore[call-arg]  # noqa: S104


def test_production_tells_the_client_only_that_the_token_is_invalid(settings):
    """A token signed with another key: in development the message says why (PyJWT's reason); in production only
    'the token is not valid', with the same code."""
    other = settings.model_copy(update={"jwt_secret": SecretStr("another-secret-that-is-long-enough!")})
    token = create_token(other, Role.EDITOR)
    with pytest.raises(AuthError) as dev:
        authenticate(settings, f"Bearer {token}")
    assert "Signature verification failed" in dev.value.message
    production = settings.model_copy(update={"production": True})
    with pytest.raises(AuthError) as prod:
        authenticate(production, f"Bearer {token}")
    assert prod.value.message == "the token is not valid"
    assert prod.value.code == dev.value.code == "UNAUTHENTICATED"
