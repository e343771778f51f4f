//! Rebuilds the crate when a migration is added or changed: `sqlx::migrate!` embeds the
//! `migrations` folder at build time, and cargo would not notice a new file in it otherwise.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
