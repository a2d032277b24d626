"""Property tests: any text a client can send is either a valid frame or a FrameError."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from core.protocol.client import FRAME_TYPES, ClientFrame, FrameError, parse_frame

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
frame_like = st.fixed_dictionaries(
    {"type": st.sampled_from([*FRAME_TYPES, "nope", ""])},
    optional={
        "room": json_values | st.integers(),
        "since": json_values | st.integers(),
        "body": json_values | st.text(),
        "message": json_values | st.integers(),
        "seq": json_values | st.integers(),
        "reply_to": json_values | st.integers(),
        "ref": json_values | st.text(max_size=80),
    },
)


def _parse(text: str) -> None:
    try:
        frame = parse_frame(text)
    except FrameError as error:
        assert error.code in ("bad_request", "too_large")
        assert error.ref is None or len(error.ref) <= 64
    else:
        assert isinstance(frame, ClientFrame)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_arbitrary_text(text):
    _parse(text)


@settings(max_examples=500)
@given(frame_like)
def test_frame_shaped_json(data):
    _parse(json.dumps(data))


@settings(max_examples=200)
@given(json_values)
def test_any_json_value(value):
    _parse(json.dumps(value))
