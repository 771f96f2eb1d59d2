"""Mistake models: each catalogue id as a variant of the reference with that one mistake."""
