"""GOV.UK's date input: a date typed as day, month and year, with GOV.UK's error messages."""

from datetime import date

from django import forms


class DateInput(forms.MultiWidget):
    """GOV.UK's date input: three boxes for day, month and year."""

    govuk_kind = "date"
    # In templates/forms/widgets/, found through FORM_RENDERER like every widget template.
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
