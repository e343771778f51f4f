//! The client's address: the TCP peer of each connection, handed to every request it carries.
//!
//! axum adds [`ConnectInfo`] only for routers served with `into_make_service_with_connect_info`;
//! the application is a [`crate::Gateway`], so [`WithPeerAddress`] does the same for any
//! service. Requests that arrive some other way (`oneshot` in tests) have no address, and
//! [`client_address`] says so with `None`.
//!
//! Only the TCP peer is trusted, never `X-Forwarded-For` or `Forwarded`, which any client can
//! write: behind a reverse proxy every client therefore shares the proxy's address (a later
//! version may accept those headers from configured trusted proxies).

use std::convert::Infallible;
use std::future::{ready, Ready};
use std::net::{IpAddr, SocketAddr};
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use axum::http::Extensions;
use axum::middleware::AddExtension;
use axum::serve::IncomingStream;
use axum::Extension;
use tokio::net::TcpListener;
use tower::{Layer, Service};

/// Makes one copy of the wrapped service per connection, each adding
/// `ConnectInfo<SocketAddr>` (the peer's address) to the extensions of the requests it serves.
#[derive(Clone)]
pub struct WithPeerAddress<S> {
    service: S,
}

impl<S> WithPeerAddress<S> {
    /// Wraps `service`, to be passed to `axum::serve`.
    pub fn new(service: S) -> Self {
        WithPeerAddress { service }
    }
}

impl<S: Clone> Service<IncomingStream<'_, TcpListener>> for WithPeerAddress<S> {
    type Response = AddExtension<S, ConnectInfo<SocketAddr>>;
    type Error = Infallible;
    type Future = Ready<Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, TcpListener>) -> Self::Future {
        let peer = ConnectInfo(*stream.remote_addr());
        ready(Ok(Extension(peer).layer(self.service.clone())))
    }
}

/// Returns the client's IP address from a request's extensions, `None` when the request did
/// not come through [`WithPeerAddress`].
pub fn client_address(extensions: &Extensions) -> Option<IpAddr> {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| peer.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_address_is_the_peers_ip_without_the_port() {
        let mut extensions = Extensions::new();
        assert_eq!(client_address(&extensions), None);
        let peer: SocketAddr = "192.0.2.4:51234".parse().expect("a socket address");
        extensions.insert(ConnectInfo(peer));
        assert_eq!(client_address(&extensions), Some(peer.ip()));
    }
}
