-- Users and login sessions, the two records of the service (domain::User, domain::UserSession).
--
-- Timestamps are `timestamp(0)` (UTC, whole seconds, as the domain's Timestamp). `seq` keeps
-- insertion order for listings; an update never changes it. `extra` holds the attributes this
-- version does not model, as `json` (kept as written) rather than `jsonb` (which reorders keys).

CREATE TABLE users (
    id          text PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY,
    email       text,
    password    text,
    first_name  text,
    last_name   text,
    created_at  timestamp(0) NOT NULL,
    updated_at  timestamp(0) NOT NULL,
    extra       json NOT NULL DEFAULT '{}'
);

CREATE UNIQUE INDEX users_seq_key ON users (seq);

-- Emails are unique and compared exactly (case-sensitive); NULLs never clash. The index is on
-- the digest because a btree entry cannot exceed about 2.7 kB and an email may be longer;
-- lookups compare the email itself as well, so they stay exact.
CREATE UNIQUE INDEX users_email_key ON users (md5(email));

CREATE TABLE user_sessions (
    id            text PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    session_id    text NOT NULL CONSTRAINT user_sessions_session_id_key UNIQUE,
    user_id       text NOT NULL,
    created_at    timestamp(0) NOT NULL,
    updated_at    timestamp(0) NOT NULL,
    last_seen_at  timestamp(0),
    client_addr   text,
    user_agent    text,
    extra         json NOT NULL DEFAULT '{}'
);

CREATE UNIQUE INDEX user_sessions_seq_key ON user_sessions (seq);
-- A user's sessions in creation order (list_for_user, delete_for_user).
CREATE INDEX user_sessions_user_id_idx ON user_sessions (user_id, seq);
-- The sweeps: sessions created, or last seen, before a cutoff.
CREATE INDEX user_sessions_created_at_idx ON user_sessions (created_at);
CREATE INDEX user_sessions_last_seen_idx ON user_sessions ((COALESCE(last_seen_at, created_at)));
