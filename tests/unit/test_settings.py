"""Settings round-trip through the URL; invalid values fall back and are reported."""

from __future__ import annotations

from datetime import date

from churn.settings import Settings, settings_from_query_params
from churn.tiers import TierRule

DEFAULTS = Settings(as_of=date(2025, 12, 31), window_days=60)


def test_round_trip() -> None:
    settings = Settings(
        date(2025, 9, 30),
        90,
        "quarter",
        date(2024, 1, 1),
        date(2025, 6, 30),
        "zh",
        TierRule((0.5, 4.5, 20, 75), "margin", "12m"),
        ("platinum", "gold"),
    )
    assert settings.to_query_params()["tiers"] == "0.5,4.5,20,75"
    assert settings_from_query_params(settings.to_query_params(), DEFAULTS) == (settings, [])


def test_default_tier_rule_stays_out_of_the_url() -> None:
    assert set(DEFAULTS.to_query_params()) == {"as_of", "window", "grain", "lang"}


def test_invalid_tier_rule_in_url_is_reported() -> None:
    settings, problems = settings_from_query_params({"tiers": "1,4,15,70", "tier_filter": "gold,diamond"}, DEFAULTS)
    assert settings == DEFAULTS
    assert problems == ["tiers", "tier_filter"]


def test_defaults_when_empty() -> None:
    assert settings_from_query_params({}, DEFAULTS) == (DEFAULTS, [])


def test_invalid_values_are_named() -> None:
    params = {"as_of": "2025-13-01", "window": "-5", "grain": "week", "lang": "fr", "from": "x"}
    settings, problems = settings_from_query_params(params, DEFAULTS)
    assert settings == DEFAULTS
    assert problems == ["as_of", "window", "grain", "lang", "from"]


def test_reversed_range_is_refused() -> None:
    settings, problems = settings_from_query_params({"from": "2025-06-01", "to": "2025-01-01"}, DEFAULTS)
    assert (settings.date_from, settings.date_to) == (None, None)
    assert problems == ["from", "to"]


def test_period_params_default_to_all_history() -> None:
    assert DEFAULTS.period_params(date(2023, 1, 1)) == {
        "as_of": date(2025, 12, 31),
        "window_days": 60,
        "grain": "month",
        "date_from": date(2023, 1, 1),
        "date_to": date(2025, 12, 31),
        "dimension": "all",
        "tiers": [],
        "filter_dimension": "region",
        "filter_values": [],
    }
