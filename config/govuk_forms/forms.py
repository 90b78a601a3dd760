"""Django forms rendered as GOV.UK Frontend components, for every app.

A form that mixes in `GovukFormMixin` renders each field with `templates/forms/field.html` (label,
hint, error message, and the fieldset around a group of choices) and each widget through Django's form
renderer (`FORM_RENDERER`, so widget templates live in `templates/`): radios and checkboxes with
`templates/forms/widgets/radios.html` and `checkboxes.html`, whose inputs keep every attribute the
widget has. It gives the widgets the GOV.UK classes; Django itself links hint and error by
`aria-describedby` (the fieldset carries them for a group of choices).
"""

from django import forms

# The widget templates of GOV.UK's components, found by the project's template engine (FORM_RENDERER).
CHOICE_TEMPLATES = {
    "radios": ("forms/widgets/radios.html", "forms/widgets/radios_option.html", "govuk-radios__input"),
    "checkboxes": ("forms/widgets/checkboxes.html", "forms/widgets/checkboxes_option.html", "govuk-checkboxes__input"),
}

WIDGET_CLASSES = {
    forms.Textarea: ("govuk-textarea", "govuk-textarea--error"),
    forms.Select: ("govuk-select", "govuk-select--error"),
    forms.SelectMultiple: ("govuk-select", "govuk-select--error"),
}


def widget_kind(widget) -> str:
    if getattr(widget, "govuk_kind", None) == "date":
        return "date"
    # CheckboxSelectMultiple subclasses RadioSelect: test it first, or every "choose all that apply"
    # question renders as radios and an unchanged save keeps only one of its answers.
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    return "input"


def add_classes(widget, css: str) -> None:
    """Add CSS classes to a widget once, however often its form styles it again."""
    classes = widget.attrs.get("class", "").split()
    classes += [c for c in css.split() if c not in classes]
    if classes:
        widget.attrs["class"] = " ".join(classes)


class GovukFormMixin:
    template_name = "forms/form.html"
    # Width classes for text inputs by field name, e.g. {"postcode": "govuk-input--width-10"}.
    input_widths: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        # Only a form opened empty (a GET) may take back what its user typed before a time-out.
        self._may_restore = not self.is_bound
        self.style_fields()

    def style_fields(self):
        """Give every field not yet styled its GOV.UK classes; call again after adding fields."""
        self._restore_typed()
        for name, field in self.fields.items():
            widget = field.widget
            if getattr(widget, "_govuk_styled", False):
                continue
            widget._govuk_styled = True
            widget.govuk_kind = widget_kind(widget)
            if widget.govuk_kind == "date":
                continue
            if widget.govuk_kind in CHOICE_TEMPLATES:
                widget.template_name, widget.option_template_name, css = CHOICE_TEMPLATES[widget.govuk_kind]
            elif widget.govuk_kind == "checkbox":
                css = "govuk-checkboxes__input"
            elif widget.govuk_kind == "input":
                css = "govuk-input"
                if name in self.input_widths:
                    css += " " + self.input_widths[name]
            elif widget.govuk_kind in ("textarea", "select"):
                css = WIDGET_CLASSES.get(type(widget), ("govuk-select", ""))[0]
            else:
                css = ""
            add_classes(widget, css)
            if isinstance(field, forms.CharField) and field.max_length and widget.govuk_kind == "textarea":
                # GOV.UK's character count: the limit stated under the box (and counted down with
                # JavaScript), never `maxlength`, which cuts off pasted text without a word.
                widget.govuk_limit, widget.govuk_limit_text = field.max_length, f"{field.max_length:,}"
                add_classes(widget, "govuk-js-character-count")
                widget.attrs.pop("maxlength", None)
                widget.template_name = "forms/widgets/character_count.html"
                # GOV.UK's wording, for the message a practitioner now sees instead of being cut off.
                field.error_messages.setdefault(
                    "max_length",
                    f"{field.label} must be {field.max_length:,} characters or fewer (you have %(show_value)d)",
                )

    def _restore_typed(self):
        """On the page a user returns to after a time-out, bind the form to what they had posted.

        Run from style_fields(), which every form calls once its fields are all there, so the kept
        data goes to the form it came from (the first one on the page with one of its field names)."""
        from agencies.middleware import RESTORING

        offer = RESTORING.get()
        if offer is None or not getattr(self, "_may_restore", False):
            return
        data = offer.offer(self.add_prefix(name) for name in self.fields)
        if data is not None:
            self.data, self.is_bound, self._may_restore = data, True, False
            self.restored = True

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            widget = self.fields[name].widget
            if widget.govuk_kind not in CHOICE_TEMPLATES:
                # A group of choices is described by its fieldset; on each option it would be read again.
                bound = self[name]
                described = [f"{bound.auto_id}_helptext"] if self.fields[name].help_text else []
                described.append(f"{bound.auto_id}_error")
                widget.attrs["aria-describedby"] = " ".join(described)
            if widget.govuk_kind == "date":
                for sub in widget.widgets:
                    if "govuk-input--error" not in sub.attrs["class"]:
                        sub.attrs["class"] += " govuk-input--error"
            if widget.govuk_kind in ("input", "textarea", "select"):
                error_class = {
                    "input": "govuk-input--error",
                    "textarea": "govuk-textarea--error",
                    "select": "govuk-select--error",
                }[widget.govuk_kind]
                if error_class not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " " + error_class

    def add_validation_error(self, error) -> None:
        """Show a service's ValidationError on the form: on its field where it names one, else on the form."""
        if hasattr(error, "error_dict"):
            for field, errors in error.error_dict.items():
                for e in errors:
                    self.add_error(field if field in self.fields else None, e)
        else:
            for message in error.messages:
                self.add_error(None, message)

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the GOV.UK error summary, in the order fields appear."""
        items = []
        # A problem with the form as a whole links to its first field, so every error leads somewhere.
        first = next((self[name].auto_id for name, f in self.fields.items() if not f.widget.is_hidden), "")
        if first and self.fields[next(iter(self.fields))].widget.govuk_kind in ("radios", "checkboxes", "date"):
            first = f"{first}_0"
        for message in self.non_field_errors():
            items.append((first, message))
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                bound = self[name]
                anchor = bound.auto_id
                if field.widget.govuk_kind in ("radios", "checkboxes", "date"):
                    anchor = f"{bound.auto_id}_0"
                items.append((anchor, message))
        return items


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
