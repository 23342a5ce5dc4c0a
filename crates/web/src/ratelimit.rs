//! Rate limits by client address, in front of the endpoints that guess secrets or cost an argon2 hash, and of the
//! uploads that cost an image decode.
//!
//! The per-username lockout (`signin_failures`) stops guessing one account's password; it does nothing against one
//! address trying many usernames, registering over and over, or hammering the token endpoint. So every `POST` to a
//! [`GUARDED`] path also spends from a bucket kept per client address: [`RateLimit::per_minute`] requests a minute,
//! with a burst of as many (governor's GCRA, keyed by address). Over the limit the answer is 429 with
//! `Retry-After`: a page in the caller's language for the forms, the OAuth error shape for `/oidc/token`.
//! `POST`s to the [`UPLOADS`] paths spend from a second bucket per address, [`RateLimit::uploads_per_minute`].
//!
//! The client address is the TCP peer, unless the peer is one of [`RateLimit::trusted_proxies`]: then it is the
//! right-most `X-Forwarded-For` entry that is not itself a trusted proxy (entries further left were written by the
//! client and prove nothing). IPv6 clients are keyed on their /64, the block one subscriber usually holds, so that
//! walking through one's own addresses does not reset the limit. The buckets live in this process only: several
//! nodes behind a balancer each allow the quota.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::Json;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{CACHE_CONTROL, PRAGMA, RETRY_AFTER};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::{AppError, AppState};

/// The paths whose `POST`s are limited, matched as whole path segments: `/signin` covers `/signin/mfa`, and
/// `/password` covers `/password/forgot` and `/password/reset`.
pub const GUARDED: &[&str] = &["/signin", "/register", "/oidc/token", "/password"];

/// The paths whose `POST`s take uploads that are expensive to read (an image to decode), matched like [`GUARDED`].
pub const UPLOADS: &[&str] = &["/verify"];

/// The production quota of [`UPLOADS`] per client address: 30 a minute, all of which may come at once.
///
/// Someone checking credentials at a desk verifies a few a minute; 30 leaves room for a queue of people, while one
/// address can keep at most a couple of decodes busy. Verifying many codes by machine is `POST /api/v1/verify`
/// with the text, or offline with the verifier bundle.
pub const DEFAULT_UPLOADS_PER_MINUTE: NonZeroU32 = NonZeroU32::new(30).expect("30 is not zero");

/// The production quota per client address: 10 requests a minute, all of which may come at once.
///
/// A person signing in needs two requests (password, then code), and a mistyped password or code a few more, so
/// 10 leaves room for honest mistakes; an address that keeps going is held to one try every 6 seconds, which
/// makes guessing over many usernames slow and caps the argon2 work one address can cause at 10 hashes a minute.
/// Many people behind one NAT share a bucket: raise it (or trust the proxy that knows them apart) if that bites.
pub const DEFAULT_PER_MINUTE: NonZeroU32 = NonZeroU32::new(10).expect("10 is not zero");

/// How often buckets that have refilled are dropped, so that memory follows the addresses seen recently only.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// The rate-limit settings.
#[derive(Debug, Clone)]
pub struct RateLimit {
    /// Requests a minute to the [`GUARDED`] paths per client address (also the burst).
    pub per_minute: NonZeroU32,
    /// Requests a minute to the [`UPLOADS`] paths per client address (also the burst).
    pub uploads_per_minute: NonZeroU32,
    /// Peers whose `X-Forwarded-For` is believed: the installation's own reverse proxies. Empty by default.
    pub trusted_proxies: Vec<IpAddr>,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_minute: DEFAULT_PER_MINUTE,
            uploads_per_minute: DEFAULT_UPLOADS_PER_MINUTE,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The buckets of one server, shared by every request.
pub struct Limiter {
    buckets: DefaultKeyedRateLimiter<IpAddr>,
    upload_buckets: DefaultKeyedRateLimiter<IpAddr>,
    trusted_proxies: Vec<IpAddr>,
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("addresses", &self.buckets.len())
            .field("uploading_addresses", &self.upload_buckets.len())
            .finish()
    }
}

impl Limiter {
    /// Buckets for `settings`, swept every minute by a task on the current runtime for as long as they live.
    pub fn start(settings: &RateLimit) -> Arc<Limiter> {
        let limiter = Arc::new(Limiter {
            buckets: RateLimiter::keyed(Quota::per_minute(settings.per_minute)),
            upload_buckets: RateLimiter::keyed(Quota::per_minute(settings.uploads_per_minute)),
            trusted_proxies: settings.trusted_proxies.clone(),
        });
        let weak: Weak<Limiter> = Arc::downgrade(&limiter);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SWEEP_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                // The task ends with the server's state rather than keeping it alive.
                let Some(limiter) = weak.upgrade() else { break };
                for buckets in [&limiter.buckets, &limiter.upload_buckets] {
                    buckets.retain_recent();
                    buckets.shrink_to_fit();
                }
            }
        });
        limiter
    }

    /// Spends one request of `client`'s bucket for `path`; `Err` holds how long to wait before the next is allowed.
    fn check(&self, path: &str, client: IpAddr) -> Result<(), Duration> {
        let buckets = if under(UPLOADS, path) { &self.upload_buckets } else { &self.buckets };
        buckets.check_key(&client).map_err(|not_until| not_until.wait_time_from(buckets.clock().now()))
    }
}

