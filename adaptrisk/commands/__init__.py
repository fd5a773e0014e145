"""Sub-commands of the ``adaptrisk`` CLI; each module exposes ``register(subparsers)``."""
