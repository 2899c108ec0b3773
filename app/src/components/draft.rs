//! Browser-side help for forms: a draft kept in the browser's storage until it is sent (so a
//! session that expired, a crash or a closed tab loses nothing), and focus moved to the first
//! error. Small inline JavaScript rather than `web-sys` features: three functions do not
//! justify recompiling `web-sys`. On the server these are no-ops.

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
function fields(form) {
  return Array.from(form.elements).filter(
    (el) => el.name && !["file", "hidden", "submit", "button"].includes(el.type),
  );
}
export function keep_form_draft(form, key, restore) {
  if (form.dataset.draft) return;
  form.dataset.draft = key;
  let saved = null;
  try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
  if (restore && saved) {
    for (const el of fields(form)) {
      if (!(el.name in saved)) continue;
      if (el.type === "checkbox") el.checked = saved[el.name] === true;
      else el.value = saved[el.name];
    }
  }
  const save = () => {
    const d = {};
    for (const el of fields(form)) d[el.name] = el.type === "checkbox" ? el.checked : el.value;
    try { localStorage.setItem(key, JSON.stringify(d)); } catch (e) { /* full or disabled */ }
  };
  form.addEventListener("input", save);
  form.addEventListener("change", save);
}
export function drop_form_draft(key) {
  try { localStorage.removeItem(key); } catch (e) { /* disabled */ }
}
export function focus_first_error(form) {
  const msg = form.querySelector(".field-error[id]");
  const field = msg && form.querySelector(`[aria-describedby~="${msg.id}"]`);
  const target = field || form.querySelector("[role=alert]");
  if (target) {
    if (!field) target.setAttribute("tabindex", "-1");
    target.focus();
  }
}
export function focus_result(el, first_error) {
  const form = first_error && el.closest("form");
  if (form && form.querySelector(".field-error[id]")) focus_first_error(form);
  else el.focus();
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = focus_result)]
    fn js_focus_result(el: &wasm_bindgen::JsValue, first_error: bool);
    fn keep_form_draft(form: &wasm_bindgen::JsValue, key: &str, restore: bool);
    fn drop_form_draft(key: &str);
    fn focus_first_error(form: &wasm_bindgen::JsValue);
}

/// The form element, as a `NodeRef<Form>` gives it.
type Form = leptos::web_sys::HtmlFormElement;

/// Saves the fields of `form` under `key` in localStorage as they are typed, and first fills
/// them from a saved draft when `restore` (not when the server already filled the form from a
/// failed post). Files are never kept.
pub fn keep_draft(form: &Form, key: &str, restore: bool) {
    #[cfg(feature = "hydrate")]
    keep_form_draft(form.as_ref(), key, restore);
    #[cfg(not(feature = "hydrate"))]
    let _ = (form, key, restore);
}

/// Forgets the draft saved under `key`: it was sent.
pub fn drop_draft(key: &str) {
    #[cfg(feature = "hydrate")]
    drop_form_draft(key);
    #[cfg(not(feature = "hydrate"))]
    let _ = key;
}

/// Moves focus to the first field with an error in `form`, else to its alert.
pub fn focus_error(form: &Form) {
    #[cfg(feature = "hydrate")]
    focus_first_error(form.as_ref());
    #[cfg(not(feature = "hydrate"))]
    let _ = form;
}

/// Moves focus to a result that just appeared: a banner itself, or for an error inside a
/// form, the form's first field with an error (else the error). Screen readers then read it.
pub fn focus_result(el: &leptos::web_sys::HtmlElement, first_error: bool) {
    #[cfg(feature = "hydrate")]
    js_focus_result(el.as_ref(), first_error);
    #[cfg(not(feature = "hydrate"))]
    let _ = (el, first_error);
}
