//! A TCP relay in front of PostgreSQL that a test can cut and restore, to play a database that
//! goes away while a server runs (the shared test database itself is never stopped).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A relay on a free loopback port to `upstream`; while cut, it accepts connections and never
/// answers (the worst case for a client: a hang, not a quick refusal). Stops when dropped.
pub struct Relay {
    port: u16,
    state: Arc<Mutex<RelayState>>,
    acceptor: JoinHandle<()>,
}

struct RelayState {
    up: bool,
    /// Every connection relayed or held, so cutting can break them all at once.
    connections: Vec<JoinHandle<()>>,
}

impl Relay {
    /// Starts relaying to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free loopback port");
        let port = listener.local_addr().expect("a bound address").port();
        let state = Arc::new(Mutex::new(RelayState {
            up: true,
            connections: Vec::new(),
        }));
        let shared = state.clone();
        let acceptor = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = shared.lock().expect("the relay state");
                let up = state.up;
                let task = tokio::spawn(async move {
                    if !up {
                        // Hold the connection open without a byte, like a vanished host.
                        std::future::pending::<()>().await;
                    }
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                state.connections.push(task);
            }
        });
        Relay {
            port,
            state,
            acceptor,
        }
    }

    /// The port to put in a `DATABASE_URL` instead of the database's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Breaks every open connection and makes new ones hang.
    pub fn cut(&self) {
        let mut state = self.state.lock().expect("the relay state");
        state.up = false;
        for task in state.connections.drain(..) {
            task.abort();
        }
    }

    /// Relays new connections again (the held ones stay dead).
    pub fn restore(&self) {
        let mut state = self.state.lock().expect("the relay state");
        state.up = true;
        for task in state.connections.drain(..) {
            task.abort();
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.acceptor.abort();
        if let Ok(mut state) = self.state.lock() {
            for task in state.connections.drain(..) {
                task.abort();
            }
        }
    }
}