/// Whether `path` is one of `paths` or below one.
fn under(paths: &[&str], path: &str) -> bool {
    paths.iter().any(|p| path.strip_prefix(p).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')))
}

/// Whether `path` is one of the [`GUARDED`] paths or below one.
pub fn is_guarded(path: &str) -> bool {
    under(GUARDED, path)
}

/// The bucket key of an address: IPv4 (including IPv4-mapped IPv6) as is, IPv6 cut to its /64.
pub fn bucket_of(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.to_bits() & !u128::from(u64::MAX))),
        v4 => v4,
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the right-most `X-Forwarded-For` entry
/// that is not a trusted proxy. A malformed entry ends the walk at the last proxy, which then stands for the client.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpAddr]) -> IpAddr {
    let trusted = |ip: &IpAddr| trusted_proxies.contains(&ip.to_canonical());
    if !trusted(&peer) {
        return peer;
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for entry in entries.iter().rev() {
        match entry.parse::<IpAddr>() {
            Ok(ip) if trusted(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => break,
        }
    }
    client
}

/// Middleware: limits the `POST`s to [`GUARDED`] and [`UPLOADS`] paths per client address.
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if request.method().is_safe() || !(is_guarded(path) || under(UPLOADS, path)) {
        return next.run(request).await;
    }
    // Every server is started with its peers' addresses; without one (a router served some other way), all
    // clients share one bucket, which fails closed rather than open.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let limiter = &state.rate_limiter;
    let client = bucket_of(client_address(peer, request.headers(), &limiter.trusted_proxies));
    let Err(wait) = limiter.check(request.uri().path(), client) else {
        return next.run(request).await;
    };
    let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let retry_after = retry_after.max(1);
    tracing::warn!(client = %client, path = request.uri().path(), retry_after, "rate limit: request refused");
    let mut response = if request.uri().path() == "/oidc/token" {
        // RFC 6749 §5.2 lists the token endpoint's error codes; `slow_down` belongs to the device grant's polling
        // (RFC 8628 §3.5), which congso does not offer, so a client library may not know it. `invalid_request` is
        // always understood, and the 429 status with Retry-After says what to do. The shape is the one
        // `identity::oidc::error::OAuthError::token_response` writes.
        let body = serde_json::json!({
            "error": "invalid_request",
            "error_description": format!("too many requests from this address; retry after {retry_after} seconds"),
        });
        let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
        response.headers_mut().insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response.headers_mut().insert(PRAGMA, HeaderValue::from_static("no-cache"));
        response
    } else {
        // The error renderer turns this into a page in the caller's language (JSON under /api/).
        AppError::TooManyRequests.into_response()
    };
    response.headers_mut().insert(RETRY_AFTER, HeaderValue::from(retry_after));
    response
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", v.parse().unwrap());
        }
        headers
    }

    #[test]
    fn guarded_paths_are_matched_by_segment() {
        for path in ["/signin", "/signin/mfa", "/register", "/oidc/token", "/password/forgot", "/password/reset"] {
            assert!(is_guarded(path), "{path}");
        }
        for path in ["/signout", "/signinx", "/registers", "/oidc/authorize", "/account/password", "/api/v1/me"] {
            assert!(!is_guarded(path), "{path}");
        }
        assert!(under(UPLOADS, "/verify") && !under(UPLOADS, "/api/v1/verify") && !under(UPLOADS, "/verifyx"));
    }

    #[test]
    fn ipv6_is_keyed_on_its_64() {
        assert_eq!(bucket_of(ip("2001:db8:1:2:aaaa::1")), ip("2001:db8:1:2::"));
        assert_eq!(bucket_of(ip("2001:db8:1:2:ffff::9")), bucket_of(ip("2001:db8:1:2::1")));
        assert_ne!(bucket_of(ip("2001:db8:1:3::1")), bucket_of(ip("2001:db8:1:2::1")));
        assert_eq!(bucket_of(ip("203.0.113.7")), ip("203.0.113.7"));
        assert_eq!(bucket_of(ip("::ffff:203.0.113.7")), ip("203.0.113.7"));
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let proxy = ip("10.0.0.1");
        let headers = xff(&["198.51.100.9, 203.0.113.7"]);
        assert_eq!(client_address(ip("192.0.2.1"), &headers, &[proxy]), ip("192.0.2.1"));
        assert_eq!(client_address(proxy, &headers, &[]), proxy);
        assert_eq!(client_address(proxy, &headers, &[proxy]), ip("203.0.113.7"));
    }

    #[test]
    fn the_right_most_untrusted_entry_is_the_client() {
        let proxies = [ip("10.0.0.1"), ip("10.0.0.2")];
        // The client wrote the left-most entries itself; the proxies appended what they saw.
        let headers = xff(&["1.2.3.4", "203.0.113.7, 10.0.0.2"]);
        assert_eq!(client_address(ip("10.0.0.1"), &headers, &proxies), ip("203.0.113.7"));
        // Only proxies: the farthest one stands for the client.
        assert_eq!(client_address(ip("10.0.0.1"), &xff(&["10.0.0.2"]), &proxies), ip("10.0.0.2"));
        // Garbage ends the walk.
        assert_eq!(client_address(ip("10.0.0.1"), &xff(&["203.0.113.7, junk"]), &proxies), ip("10.0.0.1"));
        assert_eq!(client_address(ip("10.0.0.1"), &HeaderMap::new(), &proxies), ip("10.0.0.1"));
    }
}
