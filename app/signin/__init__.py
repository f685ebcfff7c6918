"""Signing in: organisation accounts (OpenID Connect), API tokens, sessions and CSRF."""
