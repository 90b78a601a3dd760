"""Passwords: Argon2id at or above OWASP's minimum, and old hashes brought up to it at sign-in."""

import argon2
import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.urls import reverse

from agencies.hashers import Argon2idPasswordHasher

pytestmark = pytest.mark.django_db

# OWASP Password Storage Cheat Sheet: Argon2id, at least 19 MiB of memory, 2 iterations, 1 lane.
OWASP_MINIMUM = argon2.Parameters(
    type=argon2.Type.ID, version=19, salt_len=16, hash_len=32, time_cost=2, memory_cost=19 * 1024, parallelism=1
)


def parameters_of(encoded: str) -> argon2.Parameters:
    return argon2.extract_parameters(encoded.removeprefix("argon2"))


def sign_in(client, email, password):
    return client.post(reverse("sign-in"), {"username": email, "password": password})


def test_new_passwords_are_hashed_with_argon2id_at_or_above_the_owasp_minimum(colleague):
    params = parameters_of(colleague.password)
    assert params.type is argon2.Type.ID
    assert params.memory_cost >= OWASP_MINIMUM.memory_cost
    assert params.time_cost >= OWASP_MINIMUM.time_cost
    assert params.parallelism >= OWASP_MINIMUM.parallelism
    assert isinstance(identify_hasher(colleague.password), Argon2idPasswordHasher)


def test_a_password_hashed_with_the_old_parameters_is_rehashed_with_the_new_ones_when_its_owner_signs_in(
    client, colleague, password
):
    # Django's own Argon2 defaults (100 MiB, 8 lanes) are what every existing account was hashed with.
    colleague.password = make_password(password, hasher=Argon2PasswordHasher())
    colleague.save(update_fields=["password"])
    old_hash = colleague.password
    assert parameters_of(old_hash).memory_cost == Argon2PasswordHasher.memory_cost

    assert sign_in(client, colleague.email, password).status_code == 302

    colleague.refresh_from_db()
    assert colleague.password != old_hash
    new = parameters_of(colleague.password)
    hasher = Argon2idPasswordHasher()
    assert (new.memory_cost, new.time_cost, new.parallelism) == (
        hasher.memory_cost,
        hasher.time_cost,
        hasher.parallelism,
    )
    assert colleague.check_password(password)


def test_a_password_already_at_the_current_parameters_is_not_rehashed_at_sign_in(client, colleague, password):
    current_hash = colleague.password
    assert sign_in(client, colleague.email, password).status_code == 302
    colleague.refresh_from_db()
    assert colleague.password == current_hash


def test_a_wrong_password_against_an_old_hash_fails_and_leaves_the_hash_alone(client, colleague, password):
    colleague.password = make_password(password, hasher=Argon2PasswordHasher())
    colleague.save(update_fields=["password"])
    old_hash = colleague.password
    assert sign_in(client, colleague.email, "not the right password").status_code == 200
    colleague.refresh_from_db()
    assert colleague.password == old_hash
