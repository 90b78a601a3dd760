"""Reading a rendered form's inputs by their attributes, whatever order the renderer writes them in."""

from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def inputs_of(html: str, **wanted) -> list[dict]:
    """The <input> elements whose attributes include every one of `wanted` (e.g. name="is_unborn")."""
    parser = _Inputs()
    parser.feed(html)
    return [i for i in parser.inputs if all(i.get(k) == v for k, v in wanted.items())]


def is_checked(html: str, name: str, value: str | None = None) -> bool:
    """Whether the checkbox or radio `name` (with `value`, if given) is rendered ticked."""
    wanted = {"name": name} if value is None else {"name": name, "value": value}
    return any("checked" in i for i in inputs_of(html, **wanted))
