"""Argument types for the CLI: numbers checked where they are parsed, with a one-line error.

argparse turns the ArgumentTypeError message into `rehab: error: argument --x: MESSAGE`.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable


def whole_number(
    low: int = 1, high: int | None = None, what: str | None = None
) -> Callable[[str], int]:
    """A type that reads a whole number in [low, high] (`what` names it in errors)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"from {low} to {high}"
            wanted = what or f"a number {bounds}"
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {value}")
        return value

    return parse


def real_number(low: float, high: float) -> Callable[[str], float]:
    """A type that reads a finite number in [low, high]."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a number from {low:g} to {high:g}")
        return value

    return parse


positive_int = whole_number(1)
record_id = whole_number(1, 2**63 - 1, "an id (a positive whole number)")  # a 64-bit column
fraction = real_number(0.0, 1.0)
seconds = real_number(0.0, 24 * 3600.0)
