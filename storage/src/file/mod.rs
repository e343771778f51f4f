//! File repositories (placeholder).
