"""Read a rendered page's forms the way a browser would submit them, with nothing but the standard library."""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_TYPES = {"", "text", "hidden", "email", "tel", "number", "url", "search", "date", "password"}


@dataclass
class Control:
    tag: str
    name: str
    type: str = ""
    value: str = ""
    checked: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected), for <select>
    multiple: bool = False


@dataclass
class RenderedForm:
    action: str
    method: str
    controls: list[Control] = field(default_factory=list)
    buttons: list[Control] = field(default_factory=list)

    def submission(self) -> list[tuple[str, str]]:
        """The (name, value) pairs a browser sends when the form's first submit button is pressed."""
        pairs = []
        for c in self.controls:
            if c.tag == "input":
                if c.type in ("checkbox", "radio"):
                    if c.checked:
                        pairs.append((c.name, c.value or "on"))
                elif c.type in TEXT_TYPES:
                    pairs.append((c.name, c.value))
            elif c.tag == "textarea":
                # A browser drops the single newline that may follow <textarea>.
                pairs.append((c.name, c.value[1:] if c.value.startswith("\n") else c.value))
            elif c.tag == "select":
                chosen = [v for v, selected in c.options if selected]
                if not chosen and not c.multiple and c.options:
                    chosen = [c.options[0][0]]
                pairs.extend((c.name, v) for v in chosen)
        if self.buttons and self.buttons[0].name:
            pairs.append((self.buttons[0].name, self.buttons[0].value))
        return pairs

    def checkable(self, name: str) -> list[Control]:
        return [c for c in self.controls if c.tag == "input" and c.type in ("checkbox", "radio") and c.name == name]


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[RenderedForm] = []
        self._form: RenderedForm | None = None
        self._textarea: Control | None = None
        self._select: Control | None = None
        self._option: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self._form = RenderedForm(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag == "input" and "name" in a:
            kind = a.get("type", "text").lower()
            control = Control("input", a["name"], kind, a.get("value", ""), "checked" in a)
            if kind in ("submit", "image"):
                self._form.buttons.append(control)
            elif "disabled" not in a:
                self._form.controls.append(control)
        elif tag == "button" and a.get("type", "submit").lower() == "submit":
            self._form.buttons.append(Control("button", a.get("name", ""), "submit", a.get("value", "")))
        elif tag == "textarea" and "name" in a:
            self._textarea = Control("textarea", a["name"])
            self._form.controls.append(self._textarea)
        elif tag == "select" and "name" in a:
            self._select = Control("select", a["name"], multiple="multiple" in a)
            self._form.controls.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option = [a.get("value"), "selected" in a, ""]
            self._select.options.append(None)  # filled in when the option ends

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option[2] += data

    def _end_option(self):
        value, selected, text = self._option
        self._select.options[-1] = (text.strip() if value is None else value, selected)
        self._option = None

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._option is not None:
            self._end_option()
        elif tag == "select":
            if self._option is not None:
                self._end_option()
            self._select = None
        elif tag == "form":
            self._form = None


def rendered_forms(html: str) -> list[RenderedForm]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms
