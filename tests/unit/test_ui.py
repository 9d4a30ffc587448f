"""Helpers of the presentation layer that need no running app."""

from __future__ import annotations

from churn.ui import css_string


def test_css_string_escapes_what_could_end_the_string_or_the_style_element() -> None:
    # " → \22, \ → \5c, < → \3c, > → \3e, line break → \a; each escape ends with a space, which
    # CSS consumes as the end of the hex digits.
    assert css_string('a"b\\c<d>\ne') == '"a\\22 b\\5c c\\3c d\\3e \\a e"'
    assert css_string("每个文件最大 200 MB • CSV") == '"每个文件最大 200 MB • CSV"'
    assert "</style>" not in css_string("</style><script>")
