"""cramp_dx: decision support for leg cramps after lumbar spine surgery."""

__version__ = "0.1.0"
