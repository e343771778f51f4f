//! `api user create|list|passwd|delete`: managing users in the store, as the API would.

use std::sync::Arc;

use api::config::Config;
use api::storage_setting::StorageSetting;
use api::stores::Stores;
use auth::{Accounts, AuthError};
use clap::{Args, Subcommand};
use domain::{Clock, NewUser, PasswordHasher, SystemClock, User};
use storage::StorageError;

use super::error::CliError;
use super::prompt::read_new_password;
use super::table::Table;

/// The user commands.
#[derive(Debug, Subcommand, PartialEq, Eq)]
pub enum UserCommand {
    /// Create a user; the password is asked for (or read from stdin when it is not a terminal).
    Create(CreateArgs),
    /// List every user (never their password hashes).
    List(ListArgs),
    /// Set a user's password, asked for like `create`, and end all their sessions.
    Passwd(Target),
    /// Delete a user and end all their sessions.
    Delete(Target),
}

/// The arguments of `user create`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct CreateArgs {
    /// The new user's email (unique).
    #[arg(long)]
    pub email: String,
    /// The first name.
    #[arg(long)]
    pub first_name: Option<String>,
    /// The last name.
    #[arg(long)]
    pub last_name: Option<String>,
}

/// The arguments of `user list`.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct ListArgs {
    /// Print a JSON array of the users as the API shows them, instead of a table.
    #[arg(long)]
    pub json: bool,
}

/// The user a command acts on.
#[derive(Debug, Args, PartialEq, Eq)]
pub struct Target {
    /// The user's email or id.
    #[arg(value_name = "EMAIL_OR_ID")]
    pub user: String,
}

/// Runs a user command on the stores of `config`, closing them afterwards.
pub async fn run(command: UserCommand, config: &Config) -> Result<(), CliError> {
    warn_if_ephemeral(config);
    let stores = Stores::open_persistent(config).await?;
    let result = execute(command, config, &stores).await;
    stores.close().await;
    result
}

/// Says on stderr that a memory store ends with the command.
pub fn warn_if_ephemeral(config: &Config) {
    if matches!(config.storage, StorageSetting::Memory) {
        eprintln!("warning: STORAGE=memory: the store starts empty and ends with this command");
    }
}

async fn execute(command: UserCommand, config: &Config, stores: &Stores) -> Result<(), CliError> {
    match command {
        UserCommand::Create(args) => create(args, config, stores).await,
        UserCommand::List(args) => list(&args, stores).await,
        UserCommand::Passwd(target) => passwd(&target, config, stores).await,
        UserCommand::Delete(target) => delete(&target, config, stores).await,
    }
}

/// The account service over `stores`, hashing as the server does.
fn accounts(config: &Config, stores: &Stores) -> Result<Accounts, CliError> {
    Ok(Accounts::with_options(
        stores.users.clone(),
        stores.sessions.clone(),
        PasswordHasher::new(config.password_params)?,
        Arc::new(SystemClock),
        config.accounts.clone(),
    ))
}

async fn create(args: CreateArgs, config: &Config, stores: &Stores) -> Result<(), CliError> {
    if args.email.trim().is_empty() {
        return Err(CliError::EmptyEmail);
    }
    // Checked before the password is asked for, so nobody types one for nothing.
    if stores.users.find_by_email(&args.email).await?.is_some() {
        return Err(CliError::DuplicateEmail(args.email));
    }
    let password = read_new_password()?;
    let input = NewUser {
        email: args.email.clone(),
        password,
        first_name: args.first_name,
        last_name: args.last_name,
    };
    match accounts(config, stores)?.create_user(input).await {
        Ok(user) => {
            println!("created user {} <{}>", user.id, args.email);
            Ok(())
        }
        Err(AuthError::Storage(StorageError::DuplicateEmail)) => {
            Err(CliError::DuplicateEmail(args.email))
        }
        Err(other) => Err(other.into()),
    }
}

async fn list(args: &ListArgs, stores: &Stores) -> Result<(), CliError> {
    let users = stores.users.list().await?;
    if args.json {
        let public: Vec<_> = users.iter().map(User::public).collect();
        println!("{}", serde_json::to_string_pretty(&public)?);
        return Ok(());
    }
    let mut table = Table::new(["ID", "EMAIL", "FIRST NAME", "LAST NAME", "CREATED AT"]);
    for user in &users {
        table.row([
            user.id.clone(),
            user.email.clone().unwrap_or_default(),
            user.first_name.clone().unwrap_or_default(),
            user.last_name.clone().unwrap_or_default(),
            user.created_at.to_string(),
        ]);
    }
    print!("{}", table.render());
    println!("{} user(s)", users.len());
    Ok(())
}

async fn passwd(target: &Target, config: &Config, stores: &Stores) -> Result<(), CliError> {
    let mut user = find(stores, &target.user).await?;
    let password = read_new_password()?;
    let hasher = PasswordHasher::new(config.password_params)?;
    // The hash the API would make: Argon2id at the configured cost (`Accounts` has no reset
    // without the current password, which an administrator does not know).
    let hash = tokio::task::spawn_blocking(move || hasher.hash(&password))
        .await
        .map_err(|error| CliError::Task(error.to_string()))??;
    user.password = Some(hash);
    user.updated_at = SystemClock.now();
    match stores.users.update(user.clone()).await {
        Ok(()) => {}
        Err(StorageError::NotFound) => return Err(CliError::UnknownUser(target.user.clone())),
        Err(other) => return Err(other.into()),
    }
    // Whoever knew the old password is logged out everywhere.
    let ended = stores.sessions.delete_for_user(&user.id).await?;
    println!(
        "password changed for {} <{}>; {ended} session(s) ended",
        user.id,
        user.email.as_deref().unwrap_or_default()
    );
    Ok(())
}

async fn delete(target: &Target, config: &Config, stores: &Stores) -> Result<(), CliError> {
    let user = find(stores, &target.user).await?;
    let ended = stores.sessions.list_for_user(&user.id).await?.len();
    if !accounts(config, stores)?.delete_user(&user.id).await? {
        return Err(CliError::UnknownUser(target.user.clone()));
    }
    println!(
        "deleted user {} <{}>; {ended} session(s) ended",
        user.id,
        user.email.as_deref().unwrap_or_default()
    );
    Ok(())
}

/// Finds the user whose id or, failing that, email is `key`.
pub async fn find(stores: &Stores, key: &str) -> Result<User, CliError> {
    if let Some(user) = stores.users.get(key).await? {
        return Ok(user);
    }
    stores
        .users
        .find_by_email(key)
        .await?
        .ok_or_else(|| CliError::UnknownUser(key.to_string()))
}
