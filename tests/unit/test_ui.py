"""Helpers of the presentation layer that need no running app."""

from __future__ import annotations

import pandas as pd

from churn.ui import css_string, markdown_text, whole


def test_css_string_escapes_what_could_end_the_string_or_the_style_element() -> None:
    # " → \22, \ → \5c, < → \3c, > → \3e, line break → \a; each escape ends with a space, which
    # CSS consumes as the end of the hex digits.
    assert css_string('a"b\\c<d>\ne') == '"a\\22 b\\5c c\\3c d\\3e \\a e"'
    assert css_string("每个文件最大 200 MB • CSV") == '"每个文件最大 200 MB • CSV"'
    assert "</style>" not in css_string("</style><script>")


def test_whole_numbers_are_written_without_a_decimal_point() -> None:
    # 4060.0 → 4060, 46.6 → 47, a missing value stays missing (pandas writes a lone empty cell as "").
    values = whole(pd.Series([4060.0, 46.6, None]))
    assert values.to_csv(index=False, header=False) == '4060\n47\n""\n'


def test_markdown_text_leaves_no_markup_from_the_data() -> None:
    hostile = "![logo](http://evil.test/i.png) [sign in](http://evil.test) <b>x</b> **y** :red[z] `c` a\\b\nnext"
    escaped = markdown_text(hostile)
    # Every ASCII punctuation mark is preceded by a backslash (CommonMark: a literal character).
    assert escaped == (
        r"\!\[logo\]\(http\:\/\/evil\.test\/i\.png\) \[sign in\]\(http\:\/\/evil\.test\) \<b\>x\<\/b\> "
        r"\*\*y\*\* \:red\[z\] \`c\` a\\b next"
    )
    assert markdown_text("Shop A, 2024 年") == r"Shop A\, 2024 年"
