"""Sourcebook's benchmarks (`python -m bench [--quick]`, `make bench`); not part of the installed package."""
