"""Helpers shared by several test files (imported explicitly)."""
