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
