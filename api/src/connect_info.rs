//! The client's address: the TCP peer of each connection, handed to every request it carries.
//!
//! The server hands each connection a [`Gateway`] of its own through [`WithPeerAddress`], which
//! carries the peer address (see [`Gateway::for_peer`]); the gateway gives it to the filter and
//! to the handlers (`filter::request_client`). Requests that arrive some other way (`oneshot`
//! in tests) have no peer; they may carry a [`ConnectInfo`] extension instead, as axum's own
//! `into_make_service_with_connect_info` would add, and [`client_address`] reads it.
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
use axum::serve::IncomingStream;
use tokio::net::TcpListener;
use tower::Service;

use crate::Gateway;

/// Makes the gateway of each accepted connection, with the connection's peer address.
#[derive(Clone)]
pub struct WithPeerAddress {
    gateway: Gateway,
}

impl WithPeerAddress {
    /// Serves `gateway` to every connection, each with its peer address.
    pub fn new(gateway: Gateway) -> Self {
        WithPeerAddress { gateway }
    }
}

impl Service<IncomingStream<'_, TcpListener>> for WithPeerAddress {
    type Response = Gateway;
    type Error = Infallible;
    type Future = Ready<Result<Gateway, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, TcpListener>) -> Self::Future {
        ready(Ok(self.gateway.for_peer(*stream.remote_addr())))
    }
}

/// Returns the client address that a [`ConnectInfo`] extension gives, if the request has one.
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
