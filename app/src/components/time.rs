//! Times in the viewer's time zone, with UTC on hover (issue 11).
//!
//! The server resolves the zone once per page load: the user's setting, else the browser's
//! zone from the `tz` cookie, else UTC. It formats with `chrono-tz` and writes the zone into
//! `<meta name="time-zone">`; the browser reads it back before hydrating, so both render the
//! same text, and formats later views with its own `Intl` data (no zone tables in the wasm).
//! Once hydrated, a browser without a setting stores its zone in the cookie and, if the page
//! was drawn in another zone (the very first visit), shows its times again in its own zone.

use leptos::prelude::*;

use crate::domain::datetime::Timestamp;

/// Where the zone came from: the user's setting wins over the browser.
pub const SOURCE_USER: &str = "user";

/// The viewer's time zone (an IANA name) and whether it is the user's own setting.
#[derive(Clone, Copy)]
pub struct TimeZone {
    pub name: RwSignal<String>,
    pub from_setting: RwSignal<bool>,
}

/// The user's setting, found by the page guard and handed to rendering in the request.
#[derive(Clone, Debug)]
pub struct UserTimeZone(pub String);

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
const formats = new Map();
export function local_text(ms, tz) {
  try {
    let f = formats.get(tz);
    if (!f) {
      f = new Intl.DateTimeFormat("en-US", { timeZone: tz, year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
      formats.set(tz, f);
    }
    const p = {};
    for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
    return `${p.year.padStart(4, "0")}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
  } catch (e) { return ""; }
}
export function browser_zone() {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return ""; }
}
export function page_zone() {
  const m = document.querySelector('meta[name="time-zone"]');
  return m ? m.content + "\n" + (m.dataset.source || "") : "UTC\n";
}
export function remember_browser_zone(tz) {
  if (!document.cookie.split("; ").includes("tz=" + tz))
    document.cookie = "tz=" + tz + "; path=/; max-age=31536000; SameSite=Lax";
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = local_text)]
    fn js_local_text(ms: f64, tz: &str) -> String;
    fn browser_zone() -> String;
    fn page_zone() -> String;
    fn remember_browser_zone(tz: &str);
}

/// Whether `s` looks like an IANA name (the server checks it against its list).
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn plausible(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/_+-".contains(&b))
}

/// The zone this request's page is drawn in, and whether it is the user's setting.
#[cfg(feature = "ssr")]
pub fn request_zone() -> (String, bool) {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return ("UTC".to_owned(), false);
    };
    if let Some(UserTimeZone(z)) = parts.extensions.get::<UserTimeZone>()
        && crate::service::time_zones::parse(z).is_some()
    {
        return (z.clone(), true);
    }
    let cookie = parts
        .headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("tz="))
        .filter(|z| crate::service::time_zones::parse(z).is_some());
    (cookie.unwrap_or("UTC").to_owned(), false)
}

/// What the shell writes into the page's head for the browser to hydrate with.
#[component]
pub fn TimeZoneMeta() -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (zone, user) = request_zone();
    #[cfg(not(feature = "ssr"))]
    let (zone, user) = ("UTC".to_owned(), false);
    view! { <meta name="time-zone" content=zone data-source=if user { SOURCE_USER } else { "" } /> }
}

/// Provides the viewer's zone to every `<Time>`; in the browser, starts from the zone the
/// server drew the page in, then (with no setting) switches to and remembers the browser's.
pub fn provide_time_zone() {
    #[cfg(feature = "ssr")]
    let (zone, user) = request_zone();
    #[cfg(feature = "hydrate")]
    let (zone, user) = {
        let meta = page_zone();
        let (zone, source) = meta.split_once('\n').unwrap_or(("UTC", ""));
        let zone = if plausible(zone) { zone } else { "" };
        let user = source == SOURCE_USER;
        (if zone.is_empty() { "UTC" } else { zone }.to_owned(), user)
    };
    #[cfg(not(any(feature = "ssr", feature = "hydrate")))]
    let (zone, user) = ("UTC".to_owned(), false);
    let tz = TimeZone {
        name: RwSignal::new(zone),
        from_setting: RwSignal::new(user),
    };
    provide_context(tz);
    // After hydration, so the first render matches the server's.
    Effect::new(move |_| {
        if !tz.from_setting.get() {
            use_browser_zone(tz);
        }
    });
}

/// Shows times in the browser's own zone and remembers it in the `tz` cookie for the server.
pub fn use_browser_zone(tz: TimeZone) {
    #[cfg(feature = "hydrate")]
    {
        let zone = browser_zone();
        if plausible(&zone) {
            remember_browser_zone(&zone);
            if tz.name.get_untracked() != zone {
                tz.name.set(zone);
            }
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = tz;
}

/// `at` as pages show it in `zone`, "2026-12-03 10:15" (UTC if the zone is unknown).
pub fn local_text(at: &Timestamp, zone: &str) -> String {
    #[cfg(feature = "ssr")]
    return crate::service::time_zones::local_text(at, zone);
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        let s = js_local_text(at.inner().timestamp_millis() as f64, zone);
        if !s.is_empty() {
            return s;
        }
    }
    #[cfg(not(feature = "ssr"))]
    {
        let _ = zone;
        at.inner().format("%Y-%m-%d %H:%M").to_string()
    }
}

/// One instant: the viewer's local time as text, the exact UTC instant in `datetime` and, on
/// hover, in `title` ("2026-12-03 09:15 UTC").
#[component]
pub fn Time(at: Timestamp) -> impl IntoView {
    let zone = use_context::<TimeZone>().map(|z| z.name);
    let text = move || match zone {
        Some(z) => local_text(&at, &z.get()),
        None => local_text(&at, "UTC"),
    };
    view! { <time datetime=at.to_api() title=at.to_display()>{text}</time> }
}
