"""Token totals in the metadata panel: unknown is not zero."""

from agentry_tui.widgets.metadata import token_totals


def test_totals_add_up_reported_counts() -> None:
    messages = [
        {"role": "assistant", "_usage": {"prompt_tokens": 10, "completion_tokens": 5}},
        {"role": "assistant", "_usage": {"prompt_tokens": 7, "completion_tokens": None}},
        {"role": "user", "content": "hi"},
    ]
    assert token_totals(messages) == (17, 5)


def test_a_server_that_reports_no_usage_gives_unknown_not_zero() -> None:
    messages = [
        {
            "role": "assistant",
            "_usage": {"prompt_tokens": None, "completion_tokens": None, "duration_s": 1.2},
        }
    ]
    assert token_totals(messages) == (None, None)
