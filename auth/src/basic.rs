//! HTTP Basic authentication: the original's `BasicAuth` and its parsing steps.
