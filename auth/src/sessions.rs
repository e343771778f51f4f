//! Cookie sessions: the original's `SessionAuth`, `SessionExpAuth` and `SessionDBAuth`.
