"""Saved workspaces and the password in AppTest: save from the Data page, open by link, rename,
delete, a wrong link; with a password, nothing but the prompt."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from churn.saved import workspace_store
from tests.app.conftest import APP, App, new_app, shown

ORDERS = b"customer,date,amount\nA1,2024-01-05,10\nA1,2024-02-05,10\nB2,2024-01-20,30\n"


def new_session(query_params: dict[str, str] | None = None) -> AppTest:
    """The app in a new browser session: AppTests share one session id, so the session-scoped
    workspace of the previous one is released first (as the end of its session does)."""
    st.cache_resource.clear()
    return new_app(query_params)


def captions(at: AppTest) -> str:
    return "\n".join(shown(caption.value) for caption in [*at.caption, *at.sidebar.caption])


def load_and_save(name: str) -> tuple[AppTest, str]:
    """A session that loads a small file as ``name`` and saves it; the link's token."""
    at = new_app()
    at.switch_page("pages/data.py").run()
    at.text_input(key="data_name").set_value(name).run()
    at.file_uploader(key="data_upload_orders_0").upload("shop.csv", ORDERS, "text/csv").run()
    at.button(key="data_load").click().run()
    assert not at.exception
    assert "Dataset: " + name in captions(at)
    at.text_input(key="saved_name").set_value(name + " (saved)").run()
    at.button(key="saved_save").click().run()
    assert not at.exception
    assert any(f"Saved “{name} (saved)”" in shown(box.value) for box in at.success)
    link = str(at.code[0].value)
    token = parse_qs(urlsplit(link).query)["workspace"][0]
    assert at.query_params["workspace"] == token
    return at, token


def test_a_saved_dataset_opens_from_its_link_in_a_new_session() -> None:
    _, token = load_and_save("shop")
    at = new_session({"workspace": token})
    assert not at.exception
    assert "Dataset: shop (saved) (2 customers" in captions(at)
    at.switch_page("pages/data.py").run()
    assert "This dataset is the saved workspace “shop (saved)”" in captions(at)
    assert str(at.code[0].value).count(token) == 1


def test_a_wrong_or_truncated_link_says_not_found_and_nothing_else() -> None:
    _, token = load_and_save("shop")
    for wrong in (token[:-1], token[::-1], "x"):
        at = new_session({"workspace": wrong})
        assert not at.exception
        assert [str(error.value) for error in at.error] == [
            "No saved workspace was found at this link. It may have been deleted, or the link was not copied in "
            "full. The dataset shown is the one this session already had."
        ]
        assert "Dataset: demo data" in captions(at)
        assert "shop" not in captions(at)
        assert "workspace" not in at.query_params


def test_rename_then_delete_from_the_data_page() -> None:
    at, token = load_and_save("shop")
    at.text_input(key="saved_rename").set_value("Shop, Q4").run()
    at.button(key="saved_rename_button").click().run()
    assert workspace_store().describe(token).name == "Shop, Q4"
    assert "Dataset: Shop, Q4" in captions(at)
    assert at.button(key="saved_delete").disabled
    at.checkbox(key="saved_delete_sure").check().run()
    at.button(key="saved_delete").click().run()
    assert not at.exception
    assert "workspace" not in at.query_params
    assert at.text_input(key="saved_name") is not None  # the page offers to save again
    again = new_session({"workspace": token})
    assert "No saved workspace was found" in str(again.error[0].value)


def test_a_link_pasted_on_the_data_page_opens_its_workspace() -> None:
    _, token = load_and_save("pasted")
    at = new_session()
    at.switch_page("pages/data.py").run()
    at.text_input(key="saved_open_link").set_value(f"http://example.test/overview?workspace={token}&window=45").run()
    at.button(key="saved_open").click().run()
    assert not at.exception
    assert "Dataset: pasted (saved)" in captions(at)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_with_a_password_only_the_prompt_is_shown_until_it_is_given(lang: str) -> None:
    at = App(APP, default_timeout=60)
    at.secrets["password"] = "correct horse"
    at.query_params["lang"] = lang
    at.run()
    assert not at.exception
    assert len(at.sidebar.children) == 0 and not at.metric and not at.dataframe
    assert [element.label for element in at.text_input] == ["Password" if lang == "en" else "密码"]
    at.text_input[0].input("wrong")  # typed into the form, sent with its button
    at.button[0].click().run()
    assert len(at.error) == 1 and not at.metric
    at.text_input[0].input("correct horse")
    at.button[0].click().run()
    assert not at.exception
    assert at.metric  # the overview's figures


def test_a_bare_link_opens_the_saved_view_and_scenarios() -> None:
    """A link with nothing but the token: the settings and saved what-if scenarios are those the
    workspace was saved with (its reason corrections: tests/unit/test_saved.py)."""
    at = new_app({"window": "45", "grain": "quarter"})
    at.switch_page("pages/what-if.py").run()
    at.text_input(key="whatif_name").set_value("Upside").run()
    at.slider(key="whatif_w_all").set_value(20.0).run()
    at.button(key="whatif_save").click().run()
    at.switch_page("pages/data.py").run()
    at.button(key="saved_save").click().run()
    token = at.query_params["workspace"]
    assert workspace_store().describe(token).name == "Copy of the demo data"

    again = new_session({"workspace": token})
    assert not again.exception
    assert (again.query_params["window"], again.query_params["grain"]) == ("45", "quarter")
    again.switch_page("pages/what-if.py").run()
    assert list(again.dataframe[-1].value["Scenario"]) == ["Upside"]
    assert "Dataset: Copy of the demo data" in captions(again)
