"""The GOV.UK form layer (config.govuk_forms): every kind of widget renders as its GOV.UK component through Django's
form renderer, keeps the attributes its form gave it, and shows what is stored; every form of every app uses it."""

import importlib
import inspect
from html.parser import HTMLParser

import pytest
from django import forms
from django.conf import settings
from django.forms.renderers import TemplatesSetting, get_default_renderer
from django.template.loader import render_to_string

from config.govuk_forms import DateField, GovukForm, GovukFormMixin


class Inputs(HTMLParser):
    """Every <input>, <textarea> and <select> of a page, with its attributes."""

    def __init__(self, html):
        super().__init__()
        self.controls: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "textarea", "select"):
            self.controls.append({"tag": tag, **{k: ("" if v is None else v) for k, v in attrs}})

    def named(self, name):
        return [c for c in self.controls if c.get("name") == name]


class EveryWidget(GovukForm):
    text = forms.CharField(label="Name", widget=forms.TextInput(attrs={"autocomplete": "name", "data-a": "1"}))
    email = forms.EmailField(label="Email", widget=forms.EmailInput(attrs={"spellcheck": "false"}))
    notes = forms.CharField(label="Notes", max_length=40, widget=forms.Textarea(attrs={"rows": 2, "data-b": "2"}))
    pick = forms.ChoiceField(
        label="Sector",
        choices=[("health", "Health"), ("school", "School")],
        widget=forms.RadioSelect(attrs={"data-c": "3", "hx-get": "/x/"}),
        help_text="The one it belongs to",
    )
    many = forms.MultipleChoiceField(
        label="Outcomes",
        choices=[("safe", "Stay safe"), ("healthy", "Be healthy"), ("achieve", "Enjoy and achieve")],
        widget=forms.CheckboxSelectMultiple(attrs={"data-d": "4"}),
        required=False,
    )
    agree = forms.BooleanField(
        label="Confirmed", required=False, help_text="Tick it", widget=forms.CheckboxInput(attrs={"data-e": "5"})
    )
    choose = forms.ChoiceField(
        label="Role", choices=[("a", "A"), ("b", "B")], widget=forms.Select(attrs={"data-f": "6"})
    )
    when = DateField(label="Date of birth")

    input_widths = {"text": "govuk-input--width-20"}


def render(form) -> str:
    return render_to_string("forms/form.html", {"form": form})


def test_widgets_render_through_the_projects_template_engine():
    assert settings.FORM_RENDERER == "django.forms.renderers.TemplatesSetting"
    assert isinstance(get_default_renderer(), TemplatesSetting)


def test_every_widget_keeps_the_attributes_its_form_gave_it():
    page = Inputs(render(EveryWidget()))
    text, email, notes = page.named("text")[0], page.named("email")[0], page.named("notes")[0]
    assert (text["autocomplete"], text["data-a"], text["class"]) == ("name", "1", "govuk-input govuk-input--width-20")
    assert (email["spellcheck"], email["class"]) == ("false", "govuk-input")
    assert (notes["tag"], notes["rows"], notes["data-b"]) == ("textarea", "2", "2")
    for radio in page.named("pick"):
        assert (radio["type"], radio["class"], radio["data-c"], radio["hx-get"]) == (
            "radio",
            "govuk-radios__input",
            "3",
            "/x/",
        )
    for box in page.named("many"):
        assert (box["type"], box["class"], box["data-d"]) == ("checkbox", "govuk-checkboxes__input", "4")
    (agree,) = page.named("agree")
    assert (agree["type"], agree["class"], agree["data-e"]) == ("checkbox", "govuk-checkboxes__input", "5")
    assert agree["aria-describedby"] == "id_agree_helptext"
    (choose,) = page.named("choose")
    assert (choose["tag"], choose["data-f"], choose["class"]) == ("select", "6", "govuk-select")
    assert [c["inputmode"] for c in page.controls if c.get("name", "").startswith("when_")] == ["numeric"] * 3


