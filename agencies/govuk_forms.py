"""Django forms rendered as GOV.UK Frontend components, for every app.

A form that mixes in `GovukFormMixin` renders each field with `templates/forms/field.html` (label,
hint, error message and the right component for its widget) and gives its widgets the GOV.UK classes
and the `aria-describedby` links to hint and error that screen readers need.
"""

from django import forms

WIDGET_CLASSES = {
    forms.Textarea: ("govuk-textarea", "govuk-textarea--error"),
    forms.Select: ("govuk-select", "govuk-select--error"),
    forms.SelectMultiple: ("govuk-select", "govuk-select--error"),
}


def widget_kind(widget) -> str:
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "select"
    return "input"


class GovukFormMixin:
    template_name = "forms/form.html"
    # Width classes for text inputs by field name, e.g. {"postcode": "govuk-input--width-10"}.
    input_widths: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            widget = field.widget
            widget.govuk_kind = widget_kind(widget)
            if widget.govuk_kind == "input":
                css = "govuk-input"
                if name in self.input_widths:
                    css += " " + self.input_widths[name]
            elif widget.govuk_kind in ("textarea", "select"):
                css = WIDGET_CLASSES.get(type(widget), ("govuk-select", ""))[0]
            else:
                css = ""
            if css:
                widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()
            if isinstance(field, forms.CharField) and field.max_length and widget.govuk_kind == "textarea":
                # Stated in the form, as GOV.UK's character count does, so nobody types past the limit blind.
                field.help_text = (
                    f"{field.help_text} " if field.help_text else ""
                ) + f"You can enter up to {field.max_length:,} characters."

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name not in self.fields:
                continue
            field = self.fields[name]
            widget = field.widget
            bound = self[name]
            described = [f"{bound.auto_id}_helptext"] if field.help_text else []
            described.append(f"{bound.auto_id}_error")
            widget.attrs["aria-describedby"] = " ".join(described)
            if widget.govuk_kind in ("input", "textarea", "select"):
                error_class = {
                    "input": "govuk-input--error",
                    "textarea": "govuk-textarea--error",
                    "select": "govuk-select--error",
                }[widget.govuk_kind]
                if error_class not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = widget.attrs.get("class", "") + " " + error_class

    def error_summary(self) -> list[tuple[str, str]]:
        """(anchor, message) pairs for the GOV.UK error summary, in the order fields appear."""
        items = []
        for message in self.non_field_errors():
            items.append(("", message))
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                bound = self[name]
                anchor = bound.auto_id
                if field.widget.govuk_kind in ("radios", "checkboxes"):
                    anchor = f"{bound.auto_id}_0"
                items.append((anchor, message))
        return items


class GovukForm(GovukFormMixin, forms.Form):
    pass


class GovukModelForm(GovukFormMixin, forms.ModelForm):
    pass
