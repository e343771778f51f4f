//! The HTTP API (placeholder until the api work lands).
