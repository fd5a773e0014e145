"""adaptrisk jaxmodels package."""
