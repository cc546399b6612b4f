from .cli import main

main(prog_name="evo-l2l")
