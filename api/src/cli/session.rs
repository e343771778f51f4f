//! `api session list|purge`: the stored sessions, by the server's own rules of expiry.
//!
//! A session's secret (the cookie value) is never printed: sessions are shown by their record
//! id, the `handle` the API also uses.

use std::collections::HashMap;
use std::sync::Arc;

use api::config::Config;
use api::stores::Stores;
use auth::sessions::SessionAuth;
use auth::SessionManager;
use clap::{Args, Subcommand};
use domain::{Clock, SystemClock, Timestamp, User, UserSession};
use serde::Serialize;

use super::error::CliError;
use super::table::Table;
use super::user::{find, warn_if_ephemeral};

/// The session commands.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum SessionCommand {
    /// List stored sessions with their state (live, expired or idle).
    List(ListArgs),
    /// Remove expired and idle sessions (per SESSION_DURATION and SESSION_IDLE_TIMEOUT), or
    /// every session (--all), or every session of one user (--user).
    Purge(PurgeArgs),
}

/// The arguments of `session list`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct ListArgs {
    /// Only the sessions of this user (email or id).
    #[arg(long, value_name = "EMAIL_OR_ID")]
    pub user: Option<String>,
    /// Print a JSON array instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The arguments of `session purge`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct PurgeArgs {
    /// Remove every session, live ones included: everybody is logged out.
    #[arg(long, conflicts_with = "user")]
    pub all: bool,
    /// Remove every session of this user (email or id), live ones included.
    #[arg(long, value_name = "EMAIL_OR_ID")]
    pub user: Option<String>,
}

/// One listed session.
#[derive(Debug, Serialize)]
struct Listed {
    handle: String,
    user_id: String,
    email: Option<String>,
    created_at: Timestamp,
    last_seen_at: Timestamp,
    expires_at: Option<Timestamp>,
    state: &'static str,
}

/// Runs a session command on the stores of `config`, closing them afterwards.
pub async fn run(command: SessionCommand, config: &Config) -> Result<(), CliError> {
    warn_if_ephemeral(config);
    let stores = Stores::open_persistent(config).await?;
    let result = match command {
        SessionCommand::List(args) => list(&args, config, &stores).await,
        SessionCommand::Purge(args) => purge(&args, config, &stores).await,
    };
    stores.close().await;
    result
}

async fn list(args: &ListArgs, config: &Config, stores: &Stores) -> Result<(), CliError> {
    let now = SystemClock.now();
    let mut listed = Vec::new();
    match &args.user {
        Some(key) => {
            let user = find(stores, key).await?;
            for session in stores.sessions.list_for_user(&user.id).await? {
                listed.push(describe(&session, Some(&user), config, now));
            }
        }
        None => {
            // One pass over each table, whatever their sizes; a session whose user is gone
            // is listed too (without an email), as `purge --all` would remove it.
            let users: HashMap<String, User> = stores
                .users
                .list()
                .await?
                .into_iter()
                .map(|user| (user.id.clone(), user))
                .collect();
            let sessions = match &stores.listing {
                Some(listing) => listing.list().await?,
                None => Vec::new(),
            };
            for session in &sessions {
                listed.push(describe(session, users.get(&session.user_id), config, now));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&listed)?);
        return Ok(());
    }
    let mut table = Table::new([
        "HANDLE",
        "USER ID",
        "EMAIL",
        "CREATED AT",
        "LAST SEEN AT",
        "EXPIRES AT",
        "STATE",
    ]);
    for session in &listed {
        table.row([
            session.handle.clone(),
            session.user_id.clone(),
            session.email.clone().unwrap_or_default(),
            session.created_at.to_string(),
            session.last_seen_at.to_string(),
            session
                .expires_at
                .map_or_else(|| "never".to_string(), |at| at.to_string()),
            session.state.to_string(),
        ]);
    }
    print!("{}", table.render());
    println!("{} session(s)", listed.len());
    Ok(())
}

/// Describes `session` of `user` as the server would judge it at `now`.
fn describe(session: &UserSession, user: Option<&User>, config: &Config, now: Timestamp) -> Listed {
    let last_seen = session.last_seen();
    let state = if config.session_duration.is_expired(session.created_at, now) {
        "expired"
    } else if config.idle_timeout.is_expired(last_seen, now) {
        "idle"
    } else {
        "live"
    };
    Listed {
        handle: session.id.clone(),
        user_id: session.user_id.clone(),
        email: user.and_then(|user| user.email.clone()),
        created_at: session.created_at,
        last_seen_at: last_seen,
        expires_at: config.session_duration.expires_at(session.created_at),
        state,
    }
}

async fn purge(args: &PurgeArgs, config: &Config, stores: &Stores) -> Result<(), CliError> {
    if let Some(key) = &args.user {
        let user = find(stores, key).await?;
        let removed = stores.sessions.delete_for_user(&user.id).await?;
        println!(
            "{removed} session(s) of {} <{}> removed",
            user.id,
            user.email.as_deref().unwrap_or_default()
        );
        return Ok(());
    }
    if args.all {
        // The last instant of year 9999 (the timestamp format's last): every session goes,
        // including those of users deleted meanwhile and those stamped in the future.
        let cutoff = end_of_9999();
        let removed = stores.sessions.delete_created_before(cutoff).await?;
        println!("{removed} session(s) removed");
        return Ok(());
    }
    if !config.session_duration.expires() && !config.idle_timeout.applies() {
        println!(
            "sessions never end (SESSION_DURATION unset or not positive, SESSION_IDLE_TIMEOUT \
             0): nothing is expired; use --all or --user to remove live sessions"
        );
        return Ok(());
    }
    // The server's own sweep: the same cut-offs, strictness included.
    let sweep = SessionAuth::new(
        stores.users.clone(),
        stores.sessions.clone(),
        config.session_duration,
        Arc::new(SystemClock),
    )
    .with_idle_timeout(config.idle_timeout);
    let removed = sweep.purge_expired().await?;
    println!("{removed} expired or idle session(s) removed");
    Ok(())
}

/// `9999-12-31T23:59:59`, the latest timestamp the original's format can write and within every
/// store's range (PostgreSQL's included).
fn end_of_9999() -> Timestamp {
    "9999-12-31T23:59:59"
        .parse()
        .unwrap_or_else(|_| SystemClock.now().plus_seconds(i64::MAX))
}
