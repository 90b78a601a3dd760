"""Reading a PDF's tagged structure back with pikepdf: what a screen reader walks."""

import io

import pikepdf


def structure_facts(content: bytes) -> dict:
    """The structure tree's elements in reading order and whether every reference in it holds together."""
    pdf = pikepdf.open(io.BytesIO(content))
    pages = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    root = pdf.Root.StructTreeRoot
    nums = root.ParentTree.get("/Nums", pikepdf.Array())
    keys = [int(nums[i]) for i in range(0, len(nums), 2)]
    elements, pages_of_elements, dangling = [], [], 0

    def walk(node, parent):
        nonlocal dangling
        if isinstance(node, pikepdf.Dictionary) and "/S" in node:
            elements.append(str(node.S))
            if "/P" in node and parent is not None and node.P.objgen != parent.objgen:
                dangling += 1
            if "/Pg" in node:
                if node.Pg.objgen in pages:
                    pages_of_elements.append(pages[node.Pg.objgen])
                else:
                    dangling += 1
            kids = node.get("/K")
            for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
                walk(kid, node)

    top = root.K
    for node in top if isinstance(top, pikepdf.Array) else [top]:
        walk(node, None)
    used = [int(page.obj.StructParents) for page in pdf.pages if "/StructParents" in page.obj]
    used += [
        int(annotation.StructParent)
        for page in pdf.pages
        for annotation in page.obj.get("/Annots", pikepdf.Array())
        if "/StructParent" in annotation
    ]
    return {
        "elements": elements,
        "documents": elements.count("/Document"),
        "element_pages_in_order": pages_of_elements == sorted(pages_of_elements),
        "dangling": dangling,
        "parent_tree_keys_unique": len(keys) == len(set(keys)),
        "every_page_and_link_in_parent_tree": set(used) <= set(keys),
        "pages_with_structure": len({p for p in pages_of_elements}),
        "pages": len(pdf.pages),
        "outline": _outline_titles(pdf),
    }


def _outline_titles(pdf) -> list[str]:
    titles = []
    with pdf.open_outline() as outline:
        stack = list(reversed(outline.root))
        while stack:
            item = stack.pop()
            titles.append(item.title)
            stack.extend(reversed(item.children))
    return titles
