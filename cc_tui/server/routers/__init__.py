"""Thin routers: parse, authorise, call the store or the domain, return a model."""
