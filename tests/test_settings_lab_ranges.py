"""A settings file with a broken lab range is refused by name, never half-applied: a range
bound that is not a number, or a range with no bound at all, would leave the lab unflagged."""

from __future__ import annotations

import json

import pytest

from cramp_dx.errors import InputError
from cramp_dx.settings import Settings, load_settings, save_settings, settings_path


def write(data: dict) -> None:
    path = settings_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("ranges", "field"),
    [
        ({"potassium": {"low": "3.5"}}, "lab_ranges.potassium.low"),
        ({"potassium": {"low": 3.5, "high": None}}, "lab_ranges.potassium.high"),
        ({"potassium": {"high": True}}, "lab_ranges.potassium.high"),
        (["potassium"], "lab_ranges"),
    ],
    ids=["text", "null", "boolean", "not-an-object"],
)
def test_a_lab_range_that_is_not_numbers_is_refused_by_name(ranges, field) -> None:
    write({"lab_ranges": ranges})
    with pytest.raises(InputError) as caught:
        load_settings()
    assert [p.path for p in caught.value.problems] == [field]


def test_a_lab_range_with_numbers_round_trips() -> None:
    save_settings(Settings(lab_ranges={"potassium": {"low": 3.8, "high": 5}}))
    assert load_settings().lab_ranges == {"potassium": {"low": 3.8, "high": 5}}
