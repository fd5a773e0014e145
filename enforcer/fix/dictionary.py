"""A QuickFIX data dictionary that knows our custom tags 8011-8017.

QuickFIX validates every message against one dictionary file (FIX44.xml by default) and
rejects a tag it does not define. `FIX44-adaptrisk-ext.xml` (beside this module) declares
our custom fields and the messages that carry them; `merge` adds them to the stock FIX44.xml
QuickFIX ships, so a stock QuickFIX initiator can validate our reports instead of being
listed in `FixConfig.standard_only`:

    python -m enforcer.fix.dictionary /path/to/quickfix/FIX44.xml FIX44-adaptrisk.xml
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from pathlib import Path

EXTENSION = Path(__file__).with_name("FIX44-adaptrisk-ext.xml")


def merge(stock: Path | str, out: Path | str, extension: Path | str = EXTENSION) -> Path:
    """Write `stock` (a QuickFIX FIX 4.4 dictionary) plus the fields and message fields of
    `extension` to `out`. A field or message field already there is left as it is; a
    message the stock file lacks is an error (ValueError). Returns `out`."""
    tree, ext = ET.parse(stock), ET.parse(extension).getroot()
    root = tree.getroot()
    fields = root.find("fields")
    known = {f.get("number") for f in fields}
    for f in ext.find("fields"):
        if f.get("number") not in known:
            fields.append(f)
    messages = {m.get("msgtype"): m for m in root.find("messages")}
    for m in ext.find("messages"):
        target = messages.get(m.get("msgtype"))
        if target is None:
            raise ValueError(f"{stock}: no message with msgtype {m.get('msgtype')!r}")
        have = {f.get("name") for f in target.iter("field")}
        for f in m:
            if f.get("name") not in have:
                target.append(f)
    tree.write(out, encoding="utf-8", xml_declaration=True)
    return Path(out)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m enforcer.fix.dictionary STOCK_FIX44.xml OUT.xml",
              file=sys.stderr)
        return 2
    try:
        print(merge(args[0], args[1]))
    except (OSError, ET.ParseError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