def test_a_choose_all_that_apply_question_renders_as_checkboxes_with_every_stored_answer_ticked():
    html = render(EveryWidget(initial={"many": ["safe", "achieve"]}))
    boxes = Inputs(html).named("many")
    assert [b["type"] for b in boxes] == ["checkbox"] * 3
    assert [("checked" in b) for b in boxes] == [True, False, True]
    assert [b["id"] for b in boxes] == ["id_many_0", "id_many_1", "id_many_2"]
    assert 'class="govuk-checkboxes" data-module="govuk-checkboxes"' in html
    assert 'for="id_many_2">Enjoy and achieve</label>' in html


def test_a_choose_one_question_renders_as_radios_with_the_stored_answer_chosen():
    html = render(EveryWidget(initial={"pick": "school"}))
    radios = Inputs(html).named("pick")
    assert [(r["type"], r["value"], "checked" in r) for r in radios] == [
        ("radio", "health", False),
        ("radio", "school", True),
    ]
    assert 'class="govuk-radios" data-module="govuk-radios"' in html
    assert '<fieldset class="govuk-fieldset" aria-describedby="id_pick_helptext ">' in html


def test_a_single_checkbox_shows_whether_it_is_ticked():
    assert "checked" in Inputs(render(EveryWidget(initial={"agree": True}))).named("agree")[0]
    assert "checked" not in Inputs(render(EveryWidget(initial={"agree": False}))).named("agree")[0]


def test_errors_are_linked_from_the_summary_and_described_on_the_field_but_not_on_every_option():
    form = EveryWidget(data={"pick": "nonsense", "text": "", "notes": "x" * 41})
    assert not form.is_valid()
    html = render(form)
    page = Inputs(html)
    anchors = dict((anchor, message) for anchor, message in form.error_summary())
    assert {"id_text", "id_pick_0", "id_notes", "id_when_0"} <= set(anchors)
    assert page.named("text")[0]["aria-describedby"] == "id_text_error"
    assert "govuk-input--error" in page.named("text")[0]["class"]
    assert "govuk-textarea--error" in page.named("notes")[0]["class"]
    for radio in page.named("pick"):
        assert "aria-describedby" not in radio  # the fieldset carries it
        assert radio["aria-invalid"] == "true"
    assert 'aria-describedby="id_pick_helptext id_pick_error"' in html
    assert "govuk-input--error" in page.named("when_0")[0]["class"]
    summary = render_to_string("forms/error_summary.html", {"form": form})
    assert 'href="#id_pick_0"' in summary and 'data-module="govuk-error-summary"' in summary


def test_styling_a_form_again_adds_no_class_twice():
    form = EveryWidget()
    for field in form.fields.values():
        field.widget._govuk_styled = False
    form.style_fields()
    assert form.fields["text"].widget.attrs["class"] == "govuk-input govuk-input--width-20"
    assert form.fields["pick"].widget.attrs["class"] == "govuk-radios__input"


def test_a_limited_text_box_is_a_character_count_that_states_its_limit_once_and_cuts_nothing_off():
    html = render(EveryWidget())
    assert html.count("You can enter up to 40 characters") == 1
    assert (
        'class="govuk-form-group govuk-character-count" data-module="govuk-character-count" data-maxlength="40"' in html
    )
    assert '<div id="id_notes-info" class="govuk-hint govuk-character-count__message">' in html
    (notes,) = Inputs(html).named("notes")
    assert "maxlength" not in notes  # the browser would cut off pasted text without a word
    assert notes["class"] == "govuk-textarea govuk-js-character-count"
    assert notes["aria-describedby"] == "id_notes-info"
    form = EveryWidget(data={"notes": "x" * 41})
    form.is_valid()
    (notes,) = Inputs(render(form)).named("notes")
    assert notes["aria-describedby"] == "id_notes_error id_notes-info"
    assert form.errors["notes"] == ["Notes must be 40 characters or fewer (you have 41)"]


APPS = ("agencies", "caf", "children", "directory", "referrals")


@pytest.mark.parametrize("app", APPS)
def test_every_form_of_every_app_renders_through_the_govuk_layer(app):
    module = importlib.import_module(f"{app}.forms")
    found = [
        cls
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__
    ]
    assert found
    assert [cls.__name__ for cls in found if not issubclass(cls, GovukFormMixin)] == []
