"""Benchmarks a person runs by hand (see README.md here). A package only so gunicorn can import the
bench-only settings and URLconf that bench/pages.py serves; the product never imports it."""
