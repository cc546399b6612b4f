"""The rule kinds evo_l2l comes with, one module each (rules/kinds.py registers them).

Each module's KIND owns what differs between kinds: the problem class that scores its
genomes, what the archive records about its rules, how `best`, `evaluate`, `export`,
`plot` and `report` show them. This package sits above the analysis and evolution
layers, whose code it composes, and below the command line.
"""
