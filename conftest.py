import os


def pytest_configure(config):
    from django.conf import settings

    # Tests create many users: a fast hasher keeps the suite quick. Production keeps PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
