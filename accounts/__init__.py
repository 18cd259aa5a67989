"""Signing in and staying signed in: a person's own account (password, sessions), and the
limits every session lives under."""
