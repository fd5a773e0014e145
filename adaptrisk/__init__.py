"""adaptrisk adaptrisk package."""
