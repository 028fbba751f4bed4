"""Lamina's runtime interface client for Lambda's Python runtimes (standard library only).

docs/python-handler.md describes what it does and how it differs from Lambda's own client.
"""
