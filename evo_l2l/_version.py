"""The package's version, in a module of its own: code of every layer records it (archives,
workers' version checks) without importing the package root, which reaches the top layers."""
__version__ = "0.1.0"
