"""``adaptrisk live``: the flow of DESIGN.md running continuously (see ``runner``)."""
