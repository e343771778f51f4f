//! A minimal blocking HTTP/1.1 client for the bench's own few requests: waiting until a server
//! answers, and logging in once to get a session cookie. The load itself comes from `loadgen`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// How long one probe may take before it counts as failed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// The parts of an answer the bench looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeResponse {
    /// The status code.
    pub status: u16,
    /// The headers, names in lowercase, in order.
    pub headers: Vec<(String, String)>,
}

impl ProbeResponse {
    /// The first value of header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(found, _)| found == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Sends one request on a new connection (`Connection: close`) and reads the whole answer.
pub fn send(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> io::Result<ProbeResponse> {
    let mut stream = TcpStream::connect_timeout(&address, PROBE_TIMEOUT)?;
    stream.set_read_timeout(Some(PROBE_TIMEOUT))?;
    stream.set_write_timeout(Some(PROBE_TIMEOUT))?;
    stream.write_all(request_text(address, method, path, headers, body).as_bytes())?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    parse_response(&answer).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the answer is not an HTTP response",
        )
    })
}

/// `GET path`, answering only the status code.
pub fn get_status(address: SocketAddr, path: &str) -> io::Result<u16> {
    send(address, "GET", path, &[], "").map(|response| response.status)
}

/// The request text for [`send`].
fn request_text(
    address: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> String {
    let mut text = format!(
        "{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text
}

/// Parses the status line and headers of an HTTP/1.x answer; the body is ignored.
pub fn parse_response(bytes: &[u8]) -> Option<ProbeResponse> {
    let text = String::from_utf8_lossy(bytes);
    let head = text.split("\r\n\r\n").next()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let mut parts = status_line.splitn(3, ' ');
    if !parts.next()?.starts_with("HTTP/1.") {
        return None;
    }
    let status = parts.next()?.parse().ok()?;
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_string()))
        .collect();
    Some(ProbeResponse { status, headers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_gives_its_status_and_headers() {
        let answer = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
            Set-Cookie: _my_session_id=abc; Path=/\r\n\r\n{\"status\":\"OK\"}\n";
        let response = parse_response(answer).expect("a valid answer");
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("application/json"));
        assert_eq!(
            response.header("set-cookie"),
            Some("_my_session_id=abc; Path=/")
        );
        assert_eq!(response.header("x-missing"), None);
    }

    #[test]
    fn something_else_is_not_an_answer() {
        assert_eq!(parse_response(b""), None);
        assert_eq!(parse_response(b"SSH-2.0-OpenSSH\r\n\r\n"), None);
        assert_eq!(parse_response(b"HTTP/1.1 abc OK\r\n\r\n"), None);
    }

    #[test]
    fn the_request_names_host_length_and_headers() {
        let address: SocketAddr = "127.0.0.1:8080".parse().expect("an address");
        let text = request_text(address, "POST", "/login", &[("X-A", "1")], "a=b");
        assert_eq!(
            text,
            "POST /login HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\n\
             Content-Length: 3\r\nX-A: 1\r\n\r\na=b"
        );
    }
}
