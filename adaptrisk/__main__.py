from adaptrisk.cli import run

run()
