"""The wire contract: pydantic models shared by the server and the client (API.md)."""

API_PREFIX = "/api/v1"
