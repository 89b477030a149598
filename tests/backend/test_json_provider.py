"""The app's JSON provider reuses encoders; its output must equal Flask's own, byte for byte."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, cast

import pytest
from flask import Flask, Response

from backend.json_provider import JSONProvider


@dataclass
class Point:
    x: int
    label: str


SAMPLES: list[Any] = [
    {"b": 1, "a": [1, 2.5, None, True], "é": "naïve ✓"},
    {"when": datetime(2026, 11, 27, 10, 0, tzinfo=UTC), "day": date(2026, 11, 27)},
    {"id": uuid.UUID(int=7), "amount": Decimal("1.10"), "point": Point(1, "p")},
    [],
    "text",
]


@pytest.mark.parametrize("value", SAMPLES)
@pytest.mark.parametrize("debug", [False, True])
def test_responses_match_flask_s_default_provider(value: Any, debug: bool) -> None:
    ours, flask_s = Flask("ours"), Flask("default")
    ours.json = JSONProvider(ours)
    flask_s.json.sort_keys = False  # type: ignore[attr-defined]  # ours keeps field order
    for app in (ours, flask_s):
        app.debug = debug  # debug responses are indented: another option set, another cached encoder
    with ours.app_context():
        ours_body = cast(Response, ours.json.response(value)).get_data()
    with flask_s.app_context():
        expected = cast(Response, flask_s.json.response(value)).get_data()
    assert ours_body == expected


def test_other_options_fall_back_to_flask_s_dumps() -> None:
    app = Flask("ours")
    app.json = JSONProvider(app)
    assert app.json.dumps({"b": 1, "a": 2}, sort_keys=True) == '{"a": 2, "b": 1}'
    with pytest.raises(TypeError):
        app.json.dumps({1j})
