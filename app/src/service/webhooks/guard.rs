//! Which addresses a webhook may reach. A superuser's URL must not become a way into the
//! server's own network (its loopback, the private LAN, a cloud's metadata address), so unless
//! `HELPDESK_WEBHOOK_ALLOW_PRIVATE` is on, a host that resolves to such an address is refused
//! when the endpoint is saved and again at each delivery: the worker connects only to the
//! addresses its own resolver checked (`GuardedResolver`), so a DNS answer that changes after
//! the save (rebinding) cannot reach them either.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// Whether `ip` is an address a webhook may be sent to when private ones are not allowed.
pub fn address_allowed(ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                // 100.64.0.0/10, carrier-grade NAT: private in practice.
                || (a == 100 && (64..128).contains(&b))
                || a == 0)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // fc00::/7 unique local, fe80::/10 link-local.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// The host and port of an http(s) URL.
fn host_and_port(url: &str) -> Result<(String, u16), String> {
    let uri = http::Uri::try_from(url).map_err(|_| "Enter a valid URL.".to_owned())?;
    let host = uri
        .host()
        .ok_or_else(|| "Enter a valid URL.".to_owned())?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if uri.scheme_str() == Some("https") {
            443
        } else {
            80
        });
    Ok((host, port))
}

/// Resolves `host` and refuses it when any of its addresses is not allowed.
async fn resolve_checked(host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        // A resolver that does not answer must not hold a save or the worker for long.
        Err(_) => tokio::time::timeout(
            std::time::Duration::from_secs(5),
            tokio::net::lookup_host((host, port)),
        )
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| format!("The host \"{host}\" could not be resolved."))?
        .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("The host \"{host}\" could not be resolved."));
    }
    if let Some(bad) = addrs.iter().find(|a| !address_allowed(a.ip())) {
        return Err(format!(
            "The host \"{host}\" is a loopback, private, link-local or unspecified address \
             ({}); webhooks may not be sent there unless HELPDESK_WEBHOOK_ALLOW_PRIVATE=true.",
            bad.ip()
        ));
    }
    Ok(addrs)
}

/// Whether a webhook may be sent to `url`: always when `allow_private`, else when every
/// address its host resolves to is public.
///
/// # Errors
/// Why not, in words for the superuser (a field error on `url`).
pub async fn check_url(url: &str, allow_private: bool) -> Result<(), String> {
    if allow_private {
        return Ok(());
    }
    let (host, port) = host_and_port(url)?;
    resolve_checked(&host, port).await.map(|_| ())
}

/// reqwest's resolver for the worker: the addresses it connects to are the ones checked here.
/// (A URL whose host is an IP address skips resolvers; the worker checks those with
/// `check_url` before sending.)
pub(super) struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve_checked(&host, 0)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

pub(super) fn resolver() -> Arc<GuardedResolver> {
    Arc::new(GuardedResolver)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_addresses_are_refused_and_public_ones_allowed() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!address_allowed(bad.parse().unwrap()), "{bad}");
        }
        for good in ["93.184.216.34", "8.8.8.8", "2606:4700::1111"] {
            assert!(address_allowed(good.parse().unwrap()), "{good}");
        }
    }

    #[tokio::test]
    async fn a_loopback_url_is_refused_unless_private_addresses_are_allowed() {
        assert!(check_url("http://127.0.0.1:9/x", false).await.is_err());
        assert!(check_url("http://[::1]:9/x", false).await.is_err());
        assert!(check_url("http://localhost:9/x", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).await.is_ok());
    }
}
