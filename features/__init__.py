"""adaptrisk features package."""
