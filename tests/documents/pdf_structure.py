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
    marked = _marked_content(pdf, nums)
    return {
        **marked,
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


def _marked_content(pdf, nums) -> dict:
    """What each page's content (and the forms it draws) marks: every piece of text inside a marked-content
    sequence (tagged with an MCID, or an artifact, as PDF/UA requires), and every MCID resolving through the
    parent tree to a structure element of that page (an MCID inside a form needs the form's own /StructParents)."""
    tree = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    counts = {"text_outside_marked_content": 0, "text_in_artifacts": 0, "tagged_text": 0, "unresolved_mcids": 0}

    def walk(stream, resources, owners, page, stack):
        xobjects = resources.get("/XObject", pikepdf.Dictionary()) if resources is not None else pikepdf.Dictionary()
        for operands, operator in pikepdf.parse_content_stream(stream):
            name = str(operator)
            if name in ("BDC", "BMC"):
                stack.append(str(operands[0]))
                properties = operands[1] if name == "BDC" else None
                if isinstance(properties, pikepdf.Dictionary) and "/MCID" in properties:
                    mcid = int(properties.MCID)
                    element = owners[mcid] if owners is not None and mcid < len(owners) else None
                    if not isinstance(element, pikepdf.Dictionary) or element.get("/Pg", page).objgen != page.objgen:
                        counts["unresolved_mcids"] += 1
            elif name == "EMC":
                stack.pop()
            elif name in ("TJ", "Tj", "'", '"'):
                if not stack:
                    counts["text_outside_marked_content"] += 1
                elif "/Artifact" in stack:
                    counts["text_in_artifacts"] += 1
                else:
                    counts["tagged_text"] += 1
            elif name == "Do" and str(operands[0]) in xobjects:
                form = xobjects[str(operands[0])]
                if form.get("/Subtype") == "/Form":
                    form_owners = tree.get(int(form.StructParents)) if "/StructParents" in form else None
                    walk(form, form.get("/Resources"), form_owners, page, list(stack))

    for page in pdf.pages:
        owners = tree.get(int(page.obj.StructParents)) if "/StructParents" in page.obj else None
        walk(page, page.obj.get("/Resources"), owners, page.obj, [])
    return counts
