//! Custom fields on the shared admin pages: their columns and form fields.

use leptos::prelude::*;

use super::{AdminRecord, yes_no};
use crate::components::form::FieldError;
use crate::domain::custom_field::{CustomField, DataType};
use crate::error::AppError;
use crate::server_fns::admin::{
    CreateCustomField, DeleteCustomField, UpdateCustomField, get_custom_field, list_custom_fields,
};

impl AdminRecord for CustomField {
    const NOUN: &'static str = "custom field";
    const COLUMNS: &'static [&'static str] = &["Name", "Label", "Type", "Required", "Staff only"];
    const DELETE_NOTE: &'static str = "Every ticket's value for it is removed too.";
    type Create = CreateCustomField;
    type Update = UpdateCustomField;
    type Delete = DeleteCustomField;

    fn list() -> impl Future<Output = Result<Vec<Self>, AppError>> + Send + 'static {
        list_custom_fields()
    }
    fn get(id: i64) -> impl Future<Output = Result<Self, AppError>> + Send + 'static {
        get_custom_field(id)
    }
    fn id(&self) -> i64 {
        self.id
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    fn cells(&self) -> Vec<String> {
        vec![
            self.label.clone(),
            self.data_type.label().to_owned(),
            yes_no(self.required),
            yes_no(self.staff_only),
        ]
    }
    fn fields(record: Option<Self>, error: Signal<Option<AppError>>) -> AnyView {
        view! { <CustomFieldFields f=record error /> }.into_any()
    }
}

#[component]
fn CustomFieldFields(f: Option<CustomField>, error: Signal<Option<AppError>>) -> impl IntoView {
    let name = f.as_ref().map(|f| f.name.clone()).unwrap_or_default();
    let label = f.as_ref().map(|f| f.label.clone()).unwrap_or_default();
    let help = f.as_ref().map(|f| f.help_text.clone()).unwrap_or_default();
    let kind = f.as_ref().map_or(DataType::Varchar, |f| f.data_type);
    let max_length = f
        .as_ref()
        .and_then(|f| f.max_length)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let decimals = f
        .as_ref()
        .and_then(|f| f.decimal_places)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let list_values = f
        .as_ref()
        .map(|f| f.list_values.clone())
        .unwrap_or_default();
    let ordering = f
        .as_ref()
        .and_then(|f| f.ordering)
        .map(|n| n.to_string())
        .unwrap_or_default();
    let required = f.as_ref().is_some_and(|f| f.required);
    let staff_only = f.as_ref().is_some_and(|f| f.staff_only);
    let empty = f.as_ref().is_some_and(|f| f.empty_selection_list);
    view! {
        <input type="hidden" name="bools" value="required,staff_only,empty_selection_list" />
        <div>
            <label for="cf-name">"Name (used in the API as custom_<name>)"</label>
            <input id="cf-name" name="f[name]" value=name required=true aria-describedby="name-error" />
            <FieldError error field="name" />
        </div>
        <div>
            <label for="cf-label">"Label"</label>
            <input id="cf-label" name="f[label]" value=label required=true maxlength="30" aria-describedby="label-error" />
            <FieldError error field="label" />
        </div>
        <div>
            <label for="cf-type">"Data type"</label>
            <select id="cf-type" name="f[data_type]" aria-describedby="data_type-error">
                {DataType::ALL
                    .into_iter()
                    .map(|d| view! { <option value=d.as_str() selected={d == kind}>{d.label()}</option> })
                    .collect_view()}
            </select>
            <FieldError error field="data_type" />
        </div>
        <div>
            <label for="cf-ordering">"Ordering"</label>
            <input id="cf-ordering" name="f[ordering]" type="number" value=ordering aria-describedby="ordering-error" />
            <FieldError error field="ordering" />
        </div>
        <div>
            <label for="cf-max">"Max length"</label>
            <input id="cf-max" name="f[max_length]" type="number" min="0" value=max_length aria-describedby="max_length-error" />
            <FieldError error field="max_length" />
        </div>
        <div>
            <label for="cf-dec">"Decimal places"</label>
            <input id="cf-dec" name="f[decimal_places]" type="number" min="0" value=decimals aria-describedby="decimal_places-error" />
            <FieldError error field="decimal_places" />
        </div>
        <div class="wide">
            <label for="cf-list">"Choices (one a line, for lists)"</label>
            <textarea id="cf-list" name="f[list_values]" rows="3" aria-describedby="list_values-error">{list_values}</textarea>
            <FieldError error field="list_values" />
        </div>
        <div class="wide">
            <label for="cf-help">"Help text"</label>
            <input id="cf-help" name="f[help_text]" value=help />
        </div>
        <fieldset class="checks">
            <legend>"Options"</legend>
            <label><input type="checkbox" name="f[required]" checked=required />" Required"</label>
            <label><input type="checkbox" name="f[staff_only]" checked=staff_only />" Staff only"</label>
            <label><input type="checkbox" name="f[empty_selection_list]" checked=empty />" Empty first choice (lists)"</label>
        </fieldset>
    }
}
