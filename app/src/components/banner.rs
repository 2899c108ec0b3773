//! The one result banner of every form (issue 11): "Saved.", "User ann created.", or what went
//! wrong. It is announced (`role=status` or `role=alert`) and takes the focus when it appears,
//! so keyboard and screen-reader users land on the result of their submit; an error inside a
//! form sends the focus on to the first field with an error.

use leptos::prelude::*;

use crate::components::draft::focus_result;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BannerKind {
    /// Something was done ("Changes saved.").
    #[default]
    Success,
    /// Something went wrong.
    Error,
}

#[component]
pub fn Banner(#[prop(optional)] kind: BannerKind, #[prop(into)] message: String) -> impl IntoView {
    let node = NodeRef::<leptos::html::P>::new();
    // Runs once the banner is in the document, i.e. each time it appears.
    Effect::new(move |_| {
        if let Some(el) = node.get() {
            focus_result(&el, kind == BannerKind::Error);
        }
    });
    let (class, role) = match kind {
        BannerKind::Success => ("banner success", "status"),
        BannerKind::Error => ("banner error", "alert"),
    };
    view! { <p class=class role=role tabindex="-1" node_ref=node>{message}</p> }
}
