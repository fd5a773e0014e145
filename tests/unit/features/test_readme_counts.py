"""The README's feature counts ("22 market-state features ... and 11 order-level features")
are the registry's."""

from __future__ import annotations

import pathlib
import re

from features import registry

README = pathlib.Path(__file__).resolve().parents[3] / "README.md"


def test_readme_when_counting_features_then_counts_are_the_registrys():
    text = README.read_text()
    market = re.search(r"(\d+) market-state features per symbol", text)
    order = re.search(r"(\d+) order-level features", text)
    assert market and order, "README no longer states the feature counts"
    assert int(market[1]) == len(registry.names("market"))
    assert int(order[1]) == len(registry.names("order"))
