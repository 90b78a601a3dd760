"""The password hasher: Argon2id at OWASP's minimum cost, so a sign-in is quick on a small server."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    """Argon2id with 19 MiB of memory, 2 iterations and 1 lane (OWASP's minimum configuration).

    Django's defaults (100 MiB, 8 lanes) took about a second per check on two cores, and thirty
    practitioners signing in at nine waited up to 22 s. These parameters take about 60 ms here
    (bench/README.md). The algorithm name stays "argon2", so existing hashes are still verified with the
    parameters stored in each hash, and Django re-hashes a password with these parameters when its
    owner next signs in (``must_update`` compares them).
    """

    memory_cost = 19 * 1024  # KiB
    time_cost = 2
    parallelism = 1
