//! The client's address behind a load balancer. Several servers sit behind one, and then
//! every connection comes from the balancer: the sign-in throttle would count all clients as
//! one address. With `HELPDESK_TRUSTED_PROXIES` set, a request whose connection comes from
//! one of those addresses is taken to be from the last `X-Forwarded-For` entry that is not
//! itself a trusted proxy (entries further left are the client's own claims and can be
//! forged). Without it, or from any other peer, the header is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client's address for a connection from `peer` carrying these header values.
    pub fn client(&self, peer: IpAddr, forwarded_for: &[&str]) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let hops: Vec<&str> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.iter().rev() {
            match hop.parse::<IpAddr>() {
                Ok(ip) if self.trusts(ip) => {}
                Ok(ip) => return ip,
                // Garbage in the chain: nothing left of it can be believed.
                Err(_) => break,
            }
        }
        peer
    }
}

/// `HELPDESK_TRUSTED_PROXIES`: addresses or CIDR ranges separated by commas.
///
/// # Errors
/// The message for the operator, with `{name}` and `{value}` filled in by the caller.
pub fn parse(text: &str) -> Result<TrustedProxies, String> {
    let bad = || {
        "{name} must be IP addresses or CIDR ranges separated by commas, such as \
         10.0.0.0/8,192.0.2.7, not {value}"
            .to_owned()
    };
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| bad())
        })
        .collect::<Result<Vec<_>, _>>()
        .map(TrustedProxies)
}

/// Replaces the connection's address with the client's, for every later reader (the sign-in
/// throttle reads `ConnectInfo`).
pub async fn client_address(
    State(proxies): State<TrustedProxies>,
    mut request: Request,
    next: Next,
) -> Response {
    if !proxies.0.is_empty()
        && let Some(ConnectInfo(peer)) = request.extensions().get::<ConnectInfo<SocketAddr>>()
    {
        let values: Vec<&str> = request
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let client = SocketAddr::new(proxies.client(peer.ip(), &values), peer.port());
        request.extensions_mut().insert(ConnectInfo(client));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_peer_is_believed_and_only_for_the_last_untrusted_hop() {
        let p = parse("10.0.0.0/8, 192.0.2.7").unwrap();
        // A client talking to the server directly cannot claim another address.
        assert_eq!(p.client(ip("203.0.113.5"), &["1.2.3.4"]), ip("203.0.113.5"));
        // Through the balancer: the address it saw, not what the client wrote before it.
        assert_eq!(
            p.client(ip("10.1.2.3"), &["6.6.6.6, 198.51.100.9"]),
            ip("198.51.100.9")
        );
        assert_eq!(
            p.client(ip("10.1.2.3"), &["198.51.100.9", "192.0.2.7"]),
            ip("198.51.100.9")
        );
        assert_eq!(p.client(ip("10.1.2.3"), &[]), ip("10.1.2.3"));
        assert_eq!(p.client(ip("10.1.2.3"), &["junk"]), ip("10.1.2.3"));
    }

    #[test]
    fn bad_lists_are_refused() {
        assert!(parse("10.0.0.0/33").is_err());
        assert!(parse("proxy.example.com").is_err());
        assert!(parse("").unwrap().0.is_empty());
    }
}
