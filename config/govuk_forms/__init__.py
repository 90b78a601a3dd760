"""The GOV.UK form layer every app's forms use: `GovukForm`, `GovukModelForm` and GOV.UK's date input.

Why our own layer rather than a library, and how it renders: docs/architecture.md, "Forms".
"""

from .dates import DateField, DateInput
from .forms import GovukForm, GovukFormMixin, GovukModelForm, widget_kind

__all__ = ["DateField", "DateInput", "GovukForm", "GovukFormMixin", "GovukModelForm", "widget_kind"]
