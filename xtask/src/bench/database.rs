//! Where the PostgreSQL database of the `*-pg` scenarios is, and whether anything answers there.
//!
//! The bench only needs to know whether to run those scenarios or skip them, so the check is a
//! TCP connect to the URL's host and port: no PostgreSQL client in the bench itself. A server
//! that accepts the connection but refuses the database shows later, as a failed migration.

use std::fmt;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// PostgreSQL's port when the URL names none.
const DEFAULT_PORT: u16 = 5432;

/// How long a connection attempt may take before the database counts as unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);

/// The host and port a `postgres://` URL points at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseAddress {
    /// The host name or address, without IPv6 brackets (`localhost` when the URL names none).
    pub host: String,
    /// The port.
    pub port: u16,
}

impl fmt::Display for DatabaseAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl DatabaseAddress {
    /// Reads the host and port of `postgres://[user[:password]@][host][:port][/name][?options]`;
    /// of several comma-separated hosts, the first.
    pub fn from_url(url: &str) -> Result<Self, String> {
        let rest = url
            .strip_prefix("postgres://")
            .or_else(|| url.strip_prefix("postgresql://"))
            .ok_or_else(|| "the database URL does not start with postgres://".to_string())?;
        let authority = rest.split(['/', '?']).next().unwrap_or_default();
        // The password may hold '@' only percent-encoded, so the last '@' ends the user part.
        let hosts = authority
            .rsplit_once('@')
            .map_or(authority, |(_, hosts)| hosts);
        let first = hosts.split(',').next().unwrap_or_default();
        let (host, port) = if let Some(bracketed) = first.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| format!("unclosed '[' in the database host {first:?}"))?;
            (host, after.strip_prefix(':'))
        } else {
            match first.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (first, None),
            }
        };
        let port = match port {
            None | Some("") => DEFAULT_PORT,
            Some(text) => text
                .parse::<u16>()
                .ok()
                .filter(|port| *port > 0)
                .ok_or_else(|| format!("the database port {text:?} is not a port number"))?,
        };
        let host = if host.is_empty() { "localhost" } else { host };
        Ok(DatabaseAddress {
            host: host.to_string(),
            port,
        })
    }

    /// Whether a TCP connection to the address succeeds within a couple of seconds; the error
    /// says why not, for the skipped rows.
    pub fn check_reachable(&self) -> Result<(), String> {
        let unreachable = |why: String| format!("PostgreSQL not reachable at {self} ({why})");
        let addresses = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|error| unreachable(format!("cannot resolve the host: {error}")))?;
        let mut last_error = "the host has no address".to_string();
        for address in addresses {
            match TcpStream::connect_timeout(&address, CONNECT_TIMEOUT) {
                Ok(_) => return Ok(()),
                Err(error) => last_error = error.to_string(),
            }
        }
        Err(unreachable(last_error))
    }
}

/// Whether the database of `url` answers; the error is the skipped rows' reason, such as
/// `PostgreSQL not reachable at 127.0.0.1:5432 (Connection refused (os error 111))`.
pub fn check_reachable(url: &str) -> Result<DatabaseAddress, String> {
    let address =
        DatabaseAddress::from_url(url).map_err(|why| format!("PostgreSQL not reachable: {why}"))?;
    address.check_reachable()?;
    Ok(address)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, TcpListener};

    use super::*;

    fn address(url: &str) -> Result<String, String> {
        DatabaseAddress::from_url(url).map(|address| address.to_string())
    }

    #[test]
    fn the_host_and_port_are_read_from_the_url() {
        for (url, expected) in [
            ("postgres://postgres@127.0.0.1:5432/test", "127.0.0.1:5432"),
            ("postgresql://db.example/test", "db.example:5432"),
            ("postgres://me:p%40ss@db:6543/x?sslmode=disable", "db:6543"),
            ("postgres://me@[::1]:5433/x", "[::1]:5433"),
            ("postgres://[::1]/x", "[::1]:5432"),
            ("postgres:///test", "localhost:5432"),
            ("postgres://first:5001,second:5002/x", "first:5001"),
            ("postgres://db:/x", "db:5432"),
        ] {
            assert_eq!(address(url).as_deref(), Ok(expected), "{url}");
        }
    }

    #[test]
    fn a_url_without_a_usable_address_is_refused() {
        for url in [
            "mysql://db/x",
            "postgres://db:port/x",
            "postgres://db:0/x",
            "postgres://db:70000/x",
            "postgres://[::1/x",
        ] {
            assert!(address(url).is_err(), "{url}");
        }
    }

    #[test]
    fn a_listening_port_is_reachable_and_a_closed_one_is_not() {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("a free port");
        let port = listener.local_addr().expect("its address").port();
        let url = format!("postgres://postgres@127.0.0.1:{port}/test");
        assert!(check_reachable(&url).is_ok());
        drop(listener);
        let error = check_reachable(&url).expect_err("nothing listens any more");
        assert!(
            error.starts_with(&format!("PostgreSQL not reachable at 127.0.0.1:{port} (")),
            "{error}"
        );
    }
}
