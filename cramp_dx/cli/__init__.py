"""Command line: `cramp-dx` with a sub-command, or no arguments for the desktop app."""
