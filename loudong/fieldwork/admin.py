# The Django admin site is not mounted (docs/decisions.md): it would bypass scope and audit.
