"""The store: all SQL lives here, one module per aggregate."""
