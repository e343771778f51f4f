//! In-memory repositories (placeholder until the storage work lands).
