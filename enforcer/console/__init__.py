"""The risk officer's console (issue 14): server-rendered pages (Jinja2 + htmx, live board
over server-sent events) mounted on the enforcer daemon's REST app at /console."""
