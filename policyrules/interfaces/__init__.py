"""Shells over the public API: the command line and the HTTP service."""
