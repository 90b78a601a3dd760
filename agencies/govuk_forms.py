"""Django forms rendered as GOV.UK Frontend components, for every app.

A form that mixes in `GovukFormMixin` renders each field with `templates/forms/field.html` (label,
hint, error message and the right component for its widget) and gives its widgets the GOV.UK classes
and the `aria-describedby` links to hint and error that screen readers need.
"""

from datetime import date

from django import forms

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

    def _restore_typed(self):
        """On the page a user returns to after a time-out, bind the form to what they had posted.

        Run from style_fields(), which every form calls once its fields are all there, so the kept
        data goes to the form it came from (the first one on the page with one of its field names)."""
        from .middleware import RESTORING

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
            field = self.fields[name]
            widget = field.widget
            bound = self[name]
            described = [f"{bound.auto_id}_helptext"] if field.help_text else []
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


class DateInput(forms.MultiWidget):
    """GOV.UK's date input: three boxes for day, month and year."""

    govuk_kind = "date"
    # Lives in agencies/templates/ so Django's default form renderer finds it.
    template_name = "forms/widgets/date_input.html"

    def __init__(self, attrs=None):
        widgets = [
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2", "inputmode": "numeric"}
            ),
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-2", "inputmode": "numeric"}
            ),
            forms.TextInput(
                attrs={"class": "govuk-input govuk-date-input__input govuk-input--width-4", "inputmode": "numeric"}
            ),
        ]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if value:
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateField(forms.MultiValueField):
    """A date typed as day, month and year, with GOV.UK's error messages (`label` is used in them)."""

    widget = DateInput

    def __init__(self, *, label: str, required: bool = True, **kwargs):
        self.noun = label
        fields = (forms.CharField(), forms.CharField(), forms.CharField())
        super().__init__(fields=fields, require_all_fields=False, required=required, label=label, **kwargs)
        self.error_messages["required"] = f"Enter the {label.lower()}"
        self.error_messages["incomplete"] = f"Enter the {label.lower()} in full"

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = (str(part or "").strip() for part in data_list)
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise forms.ValidationError(f"The {self.noun.lower()} must include a {' and '.join(missing)}")
        try:
            parsed = date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # 20-digit years overflow before they can be wrong
            raise forms.ValidationError(f"The {self.noun.lower()} must be a real date, like 27 3 2024") from None
        if parsed.year < 1900:
            raise forms.ValidationError(f"The {self.noun.lower()} must have a four-digit year, like 2024")
        return parsed
